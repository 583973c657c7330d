#include "import/recalc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/calc.h"
#include "util/strbuf.h"

/* Whether two stored values (NULL: not applicable) are the same. */
static int same_value(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static pn_status dup_or_null(const char *s, char **out)
{
    *out = NULL;
    if (s && (*out = pn_strdup(s)) == NULL)
        return PN_ENOMEM;
    return PN_OK;
}

/* Count one change of @v from @from to @to. */
static pn_status count_change(pn_recalc_var *v, const char *from, const char *to, pn_error *err)
{
    v->changed++;
    if (!v->has_list)
        return PN_OK;
    for (size_t k = 0; k < v->nchanges; k++)
        if (same_value(v->changes[k].from, from) && same_value(v->changes[k].to, to)) {
            v->changes[k].n++;
            return PN_OK;
        }
    pn_recalc_change *p = realloc(v->changes, (v->nchanges + 1) * sizeof *p);
    if (p == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    v->changes = p;
    pn_recalc_change *c = &v->changes[v->nchanges];
    memset(c, 0, sizeof *c);
    v->nchanges++;
    if (dup_or_null(from, &c->from) != PN_OK || dup_or_null(to, &c->to) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    c->n = 1;
    return PN_OK;
}

static int cmp_text(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

/* Most frequent first, then by the names, so that the summary does not depend on the order
 * of the rows. */
static int cmp_change(const void *pa, const void *pb)
{
    const pn_recalc_change *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n < b->n ? 1 : -1;
    int c = cmp_text(a->from, b->from);
    return c ? c : cmp_text(a->to, b->to);
}

/* One level of the form: its stored rows and the updater of its calculates. */
typedef struct level {
    int repeat;
    size_t *calcs; /* the calculates of this level, by question index */
    size_t ncalcs;
    size_t *vars; /* per calculate: its entry in res->vars */
    pn_store_rows *rows;
    pn_store_updater *update;
} level;

/* Where a stored row came from, for messages. */
static void where(const pn_store_row *row, const pn_form *f, int repeat, char *buf, size_t size)
{
    const char *key = row->key ? row->key : "";
    if (repeat < 0)
        snprintf(buf, size, "form '%s': stored submission '%s' (imported from %s:%lld)", f->id, key,
                 row->file ? row->file : "", row->line);
    else
        snprintf(buf, size, "form '%s': entry %lld of repeat '%s' of stored submission '%s'", f->id,
                 row->line, f->repeats[repeat].name, key);
}

static pn_status prepare_level(pn_store *store, const pn_form *f, level *lv, pn_error *err)
{
    if ((lv->rows = pn_store_rows_open(store, f, lv->repeat, err)) == NULL ||
        (lv->update = pn_store_updater_open(store, f, lv->repeat, lv->calcs, lv->ncalcs, err)) ==
            NULL)
        return err->status;
    return PN_OK;
}

/* Recalculate every stored row of one level. */
static pn_status recalc_level(pn_store *store, const pn_form *f, pn_calc *c, level *lv,
                              pn_recalc_result *res, pn_error *err)
{
    pn_status st = PN_OK;
    char **was = calloc(lv->ncalcs, sizeof *was);       /* the stored values of the row */
    const char **now = calloc(lv->ncalcs, sizeof *now); /* its new ones (lent by @c) */
    pn_store_row row = {0};
    int more = 0;
    (void)store;
    if (was == NULL || now == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    while ((st = pn_store_rows_next(lv->rows, &row, &more, err)) == PN_OK && more) {
        /* the level's answers, then its submission's */
        for (size_t i = 0; i < f->nq; i++)
            c->val[i] = row.val[i];
        for (size_t k = 0; k < lv->ncalcs; k++) {
            free(was[k]);
            if (dup_or_null(c->val[lv->calcs[k]], &was[k]) != PN_OK) {
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
                goto out;
            }
        }
        /* the level's questions in the form's order, as the import checks a row */
        pn_calc_row(c);
        int changed = 0;
        for (size_t i = 0, k = 0; i < f->nq; i++) {
            const pn_question *qq = &f->q[i];
            if (qq->repeat != lv->repeat)
                continue;
            int relevant = 1;
            pn_error e;
            pn_error_clear(&e);
            pn_status est = pn_calc_relevant(c, i, &relevant, &e);
            if (est == PN_OK && qq->type == PN_Q_CALCULATE)
                est = pn_calc_value(c, i, relevant, &e);
            if (est == PN_ENOMEM) {
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
                goto out;
            }
            if (est != PN_OK) {
                char loc[512];
                where(&row, f, lv->repeat, loc, sizeof loc);
                st = pn_error_set(err, PN_EINPUT, "%s: column '%s': %s: %s", loc, qq->name,
                                  qq->type == PN_Q_CALCULATE && relevant
                                      ? "cannot be calculated"
                                      : "relevance cannot be evaluated",
                                  e.msg);
                goto out;
            }
            if (qq->type == PN_Q_CALCULATE) {
                /* not applicable is NULL, as the import stores it */
                now[k] = relevant ? c->val[i] : NULL;
                pn_recalc_var *v = &res->vars[lv->vars[k]];
                v->rows++;
                if (!same_value(was[k], now[k])) {
                    changed = 1;
                    if ((st = count_change(v, was[k], now[k], err)) != PN_OK)
                        goto out;
                }
                k++;
            } else if (!relevant) {
                /* what the import would have emptied */
                if (c->val[i] && *c->val[i])
                    pn_calc_changed(c);
                c->val[i] = NULL;
            }
        }
        if (changed && (st = pn_store_updater_set(lv->update, row.id, now, err)) != PN_OK)
            goto out;
    }
out:
    for (size_t k = 0; was && k < lv->ncalcs; k++)
        free(was[k]);
    free(was);
    free(now);
    return st;
}

pn_status pn_recalc_form(pn_store *store, const pn_form *form, const char *source, size_t len,
                         const char *today, pn_recalc_result *res, pn_error *err)
{
    pn_calc c = {0};
    level *levels = NULL;
    size_t nlevels = 1 + form->nrepeats;
    pn_status st;
    memset(res, 0, sizeof *res);
    if ((st = pn_store_put_form(store, form, source, len, err)) != PN_OK)
        return st;
    if ((res->form_id = pn_strdup(form->id)) == NULL ||
        (res->vars = calloc(form->nq ? form->nq : 1, sizeof *res->vars)) == NULL ||
        (levels = calloc(nlevels, sizeof *levels)) == NULL)
        goto nomem;
    int links = pn_form_links_repeat(form);
    for (size_t l = 0; l < nlevels; l++) {
        levels[l].repeat = (int)l - 1;
        levels[l].calcs = calloc(form->nq ? form->nq : 1, sizeof *levels[l].calcs);
        levels[l].vars = calloc(form->nq ? form->nq : 1, sizeof *levels[l].vars);
        if (levels[l].calcs == NULL || levels[l].vars == NULL)
            goto nomem;
    }
    for (size_t i = 0; i < form->nq; i++) {
        const pn_question *q = &form->q[i];
        if (q->type != PN_Q_CALCULATE)
            continue;
        pn_recalc_var *v = &res->vars[res->nvars];
        if ((v->name = pn_strdup(q->name)) == NULL)
            goto nomem;
        v->repeat = q->repeat;
        v->links = q->repeat >= 0 && q->repeat == links;
        v->has_list = q->list != NULL;
        level *lv = &levels[1 + q->repeat];
        lv->vars[lv->ncalcs] = res->nvars++;
        lv->calcs[lv->ncalcs++] = i;
    }
    if ((st = pn_calc_init(&c, form, today, err)) != PN_OK)
        goto out;
    /* submissions first: an entry's calculations see its submission's new values */
    for (size_t l = 0; l < nlevels && st == PN_OK; l++)
        if (levels[l].ncalcs && (st = prepare_level(store, form, &levels[l], err)) == PN_OK)
            st = recalc_level(store, form, &c, &levels[l], res, err);
    for (size_t i = 0; i < res->nvars && st == PN_OK; i++)
        if (res->vars[i].nchanges > 1)
            qsort(res->vars[i].changes, res->vars[i].nchanges, sizeof *res->vars[i].changes,
                  cmp_change);
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    pn_calc_release(&c);
    for (size_t l = 0; levels && l < nlevels; l++) {
        pn_store_rows_close(levels[l].rows);
        pn_store_updater_close(levels[l].update);
        free(levels[l].calcs);
        free(levels[l].vars);
    }
    free(levels);
    return st;
}

size_t pn_recalc_changed(const pn_recalc_result *res)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nvars; i++)
        n += res->vars[i].changed;
    return n;
}

void pn_recalc_result_release(pn_recalc_result *res)
{
    for (size_t i = 0; i < res->nvars; i++) {
        for (size_t k = 0; k < res->vars[i].nchanges; k++) {
            free(res->vars[i].changes[k].from);
            free(res->vars[i].changes[k].to);
        }
        free(res->vars[i].changes);
        free(res->vars[i].name);
    }
    free(res->vars);
    free(res->form_id);
    memset(res, 0, sizeof *res);
}
