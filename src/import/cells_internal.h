/*
 * cells_internal.h - what the import's header matching (mapping.c) and its cell conversion
 * (cells.c) share: the folded labels of a form, prepared once per import (pn_cells, opaque
 * outside src/import). Not a public header.
 */
#ifndef PN_IMPORT_CELLS_INTERNAL_H
#define PN_IMPORT_CELLS_INTERNAL_H

#include <stdint.h>

#include "import/mapping.h"
#include "util/strbuf.h"
#include "util/strindex.h"

struct pn_cells {
    const pn_form *form;
    const pn_map *map;
    char **label;      /* per question: folded label */
    char **label_path; /* per question: folded label path */
    char ***choice;    /* per question with a list: folded label of each choice */
    int *ident;        /* per question: the pn_ident_kind + 1 of an identifier, else 0 */
    int *yes_no;       /* per question: index of the yes choice + 1 when the list is yes/no */
    int *no_idx;
    /* per question with a list: its folded choice labels, and its choice names in ASCII
     * lower case (c_name), each to the first choice that has it, with SHARED set when
     * another choice has it too: one lookup per answer, whatever the list's length */
    pn_strindex *by_label, *by_lower_name;
    char ***lower_name;
    pn_strbuf fold;      /* scratch */
    pn_strbuf part;      /* scratch */
    unsigned char *seen; /* scratch: one flag per choice */
    size_t seen_cap;
};

#define SHARED ((SIZE_MAX >> 1) + 1) /* in by_label, by_lower_name: two choices match */

#endif
