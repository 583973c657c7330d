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
/* Add to @to the counts of @from, counted apart over later units of the same table: the
 * categories @from found that @to lacks after @to's, in @from's order; its cells, missing,
 * cases and units; and, when @to_base is not NULL, the cells of @from_base by column.
 * PN_OK or PN_ENOMEM. */
PN_MUST_USE pn_status counter_merge(counter *to, const counter *from, counter *to_base,
                                    const counter *from_base);
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
/* One variable as seen in one form. */
typedef struct varref {
    const pn_question *q; /* NULL for the pseudo-variable reseau */
    int level;            /* -1 top level, else repeat index */
} varref;

/* The question @name of @f (or the pseudo-variable reseau) into @out. PN_OK; PN_EUSAGE when
 * @f has no such question with a value (or, for reseau, no side). */
PN_MUST_USE pn_status var_resolve(const pn_form *f, const char *name, varref *out);

/*
 * One table being counted: a part of the result of one request, over the forms it pools
 * (every form that has its variables) or over one form (a network's own table). Its first
 * failure stops it, and is kept to be given for its request.
 */
typedef struct job {
    const pn_tab_request *req;
    const char *by; /* req->by; NULL when none */
    pn_tab_kind kind;
    pn_form *const *forms; /* the forms counted, in the order of the stored forms; lent */
    size_t nforms;
    pn_tab_part *out;
    counter c;
    counter base; /* a select_multiple by a variable: per column, its respondents (row 0)
                   * and non-response (row 1) */
    int multi;
    varref first_var, first_by;
    unsigned link_sides; /* 1 << pn_form_side of each side whose links were counted */
    unsigned sides;      /* 1 << pn_form_side of each form it read */
    int links;           /* its units are the entries of the forms' partner repeat */
    pn_expr *filter;     /* req->where, parsed; NULL when none */
    pn_status st;        /* PN_OK while it counts */
    pn_tab_fault fault;
    pn_error err;
} job;

/* Stop @j with @st unless it has failed already; the message is in j->err, the fault in
 * j->fault (set by what failed). */
static inline void job_fail(job *j, pn_status st)
{
    if (j->st == PN_OK)
        j->st = st;
}

/* Start job @j (its request, forms and kind set): its categories first from the choice
 * lists, in the forms' order; its filter parsed. PN_OK, PN_EINPUT (the filter, with j->fault
 * set), PN_EINTERNAL, PN_ENOMEM. */
PN_MUST_USE pn_status job_start(job *j);
/* Free what @j holds; @j is zeroed. */
void job_release(job *j);

/* Plan the pairs request @req (req->pairs) against the @nids stored @forms: *@cf and *@sf
 * the centres' and schools' forms it reads (one of them NULL when that network has no form
 * yet: no pair, an empty table), out->kind and out->parts (one, empty) set.
 * PN_EINPUT with *@fault set when it cannot be counted (see pn_tabulate), PN_ENOMEM. */
PN_MUST_USE pn_status plan_pairs(pn_form *const *forms, size_t nids, const pn_tab_request *req,
                                 pn_tab_result *out, pn_form **cf, pn_form **sf,
                                 pn_tab_fault *fault, pn_error *err);

/* Count and compute the agreement tables of the @n jobs @js of pairs requests (planned by
 * plan_pairs against the centres' form @cf and the schools' @sf) into each job's out->agree,
 * from one reading of the pairs (the schools' side on @twin beside, when not NULL); a failure
 * is each job's. */
void count_pairs(pn_store *s, pn_store *twin, const pn_form *cf, const pn_form *sf, job *const *js,
                 size_t n);

/*
 * Count the units of the @njobs @jobs, form by form in the order of the @nforms stored
 * @forms (the order each job counts its own forms in): for each form, one scan per level
 * that some job counts at (its submissions, the entries of a repeat), that every job of
 * that level reads. A job's failure stops it alone. PN_ENOMEM when none could start.
 */
PN_MUST_USE pn_status count_jobs(pn_store *s, pn_store *twin, pn_form *const *forms, size_t nforms,
                                 job *jobs, size_t njobs, pn_error *err);

#endif
