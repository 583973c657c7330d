/*
 * calc.h - the relevance and the calculations of one row of answers, as the import computes
 * them: the one place where a form's `relevant` and `calculation` expressions are evaluated
 * for stored data, used by the import (import.c) as it checks each row and by the
 * recalculation of stored answers when a form changes (recalc.h), so that both give the same
 * value for the same answers.
 *
 * The caller fills c->val with the row's answers (one per question of the form; NULL for no
 * answer, which expressions see as ''), calls pn_calc_row(), then takes the questions of the
 * row's level in the form's order: pn_calc_relevant() for each, and pn_calc_value() for each
 * calculate, whose value it puts in c->val for the questions after it. When the caller changes
 * an answer itself (an answer emptied because its question does not apply), it calls
 * pn_calc_changed(). The result of each distinct relevance expression (a group's, the same for
 * each of its questions) is kept until an answer changes.
 *
 * May call: util, form (src/import's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_IMPORT_CALC_H
#define PN_IMPORT_CALC_H

#include <stddef.h>

#include "form/form.h"
#include "util/error.h"

/* Embedded by the caller: pn_calc_init, pn_calc_release. */
typedef struct pn_calc {
    const pn_form *form; /* lent */
    const char *today;   /* "YYYY-MM-DD" for today(), or NULL (today() is then an error) */
    /* per question: the answer the expressions see, or NULL for none; lent by the caller,
     * except a calculate's, which points into owned */
    const char **val;
    char **owned; /* per question: the calculated value, owned */
    /* private */
    /* the question a name (a pointer of the form's expressions) was last found at */
    struct {
        const char *name;
        size_t q;
    } seen[64];
    size_t **rel_slot;     /* per question, per relevance expression: its distinct text */
    unsigned *slot_gen;    /* per distinct text: the generation its result belongs to */
    unsigned char *slot_v; /* per distinct text: the result */
    unsigned gen;          /* bumped per row, and when an answer changes */
} pn_calc;

/*
 * pn_calc_init - prepare @c for @form (lent; it must outlive @c), with @today for today().
 * Allocates c->val (every entry NULL) and c->owned. PN_ENOMEM on failure; release @c
 * with pn_calc_release either way.
 */
PN_MUST_USE pn_status pn_calc_init(pn_calc *c, const pn_form *form, const char *today,
                                   pn_error *err) __attribute__((warn_unused_result));

/* Free what @c holds (a zeroed pn_calc is fine). */
void pn_calc_release(pn_calc *c);

/* A new row: the relevance kept for the previous one is forgotten. */
void pn_calc_row(pn_calc *c);

/* An answer in c->val was changed by the caller. */
void pn_calc_changed(pn_calc *c);

/*
 * The pn_expr_lookup_fn over c->val (@ctx is the pn_calc): the answer to ${name}, "" for
 * none, or NULL when the form has no such question. The string stays valid until c->val
 * changes, so an env using it may be `stable`.
 */
const char *pn_calc_lookup(void *ctx, const char *name);

/*
 * pn_calc_relevant - whether question @i applies, given the answers in c->val: every
 * relevance expression of its groups, repeat and own must hold. When one cannot be evaluated,
 * *@relevant is 0 and the result is PN_EINPUT with @e saying why (the caller decides what to
 * make of it); PN_ENOMEM when out of memory.
 */
PN_MUST_USE pn_status pn_calc_relevant(pn_calc *c, size_t i, int *relevant, pn_error *e)
    __attribute__((warn_unused_result));

/*
 * pn_calc_value - compute calculate @i into c->owned[i] and c->val[i]: its calculation when
 * @relevant, else "" (stored as not applicable). When the calculation cannot be evaluated,
 * c->val[i] is "" and the result is PN_EINPUT with @e saying why; PN_ENOMEM when out of
 * memory.
 */
PN_MUST_USE pn_status pn_calc_value(pn_calc *c, size_t i, int relevant, pn_error *e)
    __attribute__((warn_unused_result));

#endif
