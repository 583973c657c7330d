/* csv.c - the CSV driver: one row per figure, for scripts (output.h gives the columns). */
#include <stdio.h>

#include "output/output.h"
#include "util/csv.h"

static void csv_row(FILE *out, const char *table, const char *var, const char *by, const char *row,
                    const char *col, const char *measure, double value)
{
    char num[32];
    pn_csv_write_field(out, table, ',');
    fputc(',', out);
    pn_csv_write_field(out, var, ',');
    fputc(',', out);
    pn_csv_write_field(out, by, ',');
    fputc(',', out);
    pn_csv_write_field(out, row, ',');
    fputc(',', out);
    pn_csv_write_field(out, col, ',');
    fprintf(out, ",%s,%s\n", measure, pn_format_number(num, value));
}

static pn_status csv_done(FILE *out, pn_error *err)
{
    if (ferror(out))
        return pn_error_set(err, PN_EIO, "cannot write the statistics CSV");
    return PN_OK;
}

/* The header line, once before every part. */
static pn_status csv_begin(void *self, const pn_tab_result *r, pn_error *err)
{
    FILE *out = self;
    (void)r;
    fputs("table,var,by,row,col,measure,value\n", out);
    return csv_done(out, err);
}

/* The tables below write @p->var in the var column: the table's own name, or
 * "name@network" for one network's table. */

static pn_status freq_csv(void *self, const pn_output_part *p, const pn_freq *t, pn_error *err)
{
    FILE *out = self;
    const char *var = p->var;
    for (size_t i = 0; i < t->k; i++) {
        const char *row = t->cats[i].name;
        csv_row(out, "freq", var, "", row, "", "n", t->count[i]);
        csv_row(out, "freq", var, "", row, "", "pct", t->pct[i]);
        csv_row(out, "freq", var, "", row, "", "valid_pct", t->valid_pct[i]);
        if (t->cum_pct)
            csv_row(out, "freq", var, "", row, "", "cum_pct", t->cum_pct[i]);
        csv_row(out, "freq", var, "", row, "", "ci_low", t->ci_low[i]);
        csv_row(out, "freq", var, "", row, "", "ci_high", t->ci_high[i]);
    }
    csv_row(out, "freq", var, "", "", "", "missing", t->missing);
    csv_row(out, "freq", var, "", "", "", "valid", t->valid);
    csv_row(out, "freq", var, "", "", "", "total", t->total);
    return csv_done(out, err);
}

static pn_status multi_csv(void *self, const pn_output_part *p, const pn_multi *t, pn_error *err)
{
    FILE *out = self;
    const char *var = p->var;
    for (size_t i = 0; i < t->k; i++) {
        const char *row = t->cats[i].name;
        csv_row(out, "multi", var, "", row, "", "n", t->count[i]);
        csv_row(out, "multi", var, "", row, "", "pct_responses", t->pct_responses[i]);
        csv_row(out, "multi", var, "", row, "", "pct_cases", t->pct_cases[i]);
    }
    csv_row(out, "multi", var, "", "", "", "cases", t->cases);
    csv_row(out, "multi", var, "", "", "", "responses", t->responses);
    csv_row(out, "multi", var, "", "", "", "missing", t->missing);
    return csv_done(out, err);
}

static pn_status crosstab_csv(void *self, const pn_output_part *p, const pn_crosstab *t,
                              pn_error *err)
{
    FILE *out = self;
    const char *v = p->var;
    const char *by = t->col_var;
    for (size_t i = 0; i < t->r; i++) {
        for (size_t j = 0; j < t->c; j++) {
            size_t ij = i * t->c + j;
            const char *row = t->row_cats[i].name, *col = t->col_cats[j].name;
            csv_row(out, "crosstab", v, by, row, col, "n", t->count[ij]);
            csv_row(out, "crosstab", v, by, row, col, "expected", t->expected[ij]);
            csv_row(out, "crosstab", v, by, row, col, "row_pct", t->row_pct[ij]);
            csv_row(out, "crosstab", v, by, row, col, "col_pct", t->col_pct[ij]);
            csv_row(out, "crosstab", v, by, row, col, "total_pct", t->total_pct[ij]);
            csv_row(out, "crosstab", v, by, row, col, "adj_resid", t->adj_resid[ij]);
        }
    }
    csv_row(out, "crosstab", v, by, "", "", "n", t->n);
    csv_row(out, "crosstab", v, by, "", "", "chi2", t->chi2);
    csv_row(out, "crosstab", v, by, "", "", "chi2_df", t->chi2_df);
    csv_row(out, "crosstab", v, by, "", "", "chi2_p", t->chi2_p);
    csv_row(out, "crosstab", v, by, "", "", "lr", t->lr);
    csv_row(out, "crosstab", v, by, "", "", "lr_df", t->chi2_df);
    csv_row(out, "crosstab", v, by, "", "", "lr_p", t->lr_p);
    csv_row(out, "crosstab", v, by, "", "", "cramer_v", t->cramer_v);
    csv_row(out, "crosstab", v, by, "", "", "fisher_p", t->fisher_p);
    csv_row(out, "crosstab", v, by, "", "", "low_expected_pct", t->low_expected_pct);
    if (t->unit == PN_UNIT_LINK)
        csv_row(out, "crosstab", v, by, "", "", "link_unit", 1);
    return csv_done(out, err);
}

static pn_status multi_crosstab_csv(void *self, const pn_output_part *p, const pn_multi_crosstab *t,
                                    pn_error *err)
{
    FILE *out = self;
    const char *v = p->var;
    const char *by = t->col_var, *table = "multi_crosstab";
    for (size_t i = 0; i < t->r; i++) {
        const char *row = t->row_cats[i].name;
        for (size_t j = 0; j < t->c; j++) {
            size_t ij = i * t->c + j;
            const char *col = t->col_cats[j].name;
            csv_row(out, table, v, by, row, col, "n", t->count[ij]);
            csv_row(out, table, v, by, row, col, "pct_cases", t->col_pct[ij]);
        }
        csv_row(out, table, v, by, row, "", "n", t->row_total[i]);
        csv_row(out, table, v, by, row, "", "pct_cases", t->total_pct[i]);
    }
    for (size_t j = 0; j < t->c; j++) {
        csv_row(out, table, v, by, "", t->col_cats[j].name, "cases", t->cases[j]);
        csv_row(out, table, v, by, "", t->col_cats[j].name, "missing", t->missing[j]);
    }
    csv_row(out, table, v, by, "", "", "cases", t->total_cases);
    csv_row(out, table, v, by, "", "", "missing", t->total_missing);
    return csv_done(out, err);
}

/* The pairs' table: the `by` column says whose answer the columns are (the school's). */
static pn_status agreement_csv(void *self, const pn_output_part *p, const pn_agreement *t,
                               pn_error *err)
{
    FILE *out = self;
    const char *v = p->var, *by = "pairs", *table = "agreement";
    for (size_t i = 0; i < t->k; i++)
        for (size_t j = 0; j < t->k; j++)
            csv_row(out, table, v, by, t->cats[i].name, t->cats[j].name, "n",
                    t->count[i * t->k + j]);
    csv_row(out, table, v, by, "", "", "n", t->n);
    csv_row(out, table, v, by, "", "", "missing", t->missing);
    csv_row(out, table, v, by, "", "", "multiple", t->multiple);
    csv_row(out, table, v, by, "", "", "agree_pct", t->agree_pct);
    csv_row(out, table, v, by, "", "", "chance_pct", t->chance_pct);
    csv_row(out, table, v, by, "", "", "kappa", t->kappa);
    csv_row(out, table, v, by, "", "", "kappa_ase", t->ase);
    csv_row(out, table, v, by, "", "", "kappa_ci_low", t->ci_low);
    csv_row(out, table, v, by, "", "", "kappa_ci_high", t->ci_high);
    csv_row(out, table, v, by, "", "", "kappa_t", t->t);
    csv_row(out, table, v, by, "", "", "kappa_p", t->p);
    return csv_done(out, err);
}

static const pn_output_driver csv_driver = {
    .name = "csv",
    .begin = csv_begin,
    .freq = freq_csv,
    .multi = multi_csv,
    .crosstab = crosstab_csv,
    .multi_crosstab = multi_crosstab_csv,
    .agreement = agreement_csv,
};

pn_output pn_output_csv(FILE *out)
{
    return (pn_output){&csv_driver, out};
}
