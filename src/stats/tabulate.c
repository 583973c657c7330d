#include "stats/tabulate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fold.h"
#include "util/strbuf.h"
#include "util/strindex.h"
#include "stats/tabulate_internal.h"

/* The categories of a variable, merged across forms. */
typedef struct catset {
    pn_category *cats;
    size_t n, cap;
    int from_list;     /* categories come from a choice list (else sorted values) */
    pn_strindex index; /* each category's name to its index into cats */
} catset;

/* Find or add the category named by the @len bytes at @name; its index into *@idx. */
static pn_status cat_add_n(catset *cs, const char *name, size_t len, const char *label, size_t *idx)
{
    size_t at;
    if (pn_strindex_get(&cs->index, name, len, &at)) {
        if (idx)
            *idx = at;
        return PN_OK;
    }
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 16;
        pn_category *p = realloc(cs->cats, cap * sizeof *p);
        if (p == NULL)
            return PN_ENOMEM;
        cs->cats = p;
        cs->cap = cap;
    }
    pn_category *c = &cs->cats[cs->n];
    c->name = malloc(len + 1);
    c->label = NULL;
    if (c->name != NULL) {
        memcpy(c->name, name, len);
        c->name[len] = '\0';
        c->label = pn_strdup(label ? label : c->name);
    }
    if (c->name == NULL || c->label == NULL ||
        pn_strindex_put(&cs->index, c->name, len, cs->n) != PN_OK) {
        free(c->name);
        free(c->label);
        return PN_ENOMEM;
    }
    if (idx)
        *idx = cs->n;
    cs->n++;
    return PN_OK;
}

static pn_status cat_add(catset *cs, const char *name, const char *label, size_t *idx)
{
    return cat_add_n(cs, name, strlen(name), label, idx);
}

static void catset_release(catset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->cats[i].name);
        free(cs->cats[i].label);
    }
    free(cs->cats);
    pn_strindex_release(&cs->index);
    memset(cs, 0, sizeof *cs);
}

/* Counts keyed by (row category, column category), grown as categories appear. */
typedef struct counter {
    catset rows, cols;
    double *cell; /* rows.cap x cols.cap, row-major on a fixed stride */
    size_t stride, nrows_alloc;
    double missing, cases;
    size_t units; /* units counted (answered or missing), outside the base ones excluded */
} counter;

static pn_status counter_add(counter *c, size_t r, size_t col, double w)
{
    if (r >= c->nrows_alloc || col >= c->stride) {
        size_t stride = c->stride ? c->stride : 16;
        while (stride <= col)
            stride *= 2;
        size_t nrows = c->nrows_alloc ? c->nrows_alloc : 16;
        while (nrows <= r)
            nrows *= 2;
        double *cell = calloc(stride * nrows, sizeof *cell);
        if (cell == NULL)
            return PN_ENOMEM;
        for (size_t i = 0; i < c->nrows_alloc; i++)
            for (size_t j = 0; j < c->stride; j++)
                cell[i * stride + j] = c->cell[i * c->stride + j];
        free(c->cell);
        c->cell = cell;
        c->stride = stride;
        c->nrows_alloc = nrows;
    }
    c->cell[r * c->stride + col] += w;
    return PN_OK;
}

static double counter_get(const counter *c, size_t r, size_t col)
{
    if (r >= c->nrows_alloc || col >= c->stride)
        return 0;
    return c->cell[r * c->stride + col];
}

/* One variable as seen in one form. */
typedef struct varref {
    const pn_question *q; /* NULL for the pseudo-variable reseau */
    int level;            /* -1 top level, else repeat index */
} varref;

static pn_status resolve(const pn_form *f, const char *name, varref *out)
{
    if (strcmp(name, RESEAU) == 0 && pn_form_find(f, name) == NULL) {
        out->q = NULL;
        out->level = -1;
        return f->side == PN_SIDE_NONE ? PN_EUSAGE : PN_OK;
    }
    const pn_question *q = pn_form_find(f, name);
    if (q == NULL || !pn_question_has_value(q))
        return PN_EUSAGE;
    out->q = q;
    out->level = q->repeat;
    return PN_OK;
}

static pn_status add_list_categories(catset *cs, const varref *v)
{
    if (v->q == NULL) {
        if (cat_add(cs, "centre", "Centres sociaux", NULL) != PN_OK ||
            cat_add(cs, "ecole", "Écoles", NULL) != PN_OK)
            return PN_ENOMEM;
        cs->from_list = 1;
        return PN_OK;
    }
    if (v->q->list == NULL)
        return PN_OK;
    cs->from_list = 1;
    for (size_t i = 0; i < v->q->list->n; i++)
        if (cat_add(cs, v->q->list->items[i].name, v->q->list->items[i].label, NULL) != PN_OK)
            return PN_ENOMEM;
    return PN_OK;
}

/* Lookup context for where filters: the selected columns of the current row. */
typedef struct rowctx {
    const char **names;
    const char **values;
    size_t n;
} rowctx;

static const char *row_lookup(void *ctx, const char *name)
{
    rowctx *rc = ctx;
    for (size_t i = 0; i < rc->n; i++)
        if (strcmp(rc->names[i], name) == 0)
            return rc->values[i] ? rc->values[i] : "";
    return NULL;
}

static int cmp_cat(const void *a, const void *b)
{
    const pn_category *x = a, *y = b;
    char *ex, *ey;
    double dx = strtod(x->name, &ex), dy = strtod(y->name, &ey);
    if (*ex == '\0' && *ey == '\0' && *x->name && *y->name)
        return dx < dy ? -1 : dx > dy;
    return strcmp(x->name, y->name);
}

/*
 * Count one form's units into @c. For a select_multiple by a variable, @base gets each
 * column's respondents (row 0) and non-response (row 1); NULL otherwise.
 */
static pn_status count_form(pn_store *s, const pn_form *f, const varref *var, const varref *by,
                            const char *where, counter *c, counter *base, pn_tab_fault *fault,
                            pn_error *err)
{
    pn_expr *filter = NULL;
    pn_store_scan *scan = NULL;
    const pn_question **cols = NULL; /* per column: the question read, NULL for none */
    const char **names = NULL;
    const char **values = NULL;
    size_t ncols = 0;
    int *fill = NULL; /* per column: 1 for ${reseau}, whose value is the form's network */
    const char *side = pn_side_word(f->side);
    pn_status st = PN_OK;
    int level = var->level;
    if (by && by->level >= 0) {
        if (level >= 0 && level != by->level) {
            *fault = PN_TAB_FAULT_QUESTIONS;
            st = pn_error_set(err, PN_EINPUT,
                              "'%s' and '%s' are in different repeat groups of form '%s'",
                              var->q->name, by->q->name, f->id);
            goto out;
        }
        level = by->level;
    }
    const pn_question *want[2] = {var->q, by ? by->q : NULL};
    size_t nwant = by ? 2 : 1;
    const char *const *refs = NULL;
    size_t nrefs = 0;
    if (where && *where) {
        if ((filter = pn_expr_parse(where, err)) == NULL) {
            st = err ? err->status : PN_EINPUT;
            *fault = st == PN_EINPUT ? PN_TAB_FAULT_FILTER : PN_TAB_FAULT_NONE;
            goto out;
        }
        pn_expr_refs(filter, &refs, &nrefs);
    }
    names = calloc(nwant + nrefs + 1, sizeof *names);
    values = calloc(nwant + nrefs + 1, sizeof *values);
    fill = calloc(nwant + nrefs + 1, sizeof *fill);
    cols = calloc(nwant + nrefs + 1, sizeof *cols);
    if (names == NULL || values == NULL || fill == NULL || cols == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nwant + nrefs; i++) {
        const pn_question *qq;
        if (i < nwant) {
            qq = want[i];
            if (qq == NULL) { /* reseau */
                fill[ncols] = 1;
                names[ncols++] = RESEAU;
                continue;
            }
        } else {
            qq = pn_form_find(f, refs[i - nwant]);
            if (qq == NULL || !pn_question_has_value(qq)) {
                /* ${reseau} is the form's network; a question this form lacks reads as
                 * empty, like one that is not relevant (pn_tabulate checked that some form
                 * has it) */
                fill[ncols] = qq == NULL && strcmp(refs[i - nwant], RESEAU) == 0;
                names[ncols++] = refs[i - nwant];
                continue;
            }
            if (qq->repeat >= 0 && qq->repeat != level) {
                *fault = PN_TAB_FAULT_FILTER;
                st = pn_error_set(err, PN_EINPUT,
                                  "${%s} is in a repeat group the table does not count", qq->name);
                goto out;
            }
        }
        cols[ncols] = qq;
        names[ncols++] = qq->name;
    }
    if ((scan = pn_store_scan_open(s, f, level, cols, ncols, err)) == NULL) {
        st = err->status;
        goto out;
    }
    rowctx rc = {names, values, ncols};
    /* the row's columns stay put while the filter is evaluated */
    pn_expr_env env = {row_lookup, &rc, NULL, NULL, 1};
    int more = 0;
    while ((st = pn_store_scan_next(scan, values, &more, err)) == PN_OK && more) {
        for (size_t i = 0; i < ncols; i++)
            if (fill[i])
                values[i] = side ? side : "";
        if (filter) {
            int keep = 0;
            if ((st = pn_expr_eval_bool(filter, &env, &keep, err)) != PN_OK) {
                *fault = st == PN_EINPUT ? PN_TAB_FAULT_FILTER : PN_TAB_FAULT_NONE;
                goto out;
            }
            if (!keep)
                continue;
        }
        const char *v = values[0];
        const char *b = by ? values[1] : NULL;
        if (v == NULL || (by && b == NULL))
            continue; /* not applicable */
        c->units++;
        size_t col = 0;
        if (*v == '\0' || (by && *b == '\0')) {
            c->missing += 1;
            /* a column's non-response: its unit ticked nothing */
            if (base && *b != '\0' &&
                (cat_add(&c->cols, b, NULL, &col) != PN_OK ||
                 counter_add(base, 1, col, 1) != PN_OK))
                goto nomem;
            continue;
        }
        if (by && (st = cat_add(&c->cols, b, NULL, &col)) != PN_OK)
            goto nomem;
        if (var->q && var->q->type == PN_Q_SELECT_MULTIPLE) {
            int any = 0;
            const char *p = v, *name;
            size_t n, r;
            while ((name = pn_select_next(&p, &n)) != NULL) {
                if (cat_add_n(&c->rows, name, n, NULL, &r) != PN_OK ||
                    counter_add(c, r, col, 1) != PN_OK)
                    goto nomem;
                any = 1;
            }
            if (any)
                c->cases += 1;
            else
                c->missing += 1;
            if (base && counter_add(base, any ? 0 : 1, col, 1) != PN_OK)
                goto nomem;
            continue;
        }
        size_t r;
        if (cat_add(&c->rows, v, NULL, &r) != PN_OK || counter_add(c, r, col, 1) != PN_OK)
            goto nomem;
    }
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    pn_store_scan_close(scan);
    pn_expr_destroy(filter);
    free(cols);
    free(names);
    free(values);
    free(fill);
    return st;
}

static char *title_of(const varref *v)
{
    return pn_strdup(v->q ? v->q->label : "Réseau du répondant");
}

/* Whether @v (by @b) is counted over the entries of @f's partner repeat: one unit per
 * reported link (the level count_form counts at). */
static int counts_links(const pn_form *f, const varref *v, const varref *b)
{
    int level = b && b->level >= 0 ? b->level : v->level;
    return level >= 0 && level == pn_form_links_repeat(f);
}

/*
 * Count the units of the @nids @forms (each has the variables of @req; pn_tabulate checked
 * them) into one table of kind @kind, set in *@out.
 */
static pn_status tabulate_forms(pn_store *s, pn_form *const *forms, size_t nids,
                                const pn_tab_request *req, pn_tab_kind kind, pn_tab_part *out,
                                pn_tab_fault *fault, pn_error *err)
{
    counter c = {0}, base = {0};
    pn_status st = PN_OK;
    int used = 0;
    varref first_var = {0}, first_by = {0};
    const char *by = req->by && *req->by ? req->by : NULL;
    int multi = 0;
    unsigned link_sides = 0; /* 1 << pn_form_side of each side whose links were counted */

    /* categories first from the choice lists, in the form's order */
    for (size_t i = 0; i < nids; i++) {
        varref v, b;
        if (resolve(forms[i], req->var, &v) != PN_OK)
            continue;
        if (by && resolve(forms[i], by, &b) != PN_OK)
            continue;
        if (!used) {
            first_var = v;
            if (by)
                first_by = b;
            multi = v.q && v.q->type == PN_Q_SELECT_MULTIPLE;
        }
        used++;
        if ((st = add_list_categories(&c.rows, &v)) != PN_OK ||
            (by && (st = add_list_categories(&c.cols, &b)) != PN_OK)) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (!used) {
        st = pn_error_set(err, PN_EINTERNAL, "no form to count '%s' in", req->var);
        goto out;
    }
    for (size_t i = 0; i < nids; i++) {
        varref v, b;
        if (resolve(forms[i], req->var, &v) != PN_OK)
            continue;
        if (by && resolve(forms[i], by, &b) != PN_OK)
            continue;
        size_t before = c.units;
        if ((st = count_form(s, forms[i], &v, by ? &b : NULL, req->where, &c,
                             multi && by ? &base : NULL, fault, err)) != PN_OK)
            goto out;
        /* the sides whose reported links the table counts */
        if (c.units > before && counts_links(forms[i], &v, by ? &b : NULL))
            link_sides |= 1u << forms[i]->side;
    }
    /* values outside any choice list (text, numbers) come in sorted order */
    if (!c.rows.from_list && c.rows.n > 1) {
        /* sort a copy of the categories and remap the counts */
        size_t n = c.rows.n;
        pn_category *sorted = malloc(n * sizeof *sorted);
        size_t *from = malloc(n * sizeof *from);
        counter tmp = {0};
        if (sorted == NULL || from == NULL) {
            free(sorted);
            free(from);
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(sorted, c.rows.cats, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_cat);
        for (size_t i = 0; i < n; i++)
            pn_strindex_get(&c.rows.index, sorted[i].name, strlen(sorted[i].name), &from[i]);
        size_t ncol = by ? c.cols.n : 1;
        for (size_t i = 0; i < n && st == PN_OK; i++)
            for (size_t j = 0; j < ncol; j++)
                if (counter_add(&tmp, i, j, counter_get(&c, from[i], j)) != PN_OK)
                    st = pn_error_set(err, PN_ENOMEM, "out of memory");
        if (st == PN_OK) {
            memcpy(c.rows.cats, sorted, n * sizeof *sorted);
            for (size_t i = 0; i < n; i++) /* the index follows the new order */
                *pn_strindex_value(&c.rows.index, sorted[i].name, strlen(sorted[i].name)) = i;
            free(c.cell);
            c.cell = tmp.cell;
            c.stride = tmp.stride;
            c.nrows_alloc = tmp.nrows_alloc;
        } else {
            free(tmp.cell);
        }
        free(sorted);
        free(from);
        if (st != PN_OK)
            goto out;
    }
    const size_t k = c.rows.n;
    if (kind == PN_TAB_MULTI_CROSSTAB) {
        pn_multi_crosstab *t = pn_multi_crosstab_create(k, c.cols.n);
        if (t == NULL)
            goto nomem;
        out->mxt = t;
        t->row_var = pn_strdup(req->var);
        t->col_var = pn_strdup(by);
        t->row_title = title_of(&first_var);
        t->col_title = title_of(&first_by);
        if (!t->row_var || !t->col_var || !t->row_title || !t->col_title)
            goto nomem;
        for (size_t j = 0; j < c.cols.n; j++) {
            for (size_t i = 0; i < k; i++)
                t->count[i * c.cols.n + j] = counter_get(&c, i, j);
            t->cases[j] = counter_get(&base, 0, j);
            t->missing[j] = counter_get(&base, 1, j);
        }
        if (k > 0) /* no category at all: the arrays may be NULL */
            memcpy(t->row_cats, c.rows.cats, k * sizeof *t->row_cats);
        if (c.cols.n > 0)
            memcpy(t->col_cats, c.cols.cats, c.cols.n * sizeof *t->col_cats);
        c.rows.n = c.cols.n = 0; /* the table owns the names now */
        st = pn_multi_crosstab_compute(t, err);
    } else if (by) {
        pn_crosstab *t = pn_crosstab_create(k, c.cols.n);
        if (t == NULL)
            goto nomem;
        out->xt = t;
        /* a pair reported by both sides is counted twice only when both sides' links are */
        t->unit = link_sides == (1u << PN_SIDE_CENTRE | 1u << PN_SIDE_ECOLE)
                      ? PN_UNIT_LINK
                      : PN_UNIT_QUESTIONNAIRE;
        t->row_var = pn_strdup(req->var);
        t->col_var = pn_strdup(by);
        t->row_title = title_of(&first_var);
        t->col_title = title_of(&first_by);
        if (!t->row_var || !t->col_var || !t->row_title || !t->col_title)
            goto nomem;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < c.cols.n; j++)
                t->count[i * c.cols.n + j] = counter_get(&c, i, j);
        /* a table with no category has no array to copy from (memcpy from NULL is undefined
         * even for 0 bytes) */
        if (k)
            memcpy(t->row_cats, c.rows.cats, k * sizeof *t->row_cats);
        if (c.cols.n)
            memcpy(t->col_cats, c.cols.cats, c.cols.n * sizeof *t->col_cats);
        c.rows.n = c.cols.n = 0; /* the table owns the names now */
        st = pn_crosstab_compute(t, err);
    } else if (multi) {
        pn_multi *t = pn_multi_create(k);
        if (t == NULL)
            goto nomem;
        out->multi = t;
        t->var = pn_strdup(req->var);
        t->title = title_of(&first_var);
        if (!t->var || !t->title)
            goto nomem;
        for (size_t i = 0; i < k; i++)
            t->count[i] = counter_get(&c, i, 0);
        t->cases = c.cases;
        t->missing = c.missing;
        if (k)
            memcpy(t->cats, c.rows.cats, k * sizeof *t->cats);
        c.rows.n = 0;
        st = pn_multi_compute(t, err);
    } else {
        pn_freq *t = pn_freq_create(k);
        if (t == NULL)
            goto nomem;
        out->freq = t;
        t->var = pn_strdup(req->var);
        t->title = title_of(&first_var);
        if (!t->var || !t->title)
            goto nomem;
        for (size_t i = 0; i < k; i++)
            t->count[i] = counter_get(&c, i, 0);
        t->missing = c.missing;
        if (k)
            memcpy(t->cats, c.rows.cats, k * sizeof *t->cats);
        c.rows.n = 0;
        /* ordered scales: cumulative % makes sense */
        t->ordered = first_var.q && first_var.q->ordered;
        st = pn_freq_compute(t, err);
    }
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    catset_release(&c.rows);
    catset_release(&c.cols);
    free(c.cell);
    free(base.cell);
    return st;
}

/* Whether two forms ask a variable alike: the same type, label and choice list (names and
 * labels, in order). The pseudo-variable reseau is the same everywhere. */
static int asked_alike(const varref *a, const varref *b)
{
    if (a->q == NULL || b->q == NULL)
        return a->q == b->q;
    if (a->q->type != b->q->type || strcmp(a->q->label, b->q->label) != 0)
        return 0;
    const pn_choice_list *x = a->q->list, *y = b->q->list;
    if (x == NULL || y == NULL)
        return x == y;
    if (x->n != y->n)
        return 0;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->items[i].name, y->items[i].name) != 0 ||
            strcmp(x->items[i].label, y->items[i].label) != 0)
            return 0;
    return 1;
}

pn_status pn_tabulate(pn_store *s, const pn_tab_request *req, pn_tab_result *out, pn_error *err)
{
    char **ids = NULL;
    size_t nids = 0, nused = 0;
    pn_form **forms = NULL, **used = NULL;
    pn_strbuf split = PN_STRBUF_INIT;
    pn_status st;
    pn_tab_fault fault = PN_TAB_FAULT_NONE;
    const char *by = req->by && *req->by ? req->by : NULL;
    varref v0 = {0}, b0 = {0};
    int var_known = 0, var_split = 0, by_split = 0, mixed = 0;
    memset(out, 0, sizeof *out);

    if ((st = pn_store_form_ids(s, &ids, &nids, err)) != PN_OK)
        goto out;
    forms = calloc(nids ? nids : 1, sizeof *forms);
    used = calloc(nids ? nids : 1, sizeof *used);
    if (forms == NULL || used == NULL)
        goto nomem;
    for (size_t i = 0; i < nids; i++)
        if ((forms[i] = pn_store_get_form(s, ids[i], NULL, NULL, err)) == NULL) {
            st = err ? err->status : PN_ESTORE;
            goto out;
        }
    if ((st = pn_tab_check_personal(forms, nids, req, err)) != PN_OK) {
        fault = PN_TAB_FAULT_QUESTIONS;
        goto out;
    }
    /* the forms that have both variables, and whether they ask them alike */
    for (size_t i = 0; i < nids; i++) {
        varref v, b = {0};
        if (resolve(forms[i], req->var, &v) != PN_OK)
            continue;
        var_known = 1;
        if (by && resolve(forms[i], by, &b) != PN_OK)
            continue;
        if (nused == 0) {
            v0 = v;
            b0 = b;
        } else {
            var_split |= !asked_alike(&v0, &v);
            by_split |= by && !asked_alike(&b0, &b);
            mixed |= (v0.q && v0.q->type == PN_Q_SELECT_MULTIPLE) !=
                     (v.q && v.q->type == PN_Q_SELECT_MULTIPLE);
        }
        used[nused++] = forms[i];
    }
    if (nused == 0) {
        fault = PN_TAB_FAULT_QUESTIONS;
        if (nids == 0)
            st = pn_error_set(err, PN_EINPUT,
                              "the project file holds no answers yet; run "
                              "'panorama import' first");
        else if (!var_known)
            st = pn_error_set(err, PN_EINPUT, "no question '%s' in the stored forms", req->var);
        else
            st =
                pn_error_set(err, PN_EINPUT, "no stored form has both '%s' and '%s'", req->var, by);
        goto out;
    }
    if (mixed) {
        fault = PN_TAB_FAULT_QUESTIONS;
        st = pn_error_set(err, PN_EINPUT,
                          "'%s' is a multiple-choice question in one form and not in another; "
                          "tabulate each network with --where \"${reseau} = '...'\"",
                          req->var);
        goto out;
    }
    if (by && b0.q && b0.q->type == PN_Q_SELECT_MULTIPLE) {
        fault = PN_TAB_FAULT_QUESTIONS;
        st = pn_error_set(err, PN_EINPUT,
                          "'%s' is a multiple-choice question and cannot be a --by variable", by);
        goto out;
    }
    if ((var_split && by && b0.q == NULL) || (by_split && v0.q == NULL)) {
        /* one table per network, each by network, would hold one column (or row) each */
        const char *asked = var_split ? req->var : by, *other = var_split ? by : req->var;
        fault = PN_TAB_FAULT_QUESTIONS;
        st = pn_error_set(err, PN_EINPUT,
                          "the forms ask '%s' differently (label or choices): its networks "
                          "cannot be set side by side in one cross-tab with '%s'; 'tab %s' shows "
                          "each network's table under its own wording",
                          asked, other, asked);
        goto out;
    }
    if (req->where && *req->where &&
        (st = pn_tab_check_filter(forms, nids, req->where, err)) != PN_OK) {
        fault = st == PN_EINPUT ? PN_TAB_FAULT_FILTER : PN_TAB_FAULT_NONE;
        goto out;
    }
    int multi = v0.q && v0.q->type == PN_Q_SELECT_MULTIPLE;
    out->kind = by ? (multi ? PN_TAB_MULTI_CROSSTAB : PN_TAB_CROSSTAB)
                   : (multi ? PN_TAB_MULTI : PN_TAB_FREQ);
    int pooled = !var_split && !by_split;
    size_t nparts = pooled ? 1 : nused;
    if ((out->parts = calloc(nparts, sizeof *out->parts)) == NULL)
        goto nomem;
    out->nparts = nparts;
    for (size_t i = 0; i < nparts; i++) {
        pn_tab_part *p = &out->parts[i];
        if ((st = tabulate_forms(s, pooled ? used : &used[i], pooled ? nused : 1, req, out->kind, p,
                                 &fault, err)) != PN_OK)
            goto out;
        if (pooled)
            continue;
        const pn_form *f = used[i];
        const char *word = pn_side_word(f->side);
        p->network = pn_strdup(word ? word : f->id);
        p->network_label = pn_strdup(f->side == PN_SIDE_CENTRE  ? "Centres sociaux"
                                     : f->side == PN_SIDE_ECOLE ? "\xc3\x89"
                                                                  "coles"
                                                                : f->title);
        if (p->network == NULL || p->network_label == NULL)
            goto nomem;
    }
    if (!pooled) {
        if ((var_split && pn_strbuf_puts(&split, req->var) != PN_OK) ||
            (by_split && pn_strbuf_printf(&split, "%s%s", var_split ? ", " : "", by) != PN_OK) ||
            (out->split = pn_strdup(pn_strbuf_str(&split))) == NULL)
            goto nomem;
    }
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    if (st != PN_OK) {
        pn_tab_result_release(out);
        out->fault = fault;
    }
    for (size_t i = 0; i < nids; i++) {
        pn_form_destroy(forms ? forms[i] : NULL);
        free(ids[i]);
    }
    free(forms);
    free(used);
    free(ids);
    pn_strbuf_release(&split);
    return st;
}

void pn_tab_result_release(pn_tab_result *r)
{
    for (size_t i = 0; r->parts && i < r->nparts; i++) {
        pn_tab_part *p = &r->parts[i];
        free(p->network);
        free(p->network_label);
        pn_freq_destroy(p->freq);
        pn_multi_destroy(p->multi);
        pn_crosstab_destroy(p->xt);
        pn_multi_crosstab_destroy(p->mxt);
    }
    free(r->parts);
    free(r->split);
    memset(r, 0, sizeof *r);
}
