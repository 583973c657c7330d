/*
 * tabulate_internal.h - what the counting of requests (tabulate.c), the categories and counts
 * of a table (counter.c) and the checks of a request against the stored forms (checks.c)
 * share. Not a public header.
 */
#ifndef PN_STATS_TABULATE_INTERNAL_H
#define PN_STATS_TABULATE_INTERNAL_H

#include "stats/tabulate.h"
#include "util/strindex.h"

/* The pseudo-variable of a spec or a filter that stands for the reporting structure's side
 * (its form's side, not a question: a question of that name, if any, takes precedence). */
#define RESEAU "reseau"

/* The categories last found, by a hash of a few bytes of their name: most answers are one
 * of a few choices, found again without hashing each of their bytes (pn_strindex). */
#define QUICK 64

/* The categories of a variable, merged across forms. */
typedef struct catset {
    pn_category *cats;
    size_t n, cap;
    int from_list;           /* categories come from a choice list (else sorted values) */
    pn_strindex index;       /* each category's name to its index into cats */
    size_t quick[QUICK];     /* per slot, 1 + the index of the category last found there; 0 none */
    size_t quick_len[QUICK]; /* and the length of its name */
} catset;

/* Counts keyed by (row category, column category), grown as categories appear. */
typedef struct counter {
    catset rows, cols;
    double *cell; /* rows.cap x cols.cap, row-major on a fixed stride */
    size_t stride, nrows_alloc;
    double missing, cases;
    size_t units; /* units counted (answered or missing), outside the base ones excluded */
} counter;

/* Find or add the category named by the @len bytes at @name (its label @label, NULL for the
 * name); its index into *@idx when @idx is not NULL. PN_OK or PN_ENOMEM. */
PN_MUST_USE pn_status cat_add_n(catset *cs, const char *name, size_t len, const char *label,
                                size_t *idx);
/* The same for the NUL-terminated @name. */
PN_MUST_USE pn_status cat_add(catset *cs, const char *name, const char *label, size_t *idx);
/* Free the categories' names and labels and the index; @cs is empty again. */
void catset_release(catset *cs);

/* Add @w to the cell (@r, @col), growing the cells as needed. PN_OK or PN_ENOMEM. */
PN_MUST_USE pn_status counter_add(counter *c, size_t r, size_t col, double w);
/* The cell (@r, @col); 0 for one never added to. */
double counter_get(const counter *c, size_t r, size_t col);
/* Put the rows of @c, values outside any choice list (text, numbers), in sorted order
 * (numbers by value, then texts byte by byte), with the counts of its @ncol columns.
 * PN_OK or PN_ENOMEM (set in @err). */
PN_MUST_USE pn_status counter_sort_rows(counter *c, size_t ncol, pn_error *err);

/* PN_EINPUT when the table @req asks for uses a question that a form of the @n @forms marks
 * as personal data (form.h): as the variable, the --by variable or in the filter; the
 * message says why. PN_OK otherwise (a filter that does not parse is reported where it is
 * used). */
PN_MUST_USE pn_status pn_tab_check_personal(pn_form *const *forms, size_t n,
                                            const pn_tab_request *req, pn_error *err);

/* Check the filter @where against the @nforms stored @forms: it parses, each ${name} is a
 * question of some form (or reseau), each choice test uses a choice name. PN_OK; PN_EINPUT
 * with a message that quotes the filter; PN_ENOMEM. */
PN_MUST_USE pn_status pn_tab_check_filter(pn_form *const *forms, size_t nforms, const char *where,
                                          pn_error *err);

#endif
