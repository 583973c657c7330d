/* tables.c - the table sheets of the workbook: frequencies, multiple response, cross-tabs,
 * the multiple-response cross-tab, and a tabulate result of one table or one per network. */
#include "report/workbook_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "stats/format.h"
#include "util/strbuf.h"

/* ---- frequency table -------------------------------------------------------------------- */

static pn_status freq_computed(const pn_report_item *it, const pn_freq *t, pn_error *err)
{
    if (t == NULL || (t->k > 0 && (t->count == NULL || t->pct == NULL || t->valid_pct == NULL)))
        return pn_error_set(err, PN_EINTERNAL,
                            "sheet '%s': the frequency table of '%s' was not "
                            "computed",
                            it && it->sheet ? it->sheet : "", t && t->var ? t->var : "");
    return PN_OK;
}

/*
 * The table @t with its head at row @top of @se, @note under it, and its chart titled
 * @title beside it; *@bottom: the first row below both. The other draw_ functions do the
 * same for their kind.
 */
static pn_status draw_freq(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                           const pn_freq *t, lxw_row_t top, const char *note, const char *title,
                           lxw_row_t *bottom, pn_error *err)
{
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
    for (lxw_col_t c = 0; c < ncols; c++)
        wb_put_str(wb, ws, top, c, heads[c], c == 0 ? wb->f.head_left : wb->f.head);
    wb_latch(wb, worksheet_set_row(ws, top, 45, NULL));

    double width = 14;
    lxw_row_t row = top + 1;
    for (size_t i = 0; i < t->k; i++, row++) {
        const char *label = wb_cat_label(&t->cats[i]);
        width = fmax(width, (double)wb_text_width(label));
        wb_put_str(wb, ws, row, 0, label, wb->f.label);
        wb_put_num(wb, ws, row, 1, t->count[i], wb->f.count);
        wb_put_num(wb, ws, row, 2, t->pct[i], wb->f.pct);
        wb_put_num(wb, ws, row, 3, t->valid_pct[i], wb->f.pct);
        if (cum)
            wb_put_num(wb, ws, row, cum_col, t->cum_pct[i], wb->f.pct);
        if (ci) {
            wb_put_num(wb, ws, row, ci_col, t->ci_low[i], wb->f.pct);
            wb_put_num(wb, ws, row, ci_col + 1, t->ci_high[i], wb->f.pct);
        }
    }
    wb_put_str(wb, ws, row, 0, "Non-r\xc3\xa9ponse", wb->f.label);
    wb_put_num(wb, ws, row, 1, t->missing, wb->f.count);
    wb_put_num(wb, ws, row, 2, wb_percent(t->missing, t->total), wb->f.pct);
    row++;
    wb_put_str(wb, ws, row, 0, "Total", wb->f.total_label);
    wb_put_num(wb, ws, row, 1, t->total, wb->f.total_count);
    wb_put_num(wb, ws, row, 2, t->total > 0 ? 100.0 : NAN, wb->f.total_pct);
    wb_put_num(wb, ws, row, 3, t->valid > 0 ? 100.0 : NAN, wb->f.total_pct);
    for (lxw_col_t c = 4; c < ncols; c++)
        wb_put_str(wb, ws, row, c, "", wb->f.total_pct);

    width = wb_clamp(width + 2, 16, 60);
    wb_label_width(wb, se, width);
    wb_latch(wb, worksheet_set_column(ws, 1, (lxw_col_t)(ncols - 1), 13, NULL));
    wb_put_wrapped(wb, ws, row + 2, ncols, note, width + 13.0 * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 4 : 2);
    return wb_single_series_chart(
        wb, se, title, it->chart, top + 1, t->k, it->chart == PN_CHART_PIE ? 1 : 3,
        "% des r\xc3\xa9ponses valides", (lxw_col_t)(ncols + 1), bottom, err);
}

pn_status pn_workbook_add_freq(pn_workbook *wb, const pn_report_item *it, const pn_freq *t,
                               pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    lxw_worksheet *ws = NULL;
    sheet_entry *se = NULL;
    lxw_row_t bottom;
    pn_status st;

    if ((st = freq_computed(it, t, err)) != PN_OK)
        goto out;
    if (wb_table_info(&info, t->title, t->var) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = wb_begin_sheet(wb, it, pn_strbuf_str(&info), t->title, &ws, &se, err)) != PN_OK)
        goto out;
    if ((st = draw_freq(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err)) != PN_OK)
        goto out;
    st = wb_end_sheet(wb, se->name, err);
out:
    pn_strbuf_release(&info);
    return st;
}

/* ---- multiple-response table ----------------------------------------------------------- */

static pn_status multi_computed(const pn_report_item *it, const pn_multi *t, pn_error *err)
{
    if (t == NULL ||
        (t->k > 0 && (t->count == NULL || t->pct_cases == NULL || t->pct_responses == NULL)))
        return pn_error_set(err, PN_EINTERNAL,
                            "sheet '%s': the multiple-response table of '%s' was not computed",
                            it && it->sheet ? it->sheet : "", t && t->var ? t->var : "");
    return PN_OK;
}

static pn_status draw_multi(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                            const pn_multi *t, lxw_row_t top, const char *note, const char *title,
                            lxw_row_t *bottom, pn_error *err)
{
    lxw_worksheet *ws = se->ws;
    const char *heads[] = {"Modalit\xc3\xa9", "Effectif", "% des r\xc3\xa9pondants",
                           "% des r\xc3\xa9ponses"};
    const lxw_col_t ncols = 4;
    for (lxw_col_t c = 0; c < ncols; c++)
        wb_put_str(wb, ws, top, c, heads[c], c == 0 ? wb->f.head_left : wb->f.head);
    wb_latch(wb, worksheet_set_row(ws, top, 45, NULL));

    double width = 14, sum_cases = 0;
    lxw_row_t row = top + 1;
    for (size_t i = 0; i < t->k; i++, row++) {
        const char *label = wb_cat_label(&t->cats[i]);
        width = fmax(width, (double)wb_text_width(label));
        wb_put_str(wb, ws, row, 0, label, wb->f.label);
        wb_put_num(wb, ws, row, 1, t->count[i], wb->f.count);
        wb_put_num(wb, ws, row, 2, t->pct_cases[i], wb->f.pct);
        wb_put_num(wb, ws, row, 3, t->pct_responses[i], wb->f.pct);
        sum_cases += t->pct_cases[i];
    }
    wb_put_str(wb, ws, row, 0, "Total des r\xc3\xa9ponses", wb->f.total_label);
    wb_put_num(wb, ws, row, 1, t->responses, wb->f.total_count);
    wb_put_num(wb, ws, row, 2, t->cases > 0 ? sum_cases : NAN, wb->f.total_pct);
    wb_put_num(wb, ws, row, 3, t->responses > 0 ? 100.0 : NAN, wb->f.total_pct);
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
    wb_latch(wb, worksheet_set_column(ws, 1, ncols - 1, 13, NULL));
    wb_put_wrapped(wb, ws, row + 2, ncols, note, width + 13.0 * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 4 : 2);

    pn_chart_kind kind = it->chart == PN_CHART_COLUMN ? PN_CHART_COLUMN
                         : it->chart == PN_CHART_NONE ? PN_CHART_NONE
                                                      : PN_CHART_BAR;
    return wb_single_series_chart(wb, se, title, kind, top + 1, t->k, 2, "% des r\xc3\xa9pondants",
                                  ncols + 1, bottom, err);
}

pn_status pn_workbook_add_multi(pn_workbook *wb, const pn_report_item *it, const pn_multi *t,
                                pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    lxw_worksheet *ws = NULL;
    sheet_entry *se = NULL;
    lxw_row_t bottom;
    pn_status st;

    if ((st = multi_computed(it, t, err)) != PN_OK)
        goto out;
    if (wb_table_info(&info, t->title, t->var) != PN_OK ||
        pn_strbuf_puts(&info, " (plusieurs r\xc3\xa9ponses possibles)") != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = wb_begin_sheet(wb, it, pn_strbuf_str(&info), t->title, &ws, &se, err)) != PN_OK)
        goto out;
    if ((st = draw_multi(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err)) != PN_OK)
        goto out;
    st = wb_end_sheet(wb, se->name, err);
out:
    pn_strbuf_release(&info);
    return st;
}

/* ---- cross-tab ------------------------------------------------------------------------- */

enum block { BLOCK_COUNT, BLOCK_ROW_PCT, BLOCK_COL_PCT };

/* One block of the cross-tab at @top; returns the first row after it. */
static lxw_row_t crosstab_block(pn_workbook *wb, lxw_worksheet *ws, const pn_crosstab *t,
                                enum block b, lxw_row_t top)
{
    static const char *const names[] = {"Effectifs", "Pourcentages en ligne (%)",
                                        "Pourcentages en colonne (%)"};
    size_t r = t->r, c = t->c;
    lxw_format *num = b == BLOCK_COUNT ? wb->f.count : wb->f.pct;
    lxw_format *tot = b == BLOCK_COUNT ? wb->f.total_count : wb->f.total_pct;

    wb_put_str(wb, ws, top, 0, names[b], wb->f.section);
    lxw_row_t head = top + 1;
    wb_put_str(wb, ws, head, 0, t->row_title && t->row_title[0] ? t->row_title : t->row_var,
               wb->f.head_left);
    for (size_t j = 0; j < c; j++)
        wb_put_str(wb, ws, head, (lxw_col_t)(j + 1), wb_cat_label(&t->col_cats[j]), wb->f.head);
    wb_put_str(wb, ws, head, (lxw_col_t)(c + 1), "Total", wb->f.head);
    wb_latch(wb, worksheet_set_row(ws, head, 32, NULL));

    for (size_t i = 0; i < r; i++) {
        lxw_row_t row = head + 1 + (lxw_row_t)i;
        wb_put_str(wb, ws, row, 0, wb_cat_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++) {
            double v = b == BLOCK_COUNT     ? t->count[i * c + j]
                       : b == BLOCK_ROW_PCT ? t->row_pct[i * c + j]
                                            : t->col_pct[i * c + j];
            wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), v, num);
        }
        double v = b == BLOCK_COUNT     ? t->row_total[i]
                   : b == BLOCK_ROW_PCT ? (t->row_total[i] > 0 ? 100.0 : NAN)
                                        : wb_percent(t->row_total[i], t->n);
        wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), v, num);
    }
    lxw_row_t row = head + 1 + (lxw_row_t)r;
    wb_put_str(wb, ws, row, 0, "Total", wb->f.total_label);
    for (size_t j = 0; j < c; j++) {
        double v = b == BLOCK_COUNT     ? t->col_total[j]
                   : b == BLOCK_ROW_PCT ? wb_percent(t->col_total[j], t->n)
                                        : (t->col_total[j] > 0 ? 100.0 : NAN);
        wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), v, tot);
    }
    wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), b == BLOCK_COUNT ? t->n : (t->n > 0 ? 100.0 : NAN),
               tot);
    return row + 2;
}

/* The tests under the blocks; returns the first row after them. */
static pn_status crosstab_tests(pn_workbook *wb, lxw_worksheet *ws, const pn_crosstab *t,
                                lxw_row_t top, double width, lxw_row_t *next, pn_error *err)
{
    pn_strbuf msg = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    char pct[32];

    wb_put_str(wb, ws, top, 0, "Tests d'ind\xc3\xa9pendance", wb->f.section);
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

    if (!(t->chi2_df > 0) || isnan(t->chi2)) {
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

static pn_status crosstab_computed(const pn_report_item *it, const pn_crosstab *t, pn_error *err)
{
    if (t == NULL || (t->r > 0 && t->c > 0 &&
                      (t->count == NULL || t->row_total == NULL || t->col_total == NULL ||
                       t->row_pct == NULL || t->col_pct == NULL)))
        return pn_error_set(err, PN_EINTERNAL, "sheet '%s': the cross-tab of '%s' was not computed",
                            it && it->sheet ? it->sheet : "", t && t->row_var ? t->row_var : "");
    return PN_OK;
}

static pn_status draw_crosstab(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                               const pn_crosstab *t, lxw_row_t top, const char *note,
                               const char *title, lxw_row_t *bottom, pn_error *err)
{
    lxw_worksheet *ws = se->ws;
    pn_status st = PN_OK;
    lxw_row_t row = top;
    row = crosstab_block(wb, ws, t, BLOCK_COUNT, row);
    row = crosstab_block(wb, ws, t, BLOCK_ROW_PCT, row);
    row = crosstab_block(wb, ws, t, BLOCK_COL_PCT, row);

    double width = 16;
    width = fmax(width, (double)wb_text_width(t->row_title));
    for (size_t i = 0; i < t->r; i++)
        width = fmax(width, (double)wb_text_width(wb_cat_label(&t->row_cats[i])));
    width = wb_clamp(width + 2, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < t->c; j++)
        colw = fmax(colw, (double)wb_text_width(wb_cat_label(&t->col_cats[j])) / 2 + 2);
    colw = wb_clamp(colw, 10, 18);
    wb_label_width(wb, se, width);
    wb_latch(wb, worksheet_set_column(ws, 1, (lxw_col_t)(t->c + 1), colw, NULL));

    if ((st = crosstab_tests(wb, ws, t, row, width, &row, err)) != PN_OK)
        return st;
    lxw_col_t ncols = (lxw_col_t)(t->c + 2 > 4 ? t->c + 2 : 4);
    wb_put_wrapped(wb, ws, row, ncols, note, width + colw * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 2 : 0);

    if (it->chart != PN_CHART_NONE && t->r > 0 && t->c > 0) {
        uint8_t type = it->chart == PN_CHART_COLUMN ? LXW_CHART_COLUMN
                       : it->chart == PN_CHART_BAR  ? LXW_CHART_BAR
                                                    : LXW_CHART_COLUMN_STACKED_PERCENT;
        lxw_chart *chart = workbook_add_chart(wb->lxw, type);
        char *axis = wb_keep(wb, t->col_title && t->col_title[0] ? t->col_title : t->col_var);
        char *vaxis = wb_keep(
            wb, type == LXW_CHART_COLUMN_STACKED_PERCENT ? "R\xc3\xa9partition (%)" : "Effectif");
        if (chart == NULL || axis == NULL || vaxis == NULL ||
            wb_chart_title(wb, chart, title) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
            return st;
        }
        lxw_row_t head = top + 1;
        int labels = type == LXW_CHART_COLUMN_STACKED_PERCENT ? (t->c <= 12 && t->r <= 6)
                                                              : (t->r * t->c <= 24);
        for (size_t i = 0; i < t->r; i++) {
            lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
            if (s == NULL) {
                st = pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
                return st;
            }
            lxw_row_t data = head + 1 + (lxw_row_t)i;
            chart_series_set_categories(s, se->name, head, 1, head, (lxw_col_t)t->c);
            chart_series_set_values(s, se->name, data, 1, data, (lxw_col_t)t->c);
            chart_series_set_name_range(s, se->name, data, 0);
            if (labels) {
                chart_series_set_labels(s);
                chart_series_set_labels_num_format(s, "0");
            }
        }
        if (type == LXW_CHART_COLUMN_STACKED_PERCENT)
            chart_set_series_overlap(chart, 100);
        chart_set_series_gap(chart, 60);
        chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
        lxw_chart_axis *cat = NULL, *val = wb_chart_axes(chart, type, &cat);
        chart_axis_set_name(cat, axis);
        chart_axis_set_name(val, vaxis);
        lxw_chart_options opt = {.x_offset = 10,
                                 .x_scale =
                                     wb_clamp((160.0 + 80.0 * (double)t->c) / 480.0, 1.25, 2.6),
                                 /* room for slanted labels of many columns */
                                 .y_scale = t->c > 12 ? 2.2 : 1.35};
        wb_latch(wb, worksheet_insert_chart_opt(ws, top, (lxw_col_t)(t->c + 3), chart, &opt));
        lxw_row_t below = wb_chart_bottom(top, opt.y_scale);
        if (below > *bottom)
            *bottom = below;
    }
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

pn_status pn_workbook_add_crosstab(pn_workbook *wb, const pn_report_item *it, const pn_crosstab *t,
                                   pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    lxw_worksheet *ws = NULL;
    sheet_entry *se = NULL;
    lxw_row_t bottom;
    pn_status st;

    if ((st = crosstab_computed(it, t, err)) != PN_OK)
        goto out;
    if (crosstab_info(&info, t->row_title, t->row_var, t->col_title, t->col_var) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = wb_begin_sheet(wb, it, pn_strbuf_str(&info), t->row_title, &ws, &se, err)) != PN_OK)
        goto out;
    worksheet_freeze_panes(ws, 0, 1); /* the blocks have their own heads: freeze the labels */
    if ((st = draw_crosstab(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err)) != PN_OK)
        goto out;
    st = wb_end_sheet(wb, se->name, err);
out:
    pn_strbuf_release(&info);
    return st;
}

/* ---- multiple-response cross-tab -------------------------------------------------------- */

static pn_status multi_crosstab_computed(const pn_report_item *it, const pn_multi_crosstab *t,
                                         pn_error *err)
{
    if (t == NULL || t->col_pct == NULL || t->row_total == NULL || t->total_pct == NULL)
        return pn_error_set(err, PN_EINTERNAL,
                            "sheet '%s': the multiple-response cross-tab of '%s' was not computed",
                            it && it->sheet ? it->sheet : "", t && t->row_var ? t->row_var : "");
    return PN_OK;
}

/* The head of a block of the multiple-response cross-tab at @row. */
static void multi_crosstab_head(pn_workbook *wb, lxw_worksheet *ws, const pn_multi_crosstab *t,
                                lxw_row_t row)
{
    wb_put_str(wb, ws, row, 0, t->row_title && t->row_title[0] ? t->row_title : t->row_var,
               wb->f.head_left);
    for (size_t j = 0; j < t->c; j++)
        wb_put_str(wb, ws, row, (lxw_col_t)(j + 1), wb_cat_label(&t->col_cats[j]), wb->f.head);
    wb_put_str(wb, ws, row, (lxw_col_t)(t->c + 1), "Ensemble", wb->f.head);
    wb_latch(wb, worksheet_set_row(ws, row, 32, NULL));
}

/*
 * Two blocks: the counts, with each column's respondents (the base) and non-response under
 * them; the % of each column's respondents. Then the note that there is no chi-square.
 * Chart: one series per column category, the % of its respondents over the options,
 * clustered bars (column when the item says column).
 */
static pn_status draw_multi_crosstab(pn_workbook *wb, sheet_entry *se, const pn_report_item *it,
                                     const pn_multi_crosstab *t, lxw_row_t top, const char *note,
                                     const char *title, lxw_row_t *bottom, pn_error *err)
{
    lxw_worksheet *ws = se->ws;
    size_t r = t->r, c = t->c;
    lxw_row_t row = top;

    wb_put_str(wb, ws, row++, 0, "Effectifs", wb->f.section);
    multi_crosstab_head(wb, ws, t, row++);
    for (size_t i = 0; i < r; i++, row++) {
        wb_put_str(wb, ws, row, 0, wb_cat_label(&t->row_cats[i]), wb->f.label);
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
        wb_put_str(wb, ws, row, 0, wb_cat_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++)
            wb_put_num(wb, ws, row, (lxw_col_t)(j + 1), t->col_pct[i * c + j], wb->f.pct);
        wb_put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_pct[i], wb->f.pct);
    }
    row++;

    double width = 16;
    width = fmax(width, (double)wb_text_width(t->row_title));
    for (size_t i = 0; i < r; i++)
        width = fmax(width, (double)wb_text_width(wb_cat_label(&t->row_cats[i])));
    width = wb_clamp(width + 2, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < c; j++)
        colw = fmax(colw, (double)wb_text_width(wb_cat_label(&t->col_cats[j])) / 2 + 2);
    colw = wb_clamp(colw, 10, 18);
    wb_label_width(wb, se, width);
    wb_latch(wb, worksheet_set_column(ws, 1, (lxw_col_t)(c + 1), colw, NULL));
    lxw_col_t ncols = (lxw_col_t)(c + 2 > 4 ? c + 2 : 4);
    wb_put_wrapped(wb, ws, row, ncols, PN_MULTI_CROSSTAB_NOTE, width + colw * (ncols - 1),
                   wb->f.warn);
    row += 2;
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
    wb_latch(wb, worksheet_insert_chart_opt(ws, top, (lxw_col_t)(c + 3), chart, &opt));
    lxw_row_t below = wb_chart_bottom(top, opt.y_scale);
    if (below > *bottom)
        *bottom = below;
    return PN_OK;
}

pn_status pn_workbook_add_multi_crosstab(pn_workbook *wb, const pn_report_item *it,
                                         const pn_multi_crosstab *t, pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT;
    lxw_worksheet *ws = NULL;
    sheet_entry *se = NULL;
    lxw_row_t bottom;
    pn_status st;

    if ((st = multi_crosstab_computed(it, t, err)) != PN_OK)
        goto out;
    if (crosstab_info(&info, t->row_title, t->row_var, t->col_title, t->col_var) != PN_OK ||
        pn_strbuf_puts(&info, " (plusieurs r\xc3\xa9ponses possibles)") != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = wb_begin_sheet(wb, it, pn_strbuf_str(&info), t->row_title, &ws, &se, err)) != PN_OK)
        goto out;
    worksheet_freeze_panes(ws, 0, 1);
    st = draw_multi_crosstab(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err);
    if (st == PN_OK)
        st = wb_end_sheet(wb, se->name, err);
out:
    pn_strbuf_release(&info);
    return st;
}

/* ---- a tabulate result: one table, or one per network -------------------------------------- */

static pn_status part_computed(const pn_report_item *it, pn_tab_kind kind, const pn_tab_part *p,
                               pn_error *err)
{
    switch (kind) {
    case PN_TAB_FREQ:
        return freq_computed(it, p->freq, err);
    case PN_TAB_MULTI:
        return multi_computed(it, p->multi, err);
    case PN_TAB_CROSSTAB:
        return crosstab_computed(it, p->xt, err);
    case PN_TAB_MULTI_CROSSTAB:
        return multi_crosstab_computed(it, p->mxt, err);
    }
    return pn_error_set(err, PN_EINTERNAL, "sheet '%s': a table of no known kind",
                        it && it->sheet ? it->sheet : "");
}

/* The question line of a part's table, as the sheet of a table alone has it. */
static pn_status part_info(pn_strbuf *sb, pn_tab_kind kind, const pn_tab_part *p)
{
    switch (kind) {
    case PN_TAB_FREQ:
        return wb_table_info(sb, p->freq->title, p->freq->var);
    case PN_TAB_MULTI:
        if (wb_table_info(sb, p->multi->title, p->multi->var) != PN_OK)
            return PN_ENOMEM;
        return pn_strbuf_puts(sb, " (plusieurs r\xc3\xa9ponses possibles)");
    case PN_TAB_CROSSTAB:
        return crosstab_info(sb, p->xt->row_title, p->xt->row_var, p->xt->col_title,
                             p->xt->col_var);
    case PN_TAB_MULTI_CROSSTAB:
        if (crosstab_info(sb, p->mxt->row_title, p->mxt->row_var, p->mxt->col_title,
                          p->mxt->col_var) != PN_OK)
            return PN_ENOMEM;
        return pn_strbuf_puts(sb, " (plusieurs r\xc3\xa9ponses possibles)");
    }
    return PN_EINTERNAL;
}

pn_status pn_workbook_add_result(pn_workbook *wb, const pn_report_item *it, const pn_tab_result *r,
                                 pn_error *err)
{
    pn_strbuf info = PN_STRBUF_INIT, head = PN_STRBUF_INIT, title = PN_STRBUF_INIT;
    lxw_worksheet *ws = NULL;
    sheet_entry *se = NULL;
    pn_status st = PN_OK;

    if (r == NULL || r->nparts == 0)
        return pn_error_set(err, PN_EINTERNAL, "sheet '%s': no table",
                            it && it->sheet ? it->sheet : "");
    if (r->split == NULL && r->nparts == 1) {
        const pn_tab_part *p = &r->parts[0];
        switch (r->kind) {
        case PN_TAB_FREQ:
            return pn_workbook_add_freq(wb, it, p->freq, err);
        case PN_TAB_MULTI:
            return pn_workbook_add_multi(wb, it, p->multi, err);
        case PN_TAB_CROSSTAB:
            return pn_workbook_add_crosstab(wb, it, p->xt, err);
        case PN_TAB_MULTI_CROSSTAB:
            return pn_workbook_add_multi_crosstab(wb, it, p->mxt, err);
        }
    }
    for (size_t i = 0; i < r->nparts; i++)
        if ((st = part_computed(it, r->kind, &r->parts[i], err)) != PN_OK)
            return st;
    /* one sheet: the note on the split, then each network's table under its own heading */
    if (pn_strbuf_printf(&info, PN_TAB_SPLIT_NOTE, r->split ? r->split : "") != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = wb_begin_sheet(wb, it, pn_strbuf_str(&info), NULL, &ws, &se, err)) != PN_OK)
        goto out;
    worksheet_freeze_panes(ws, HEAD_ROW, 0);
    lxw_row_t top = HEAD_ROW;
    for (size_t i = 0; i < r->nparts; i++) {
        const pn_tab_part *p = &r->parts[i];
        const char *net = p->network_label ? p->network_label : "";
        pn_strbuf_release(&head);
        pn_strbuf_release(&title);
        if (pn_strbuf_printf(&head, "%s \xe2\x80\x94 ", net) != PN_OK ||
            part_info(&head, r->kind, p) != PN_OK ||
            pn_strbuf_printf(&title, "%s \xe2\x80\x94 %s", se->title, net) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        /* the head of a table alone is on HEAD_ROW; here the network's heading is */
        wb_put_str(wb, ws, top, 0, pn_strbuf_str(&head), wb->f.section);
        const char *note = i + 1 == r->nparts ? it->note : NULL;
        const char *t = pn_strbuf_str(&title);
        lxw_row_t bottom = top;
        switch (r->kind) {
        case PN_TAB_FREQ:
            st = draw_freq(wb, se, it, p->freq, top + 1, note, t, &bottom, err);
            break;
        case PN_TAB_MULTI:
            st = draw_multi(wb, se, it, p->multi, top + 1, note, t, &bottom, err);
            break;
        case PN_TAB_CROSSTAB:
            st = draw_crosstab(wb, se, it, p->xt, top + 1, note, t, &bottom, err);
            break;
        case PN_TAB_MULTI_CROSSTAB:
            st = draw_multi_crosstab(wb, se, it, p->mxt, top + 1, note, t, &bottom, err);
            break;
        }
        if (st != PN_OK)
            goto out;
        top = bottom + 1;
    }
    st = wb_end_sheet(wb, se->name, err);
out:
    pn_strbuf_release(&info);
    pn_strbuf_release(&head);
    pn_strbuf_release(&title);
    return st;
}
