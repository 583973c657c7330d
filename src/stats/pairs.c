/*
 * pairs.c - the agreement of the two views of one link (tabulate_internal.h): the pairs both
 * sides report, read from the store (pn_store_each_pair), counted by the centre's answer and
 * the school's, and Cohen's kappa (stats.h, pn_agreement). May call util, form and store.
 */
#include "stats/tabulate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* Whether @a and @b have the same choices, names and labels in order. */
static int same_list(const pn_choice_list *a, const pn_choice_list *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].name, b->items[i].name) != 0 ||
            strcmp(a->items[i].label, b->items[i].label) != 0)
            return 0;
    return 1;
}

/* The question @name of @f that a pair can be compared on: a single choice with a list, at
 * the top level or in the links repeat. NULL with @err set otherwise. */
static const pn_question *pair_question(const pn_form *f, const char *name, pn_error *err)
{
    const pn_question *q = pn_form_find(f, name);
    int links = pn_form_links_repeat(f);
    if (q == NULL || !pn_question_has_value(q)) {
        pn_error_set(err, PN_EINPUT,
                     "'%s' is not a question of form '%s': the two views of a link are "
                     "compared on a question both networks' forms ask",
                     name, f->id);
        return NULL;
    }
    if (q->list == NULL || q->type == PN_Q_SELECT_MULTIPLE) {
        pn_error_set(err, PN_EINPUT,
                     "'%s' is not a single-choice question: the agreement of the two views is "
                     "measured on one choice from a list",
                     name);
        return NULL;
    }
    if (q->repeat != -1 && q->repeat != links) {
        pn_error_set(err, PN_EINPUT, "'%s' is in a repeat group of form '%s' that is not its links",
                     name, f->id);
        return NULL;
    }
    return q;
}

pn_status plan_pairs(pn_form *const *forms, size_t nids, const pn_tab_request *req,
                     pn_tab_result *out, pn_form **cf, pn_form **sf, pn_tab_fault *fault,
                     pn_error *err)
{
    pn_status st;
    *fault = PN_TAB_FAULT_QUESTIONS;
    *cf = *sf = NULL;
    if ((req->by && *req->by) || (req->where && *req->where))
        return pn_error_set(err, PN_EINPUT,
                            "the agreement of the pairs compares the two sides of each link: it "
                            "takes no cross-tab variable and no filter");
    if (nids == 0) /* as any table of an empty project file says */
        return pn_error_set(err, PN_EINPUT,
                            "the project file holds no answers yet; run 'panorama import' first");
    if ((st = pn_tab_check_personal(forms, nids, req, err)) != PN_OK)
        return st;
    for (size_t i = 0; i < nids; i++) {
        pn_form **slot = forms[i]->side == PN_SIDE_CENTRE  ? cf
                         : forms[i]->side == PN_SIDE_ECOLE ? sf
                                                           : NULL;
        if (slot && *slot == NULL && pn_form_links_repeat(forms[i]) >= 0)
            *slot = forms[i];
    }
    /* with one network only there is no pair yet: an empty table, not an error (a report
     * written before the second network's answers are in) */
    if (*cf == NULL && *sf == NULL)
        return pn_error_set(err, PN_EINPUT,
                            "the pairs need the answers of both networks: the project file has "
                            "no centres' or schools' form with partners");
    const pn_question *a = NULL, *b = NULL;
    if ((*cf && (a = pair_question(*cf, req->var, err)) == NULL) ||
        (*sf && (b = pair_question(*sf, req->var, err)) == NULL))
        return PN_EINPUT;
    if (a && b && (strcmp(a->label, b->label) != 0 || !same_list(a->list, b->list)))
        return pn_error_set(err, PN_EINPUT,
                            "the forms ask '%s' differently (label or choices): the two views "
                            "of a link are compared on the same question",
                            req->var);
    *fault = PN_TAB_FAULT_NONE;
    if ((out->parts = calloc(1, sizeof *out->parts)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    out->nparts = 1;
    out->kind = PN_TAB_AGREEMENT;
    return PN_OK;
}

/* What the pairs are counted into, per request: the categories (both sides share them) and
 * the cells (i, j): pairs whose centre said i, the school j. */
typedef struct pair_counts {
    size_t n;
    counter *c;
} pair_counts;

static pn_status count_pair(void *ctx, const char *const *centre, const char *const *school,
                            pn_error *err)
{
    pair_counts *pc = ctx;
    for (size_t k = 0; k < pc->n; k++) {
        counter *c = &pc->c[k];
        size_t i, j;
        if (centre[k] == NULL || school[k] == NULL || *centre[k] == '\0' || *school[k] == '\0') {
            c->missing += 1;
            continue;
        }
        if (cat_add(&c->rows, centre[k], NULL, &i) != PN_OK ||
            cat_add(&c->rows, school[k], NULL, &j) != PN_OK || counter_add(c, i, j, 1) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    return PN_OK;
}

/* The agreement table of @c (the pairs of @j's request, *@multiple left out) into j->out. */
static pn_status finish_pairs(job *j, counter *c, const pn_question *q, size_t multiple)
{
    size_t k = c->rows.n;
    pn_agreement *t = pn_agreement_create(k);
    j->out->agree = t;
    if (t == NULL || (t->var = pn_strdup(j->req->var)) == NULL ||
        (t->title = pn_strdup(q->label)) == NULL)
        return pn_error_set(&j->err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < k; i++)
        for (size_t jj = 0; jj < k; jj++)
            t->count[i * k + jj] = counter_get(c, i, jj);
    if (k)
        memcpy(t->cats, c->rows.cats, k * sizeof *t->cats);
    c->rows.n = 0; /* the table owns the names now */
    t->missing = c->missing;
    t->multiple = (double)multiple;
    return pn_agreement_compute(t, &j->err);
}

void count_pairs(pn_store *s, pn_store *twin, const pn_form *cf, const pn_form *sf, job *const *js,
                 size_t n)
{
    const pn_question **cq = calloc(n ? n : 1, sizeof *cq), **sq = calloc(n ? n : 1, sizeof *sq);
    pair_counts pc = {n, calloc(n ? n : 1, sizeof *pc.c)};
    size_t multiple = 0;
    pn_error err = {0};
    pn_status st = cq && sq && pc.c ? PN_OK : pn_error_set(&err, PN_ENOMEM, "out of memory");
    for (size_t k = 0; k < n && st == PN_OK; k++) {
        cq[k] = cf ? pn_form_find(cf, js[k]->req->var) : NULL;
        sq[k] = sf ? pn_form_find(sf, js[k]->req->var) : NULL;
        /* the categories of the list first, in its order; an answer outside it after */
        const pn_choice_list *list = (cq[k] ? cq[k] : sq[k])->list;
        for (size_t i = 0; i < list->n && st == PN_OK; i++)
            if (cat_add(&pc.c[k].rows, list->items[i].name, list->items[i].label, NULL) != PN_OK)
                st = pn_error_set(&err, PN_ENOMEM, "out of memory");
        pc.c[k].rows.from_list = 1;
    }
    /* one network alone: no pair */
    if (st == PN_OK && n > 0 && cf && sf)
        st = pn_store_each_pair(s, twin, cf, cq, sf, sq, n, count_pair, &pc, &multiple, &err);
    for (size_t k = 0; k < n; k++) {
        if (st != PN_OK) {
            js[k]->err = err;
            js[k]->fault = PN_TAB_FAULT_NONE;
            job_fail(js[k], st);
        } else {
            job_fail(js[k], finish_pairs(js[k], &pc.c[k], cq[k] ? cq[k] : sq[k], multiple));
        }
        if (pc.c)
            catset_release(&pc.c[k].rows);
        if (pc.c)
            free(pc.c[k].cell);
    }
    free(pc.c);
    free(cq);
    free(sq);
}
