/*
 * format.h - text and CSV writers for stats tables.
 *
 * Text: a readable table for a terminal, French labels, percentages with one decimal.
 * CSV (for scripts: UTF-8 without BOM, ',', LF; text cells through pn_csv_write_field, so
 * that a choice name that looks like a formula gets a leading '): one header row, then one
 * row per cell or statistic, numbers
 * unrounded with up to 17 significant digits and '.' as decimal separator whatever the
 * locale. Columns of the CSV form:
 *   table,var,by,row,col,measure,value
 * where `table` is freq|multi|crosstab, `row`/`col` are choice names (empty for a
 * statistic of the whole table), and `measure` is one of
 *   freq:     n pct valid_pct cum_pct ci_low ci_high  (row "" with measure missing|valid|total)
 *   multi:    n pct_responses pct_cases  (row "" with measure cases|responses|missing)
 *   crosstab: n expected row_pct col_pct total_pct adj_resid, and for row "" col "":
 *             n chi2 chi2_df chi2_p lr lr_df lr_p cramer_v fisher_p low_expected_pct, then
 *             link_unit (value 1) when the unit is the reported link: a pair reported by
 *             both sides counts twice, and the tests assume independent units
 * The text writer prints PN_LINK_UNIT_WARNING under the tests of such a cross-tab.
 * Writers return PN_EIO when writing fails.
 */
#ifndef PN_STATS_FORMAT_H
#define PN_STATS_FORMAT_H

#include <stdio.h>

#include "stats/stats.h"

/* Beside the tests of a cross-tab whose unit is the reported link (PN_UNIT_LINK), in the
 * text and xlsx writers. */
#define PN_LINK_UNIT_WARNING                                                                        \
    "Attention : l'unité de ce tableau est le lien déclaré. Un lien déclaré par le centre "    \
    "social et par l'école compte deux fois, une fois pour chaque point de vue : ces "             \
    "observations ne sont pas indépendantes, et le khi-deux, calculé comme si elles l'étaient, " \
    "surestime la significativité."

pn_status pn_freq_write_text(FILE *out, const pn_freq *t, pn_error *err);
pn_status pn_multi_write_text(FILE *out, const pn_multi *t, pn_error *err);
pn_status pn_crosstab_write_text(FILE *out, const pn_crosstab *t, pn_error *err);

/* The CSV header line ("table,var,by,row,col,measure,value\n"); write it once. */
pn_status pn_stats_write_csv_header(FILE *out, pn_error *err);
pn_status pn_freq_write_csv(FILE *out, const pn_freq *t, pn_error *err);
pn_status pn_multi_write_csv(FILE *out, const pn_multi *t, pn_error *err);
pn_status pn_crosstab_write_csv(FILE *out, const pn_crosstab *t, pn_error *err);

/* Format @x with %.17g semantics but always with '.' and without depending on the locale.
 * @buf must hold at least 32 bytes. Returns @buf. NaN prints as "" (an empty CSV cell). */
char *pn_format_number(char *buf, double x);

#endif
