/*
 * test_stats.c - figures of stats/stats.c checked against independent sources, and the
 * text and CSV drivers of output/ (output/output.h).
 *
 * Sources of the expected figures:
 *  - GNU PSPP 1.6.2: the syntax files in tests/stats/pspp/ (one .sps each). PSPP displays few
 *    digits, but its .spv output holds the unrounded doubles; tests/stats/pspp/fullprec.py
 *    reruns a syntax file and prints every figure with 16 decimals, e.g.
 *        python3 tests/stats/pspp/fullprec.py tests/stats/pspp/crosstab_3x4.sps
 *    The literals below were copied from that output and are compared to 1e-9 relative.
 *  - closed forms evaluated with mpmath at 40 digits (Wilson bounds with
 *    z = sqrt(2) erfinv(0.95); chi-square p-values with 1 df as erfc(sqrt(x / 2))).
 *  - published values (R's fisher.test on Fisher's tea-tasting table: p = 17/35).
 *  - hand computations, written out next to the expected values.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output/output.h"
#include "stats/stats.h"
#include "util/strbuf.h"

#define REL 1e-9

static void check_close(double actual, double expected, double rel, const char *what,
                        const char *file, int line)
{
    if (isnan(expected)) {
        if (!isnan(actual))
            fail_msg("%s:%d: %s = %.17g, expected NaN", file, line, what, actual);
        return;
    }
    double tol = rel * fmax(fabs(expected), 1e-300);
    if (!(fabs(actual - expected) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g (rel. error %.3g)", file, line, what, actual,
                 expected, fabs(actual - expected) / fabs(expected));
}

#define CLOSE(actual, expected) check_close((actual), (expected), REL, #actual, __FILE__, __LINE__)

/* Each element of @actual (n values) against @expected. */
static void check_array(const double *actual, const double *expected, size_t n, const char *what,
                        const char *file, int line)
{
    for (size_t i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s[%zu]", what, i);
        check_close(actual[i], expected[i], REL, name, file, line);
    }
}

#define CLOSE_ARRAY(actual, expected, n)                                                           \
    check_array((actual), (expected), (n), #actual, __FILE__, __LINE__)

static void set_cat(pn_category *cat, const char *name, const char *label)
{
    cat->name = pn_strdup(name);
    cat->label = pn_strdup(label);
    assert_non_null(cat->name);
    assert_non_null(cat->label);
}

/* An r x c table with categories named r1.., c1.. (labels "Ligne 1", ...). */
static pn_crosstab *crosstab_new(size_t r, size_t c, const double *count)
{
    pn_crosstab *t = pn_crosstab_create(r, c);
    assert_non_null(t);
    t->row_var = pn_strdup("r");
    t->col_var = pn_strdup("c");
    t->row_title = pn_strdup("Ligne");
    t->col_title = pn_strdup("Colonne");
    char name[32], label[32];
    for (size_t i = 0; i < r; i++) {
        snprintf(name, sizeof name, "r%zu", i + 1);
        snprintf(label, sizeof label, "Ligne %zu", i + 1);
        set_cat(&t->row_cats[i], name, label);
    }
    for (size_t j = 0; j < c; j++) {
        snprintf(name, sizeof name, "c%zu", j + 1);
        snprintf(label, sizeof label, "Colonne %zu", j + 1);
        set_cat(&t->col_cats[j], name, label);
    }
    memcpy(t->count, count, r * c * sizeof *count);
    pn_error err = {0};
    assert_int_equal(pn_crosstab_compute(t, &err), PN_OK);
    return t;
}

/* ------------------------------------------------------------ cross-tabs vs PSPP */

/* tests/stats/pspp/crosstab_3x4.sps */
static void test_crosstab_3x4(void **state)
{
    (void)state;
    const double count[] = {12, 5, 7, 3, 4, 9, 6, 8, 2, 3, 10, 11};
    pn_crosstab *t = crosstab_new(3, 4, count);

    const double expected[] = {6.0750000000000002, 5.7374999999999998, 7.7625000000000002,
                               7.4249999999999998, 6.0750000000000002, 5.7374999999999998,
                               7.7625000000000002, 7.4249999999999998, 5.8499999999999996,
                               5.5250000000000004, 7.4749999999999996, 7.1500000000000004};
    const double row_pct[] = {44.4444444444444429, 18.5185185185185190, 25.9259259259259238,
                              11.1111111111111107, 14.8148148148148131, 33.3333333333333286,
                              22.2222222222222214, 29.6296296296296262, 7.6923076923076925,
                              11.5384615384615383, 38.4615384615384670, 42.3076923076923066};
    const double col_pct[] = {66.6666666666666572, 29.4117647058823550, 30.4347826086956559,
                              13.6363636363636349, 22.2222222222222214, 52.9411764705882391,
                              26.0869565217391290, 36.3636363636363669, 11.1111111111111107,
                              17.6470588235294130, 43.4782608695652186, 50.0000000000000000};
    const double adj_resid[] = {3.3548369756521090,  -.4262677266674874,  -.3983397677173346,
                                -2.3431662399067141, -1.1749007129920890, 1.8856928247493936,
                                -.9207525778384291,  .3044792289144319,   -2.2007973720676222,
                                -1.4733912067084665, 1.3317155264306906,  2.0581964221217031};
    const double row_total[] = {27, 27, 26}, col_total[] = {18, 17, 23, 22};

    CLOSE_ARRAY(t->expected, expected, 12);
    CLOSE_ARRAY(t->row_pct, row_pct, 12);
    CLOSE_ARRAY(t->col_pct, col_pct, 12);
    CLOSE_ARRAY(t->adj_resid, adj_resid, 12);
    CLOSE_ARRAY(t->row_total, row_total, 3);
    CLOSE_ARRAY(t->col_total, col_total, 4);
    CLOSE(t->total_pct[0], 15.0); /* 12 / 80 */
    CLOSE(t->n, 80);
    CLOSE(t->chi2, 18.2078477446479674);
    CLOSE(t->chi2_df, 6);
    CLOSE(t->chi2_p, .0057332330968139);
    CLOSE(t->lr, 18.2804116119110631);
    CLOSE(t->lr_p, .0055683415989265);
    CLOSE(t->cramer_v, .3373411454359663);
    assert_true(isnan(t->fisher_p));
    /* Smallest expected count is 5.525: none below 5. */
    assert_int_equal(t->low_expected, 0);
    CLOSE(t->low_expected_pct, 0);
    pn_crosstab_destroy(t);
}

/* tests/stats/pspp/crosstab_2x2.sps */
static void test_crosstab_2x2(void **state)
{
    (void)state;
    const double count[] = {12, 5, 3, 10};
    pn_crosstab *t = crosstab_new(2, 2, count);

    const double expected[] = {8.5, 8.5, 6.5, 6.5};
    const double row_pct[] = {70.5882352941176521, 29.4117647058823550, 23.0769230769230767,
                              76.9230769230769340};
    const double col_pct[] = {80, 33.3333333333333286, 20, 66.6666666666666572};
    const double total_pct[] = {40, 16.6666666666666643, 10, 33.3333333333333286};
    const double adj_resid[] = {2.5790664416426421, -2.5790664416426421, -2.5790664416426425,
                                2.5790664416426425};
    CLOSE_ARRAY(t->expected, expected, 4);
    CLOSE_ARRAY(t->row_pct, row_pct, 4);
    CLOSE_ARRAY(t->col_pct, col_pct, 4);
    CLOSE_ARRAY(t->total_pct, total_pct, 4);
    CLOSE_ARRAY(t->adj_resid, adj_resid, 4);
    CLOSE(t->chi2, 6.6515837104072393);
    CLOSE(t->chi2_df, 1);
    CLOSE(t->chi2_p, .0099067730113637);
    CLOSE(t->lr, 6.9464081528279973);
    CLOSE(t->lr_p, .0083987697663544);
    CLOSE(t->cramer_v, .4708709557974187);
    /*
     * Fisher: not PSPP's two-sided figure. The column margins are 15/15 and the first
     * cell ranges over 2..15, so the hypergeometric distribution is symmetric and the
     * table [[5, 12], [10, 3]] is exactly as likely as the observed one. R counts it (its
     * tolerance of 1e-7); PSPP's "Exact Sig. (2-tailed)" .0139184793568128 misses it by
     * floating-point comparison (it is the 1-tailed .0126638435168381 plus P(x <= 4) only).
     * Exact value, summed with Python's fractions: 628/24795; by symmetry it is also twice
     * PSPP's "Exact Sig. (1-tailed)".
     */
    CLOSE(t->fisher_p, 628.0 / 24795);
    CLOSE(t->fisher_p, 2 * .0126638435168381);
    assert_int_equal(t->low_expected, 0);
    pn_crosstab_destroy(t);
}

/*
 * tests/stats/pspp/kappa_5x5.sps: the class of the link as the centre and the school give it,
 * for the 350 pairs of the bundled examples that both report (DOMAIN.md: kappa 0.5947).
 * PSPP's Kappa, "Asymp. Std. Error" and "Approx. T" (fullprec.py); the interval and the
 * p-value are kappa -/+ 1.959963984540054 ase and 2 Q(|T|), worked out from those.
 */
static void test_agreement_kappa(void **state)
{
    (void)state;
    /* rows: the centre's class, columns: the school's, in the form's order (aucun, ponctuel,
     * cooperation_reguliere, dispositif, partenariat_formalise) */
    const double count[25] = {
        16, 4,  2,  4,  4,  /* aucun */
        3,  23, 9,  5,  2,  /* ponctuel */
        0,  12, 29, 9,  5,  /* cooperation_reguliere */
        4,  5,  5,  93, 12, /* dispositif */
        0,  6,  5,  10, 83, /* partenariat_formalise */
    };
    pn_agreement *t = pn_agreement_create(5);
    assert_non_null(t);
    memcpy(t->count, count, sizeof count);
    pn_error err = {0};
    assert_int_equal(pn_agreement_compute(t, &err), PN_OK);
    CLOSE(t->n, 350);
    CLOSE(t->agree, 16 + 23 + 29 + 93 + 83);
    CLOSE(t->agree_pct, 100.0 * 244 / 350);
    CLOSE(t->chance_pct, 100.0 * (30 * 23 + 42 * 50 + 55 * 50 + 119 * 121 + 104 * 106) / 122500);
    CLOSE(t->kappa, .5946994111670690);
    CLOSE(t->ase, .0319313734685214);
    CLOSE(t->t, 20.1661484579413859);
    CLOSE(t->ci_low, .5946994111670690 - 1.959963984540054 * .0319313734685214);
    CLOSE(t->ci_high, .5946994111670690 + 1.959963984540054 * .0319313734685214);
    assert_true(t->p >= 0 && t->p < 1e-80);
    /* perfect agreement: kappa 1, no error; every pair in one cell: no kappa */
    memset(t->count, 0, sizeof count);
    t->count[0] = 7;
    t->count[6] = 3;
    assert_int_equal(pn_agreement_compute(t, &err), PN_OK);
    CLOSE(t->kappa, 1);
    CLOSE(t->ase, 0);
    t->count[6] = 0;
    assert_int_equal(pn_agreement_compute(t, &err), PN_OK);
    assert_true(isnan(t->kappa) && isnan(t->ase) && isnan(t->t));
    CLOSE(t->agree_pct, 100);
    t->count[1] = -1;
    assert_int_equal(pn_agreement_compute(t, &err), PN_EINTERNAL);
    pn_agreement_destroy(t);
}

/*
 * tests/stats/pspp/crosstab_empty_row.sps: PSPP's 3x3 table of rows 1, 2, 4; panorama
 * gets a 4x3 table whose row 3 is empty, shown but left out of the tests.
 */
static void test_crosstab_empty_row(void **state)
{
    (void)state;
    const double count[] = {8, 4, 2, 3, 7, 5, 0, 0, 0, 1, 6, 9};
    pn_crosstab *t = crosstab_new(4, 3, count);

    const double nan = NAN;
    const double expected[] = {3.7333333333333334,
                               5.2888888888888888,
                               4.9777777777777779,
                               4.0000000000000000,
                               5.6666666666666670,
                               5.3333333333333330,
                               0,
                               0,
                               0,
                               4.2666666666666666,
                               6.0444444444444443,
                               5.6888888888888891};
    const double row_pct[] = {57.1428571428571388,
                              28.5714285714285694,
                              14.2857142857142847,
                              20.0000000000000000,
                              46.6666666666666643,
                              33.3333333333333286,
                              nan,
                              nan,
                              nan,
                              6.2500000000000000,
                              37.5000000000000000,
                              56.2500000000000000};
    const double col_pct[] = {66.6666666666666572,
                              23.5294117647058805,
                              12.5000000000000000,
                              25.0000000000000000,
                              41.1764705882352899,
                              31.2500000000000000,
                              0,
                              0,
                              0,
                              8.3333333333333321,
                              35.2941176470588260,
                              56.2500000000000000};
    const double adj_resid[] = {3.1068123858177046,
                                -.8560239376094841,
                                -2.0031210749722379,
                                -.7150969419341942,
                                .8696565534786723,
                                -.2202075823180136,
                                nan,
                                nan,
                                nan,
                                -2.3004723005597425,
                                -.0285478749625912,
                                2.1541430731517370};
    CLOSE_ARRAY(t->expected, expected, 12);
    CLOSE_ARRAY(t->row_pct, row_pct, 12);
    CLOSE_ARRAY(t->col_pct, col_pct, 12);
    CLOSE_ARRAY(t->adj_resid, adj_resid, 12);
    CLOSE(t->row_total[2], 0);
    CLOSE(t->chi2, 11.9847360819327697);
    CLOSE(t->chi2_df, 4); /* (3 - 1) * (3 - 1): the empty row does not count */
    CLOSE(t->chi2_p, .0174651333311635);
    CLOSE(t->lr, 12.1657805448548189);
    CLOSE(t->lr_p, .0161601294167926);
    CLOSE(t->cramer_v, .3649160646555553);
    assert_true(isnan(t->fisher_p));
    /* Expected counts below 5 among the 9 cells of non-empty rows: 3.73, 4.98, 4, 4.27. */
    assert_int_equal(t->low_expected, 4);
    CLOSE(t->low_expected_pct, 400.0 / 9);
    pn_crosstab_destroy(t);
}

/* ------------------------------------------------------------ Fisher and small tables */

/*
 * Fisher's tea-tasting table: R's fisher.test(matrix(c(3, 1, 1, 3), 2)) gives
 * p-value = 0.4857 = 17/35 (the tables 3-1 and 1-3 have probability 16/70 each, and
 * 4-0 and 0-4 1/70 each; 36/70 = 0.5143 would come from leaving the ties out).
 * Other figures by hand (every expected count is 2):
 *   chi2 = 4 * (1^2 / 2) = 2, p = erfc(1) = 0.15729920705028513;
 *   G2 = 2 * (2 * 3 ln(3/2) + 2 * 1 ln(1/2)) = 2.0929925750581913, p (mpmath) =
 *   0.14797595938502731; V = sqrt(2 / 8) = 0.5;
 *   adjusted residual = (3 - 2) / sqrt(2 * (1 - 1/2) * (1 - 1/2)) = sqrt(2).
 */
static void test_fisher_tea(void **state)
{
    (void)state;
    const double count[] = {3, 1, 1, 3};
    pn_crosstab *t = crosstab_new(2, 2, count);
    CLOSE(t->fisher_p, 0.4857142857142857);
    CLOSE(t->fisher_p, 17.0 / 35);
    CLOSE(t->chi2, 2);
    CLOSE(t->chi2_p, 0.15729920705028513);
    CLOSE(t->lr, 2.0929925750581913);
    CLOSE(t->lr_p, 0.14797595938502731);
    CLOSE(t->cramer_v, 0.5);
    CLOSE(t->adj_resid[0], sqrt(2));
    CLOSE(t->adj_resid[1], -sqrt(2));
    assert_int_equal(t->low_expected, 4);
    CLOSE(t->low_expected_pct, 100);
    pn_crosstab_destroy(t);
}

/* The same table with an empty middle row and an empty last column: still 2x2 for tests. */
static void test_fisher_with_empty_categories(void **state)
{
    (void)state;
    const double count[] = {3, 1, 0, 0, 0, 0, 1, 3, 0};
    pn_crosstab *t = crosstab_new(3, 3, count);
    CLOSE(t->fisher_p, 17.0 / 35);
    CLOSE(t->chi2, 2);
    CLOSE(t->chi2_df, 1);
    CLOSE(t->cramer_v, 0.5);
    assert_int_equal(t->low_expected, 4);
    CLOSE(t->low_expected_pct, 100);
    assert_true(isnan(t->adj_resid[2]));
    assert_true(isnan(t->col_pct[2]));
    pn_crosstab_destroy(t);
}

/*
 * Fisher one-sided tables: a table where the observed one is the most extreme,
 * [[5, 0], [0, 5]]: p = 2 / C(10, 5) = 2 / 252.
 */
static void test_fisher_extreme(void **state)
{
    (void)state;
    const double count[] = {5, 0, 0, 5};
    pn_crosstab *t = crosstab_new(2, 2, count);
    CLOSE(t->fisher_p, 2.0 / 252);
    /* G2 = 2 * 2 * 5 ln(5 / 2.5) = 20 ln 2 (empty cells add nothing). */
    CLOSE(t->lr, 20 * log(2));
    CLOSE(t->chi2, 10);
    CLOSE(t->cramer_v, 1);
    pn_crosstab_destroy(t);
}

/* tests/stats/pspp/fisher_2x2.sps: unequal margins, no ties, PSPP and R agree. */
static void test_fisher_pspp(void **state)
{
    (void)state;
    const double count[] = {10, 2, 3, 15};
    pn_crosstab *t = crosstab_new(2, 2, count);
    CLOSE(t->chi2, 13.0316742081447963);
    CLOSE(t->chi2_p, .0003062666301835);
    CLOSE(t->lr, 14.0202333758397408);
    CLOSE(t->lr_p, .0001808540354613);
    CLOSE(t->cramer_v, .6590820436573077);
    CLOSE(t->fisher_p, .0005367241191434);
    CLOSE(t->fisher_p, 3571.0 / 6653325); /* exact, with Python's fractions */
    pn_crosstab_destroy(t);
}

/* One non-empty row: nothing to test. An empty table: every figure undefined. */
static void test_crosstab_degenerate(void **state)
{
    (void)state;
    const double one_row[] = {0, 0, 4, 6};
    pn_crosstab *t = crosstab_new(2, 2, one_row);
    assert_true(isnan(t->chi2));
    assert_true(isnan(t->chi2_p));
    assert_true(isnan(t->lr));
    assert_true(isnan(t->cramer_v));
    assert_true(isnan(t->fisher_p));
    CLOSE(t->chi2_df, 0);
    CLOSE(t->expected[2], 4);
    assert_true(isnan(t->adj_resid[2])); /* 1 - rowtot / n = 0 */
    CLOSE(t->row_pct[3], 60);
    pn_crosstab_destroy(t);

    const double none[] = {0, 0, 0, 0};
    t = crosstab_new(2, 2, none);
    CLOSE(t->n, 0);
    assert_true(isnan(t->chi2));
    assert_true(isnan(t->expected[0]));
    assert_true(isnan(t->total_pct[0]));
    CLOSE(t->chi2_df, 0);
    /* Computing again gives the same figures and leaks nothing. */
    pn_error err = {0};
    assert_int_equal(pn_crosstab_compute(t, &err), PN_OK);
    assert_true(isnan(t->chi2));
    pn_crosstab_destroy(t);
    pn_crosstab_destroy(NULL);
}

static void test_crosstab_bad_count(void **state)
{
    (void)state;
    pn_crosstab *t = pn_crosstab_create(2, 2);
    assert_non_null(t);
    t->row_var = pn_strdup("r");
    t->col_var = pn_strdup("c");
    t->count[1] = -1;
    pn_error err = {0};
    assert_int_equal(pn_crosstab_compute(t, &err), PN_EINTERNAL);
    assert_non_null(strstr(err.msg, "'r' by 'c'"));
    pn_crosstab_destroy(t);
}

/* ------------------------------------------------------------ frequencies, multi, Wilson */

static pn_freq *freq_new(int ordered)
{
    /* tests/stats/pspp/freq_missing.sps: 7, 12, 5, 9 answers and 4 relevant non-answers. */
    static const char *const names[] = {"jamais", "parfois", "souvent", "toujours"};
    static const char *const labels[] = {"Jamais", "Parfois", "Souvent", "Très souvent"};
    const double count[] = {7, 12, 5, 9};
    pn_freq *t = pn_freq_create(4);
    assert_non_null(t);
    t->var = pn_strdup("q1");
    t->title = pn_strdup("Fréquence des réunions");
    for (size_t i = 0; i < 4; i++) {
        set_cat(&t->cats[i], names[i], labels[i]);
        t->count[i] = count[i];
    }
    t->missing = 4;
    t->ordered = ordered;
    pn_error err = {0};
    assert_int_equal(pn_freq_compute(t, &err), PN_OK);
    return t;
}

static void test_freq_pspp(void **state)
{
    (void)state;
    pn_freq *t = freq_new(1);
    /* PSPP FREQUENCIES: Percent, Valid Percent, Cumulative Percent. */
    const double pct[] = {18.9189189189189193, 32.4324324324324351, 13.5135135135135140,
                          24.3243243243243263};
    const double valid_pct[] = {21.2121212121212110, 36.3636363636363669, 15.1515151515151523,
                                27.2727272727272698};
    const double cum_pct[] = {21.2121212121212110, 57.5757575757575779, 72.7272727272727337,
                              100.0000000000000000};
    CLOSE_ARRAY(t->pct, pct, 4);
    CLOSE_ARRAY(t->valid_pct, valid_pct, 4);
    CLOSE_ARRAY(t->cum_pct, cum_pct, 4);
    assert_true(t->cum_pct[3] == 100); /* cumulated from counts: exactly 100 */
    CLOSE(t->valid, 33);
    CLOSE(t->total, 37);
    /* Wilson bounds (mpmath) for 7/33 and 12/33, in %. */
    CLOSE(t->ci_low[0], 10.676021533020797117);
    CLOSE(t->ci_high[0], 37.751644992150686182);
    CLOSE(t->ci_low[1], 22.187178235242355859);
    CLOSE(t->ci_high[1], 53.383821697733609914);
    pn_freq_destroy(t);

    t = freq_new(0);
    assert_null(t->cum_pct);
    pn_error err = {0};
    assert_int_equal(pn_freq_compute(t, &err), PN_OK); /* again: no leak */
    pn_freq_destroy(t);
    pn_freq_destroy(NULL);
}

static void test_freq_empty(void **state)
{
    (void)state;
    pn_freq *t = pn_freq_create(2);
    assert_non_null(t);
    t->missing = 3;
    pn_error err = {0};
    assert_int_equal(pn_freq_compute(t, &err), PN_OK);
    CLOSE(t->pct[0], 0);
    assert_true(isnan(t->valid_pct[0]));
    assert_true(isnan(t->ci_low[0]));
    pn_freq_destroy(t);
}

/*
 * By hand: 40 units ticked at least one of three options, 5 relevant units none;
 * ticks 30, 20, 10, so 60 responses: % of responses 50, 33.3.., 16.6..;
 * % of cases 75, 50, 25 (sum 150).
 */
static void test_multi(void **state)
{
    (void)state;
    pn_multi *t = pn_multi_create(3);
    assert_non_null(t);
    t->var = pn_strdup("aides");
    t->title = pn_strdup("Aides reçues");
    set_cat(&t->cats[0], "logement", "Logement");
    set_cat(&t->cats[1], "sante", "Santé");
    set_cat(&t->cats[2], "emploi", "Emploi");
    t->count[0] = 30;
    t->count[1] = 20;
    t->count[2] = 10;
    t->cases = 40;
    t->missing = 5;
    pn_error err = {0};
    assert_int_equal(pn_multi_compute(t, &err), PN_OK);
    CLOSE(t->responses, 60);
    const double pr[] = {50, 100.0 / 3, 50.0 / 3}, pc[] = {75, 50, 25};
    CLOSE_ARRAY(t->pct_responses, pr, 3);
    CLOSE_ARRAY(t->pct_cases, pc, 3);
    pn_multi_destroy(t);
    pn_multi_destroy(NULL);
}

/*
 * Six respondents in two columns, by hand: column A (c1) has u1 {x, y}, u2 {x}, u3 {y, z},
 * u4 {x, z} and one unit that ticked nothing; column B (c2) has u5 {z}, u6 {x, y, z} and two
 * that ticked nothing. So A: x 3, y 2, z 2 of 4 respondents (75, 50, 50 %); B: x 1, y 1,
 * z 2 of 2 (50, 50, 100 %); over both: x 4, y 3, z 4 of 6 (66.7, 50, 66.7 %), 3 missing.
 */
static pn_multi_crosstab *mxt_new(void)
{
    pn_multi_crosstab *t = pn_multi_crosstab_create(3, 2);
    assert_non_null(t);
    t->row_var = pn_strdup("aides");
    t->col_var = pn_strdup("reseau");
    t->row_title = pn_strdup("Aides reçues");
    t->col_title = pn_strdup("Réseau");
    set_cat(&t->row_cats[0], "x", "Logement");
    set_cat(&t->row_cats[1], "y", "Santé");
    set_cat(&t->row_cats[2], "z", "Emploi");
    set_cat(&t->col_cats[0], "c1", "Centres");
    set_cat(&t->col_cats[1], "c2", "Écoles");
    const double count[] = {3, 1, 2, 1, 2, 2};
    memcpy(t->count, count, sizeof count);
    t->cases[0] = 4;
    t->cases[1] = 2;
    t->missing[0] = 1;
    t->missing[1] = 2;
    pn_error err = {0};
    assert_int_equal(pn_multi_crosstab_compute(t, &err), PN_OK);
    return t;
}

static void test_multi_crosstab(void **state)
{
    (void)state;
    pn_multi_crosstab *t = mxt_new();
    const double col_pct[] = {75, 50, 50, 50, 50, 100};
    const double row_total[] = {4, 3, 4};
    const double total_pct[] = {400.0 / 6, 50, 400.0 / 6};
    CLOSE_ARRAY(t->col_pct, col_pct, 6);
    CLOSE_ARRAY(t->row_total, row_total, 3);
    CLOSE_ARRAY(t->total_pct, total_pct, 3);
    CLOSE(t->total_cases, 6);
    CLOSE(t->total_missing, 3);
    /* computing again gives the same figures */
    pn_error err = {0};
    assert_int_equal(pn_multi_crosstab_compute(t, &err), PN_OK);
    CLOSE_ARRAY(t->row_total, row_total, 3);
    /* a column without respondents has undefined percentages */
    t->cases[1] = 0;
    t->count[1] = t->count[3] = t->count[5] = 0;
    assert_int_equal(pn_multi_crosstab_compute(t, &err), PN_OK);
    assert_true(isnan(t->col_pct[1]) && isnan(t->col_pct[5]));
    CLOSE(t->col_pct[0], 75);
    /* an option ticked by more units than the column's respondents is not a count */
    t->count[0] = 5;
    assert_int_equal(pn_multi_crosstab_compute(t, &err), PN_EINTERNAL);
    assert_non_null(strstr(err.msg, "'aides' by 'reseau'"));
    pn_multi_crosstab_destroy(t);
    pn_multi_crosstab_destroy(NULL);
}

/* Expected bounds evaluated with mpmath at 40 digits, z = sqrt(2) erfinv(0.95). */
static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    pn_wilson(8, 10, &lo, &hi);
    CLOSE(lo, 0.49016247153664170326);
    CLOSE(hi, 0.94331784854562474511);
    pn_wilson(1, 3, &lo, &hi);
    CLOSE(lo, 0.061491944720396231217);
    CLOSE(hi, 0.79234039919795227744);
    pn_wilson(0, 10, &lo, &hi);
    assert_true(lo == 0);
    CLOSE(hi, 0.27753279986288925272);
    pn_wilson(10, 10, &lo, &hi);
    CLOSE(lo, 0.72246720013711074728);
    assert_true(hi == 1);
    pn_wilson(0, 0, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
}

/* The percentages of the margins are figures of the table, computed once here, for every
 * driver to lay out: freq_missing.sps's 4 non-answers of 37 are 10.81 %. */
static void test_margins_computed(void **state)
{
    (void)state;
    pn_error err = {0};
    pn_freq *f = freq_new(0);
    CLOSE(f->missing_pct, 400.0 / 37);
    assert_true(f->pct_total == 100 && f->valid_pct_total == 100);
    pn_freq *none = pn_freq_create(1);
    assert_non_null(none);
    assert_int_equal(pn_freq_compute(none, &err), PN_OK);
    assert_true(isnan(none->missing_pct) && isnan(none->pct_total) && isnan(none->valid_pct_total));

    pn_multi *m = pn_multi_create(2);
    assert_non_null(m);
    m->count[0] = 3;
    m->count[1] = 2;
    m->cases = 4;
    assert_int_equal(pn_multi_compute(m, &err), PN_OK);
    CLOSE(m->pct_cases_total, 125); /* 75 + 50: a respondent ticks several options */
    assert_true(m->pct_responses_total == 100);

    /* [[10, 0], [30, 40]] and an empty third column: rows of 10 and 70 out of 80 */
    pn_crosstab *t = pn_crosstab_create(2, 3);
    assert_non_null(t);
    t->count[0] = 10;
    t->count[3] = 30;
    t->count[4] = 40;
    assert_int_equal(pn_crosstab_compute(t, &err), PN_OK);
    CLOSE(t->row_total_pct[0], 12.5);
    CLOSE(t->row_total_pct[1], 87.5);
    CLOSE(t->col_total_pct[0], 50);
    CLOSE(t->col_total_pct[1], 50);
    assert_true(t->col_total_pct[2] == 0);
    assert_true(t->row_pct_total[0] == 100 && t->row_pct_total[1] == 100);
    assert_true(t->col_pct_total[0] == 100 && isnan(t->col_pct_total[2]));
    assert_true(t->n_pct == 100);
    pn_crosstab_destroy(t);
    pn_multi_destroy(m);
    pn_freq_destroy(none);
    pn_freq_destroy(f);
}

/* ------------------------------------------------------------ writers */

/* Run @write on @t into a string; the caller frees it. */
typedef pn_status (*writer_fn)(FILE *, const void *, pn_error *);

static char *capture(writer_fn write, const void *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    pn_error err = {0};
    pn_status st = write(f, t, &err);
    assert_int_equal(fclose(f), 0);
    if (st != PN_OK)
        fail_msg("writer failed: %s", err.msg);
    return buf;
}

/* @t alone, a pooled result of @kind, through the text or the CSV driver. */
static pn_status write_alone(FILE *f, int csv, pn_tab_kind kind, const void *t, pn_error *err)
{
    pn_tab_part part = {0};
    if (kind == PN_TAB_FREQ)
        part.freq = (pn_freq *)t;
    else if (kind == PN_TAB_MULTI)
        part.multi = (pn_multi *)t;
    else if (kind == PN_TAB_CROSSTAB)
        part.xt = (pn_crosstab *)t;
    else
        part.mxt = (pn_multi_crosstab *)t;
    pn_tab_result r = {.kind = kind, .parts = &part, .nparts = 1};
    pn_output o = csv ? pn_output_csv(f) : pn_output_text(f);
    return pn_output_write(&o, &r, err);
}

static pn_status w_freq_text(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 0, PN_TAB_FREQ, t, err);
}
static pn_status w_multi_text(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 0, PN_TAB_MULTI, t, err);
}
static pn_status w_crosstab_text(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 0, PN_TAB_CROSSTAB, t, err);
}
static pn_status w_crosstab_csv(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 1, PN_TAB_CROSSTAB, t, err);
}
static pn_status w_freq_csv(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 1, PN_TAB_FREQ, t, err);
}
static pn_status w_multi_csv(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 1, PN_TAB_MULTI, t, err);
}
static pn_status w_mxt_text(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 0, PN_TAB_MULTI_CROSSTAB, t, err);
}
static pn_status w_mxt_csv(FILE *f, const void *t, pn_error *err)
{
    return write_alone(f, 1, PN_TAB_MULTI_CROSSTAB, t, err);
}
static pn_status w_tab_text(FILE *f, const void *r, pn_error *err)
{
    pn_output o = pn_output_text(f);
    return pn_output_write(&o, r, err);
}
static pn_status w_tab_csv(FILE *f, const void *r, pn_error *err)
{
    pn_output o = pn_output_csv(f);
    return pn_output_write(&o, r, err);
}

static void test_format_number(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(pn_format_number(buf, 0.1), "0.1");
    assert_string_equal(pn_format_number(buf, 100), "100");
    assert_string_equal(pn_format_number(buf, 100.0 / 3), "33.333333333333336");
    assert_string_equal(pn_format_number(buf, 17.0 / 35), "0.48571428571428571");
    assert_string_equal(pn_format_number(buf, -2.5e-12), "-2.5e-12");
    assert_string_equal(pn_format_number(buf, NAN), "");
    /* Every value reads back as the same double. */
    const double xs[] = {1.0 / 3, 2.0 / 3, 3.141592653589793, 1e300, 5e-324, 0.15729920705028513};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        assert_true(strtod(pn_format_number(buf, xs[i]), NULL) == xs[i]);

    if (setlocale(LC_ALL, "fr_FR.UTF-8") == NULL)
        skip();
    assert_string_equal(pn_format_number(buf, 0.1), "0.1");
    assert_string_equal(pn_format_number(buf, 100.0 / 3), "33.333333333333336");
    assert_string_equal(pn_format_number(buf, -2.5e-12), "-2.5e-12");
    setlocale(LC_ALL, "C");
}

/*
 * The tea table, with a row name that must be quoted. The values are the doubles this
 * build computes (x86-64, GSL 2.x), each within 1e-15 of the exact figures of
 * test_fisher_tea: e.g. chi2_p 0.15729920705028497 for erfc(1) = 0.15729920705028513,
 * fisher_p 0.48571428571428527 for 17/35, adj_resid 1.4142135623730949 for sqrt(2).
 */
static void test_crosstab_csv(void **state)
{
    (void)state;
    const double count[] = {3, 1, 1, 3};
    pn_crosstab *t = crosstab_new(2, 2, count);
    free(t->row_cats[0].name);
    t->row_cats[0].name = pn_strdup("lait, d'abord");
    char *csv = capture(w_crosstab_csv, t);
    const char *expected = "table,var,by,row,col,measure,value\n"
                           "crosstab,r,c,\"lait, d'abord\",c1,n,3\n"
                           "crosstab,r,c,\"lait, d'abord\",c1,expected,2\n"
                           "crosstab,r,c,\"lait, d'abord\",c1,row_pct,75\n"
                           "crosstab,r,c,\"lait, d'abord\",c1,col_pct,75\n"
                           "crosstab,r,c,\"lait, d'abord\",c1,total_pct,37.5\n"
                           "crosstab,r,c,\"lait, d'abord\",c1,adj_resid,1.4142135623730949\n"
                           "crosstab,r,c,\"lait, d'abord\",c2,n,1\n"
                           "crosstab,r,c,\"lait, d'abord\",c2,expected,2\n"
                           "crosstab,r,c,\"lait, d'abord\",c2,row_pct,25\n"
                           "crosstab,r,c,\"lait, d'abord\",c2,col_pct,25\n"
                           "crosstab,r,c,\"lait, d'abord\",c2,total_pct,12.5\n"
                           "crosstab,r,c,\"lait, d'abord\",c2,adj_resid,-1.4142135623730949\n"
                           "crosstab,r,c,r2,c1,n,1\n"
                           "crosstab,r,c,r2,c1,expected,2\n"
                           "crosstab,r,c,r2,c1,row_pct,25\n"
                           "crosstab,r,c,r2,c1,col_pct,25\n"
                           "crosstab,r,c,r2,c1,total_pct,12.5\n"
                           "crosstab,r,c,r2,c1,adj_resid,-1.4142135623730949\n"
                           "crosstab,r,c,r2,c2,n,3\n"
                           "crosstab,r,c,r2,c2,expected,2\n"
                           "crosstab,r,c,r2,c2,row_pct,75\n"
                           "crosstab,r,c,r2,c2,col_pct,75\n"
                           "crosstab,r,c,r2,c2,total_pct,37.5\n"
                           "crosstab,r,c,r2,c2,adj_resid,1.4142135623730949\n"
                           "crosstab,r,c,,,n,8\n"
                           "crosstab,r,c,,,chi2,2\n"
                           "crosstab,r,c,,,chi2_df,1\n"
                           "crosstab,r,c,,,chi2_p,0.15729920705028497\n"
                           "crosstab,r,c,,,lr,2.0929925750581915\n"
                           "crosstab,r,c,,,lr_df,1\n"
                           "crosstab,r,c,,,lr_p,0.14797595938502747\n"
                           "crosstab,r,c,,,cramer_v,0.5\n"
                           "crosstab,r,c,,,fisher_p,0.48571428571428527\n"
                           "crosstab,r,c,,,low_expected_pct,100\n";
    assert_string_equal(csv, expected);
    free(csv);
    pn_crosstab_destroy(t);
}

static void test_freq_multi_csv(void **state)
{
    (void)state;
    pn_freq *f = freq_new(0);
    char *csv = capture(w_freq_csv, f);
    /* Shortest round-trip values of 7/37, 7/33 (in %) and the Wilson bounds. */
    assert_non_null(strstr(csv, "freq,q1,,jamais,,n,7\n"
                                "freq,q1,,jamais,,pct,18.918918918918919\n"
                                "freq,q1,,jamais,,valid_pct,21.212121212121211\n"
                                "freq,q1,,jamais,,ci_low,10.676021533020796\n"));
    assert_null(strstr(csv, "cum_pct"));
    assert_non_null(strstr(csv, "freq,q1,,,,missing,4\nfreq,q1,,,,valid,33\n"
                                "freq,q1,,,,total,37\n"));
    free(csv);
    pn_freq_destroy(f);

    pn_multi *m = pn_multi_create(1);
    assert_non_null(m);
    m->var = pn_strdup("aides");
    set_cat(&m->cats[0], "logement", "Logement");
    m->count[0] = 3;
    m->cases = 4;
    pn_error err = {0};
    assert_int_equal(pn_multi_compute(m, &err), PN_OK);
    csv = capture(w_multi_csv, m);
    assert_string_equal(csv, "table,var,by,row,col,measure,value\n"
                             "multi,aides,,logement,,n,3\n"
                             "multi,aides,,logement,,pct_responses,100\n"
                             "multi,aides,,logement,,pct_cases,75\n"
                             "multi,aides,,,,cases,4\n"
                             "multi,aides,,,,responses,3\n"
                             "multi,aides,,,,missing,0\n");
    free(csv);
    pn_multi_destroy(m);
}

static void test_freq_text(void **state)
{
    (void)state;
    pn_freq *t = freq_new(1);
    char *text = capture(w_freq_text, t);
    const char *expected = "Fréquence des réunions (q1)\n"
                           "\n"
                           "Modalité      Effectif      %  % valide  % cumulé  IC 95 % (% valide)\n"
                           "---------------------------------------------------------------------\n"
                           "Jamais               7   18.9      21.2      21.2       [10.7 ; 37.8]\n"
                           "Parfois             12   32.4      36.4      57.6       [22.2 ; 53.4]\n"
                           "Souvent              5   13.5      15.2      72.7        [6.7 ; 30.9]\n"
                           "Très souvent         9   24.3      27.3     100.0       [15.1 ; 44.2]\n"
                           "Non-réponse          4   10.8\n"
                           "---------------------------------------------------------------------\n"
                           "Total               37  100.0     100.0\n";
    assert_string_equal(text, expected);
    free(text);
    pn_freq_destroy(t);
}

static void test_multi_text(void **state)
{
    (void)state;
    pn_multi *t = pn_multi_create(2);
    assert_non_null(t);
    t->var = pn_strdup("aides");
    t->title = pn_strdup("Aides reçues");
    set_cat(&t->cats[0], "logement", "Logement");
    set_cat(&t->cats[1], "sante", "Santé");
    t->count[0] = 30;
    t->count[1] = 20;
    t->cases = 40;
    t->missing = 5;
    pn_error err = {0};
    assert_int_equal(pn_multi_compute(t, &err), PN_OK);
    char *text = capture(w_multi_text, t);
    const char *expected = "Aides reçues (aides)\n"
                           "\n"
                           "Modalité  Effectif  % des réponses  % des répondants\n"
                           "----------------------------------------------------\n"
                           "Logement        30            60.0              75.0\n"
                           "Santé           20            40.0              50.0\n"
                           "----------------------------------------------------\n"
                           "Total           50           100.0             125.0\n"
                           "Répondants: 40  Non-réponse: 5\n";
    assert_string_equal(text, expected);
    free(text);
    pn_multi_destroy(t);
}

static void test_multi_crosstab_writers(void **state)
{
    (void)state;
    pn_multi_crosstab *t = mxt_new();
    char *text = capture(w_mxt_text, t);
    const char *expected =
        "Aides reçues (aides) × Réseau (reseau)\n"
        "\n"
        "                                             Centres  Écoles  Ensemble\n"
        "----------------------------------------------------------------------\n"
        "Logement                   Effectif                3       1         4\n"
        "                           % des répondants     75.0    50.0      66.7\n"
        "Santé                      Effectif                2       1         3\n"
        "                           % des répondants     50.0    50.0      50.0\n"
        "Emploi                     Effectif                2       2         4\n"
        "                           % des répondants     50.0   100.0      66.7\n"
        "----------------------------------------------------------------------\n"
        "Répondants (base des %)    Effectif                4       2         6\n"
        "Non-réponse (aucune case)  Effectif                1       2         3\n"
        "\n"
        "Plusieurs réponses possibles : chaque pourcentage rapporte une modalité aux répondants "
        "de\n"
        "sa colonne (au moins une case cochée), la somme d'une colonne peut dépasser 100. Pas de\n"
        "khi-deux : un répondant compte dans plusieurs lignes, qui ne sont pas exclusives.\n";
    assert_string_equal(text, expected);
    assert_null(strstr(text, "Khi-deux"));
    free(text);
    char *csv = capture(w_mxt_csv, t);
    assert_non_null(strstr(csv, "multi_crosstab,aides,reseau,x,c1,n,3\n"
                                "multi_crosstab,aides,reseau,x,c1,pct_cases,75\n"
                                "multi_crosstab,aides,reseau,x,c2,n,1\n"
                                "multi_crosstab,aides,reseau,x,c2,pct_cases,50\n"
                                "multi_crosstab,aides,reseau,x,,n,4\n"
                                "multi_crosstab,aides,reseau,x,,pct_cases,66.666666666666671\n"));
    assert_non_null(strstr(csv, "multi_crosstab,aides,reseau,,c1,cases,4\n"
                                "multi_crosstab,aides,reseau,,c1,missing,1\n"
                                "multi_crosstab,aides,reseau,,c2,cases,2\n"
                                "multi_crosstab,aides,reseau,,c2,missing,2\n"
                                "multi_crosstab,aides,reseau,,,cases,6\n"
                                "multi_crosstab,aides,reseau,,,missing,3\n"));
    assert_null(strstr(csv, "chi2"));
    free(csv);
    pn_multi_crosstab_destroy(t);
}

/* A result split by network: each table under its network's heading and its own label,
 * and in CSV with var "name@network"; a pooled result is its table alone. */
static void test_tab_result_writers(void **state)
{
    (void)state;
    pn_tab_part parts[2] = {{0}, {0}};
    pn_tab_result r = {.kind = PN_TAB_FREQ, .parts = parts, .nparts = 2, .split = (char *)"q1"};
    parts[0].network = (char *)"centre";
    parts[0].network_label = (char *)"Centres sociaux";
    parts[0].freq = freq_new(0);
    parts[1].network = (char *)"ecole";
    parts[1].network_label = (char *)"Écoles";
    parts[1].freq = freq_new(0);
    free(parts[1].freq->title);
    parts[1].freq->title = pn_strdup("Question des écoles");
    pn_error err = {0};
    assert_int_equal(pn_freq_compute(parts[1].freq, &err), PN_OK);
    char *text = capture(w_tab_text, &r);
    char *one = capture(w_freq_text, parts[0].freq);
    /* the note broken into lines of at most 90 characters, like the rest of the text */
    const char *head = "Les questionnaires des deux réseaux ne posent pas la même question sous ce "
                       "nom (q1 :\nlibellé ou liste de choix différents) : un tableau par réseau, "
                       "sous son propre libellé.\n\n== Centres sociaux ==\n";
    assert_int_equal(strncmp(text, head, strlen(head)), 0);
    assert_int_equal(strncmp(text + strlen(head), one, strlen(one)), 0);
    assert_non_null(strstr(text, "\n\n== Écoles ==\nQuestion des écoles (q1)\n"));
    free(text);
    char *csv = capture(w_tab_csv, &r);
    const char *first = "table,var,by,row,col,measure,value\nfreq,q1@centre,,jamais,,n,7\n";
    assert_int_equal(strncmp(csv, first, strlen(first)), 0);
    assert_non_null(strstr(csv, "freq,q1@ecole,,jamais,,n,7\n"));
    assert_null(strstr(csv, "freq,q1,"));
    free(csv);
    /* pooled: exactly what the freq writers write */
    pn_tab_result pooled = {.kind = PN_TAB_FREQ, .parts = parts, .nparts = 1};
    parts[0].network = parts[0].network_label = NULL;
    text = capture(w_tab_text, &pooled);
    assert_string_equal(text, one);
    free(text);
    csv = capture(w_tab_csv, &pooled);
    char *alone = capture(w_freq_csv, parts[0].freq);
    assert_string_equal(csv, alone);
    free(csv);
    free(alone);
    free(one);
    pn_freq_destroy(parts[0].freq);
    pn_freq_destroy(parts[1].freq);
}

static void test_crosstab_text(void **state)
{
    (void)state;
    const double count[] = {3, 1, 1, 3};
    pn_crosstab *t = crosstab_new(2, 2, count);
    free(t->row_cats[1].label);
    t->row_cats[1].label = pn_strdup("Thé d'abord");
    char *text = capture(w_crosstab_text, t);
    const char *expected = "Ligne (r) × Colonne (c)\n"
                           "\n"
                           "                           Colonne 1  Colonne 2  Total\n"
                           "------------------------------------------------------\n"
                           "Ligne 1      Effectif              3          1      4\n"
                           "             % en ligne         75.0       25.0  100.0\n"
                           "             % en colonne       75.0       25.0   50.0\n"
                           "------------------------------------------------------\n"
                           "Thé d'abord  Effectif              1          3      4\n"
                           "             % en ligne         25.0       75.0  100.0\n"
                           "             % en colonne       25.0       75.0   50.0\n"
                           "------------------------------------------------------\n"
                           "Total        Effectif              4          4      8\n"
                           "             % en ligne         50.0       50.0  100.0\n"
                           "             % en colonne      100.0      100.0  100.0\n"
                           "\n"
                           "Khi-deux de Pearson = 2.000, ddl = 1, p = 0.1573\n"
                           "Rapport de vraisemblance = 2.093, ddl = 1, p = 0.1480\n"
                           "V de Cramér = 0.500\n"
                           "Test exact de Fisher (bilatéral) : p = 0.4857\n"
                           "Attention : 4 cellules (100.0 %) ont un effectif théorique "
                           "inférieur à 5\n";
    assert_string_equal(text, expected);
    free(text);
    pn_crosstab_destroy(t);

    /* An empty row is shown with undefined row % as "-"; ties round away from zero
     * (6.25 and 56.25 are exact in binary: printf alone would print 6.2 and 56.2). */
    const double empty_row[] = {8, 4, 2, 3, 7, 5, 0, 0, 0, 1, 6, 9};
    t = crosstab_new(4, 3, empty_row);
    text = capture(w_crosstab_text, t);
    assert_non_null(strstr(text, "Ligne 3  Effectif              0          0          0"
                                 "      0\n"
                                 "         % en ligne            -          -          -"
                                 "      -\n"));
    assert_non_null(strstr(text, "         % en ligne          6.3       37.5       56.3"
                                 "  100.0\n"));
    assert_non_null(strstr(text, "Khi-deux de Pearson = 11.985, ddl = 4, p = 0.0175\n"));
    assert_non_null(strstr(text, "Attention : 4 cellules (44.4 %) ont un effectif"));
    free(text);
    pn_crosstab_destroy(t);

    /* Tiny p-values and the warning threshold (4 of 9 cells is over 20 %). */
    const double big[] = {80, 4, 2, 3, 70, 5, 1, 6, 90};
    t = crosstab_new(3, 3, big);
    text = capture(w_crosstab_text, t);
    assert_non_null(strstr(text, "p < 0.0001\n"));
    assert_null(strstr(text, "Fisher"));
    assert_null(strstr(text, "lien déclaré")); /* questionnaires: no word on links */
    free(text);
    text = capture(w_crosstab_csv, t);
    assert_null(strstr(text, "link_unit"));
    free(text);

    /* A cross-tab of reported links: a pair reported by both sides counts twice, and the
     * tests say so, in text (after the tests) and in CSV (a row of its own). */
    t->unit = PN_UNIT_LINK;
    text = capture(w_crosstab_text, t);
    const char *tests = strstr(text, "Khi-deux de Pearson");
    const char *warn = strstr(text, "Attention : l'unité de ce tableau est le lien déclaré.");
    assert_non_null(tests);
    assert_non_null(warn);
    assert_true(warn > tests);
    /* the whole text, in lines of at most 90 characters, broken between words */
    pn_strbuf joined = PN_STRBUF_INIT;
    for (const char *p = warn; *p; p++) {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        size_t chars = 0;
        for (const char *q = p; q < eol; q++)
            chars += ((unsigned char)*q & 0xC0) != 0x80;
        assert_true(chars <= 90);
        assert_int_equal(pn_strbuf_append(&joined, p, (size_t)(eol - p)), PN_OK);
        if (eol[1])
            assert_int_equal(pn_strbuf_puts(&joined, " "), PN_OK);
        p = eol;
    }
    assert_string_equal(pn_strbuf_str(&joined), PN_LINK_UNIT_WARNING);
    pn_strbuf_release(&joined);
    assert_non_null(strstr(PN_LINK_UNIT_WARNING, "ne sont pas indépendantes"));
    free(text);
    text = capture(w_crosstab_csv, t);
    assert_non_null(strstr(text, "\ncrosstab,r,c,,,link_unit,1\n"));
    free(text);
    pn_crosstab_destroy(t);
}

/* The text and CSV writers give the same bytes under a French locale as under "C". */
static void test_writers_locale(void **state)
{
    (void)state;
    const double count[] = {12, 5, 7, 3, 4, 9, 6, 8, 2, 3, 10, 11};
    pn_crosstab *t = crosstab_new(3, 4, count);
    pn_freq *f = freq_new(1);
    char *c_text = capture(w_crosstab_text, t), *c_csv = capture(w_crosstab_csv, t);
    char *c_freq = capture(w_freq_text, f);
    assert_non_null(strstr(c_text, "Khi-deux de Pearson = 18.208, ddl = 6, p = 0.0057\n"));
    assert_non_null(strstr(c_freq, "Modalité"));

    if (setlocale(LC_ALL, "fr_FR.UTF-8") == NULL) {
        free(c_text);
        free(c_csv);
        free(c_freq);
        pn_crosstab_destroy(t);
        pn_freq_destroy(f);
        skip();
    }
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    assert_string_equal(probe, "1,5"); /* the locale is really in effect */
    char *fr_text = capture(w_crosstab_text, t), *fr_csv = capture(w_crosstab_csv, t);
    char *fr_freq = capture(w_freq_text, f);
    setlocale(LC_ALL, "C");
    assert_string_equal(fr_text, c_text);
    assert_string_equal(fr_csv, c_csv);
    assert_string_equal(fr_freq, c_freq);
    free(c_text);
    free(c_csv);
    free(c_freq);
    free(fr_text);
    free(fr_csv);
    free(fr_freq);
    pn_crosstab_destroy(t);
    pn_freq_destroy(f);
}

static void test_write_error(void **state)
{
    (void)state;
    pn_freq *t = freq_new(0);
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL) {
        pn_freq_destroy(t);
        skip();
    }
    setvbuf(f, NULL, _IONBF, 0);
    pn_error err = {0};
    assert_int_equal(w_freq_text(f, t, &err), PN_EIO);
    assert_int_equal(w_freq_csv(f, t, &err), PN_EIO);
    fclose(f);
    pn_freq_destroy(t);
}

int main(void)
{
    pn_stats_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crosstab_3x4),
        cmocka_unit_test(test_crosstab_2x2),
        cmocka_unit_test(test_crosstab_empty_row),
        cmocka_unit_test(test_fisher_tea),
        cmocka_unit_test(test_fisher_with_empty_categories),
        cmocka_unit_test(test_fisher_extreme),
        cmocka_unit_test(test_fisher_pspp),
        cmocka_unit_test(test_crosstab_degenerate),
        cmocka_unit_test(test_crosstab_bad_count),
        cmocka_unit_test(test_freq_pspp),
        cmocka_unit_test(test_freq_empty),
        cmocka_unit_test(test_multi),
        cmocka_unit_test(test_multi_crosstab),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_format_number),
        cmocka_unit_test(test_crosstab_csv),
        cmocka_unit_test(test_freq_multi_csv),
        cmocka_unit_test(test_freq_text),
        cmocka_unit_test(test_multi_text),
        cmocka_unit_test(test_multi_crosstab_writers),
        cmocka_unit_test(test_tab_result_writers),
        cmocka_unit_test(test_crosstab_text),
        cmocka_unit_test(test_writers_locale),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_margins_computed),
        cmocka_unit_test(test_agreement_kappa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
