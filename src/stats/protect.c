/* protect.c - the secret statistique of tabulated results (protect.h). May call util, stats. */
#include "stats/protect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/secret.h"

#define M pn_masked()

/* The mask of the one-way table of the @k counts @count and their @total (one more entry). */
static pn_status one_way(size_t k, const double *count, double total, double n,
                         unsigned char **mask, pn_error *err)
{
    double *v = malloc((k + 1) * sizeof *v);
    *mask = malloc(k + 1);
    if (v == NULL || *mask == NULL) {
        free(v);
        return pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
    }
    memcpy(v, count, k * sizeof *v);
    v[k] = total;
    pn_status st = pn_secret_protect(k, 0, v, n, *mask, err);
    free(v);
    return st;
}

/* The frequency rule alone on one count. */
static int small(double x, double n)
{
    return x >= 1 && x < n;
}

static pn_status protect_freq(pn_freq *t, double n, size_t *masked, pn_error *err)
{
    unsigned char *mask;
    pn_status st = one_way(t->k, t->count, t->valid, n, &mask, err);
    int cum = 0;
    for (size_t i = 0; st == PN_OK && i < t->k; i++) {
        cum |= mask[i] != 0;
        if (mask[i]) {
            (*masked)++;
            t->count[i] = t->pct[i] = t->valid_pct[i] = t->ci_low[i] = t->ci_high[i] = M;
        }
        if (cum && t->cum_pct)
            t->cum_pct[i] = M; /* a running total would give the masked count back */
    }
    if (st == PN_OK && mask[t->k]) {
        /* the answers are fewer than n: the total and the non-response go too, which would
         * give them by difference */
        (*masked)++;
        t->valid = t->total = t->missing = t->missing_pct = M;
    }
    free(mask);
    return st;
}

static pn_status protect_multi(pn_multi *t, double n, size_t *masked, pn_error *err)
{
    unsigned char *mask;
    pn_status st = one_way(t->k, t->count, t->responses, n, &mask, err);
    int cases = small(t->cases, n);
    for (size_t i = 0; st == PN_OK && i < t->k; i++) {
        if (mask[i]) {
            (*masked)++;
            t->count[i] = t->pct_responses[i] = t->pct_cases[i] = M;
        }
        if (cases || mask[t->k]) /* a percentage of a masked base gives the base */
            t->pct_cases[i] = M;
        if (mask[t->k])
            t->pct_responses[i] = M;
    }
    if (st == PN_OK && mask[t->k]) {
        (*masked)++;
        t->responses = M;
    }
    if (st == PN_OK && cases) {
        (*masked)++;
        t->cases = t->pct_cases_total = M;
    }
    free(mask);
    return st;
}

/* The (r + 1) x (c + 1) grid of a two-way table's counts and margins. */
static double *two_way_grid(size_t r, size_t c, const double *count, const double *row_total,
                            const double *col_total, double total)
{
    size_t w = c + 1;
    double *v = malloc((r + 1) * w * sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < r; i++) {
        memcpy(v + i * w, count + i * c, c * sizeof *v);
        v[i * w + c] = row_total[i];
    }
    memcpy(v + r * w, col_total, c * sizeof *v);
    v[r * w + c] = total;
    return v;
}

static pn_status protect_crosstab(pn_crosstab *t, double n, size_t *masked, int *withheld,
                                  pn_error *err)
{
    size_t r = t->r, c = t->c, w = c + 1;
    double *v = two_way_grid(r, c, t->count, t->row_total, t->col_total, t->n);
    unsigned char *mask = malloc((r + 1) * w);
    pn_status st = v && mask ? pn_secret_protect(r, c, v, n, mask, err)
                             : pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
    for (size_t i = 0; st == PN_OK && i <= r; i++)
        for (size_t j = 0; j <= c; j++) {
            if (!mask[i * w + j])
                continue;
            (*masked)++;
            if (i < r && j < c) {
                size_t ij = i * c + j;
                t->count[ij] = t->row_pct[ij] = t->col_pct[ij] = t->total_pct[ij] = M;
                t->adj_resid[ij] = M;
                *withheld = 1;
                continue;
            }
            /* a margin: every percentage and expected count of its row or column */
            for (size_t k = 0; i < r && k < c; k++)
                t->row_pct[i * c + k] = t->expected[i * c + k] = M;
            for (size_t k = 0; j < c && k < r; k++)
                t->col_pct[k * c + j] = t->expected[k * c + j] = M;
            if (i < r)
                t->row_total[i] = t->row_total_pct[i] = M;
            else if (j < c)
                t->col_total[j] = t->col_total_pct[j] = M;
            else {
                t->n = t->n_pct = M;
                for (size_t k = 0; k < r * c; k++)
                    t->total_pct[k] = M;
            }
        }
    if (st == PN_OK && *withheld)
        t->chi2 = t->chi2_p = t->lr = t->lr_p = t->cramer_v = t->fisher_p = M;
    free(v);
    free(mask);
    return st;
}

static pn_status protect_multi_crosstab(pn_multi_crosstab *t, double n, size_t *masked,
                                        pn_error *err)
{
    size_t r = t->r, c = t->c;
    pn_status st = PN_OK;
    /* each option's row, with its "Ensemble", one way */
    for (size_t i = 0; st == PN_OK && i < r; i++) {
        unsigned char *mask;
        st = one_way(c, t->count + i * c, t->row_total[i], n, &mask, err);
        for (size_t j = 0; st == PN_OK && j < c; j++)
            if (mask[j]) {
                (*masked)++;
                t->count[i * c + j] = t->col_pct[i * c + j] = M;
            }
        if (st == PN_OK && mask[c]) {
            (*masked)++;
            t->row_total[i] = t->total_pct[i] = M;
        }
        free(mask);
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
    return st;
}

/* The linear functions of the pairs' counts that an agreement table's measures publish
 * beside its margins: the diagonal's sum (the observed agreement, and the kappa made of it),
 * and the combination of sum f_ii (r_i + c_i) and sum f_ij (r_i + c_j)^2 that the kappa's
 * standard error gives once the kappa is known (stats.c, pn_agreement_compute): 2 rows of
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

static pn_status protect_agreement(pn_agreement *t, double n, size_t *masked, int *withheld,
                                   pn_error *err)
{
    size_t k = t->k, w = k + 1;
    double *v = two_way_grid(k, k, t->count, t->row_total, t->col_total, t->n);
    double *extra = malloc((2 * k * k + 1) * sizeof *extra);
    unsigned char *mask = malloc(w * w);
    pn_status st = PN_OK;
    int extra_ok = 1;
    if (v == NULL || extra == NULL || mask == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
    if (st == PN_OK) {
        kappa_equations(t, extra);
        /* the measures are published: protected against them too */
        st = pn_secret_protect_with(k, k, v, extra, isnan(t->kappa) ? 1 : 2, n, mask, &extra_ok,
                                    err);
    }
    int margin = !extra_ok;
    for (size_t i = 0; st == PN_OK && i <= k; i++)
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
    if (st == PN_OK && margin) {
        *withheld = 1;
        t->chance_pct = t->agree = t->agree_pct = t->kappa = t->ase = M;
        t->ci_low = t->ci_high = t->t = t->p = M;
    }
    free(v);
    free(extra);
    free(mask);
    return st;
}

pn_status pn_tab_result_protect(pn_tab_result *r, double n, pn_error *err)
{
    pn_status st = PN_OK;
    r->secret = n >= 2 ? n : 0;
    if (n < 2)
        return PN_OK;
    for (size_t i = 0; i < r->nparts && st == PN_OK; i++) {
        pn_tab_part *p = &r->parts[i];
        switch (r->kind) {
        case PN_TAB_FREQ:
            st = protect_freq(p->freq, n, &p->masked, err);
            break;
        case PN_TAB_MULTI:
            st = protect_multi(p->multi, n, &p->masked, err);
            break;
        case PN_TAB_CROSSTAB:
            st = protect_crosstab(p->xt, n, &p->masked, &p->tests_withheld, err);
            break;
        case PN_TAB_MULTI_CROSSTAB:
            st = protect_multi_crosstab(p->mxt, n, &p->masked, err);
            break;
        case PN_TAB_AGREEMENT:
            st = protect_agreement(p->agree, n, &p->masked, &p->tests_withheld, err);
            break;
        }
    }
    return st;
}
