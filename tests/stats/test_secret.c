/*
 * Unit tests of src/stats/secret.c: the masks of tables built by hand, and an attacker's
 * linear programme (GLPK) against every masked cell of generated tables with many small
 * cells: knowing every published count and that counts are >= 0, each masked count can take
 * more than one value (its minimum and maximum differ by at least 1), and no published count
 * is one of 1 to n - 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/protect.h"
#include "stats/secret.h"
#include "util/strbuf.h"

/* The bounds an attacker finds for masked cell @target of the (r + 1) x (c + 1) grid @v
 * (c == 0: a one-way table) under @mask: the equations with the published values moved to
 * the right, every masked cell >= 0. */
static void attack_with(size_t r, size_t c, const double *v, const double *extra, size_t nextra,
                        const unsigned char *mask, size_t target, double *lo, double *hi)
{
    size_t w = c + 1, cells = (r + 1) * w;
    int *col_of = calloc(cells, sizeof *col_of), ncols = 0;
    for (size_t at = 0; at < cells; at++)
        if (mask[at])
            col_of[at] = ++ncols;
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, ncols);
    for (int k = 1; k <= ncols; k++)
        glp_set_col_bnds(lp, k, GLP_LO, 0, 0);
    size_t nlines = c + 1 + (c > 0 ? r + 1 : 0);
    glp_add_rows(lp, (int)(nlines + nextra));
    size_t nz = (2 + nextra) * cells + 1;
    int *ia = calloc(nz, sizeof *ia), *ja = calloc(nz, sizeof *ja);
    double *ar = calloc(nz, sizeof *ar);
    int ne = 0;
    for (size_t k = 0; k < nlines; k++) {
        /* line k: column k (k <= c) or row k - c - 1; members minus the margin = 0 */
        size_t len = k <= c ? r + 1 : c + 1;
        double rhs = 0;
        for (size_t m = 0; m < len; m++) {
            size_t at = k <= c ? m * w + k : (k - c - 1) * w + m;
            double sign = m + 1 == len ? -1 : 1;
            if (mask[at]) {
                ne++;
                ia[ne] = (int)k + 1;
                ja[ne] = col_of[at];
                ar[ne] = sign;
            } else {
                rhs -= sign * v[at];
            }
        }
        glp_set_row_bnds(lp, (int)k + 1, GLP_FX, rhs, rhs);
    }
    /* the published linear functions of the inner cells, with their published values */
    for (size_t e = 0; e < nextra; e++) {
        double rhs = 0;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) {
                double a = extra[e * r * c + i * c + j];
                size_t at = i * w + j;
                if (a == 0)
                    continue;
                if (mask[at]) {
                    ne++;
                    ia[ne] = (int)(nlines + e) + 1;
                    ja[ne] = col_of[at];
                    ar[ne] = a;
                } else {
                    rhs -= a * v[at];
                }
            }
        double total = 0;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++)
                total += extra[e * r * c + i * c + j] * v[i * w + j];
        glp_set_row_bnds(lp, (int)(nlines + e) + 1, GLP_FX, total + rhs, total + rhs);
    }
    glp_load_matrix(lp, ne, ia, ja, ar);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    double bound[2];
    for (int dir = 0; dir < 2; dir++) {
        for (int k = 1; k <= ncols; k++)
            glp_set_obj_coef(lp, k, 0);
        glp_set_obj_coef(lp, col_of[target], 1);
        glp_set_obj_dir(lp, dir == 0 ? GLP_MIN : GLP_MAX);
        assert_int_equal(glp_simplex(lp, &parm), 0);
        int status = glp_get_status(lp);
        assert_true(status == GLP_OPT || status == GLP_UNBND);
        bound[dir] = status == GLP_UNBND ? (dir ? INFINITY : -INFINITY) : glp_get_obj_val(lp);
    }
    *lo = bound[0];
    *hi = bound[1];
    glp_delete_prob(lp);
    free(ia);
    free(ja);
    free(ar);
    free(col_of);
}

static void attack(size_t r, size_t c, const double *v, const unsigned char *mask, size_t target,
                   double *lo, double *hi)
{
    attack_with(r, c, v, NULL, 0, mask, target, lo, hi);
}

/* Check the protection of @v: no published count of 1 to n - 1, no masked zero, and every
 * masked count with at least two values the attacker cannot tell apart. The number of
 * masked cells. */
static size_t check_protected(size_t r, size_t c, const double *v, double n)
{
    size_t w = c + 1, cells = (r + 1) * w, masked = 0;
    unsigned char *mask = malloc(cells);
    pn_error err = {0};
    assert_int_equal(pn_secret_protect(r, c, v, n, mask, &err), PN_OK);
    for (size_t at = 0; at < cells; at++) {
        if (!mask[at]) {
            assert_false(v[at] >= 1 && v[at] < n); /* the primary rule */
            continue;
        }
        masked++;
        assert_true(v[at] > 0 || mask[at] == PN_SECRET_SECONDARY);
        double lo, hi;
        attack(r, c, v, mask, at, &lo, &hi);
        assert_true(lo <= v[at] + 1e-9 && hi >= v[at] - 1e-9);
        if (!(hi - lo >= 1 - 1e-9))
            fail_msg("cell %zu (row %zu, column %zu) of %zu x %zu, count %g: the attacker finds "
                     "[%g, %g]",
                     at, at / w, at % w, r, c, v[at], lo, hi);
    }
    free(mask);
    return masked;
}

/* The grid of the r x c counts @cells with their margins. */
static double *with_margins(size_t r, size_t c, const double *cells)
{
    size_t w = c + 1;
    double *v = calloc((r + 1) * w, sizeof *v);
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            double x = cells[i * c + j];
            v[i * w + j] = x;
            v[i * w + c] += x;
            v[r * w + j] += x;
            v[r * w + c] += x;
        }
    return v;
}

/* One small cell alone in its row and column: the three other corners of a rectangle. */
static void test_single_small_cell(void **state)
{
    (void)state;
    const double cells[] = {1, 10, 12, 9, 11, 14, 20, 8, 7};
    double *v = with_margins(3, 3, cells);
    unsigned char mask[16];
    pn_error err = {0};
    assert_int_equal(pn_secret_protect(3, 3, v, 3, mask, &err), PN_OK);
    assert_int_equal(mask[0], PN_SECRET_PRIMARY);
    size_t masked = 0;
    for (size_t at = 0; at < 16; at++)
        masked += mask[at] != 0;
    assert_int_equal(masked, 4); /* 1, and 10, 9, 11: the cheapest rectangle */
    assert_true(mask[1] && mask[4] && mask[5]);
    assert_int_equal(check_protected(3, 3, v, 3), 4);
    /* threshold 0 or 1: nothing masked */
    assert_int_equal(pn_secret_protect(3, 3, v, 1, mask, &err), PN_OK);
    for (size_t at = 0; at < 16; at++)
        assert_int_equal(mask[at], 0);
    free(v);
}

/* A one-way table: a small count and its total published would give it by difference, so a
 * second count goes too; two small counts whose sum is below n, a third. */
static void test_one_way(void **state)
{
    (void)state;
    double a[] = {40, 2, 17, 0, 25, 84}; /* five counts, then their total */
    unsigned char mask[6];
    pn_error err = {0};
    assert_int_equal(pn_secret_protect(5, 0, a, 3, mask, &err), PN_OK);
    assert_int_equal(mask[1], PN_SECRET_PRIMARY);
    assert_int_equal(mask[2], PN_SECRET_SECONDARY); /* the smallest nonzero other */
    assert_int_equal(mask[3], 0);                   /* zeros are published */
    assert_int_equal(check_protected(5, 0, a, 3), 2);
    double b[] = {1, 1, 30, 40, 72};
    assert_int_equal(pn_secret_protect(4, 0, b, 3, mask, &err), PN_OK);
    assert_true(mask[0] && mask[1] && mask[2] && !mask[3] && !mask[4]);
    check_protected(4, 0, b, 3);
    double bad[] = {1, 2, 4};
    assert_int_equal(pn_secret_protect(2, 0, bad, 3, mask, &err), PN_EINTERNAL);
}

/* Generated tables, many of whose cells are small, at n = 3, 5 and 11: every masked cell is
 * attacked. Deterministic (a fixed linear congruential sequence). */
static void test_generated_attacked(void **state)
{
    (void)state;
    uint64_t seed = 20261202;
    size_t tables = 0, masked = 0;
    static const double thresholds[] = {3, 5, 11};
    for (int round = 0; round < 150; round++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t r = 1 + (seed >> 33) % 8, c = (seed >> 40) % 9; /* c 0: one-way */
        double *cells = calloc(r * (c ? c : 1), sizeof *cells);
        for (size_t k = 0; k < r * (c ? c : 1); k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            unsigned x = (unsigned)(seed >> 35) % 100;
            cells[k] = x < 30 ? 0 : x < 70 ? (double)(x % 4) : (double)(x % 40);
        }
        double *v;
        if (c > 0) {
            v = with_margins(r, c, cells);
        } else {
            v = calloc(r + 1, sizeof *v);
            for (size_t i = 0; i < r; i++) {
                v[i] = cells[i];
                v[r] += cells[i];
            }
        }
        masked += check_protected(r, c, v, thresholds[round % 3]);
        tables++;
        free(cells);
        free(v);
    }
    assert_int_equal(tables, 150);
    assert_true(masked > 300); /* the attack had something to attack */
}

/* Square tables that also publish two linear functions of their cells (as a kappa and its
 * standard error do: the diagonal's sum and a weighted sum), protected with them: the
 * attacker knows those too, and still cannot pin any masked count. */
static void test_extra_equations_attacked(void **state)
{
    (void)state;
    uint64_t seed = 7;
    size_t masked = 0, published = 0;
    for (int round = 0; round < 60; round++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t k = 2 + (seed >> 33) % 5, cells = k * k;
        double *cell = calloc(cells, sizeof *cell), *extra = calloc(2 * cells, sizeof *extra);
        for (size_t x = 0; x < cells; x++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            unsigned u = (unsigned)(seed >> 35) % 100;
            cell[x] = u < 20 ? 0 : u < 60 ? (double)(u % 4) : (double)(u % 30);
            extra[x] = x / k == x % k;                     /* the diagonal */
            extra[cells + x] = (double)((x * 7 + 3) % 11); /* a weighted sum */
        }
        double *v = with_margins(k, k, cell);
        unsigned char *mask = malloc((k + 1) * (k + 1));
        pn_error err = {0};
        int ok = 0;
        assert_int_equal(pn_secret_protect_with(k, k, v, extra, 2, 3, mask, &ok, &err), PN_OK);
        published += ok;
        for (size_t at = 0; at < (k + 1) * (k + 1); at++) {
            if (!mask[at]) {
                assert_false(v[at] >= 1 && v[at] < 3);
                continue;
            }
            masked++;
            double lo, hi;
            attack_with(k, k, v, extra, ok ? 2 : 0, mask, at, &lo, &hi);
            if (!(hi - lo > 1e-6))
                fail_msg("round %d, %zu x %zu, cell %zu (%g): the attacker finds [%g, %g]", round,
                         k, k, at, v[at], lo, hi);
        }
        free(cell);
        free(extra);
        free(v);
        free(mask);
    }
    assert_true(masked > 100);
    assert_true(published > 30); /* most tables keep their functions */
}

static void set_cats(pn_category *cats, size_t n, const char *const *names)
{
    for (size_t i = 0; i < n; i++) {
        cats[i].name = pn_strdup(names[i]);
        cats[i].label = pn_strdup(names[i]);
    }
}

/* Linked tables: the frequency table of x and the cross-tab of x by y publish x's counts by
 * category; where they differ by a small count (a unit that did not answer y), the cross-tab's
 * margin is masked; where they are the same count, both show it or neither. */
static void test_linked_tables(void **state)
{
    (void)state;
    static const char *const xs[] = {"a", "b", "c"}, *const ys[] = {"u", "v"};
    pn_tab_result rs[2] = {{0}};
    pn_error err = {0};
    rs[0].kind = PN_TAB_FREQ;
    rs[0].nparts = 1;
    rs[0].parts = calloc(1, sizeof *rs[0].parts);
    pn_freq *f = rs[0].parts[0].freq = pn_freq_create(3);
    f->var = pn_strdup("x");
    set_cats(f->cats, 3, xs);
    f->count[0] = 10, f->count[1] = 5, f->count[2] = 20;
    assert_int_equal(pn_freq_compute(f, &err), PN_OK);
    rs[1].kind = PN_TAB_CROSSTAB;
    rs[1].nparts = 1;
    rs[1].parts = calloc(1, sizeof *rs[1].parts);
    pn_crosstab *t = rs[1].parts[0].xt = pn_crosstab_create(3, 2);
    t->row_var = pn_strdup("x");
    t->col_var = pn_strdup("y");
    set_cats(t->row_cats, 3, xs);
    set_cats(t->col_cats, 2, ys);
    const double cells[] = {4, 6, 2, 2, 10, 10}; /* b: 4 of the 5 answered y */
    memcpy(t->count, cells, sizeof cells);
    assert_int_equal(pn_crosstab_compute(t, &err), PN_OK);
    assert_int_equal(pn_tab_results_protect(rs, 2, 3, &err), PN_OK);
    assert_true(pn_is_masked(t->count[2]) && pn_is_masked(t->count[3])); /* 2 and 2 */
    assert_true(pn_is_masked(t->row_total[1]));                          /* 4, beside 5 */
    /* the masks agree: a count both show alike is masked in both or neither (the cross-tab's
     * margin of b, masked, made another of its margins go, and that one the same count in
     * the frequency table), and two shown counts never differ by less than 3 */
    const double was[2][3] = {{10, 5, 20}, {10, 4, 20}};
    for (size_t i = 0; i < 3; i++) {
        int mf = pn_is_masked(f->count[i]), mt = pn_is_masked(t->row_total[i]);
        if (was[0][i] == was[1][i])
            assert_int_equal(mf, mt);
        else if (!mf && !mt)
            assert_true(fabs(was[0][i] - was[1][i]) >= 3);
    }
    assert_true(rs[1].parts[0].masked >= 3 && rs[1].parts[0].tests_withheld);
    assert_true(rs[0].secret == 3 && rs[1].secret == 3);
    pn_tab_result_release(&rs[0]);
    pn_tab_result_release(&rs[1]);
}

int main(void)
{
    glp_term_out(GLP_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_small_cell),  cmocka_unit_test(test_one_way),
        cmocka_unit_test(test_generated_attacked), cmocka_unit_test(test_extra_equations_attacked),
        cmocka_unit_test(test_linked_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
