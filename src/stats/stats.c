#include "stats/stats.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

void pn_stats_init(void)
{
    gsl_set_error_handler_off();
}

/* A quiet NaN whose payload says "masked" (0x5ec7e7: secret). */
static const uint64_t masked_bits = 0x7ff8000000000000u | 0x5ec7e7u;

double pn_masked(void)
{
    double x;
    memcpy(&x, &masked_bits, sizeof x);
    return x;
}

int pn_is_masked(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b == masked_bits;
}

const char *pn_category_label(const pn_category *c)
{
    if (c->label != NULL && c->label[0] != '\0')
        return c->label;
    return c->name ? c->name : "";
}

static void categories_free(pn_category *cats, size_t k)
{
    if (cats == NULL)
        return;
    for (size_t i = 0; i < k; i++) {
        free(cats[i].name);
        free(cats[i].label);
    }
    free(cats);
}

/* calloc for @n doubles, NULL when @n * sizeof(double) overflows. At least one element,
 * so that an empty table still gets non-NULL arrays. */
static double *doubles_alloc(size_t n)
{
    return calloc(n ? n : 1, sizeof(double));
}

/* Replace *@p by a fresh zeroed array of @n doubles, so compute can be called again. */
static pn_status doubles_renew(double **p, size_t n)
{
    free(*p);
    *p = doubles_alloc(n);
    return *p ? PN_OK : PN_ENOMEM;
}

static pn_status nomem(pn_error *err, const char *what)
{
    return pn_error_set(err, PN_ENOMEM, "out of memory computing %s", what);
}

/* 100 * a / b, NaN when b is 0 (a percentage of nothing is undefined, not 0). */
static double percent(double a, double b)
{
    return b != 0 ? 100.0 * a / b : NAN;
}

/* The total of the percentages of a base @b: 100, NaN when there is nothing (b is 0). */
static double total_of(double b)
{
    return b > 0 ? 100.0 : NAN;
}

void pn_wilson(double x, double n, double *low, double *high)
{
    if (!(n > 0)) {
        *low = *high = NAN;
        return;
    }
    double z = gsl_cdf_ugaussian_Pinv(0.975);
    double z2 = z * z;
    double p = x / n;
    double denom = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / denom;
    double half = z / denom * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    double lo = centre - half, hi = centre + half;
    /* The bounds are exactly 0 when x is 0 and 1 when x is n; rounding would leave them
     * a hair away. */
    *low = x <= 0 ? 0 : lo;
    *high = x >= n ? 1 : hi;
}

/* ---------------------------------------------------------------- pn_freq */

pn_freq *pn_freq_create(size_t k)
{
    pn_freq *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->k = k;
    t->cats = calloc(k ? k : 1, sizeof *t->cats);
    t->count = doubles_alloc(k);
    if (t->cats == NULL || t->count == NULL) {
        pn_freq_destroy(t);
        return NULL;
    }
    return t;
}

void pn_freq_destroy(pn_freq *t)
{
    if (t == NULL)
        return;
    free(t->var);
    free(t->title);
    categories_free(t->cats, t->k);
    free(t->count);
    free(t->pct);
    free(t->valid_pct);
    free(t->cum_pct);
    free(t->ci_low);
    free(t->ci_high);
    free(t);
}

pn_status pn_freq_compute(pn_freq *t, pn_error *err)
{
    size_t k = t->k;
    if (doubles_renew(&t->pct, k) || doubles_renew(&t->valid_pct, k) ||
        doubles_renew(&t->ci_low, k) || doubles_renew(&t->ci_high, k))
        return nomem(err, "a frequency table");
    free(t->cum_pct);
    t->cum_pct = NULL;
    if (t->ordered && doubles_renew(&t->cum_pct, k))
        return nomem(err, "a frequency table");

    t->valid = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(t->count[i] >= 0))
            return pn_error_set(err, PN_EINTERNAL,
                                "variable '%s': count %g for a category is not a count",
                                t->var ? t->var : "", t->count[i]);
        t->valid += t->count[i];
    }
    t->total = t->valid + t->missing;

    double cum = 0;
    for (size_t i = 0; i < k; i++) {
        t->pct[i] = percent(t->count[i], t->total);
        t->valid_pct[i] = percent(t->count[i], t->valid);
        /* Accumulate counts, not rounded percentages, so the last row is exactly 100. */
        cum += t->count[i];
        if (t->cum_pct)
            t->cum_pct[i] = percent(cum, t->valid);
        double lo, hi;
        pn_wilson(t->count[i], t->valid, &lo, &hi);
        t->ci_low[i] = 100 * lo;
        t->ci_high[i] = 100 * hi;
    }
    t->missing_pct = percent(t->missing, t->total);
    t->pct_total = total_of(t->total);
    t->valid_pct_total = total_of(t->valid);
    return PN_OK;
}

/* ---------------------------------------------------------------- pn_multi */

pn_multi *pn_multi_create(size_t k)
{
    pn_multi *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->k = k;
    t->cats = calloc(k ? k : 1, sizeof *t->cats);
    t->count = doubles_alloc(k);
    if (t->cats == NULL || t->count == NULL) {
        pn_multi_destroy(t);
        return NULL;
    }
    return t;
}

void pn_multi_destroy(pn_multi *t)
{
    if (t == NULL)
        return;
    free(t->var);
    free(t->title);
    categories_free(t->cats, t->k);
    free(t->count);
    free(t->pct_responses);
    free(t->pct_cases);
    free(t);
}

pn_status pn_multi_compute(pn_multi *t, pn_error *err)
{
    if (doubles_renew(&t->pct_responses, t->k) || doubles_renew(&t->pct_cases, t->k))
        return nomem(err, "a multiple-response table");
    t->responses = 0;
    for (size_t i = 0; i < t->k; i++)
        t->responses += t->count[i];
    for (size_t i = 0; i < t->k; i++) {
        t->pct_responses[i] = percent(t->count[i], t->responses);
        t->pct_cases[i] = percent(t->count[i], t->cases);
    }
    double sum_cases = 0;
    for (size_t i = 0; i < t->k; i++)
        sum_cases += t->pct_cases[i];
    t->pct_responses_total = total_of(t->responses);
    t->pct_cases_total = t->cases > 0 ? sum_cases : NAN;
    return PN_OK;
}

/* ---------------------------------------------------------------- pn_multi_crosstab */

pn_multi_crosstab *pn_multi_crosstab_create(size_t r, size_t c)
{
    if (c != 0 && r > SIZE_MAX / c / sizeof(double))
        return NULL;
    pn_multi_crosstab *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->r = r;
    t->c = c;
    t->row_cats = calloc(r ? r : 1, sizeof *t->row_cats);
    t->col_cats = calloc(c ? c : 1, sizeof *t->col_cats);
    t->count = doubles_alloc(r * c);
    t->cases = doubles_alloc(c);
    t->missing = doubles_alloc(c);
    if (t->row_cats == NULL || t->col_cats == NULL || t->count == NULL || t->cases == NULL ||
        t->missing == NULL) {
        pn_multi_crosstab_destroy(t);
        return NULL;
    }
    return t;
}

void pn_multi_crosstab_destroy(pn_multi_crosstab *t)
{
    if (t == NULL)
        return;
    free(t->row_var);
    free(t->col_var);
    free(t->row_title);
    free(t->col_title);
    categories_free(t->row_cats, t->r);
    categories_free(t->col_cats, t->c);
    free(t->count);
    free(t->cases);
    free(t->missing);
    free(t->col_pct);
    free(t->row_total);
    free(t->total_pct);
    free(t);
}

pn_status pn_multi_crosstab_compute(pn_multi_crosstab *t, pn_error *err)
{
    size_t r = t->r, c = t->c;
    const char *rv = t->row_var ? t->row_var : "", *cv = t->col_var ? t->col_var : "";
    if (doubles_renew(&t->col_pct, r * c) || doubles_renew(&t->row_total, r) ||
        doubles_renew(&t->total_pct, r))
        return nomem(err, "a multiple-response cross-tabulation");
    t->total_cases = t->total_missing = 0;
    for (size_t j = 0; j < c; j++) {
        if (!(t->cases[j] >= 0) || !(t->missing[j] >= 0))
            return pn_error_set(err, PN_EINTERNAL, "'%s' by '%s': a column's base is not a count",
                                rv, cv);
        t->total_cases += t->cases[j];
        t->total_missing += t->missing[j];
    }
    for (size_t i = 0; i < r; i++) {
        for (size_t j = 0; j < c; j++) {
            double o = t->count[i * c + j];
            if (!(o >= 0) || o > t->cases[j])
                return pn_error_set(err, PN_EINTERNAL,
                                    "'%s' by '%s': count %g in a cell is not a count of the "
                                    "column's %g respondents",
                                    rv, cv, o, t->cases[j]);
            t->col_pct[i * c + j] = percent(o, t->cases[j]);
            t->row_total[i] += o;
        }
        t->total_pct[i] = percent(t->row_total[i], t->total_cases);
    }
    return PN_OK;
}

/* ---------------------------------------------------------------- pn_crosstab */

pn_crosstab *pn_crosstab_create(size_t r, size_t c)
{
    if (c != 0 && r > SIZE_MAX / c / sizeof(double))
        return NULL;
    pn_crosstab *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->r = r;
    t->c = c;
    t->row_cats = calloc(r ? r : 1, sizeof *t->row_cats);
    t->col_cats = calloc(c ? c : 1, sizeof *t->col_cats);
    t->count = doubles_alloc(r * c);
    if (t->row_cats == NULL || t->col_cats == NULL || t->count == NULL) {
        pn_crosstab_destroy(t);
        return NULL;
    }
    return t;
}

void pn_crosstab_destroy(pn_crosstab *t)
{
    if (t == NULL)
        return;
    free(t->row_var);
    free(t->col_var);
    free(t->row_title);
    free(t->col_title);
    categories_free(t->row_cats, t->r);
    categories_free(t->col_cats, t->c);
    free(t->count);
    free(t->row_total);
    free(t->col_total);
    free(t->expected);
    free(t->row_pct);
    free(t->col_pct);
    free(t->total_pct);
    free(t->adj_resid);
    free(t->row_total_pct);
    free(t->col_total_pct);
    free(t->row_pct_total);
    free(t->col_pct_total);
    free(t);
}

/*
 * Two-sided Fisher exact test of the 2x2 table [[a, b], [c, d]], as R's fisher.test:
 * the sum of the hypergeometric probabilities of every table with the same margins
 * that is no more likely than the observed one (with a relative tolerance of 1e-7,
 * so that ties lost to rounding still count). NaN when a count is not a whole number.
 */
static double fisher_2x2(double a, double b, double c, double d)
{
    double cells[4] = {a, b, c, d};
    for (size_t i = 0; i < 4; i++)
        if (cells[i] != floor(cells[i]) || cells[i] > (double)UINT_MAX / 2)
            return NAN;
    unsigned n1 = (unsigned)(a + b), n2 = (unsigned)(c + d), t = (unsigned)(a + c);
    unsigned lo = t > n2 ? t - n2 : 0;
    unsigned hi = t < n1 ? t : n1;
    double observed = gsl_ran_hypergeometric_pdf((unsigned)a, n1, n2, t);
    double limit = observed * (1 + 1e-7);
    double p = 0;
    for (unsigned x = lo; x <= hi; x++) {
        double px = gsl_ran_hypergeometric_pdf(x, n1, n2, t);
        if (px <= limit)
            p += px;
    }
    return p > 1 ? 1 : p;
}

static pn_status crosstab_alloc(pn_crosstab *t)
{
    size_t rc = t->r * t->c;
    if (doubles_renew(&t->row_total, t->r) || doubles_renew(&t->col_total, t->c) ||
        doubles_renew(&t->expected, rc) || doubles_renew(&t->row_pct, rc) ||
        doubles_renew(&t->col_pct, rc) || doubles_renew(&t->total_pct, rc) ||
        doubles_renew(&t->adj_resid, rc) || doubles_renew(&t->row_total_pct, t->r) ||
        doubles_renew(&t->col_total_pct, t->c) || doubles_renew(&t->row_pct_total, t->r) ||
        doubles_renew(&t->col_pct_total, t->c))
        return PN_ENOMEM;
    return PN_OK;
}

pn_status pn_crosstab_compute(pn_crosstab *t, pn_error *err)
{
    size_t r = t->r, c = t->c;
    if (crosstab_alloc(t) != PN_OK)
        return nomem(err, "a cross-tabulation");

    t->n = 0;
    for (size_t i = 0; i < r; i++) {
        for (size_t j = 0; j < c; j++) {
            double o = t->count[i * c + j];
            if (!(o >= 0))
                return pn_error_set(err, PN_EINTERNAL,
                                    "'%s' by '%s': count %g in a cell is not a count",
                                    t->row_var ? t->row_var : "", t->col_var ? t->col_var : "", o);
            t->row_total[i] += o;
            t->col_total[j] += o;
            t->n += o;
        }
    }
    double n = t->n;
    for (size_t i = 0; i < r; i++) {
        t->row_total_pct[i] = percent(t->row_total[i], n);
        t->row_pct_total[i] = total_of(t->row_total[i]);
    }
    for (size_t j = 0; j < c; j++) {
        t->col_total_pct[j] = percent(t->col_total[j], n);
        t->col_pct_total[j] = total_of(t->col_total[j]);
    }
    t->n_pct = total_of(n);
    size_t rows = 0, cols = 0; /* non-empty ones */
    for (size_t i = 0; i < r; i++)
        rows += t->row_total[i] > 0;
    for (size_t j = 0; j < c; j++)
        cols += t->col_total[j] > 0;

    double chi2 = 0, lr = 0;
    size_t low = 0;
    for (size_t i = 0; i < r; i++) {
        for (size_t j = 0; j < c; j++) {
            size_t ij = i * c + j;
            double o = t->count[ij], rt = t->row_total[i], ct = t->col_total[j];
            double e = n > 0 ? rt * ct / n : NAN;
            t->expected[ij] = e;
            t->row_pct[ij] = percent(o, rt);
            t->col_pct[ij] = percent(o, ct);
            t->total_pct[ij] = percent(o, n);
            double var = e * (1 - rt / n) * (1 - ct / n);
            t->adj_resid[ij] = var > 0 ? (o - e) / sqrt(var) : NAN;
            if (!(e > 0))
                continue; /* an empty row or column: shown, but not tested */
            chi2 += (o - e) * (o - e) / e;
            if (o > 0)
                lr += o * log(o / e);
            if (e < 5)
                low++;
        }
    }
    t->low_expected = low;
    t->low_expected_pct = percent((double)low, (double)(rows * cols));

    t->chi2 = t->chi2_p = t->lr = t->lr_p = t->cramer_v = t->fisher_p = NAN;
    t->chi2_df = 0;
    if (rows < 2 || cols < 2)
        return PN_OK;

    t->chi2 = chi2;
    t->chi2_df = (double)((rows - 1) * (cols - 1));
    t->lr = 2 * lr;
    t->chi2_p = gsl_cdf_chisq_Q(t->chi2, t->chi2_df);
    t->lr_p = gsl_cdf_chisq_Q(t->lr, t->chi2_df);
    if (isnan(t->chi2_p) || isnan(t->lr_p))
        return pn_error_set(
            err, PN_EINTERNAL, "'%s' by '%s': gsl_cdf_chisq_Q failed for chi2 %g, lr %g, df %g",
            t->row_var ? t->row_var : "", t->col_var ? t->col_var : "", t->chi2, t->lr, t->chi2_df);
    size_t m = rows < cols ? rows : cols;
    t->cramer_v = sqrt(t->chi2 / (n * (double)(m - 1)));

    if (rows == 2 && cols == 2) {
        /* The 2x2 table left once empty rows and columns are set aside. */
        double cell[4];
        size_t k = 0;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++)
                if (t->row_total[i] > 0 && t->col_total[j] > 0)
                    cell[k++] = t->count[i * c + j];
        t->fisher_p = fisher_2x2(cell[0], cell[1], cell[2], cell[3]);
    }
    return PN_OK;
}

pn_agreement *pn_agreement_create(size_t k)
{
    if (k != 0 && k > SIZE_MAX / k / sizeof(double))
        return NULL;
    pn_agreement *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->k = k;
    t->cats = calloc(k ? k : 1, sizeof *t->cats);
    t->count = doubles_alloc(k * k);
    if (t->cats == NULL || t->count == NULL) {
        pn_agreement_destroy(t);
        return NULL;
    }
    return t;
}

void pn_agreement_destroy(pn_agreement *t)
{
    if (t == NULL)
        return;
    free(t->var);
    free(t->title);
    categories_free(t->cats, t->k);
    free(t->count);
    free(t->row_total);
    free(t->col_total);
    free(t);
}

/*
 * Kappa's standard errors in counts (n pairs, f the cells, r and c the margins; Fleiss, Cohen
 * and Everitt 1969, in the form SPSS's algorithms and PSPP use): with D = n^2 - sum r_i c_i,
 *   ase^2 = n [ F (n - F) / D^2 + 2 (n - F)(2 F R - n A) / D^3 + (n - F)^2 (n B - 4 R^2) / D^4 ]
 * where F = sum f_ii, R = sum r_i c_i, A = sum f_ii (r_i + c_i), B = sum_ij f_ij (r_i + c_j)^2;
 * and under kappa = 0, ase0^2 = (n^2 R + R^2 - n sum r_i c_i (r_i + c_i)) / (n D^2).
 */
pn_status pn_agreement_compute(pn_agreement *t, pn_error *err)
{
    size_t k = t->k;
    if (doubles_renew(&t->row_total, k) || doubles_renew(&t->col_total, k))
        return nomem(err, "an agreement table");
    t->n = t->agree = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double f = t->count[i * k + j];
            if (!(f >= 0))
                return pn_error_set(err, PN_EINTERNAL, "'%s': a count of pairs is not a count",
                                    t->var ? t->var : "");
            t->row_total[i] += f;
            t->col_total[j] += f;
            t->n += f;
            if (i == j)
                t->agree += f;
        }
    double n = t->n, F = t->agree, R = 0, A = 0, B = 0, C = 0;
    for (size_t i = 0; i < k; i++) {
        double ri = t->row_total[i], ci = t->col_total[i];
        R += ri * ci;
        A += t->count[i * k + i] * (ri + ci);
        C += ri * ci * (ri + ci);
        for (size_t j = 0; j < k; j++)
            B += t->count[i * k + j] * (ri + t->col_total[j]) * (ri + t->col_total[j]);
    }
    double D = n * n - R;
    t->agree_pct = percent(F, n);
    t->chance_pct = n > 0 ? 100.0 * R / (n * n) : NAN;
    t->kappa = t->ase = t->ci_low = t->ci_high = t->t = t->p = NAN;
    if (n > 0 && D > 0) {
        double v = n * (F * (n - F) / (D * D) + 2 * (n - F) * (2 * F * R - n * A) / (D * D * D) +
                        (n - F) * (n - F) * (n * B - 4 * R * R) / (D * D * D * D));
        double v0 = (n * n * R + R * R - n * C) / (n * D * D);
        double z = gsl_cdf_ugaussian_Pinv(0.975);
        t->kappa = (n * F - R) / D;
        t->ase = v >= 0 ? sqrt(v) : NAN;
        t->ci_low = t->kappa - z * t->ase;
        t->ci_high = t->kappa + z * t->ase;
        if (v0 > 0) {
            t->t = t->kappa / sqrt(v0);
            t->p = 2 * gsl_cdf_ugaussian_Q(fabs(t->t));
        }
    }
    return PN_OK;
}
