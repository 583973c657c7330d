/*
 * cells_internal.h - what the import's header matching (mapping.c), its cell conversion
 * (cells.c) and the import itself (header.c) share: the folded labels of a form, prepared once
 * per import (pn_cells, opaque outside src/import). Not a public header.
 */
#ifndef PN_IMPORT_CELLS_INTERNAL_H
#define PN_IMPORT_CELLS_INTERNAL_H

#include <stdint.h>

#include "import/mapping.h"
#include "util/strbuf.h"
#include "util/strindex.h"

typedef struct header_index header_index;

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
    /* the form's names, paths, labels and stems indexed for matching a header (mapping.c),
     * built at the first header and kept for the next ones; NULL before */
    header_index *hx;
};

/* Free @hx (NULL: nothing), made for a form of @nq questions. */
void pn_header_index_free(header_index *hx, size_t nq);

#define SHARED ((SIZE_MAX >> 1) + 1) /* in by_label, by_lower_name: two choices match */

/*
 * pn_map_header_cells - pn_map_header (mapping.h) with the folded labels of @c's form made
 * already: an import matches each file's header with the pn_cells it converts the cells with,
 * rather than folding every label and choice of the form again per file. Header matching
 * reads only the folded labels of @c (and its scratch buffers), never its map.
 */
PN_MUST_USE pn_status pn_map_header_cells(pn_cells *c, const pn_map *map, pn_dialect dialect,
                                          size_t n, char *const *header, pn_col *cols,
                                          pn_error *err);

#endif
