#include "stats/tabulate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fold.h"
#include "util/strbuf.h"
#include "util/strindex.h"
#include "stats/tabulate_internal.h"

pn_status var_resolve(const pn_form *f, const char *name, varref *out)
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

static char *title_of(const varref *v)
{
    return pn_strdup(v->q ? v->q->label : "Réseau du répondant");
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

/* Start job @j: its categories first from the choice lists, in the forms' order; its filter
 * parsed. */
pn_status job_start(job *j)
{
    int used = 0;
    for (size_t i = 0; i < j->nforms; i++) {
        varref v, b;
        if (var_resolve(j->forms[i], j->req->var, &v) != PN_OK)
            continue;
        if (j->by && var_resolve(j->forms[i], j->by, &b) != PN_OK)
            continue;
        if (!used) {
            j->first_var = v;
            if (j->by)
                j->first_by = b;
            j->multi = v.q && v.q->type == PN_Q_SELECT_MULTIPLE;
        }
        used++;
        if (add_list_categories(&j->c.rows, &v) != PN_OK ||
            (j->by && add_list_categories(&j->c.cols, &b) != PN_OK))
            return pn_error_set(&j->err, PN_ENOMEM, "out of memory");
    }
    if (!used)
        return pn_error_set(&j->err, PN_EINTERNAL, "no form to count '%s' in", j->req->var);
    if (j->req->where && *j->req->where &&
        (j->filter = pn_expr_parse(j->req->where, &j->err)) == NULL) {
        j->fault = j->err.status == PN_EINPUT ? PN_TAB_FAULT_FILTER : PN_TAB_FAULT_NONE;
        return j->err.status;
    }
    return PN_OK;
}

void job_release(job *j)
{
    catset_release(&j->c.rows);
    catset_release(&j->c.cols);
    free(j->c.cell);
    free(j->base.cell);
    pn_expr_destroy(j->filter);
    memset(j, 0, sizeof *j);
}

/* Turn the counts of the counted job @j into its table, of its kind, computed, in j->out. */
static pn_status job_finish(job *j)
{
    counter *c = &j->c;
    pn_error *err = &j->err;
    const char *var = j->req->var, *by = j->by;
    pn_status st;
    j->out->sides = j->sides;
    j->out->links = j->links;
    if (!c->rows.from_list && c->rows.n > 1 &&
        (st = counter_sort_rows(c, by ? c->cols.n : 1, err)) != PN_OK)
        return st;
    const size_t k = c->rows.n;
    if (j->kind == PN_TAB_MULTI_CROSSTAB) {
        pn_multi_crosstab *t = pn_multi_crosstab_create(k, c->cols.n);
        if (t == NULL)
            goto nomem;
        j->out->mxt = t;
        t->row_var = pn_strdup(var);
        t->col_var = pn_strdup(by);
        t->row_title = title_of(&j->first_var);
        t->col_title = title_of(&j->first_by);
        if (!t->row_var || !t->col_var || !t->row_title || !t->col_title)
            goto nomem;
        for (size_t jj = 0; jj < c->cols.n; jj++) {
            for (size_t i = 0; i < k; i++)
                t->count[i * c->cols.n + jj] = counter_get(c, i, jj);
            t->cases[jj] = counter_get(&j->base, 0, jj);
            t->missing[jj] = counter_get(&j->base, 1, jj);
        }
        if (k > 0) /* no category at all: the arrays may be NULL */
            memcpy(t->row_cats, c->rows.cats, k * sizeof *t->row_cats);
        if (c->cols.n > 0)
            memcpy(t->col_cats, c->cols.cats, c->cols.n * sizeof *t->col_cats);
        c->rows.n = c->cols.n = 0; /* the table owns the names now */
        return pn_multi_crosstab_compute(t, err);
    } else if (by) {
        pn_crosstab *t = pn_crosstab_create(k, c->cols.n);
        if (t == NULL)
            goto nomem;
        j->out->xt = t;
        /* a pair reported by both sides is counted twice only when both sides' links are */
        t->unit = j->link_sides == (1u << PN_SIDE_CENTRE | 1u << PN_SIDE_ECOLE)
                      ? PN_UNIT_LINK
                      : PN_UNIT_QUESTIONNAIRE;
        t->missing = c->missing;
        t->row_var = pn_strdup(var);
        t->col_var = pn_strdup(by);
        t->row_title = title_of(&j->first_var);
        t->col_title = title_of(&j->first_by);
        if (!t->row_var || !t->col_var || !t->row_title || !t->col_title)
            goto nomem;
        for (size_t i = 0; i < k; i++)
            for (size_t jj = 0; jj < c->cols.n; jj++)
                t->count[i * c->cols.n + jj] = counter_get(c, i, jj);
        /* a table with no category has no array to copy from (memcpy from NULL is undefined
         * even for 0 bytes) */
        if (k)
            memcpy(t->row_cats, c->rows.cats, k * sizeof *t->row_cats);
        if (c->cols.n)
            memcpy(t->col_cats, c->cols.cats, c->cols.n * sizeof *t->col_cats);
        c->rows.n = c->cols.n = 0; /* the table owns the names now */
        return pn_crosstab_compute(t, err);
    } else if (j->multi) {
        pn_multi *t = pn_multi_create(k);
        if (t == NULL)
            goto nomem;
        j->out->multi = t;
        t->var = pn_strdup(var);
        t->title = title_of(&j->first_var);
        if (!t->var || !t->title)
            goto nomem;
        for (size_t i = 0; i < k; i++)
            t->count[i] = counter_get(c, i, 0);
        t->cases = c->cases;
        t->missing = c->missing;
        if (k)
            memcpy(t->cats, c->rows.cats, k * sizeof *t->cats);
        c->rows.n = 0;
        return pn_multi_compute(t, err);
    }
    pn_freq *t = pn_freq_create(k);
    if (t == NULL)
        goto nomem;
    j->out->freq = t;
    t->var = pn_strdup(var);
    t->title = title_of(&j->first_var);
    if (!t->var || !t->title)
        goto nomem;
    for (size_t i = 0; i < k; i++)
        t->count[i] = counter_get(c, i, 0);
    t->missing = c->missing;
    if (k)
        memcpy(t->cats, c->rows.cats, k * sizeof *t->cats);
    c->rows.n = 0;
    /* ordered scales: cumulative % makes sense */
    t->ordered = j->first_var.q && j->first_var.q->ordered;
    return pn_freq_compute(t, err);
nomem:
    return pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* What a request counts: the forms that have its variables, pooled into one table or one
 * table each. */
typedef struct plan {
    pn_form **used; /* nused forms, in the order of the stored forms; the array is owned;
                     * for pairs, the centres' form and the schools' */
    size_t nused;
    int var_split, by_split; /* the forms ask the variable, the by variable, differently */
    int pooled;
} plan;

/*
 * Check the request @req against the @nids stored @forms and plan it into @p: the forms that
 * have both variables, and whether they ask them alike; out->kind and out->parts (empty
 * tables) set. On an error, *@fault says which part of the request is wrong.
 */
static pn_status plan_request(pn_form *const *forms, size_t nids, const pn_tab_request *req,
                              pn_tab_result *out, plan *p, pn_tab_fault *fault, pn_error *err)
{
    const char *by = req->by && *req->by ? req->by : NULL;
    varref v0 = {0}, b0 = {0};
    int var_known = 0, mixed = 0;
    pn_status st;
    if ((p->used = calloc(nids > 2 ? nids : 2, sizeof *p->used)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (req->pairs) {
        p->pooled = 1;
        p->nused = 2;
        return plan_pairs(forms, nids, req, out, &p->used[0], &p->used[1], fault, err);
    }
    if ((st = pn_tab_check_personal(forms, nids, req, err)) != PN_OK) {
        *fault = PN_TAB_FAULT_QUESTIONS;
        return st;
    }
    /* the forms that have both variables, and whether they ask them alike */
    for (size_t i = 0; i < nids; i++) {
        varref v, b = {0};
        if (var_resolve(forms[i], req->var, &v) != PN_OK)
            continue;
        var_known = 1;
        if (by && var_resolve(forms[i], by, &b) != PN_OK)
            continue;
        if (p->nused == 0) {
            v0 = v;
            b0 = b;
        } else {
            p->var_split |= !asked_alike(&v0, &v);
            p->by_split |= by && !asked_alike(&b0, &b);
            mixed |= (v0.q && v0.q->type == PN_Q_SELECT_MULTIPLE) !=
                     (v.q && v.q->type == PN_Q_SELECT_MULTIPLE);
        }
        p->used[p->nused++] = forms[i];
    }
    *fault = PN_TAB_FAULT_QUESTIONS;
    if (p->nused == 0) {
        if (nids == 0)
            return pn_error_set(err, PN_EINPUT,
                                "the project file holds no answers yet; run "
                                "'panorama import' first");
        if (!var_known)
            return pn_error_set(err, PN_EINPUT, "no question '%s' in the stored forms", req->var);
        return pn_error_set(err, PN_EINPUT, "no stored form has both '%s' and '%s'", req->var, by);
    }
    if (mixed)
        return pn_error_set(err, PN_EINPUT,
                            "'%s' is a multiple-choice question in one form and not in another; "
                            "tabulate each network with --where \"${reseau} = '...'\"",
                            req->var);
    if (by && b0.q && b0.q->type == PN_Q_SELECT_MULTIPLE)
        return pn_error_set(err, PN_EINPUT,
                            "'%s' is a multiple-choice question and cannot be a --by variable", by);
    if ((p->var_split && by && b0.q == NULL) || (p->by_split && v0.q == NULL)) {
        /* one table per network, each by network, would hold one column (or row) each */
        const char *asked = p->var_split ? req->var : by, *other = p->var_split ? by : req->var;
        return pn_error_set(err, PN_EINPUT,
                            "the forms ask '%s' differently (label or choices): its networks "
                            "cannot be set side by side in one cross-tab with '%s'; 'tab %s' "
                            "shows each network's table under its own wording",
                            asked, other, asked);
    }
    *fault = PN_TAB_FAULT_NONE;
    if (req->where && *req->where &&
        (st = pn_tab_check_filter(forms, nids, req->where, err)) != PN_OK) {
        *fault = st == PN_EINPUT ? PN_TAB_FAULT_FILTER : PN_TAB_FAULT_NONE;
        return st;
    }
    int multi = v0.q && v0.q->type == PN_Q_SELECT_MULTIPLE;
    out->kind = by ? (multi ? PN_TAB_MULTI_CROSSTAB : PN_TAB_CROSSTAB)
                   : (multi ? PN_TAB_MULTI : PN_TAB_FREQ);
    p->pooled = !p->var_split && !p->by_split;
    size_t nparts = p->pooled ? 1 : p->nused;
    if ((out->parts = calloc(nparts, sizeof *out->parts)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    out->nparts = nparts;
    return PN_OK;
}

/* The labels of the parts of the counted result @out of @req, one per network when the
 * forms of @p are not pooled, and the variables they ask differently. */
static pn_status finish_result(const plan *p, const pn_tab_request *req, pn_tab_result *out,
                               pn_error *err)
{
    pn_strbuf split = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    const char *by = req->by && *req->by ? req->by : NULL;
    if (p->pooled)
        return PN_OK;
    for (size_t i = 0; i < out->nparts && st == PN_OK; i++) {
        pn_tab_part *part = &out->parts[i];
        const pn_form *f = p->used[i];
        const char *word = pn_side_word(f->side);
        part->network = pn_strdup(word ? word : f->id);
        part->network_label = pn_strdup(f->side == PN_SIDE_CENTRE  ? "Centres sociaux"
                                        : f->side == PN_SIDE_ECOLE ? "\xc3\x89"
                                                                     "coles"
                                                                   : f->title);
        if (part->network == NULL || part->network_label == NULL)
            st = PN_ENOMEM;
    }
    if (st != PN_OK || (p->var_split && pn_strbuf_puts(&split, req->var) != PN_OK) ||
        (p->by_split && pn_strbuf_printf(&split, "%s%s", p->var_split ? ", " : "", by) != PN_OK) ||
        (out->split = pn_strdup(pn_strbuf_str(&split))) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_strbuf_release(&split);
    return st;
}

/* The jobs of the @n planned requests @reqs: one per part of each result @out. Each job's
 * failure is in its own st, fault and err. */
static pn_status make_jobs(const pn_tab_request *reqs, size_t n, const plan *plans,
                           pn_tab_result *out, job **jobs, size_t *njobs, pn_error *err)
{
    size_t total = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        total += out[i].nparts;
    if ((*jobs = calloc(total ? total : 1, sizeof **jobs)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    *njobs = total;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < out[i].nparts; k++) {
            job *j = &(*jobs)[at++];
            j->req = &reqs[i];
            j->by = reqs[i].by && *reqs[i].by ? reqs[i].by : NULL;
            j->kind = out[i].kind;
            j->forms = plans[i].pooled ? plans[i].used : &plans[i].used[k];
            /* a job of pairs counts no form's scan: its pairs are read apart */
            j->nforms = j->kind == PN_TAB_AGREEMENT ? 0 : plans[i].pooled ? plans[i].nused : 1;
            j->out = &out[i].parts[k];
            if (j->kind != PN_TAB_AGREEMENT)
                job_fail(j, job_start(j));
        }
    return PN_OK;
}

/* The tables of the pairs requests among the @n planned requests @reqs (their jobs among
 * the @njobs @jobs, one per part), all from one reading of the pairs. PN_ENOMEM when they
 * could not start; each job's own failure is in it. */
static pn_status count_all_pairs(pn_store *s, pn_store *twin, const pn_tab_request *reqs, size_t n,
                                 const plan *plans, job *jobs, size_t njobs, pn_error *err)
{
    job **js = calloc(njobs ? njobs : 1, sizeof *js);
    size_t npairs = 0;
    const plan *first = NULL;
    if (js == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < njobs; i++)
        if (jobs[i].kind == PN_TAB_AGREEMENT && jobs[i].st == PN_OK)
            js[npairs++] = &jobs[i];
    for (size_t i = 0; i < n && first == NULL; i++)
        if (reqs[i].pairs)
            first = &plans[i];
    /* every pairs request reads the same two forms: the first of each side (plan_pairs) */
    if (npairs > 0)
        count_pairs(s, twin, first->used[0], first->used[1], js, npairs);
    free(js);
    return PN_OK;
}

/* Fill the results of the @n planned requests: every table counted in one pass over the
 * store (count_jobs), then each result finished in the order of the requests. Returns the
 * index of the first request that failed, with its error and fault, or @n. */
static size_t count_requests(pn_store *s, pn_form *const *forms, size_t nforms,
                             const pn_tab_request *reqs, size_t n, const plan *plans,
                             pn_tab_result *out, pn_status *st, pn_tab_fault *fault, pn_error *err)
{
    job *jobs = NULL;
    size_t njobs = 0, at = 0, failed = n;
    /* a second reader in the same snapshot, when there is a processor for it, for a second
     * thread (count.c, pairs.c); without one (the store is not read in a read transaction, an
     * import is committing) all is read here, as well */
    pn_error ignored = {0};
    pn_store *twin = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? pn_store_twin(s, &ignored) : NULL;
    if ((*st = make_jobs(reqs, n, plans, out, &jobs, &njobs, err)) != PN_OK ||
        (*st = count_jobs(s, twin, forms, nforms, jobs, njobs, err)) != PN_OK ||
        (*st = count_all_pairs(s, twin, reqs, n, plans, jobs, njobs, err)) != PN_OK) {
        failed = 0;
        *fault = PN_TAB_FAULT_NONE;
        goto out;
    }
    for (size_t i = 0; i < n && failed == n; i++) {
        /* each part's table, in turn; the first failure is the request's */
        for (size_t k = 0; k < out[i].nparts && failed == n; k++, at++) {
            job *j = &jobs[at];
            if (j->st == PN_OK && j->kind != PN_TAB_AGREEMENT)
                job_fail(j, job_finish(j));
            if (j->st != PN_OK) {
                failed = i;
                *st = j->st;
                *fault = j->fault;
                if (err)
                    *err = j->err;
            }
        }
        if (failed == n && (*st = finish_result(&plans[i], &reqs[i], &out[i], err)) != PN_OK) {
            failed = i;
            *fault = PN_TAB_FAULT_NONE;
        }
    }
out:
    pn_store_close(twin);
    for (size_t i = 0; i < njobs; i++)
        job_release(&jobs[i]);
    free(jobs);
    return failed;
}

pn_status pn_tabulate_all(pn_store *s, const pn_tab_request *reqs, size_t n, pn_tab_result *out,
                          size_t *failed, pn_error *err)
{
    char **ids = NULL;
    size_t nids = 0, planned = 0;
    pn_form **forms = NULL;
    plan *plans = NULL;
    pn_status st, plan_st = PN_OK;
    pn_tab_fault fault = PN_TAB_FAULT_NONE, plan_fault = PN_TAB_FAULT_NONE;
    pn_error plan_err = {0};
    *failed = 0;
    memset(out, 0, n * sizeof *out);
    if ((st = pn_store_form_ids(s, &ids, &nids, err)) != PN_OK)
        goto out;
    forms = calloc(nids ? nids : 1, sizeof *forms);
    plans = calloc(n ? n : 1, sizeof *plans);
    if (forms == NULL || plans == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nids; i++)
        if ((forms[i] = pn_store_get_form(s, ids[i], NULL, NULL, err)) == NULL) {
            st = err ? err->status : PN_ESTORE;
            goto out;
        }
    /* the requests that can be counted: up to the first that cannot */
    while (planned < n &&
           (plan_st = plan_request(forms, nids, &reqs[planned], &out[planned], &plans[planned],
                                   &plan_fault, &plan_err)) == PN_OK)
        planned++;
    *failed = count_requests(s, forms, nids, reqs, planned, plans, out, &st, &fault, err);
    if (*failed == planned && planned < n) { /* those before it gave their tables */
        st = plan_st;
        fault = plan_fault;
        if (err)
            *err = plan_err;
    }
out:
    if (st == PN_OK)
        *failed = n;
    for (size_t i = *failed; i < n; i++)
        pn_tab_result_release(&out[i]);
    if (*failed < n)
        out[*failed].fault = fault;
    for (size_t i = 0; i < nids; i++) {
        pn_form_destroy(forms ? forms[i] : NULL);
        free(ids[i]);
    }
    for (size_t i = 0; plans && i < n; i++)
        free(plans[i].used);
    free(forms);
    free(plans);
    free(ids);
    return st;
}

pn_status pn_tabulate(pn_store *s, const pn_tab_request *req, pn_tab_result *out, pn_error *err)
{
    size_t failed;
    return pn_tabulate_all(s, req, 1, out, &failed, err);
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
        pn_agreement_destroy(p->agree);
    }
    free(r->parts);
    free(r->split);
    memset(r, 0, sizeof *r);
}
