/*
 * protect.h - the secret statistique applied to a tabulated result: every table's counts
 * protected (secret.h), and every figure that would give a masked count replaced by
 * pn_masked() in the table itself, so that no writer can publish it.
 *
 * What is masked with a count: its percentages, interval, expected count and residual; with a
 * margin (a row's or column's total), every percentage of that row or column, the expected
 * counts of that row or column and the margin's share of the total; in a frequency table,
 * the cumulative percentages from the first masked count on; and when a cell is masked, the
 * tests of the table (chi-square, likelihood ratio, Cramér's V, Fisher; the kappa and the
 * observed agreement of a pairs table), which a masked count could be worked back from.
 * The non-response counts are shown: they say that some did not answer, not what anyone
 * answered. A multiple-response table's options add up to its responses (one-way protection);
 * its respondents, and the bases of a multiple-response cross-tab's columns, are counts of
 * their own (the frequency rule alone), as are the rows of such a cross-tab with their
 * "Ensemble" (each row one-way).
 *
 * May call: util, stats.
 */
#ifndef PN_STATS_PROTECT_H
#define PN_STATS_PROTECT_H

#include "stats/tabulate.h"

/* Protect every part of @r at threshold @n (n < 2: nothing is masked); r->secret = n, each
 * part's masked and tests_withheld set. PN_OK, PN_ENOMEM, PN_EINTERNAL (counts that do not
 * add up). */
PN_MUST_USE pn_status pn_tab_result_protect(pn_tab_result *r, double n, pn_error *err);

/*
 * pn_tab_results_protect - the same for the @nr results @rs that one workbook publishes
 * together, as linked tables: a frequency table is the margin of every cross-tab of its
 * variable, and two cross-tabs of one variable share their margins. For each variable, the
 * counts by category that its pooled tables publish (a frequency's counts, a cross-tab's row
 * or column margins) are compared category by category: a count they publish alike is masked
 * in all or in none; where two differ by 1 to n - 1 units (the units one counts and the other
 * does not, who left the cross-tab's other question unanswered, say), a cross-tab's margin is
 * masked so that the difference is no small count. Each table so forced is protected again,
 * until the tables agree. A network's own table (a split result) is protected alone.
 */
PN_MUST_USE pn_status pn_tab_results_protect(pn_tab_result *rs, size_t nr, double n, pn_error *err);

#endif
