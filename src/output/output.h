/*
 * output.h - one interface for every output driver, and the text and CSV drivers.
 *
 * A caller picks a driver once (pn_output_text, pn_output_csv, or the workbook's xlsx driver
 * behind pn_workbook_add_result in report/report.h) and hands it whole results of
 * pn_tabulate with pn_output_write. The walk over a result (its parts, one per network when
 * the forms ask a question differently, and the kind of table of each) is written once, here;
 * a driver only lays out the tables it is given. Every figure it shows comes computed from
 * stats/stats.h (percentages of the margins included): a driver computes none.
 *
 * May call: util, stats (the tables handed to it). Writes only to the FILE or workbook its
 * driver was made with; never prints elsewhere, exits or depends on the locale.
 *
 * Text: a readable table for a terminal, French labels, percentages with one decimal.
 * CSV (for scripts: UTF-8 without BOM, ',', LF; text cells through pn_csv_write_field, so
 * that a choice name that looks like a formula gets a leading '): one header row, then one
 * row per cell or statistic, numbers
 * unrounded with up to 17 significant digits and '.' as decimal separator whatever the
 * locale. Columns of the CSV form:
 *   table,var,by,row,col,measure,value
 * where `table` is freq|multi|crosstab|multi_crosstab|agreement, `row`/`col` are choice names
 * (empty for a statistic of the whole table), and `measure` is one of freq:     n pct valid_pct
 * cum_pct ci_low ci_high  (row "" with measure missing|valid|total) multi:    n pct_responses
 * pct_cases  (row "" with measure cases|responses|missing) crosstab: n expected row_pct col_pct
 * total_pct adj_resid, and for row "" col "": n chi2 chi2_df chi2_p lr lr_df lr_p cramer_v fisher_p
 * low_expected_pct, then link_unit (value 1) when the unit is the reported link: a pair reported by
 *             both sides counts twice, and the tests assume independent units
 *   multi_crosstab (a select_multiple by a variable): n pct_cases per option and column
 *             (pct_cases: % of the column's respondents), and with col "" over every
 *             column; row "" with measure cases|missing per column, and col "" in all.
 *             No test statistic: the rows are not exclusive.
 *   agreement (the pairs both sides report, tab --pairs; `by` is "pairs"): n per row (the
 *             centre's answer) and col (the school's); for row "" col "": n (pairs in the table),
 * missing (pairs a side left unanswered), multiple (pairs a side reports more than once, left out),
 * agree_pct, chance_pct, kappa, kappa_ase, kappa_ci_low, kappa_ci_high, kappa_t, kappa_p. A table
 * computed for one network only, because the forms ask the question differently
 * (pn_tab_result.split), has `var` written "name@network" ("rep@centre", "rep@ecole").
 * The text driver prints PN_LINK_UNIT_WARNING under the tests of such a cross-tab.
 */
#ifndef PN_OUTPUT_OUTPUT_H
#define PN_OUTPUT_OUTPUT_H

#include <stdio.h>

#include "stats/stats.h"
#include "stats/tabulate.h"
#include "util/error.h"

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
 * text and xlsx drivers. */
#define PN_LINK_UNIT_WARNING                                                                        \
    "Attention : l'unité de ce tableau est le lien déclaré. Un lien déclaré par le centre "    \
    "social et par l'école compte deux fois, une fois pour chaque point de vue : ces "             \
    "observations ne sont pas indépendantes, et le khi-deux, calculé comme si elles l'étaient, " \
    "surestime la significativité."

/* Under an agreement table (the pairs both sides report), in the text and xlsx drivers. */
#define PN_PAIRS_NOTE                                                                              \
    "Une paire : un centre social (son SIRET) et une école (son UAI) qui déclarent chacun le "   \
    "lien avec l'autre, une seule fois. Sur la diagonale, les deux structures décrivent le lien " \
    "de la même façon ; hors de la diagonale, elles le voient différemment. Le kappa de Cohen " \
    "mesure l'accord au-delà de celui que le hasard donnerait : 1 pour un accord parfait, 0 "     \
    "pour un accord qui n'est pas meilleur que le hasard."

/* Under a table where the secret statistique masked counts (pn_tab_result_protect), in the
 * text and xlsx drivers; %g: the threshold. */
#define PN_SECRET_NOTE                                                                             \
    "s : donn\xc3\xa9"                                                                             \
    "e masqu\xc3\xa9"                                                                              \
    "e (secret statistique : un effectif de moins de %g "                                          \
    "unit\xc3\xa9s n'est pas publi\xc3\xa9, ni ce qui permettrait de le retrouver)."

/* What a driver is told of the part of a result it is writing. Everything is lent. */
typedef struct pn_output_part {
    const pn_tab_result *result; /* the whole result */
    size_t index;                /* of this part in result->parts */
    const pn_tab_part *part;     /* result->parts[index] */
    const char *var;             /* the part's row variable, "name@network" for one network's
                                  * table of a split result ("rep@centre") */
} pn_output_part;

/*
 * A driver: its functions, each given the driver's own state @self. pn_output_write calls
 * begin once, then for each part part_begin, the function of the result's kind, and
 * part_end, then end; a NULL function is skipped. Each returns PN_OK or a status with @err
 * filled, which stops the walk (end is not called then).
 */
typedef struct pn_output_driver {
    const char *name; /* "text", "csv", "xlsx" */
    pn_status (*begin)(void *self, const pn_tab_result *r, pn_error *err);
    pn_status (*part_begin)(void *self, const pn_output_part *p, pn_error *err);
    pn_status (*freq)(void *self, const pn_output_part *p, const pn_freq *t, pn_error *err);
    pn_status (*multi)(void *self, const pn_output_part *p, const pn_multi *t, pn_error *err);
    pn_status (*crosstab)(void *self, const pn_output_part *p, const pn_crosstab *t, pn_error *err);
    pn_status (*multi_crosstab)(void *self, const pn_output_part *p, const pn_multi_crosstab *t,
                                pn_error *err);
    pn_status (*agreement)(void *self, const pn_output_part *p, const pn_agreement *t,
                           pn_error *err);
    pn_status (*part_end)(void *self, const pn_output_part *p, pn_error *err);
    pn_status (*end)(void *self, const pn_tab_result *r, pn_error *err);
} pn_output_driver;

/* A driver and its state, both lent by whoever made it (a value: copy it freely). */
typedef struct pn_output {
    const pn_output_driver *driver;
    void *self;
} pn_output;

/*
 * pn_output_write - write the result @r (lent) through @o.
 * Returns PN_OK; PN_EINTERNAL when @r has no part, or a part lacks the table of the result's
 * kind or holds one that was not computed (pn_*_compute); the driver's errors (PN_EIO when a
 * file cannot be written, PN_EINPUT for the workbook's sheet names, PN_ENOMEM).
 */
PN_MUST_USE pn_status pn_output_write(const pn_output *o, const pn_tab_result *r, pn_error *err);

/*
 * The text driver, writing to @out (lent; it stays the caller's to close). A split result is
 * PN_TAB_SPLIT_NOTE, then each network's table under a line "== Centres sociaux ==" (its own
 * label as title); a pooled one is its one table. Frequencies: n, %, valid %, cumulative %
 * when ordered, the Wilson interval, a non-response and a total row. Multiple response: n,
 * % of responses, % of respondents, then the respondents and non-response. Cross-tab: counts,
 * row and column % with their totals, then the tests. Multiple-response cross-tab: options by
 * columns (count and % of the column's respondents), the "Ensemble" column, each column's
 * respondents and non-response, and PN_MULTI_CROSSTAB_NOTE.
 */
pn_output pn_output_text(FILE *out);

/* The CSV driver, writing to @out (lent): the header line, then every part (see above). */
pn_output pn_output_csv(FILE *out);

/* Format @x with %.17g semantics but always with '.' and without depending on the locale.
 * @buf must hold at least 32 bytes. Returns @buf. NaN prints as "" (an empty CSV cell), a masked
 * figure (pn_masked, the secret statistique) as "s". */
char *pn_format_number(char *buf, double x);

#endif
