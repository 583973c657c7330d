/*
 * stats.h - frequency tables, multiple-response tables and cross-tabs, computed with GSL.
 *
 * Statistics apart from output: a table is filled with counts (by src/stats/tabulate.c
 * from the store, or by a test), then pn_*_compute derives every figure from the counts.
 * No I/O here; the drivers that write tables are behind output/output.h (text, csv, and
 * the workbook's xlsx in report/).
 *
 * Every figure is computed from unrounded values; rounding happens only in writers, which
 * compute none: every percentage a table shows, its margins' included, is here.
 * GSL's abort-on-error handler is turned off by pn_stats_init() (called once by the CLI);
 * every GSL status is checked.
 *
 * May call: util, GSL (stats.c is pure: no I/O, no store).
 */
#ifndef PN_STATS_STATS_H
#define PN_STATS_STATS_H

#include <stddef.h>

#include "util/error.h"

/* A category of a variable: its choice name and its French label. */
typedef struct pn_category {
    char *name;  /* owned */
    char *label; /* owned; the name when the form has no label */
} pn_category;

/*
 * pn_freq - tri à plat of one single-answer variable.
 * Filled by the caller: var, title, k, cats, count, missing, ordered.
 * Computed by pn_freq_compute: valid, total, pct, valid_pct, cum_pct (NULL unless ordered),
 * and ci_low/ci_high (Wilson 95 % interval of valid_pct, in %); the figures of the
 * non-response and total rows: missing_pct, pct_total, valid_pct_total.
 * Every percentage a writer shows is here: writers only lay them out.
 */
typedef struct pn_freq {
    char *var;                /* variable name, owned */
    char *title;              /* question label, owned */
    size_t k;                 /* number of categories */
    pn_category *cats;        /* k categories, owned, in the form's order */
    double *count;            /* k counts */
    double missing;           /* relevant but unanswered */
    int ordered;              /* cumulative % makes sense */
    double valid;             /* sum of count */
    double total;             /* valid + missing */
    double *pct;              /* count / total * 100 */
    double *valid_pct;        /* count / valid * 100 */
    double *cum_pct;          /* cumulative valid % (ordered only) */
    double *ci_low, *ci_high; /* Wilson score 95 % interval for valid_pct, in % */
    double missing_pct;       /* missing / total * 100 */
    double pct_total;         /* the total of pct: 100, NaN when total is 0 */
    double valid_pct_total;   /* the total of valid_pct: 100, NaN when valid is 0 */
} pn_freq;

/*
 * pn_multi - multiple-response table of one select_multiple (SPSS MULT RESPONSE).
 * Filled by the caller: var, title, k, cats, count (units that ticked each option),
 * cases (units that ticked at least one option), missing (relevant units that ticked none).
 * Computed: responses (sum of count), pct_responses (sums to 100), pct_cases (can exceed 100),
 * and their totals pct_responses_total and pct_cases_total.
 */
typedef struct pn_multi {
    char *var;
    char *title;
    size_t k;
    pn_category *cats;
    double *count;
    double cases;
    double missing;
    double responses;
    double *pct_responses;
    double *pct_cases;
    double pct_responses_total; /* 100, NaN when responses is 0 */
    double pct_cases_total;     /* the sum of pct_cases (can exceed 100), NaN when cases is 0 */
} pn_multi;

/*
 * pn_crosstab - tri croisé of a row variable by a column variable.
 * Filled by the caller: row_var, col_var, row_title, col_title, r, c, row_cats, col_cats,
 * count (r*c, row-major: count[i*c + j]), unit.
 * Computed by pn_crosstab_compute, over the rows and columns whose total is not zero
 * (empty categories are shown but do not count in df):
 *   row_total[r], col_total[c], n; expected[r*c]; row_pct, col_pct, total_pct [r*c];
 *   adj_resid[r*c] (adjusted standardised residuals; NaN where undefined);
 *   chi2, chi2_df, chi2_p (Pearson); lr, lr_p (likelihood ratio, same df);
 *   cramer_v; fisher_p (two-sided Fisher exact test, only for a 2x2 table, else NaN;
 *   also NaN when a count is not a whole number, e.g. weighted; a table that is 2x2 once
 *   its empty rows and columns are set aside counts as 2x2);
 *   low_expected (number of cells with expected < 5) and low_expected_pct (% of cells);
 *   the margins' percentages: row_total_pct[r] (row_total / n * 100: a row's share, the
 *   total column of the column %), col_total_pct[c] (col_total / n * 100: the total row of
 *   the row %), row_pct_total[r] and col_pct_total[c] (the total of a row's row % and of a
 *   column's column %: 100, NaN when that row or column is empty), n_pct (100, NaN when n
 *   is 0: the corner of either % block).
 * When fewer than 2 non-empty rows or columns remain, the tests are NaN and df is 0.
 */
/* What one count of a table is: a questionnaire (a submission), or a reported link (an entry
 * of a partner repeat). A pair of structures reported by both sides is two links: two
 * counts that are not independent, which the tests of a cross-tab assume. */
typedef enum pn_unit { PN_UNIT_QUESTIONNAIRE = 0, PN_UNIT_LINK } pn_unit;

typedef struct pn_crosstab {
    pn_unit unit;   /* set by the caller (0: questionnaires); writers warn for links */
    double missing; /* set by the caller: units left out, unanswered in the row or column */
    char *row_var, *col_var;
    char *row_title, *col_title;
    size_t r, c;
    pn_category *row_cats, *col_cats;
    double *count;
    double *row_total, *col_total;
    double n;
    double *expected;
    double *row_pct, *col_pct, *total_pct;
    double *adj_resid;
    double chi2, chi2_p;
    double chi2_df;
    double lr, lr_p;
    double cramer_v;
    double fisher_p;
    size_t low_expected;
    double low_expected_pct;
    double *row_total_pct, *col_total_pct;
    double *row_pct_total, *col_pct_total;
    double n_pct;
} pn_crosstab;

/*
 * pn_multi_crosstab - multiple-response cross-tab: the options of a select_multiple (rows)
 * by the categories of a single-answer variable (columns), as SPSS's MULT RESPONSE /TABLES
 * with percentages of cases by column.
 * Filled by the caller: row_var, col_var, row_title, col_title, r, c, row_cats, col_cats,
 * count (r*c, row-major: units of column j that ticked option i), cases[c] (units of column
 * j that ticked at least one option: the column's base) and missing[c] (relevant units of
 * column j that ticked none).
 * Computed by pn_multi_crosstab_compute:
 *   col_pct[r*c] = count / cases[j] * 100 (NaN when cases[j] is 0; a column sums to 100 or
 *   more, since a unit may tick several options);
 *   row_total[r] (the row over every column), total_cases and total_missing (sums of cases
 *   and missing), total_pct[r] = row_total / total_cases * 100 (the "Ensemble" column).
 * There is no test of independence: the rows are not exclusive (one unit counts in several
 * rows), so a chi-square on these counts would count units more than once.
 */
typedef struct pn_multi_crosstab {
    char *row_var, *col_var;
    char *row_title, *col_title;
    size_t r, c;
    pn_category *row_cats, *col_cats;
    double *count;
    double *cases, *missing;
    double *col_pct;
    double *row_total;
    double total_cases, total_missing;
    double *total_pct;
} pn_multi_crosstab;

/*
 * pn_agreement - the two views of one link: for the pairs of structures that both report
 * their link (a dyad), the centre's answer (rows) by the school's (columns) over the same k
 * categories, and Cohen's kappa, as PSPP's and SPSS's CROSSTABS /STATISTICS=KAPPA.
 * Filled by the caller: var, title, k, cats, count (k*k, row-major: count[i*k + j], pairs
 * whose centre answered i and school j), missing (pairs one side left unanswered) and
 * multiple (pairs a side reports more than once), both left out of the table.
 * Computed by pn_agreement_compute: row_total[k], col_total[k], n; agree (the diagonal) and
 * agree_pct (% of n); chance_pct (the agreement expected by chance, sum of row_total *
 * col_total / n^2, in %); kappa = (n * agree - sum r c) / (n^2 - sum r c); ase, its
 * asymptotic standard error (not assuming kappa = 0: the delta method's, as PSPP and SPSS
 * write it); ci_low, ci_high = kappa -/+ 1.96 ase (95 %); t = kappa over its standard error
 * assuming kappa = 0 (PSPP's "Approx. T") and p its two-sided normal p-value. The kappa
 * figures are NaN when n is 0 or chance agreement is complete (every pair in one row and one
 * column).
 */
typedef struct pn_agreement {
    char *var, *title; /* owned */
    size_t k;
    pn_category *cats; /* k, owned, in the form's order */
    double *count;     /* k*k */
    double missing, multiple;
    double *row_total, *col_total;
    double n, agree, agree_pct, chance_pct;
    double kappa, ase, ci_low, ci_high, t, p;
} pn_agreement;

/* A figure masked by the secret statistique (protect.h): a NaN of its own, which replaces the
 * figure in the table itself, so that no writer can show what it was; writers show "s". */
double pn_masked(void);
int pn_is_masked(double x);

/* What a table shows for @c: its label, or its name when it has no label ("" when neither). */
const char *pn_category_label(const pn_category *c);

/* Turn off GSL's aborting error handler. Call once before any compute. */
void pn_stats_init(void);

/*
 * Allocation: pn_freq_create(k) returns a zeroed table with cats and count arrays of k
 * entries (names and labels NULL, to be filled with malloc'd strings); the computed arrays
 * are allocated by compute (calling compute again after changing counts replaces them).
 * pn_*_destroy frees everything the table holds (NULL: no-op).
 * Constructors return NULL when out of memory.
 */
pn_freq *pn_freq_create(size_t k);
void pn_freq_destroy(pn_freq *t);
PN_MUST_USE pn_status pn_freq_compute(pn_freq *t, pn_error *err);

pn_multi *pn_multi_create(size_t k);
void pn_multi_destroy(pn_multi *t);
PN_MUST_USE pn_status pn_multi_compute(pn_multi *t, pn_error *err);

pn_crosstab *pn_crosstab_create(size_t r, size_t c);
void pn_crosstab_destroy(pn_crosstab *t);
PN_MUST_USE pn_status pn_crosstab_compute(pn_crosstab *t, pn_error *err);

/* pn_multi_crosstab_create(r, c): zeroed count (r*c), cases and missing (c) and the
 * category arrays; compute returns PN_EINTERNAL when a count, base or non-response is
 * negative or a count exceeds its column's base (an option ticked by more units than
 * ticked any). */
pn_multi_crosstab *pn_multi_crosstab_create(size_t r, size_t c);
void pn_multi_crosstab_destroy(pn_multi_crosstab *t);
PN_MUST_USE pn_status pn_multi_crosstab_compute(pn_multi_crosstab *t, pn_error *err);

/* pn_agreement_create(k): zeroed count (k*k) and categories; compute returns PN_EINTERNAL
 * when a count is negative or not a number. */
pn_agreement *pn_agreement_create(size_t k);
void pn_agreement_destroy(pn_agreement *t);
PN_MUST_USE pn_status pn_agreement_compute(pn_agreement *t, pn_error *err);

/* Wilson score interval for @x successes out of @n at 95 %; proportions in [0, 1].
 * NaN bounds when n == 0. */
void pn_wilson(double x, double n, double *low, double *high);

#endif
