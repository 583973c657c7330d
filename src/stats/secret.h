/*
 * secret.h - statistical disclosure control (secret statistique) of a table of counts.
 *
 * The primary rule (INSEE's frequency rule): a published count built from 1 to n - 1 units
 * is masked; zeros are published. Secondary suppression: more cells are masked so that no
 * masked count can be worked out from what the table publishes (its cells and margins).
 *
 * The table is a grid of (r + 1) x (c + 1) counts: cell (i, j) for i < r, j < c, the row
 * margins in column c and the column margins in row r, the grand total at (r, c). A one-way
 * table (a frequency table) has c = 0: its r counts are column 0 and their total is at (r, 0).
 * Every column of the grid is an equation (its cells add up to the margin below), and when
 * c > 0 every row too, the margin row and column included (the margins add up to the grand
 * total).
 *
 * The method, and why it protects: write u(i, j) = s(i, j) v(i, j), with s = -1 on the
 * margin row or column (+1 at the grand total, on both), and every equation says a row or a
 * column of u sums to 0. Take the bipartite graph whose vertices are the grid's rows and
 * columns and whose edges are the masked cells. If every masked cell is nonzero and lies on a
 * cycle of that graph (every cycle is even; a cell of a one-way table, whose row is no
 * equation, joins its column to one common free vertex), adding +1 and -1 in turn to u around
 * the cycle
 * keeps every equation and every count >= 0: each masked count could be one more or one less,
 * and is not determined by the published ones. So: (1) the primary cells are masked; (2) for
 * each line (equation) with masked cells, whose masked cells add up to less than n while its
 * margin is published (each would be known to be small), or with one masked cell alone, the
 * smallest nonzero published cell of the line is masked too; (3) while a masked cell is a
 * bridge of the graph (on no cycle), the smallest nonzero published cell that joins the two
 * sides it separates is masked, which puts it on a cycle; (2) and (3) are repeated until
 * nothing changes. A zero is never masked: masked at zero, a cycle could only move one way.
 * A one-way table is one equation: two masked nonzero cells in it can trade a unit.
 *
 * May call: util, GSL (pure: no I/O, no store).
 */
#ifndef PN_STATS_SECRET_H
#define PN_STATS_SECRET_H

#include <stddef.h>

#include "util/error.h"

/* What a cell of a protected table is. */
enum { PN_SECRET_SHOWN = 0, PN_SECRET_PRIMARY = 1, PN_SECRET_SECONDARY = 2 };

/*
 * pn_secret_protect - the mask of the (r + 1) x (c + 1) grid @v (row-major, c + 1 values a
 * row, the margins last: see above) for threshold @n: @mask[i * (c + 1) + j] set to
 * PN_SECRET_SHOWN, _PRIMARY or _SECONDARY. @n <= 1 masks nothing. The counts must be whole
 * numbers >= 0 and add up (PN_EINTERNAL otherwise); PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_secret_protect(size_t r, size_t c, const double *v, double n,
                                        unsigned char *mask, pn_error *err);

/* pn_secret_protect_forced - the same, the cells where @forced (NULL: none) is nonzero masked
 * from the start (the counts another table publishes beside this one, to mask alike). */
PN_MUST_USE pn_status pn_secret_protect_forced(size_t r, size_t c, const double *v, double n,
                                               const unsigned char *forced, unsigned char *mask,
                                               pn_error *err);

/*
 * pn_secret_protect_with - the same, when the table also publishes @nextra linear functions of
 * its inner counts (@extra: nextra rows of r * c coefficients, row-major like the counts; the
 * diagonal's sum that a kappa gives, say): after the rules above, while a masked count is
 * determined by all the equations (the grid's and these), a nonzero count of its row or column
 * is masked too and the rules run again. When no count is left to mask, *@extra_ok is 0: the
 * functions must not be published, and @mask is pn_secret_protect's (else *@extra_ok is 1).
 */
PN_MUST_USE pn_status pn_secret_protect_with(size_t r, size_t c, const double *v,
                                             const double *extra, size_t nextra, double n,
                                             unsigned char *mask, int *extra_ok, pn_error *err);

#endif
