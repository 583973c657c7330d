/*
 * recalc.h - give the stored answers of a form the values of its calculations.
 *
 * A calculation (the link typology among them) is derived data: when a form's rule changes,
 * every stored answer of that form gets the new value, so that no table mixes two versions of
 * a rule. Each stored submission, then each stored repeat entry, is evaluated as the import
 * evaluates a row (import/calc.h): the questions of its level in the form's order, each
 * calculate with its relevance (not applicable is stored as NULL), an entry seeing its
 * submission's answers as recalculated. The answers themselves are left as they are; an
 * answer to a question the new form says does not apply is seen as '' by the calculations,
 * as the import sees it.
 *
 * May call: util, form, store's cursors and updaters (src/import's room;
 * docs/architecture.md, enforced by the build).
 */
#ifndef PN_IMPORT_RECALC_H
#define PN_IMPORT_RECALC_H

#include <stddef.h>

#include "form/form.h"
#include "store/store.h"
#include "util/error.h"

/* How many rows of one calculate went from one value to another (NULL: not applicable). */
typedef struct pn_recalc_change {
    char *from, *to; /* owned */
    size_t n;
} pn_recalc_change;

/* What happened to one calculate. */
typedef struct pn_recalc_var {
    char *name;   /* owned */
    int repeat;   /* -1: a submission's question; else the index of its repeat in the form */
    int links;    /* its rows are the links a structure reports (the form's partner repeat) */
    int has_list; /* it takes a choice list's names (a class, such as the link typology) */
    size_t rows;  /* rows evaluated */
    size_t changed;
    /* has_list only: each change of value, most frequent first (then by names) */
    pn_recalc_change *changes;
    size_t nchanges;
} pn_recalc_var;

typedef struct pn_recalc_result {
    char *form_id;       /* owned; NULL when nothing was recalculated */
    pn_recalc_var *vars; /* one per calculate of the form, in the form's order; owned */
    size_t nvars;
} pn_recalc_result;

/*
 * pn_recalc_form - record @form (its XLSForm text @source, @len bytes) in @store (adding the
 * columns its tables lack) and recalculate every stored answer of it, within the caller's
 * transaction (pn_store_begin). @today: "YYYY-MM-DD" for today(), or NULL.
 * *@res says what changed (release with pn_recalc_result_release, also on failure).
 * A calculation that cannot be evaluated for a stored row is PN_EINPUT, naming the form, the
 * submission's key, its file and line, and the column; the caller then rolls back.
 */
PN_MUST_USE pn_status pn_recalc_form(pn_store *store, const pn_form *form, const char *source,
                                     size_t len, const char *today, pn_recalc_result *res,
                                     pn_error *err) __attribute__((warn_unused_result));

/* The number of rows whose value changed, over every calculate of @res. */
size_t pn_recalc_changed(const pn_recalc_result *res);

void pn_recalc_result_release(pn_recalc_result *res);

#endif
