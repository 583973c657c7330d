#include "import/calc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Number the distinct relevance expressions (by text) for pn_calc_relevant's memo. */
static pn_status index_relevance(pn_calc *c, pn_error *err)
{
    const pn_form *f = c->form;
    size_t total = 0, nslots = 0;
    for (size_t i = 0; i < f->nq; i++)
        total += f->q[i].nrelevant;
    const pn_expr **texts = calloc(total ? total : 1, sizeof *texts);
    c->rel_slot = calloc(f->nq ? f->nq : 1, sizeof *c->rel_slot);
    c->slot_gen = calloc(total ? total : 1, sizeof *c->slot_gen);
    c->slot_v = calloc(total ? total : 1, 1);
    if (texts == NULL || c->rel_slot == NULL || c->slot_gen == NULL || c->slot_v == NULL) {
        free(texts);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if ((c->rel_slot[i] = calloc(q->nrelevant ? q->nrelevant : 1, sizeof(size_t))) == NULL) {
            free(texts);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < q->nrelevant; k++) {
            size_t s = 0;
            while (s < nslots && strcmp(pn_expr_text(texts[s]), pn_expr_text(q->relevant[k])) != 0)
                s++;
            if (s == nslots)
                texts[nslots++] = q->relevant[k];
            c->rel_slot[i][k] = s;
        }
    }
    free(texts);
    return PN_OK;
}

pn_status pn_calc_init(pn_calc *c, const pn_form *form, const char *today, pn_error *err)
{
    size_t nq = form->nq ? form->nq : 1;
    memset(c, 0, sizeof *c);
    c->form = form;
    c->today = today;
    c->val = calloc(nq, sizeof *c->val);
    c->owned = calloc(nq, sizeof *c->owned);
    if (c->val == NULL || c->owned == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return index_relevance(c, err);
}

void pn_calc_release(pn_calc *c)
{
    const pn_form *f = c->form;
    if (f && c->owned)
        for (size_t i = 0; i < f->nq; i++)
            free(c->owned[i]);
    if (f && c->rel_slot)
        for (size_t i = 0; i < f->nq; i++)
            free(c->rel_slot[i]);
    free(c->owned);
    free(c->val);
    free(c->rel_slot);
    free(c->slot_gen);
    free(c->slot_v);
    memset(c, 0, sizeof *c);
}

void pn_calc_row(pn_calc *c)
{
    c->gen++;
}

void pn_calc_changed(pn_calc *c)
{
    c->gen++;
}

const char *pn_calc_lookup(void *ctx, const char *name)
{
    pn_calc *c = ctx;
    /* names come from the form's expressions, whose strings live as long as the form:
     * remember where each pointer was found (checked by one strcmp, so a reused address
     * cannot mislead) rather than searching every time */
    size_t h = ((uintptr_t)name >> 3) % (sizeof c->seen / sizeof c->seen[0]);
    size_t qi;
    if (c->seen[h].name == name && strcmp(c->form->q[c->seen[h].q].name, name) == 0) {
        qi = c->seen[h].q;
    } else {
        int at = pn_form_question_index(c->form, name); /* the form's own index */
        if (at < 0)
            return NULL;
        qi = (size_t)at;
        c->seen[h].name = name;
        c->seen[h].q = qi;
    }
    const char *v = c->val[qi];
    return v ? v : "";
}

pn_status pn_calc_relevant(pn_calc *c, size_t i, int *relevant, pn_error *e)
{
    const pn_question *q = &c->form->q[i];
    pn_expr_env env = {pn_calc_lookup, c, NULL, c->today, 1};
    *relevant = 1;
    for (size_t k = 0; k < q->nrelevant && *relevant; k++) {
        size_t slot = c->rel_slot[i][k];
        if (c->slot_gen[slot] == c->gen) {
            *relevant = c->slot_v[slot];
            continue;
        }
        pn_status st = pn_expr_eval_bool(q->relevant[k], &env, relevant, e);
        if (st != PN_OK) {
            *relevant = 0; /* not kept: each question it governs gives the reason */
            return st;
        }
        c->slot_gen[slot] = c->gen;
        c->slot_v[slot] = (unsigned char)*relevant;
    }
    return PN_OK;
}

pn_status pn_calc_value(pn_calc *c, size_t i, int relevant, pn_error *e)
{
    const pn_question *q = &c->form->q[i];
    pn_expr_env env = {pn_calc_lookup, c, NULL, c->today, 1};
    free(c->owned[i]);
    c->owned[i] = NULL;
    c->val[i] = "";
    c->gen++; /* an answer changes: the relevance kept may depend on it */
    if (!relevant)
        return PN_OK;
    pn_status st = pn_expr_eval_string(q->calculation, &env, &c->owned[i], e);
    if (st != PN_OK)
        return st;
    c->val[i] = c->owned[i];
    return PN_OK;
}
