/* tables.c - the xlsx driver (output/output.h): the table sheets of the workbook for
 * frequencies, multiple response, cross-tabs, the multiple-response cross-tab, a tabulate
 * result of one table or one per network. */
#include "report/workbook_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "output/output.h"
#include "util/strbuf.h"

/* ---- frequency table -------------------------------------------------------------------- */

/* The header row of a one-variable table: @heads, the first one left-aligned. */
static void put_heads(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t top, const char *const *heads,
                      lxw_col_t ncols)
{
    for (lxw_col_t c = 0; c < ncols; c++)
        wb_put_str(wb, ws, top, c, heads[c], c == 0 ? wb->f.head_left : wb->f.head);
    wb_set_row(wb, ws, top, 45);
    wb_head_row(wb, ws, top);
}

/*
 * The table @t with its head at row @top of @se, @note under it, and its chart titled
 * @title beside it; *@bottom: the first row below both. The other draw_ functions do the
 * same for their kind.
 */
static pn_status draw_freq(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                           const void *table, lxw_row_t top, const char *note, const char *title,
                           lxw_row_t *bottom, pn_error *err)
{
    const pn_freq *t = table;
    lxw_worksheet *ws = se->ws;
    int cum = t->ordered && t->cum_pct != NULL;
    int ci = t->ci_low != NULL && t->ci_high != NULL;
    const char *heads[7] = {"Modalit\xc3\xa9", "Effectif", "% du total",
                            ("% des r\xc3\xa9ponses "
                             "valides")};
    lxw_col_t ncols = 4;
    lxw_col_t cum_col = 0, ci_col = 0;
    if (cum) {
        cum_col = ncols;
        heads[ncols++] = "% cumul\xc3\xa9 (r\xc3\xa9ponses valides)";
    }
    if (ci) {
        ci_col = ncols;
        heads[ncols++] = "IC 95 % : borne basse";
        heads[ncols++] = "IC 95 % : borne haute";
    }
    put_heads(wb, ws, top, heads, ncols);

    double width = 14;
    lxw_row_t row = top + 1;
    lxw_format *of_total = wb_pct_format(wb, wb->f.pct, t->total);
    lxw_format *of_valid = wb_pct_format(wb, wb->f.pct, t->total - t->missing);
    for (size_t i = 0; i < t->k; i++, row++) {
        const char *label = pn_category_label(&t->cats[i]);
        width = fmax(width, (double)wb_text_width(label));
        wb_put_str(wb, ws, row, 0, label, wb->f.label);
        wb_put_num(wb, ws, row, 1, t->count[i], wb->f.count);
        wb_put_num(wb, ws, row, 2, t->pct[i], of_total);
        wb_put_num(wb, ws, row, 3, t->valid_pct[i], of_valid);
        if (cum)
            wb_put_num(wb, ws, row, cum_col, t->cum_pct[i], of_valid);
        if (ci) {
            wb_put_num(wb, ws, row, ci_col, t->ci_low[i], of_valid);
            wb_put_num(wb, ws, row, ci_col + 1, t->ci_high[i], of_valid);
        }
    }
    wb_put_str(wb, ws, row, 0, "Non-r\xc3\xa9ponse", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->missing, wb->f.count);
    wb_put_num(wb, ws, row, 2, t->missing_pct, of_total);
    row++;
    wb_put_str(wb, ws, row, 0, "Total", wb->f.total_label);
    wb_put_num(wb, ws, row, 1, t->total, wb->f.total_count);
    wb_put_num(wb, ws, row, 2, t->pct_total, wb->f.total_pct);
    wb_put_num(wb, ws, row, 3, t->valid_pct_total, wb->f.total_pct);
    for (lxw_col_t c = 4; c < ncols; c++)
        wb_put_str(wb, ws, row, c, "", wb->f.total_pct);

    width = wb_clamp(width + 2, 16, 60);
    wb_label_width(wb, se, width);
    wb_set_cols(wb, ws, 1, (lxw_col_t)(ncols - 1), 13);
    char lecture[512];
    row += wb_about(wb, ws, row + 2, ncols, width + 13.0 * (ncols - 1),
                    wb_freq_lecture(wb, t, lecture, sizeof lecture), NULL);
    row += wb_small_note(wb, ws, row + 2, ncols, width + 13.0 * (ncols - 1));
    wb_put_wrapped(wb, ws, row + 2, ncols, note, width + 13.0 * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 4 : 2);
    return wb_single_series_chart(
        wb, se, title, it->chart, top + 1, t->k, it->chart == PN_CHART_PIE ? 1 : 3,
        "% des r\xc3\xa9ponses valides", (lxw_col_t)(ncols + 1), bottom, err);
}

/* ---- multiple-response table ----------------------------------------------------------- */

static pn_status draw_multi(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                            const void *table, lxw_row_t top, const char *note, const char *title,
                            lxw_row_t *bottom, pn_error *err)
{
    const pn_multi *t = table;
    lxw_worksheet *ws = se->ws;
    const char *heads[] = {"Modalit\xc3\xa9", "Effectif", "% des r\xc3\xa9pondants",
                           "% des r\xc3\xa9ponses"};
    const lxw_col_t ncols = 4;
    put_heads(wb, ws, top, heads, ncols);

    double width = 14;
    lxw_row_t row = top + 1;
    lxw_format *of_cases = wb_pct_format(wb, wb->f.pct, t->cases);
    for (size_t i = 0; i < t->k; i++, row++) {
        const char *label = pn_category_label(&t->cats[i]);
        width = fmax(width, (double)wb_text_width(label));
        wb_put_str(wb, ws, row, 0, label, wb->f.label);
        wb_put_num(wb, ws, row, 1, t->count[i], wb->f.count);
        wb_put_num(wb, ws, row, 2, t->pct_cases[i], of_cases);
        wb_put_num(wb, ws, row, 3, t->pct_responses[i], wb_pct_format(wb, wb->f.pct, t->responses));
    }
    wb_put_str(wb, ws, row, 0, "Total des r\xc3\xa9ponses", wb->f.total_label);
    wb_put_num(wb, ws, row, 1, t->responses, wb->f.total_count);
    wb_put_num(wb, ws, row, 2, t->pct_cases_total, wb->f.total_pct);
    wb_put_num(wb, ws, row, 3, t->pct_responses_total, wb->f.total_pct);
    row += 2;
    wb_put_str(wb, ws, row, 0, "R\xc3\xa9pondants (base des % des r\xc3\xa9pondants)", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->cases, wb->f.count);
    row++;
    wb_put_str(wb, ws, row, 0,
               "Non-r\xc3\xa9ponse (aucune case coch\xc3\xa9"
               "e)",
               wb->f.label);
    wb_put_num(wb, ws, row, 1, t->missing, wb->f.count);

    width = wb_clamp(width + 2, 40, 60);
    wb_label_width(wb, se, width);
    wb_set_cols(wb, ws, 1, ncols - 1, 13);
    char lecture[512];
    row += wb_about(wb, ws, row + 2, ncols, width + 13.0 * (ncols - 1),
                    wb_multi_lecture(wb, t, lecture, sizeof lecture), NULL);
    row += wb_small_note(wb, ws, row + 2, ncols, width + 13.0 * (ncols - 1));
    wb_put_wrapped(wb, ws, row + 2, ncols, note, width + 13.0 * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 4 : 2);

    pn_chart_kind kind = it->chart == PN_CHART_COLUMN ? PN_CHART_COLUMN
                         : it->chart == PN_CHART_NONE ? PN_CHART_NONE
                                                      : PN_CHART_BAR;
    return wb_single_series_chart(wb, se, title, kind, top + 1, t->k, 2, "% des r\xc3\xa9pondants",
                                  ncols + 1, bottom, err);
}

/* ---- cross-tab ------------------------------------------------------------------------- */

enum block { BLOCK_COUNT, BLOCK_ROW_PCT, BLOCK_COL_PCT, BLOCK_EXPECTED, BLOCK_RESID };

/* The height of a head row over @c categories in columns, which wrap in their column (as
 * draw_crosstab sets it: half the longest label, 10 to 18 characters); counted at four fifths
 * of a column's characters a line, for wider fonts than Calibri. */
static double head_height(const pn_category *cats, size_t c)
{
    double longest = 0;
    for (size_t j = 0; j < c; j++)
        longest = fmax(longest, (double)wb_text_width(pn_category_label(&cats[j])));
    double colw = wb_clamp(longest / 2 + 2, 10, 18);
    return 15.0 * wb_clamp(ceil(longest / (0.8 * colw)), 2, 6) + 4;
}

/* The figure of block @b at row @i, column @j of @t; @i == r is the total row, @j == c the
 * total column (NaN where the block has none: residuals). */
static double block_value(const pn_crosstab *t, enum block b, size_t i, size_t j)
{
    size_t r = t->r, c = t->c;
    if (i < r && j < c) {
        size_t ij = i * c + j;
        return b == BLOCK_COUNT      ? t->count[ij]
               : b == BLOCK_ROW_PCT  ? t->row_pct[ij]
               : b == BLOCK_COL_PCT  ? t->col_pct[ij]
               : b == BLOCK_EXPECTED ? t->expected[ij]
                                     : t->adj_resid[ij];
    }
    if (b == BLOCK_RESID)
        return NAN;
    if (i < r)
        return b == BLOCK_ROW_PCT   ? t->row_pct_total[i]
               : b == BLOCK_COL_PCT ? t->row_total_pct[i]
                                    : t->row_total[i];
    if (j < c)
        return b == BLOCK_ROW_PCT   ? t->col_total_pct[j]
               : b == BLOCK_COL_PCT ? t->col_pct_total[j]
                                    : t->col_total[j];
    return b == BLOCK_ROW_PCT || b == BLOCK_COL_PCT ? t->n_pct : t->n;
}

/* The format of block @b's figure at @i, @j (a percentage on a small base in italics: a row
 * percentage on its row's total, a column percentage on its column's). */
static lxw_format *block_format(pn_workbook *wb, const pn_crosstab *t, enum block b, size_t i,
                                size_t j)
{
    int total = i == t->r;
    switch (b) {
    case BLOCK_COUNT:
        return total ? wb->f.total_count : wb->f.count;
    case BLOCK_EXPECTED:
        return total ? wb->f.total_pct : wb->f.pct;
    case BLOCK_RESID:
        return wb->f.resid;
    case BLOCK_ROW_PCT:
        return total ? wb->f.total_pct : wb_pct_format(wb, wb->f.pct, t->row_total[i]);
    case BLOCK_COL_PCT:
        break;
    }
    if (total)
        return wb->f.total_pct;
    return wb_pct_format(wb, wb->f.pct, j < t->c ? t->col_total[j] : t->n);
}

/* One block of the cross-tab at @top; returns the first row after it. */
static lxw_row_t crosstab_block(pn_workbook *wb, lxw_worksheet *ws, const pn_crosstab *t,
                                enum block b, lxw_row_t top)
{
    static const char *const names[] = {
        "Effectifs", "Pourcentages en ligne (%)", "Pourcentages en colonne (%)",
        "Effectifs th\xc3\xa9oriques (si les deux variables \xc3\xa9taient ind\xc3\xa9pendantes)",
        "R\xc3\xa9sidus ajust\xc3\xa9s standardis\xc3\xa9s (au-del\xc3\xa0 de 2 en valeur absolue "
        ": "
        "\xc3\xa9"
        "cart notable \xc3\xa0 l'ind\xc3\xa9pendance)"};
    size_t r = t->r, c = t->c;

    wb_put_str(wb, ws, top, 0, names[b], wb->f.section);
    lxw_row_t head = top + 1;
    wb_put_str(wb, ws, head, 0, t->row_title && t->row_title[0] ? t->row_title : t->row_var,
               wb->f.head_left);
    for (size_t j = 0; j < c; j++)
        wb_put_str(wb, ws, head, (lxw_col_t)(j + 1), pn_category_label(&t->col_cats[j]),
                   wb->f.head);
    wb_put_str(wb, ws, head, (lxw_col_t)(c + 1), "Total", wb->f.head);
    wb_set_row(wb, ws, head, head_height(t->col_cats, c));
    wb_block(wb, ws, top, 0);
    for (size_t i = 0; i <= r; i++) {
        lxw_row_t row = head + 1 + (lxw_row_t)i;
        wb_put_str(wb, ws, row, 0, i < r ? pn_category_label(&t->row_cats[i]) : "Total",
                   i < r ? wb->f.label : wb->f.total_label);
        for (size_t j = 0; j <= c; j++)
            wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), block_value(t, b, i, j),
                       block_format(wb, t, b, i, j));
    }
    return head + 1 + (lxw_row_t)r + 2;
}

/* The tests under the blocks; returns the first row after them. */
static pn_status crosstab_tests(pn_workbook *wb, lxw_worksheet *ws, const pn_crosstab *t,
                                lxw_row_t top, double width, lxw_row_t *next, pn_error *err)
{
    pn_strbuf msg = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    char pct[32];

    wb_put_str(wb, ws, top, 0, "Tests d'ind\xc3\xa9pendance", wb->f.section);
    wb_block(wb, ws, top, 0);
    lxw_row_t row = top + 1;
    const char *heads[] = {"Test", "Valeur", "ddl", "p"};
    for (lxw_col_t k = 0; k < 4; k++)
        wb_put_str(wb, ws, row, k, heads[k], k == 0 ? wb->f.head_left : wb->f.head);
    row++;
    wb_put_str(wb, ws, row, 0, "Khi-deux de Pearson", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->chi2, wb->f.stat);
    wb_put_num(wb, ws, row, 2, t->chi2_df, wb->f.count);
    wb_put_num(wb, ws, row, 3, t->chi2_p, wb->f.p);
    row++;
    wb_put_str(wb, ws, row, 0, "Rapport de vraisemblance (G\xc2\xb2)", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->lr, wb->f.stat);
    wb_put_num(wb, ws, row, 2, t->chi2_df, wb->f.count);
    wb_put_num(wb, ws, row, 3, t->lr_p, wb->f.p);
    row++;
    wb_put_str(wb, ws, row, 0, "V de Cram\xc3\xa9r", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->cramer_v, wb->f.stat);
    row++;
    if (!isnan(t->fisher_p)) {
        wb_put_str(wb, ws, row, 0, "Test exact de Fisher (bilat\xc3\xa9ral)", wb->f.label);
        wb_put_num(wb, ws, row, 3, t->fisher_p, wb->f.p);
        row++;
    }
    wb_put_str(wb, ws, row, 0, "Effectif total", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->n, wb->f.count);
    row += 2;

    if (pn_is_masked(t->chi2)) {
        if (pn_strbuf_puts(&msg,
                           "Tests non publi\xc3\xa9s : des cases sont masqu\xc3\xa9"
                           "es "
                           "(secret statistique), qu'ils permettraient de retrouver.") != PN_OK)
            goto nomem;
    } else if (!(t->chi2_df > 0) || isnan(t->chi2)) {
        if (pn_strbuf_puts(&msg, "Tests non calculables : il faut au moins deux lignes et deux "
                                 "colonnes non vides.") != PN_OK)
            goto nomem;
    } else if (t->low_expected_pct > 20) {
        wb_french_decimal(pct, sizeof pct, t->low_expected_pct);
        if (pn_strbuf_printf(&msg,
                             "Attention : %s %% des cases (%zu) ont un effectif th\xc3\xa9orique "
                             "inf\xc3\xa9rieur \xc3\xa0 5. Au-del\xc3\xa0 de 20 %%, le khi-deux "
                             "et le rapport de vraisemblance sont peu fiables%s.",
                             pct, t->low_expected,
                             isnan(t->fisher_p) ? " : regrouper des modalit\xc3\xa9s"
                                                : " : se fier au test exact de Fisher") != PN_OK)
            goto nomem;
    }
    if (msg.len > 0) {
        wb_put_wrapped(wb, ws, row, 4, pn_strbuf_str(&msg), width + 36, wb->f.warn);
        row += 2;
    }
    if (t->unit == PN_UNIT_LINK) {
        wb_put_wrapped(wb, ws, row, 4, PN_LINK_UNIT_WARNING, width + 36, wb->f.warn);
        row += 2;
    }
    *next = row;
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    pn_strbuf_release(&msg);
    return st;
}

/* The chart of the cross-tab @t drawn at @top of @se (see draw_crosstab); *@bottom moves
 * below it. */
static pn_status crosstab_chart(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                                const pn_crosstab *t, lxw_row_t top, const char *title,
                                lxw_row_t *bottom, pn_error *err)
{
    lxw_worksheet *ws = se->ws;
    pn_status st = PN_OK;
    /* stacked: each column's distribution, drawn from the column percentages (a chart of
     * percentages, labelled with them), not Excel's 100 % stacking of the counts; when the
     * rows are the longer list (towns), each row's distribution, from the row
     * percentages, as horizontal bars read top-down */
    int shares = it->chart != PN_CHART_COLUMN && it->chart != PN_CHART_BAR;
    int by_rows = shares && t->r > 12 && t->r > t->c;
    uint8_t type = it->chart == PN_CHART_COLUMN ? LXW_CHART_COLUMN
                   : it->chart == PN_CHART_BAR  ? LXW_CHART_BAR
                   : by_rows                    ? LXW_CHART_BAR_STACKED
                                                : LXW_CHART_COLUMN_STACKED;
    lxw_chart *chart = workbook_add_chart(wb->lxw, type);
    const char *cat_title = by_rows ? t->row_title : t->col_title;
    char *axis = wb_keep(wb, cat_title && cat_title[0] ? cat_title
                             : by_rows                 ? t->row_var
                                                       : t->col_var);
    char *vaxis = wb_keep(wb, shares ? "R\xc3\xa9partition (%)" : "Effectif");
    if (chart == NULL || axis == NULL || vaxis == NULL ||
        wb_chart_title(wb, chart, title) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
        return st;
    }
    /* the head of the counts' block, of the row percentages' (the second block) or of the
     * column percentages' (the third) */
    lxw_row_t head = top + 1 + (shares ? (by_rows ? 1 : 2) * ((lxw_row_t)t->r + 4) : 0);
    int labels = shares ? (by_rows ? t->r <= 12 && t->c <= 6 : t->c <= 12 && t->r <= 6)
                        : (t->r * t->c <= 24);
    size_t nseries = by_rows ? t->c : t->r;
    for (size_t i = 0; i < nseries; i++) {
        lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
        if (s == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
            return st;
        }
        if (by_rows) { /* series: a column (class); categories: the rows (towns) */
            lxw_col_t col = (lxw_col_t)(i + 1);
            lxw_row_t last = head + (lxw_row_t)t->r;
            chart_series_set_categories(s, se->name, head + 1, 0, last, 0);
            chart_series_set_values(s, se->name, head + 1, col, last, col);
            chart_series_set_name_range(s, se->name, head, col);
        } else {
            lxw_row_t data = head + 1 + (lxw_row_t)i;
            chart_series_set_categories(s, se->name, head, 1, head, (lxw_col_t)t->c);
            chart_series_set_values(s, se->name, data, 1, data, (lxw_col_t)t->c);
            chart_series_set_name_range(s, se->name, data, 0);
        }
        if (labels) {
            chart_series_set_labels(s);
            chart_series_set_labels_num_format(s, "0");
        }
    }
    if (shares)
        chart_set_series_overlap(chart, 100);
    chart_set_series_gap(chart, 60);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_axis *cat = NULL, *val = wb_chart_axes(chart, type, &cat);
    chart_axis_set_name(cat, axis);
    chart_axis_set_name(val, vaxis);
    if (shares) {
        chart_axis_set_min(val, 0);
        chart_axis_set_max(val, 100);
    }
    lxw_chart_options opt = {.x_offset = 10,
                             .x_scale = wb_clamp((160.0 + 80.0 * (double)t->c) / 480.0, 1.25, 2.6),
                             /* room for slanted labels of many columns */
                             .y_scale = t->c > 12 ? 2.2 : 1.35};
    /* beside the table; a bar a row (16 pixels each) under it, as a block of its own that
     * begins a page when the sheet takes several: a long table is printed as wide as
     * the page allows, and no page cuts the chart */
    lxw_row_t at = top;
    lxw_col_t at_col = (lxw_col_t)(t->c + 3);
    if (by_rows) {
        at = *bottom + 1;
        at_col = 0;
        opt.x_scale = 1.6;
        opt.y_scale = wb_clamp((100.0 + 16.0 * (double)t->r) / 288.0, 1.35, 8.0);
        wb_block(wb, ws, at++, 1); /* a row above it: LibreOffice draws a chart that
                                    * touches a page's last row on that page too */
    }
    wb_insert_chart(wb, ws, at, at_col, chart, &opt);
    lxw_row_t below = wb_chart_bottom(at, opt.y_scale);
    if (below > *bottom)
        *bottom = below;

    return st;
}

static pn_status draw_crosstab(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                               const void *table, lxw_row_t top, const char *note,
                               const char *title, lxw_row_t *bottom, pn_error *err)
{
    const pn_crosstab *t = table;
    lxw_worksheet *ws = se->ws;
    pn_status st = PN_OK;
    lxw_row_t row = top;
    row = crosstab_block(wb, ws, t, BLOCK_COUNT, row);
    row = crosstab_block(wb, ws, t, BLOCK_ROW_PCT, row);
    row = crosstab_block(wb, ws, t, BLOCK_COL_PCT, row);
    if (it->expected) /* the spec's cells column */
        row = crosstab_block(wb, ws, t, BLOCK_EXPECTED, row);
    if (it->residuals)
        row = crosstab_block(wb, ws, t, BLOCK_RESID, row);

    double width = 16;
    width = fmax(width, (double)wb_text_width(t->row_title));
    for (size_t i = 0; i < t->r; i++)
        width = fmax(width, (double)wb_text_width(pn_category_label(&t->row_cats[i])));
    width = wb_clamp(width + 2, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < t->c; j++)
        colw = fmax(colw, (double)wb_text_width(pn_category_label(&t->col_cats[j])) / 2 + 2);
    colw = wb_clamp(colw, 10, 18);
    wb_label_width(wb, se, width);
    wb_set_cols(wb, ws, 1, (lxw_col_t)(t->c + 1), colw);

    if ((st = crosstab_tests(wb, ws, t, row, width, &row, err)) != PN_OK)
        return st;
    lxw_col_t ncols = (lxw_col_t)(t->c + 2 > 4 ? t->c + 2 : 4);
    char lecture[512], left[256];
    wb_left_out_text(wb, t, left, sizeof left);
    row += wb_about(wb, ws, row, ncols, width + colw * (ncols - 1),
                    wb_crosstab_lecture(wb, t, lecture, sizeof lecture), left);
    row += wb_small_note(wb, ws, row, ncols, width + colw * (ncols - 1));
    wb_put_wrapped(wb, ws, row, ncols, note, width + colw * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 2 : 0);

    if (it->chart != PN_CHART_NONE && t->r > 0 && t->c > 0)
        st = crosstab_chart(wb, se, it, t, top, title, bottom, err);
    return st;
}

static pn_status crosstab_info(pn_strbuf *info, const char *row_title, const char *row_var,
                               const char *col_title, const char *col_var)
{
    return pn_strbuf_printf(info, "Lignes : %s (variable %s) ; colonnes : %s (variable %s)",
                            row_title && row_title[0] ? row_title : row_var, row_var ? row_var : "",
                            col_title && col_title[0] ? col_title : col_var,
                            col_var ? col_var : "");
}

/* ---- multiple-response cross-tab -------------------------------------------------------- */

/* The head of a block of the multiple-response cross-tab at @row. */
static void multi_crosstab_head(pn_workbook *wb, lxw_worksheet *ws, const pn_multi_crosstab *t,
                                lxw_row_t row)
{
    wb_put_str(wb, ws, row, 0, t->row_title && t->row_title[0] ? t->row_title : t->row_var,
               wb->f.head_left);
    for (size_t j = 0; j < t->c; j++)
        wb_put_str(wb, ws, row, (lxw_col_t)(j + 1), pn_category_label(&t->col_cats[j]), wb->f.head);
    wb_put_str(wb, ws, row, (lxw_col_t)(t->c + 1), "Ensemble", wb->f.head);
    wb_set_row(wb, ws, row, head_height(t->col_cats, t->c));
    wb_block(wb, ws, row > 0 ? row - 1 : row, 0);
}

/*
 * Two blocks: the counts, with each column's respondents (the base) and non-response under
 * them; the % of each column's respondents. Then the note that there is no chi-square.
 * Chart: one series per column category, the % of its respondents over the options,
 * clustered bars (column when the item says column).
 */
static pn_status draw_multi_crosstab(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                                     const void *table, lxw_row_t top, const char *note,
                                     const char *title, lxw_row_t *bottom, pn_error *err)
{
    const pn_multi_crosstab *t = table;
    lxw_worksheet *ws = se->ws;
    size_t r = t->r, c = t->c;
    lxw_row_t row = top;

    wb_put_str(wb, ws, row++, 0, "Effectifs", wb->f.section);
    multi_crosstab_head(wb, ws, t, row++);
    for (size_t i = 0; i < r; i++, row++) {
        wb_put_str(wb, ws, row, 0, pn_category_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++)
            wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->count[i * c + j], wb->f.count);
        wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), t->row_total[i], wb->f.count);
    }
    wb_put_str(wb, ws, row, 0, "R\xc3\xa9pondants (base des %)", wb->f.total_label);
    for (size_t j = 0; j < c; j++)
        wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->cases[j], wb->f.total_count);
    wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_cases, wb->f.total_count);
    row++;
    wb_put_str(wb, ws, row, 0,
               "Non-r\xc3\xa9ponse (aucune case coch\xc3\xa9"
               "e)",
               wb->f.label);
    for (size_t j = 0; j < c; j++)
        wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->missing[j], wb->f.count);
    wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_missing, wb->f.count);
    row += 2;

    wb_put_str(wb, ws, row++, 0, "Pourcentages des r\xc3\xa9pondants de chaque colonne (%)",
               wb->f.section);
    lxw_row_t pct_head = row;
    multi_crosstab_head(wb, ws, t, row++);
    for (size_t i = 0; i < r; i++, row++) {
        wb_put_str(wb, ws, row, 0, pn_category_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++)
            wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->col_pct[i * c + j],
                       wb_pct_format(wb, wb->f.pct, t->cases[j]));
        wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_pct[i], wb->f.pct);
    }
    row++;

    double width = 16;
    width = fmax(width, (double)wb_text_width(t->row_title));
    for (size_t i = 0; i < r; i++)
        width = fmax(width, (double)wb_text_width(pn_category_label(&t->row_cats[i])));
    width = wb_clamp(width + 2, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < c; j++)
        colw = fmax(colw, (double)wb_text_width(pn_category_label(&t->col_cats[j])) / 2 + 2);
    colw = wb_clamp(colw, 10, 18);
    wb_label_width(wb, se, width);
    wb_set_cols(wb, ws, 1, (lxw_col_t)(c + 1), colw);
    lxw_col_t ncols = (lxw_col_t)(c + 2 > 4 ? c + 2 : 4);
    wb_put_wrapped(wb, ws, row, ncols, PN_MULTI_CROSSTAB_NOTE, width + colw * (ncols - 1),
                   wb->f.warn);
    row += 2;
    char lecture[512];
    row += wb_about(wb, ws, row, ncols, width + colw * (ncols - 1),
                    wb_multi_crosstab_lecture(wb, t, lecture, sizeof lecture), NULL);
    row += wb_small_note(wb, ws, row, ncols, width + colw * (ncols - 1));
    wb_put_wrapped(wb, ws, row, ncols, note, width + colw * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 2 : 0);

    if (it->chart == PN_CHART_NONE || r == 0 || c == 0)
        return PN_OK;
    uint8_t type = it->chart == PN_CHART_COLUMN ? LXW_CHART_COLUMN : LXW_CHART_BAR;
    lxw_chart *chart = workbook_add_chart(wb->lxw, type);
    char *vaxis = wb_keep(wb, "% des r\xc3\xa9pondants");
    if (chart == NULL || vaxis == NULL || wb_chart_title(wb, chart, title) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
    for (size_t j = 0; j < c; j++) {
        lxw_chart_series *sr = chart_add_series(chart, NULL, NULL);
        if (sr == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
        lxw_col_t col = (lxw_col_t)(j + 1);
        chart_series_set_categories(sr, se->name, pct_head + 1, 0, pct_head + (lxw_row_t)r, 0);
        chart_series_set_values(sr, se->name, pct_head + 1, col, pct_head + (lxw_row_t)r, col);
        chart_series_set_name_range(sr, se->name, pct_head, col);
        if (r * c <= 24) {
            chart_series_set_labels(sr);
            chart_series_set_labels_num_format(sr, "0");
        }
    }
    chart_set_series_gap(chart, 60);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_axis *val = wb_chart_axes(chart, type, NULL);
    chart_axis_set_name(val, vaxis);
    chart_axis_set_min(val, 0);
    chart_axis_set_num_format(val, "0");
    double bars = (double)(r * (c ? c : 1));
    lxw_chart_options opt = {
        .x_offset = 10,
        .x_scale = 1.5,
        .y_scale = type == LXW_CHART_BAR ? wb_clamp((80.0 + 16.0 * bars) / 288.0, 1.2, 4.0) : 1.35};
    wb_insert_chart(wb, ws, top, (lxw_col_t)(c + 3), chart, &opt);
    lxw_row_t below = wb_chart_bottom(top, opt.y_scale);
    if (below > *bottom)
        *bottom = below;
    return PN_OK;
}

/* ---- the agreement of the pairs ---------------------------------------------------------- */

/* The centre's answer (rows) by the school's (columns), the pairs' counts, then the measures
 * of agreement, the note on what a pair is and the item's note. No chart. */
static pn_status draw_agreement(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                                const void *table, lxw_row_t top, const char *note,
                                const char *title, lxw_row_t *bottom, pn_error *err)
{
    const pn_agreement *t = table;
    lxw_worksheet *ws = se->ws;
    size_t k = t->k;
    (void)it;
    (void)title;
    (void)err;
    wb_put_str(wb, ws, top, 0, "Effectifs (paires)", wb->f.section);
    lxw_row_t head = top + 1;
    wb_put_str(wb, ws, head, 0,
               "Centre social \\ \xc3\x89"
               "cole",
               wb->f.head_left);
    for (size_t j = 0; j < k; j++)
        wb_put_str(wb, ws, head, (lxw_col_t)(j + 1), pn_category_label(&t->cats[j]), wb->f.head);
    wb_put_str(wb, ws, head, (lxw_col_t)(k + 1), "Total", wb->f.head);
    wb_set_row(wb, ws, head, head_height(t->cats, k));
    wb_block(wb, ws, top, 0);
    for (size_t i = 0; i < k; i++) {
        lxw_row_t row = head + 1 + (lxw_row_t)i;
        wb_put_str(wb, ws, row, 0, pn_category_label(&t->cats[i]), wb->f.label);
        for (size_t j = 0; j < k; j++)
            wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->count[i * k + j], wb->f.count);
        wb_put_num(wb, ws, row, (lxw_col_t)(k + 1), t->row_total[i], wb->f.count);
    }
    lxw_row_t row = head + 1 + (lxw_row_t)k;
    wb_put_str(wb, ws, row, 0, "Total", wb->f.total_label);
    for (size_t j = 0; j < k; j++)
        wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->col_total[j], wb->f.total_count);
    wb_put_num(wb, ws, row, (lxw_col_t)(k + 1), t->n, wb->f.total_count);
    row += 2;

    wb_put_str(wb, ws, row, 0, "Accord entre les deux points de vue", wb->f.section);
    row++;
    const char *heads[] = {"Mesure", "Valeur"};
    put_heads(wb, ws, row, heads, 2);
    row++;
    const struct {
        const char *label;
        double v;
        lxw_format *f;
    } m[] = {
        {"Paires compar\xc3\xa9"
         "es",
         t->n, wb->f.count},
        {"Paires sans r\xc3\xa9ponse d'un c\xc3\xb4t\xc3\xa9 (\xc3\xa9"
         "cart\xc3\xa9"
         "es)",
         t->missing, wb->f.count},
        {"Paires d\xc3\xa9"
         "clar\xc3\xa9"
         "es plus d'une fois par un c\xc3\xb4t\xc3\xa9 "
         "(\xc3\xa9"
         "cart\xc3\xa9"
         "es)",
         t->multiple, wb->f.count},
        {"Accord observ\xc3\xa9 (%)", t->agree_pct, wb_pct_format(wb, wb->f.pct, t->n)},
        {"Accord attendu par hasard (%)", t->chance_pct, wb_pct_format(wb, wb->f.pct, t->n)},
        {"Kappa de Cohen", t->kappa, wb->f.stat},
        {"Erreur type asymptotique", t->ase, wb->f.stat},
        {"Intervalle de confiance \xc3\xa0 95 % : borne basse", t->ci_low, wb->f.stat},
        {"Intervalle de confiance \xc3\xa0 95 % : borne haute", t->ci_high, wb->f.stat},
        {"T (si l'accord n'\xc3\xa9tait d\xc3\xbb qu'au hasard)", t->t, wb->f.stat},
        {"p", t->p, wb->f.p},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++, row++) {
        wb_put_str(wb, ws, row, 0, m[i].label, wb->f.label);
        wb_put_num(wb, ws, row, 1, m[i].v, m[i].f);
    }
    row++;
    double width = 30;
    for (size_t i = 0; i < k; i++)
        width = fmax(width, (double)wb_text_width(pn_category_label(&t->cats[i])) + 2);
    width = wb_clamp(width, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < k; j++)
        colw = fmax(colw, (double)wb_text_width(pn_category_label(&t->cats[j])) / 2 + 2);
    colw = wb_clamp(colw, 10, 18);
    wb_label_width(wb, se, width);
    wb_set_cols(wb, ws, 1, (lxw_col_t)(k + 1), colw);
    lxw_col_t ncols = (lxw_col_t)(k + 2);
    wb_put_wrapped(wb, ws, row, ncols, PN_PAIRS_NOTE, width + colw * (ncols - 1), wb->f.note);
    row += 2;
    char lecture[512];
    row += wb_about(wb, ws, row, ncols, width + colw * (ncols - 1),
                    wb_agreement_lecture(t, lecture, sizeof lecture), NULL);
    row += wb_small_note(wb, ws, row, ncols, width + colw * (ncols - 1));
    wb_put_wrapped(wb, ws, row, ncols, note, width + colw * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 2 : 0);
    return PN_OK;
}

/* ---- the xlsx driver: a tabulate result as one sheet -------------------------------------- */

/* The driver's state: the sheet of one item. A result of one pooled table is the sheet of that
 * table alone; any other (one table per network) is one sheet that stacks them. */
typedef struct xlsx_sheet {
    pn_workbook *wb;
    const pn_report_item *it;
    sheet_entry *se;
    int stacked;   /* one sheet for several tables */
    lxw_row_t top; /* stacked: the row of the next table's heading */
} xlsx_sheet;

/* Where a table goes and what it says around it, as part_open chose. */
typedef struct xlsx_place {
    lxw_row_t top;     /* the row of its head */
    const char *note;  /* the item's note under it, NULL when another table follows */
    const char *title; /* its chart's title */
    pn_strbuf buf;     /* what title points into when stacked */
    pn_strbuf notes;   /* what note points into when cells are masked */
} xlsx_place;

/* The note under a table @p of @at: the item's note, and what "s" means when the secret
 * statistique masked counts. */
static pn_status secret_note(const pn_output_part *p, xlsx_place *at, pn_error *err)
{
    at->notes = (pn_strbuf)PN_STRBUF_INIT;
    if (p->part->masked == 0)
        return PN_OK;
    const char *note = at->note ? at->note : "";
    if (pn_strbuf_printf(&at->notes, "%s%s" PN_SECRET_NOTE, note, *note ? " " : "",
                         p->result->secret) != PN_OK) {
        pn_strbuf_release(&at->notes);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    at->note = pn_strbuf_str(&at->notes);
    return PN_OK;
}

static pn_status xlsx_begin(void *self, const pn_tab_result *r, pn_error *err)
{
    xlsx_sheet *x = self;
    pn_strbuf info = PN_STRBUF_INIT;
    lxw_worksheet *ws = NULL;
    pn_status st = PN_OK;
    x->stacked = !(r->split == NULL && r->nparts == 1);
    if (!x->stacked)
        return PN_OK;
    /* one sheet: the note on the split, then each network's table under its own heading */
    if (pn_strbuf_printf(&info, PN_TAB_SPLIT_NOTE, r->split ? r->split : "") != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = wb_begin_sheet(x->wb, x->it, pn_strbuf_str(&info), NULL, &ws, &x->se, err)) != PN_OK)
        goto out;
    worksheet_freeze_panes(ws, HEAD_ROW, 0);
    x->top = HEAD_ROW;
out:
    pn_strbuf_release(&info);
    return st;
}

/*
 * Make room for the table of @p: alone, its sheet (@info, the question line under the title;
 * @fallback_title for a spec without title; the label column frozen when @freeze_labels);
 * stacked, its heading "<network> — <info>". Fills @at.
 */
static pn_status part_open(xlsx_sheet *x, const pn_output_part *p, const char *info,
                           const char *fallback_title, int freeze_labels, xlsx_place *at,
                           pn_error *err)
{
    pn_workbook *wb = x->wb;
    lxw_worksheet *ws = NULL;
    pn_status st;
    if (!x->stacked) {
        if ((st = wb_begin_sheet(wb, x->it, info, fallback_title, &ws, &x->se, err)) != PN_OK)
            return st;
        if (freeze_labels)
            worksheet_freeze_panes(ws, 0, 1); /* the blocks have their own heads */
        *at = (xlsx_place){HEAD_ROW, x->it->note, x->se->title, PN_STRBUF_INIT, PN_STRBUF_INIT};
        return secret_note(p, at, err);
    }
    const char *net = p->part->network_label ? p->part->network_label : "";
    pn_strbuf head = PN_STRBUF_INIT;
    at->buf = (pn_strbuf)PN_STRBUF_INIT;
    if (pn_strbuf_printf(&head, "%s \xe2\x80\x94 %s", net, info) != PN_OK ||
        pn_strbuf_printf(&at->buf, "%s \xe2\x80\x94 %s", x->se->title, net) != PN_OK) {
        pn_strbuf_release(&head);
        pn_strbuf_release(&at->buf);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    /* the head of a table alone is on HEAD_ROW; here the network's heading is */
    wb_put_str(wb, x->se->ws, x->top, 0, pn_strbuf_str(&head), wb->f.section);
    pn_strbuf_release(&head);
    at->top = x->top + 1;
    at->note = p->index + 1 == p->result->nparts ? x->it->note : NULL;
    at->title = pn_strbuf_str(&at->buf);
    if ((st = secret_note(p, at, err)) != PN_OK)
        pn_strbuf_release(&at->buf);
    return st;
}

/* After the table drawn with @st, whose rows end before @bottom: a sheet alone is done. */
static pn_status part_close(xlsx_sheet *x, xlsx_place *at, lxw_row_t bottom, pn_status st,
                            pn_error *err)
{
    pn_strbuf_release(&at->buf);
    pn_strbuf_release(&at->notes);
    if (st != PN_OK)
        return st;
    if (x->stacked) {
        x->top = bottom + 1;
        return PN_OK;
    }
    return wb_end_sheet(x->wb, x->se->name, err);
}

/* How a table of one kind is drawn (draw_freq, ...): @table at @top of @se; see draw_freq. */
typedef pn_status (*draw_fn)(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                             const void *table, lxw_row_t top, const char *note, const char *title,
                             lxw_row_t *bottom, pn_error *err);

/* The table @t of @p drawn by @draw, on its own sheet or stacked (part_open, part_close);
 * @info: its question line, built with the status @info_st. */
static pn_status xlsx_table(xlsx_sheet *x, const pn_output_part *p, pn_status info_st,
                            const pn_strbuf *info, const char *fallback_title, int freeze_labels,
                            draw_fn draw, const void *t, pn_error *err)
{
    xlsx_place at;
    lxw_row_t bottom = 0;
    pn_status st;
    if (info_st != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    st = part_open(x, p, pn_strbuf_str(info), fallback_title, freeze_labels, &at, err);
    if (st != PN_OK)
        return st;
    x->wb->part = p;
    st = draw(x->wb, x->se, x->it, t, at.top, at.note, at.title, &bottom, err);
    x->wb->part = NULL;
    return part_close(x, &at, bottom, st, err);
}

/* " (plusieurs réponses possibles)" after a question line built with @st. */
static pn_status multiple(pn_strbuf *info, pn_status st)
{
    return st == PN_OK ? pn_strbuf_puts(info, " (plusieurs r\xc3\xa9ponses possibles)") : st;
}

static pn_status xlsx_freq(void *self, const pn_output_part *p, const pn_freq *t, pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    pn_status st = xlsx_table(self, p, wb_table_info(&info, t->title, t->var), &info, t->title, 0,
                              draw_freq, t, err);
    pn_strbuf_release(&info);
    return st;
}

static pn_status xlsx_multi(void *self, const pn_output_part *p, const pn_multi *t, pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    pn_status st = xlsx_table(self, p, multiple(&info, wb_table_info(&info, t->title, t->var)),
                              &info, t->title, 0, draw_multi, t, err);
    pn_strbuf_release(&info);
    return st;
}

static pn_status xlsx_crosstab(void *self, const pn_output_part *p, const pn_crosstab *t,
                               pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    pn_status st = xlsx_table(
        self, p, crosstab_info(&info, t->row_title, t->row_var, t->col_title, t->col_var), &info,
        t->row_title, 1, draw_crosstab, t, err);
    pn_strbuf_release(&info);
    return st;
}

static pn_status xlsx_multi_crosstab(void *self, const pn_output_part *p,
                                     const pn_multi_crosstab *t, pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    pn_status st = xlsx_table(
        self, p,
        multiple(&info, crosstab_info(&info, t->row_title, t->row_var, t->col_title, t->col_var)),
        &info, t->row_title, 1, draw_multi_crosstab, t, err);
    pn_strbuf_release(&info);
    return st;
}

static pn_status xlsx_agreement(void *self, const pn_output_part *p, const pn_agreement *t,
                                pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    pn_status st = wb_table_info(&info, t->title, t->var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&info, " ; en lignes la r\xc3\xa9ponse du centre social, en colonnes "
                                   "celle de l'\xc3\xa9"
                                   "cole, pour les liens que les deux "
                                   "d\xc3\xa9"
                                   "clarent");
    st = xlsx_table(self, p, st, &info, t->title, 1, draw_agreement, t, err);
    pn_strbuf_release(&info);
    return st;
}

static pn_status xlsx_end(void *self, const pn_tab_result *r, pn_error *err)
{
    xlsx_sheet *x = self;
    (void)r;
    return x->stacked ? wb_end_sheet(x->wb, x->se->name, err) : PN_OK;
}

static const pn_output_driver xlsx_driver = {
    .name = "xlsx",
    .begin = xlsx_begin,
    .freq = xlsx_freq,
    .multi = xlsx_multi,
    .crosstab = xlsx_crosstab,
    .multi_crosstab = xlsx_multi_crosstab,
    .agreement = xlsx_agreement,
    .end = xlsx_end,
};

pn_status pn_workbook_add_result(pn_workbook *wb, const pn_report_item *it, const pn_tab_result *r,
                                 pn_error *err)
{
    xlsx_sheet x = {.wb = wb, .it = it};
    pn_output o = {&xlsx_driver, &x};
    pn_status st = pn_output_write(&o, r, err);
    /* a table refused before any sheet was begun: say which item's */
    if (st == PN_EINTERNAL && x.se == NULL)
        pn_error_prefix(err, "sheet '%s'", it && it->sheet ? it->sheet : "");
    return st;
}
