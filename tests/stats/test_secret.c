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

#include "import/import.h"
#include "report/fiches.h"
#include "report/report.h"
#include "stats/protect.h"
#include "stats/secret.h"
#include "support/support.h"
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

/* ---- the demo workbook's tables, attacked together -------------------------------------- */

/* An attacker's model of what a workbook publishes: unknowns (its masked counts, and the
 * units a cross-tab leaves out beside its frequency table), equations with their values. */
typedef struct model {
    size_t nvar;
    size_t nrow, capnz, nnz;
    int *ia, *ja;
    double *ar, *rhs;
    unsigned char *upper; /* a row that is at most its rhs, not equal to it */
    size_t caprow;
} model;

static int new_var(model *m)
{
    return (int)++m->nvar;
}

/* Start an equation (= @rhs later, through m->rhs[row]); its index. */
static size_t new_row(model *m)
{
    if (m->nrow == m->caprow) {
        m->caprow = m->caprow ? 2 * m->caprow : 256;
        m->rhs = realloc(m->rhs, m->caprow * sizeof *m->rhs);
        m->upper = realloc(m->upper, m->caprow);
    }
    m->rhs[m->nrow] = 0;
    m->upper[m->nrow] = 0;
    return m->nrow++;
}

static void term(model *m, size_t row, int var, double a)
{
    if (m->nnz + 1 >= m->capnz) {
        m->capnz = m->capnz ? 2 * m->capnz : 1024;
        m->ia = realloc(m->ia, m->capnz * sizeof *m->ia);
        m->ja = realloc(m->ja, m->capnz * sizeof *m->ja);
        m->ar = realloc(m->ar, m->capnz * sizeof *m->ar);
    }
    m->nnz++;
    m->ia[m->nnz] = (int)row + 1;
    m->ja[m->nnz] = var;
    m->ar[m->nnz] = a;
}

/* A count of a table in the model: a constant (its published value, @var 0) or an unknown. */
typedef struct slot {
    double v;
    int var;
} slot;

/* The grid (secret.h's layout) of one table, in the model: each masked count an unknown, each
 * line an equation. */
static slot *grid_in_model(model *m, size_t r, size_t c, const double *v, const double *shown)
{
    size_t w = c + 1, cells = (r + 1) * w;
    slot *s = calloc(cells, sizeof *s);
    for (size_t at = 0; at < cells; at++) {
        s[at].v = v[at];
        s[at].var = pn_is_masked(shown[at]) ? new_var(m) : 0;
    }
    size_t nlines = c + 1 + (c > 0 ? r + 1 : 0);
    for (size_t k = 0; k < nlines; k++) {
        size_t len = k <= c ? r + 1 : c + 1, row = new_row(m);
        for (size_t mm = 0; mm < len; mm++) {
            size_t at = k <= c ? mm * w + k : (k - c - 1) * w + mm;
            double sign = mm + 1 == len ? -1 : 1;
            if (s[at].var)
                term(m, row, s[at].var, sign);
            else
                m->rhs[row] -= sign * s[at].v;
        }
    }
    return s;
}

/* The grids of a frequency table and of a cross-tab (original counts @o, shown ones @p). */
static double *freq_grid(const pn_freq *t, int shown)
{
    double *v = malloc((t->k + 1) * sizeof *v);
    for (size_t i = 0; i < t->k; i++)
        v[i] = t->count[i];
    v[t->k] = shown && pn_is_masked(t->valid) ? pn_masked() : t->valid;
    return v;
}

static double *cross_grid(size_t r, size_t c, const double *count, const double *rows,
                          const double *cols, double n)
{
    size_t w = c + 1;
    double *v = malloc((r + 1) * w * sizeof *v);
    for (size_t i = 0; i < r; i++) {
        for (size_t j = 0; j < c; j++)
            v[i * w + j] = count[i * c + j];
        v[i * w + c] = rows[i];
    }
    for (size_t j = 0; j < c; j++)
        v[r * w + j] = cols[j];
    v[r * w + c] = n;
    return v;
}

/* Every masked count of the demo spec's tables (the bundled examples, the demo spec, the
 * workbook's threshold 3), attacked knowing every count and margin the workbook shows, the
 * kappas it shows, and that a frequency table's count of a category is its cross-tabs' row
 * total plus the units they leave out (>= 0): none is determined. */
static void test_demo_workbook_attacked(void **state)
{
    (void)state;
    pn_test_project p;
    pn_test_project_open(&p, "pn_secret_demo", NULL);
    pn_error err = {0};
    static const char *const sides[2][3] = {
        {"centre_social.csv", "examples/centre_social.csv",
         "examples/centre_social-partenaires.csv"},
        {"ecole.csv", "examples/ecole.csv", "examples/ecole-partenaires.csv"}};
    for (int k = 0; k < 2; k++) {
        char *src = NULL;
        size_t len = 0;
        pn_form *f = pn_test_load_form(sides[k][0], &src, &len);
        char a[1024], b[1024];
        const char *paths[2] = {pn_test_source_path(sides[k][1], a, sizeof a),
                                pn_test_source_path(sides[k][2], b, sizeof b)};
        pn_import_result res = {0};
        if (pn_import_files(p.store, f, src, len, paths, 2, NULL, &res, &err) != PN_OK)
            fail_msg("%s", err.msg);
        pn_import_result_release(&res);
        pn_form_destroy(f);
        free(src);
    }
    char path[1024];
    pn_report_spec *spec = NULL;
    if (pn_report_spec_load(pn_test_source_path("reports/demo.csv", path, sizeof path), &spec,
                            &err) != PN_OK)
        fail_msg("%s", err.msg);
    /* every table the workbook publishes: one an item, one a variable of the fiches */
    size_t n = 0, failed = 0;
    for (size_t i = 0; i < spec->n; i++)
        n += spec->items[i].fiches ? spec->items[i].nvars : 1;
    pn_tab_request *reqs = calloc(n, sizeof *reqs);
    pn_tab_result *orig = calloc(n, sizeof *orig), *shown = calloc(n, sizeof *shown);
    for (size_t i = 0, k = 0; i < spec->n; i++) {
        const pn_report_item *it = &spec->items[i];
        if (it->fiches) {
            assert_int_equal(wb_fiche_requests(p.store, it, reqs + k, &err), PN_OK);
            k += it->nvars;
        } else {
            reqs[k++] = (pn_tab_request){it->var, it->by, it->where, it->pairs};
        }
    }
    assert_int_equal(pn_tabulate_all(p.store, reqs, n, orig, &failed, &err), PN_OK);
    assert_int_equal(pn_tabulate_all(p.store, reqs, n, shown, &failed, &err), PN_OK);
    assert_int_equal(pn_tab_results_protect(shown, n, spec->secret, &err), PN_OK);

    model m = {0};
    slot **grids = calloc(n, sizeof *grids);
    size_t masked = 0;
    for (size_t i = 0; i < n; i++) {
        if (orig[i].nparts != 1)
            continue; /* one network's tables: their own units, attacked alone below */
        const pn_tab_part *o = &orig[i].parts[0], *s = &shown[i].parts[0];
        double *v = NULL, *w = NULL;
        size_t r = 0, c = 0;
        if (orig[i].kind == PN_TAB_FREQ) {
            v = freq_grid(o->freq, 0), w = freq_grid(s->freq, 1), r = o->freq->k;
        } else if (orig[i].kind == PN_TAB_CROSSTAB) {
            const pn_crosstab *a = o->xt, *b = s->xt;
            r = a->r, c = a->c;
            v = cross_grid(r, c, a->count, a->row_total, a->col_total, a->n);
            w = cross_grid(r, c, b->count, b->row_total, b->col_total, b->n);
        } else if (orig[i].kind == PN_TAB_AGREEMENT) {
            const pn_agreement *a = o->agree, *b = s->agree;
            r = c = a->k;
            v = cross_grid(r, c, a->count, a->row_total, a->col_total, a->n);
            w = cross_grid(r, c, b->count, b->row_total, b->col_total, b->n);
        } else {
            continue;
        }
        size_t before = m.nvar;
        grids[i] = grid_in_model(&m, r, c, v, w);
        masked += m.nvar - before;
        if (orig[i].kind == PN_TAB_AGREEMENT && !pn_is_masked(s->agree->kappa)) {
            /* its kappa and standard error: the diagonal, and the weighted sums they give */
            const pn_agreement *a = o->agree;
            double R = 0;
            for (size_t x = 0; x < a->k; x++)
                R += a->row_total[x] * a->col_total[x];
            double D = a->n * a->n - R, beta = D != 0 ? (a->n - a->agree) / D : 0;
            for (int e = 0; e < 2; e++) {
                size_t row = new_row(&m);
                for (size_t x = 0; x < a->k; x++)
                    for (size_t y = 0; y < a->k; y++) {
                        double sum = a->row_total[x] + a->col_total[y];
                        double coef =
                            e == 0 ? (x == y) : (x == y ? -2 * sum : 0) + beta * sum * sum;
                        const slot *sl = &grids[i][x * (a->k + 1) + y];
                        /* the published value is the sum over every cell: the masked cells'
                         * part of it is what the equation holds them to */
                        if (coef != 0 && sl->var) {
                            term(&m, row, sl->var, coef);
                            m.rhs[row] += coef * sl->v;
                        }
                    }
            }
        }
        free(v);
        free(w);
    }
    /* a frequency table and each cross-tab of its variable: F = T + left out, left out >= 0 */
    size_t links = 0;
    for (size_t i = 0; i < n; i++) {
        if (!grids[i] || orig[i].kind != PN_TAB_FREQ)
            continue;
        const pn_freq *f = orig[i].parts[0].freq;
        for (size_t j = 0; j < n; j++) {
            if (!grids[j] || orig[j].kind != PN_TAB_CROSSTAB)
                continue;
            const pn_crosstab *t = orig[j].parts[0].xt;
            int as_row = strcmp(t->row_var, f->var) == 0, as_col = strcmp(t->col_var, f->var) == 0;
            if ((!as_row && !as_col) || (as_row ? t->r : t->c) != f->k)
                continue;
            /* the cross-tab publishes how many units it left out: the units of the frequency
             * table it does not count are at most those */
            size_t sum = new_row(&m);
            m.upper[sum] = 1;
            m.rhs[sum] = t->missing;
            for (size_t x = 0; x < f->k; x++) {
                size_t w = t->c + 1, at = as_row ? x * w + t->c : t->r * w + x;
                const slot *a = &grids[i][x], *b = &grids[j][at];
                size_t row = new_row(&m);
                int out = new_var(&m);
                term(&m, sum, out, 1);
                term(&m, row, out, -1);
                if (a->var)
                    term(&m, row, a->var, 1);
                else
                    m.rhs[row] -= a->v;
                if (b->var)
                    term(&m, row, b->var, -1);
                else
                    m.rhs[row] += b->v;
                links++;
            }
        }
    }
    if (!(links >= 10 && masked > 50))
        fail_msg("links %zu, masked %zu", links, masked);
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, (int)m.nvar);
    for (int k = 1; k <= (int)m.nvar; k++)
        glp_set_col_bnds(lp, k, GLP_LO, 0, 0);
    glp_add_rows(lp, (int)m.nrow);
    for (size_t row = 0; row < m.nrow; row++)
        glp_set_row_bnds(lp, (int)row + 1, m.upper[row] ? GLP_UP : GLP_FX, m.rhs[row], m.rhs[row]);
    glp_load_matrix(lp, (int)m.nnz, m.ia, m.ja, m.ar);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    for (size_t i = 0; i < n; i++) {
        if (!grids[i])
            continue;
        const pn_tab_part *o = &orig[i].parts[0];
        size_t cells = orig[i].kind == PN_TAB_FREQ       ? o->freq->k + 1
                       : orig[i].kind == PN_TAB_CROSSTAB ? (o->xt->r + 1) * (o->xt->c + 1)
                                                         : (o->agree->k + 1) * (o->agree->k + 1);
        for (size_t at = 0; at < cells; at++) {
            const slot *sl = &grids[i][at];
            if (!sl->var)
                continue;
            double bound[2];
            for (int dir = 0; dir < 2; dir++) {
                for (int k = 1; k <= (int)m.nvar; k++)
                    glp_set_obj_coef(lp, k, k == sl->var);
                glp_set_obj_dir(lp, dir ? GLP_MAX : GLP_MIN);
                assert_int_equal(glp_simplex(lp, &parm), 0);
                int status = glp_get_status(lp);
                assert_true(status == GLP_OPT || status == GLP_UNBND);
                bound[dir] =
                    status == GLP_UNBND ? (dir ? INFINITY : -INFINITY) : glp_get_obj_val(lp);
            }
            if (!(bound[1] - bound[0] > 1e-6))
                fail_msg("sheet '%s', cell %zu (count %g): the attacker finds [%g, %g]",
                         spec->items[i].sheet, at, sl->v, bound[0], bound[1]);
        }
        free(grids[i]);
    }
    glp_delete_prob(lp);
    for (size_t i = 0; i < n; i++) {
        pn_tab_result_release(&orig[i]);
        pn_tab_result_release(&shown[i]);
    }
    free(grids);
    free(orig);
    free(shown);
    free(reqs);
    free(m.ia);
    free(m.ja);
    free(m.ar);
    free(m.rhs);
    free(m.upper);
    pn_report_spec_destroy(spec);
    assert_int_equal(pn_test_project_close(&p), 0);
}

int main(void)
{
    glp_term_out(GLP_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_small_cell),  cmocka_unit_test(test_one_way),
        cmocka_unit_test(test_generated_attacked), cmocka_unit_test(test_extra_equations_attacked),
        cmocka_unit_test(test_linked_tables),      cmocka_unit_test(test_demo_workbook_attacked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
