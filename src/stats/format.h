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
 *   multi_crosstab (a select_multiple by a variable): n pct_cases per option and column
 *             (pct_cases: % of the column's respondents), and with col "" over every
 *             column; row "" with measure cases|missing per column, and col "" in all.
 *             No test statistic: the rows are not exclusive.
 * A table computed for one network only, because the forms ask the question differently
 * (pn_tab_result.split), has `var` written "name@network" ("rep@centre", "rep@ecole").
 * The text writer prints PN_LINK_UNIT_WARNING under the tests of such a cross-tab.
 * Writers return PN_EIO when writing fails.
 */
#ifndef PN_STATS_FORMAT_H
#define PN_STATS_FORMAT_H

#include <stdio.h>

#include "stats/stats.h"
#include "stats/tabulate.h"

/* The text under a multiple-response cross-tab (French, UTF-8). */
#define PN_MULTI_CROSSTAB_NOTE                                                                     \
    "Plusieurs r\xc3\xa9ponses possibles : chaque pourcentage rapporte une modalit\xc3\xa9 aux "   \
    "r\xc3\xa9pondants de sa colonne (au moins une case coch\xc3\xa9"                              \
    "e), la somme d'une colonne "                                                                  \
    "peut d\xc3\xa9passer 100. Pas de khi-deux : un r\xc3\xa9pondant compte dans plusieurs "       \
    "lignes, "                                                                                     \
    "qui ne sont pas exclusives."

/* The text above a result whose networks are shown apart; %s: the variables (French). */
#define PN_TAB_SPLIT_NOTE                                                                          \
    "Les questionnaires des deux r\xc3\xa9seaux ne posent pas la m\xc3\xaame question sous ce "    \
    "nom "                                                                                         \
    "(%s : libell\xc3\xa9 ou liste de choix diff\xc3\xa9rents) : un tableau par r\xc3\xa9seau, "   \
    "sous "                                                                                        \
    "son propre libell\xc3\xa9."

/* Beside the tests of a cross-tab whose unit is the reported link (PN_UNIT_LINK), in the
 * text and xlsx writers. */
#define PN_LINK_UNIT_WARNING                                                                        \
    "Attention : l'unité de ce tableau est le lien déclaré. Un lien déclaré par le centre "    \
    "social et par l'école compte deux fois, une fois pour chaque point de vue : ces "             \
    "observations ne sont pas indépendantes, et le khi-deux, calculé comme si elles l'étaient, " \
    "surestime la significativité."

PN_MUST_USE pn_status pn_freq_write_text(FILE *out, const pn_freq *t, pn_error *err);
PN_MUST_USE pn_status pn_multi_write_text(FILE *out, const pn_multi *t, pn_error *err);
PN_MUST_USE pn_status pn_crosstab_write_text(FILE *out, const pn_crosstab *t, pn_error *err);
/* Options by columns: count and % of the column's respondents, the "Ensemble" column,
 * then each column's respondents and non-response, and PN_MULTI_CROSSTAB_NOTE. */
PN_MUST_USE pn_status pn_multi_crosstab_write_text(FILE *out, const pn_multi_crosstab *t,
                                                   pn_error *err);

/* The CSV header line ("table,var,by,row,col,measure,value\n"); write it once. */
PN_MUST_USE pn_status pn_stats_write_csv_header(FILE *out, pn_error *err);
PN_MUST_USE pn_status pn_freq_write_csv(FILE *out, const pn_freq *t, pn_error *err);
PN_MUST_USE pn_status pn_multi_write_csv(FILE *out, const pn_multi *t, pn_error *err);
PN_MUST_USE pn_status pn_crosstab_write_csv(FILE *out, const pn_crosstab *t, pn_error *err);
PN_MUST_USE pn_status pn_multi_crosstab_write_csv(FILE *out, const pn_multi_crosstab *t,
                                                  pn_error *err);

/*
 * The whole result of pn_tabulate. Text: for a split result, PN_TAB_SPLIT_NOTE, then each
 * network's table under a line "== Centres sociaux ==" (its own label as title); a pooled
 * result is its one table, as the writer of its kind writes it. CSV: the header, then
 * every part (a network's with var "name@network").
 */
PN_MUST_USE pn_status pn_tab_write_text(FILE *out, const pn_tab_result *r, pn_error *err);
PN_MUST_USE pn_status pn_tab_write_csv(FILE *out, const pn_tab_result *r, pn_error *err);

/* Format @x with %.17g semantics but always with '.' and without depending on the locale.
 * @buf must hold at least 32 bytes. Returns @buf. NaN prints as "" (an empty CSV cell). */
char *pn_format_number(char *buf, double x);

#endif
