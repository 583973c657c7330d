/* protect.c - the secret statistique of tabulated results (protect.h). May call util, stats. */
#include "stats/protect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/secret.h"

#define M pn_masked()

/* The frequency rule alone on one count. */
static int small(double x, double n)
{
    return x >= 1 && x < n;
}

/*
 * One table being protected: its grid of counts (secret.h's layout: a one-way table has c 0)
 * and its mask, kept apart from the table until every linked table agrees (pn_tab_results_
 * protect), then applied. Frequencies and multiple responses are one-way, cross-tabs and pairs
 * two-way; a multiple-response cross-tab is protected row by row when applied.
 */
typedef struct prot {
    pn_tab_part *part;
    pn_tab_kind kind;
    size_t r, c;
    double *v;
    unsigned char *mask;
    int extra_ok; /* pairs: its measures may be published */
} prot;

static void prot_release(prot *p)
{
    free(p->v);
    free(p->mask);
}

/* The grid of @p's table: counts, margins. 0 when out of memory. */
static int prot_grid(prot *p)
{
    pn_tab_part *t = p->part;
    const double *count = NULL, *rows = NULL, *cols = NULL;
    double total = 0;
    switch (p->kind) {
    case PN_TAB_FREQ:
        p->r = t->freq->k, p->c = 0, count = t->freq->count, total = t->freq->valid;
        break;
    case PN_TAB_MULTI:
        p->r = t->multi->k, p->c = 0, count = t->multi->count, total = t->multi->responses;
        break;
    case PN_TAB_CROSSTAB:
        p->r = t->xt->r, p->c = t->xt->c, count = t->xt->count;
        rows = t->xt->row_total, cols = t->xt->col_total, total = t->xt->n;
        break;
    case PN_TAB_AGREEMENT:
        p->r = p->c = t->agree->k, count = t->agree->count;
        rows = t->agree->row_total, cols = t->agree->col_total, total = t->agree->n;
        break;
    case PN_TAB_MULTI_CROSSTAB:
        return 1; /* row by row, when applied */
    }
    size_t r = p->r, c = p->c, w = c + 1;
    p->v = malloc((r + 1) * w * sizeof *p->v);
    p->mask = malloc((r + 1) * w);
    if (p->v == NULL || p->mask == NULL)
        return 0;
    for (size_t i = 0; i < r; i++) {
        if (c == 0)
            p->v[i] = count[i];
        for (size_t j = 0; j < c; j++)
            p->v[i * w + j] = count[i * c + j];
        if (c > 0)
            p->v[i * w + c] = rows[i];
    }
    for (size_t j = 0; j < c; j++)
        p->v[r * w + j] = cols[j];
    p->v[r * w + c] = total;
    return 1;
}

/* The kappa's equations of a pairs table (stats.c, pn_agreement_compute): the diagonal's sum
 * (the observed agreement, which the kappa gives), and the combination of sum f_ii (r_i + c_i)
 * and sum f_ij (r_i + c_j)^2 that its standard error gives once the kappa is known: 2 rows of
 * k * k coefficients into @extra. */
static void kappa_equations(const pn_agreement *t, double *extra)
{
    size_t k = t->k;
    double n = t->n, F = t->agree, R = 0;
    for (size_t i = 0; i < k; i++)
        R += t->row_total[i] * t->col_total[i];
    double D = n * n - R, beta = D != 0 ? (n - F) / D : 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double s = t->row_total[i] + t->col_total[j];
            extra[i * k + j] = i == j;
            extra[k * k + i * k + j] = (i == j ? -2 * s : 0) + beta * s * s;
        }
}

/* @p's mask at threshold @n, the cells of @forced masked too (NULL: none). */
static pn_status prot_mask(prot *p, double n, const unsigned char *forced, pn_error *err)
{
    if (p->kind == PN_TAB_MULTI_CROSSTAB)
        return PN_OK;
    if (p->kind != PN_TAB_AGREEMENT)
        return pn_secret_protect_forced(p->r, p->c, p->v, n, forced, p->mask, err);
    /* a pairs table publishes its kappa: protected against its equations too */
    const pn_agreement *t = p->part->agree;
    double *extra = malloc((2 * t->k * t->k + 1) * sizeof *extra);
    if (extra == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
    kappa_equations(t, extra);
    pn_status st = pn_secret_protect_with(p->r, p->c, p->v, extra, isnan(t->kappa) ? 1 : 2, n,
                                          p->mask, &p->extra_ok, err);
    free(extra);
    return st;
}

/* ---- applying a mask: every figure that would give a masked count, replaced ------------ */

static void apply_freq(pn_freq *t, const unsigned char *mask, size_t *masked)
{
    int cum = 0;
    for (size_t i = 0; i < t->k; i++) {
        cum |= mask[i] != 0;
        if (mask[i]) {
            (*masked)++;
            t->count[i] = t->pct[i] = t->valid_pct[i] = t->ci_low[i] = t->ci_high[i] = M;
        }
        if (cum && t->cum_pct)
            t->cum_pct[i] = M; /* a running total would give the masked count back */
    }
    if (mask[t->k]) {
        /* the answers are fewer than n: the total and the non-response go too, which would
         * give them by difference */
        (*masked)++;
        t->valid = t->total = t->missing = t->missing_pct = M;
    }
}

static void apply_multi(pn_multi *t, const unsigned char *mask, double n, size_t *masked)
{
    int cases = small(t->cases, n);
    for (size_t i = 0; i < t->k; i++) {
        if (mask[i]) {
            (*masked)++;
            t->count[i] = t->pct_responses[i] = t->pct_cases[i] = M;
        }
        if (cases || mask[t->k]) /* a percentage of a masked base gives the base */
            t->pct_cases[i] = M;
        if (mask[t->k])
            t->pct_responses[i] = M;
    }
    if (mask[t->k]) {
        (*masked)++;
        t->responses = M;
    }
    if (cases) {
        (*masked)++;
        t->cases = t->pct_cases_total = M;
    }
}

/* A masked margin of a cross-tab: every percentage and expected count of its row or column. */
static void crosstab_margin(pn_crosstab *t, size_t i, size_t j)
{
    size_t r = t->r, c = t->c;
    for (size_t k = 0; i < r && k < c; k++)
        t->row_pct[i * c + k] = t->expected[i * c + k] = M;
    for (size_t k = 0; j < c && k < r; k++)
        t->col_pct[k * c + j] = t->expected[k * c + j] = M;
    if (i < r) {
        t->row_total[i] = t->row_total_pct[i] = M;
    } else if (j < c) {
        t->col_total[j] = t->col_total_pct[j] = M;
    } else {
        t->n = t->n_pct = M;
        for (size_t k = 0; k < r * c; k++)
            t->total_pct[k] = M;
    }
}

static void apply_crosstab(pn_crosstab *t, const unsigned char *mask, size_t *masked, int *withheld)
{
    size_t r = t->r, c = t->c, w = c + 1;
    for (size_t i = 0; i <= r; i++)
        for (size_t j = 0; j <= c; j++) {
            if (!mask[i * w + j])
                continue;
            (*masked)++;
            if (i < r && j < c) {
                size_t ij = i * c + j;
                t->count[ij] = t->row_pct[ij] = t->col_pct[ij] = t->total_pct[ij] = M;
                t->adj_resid[ij] = M;
                *withheld = 1;
            } else {
                crosstab_margin(t, i, j);
            }
        }
    if (*withheld)
        t->chi2 = t->chi2_p = t->lr = t->lr_p = t->cramer_v = t->fisher_p = M;
}

static void apply_agreement(pn_agreement *t, const unsigned char *mask, int extra_ok,
                            size_t *masked, int *withheld)
{
    size_t k = t->k, w = k + 1;
    int margin = !extra_ok;
    for (size_t i = 0; i <= k; i++)
        for (size_t j = 0; j <= k; j++) {
            if (!mask[i * w + j])
                continue;
            (*masked)++;
            if (i < k && j < k)
                t->count[i * k + j] = M;
            else if (i < k)
                t->row_total[i] = M, margin = 1;
            else if (j < k)
                t->col_total[j] = M, margin = 1;
            else
                t->n = M, margin = 1;
        }
    /* with a margin masked, the chance agreement, and the measures made of it, would no longer
     * be linear in the masked counts; and when the table cannot be protected with them
     * published, they are not: withheld */
    if (margin) {
        *withheld = 1;
        t->chance_pct = t->agree = t->agree_pct = t->kappa = t->ase = M;
        t->ci_low = t->ci_high = t->t = t->p = M;
    }
}

/* Each option's row of a multiple-response cross-tab with its "Ensemble", one way; each
 * column's base, and the base of all, by the frequency rule. */
static pn_status apply_multi_crosstab(pn_multi_crosstab *t, double n, size_t *masked, pn_error *err)
{
    size_t r = t->r, c = t->c;
    double *v = malloc((c + 1) * sizeof *v);
    unsigned char *mask = malloc(c + 1);
    pn_status st = v && mask ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; st == PN_OK && i < r; i++) {
        memcpy(v, t->count + i * c, c * sizeof *v);
        v[c] = t->row_total[i];
        if ((st = pn_secret_protect(c, 0, v, n, mask, err)) != PN_OK)
            break;
        for (size_t j = 0; j < c; j++)
            if (mask[j]) {
                (*masked)++;
                t->count[i * c + j] = t->col_pct[i * c + j] = M;
            }
        if (mask[c]) {
            (*masked)++;
            t->row_total[i] = t->total_pct[i] = M;
        }
    }
    for (size_t j = 0; st == PN_OK && j < c; j++)
        if (small(t->cases[j], n)) {
            (*masked)++;
            t->cases[j] = M;
            for (size_t i = 0; i < r; i++)
                t->col_pct[i * c + j] = M;
        }
    if (st == PN_OK && small(t->total_cases, n)) {
        (*masked)++;
        t->total_cases = M;
        for (size_t i = 0; i < r; i++)
            t->total_pct[i] = M;
    }
    free(v);
    free(mask);
    return st;
}

static pn_status prot_apply(prot *p, double n, pn_error *err)
{
    pn_tab_part *t = p->part;
    switch (p->kind) {
    case PN_TAB_FREQ:
        apply_freq(t->freq, p->mask, &t->masked);
        break;
    case PN_TAB_MULTI:
        apply_multi(t->multi, p->mask, n, &t->masked);
        break;
    case PN_TAB_CROSSTAB:
        apply_crosstab(t->xt, p->mask, &t->masked, &t->tests_withheld);
        break;
    case PN_TAB_AGREEMENT:
        apply_agreement(t->agree, p->mask, p->extra_ok, &t->masked, &t->tests_withheld);
        break;
    case PN_TAB_MULTI_CROSSTAB:
        return apply_multi_crosstab(t->mxt, n, &t->masked, err);
    }
    return PN_OK;
}

/* ---- linked tables ---------------------------------------------------------------------- */

/*
 * A vector of counts by the categories of a variable that a table publishes: a frequency
 * table's counts, a cross-tab's row margins (its row variable) or column margins (its column
 * variable). Two vectors of the same variable and categories are linked: a count both publish
 * alike must be masked in both or in neither, and where they differ by 1 to n - 1 units (the
 * units one counts and not the other, a cross-tab leaving out those who did not answer its
 * other variable), that difference is a small count: one of the two is masked.
 */
typedef struct linkvec {
    prot *p;
    const char *var;
    size_t k;
    const pn_category *cats;
    size_t at0, step; /* the vector's cells in p's grid: at0 + i * step */
    int margin;       /* a cross-tab's margins (masked in preference to a frequency's count) */
} linkvec;

static int same_categories(const linkvec *a, const linkvec *b)
{
    if (a->k != b->k || strcmp(a->var, b->var) != 0)
        return 0;
    for (size_t i = 0; i < a->k; i++)
        if (strcmp(a->cats[i].name, b->cats[i].name) != 0)
            return 0;
    return 1;
}

/* The vectors of the @nprot tables into @vec (room for 2 * nprot); their number. */
static size_t link_vectors(prot *ps, size_t nprot, linkvec *vec)
{
    size_t n = 0;
    for (size_t i = 0; i < nprot; i++) {
        prot *p = &ps[i];
        if (p->part->network != NULL)
            continue; /* one network's own table: its units are not the pooled ones */
        if (p->kind == PN_TAB_FREQ) {
            const pn_freq *t = p->part->freq;
            vec[n++] = (linkvec){p, t->var, t->k, t->cats, 0, 1, 0};
        } else if (p->kind == PN_TAB_CROSSTAB) {
            const pn_crosstab *t = p->part->xt;
            size_t w = t->c + 1;
            vec[n++] = (linkvec){p, t->row_var, t->r, t->row_cats, t->c, w, 1};
            vec[n++] = (linkvec){p, t->col_var, t->c, t->col_cats, t->r * w, 1, 1};
        }
    }
    return n;
}

/* The cells of linked vectors that must be masked and are not, added to @add (one array per
 * table, as its mask); whether any was. */
static int link_pass(linkvec *vec, size_t nvec, prot *ps, unsigned char **add, double n)
{
    int changed = 0;
    for (size_t a = 0; a < nvec; a++)
        for (size_t b = a + 1; b < nvec; b++) {
            linkvec *x = &vec[a], *y = &vec[b];
            if (x->p == y->p || !same_categories(x, y))
                continue;
            for (size_t i = 0; i < x->k; i++) {
                size_t ax = x->at0 + i * x->step, ay = y->at0 + i * y->step;
                double vx = x->p->v[ax], vy = y->p->v[ay];
                int mx = x->p->mask[ax] != 0, my = y->p->mask[ay] != 0;
                linkvec *to = NULL;
                if (vx == vy && mx != my)
                    to = mx ? y : x;
                else if (vx != vy && !mx && !my && fabs(vx - vy) < n)
                    to = y->margin ? y : x; /* the difference is a small count */
                if (to == NULL)
                    continue;
                size_t at = to == x ? ax : ay;
                add[to->p - ps][at] = 1;
                changed = 1;
            }
        }
    return changed;
}

pn_status pn_tab_results_protect(pn_tab_result *rs, size_t nr, double n, pn_error *err)
{
    size_t nprot = 0;
    for (size_t i = 0; i < nr; i++) {
        rs[i].secret = n >= 2 ? n : 0;
        nprot += rs[i].nparts;
    }
    if (n < 2)
        return PN_OK;
    prot *ps = calloc(nprot ? nprot : 1, sizeof *ps);
    linkvec *vec = calloc(2 * nprot + 1, sizeof *vec);
    unsigned char **add = calloc(nprot ? nprot : 1, sizeof *add);
    pn_status st = ps && vec && add ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
    size_t at = 0;
    for (size_t i = 0; st == PN_OK && i < nr; i++)
        for (size_t k = 0; k < rs[i].nparts; k++, at++) {
            ps[at] = (prot){&rs[i].parts[k], rs[i].kind, 0, 0, NULL, NULL, 1};
            if (!prot_grid(&ps[at]))
                st = pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
            else
                st = prot_mask(&ps[at], n, NULL, err);
        }
    size_t nvec = st == PN_OK ? link_vectors(ps, nprot, vec) : 0;
    for (size_t i = 0; st == PN_OK && i < nprot; i++)
        if (ps[i].mask && (add[i] = calloc((ps[i].r + 1) * (ps[i].c + 1), 1)) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
    /* masks only grow: this ends */
    while (st == PN_OK && nvec > 1 && link_pass(vec, nvec, ps, add, n))
        for (size_t i = 0; st == PN_OK && i < nprot; i++) {
            if (add[i] == NULL)
                continue;
            size_t cells = (ps[i].r + 1) * (ps[i].c + 1);
            int any = 0;
            for (size_t x = 0; x < cells; x++) {
                any |= add[i][x] && !ps[i].mask[x];
                add[i][x] = add[i][x] || ps[i].mask[x];
            }
            if (any)
                st = prot_mask(&ps[i], n, add[i], err);
        }
    for (size_t i = 0; st == PN_OK && i < nprot; i++)
        st = prot_apply(&ps[i], n, err);
    for (size_t i = 0; ps && i < nprot; i++) {
        prot_release(&ps[i]);
        if (add)
            free(add[i]);
    }
    free(ps);
    free(vec);
    free(add);
    return st;
}

pn_status pn_tab_result_protect(pn_tab_result *r, double n, pn_error *err)
{
    return pn_tab_results_protect(r, 1, n, err);
}
