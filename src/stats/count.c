/*
 * count.c - the counting of stored units into the tables of requests (tabulate_internal.h):
 * what each table reads of a form, one scan per level of each form that every table counted
 * there reads, and each scan in two halves on two threads when a second processor and a
 * second reader of the same snapshot are there. May call util, form and store.
 */
#include "stats/tabulate_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Lookup context for where filters: the selected columns of the current row. */
typedef struct rowctx {
    const char **names;
    const char **values;
    size_t n;
    /* the last name looked up (the filter's own string, the same at every row) and its
     * column: a filter on one question finds it without comparing names at each row */
    const char *last;
    size_t last_i;
} rowctx;

static const char *row_lookup(void *ctx, const char *name)
{
    rowctx *rc = ctx;
    if (name != rc->last || rc->last == NULL) {
        size_t i = 0;
        while (i < rc->n && strcmp(rc->names[i], name) != 0)
            i++;
        if (i == rc->n)
            return NULL;
        rc->last = name;
        rc->last_i = i;
    }
    return rc->values[rc->last_i] ? rc->values[rc->last_i] : "";
}

/* Whether @v (by @b) is counted over the entries of @f's partner repeat: one unit per
 * reported link (the level a reader counts at). */
static int counts_links(const pn_form *f, const varref *v, const varref *b)
{
    int level = b && b->level >= 0 ? b->level : v->level;
    return level >= 0 && level == pn_form_links_repeat(f);
}

/* What a job reads of one form's units: its variable, its by variable and the questions of
 * its filter, as columns of the scan of the level it counts at. */
typedef struct reader {
    job *j;
    varref var, by;
    int level;                /* -1: submissions; else the repeat whose entries it counts */
    const char *side;         /* the value of ${reseau}: the form's network, "" when none */
    size_t n;                 /* columns: var, by (when the job has one), the filter's refs */
    const char **names;       /* per column, the name a filter looks up */
    const char **values;      /* per column, the current unit's answer */
    const pn_question **cols; /* per column, the question read; NULL for none */
    int *fill;                /* per column, 1 for ${reseau} */
    size_t *slot;             /* per column read, its index among the scan's columns */
    size_t before;            /* j->c.units when the form's counting began */
    rowctx rc;
} reader;

static void reader_release(reader *r)
{
    free(r->names);
    free(r->values);
    free(r->cols);
    free(r->fill);
    free(r->slot);
    memset(r, 0, sizeof *r);
}

/* Set up @r for job @j over form @f: the level it counts at (the deeper of its variables')
 * and its columns. PN_EINPUT when its variables or its filter's questions are in different
 * repeat groups of @f, with j->fault set; PN_ENOMEM. */
static pn_status reader_init(reader *r, job *j, const pn_form *f)
{
    const char *const *refs = NULL;
    size_t nrefs = 0;
    const char *side = pn_side_word(f->side);
    memset(r, 0, sizeof *r);
    r->j = j;
    r->side = side ? side : "";
    if (var_resolve(f, j->req->var, &r->var) != PN_OK ||
        (j->by && var_resolve(f, j->by, &r->by) != PN_OK))
        return pn_error_set(&j->err, PN_EINTERNAL, "no form to count '%s' in", j->req->var);
    r->level = r->var.level;
    if (j->by && r->by.level >= 0) {
        if (r->level >= 0 && r->level != r->by.level) {
            j->fault = PN_TAB_FAULT_QUESTIONS;
            return pn_error_set(&j->err, PN_EINPUT,
                                "'%s' and '%s' are in different repeat groups of form '%s'",
                                r->var.q->name, r->by.q->name, f->id);
        }
        r->level = r->by.level;
    }
    const pn_question *want[2] = {r->var.q, j->by ? r->by.q : NULL};
    size_t nwant = j->by ? 2 : 1;
    if (j->filter)
        pn_expr_refs(j->filter, &refs, &nrefs);
    size_t max = nwant + nrefs + 1;
    r->names = calloc(max, sizeof *r->names);
    r->values = calloc(max, sizeof *r->values);
    r->fill = calloc(max, sizeof *r->fill);
    r->cols = calloc(max, sizeof *r->cols);
    r->slot = calloc(max, sizeof *r->slot);
    if (!r->names || !r->values || !r->fill || !r->cols || !r->slot)
        return pn_error_set(&j->err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < nwant + nrefs; i++) {
        const pn_question *qq;
        if (i < nwant) {
            qq = want[i];
            if (qq == NULL) { /* reseau */
                r->fill[r->n] = 1;
                r->names[r->n++] = RESEAU;
                continue;
            }
        } else {
            qq = pn_form_find(f, refs[i - nwant]);
            if (qq == NULL || !pn_question_has_value(qq)) {
                /* ${reseau} is the form's network; a question this form lacks reads as
                 * empty, like one that is not relevant (pn_tabulate checked that some form
                 * has it) */
                r->fill[r->n] = qq == NULL && strcmp(refs[i - nwant], RESEAU) == 0;
                r->names[r->n++] = refs[i - nwant];
                continue;
            }
            if (qq->repeat >= 0 && qq->repeat != r->level) {
                j->fault = PN_TAB_FAULT_FILTER;
                return pn_error_set(&j->err, PN_EINPUT,
                                    "${%s} is in a repeat group the table does not count",
                                    qq->name);
            }
        }
        r->cols[r->n] = qq;
        r->names[r->n++] = qq->name;
    }
    r->rc = (rowctx){r->names, r->values, r->n, NULL, 0};
    r->before = j->c.units;
    return PN_OK;
}

/* Count the unit whose answers are in r->values into r's job. */
static pn_status count_unit(reader *r)
{
    job *j = r->j;
    counter *c = &j->c, *base = j->multi && j->by ? &j->base : NULL;
    pn_error *err = &j->err;
    pn_status st;
    for (size_t i = 0; i < r->n; i++)
        if (r->fill[i])
            r->values[i] = r->side;
    if (j->filter) {
        /* the row's columns stay put while the filter is evaluated */
        pn_expr_env env = {row_lookup, &r->rc, NULL, NULL, 1};
        int keep = 0;
        if ((st = pn_expr_eval_bool(j->filter, &env, &keep, err)) != PN_OK) {
            j->fault = st == PN_EINPUT ? PN_TAB_FAULT_FILTER : PN_TAB_FAULT_NONE;
            return st;
        }
        if (!keep)
            return PN_OK;
    }
    const char *v = r->values[0];
    const char *b = j->by ? r->values[1] : NULL;
    if (v == NULL || (j->by && b == NULL))
        return PN_OK; /* not applicable */
    c->units++;
    size_t col = 0;
    if (*v == '\0' || (j->by && *b == '\0')) {
        c->missing += 1;
        /* a column's non-response: its unit ticked nothing */
        if (base && *b != '\0' &&
            (cat_add(&c->cols, b, NULL, &col) != PN_OK || counter_add(base, 1, col, 1) != PN_OK))
            goto nomem;
        return PN_OK;
    }
    if (j->by && cat_add(&c->cols, b, NULL, &col) != PN_OK)
        goto nomem;
    if (r->var.q && r->var.q->type == PN_Q_SELECT_MULTIPLE) {
        int any = 0;
        const char *p = v, *name;
        size_t n, row;
        while ((name = pn_select_next(&p, &n)) != NULL) {
            if (cat_add_n(&c->rows, name, n, NULL, &row) != PN_OK ||
                counter_add(c, row, col, 1) != PN_OK)
                goto nomem;
            any = 1;
        }
        if (any)
            c->cases += 1;
        else
            c->missing += 1;
        if (base && counter_add(base, any ? 0 : 1, col, 1) != PN_OK)
            goto nomem;
        return PN_OK;
    }
    size_t row;
    if (cat_add(&c->rows, v, NULL, &row) != PN_OK || counter_add(c, row, col, 1) != PN_OK)
        goto nomem;
    return PN_OK;
nomem:
    j->fault = PN_TAB_FAULT_NONE;
    return pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* Whether some reader of @rs still counts. */
static int any_counting(reader *const *rs, size_t nr)
{
    for (size_t i = 0; i < nr; i++)
        if (rs[i]->j->st == PN_OK)
            return 1;
    return 0;
}

/* Stop every job of the @nr readers @rs that still counts with the error @e. */
static void fail_all(reader *const *rs, size_t nr, const pn_error *e)
{
    for (size_t i = 0; i < nr; i++)
        if (rs[i]->j->st == PN_OK) {
            rs[i]->j->err = *e;
            rs[i]->j->fault = PN_TAB_FAULT_NONE;
            job_fail(rs[i]->j, e->status);
        }
}

/* Part @part of @nparts of a scan of form @f's units at @level, on @s, for the @nr readers
 * @rs that count there: the columns they read, each once, and every unit handed to each
 * reader in turn. */
static void scan_part(pn_store *s, const pn_form *f, int level, reader *const *rs, size_t nr,
                      size_t part, size_t nparts)
{
    const pn_question **cols = NULL;
    const char **values = NULL;
    size_t ncols = 0, max = 1;
    pn_store_scan *scan = NULL;
    pn_error err = {0};
    int more = 0;
    for (size_t i = 0; i < nr; i++)
        max += rs[i]->n;
    cols = calloc(max, sizeof *cols);
    values = calloc(max, sizeof *values);
    if (cols == NULL || values == NULL) {
        pn_error_set(&err, PN_ENOMEM, "out of memory");
        fail_all(rs, nr, &err);
        goto out;
    }
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < rs[i]->n; k++) {
            if (rs[i]->cols[k] == NULL)
                continue;
            size_t at = 0;
            while (at < ncols && cols[at] != rs[i]->cols[k])
                at++;
            if (at == ncols)
                cols[ncols++] = rs[i]->cols[k];
            rs[i]->slot[k] = at;
        }
    if ((scan = pn_store_scan_open_part(s, f, level, cols, ncols, part, nparts, &err)) == NULL) {
        fail_all(rs, nr, &err);
        goto out;
    }
    while (pn_store_scan_next(scan, values, &more, &err) == PN_OK && more) {
        for (size_t i = 0; i < nr; i++) {
            reader *r = rs[i];
            if (r->j->st != PN_OK)
                continue;
            for (size_t k = 0; k < r->n; k++)
                r->values[k] = r->cols[k] ? values[r->slot[k]] : NULL;
            job_fail(r->j, count_unit(r));
        }
        if (!any_counting(rs, nr))
            break;
    }
    if (err.status != PN_OK)
        fail_all(rs, nr, &err);
out:
    pn_store_scan_close(scan);
    free(cols);
    free(values);
}

/*
 * The second half of a scan, counted by another thread on the store's twin (pn_store_twin,
 * the same snapshot) into jobs of its own, which start as the jobs they stand for did (their
 * choice lists' categories, their filter) and are then added to them: their counts, and the
 * categories first seen in the second half after those of the first, as if one scan had
 * read both halves in turn. The counts are whole numbers, which a double adds exactly in
 * any order, so the tables are the same to the byte.
 */
typedef struct half {
    pn_store *twin;
    const pn_form *f;
    int level;
    size_t nr;
    job *jobs;   /* nr jobs, one per reader of the first half */
    reader *rs;  /* nr readers, of those jobs */
    reader **at; /* &rs[i] */
    pthread_t thread;
} half;

static void half_release(half *h)
{
    for (size_t i = 0; h->rs && i < h->nr; i++)
        reader_release(&h->rs[i]);
    for (size_t i = 0; h->jobs && i < h->nr; i++)
        job_release(&h->jobs[i]);
    free(h->jobs);
    free(h->rs);
    free(h->at);
}

/* Set up @h to count the second half for the @nr readers @rs of form @f at @level. 0 when it
 * cannot (memory), with @h released. */
static int half_init(half *h, pn_store *twin, const pn_form *f, int level, reader *const *rs,
                     size_t nr)
{
    *h = (half){twin,
                f,
                level,
                nr,
                calloc(nr, sizeof *h->jobs),
                calloc(nr, sizeof *h->rs),
                calloc(nr, sizeof *h->at),
                0};
    int ok = h->jobs && h->rs && h->at;
    for (size_t i = 0; ok && i < nr; i++) {
        const job *j = rs[i]->j;
        job *t = &h->jobs[i];
        t->req = j->req;
        t->by = j->by;
        t->kind = j->kind;
        t->forms = j->forms;
        t->nforms = j->nforms;
        ok = job_start(t) == PN_OK && reader_init(&h->rs[i], t, f) == PN_OK;
        h->at[i] = &h->rs[i];
    }
    if (!ok)
        half_release(h);
    return ok;
}

static void *half_run(void *arg)
{
    half *h = arg;
    scan_part(h->twin, h->f, h->level, h->at, h->nr, 1, 2);
    return NULL;
}

/* Add what @t counted to @j, its first half's job: a failure of the second half is the
 * job's, unless the first half failed before it (one scan would have stopped there). */
static void job_add_half(job *j, job *t)
{
    if (j->st != PN_OK)
        return;
    if (t->st != PN_OK) {
        j->st = t->st;
        j->fault = t->fault;
        j->err = t->err;
        return;
    }
    if (counter_merge(&j->c, &t->c, j->multi && j->by ? &j->base : NULL, &t->base) != PN_OK) {
        j->fault = PN_TAB_FAULT_NONE;
        job_fail(j, pn_error_set(&j->err, PN_ENOMEM, "out of memory"));
    }
}

/* One scan of form @f's units at @level for the @nr readers @rs that count there: in two
 * halves, the second on another thread, when there is a @twin and a thread to spare; else
 * on @s alone. */
static void scan_level(pn_store *s, pn_store *twin, const pn_form *f, int level, reader *const *rs,
                       size_t nr)
{
    half h;
    if (twin == NULL || !half_init(&h, twin, f, level, rs, nr)) {
        scan_part(s, f, level, rs, nr, 0, 1);
        return;
    }
    if (pthread_create(&h.thread, NULL, half_run, &h) != 0) {
        half_release(&h);
        scan_part(s, f, level, rs, nr, 0, 1);
        return;
    }
    scan_part(s, f, level, rs, nr, 0, 2);
    pthread_join(h.thread, NULL);
    for (size_t i = 0; i < nr; i++)
        job_add_half(rs[i]->j, &h.jobs[i]);
    half_release(&h);
}

/* Whether job @j counts form @f. */
static int job_counts(const job *j, const pn_form *f)
{
    for (size_t i = 0; i < j->nforms; i++)
        if (j->forms[i] == f)
            return 1;
    return 0;
}

pn_status count_jobs(pn_store *s, pn_store *twin, pn_form *const *forms, size_t nforms, job *jobs,
                     size_t njobs, pn_error *err)
{
    reader *rs = calloc(njobs ? njobs : 1, sizeof *rs);
    reader **at = calloc(njobs ? njobs : 1, sizeof *at);
    if (rs == NULL || at == NULL) {
        free(rs);
        free(at);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nforms; k++) {
        const pn_form *f = forms[k];
        size_t nr = 0;
        for (size_t i = 0; i < njobs; i++) {
            job *j = &jobs[i];
            if (j->st != PN_OK || !job_counts(j, f))
                continue;
            pn_status st = reader_init(&rs[nr], j, f);
            if (st != PN_OK) {
                job_fail(j, st);
                reader_release(&rs[nr]);
                continue;
            }
            nr++;
        }
        /* the levels in the order of the form: its submissions, then each repeat */
        for (int level = -1; level < (int)f->nrepeats; level++) {
            size_t nat = 0;
            for (size_t i = 0; i < nr; i++)
                if (rs[i].level == level && rs[i].j->st == PN_OK)
                    at[nat++] = &rs[i];
            if (nat > 0)
                scan_level(s, twin, f, level, at, nat);
        }
        for (size_t i = 0; i < nr; i++) {
            job *j = rs[i].j;
            /* the sides whose reported links the table counts */
            int links = counts_links(f, &rs[i].var, j->by ? &rs[i].by : NULL);
            if (j->st == PN_OK && j->c.units > rs[i].before && links)
                j->link_sides |= 1u << f->side;
            j->sides |= 1u << f->side;
            j->links |= links;
            reader_release(&rs[i]);
        }
    }
    free(rs);
    free(at);
    return PN_OK;
}
