/*
 * workbook.c - the funders' workbook, written with libxlsxwriter (see report.h).
 *
 * libxlsxwriter keeps every sheet in memory until workbook_close(), so the cover (the
 * first sheet) is filled last, when the list of sheets and the key counts are known, and
 * the footers, which carry the data date, are set then too.
 *
 * Some libxlsxwriter calls keep the pointers they are given (chart titles, axis names,
 * series ranges) until the file is written; everything handed to them is a copy owned by
 * the pn_workbook (wb_keep()), since the caller's items and tables are only lent.
 *
 * Cell writes do not stop at the first libxlsxwriter failure: the first one is latched in
 * wb->lxw_err (like ferror) and reported once at the end of the table.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "report/report.h"
#include "report/workbook_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "output/output.h"
#include "util/decode.h"
#include "util/date.h"
#include "util/strbuf.h"

/* ---- small helpers ------------------------------------------------------------------- */

/* A copy of @s owned by @wb until close or destroy; NULL when out of memory. */
char *wb_keep(pn_workbook *wb, const char *s)
{
    if (wb->nkept == wb->capkept) {
        size_t cap = wb->capkept ? 2 * wb->capkept : 64;
        char **p = realloc(wb->kept, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        wb->kept = p;
        wb->capkept = cap;
    }
    char *d = pn_strdup(s ? s : "");
    if (d != NULL)
        wb->kept[wb->nkept++] = d;
    return d;
}

/* libxlsxwriter's message for @e, in the house style: lower case, no final full stop. */
static const char *lxw_message(lxw_error e, char *buf, size_t size)
{
    snprintf(buf, size, "%s", lxw_strerror(e));
    size_t len = strlen(buf);
    if (len > 0 && buf[len - 1] == '.')
        buf[len - 1] = '\0';
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

void wb_latch(pn_workbook *wb, lxw_error e)
{
    if (e != LXW_NO_ERROR && wb->lxw_err == LXW_NO_ERROR)
        wb->lxw_err = e;
}

void wb_put_str(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                lxw_format *f)
{
    if (s == NULL || s[0] == '\0')
        wb_latch(wb, f ? worksheet_write_blank(ws, row, col, f) : LXW_NO_ERROR);
    else
        wb_latch(wb, worksheet_write_string(ws, row, col, s, f));
}

/* A number, unrounded; NaN and infinities (undefined figures) become an empty cell. */
void wb_put_num(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double x,
                lxw_format *f)
{
    if (pn_is_masked(x)) /* secret statistique: the mark, never the figure */
        wb_latch(wb, worksheet_write_string(ws, row, col, "s", f));
    else if (isfinite(x))
        wb_latch(wb, worksheet_write_number(ws, row, col, x, f));
    else
        wb_latch(wb, worksheet_write_blank(ws, row, col, f));
}

void pn_workbook_set_small_base(pn_workbook *wb, double n)
{
    wb->small_base = n;
}

pn_status pn_workbook_set_producer(pn_workbook *wb, const char *producer)
{
    free(wb->producer);
    wb->producer = producer ? pn_strdup(producer) : NULL;
    return producer && wb->producer == NULL ? PN_ENOMEM : PN_OK;
}

lxw_format *wb_pct_format(pn_workbook *wb, lxw_format *f, double base)
{
    if (wb->small_base > 0 && !pn_is_masked(base) && base > 0 && base < wb->small_base) {
        wb->small_seen = 1;
        return wb->f.pct_small;
    }
    return f;
}

lxw_row_t wb_small_note(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                        double width_chars)
{
    char text[200];
    if (!wb->small_seen)
        return 0;
    wb->small_seen = 0;
    snprintf(text, sizeof text,
             "En italique : pourcentage calcul\xc3\xa9 sur moins de %.0f unit\xc3\xa9s, \xc3\xa0 "
             "interpr\xc3\xa9ter avec prudence.",
             wb->small_base);
    wb_put_wrapped(wb, ws, row, ncols, text, width_chars, wb->f.note);
    return 2;
}

/* Number of characters of a UTF-8 string, for column widths. */
size_t wb_text_width(const char *s)
{
    return s ? pn_utf8_chars(s, strlen(s)) : 0;
}

double wb_clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* @x with one decimal and a decimal comma, whatever the locale ("35,0"). */
void wb_french_decimal(char *buf, size_t size, double x)
{
    snprintf(buf, size, "%.1f", x);
    for (char *p = buf; *p; p++)
        if (*p == '.' || *p == ',')
            *p = ',';
}

/* ---- create and destroy ------------------------------------------------------------- */

static int make_formats(pn_workbook *wb)
{
    lxw_format **all[] = {
        &wb->f.title,          &wb->f.info,        &wb->f.head,      &wb->f.head_left,
        &wb->f.label,          &wb->f.count,       &wb->f.pct,       &wb->f.total_label,
        &wb->f.total_count,    &wb->f.total_pct,   &wb->f.section,   &wb->f.note,
        &wb->f.warn,           &wb->f.stat,        &wb->f.p,         &wb->f.cover_title,
        &wb->f.cover_subtitle, &wb->f.date,        &wb->f.thousands, &wb->f.link,
        &wb->f.para,           &wb->f.pct_small,   &wb->f.resid,     &wb->f.public_count,
        &wb->f.total_public,   &wb->f.section_wrap};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((*all[i] = workbook_add_format(wb->lxw)) == NULL)
            return 0;

    format_set_bold(wb->f.title);
    format_set_font_size(wb->f.title, 14);
    format_set_font_size(wb->f.info, 9);
    format_set_font_color(wb->f.info, 0x595959);

    lxw_format *heads[] = {wb->f.head, wb->f.head_left};
    for (size_t i = 0; i < 2; i++) {
        format_set_bold(heads[i]);
        format_set_text_wrap(heads[i]);
        format_set_align(heads[i], LXW_ALIGN_VERTICAL_CENTER);
        format_set_bg_color(heads[i], 0xDDE5F0);
        format_set_bottom(heads[i], LXW_BORDER_THIN);
        format_set_top(heads[i], LXW_BORDER_THIN);
    }
    format_set_align(wb->f.head, LXW_ALIGN_CENTER);

    /* numbers, and the "s" of a masked one, to the right */
    lxw_format *nums[] = {wb->f.count,     wb->f.pct,  wb->f.total_count,
                          wb->f.total_pct, wb->f.stat, wb->f.p};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        format_set_align(nums[i], LXW_ALIGN_RIGHT);
    format_set_align(wb->f.resid, LXW_ALIGN_RIGHT);
    format_set_num_format(wb->f.resid, "0.00");
    format_set_align(wb->f.pct_small, LXW_ALIGN_RIGHT);
    format_set_num_format(wb->f.pct_small, "0.0");
    format_set_italic(wb->f.pct_small);
    format_set_font_color(wb->f.pct_small, 0x7F7F7F);
    format_set_num_format(wb->f.count, "0");
    format_set_num_format(wb->f.public_count, PN_PUBLIC_COUNT_FORMAT);
    format_set_align(wb->f.public_count, LXW_ALIGN_RIGHT);
    format_set_num_format(wb->f.total_public, PN_PUBLIC_COUNT_FORMAT);
    format_set_align(wb->f.total_public, LXW_ALIGN_RIGHT);
    format_set_bold(wb->f.total_public);
    format_set_top(wb->f.total_public, LXW_BORDER_THIN);
    format_set_bottom(wb->f.total_public, LXW_BORDER_THIN);
    format_set_num_format(wb->f.pct, "0.0");
    lxw_format *totals[] = {wb->f.total_label, wb->f.total_count, wb->f.total_pct};
    for (size_t i = 0; i < 3; i++) {
        format_set_bold(totals[i]);
        format_set_top(totals[i], LXW_BORDER_THIN);
        format_set_bottom(totals[i], LXW_BORDER_THIN);
    }
    format_set_num_format(wb->f.total_count, "0");
    format_set_num_format(wb->f.total_pct, "0.0");

    format_set_bold(wb->f.section);
    format_set_bold(wb->f.section_wrap);
    format_set_font_size(wb->f.section_wrap, 12);
    format_set_font_color(wb->f.section_wrap, 0x1F3864);
    format_set_text_wrap(wb->f.section_wrap);
    format_set_align(wb->f.section_wrap, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_font_size(wb->f.section, 12);
    format_set_font_color(wb->f.section, 0x1F3864);
    format_set_italic(wb->f.note);
    format_set_text_wrap(wb->f.note);
    format_set_align(wb->f.note, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(wb->f.warn);
    format_set_font_color(wb->f.warn, 0xC00000);
    format_set_text_wrap(wb->f.warn);
    format_set_align(wb->f.warn, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(wb->f.stat, "0.000");
    /* a p-value as French reports write it: "< 0,001" below, three decimals above (the
     * number itself stays in the cell; the decimal point follows the reader's locale) */
    format_set_num_format(wb->f.p, "[<0.001]\"< 0,001\";0.000");

    format_set_bold(wb->f.cover_title);
    format_set_font_size(wb->f.cover_title, 20);
    format_set_font_color(wb->f.cover_title, 0x1F3864);
    format_set_italic(wb->f.cover_subtitle);
    format_set_font_size(wb->f.cover_subtitle, 13);
    format_set_num_format(wb->f.date, "dd/mm/yyyy");
    format_set_align(wb->f.date, LXW_ALIGN_LEFT);
    format_set_num_format(wb->f.thousands, "#,##0");
    format_set_align(wb->f.thousands, LXW_ALIGN_LEFT);
    format_set_font_color(wb->f.link, 0x0563C1);
    format_set_underline(wb->f.link, LXW_UNDERLINE_SINGLE);
    format_set_text_wrap(wb->f.para);
    format_set_align(wb->f.para, LXW_ALIGN_VERTICAL_TOP);
    return 1;
}

pn_workbook *pn_workbook_create(const char *path, pn_error *err)
{
    pn_workbook *wb = calloc(1, sizeof *wb);
    pn_workbook *result = NULL;

    if (wb == NULL || (wb->path = pn_strdup(path)) == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory creating '%s'", path);
        goto out;
    }
    wb->small_base = PN_REPORT_SMALL_BASE;
    wb->lxw = workbook_new(path);
    if (wb->lxw == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory creating '%s'", path);
        goto out;
    }
    if (!make_formats(wb)) {
        pn_error_set(err, PN_ENOMEM, "out of memory creating '%s'", path);
        goto out;
    }
    wb->cover = workbook_add_worksheet(wb->lxw, PN_REPORT_COVER_SHEET);
    if (wb->cover == NULL) {
        pn_error_set(err, PN_EINTERNAL, "cannot add the sheet '%s' to '%s'", PN_REPORT_COVER_SHEET,
                     path);
        goto out;
    }
    result = wb;
    wb = NULL;
out:
    pn_workbook_destroy(wb);
    return result;
}

/* Free what the pn_workbook owns, but not the lxw_workbook. */
static void release(pn_workbook *wb)
{
    for (size_t i = 0; i < wb->nsheets; i++) {
        free(wb->sheets[i].name);
        free(wb->sheets[i].title);
    }
    free(wb->sheets);
    wb_plans_release(wb);
    free(wb->producer);
    for (size_t i = 0; i < wb->nkept; i++)
        free(wb->kept[i]);
    free(wb->kept);
    free(wb->path);
    free(wb);
}

void pn_workbook_destroy(pn_workbook *wb)
{
    if (wb == NULL)
        return;
    if (wb->lxw != NULL)
        lxw_workbook_free(wb->lxw);
    release(wb);
}

/* ---- the parts every table sheet has ---------------------------------------------------- */

/*
 * Add the sheet for @it, with its title, the @info line (question and variable) and the
 * filter, and page setup. On success *@out is the sheet and *@entry its entry.
 */
pn_status wb_begin_sheet(pn_workbook *wb, const pn_report_item *it, const char *info,
                         const char *fallback_title, lxw_worksheet **out, sheet_entry **entry,
                         pn_error *err)
{
    char buf[256];
    pn_strbuf where = PN_STRBUF_INIT;
    pn_status st = PN_OK;

    *out = NULL;
    wb->lxw_err = LXW_NO_ERROR;
    if (it == NULL || it->sheet == NULL)
        return pn_error_set(err, PN_EINTERNAL, "a report item without a sheet name");
    lxw_error e = workbook_validate_sheet_name(wb->lxw, it->sheet);
    if (e != LXW_NO_ERROR)
        return pn_error_set(err, PN_EINPUT, "sheet '%s'%s: %s", it->sheet,
                            e == LXW_ERROR_SHEETNAME_ALREADY_USED ? " (the name is taken)" : "",
                            lxw_message(e, buf, sizeof buf));
    if (wb->nsheets == wb->capsheets) {
        size_t cap = wb->capsheets ? 2 * wb->capsheets : 16;
        sheet_entry *p = realloc(wb->sheets, cap * sizeof *p);
        if (p == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory adding sheet '%s'", it->sheet);
        wb->sheets = p;
        wb->capsheets = cap;
    }
    const char *title = it->title && it->title[0] ? it->title : fallback_title;
    sheet_entry se = {pn_strdup(it->sheet), pn_strdup(title ? title : it->sheet), NULL, 0};
    if (se.name == NULL || se.title == NULL) {
        free(se.name);
        free(se.title);
        return pn_error_set(err, PN_ENOMEM, "out of memory adding sheet '%s'", it->sheet);
    }
    se.ws = workbook_add_worksheet(wb->lxw, se.name);
    if (se.ws == NULL) {
        free(se.name);
        free(se.title);
        return pn_error_set(err, PN_EINTERNAL, "cannot add the sheet '%s'", it->sheet);
    }
    wb->sheets[wb->nsheets++] = se;
    lxw_worksheet *ws = se.ws;

    wb_put_str(wb, ws, 0, 0, se.title, wb->f.title);
    wb_set_row(wb, ws, 0, 21);
    wb_put_str(wb, ws, 1, 0, info, wb->f.info);
    if (it->where != NULL && it->where[0] != '\0') {
        if (pn_strbuf_printf(&where, "Filtre : %s", it->where) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory adding sheet '%s'", it->sheet);
            goto out;
        }
        wb_put_str(wb, ws, 2, 0, pn_strbuf_str(&where), wb->f.info);
    }
    worksheet_freeze_panes(ws, HEAD_ROW + 1, 0);
    *out = ws;
    *entry = &wb->sheets[wb->nsheets - 1];
out:
    pn_strbuf_release(&where);
    return st;
}

/* @text wrapped in a row merged across @ncols columns, about @width_chars wide. */
void wb_put_wrapped(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                    const char *text, double width_chars, lxw_format *f)
{
    if (text == NULL || text[0] == '\0')
        return;
    double lines = ceil((double)wb_text_width(text) / (width_chars > 10 ? width_chars : 10));
    wb_set_row(wb, ws, row, 15.0 * wb_clamp(lines, 1, 10) + 6);
    if (ncols > 1)
        wb_latch(wb, worksheet_merge_range(ws, row, 0, row, ncols - 1, text, f));
    else
        wb_put_str(wb, ws, row, 0, text, f);
}

/* Finish a table: report a latched libxlsxwriter failure. */
pn_status wb_end_sheet(pn_workbook *wb, const char *sheet, pn_error *err)
{
    char buf[256];
    lxw_error e = wb->lxw_err;
    wb->lxw_err = LXW_NO_ERROR;
    if (e == LXW_NO_ERROR)
        return PN_OK;
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return pn_error_set(err, PN_ENOMEM, "out of memory writing sheet '%s'", sheet);
    if (e == LXW_ERROR_CREATING_TMPFILE) /* an image is kept in one until the file is written */
        return pn_error_set(err, PN_EIO,
                            "cannot write '%s': no room for a temporary file while adding the "
                            "sheet '%s' (is the disk full?)",
                            wb->path, sheet);
    if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) /* a text we were given, not our fault */
        return pn_error_set(err, PN_EINPUT,
                            "sheet '%s': a text is longer than an Excel cell "
                            "holds (%s)",
                            sheet, lxw_message(e, buf, sizeof buf));
    return pn_error_set(err, PN_EINTERNAL, "sheet '%s': cannot write the table: %s", sheet,
                        lxw_message(e, buf, sizeof buf));
}

/* About the row below a chart inserted at @row with @y_scale (Excel's default chart is
 * 288 pixels high, a default row 20 pixels), for the table stacked under it. */
lxw_row_t wb_chart_bottom(lxw_row_t row, double y_scale)
{
    return row + (lxw_row_t)ceil(288.0 * y_scale / 20.0) + 1;
}

/* Width @w of the label column of @se, or wider if another table of the sheet was. */
void wb_label_width(pn_workbook *wb, sheet_entry *se, double w)
{
    se->width0 = fmax(se->width0, w);
    wb_set_cols(wb, se->ws, 0, 0, se->width0);
}

pn_status wb_chart_title(pn_workbook *wb, lxw_chart *chart, const char *title)
{
    /* A title starting with '=' would be taken for a cell reference. */
    char *t = wb_keep(wb, title && title[0] == '=' ? title + 1 : title);
    if (t == NULL)
        return PN_ENOMEM;
    chart_title_set_name(chart, t);
    lxw_chart_font font = {.size = 12, .bold = LXW_TRUE};
    chart_title_set_name_font(chart, &font);
    return PN_OK;
}

lxw_chart_axis *wb_chart_axes(lxw_chart *chart, uint8_t type, lxw_chart_axis **cat_out)
{
    /* In a bar chart, libxlsxwriter's x axis is the horizontal one: the values. */
    int bar = type == LXW_CHART_BAR || type == LXW_CHART_BAR_STACKED;
    lxw_chart_axis *cat = bar ? chart->y_axis : chart->x_axis;
    lxw_chart_axis *val = bar ? chart->x_axis : chart->y_axis;
    if (bar) {
        /* Excel draws the first category at the bottom: reverse to read top-down, and keep
         * the value axis at the bottom. */
        chart_axis_set_reverse(cat);
        chart_axis_set_crossing_max(cat);
    }
    if (cat_out)
        *cat_out = cat;
    return val;
}

/*
 * A single-series chart titled @title of @k categories: labels in column 0 and values in
 * column @value_col, rows @first.. of sheet @se, placed at the table's head (the row above
 * @first). @axis names the value axis. *@bottom is set to about the row below the chart
 * (left alone without a chart).
 */
pn_status wb_single_series_chart(pn_workbook *wb, sheet_entry *se, const char *title,
                                 pn_chart_kind kind, lxw_row_t first, size_t k, lxw_col_t value_col,
                                 const char *axis, lxw_col_t at_col, lxw_row_t *bottom,
                                 pn_error *err)
{
    if (kind == PN_CHART_NONE || k == 0)
        return PN_OK;
    uint8_t type = kind == PN_CHART_PIE      ? LXW_CHART_PIE
                   : kind == PN_CHART_COLUMN ? LXW_CHART_COLUMN
                                             : LXW_CHART_BAR;
    lxw_chart *chart = workbook_add_chart(wb->lxw, type);
    char *axis_name = wb_keep(wb, axis);
    if (chart == NULL || axis_name == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
    lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
    if (s == NULL || wb_chart_title(wb, chart, title) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
    lxw_row_t last = first + (lxw_row_t)k - 1;
    chart_series_set_categories(s, se->name, first, 0, last, 0);
    chart_series_set_values(s, se->name, first, value_col, last, value_col);

    lxw_chart_options opt = {.x_offset = 10, .y_offset = 0, .x_scale = 1.25, .y_scale = 1.1};
    if (type == LXW_CHART_PIE) {
        /* The count and its share, on two lines. */
        chart_series_set_labels(s);
        chart_series_set_labels_percentage(s);
        chart_series_set_labels_separator(s, LXW_CHART_LABEL_SEPARATOR_NEWLINE);
        chart_series_set_labels_num_format(s, "0.0%");
        chart_series_set_labels_position(s, LXW_CHART_LABEL_POSITION_BEST_FIT);
        chart_legend_set_position(chart, LXW_CHART_LEGEND_RIGHT);
        opt.y_scale = 1.2;
    } else {
        lxw_chart_fill fill = {.color = 0x4472C4};
        chart_series_set_fill(s, &fill);
        chart_series_set_labels(s);
        chart_series_set_labels_num_format(s, "0.0");
        chart_set_series_gap(chart, 60);
        chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
        lxw_chart_axis *val = wb_chart_axes(chart, type, NULL);
        chart_axis_set_name(val, axis_name);
        chart_axis_set_min(val, 0);
        chart_axis_set_num_format(val, "0");
        if (type == LXW_CHART_BAR) {
            opt.y_scale = wb_clamp((80.0 + 30.0 * (double)k) / 288.0, 1.1, 3.0);
        } else {
            opt.x_scale = wb_clamp((140.0 + 70.0 * (double)k) / 480.0, 1.25, 2.5);
        }
    }
    wb_insert_chart(wb, se->ws, first - 1, at_col, chart, &opt);
    *bottom = wb_chart_bottom(first - 1, opt.y_scale);
    return PN_OK;
}

pn_status wb_table_info(pn_strbuf *sb, const char *label, const char *var)
{
    if (label != NULL && label[0] != '\0' && (var == NULL || strcmp(label, var) != 0))
        return pn_strbuf_printf(sb, "Question : %s \xe2\x80\x94 variable %s", label,
                                var ? var : "");
    return pn_strbuf_printf(sb, "Variable %s", var ? var : "");
}

/* ---- close: cover, methodology, properties ------------------------------------------------ */

static const char *const month_names[] = {"janvier",
                                          "f\xc3\xa9vrier",
                                          "mars",
                                          "avril",
                                          "mai",
                                          "juin",
                                          "juillet",
                                          "ao\xc3\xbbt",
                                          "septembre",
                                          "octobre",
                                          "novembre",
                                          ("d\xc3\xa9"
                                           "cembre")};

/*
 * Parse "YYYY-MM-DD" (a time may follow after 'T' or ' ', ignored) into @y, @m, @d and
 * @noon, the time_t of noon UTC that day. Returns 0 when malformed, not a real date, or
 * before 1970.
 */
static int parse_date(const char *s, int *y, int *m, int *d, time_t *noon)
{
    if (!pn_date_read_iso(s, y, m, d) || (s[10] != '\0' && s[10] != 'T' && s[10] != ' ') ||
        *y < 1970)
        return 0;
    *noon = (time_t)pn_date_days(*y, *m, *d) * 86400 + 12 * 3600;
    return 1;
}

static double text_lines(const char *s, double width)
{
    return wb_clamp(ceil((double)wb_text_width(s) / width), 1, 40);
}

/* "du 3 mars 2026 au 21 avril 2026" into @buf, from the date @first ("YYYY-MM-DD...") to
 * @last ({year, month, day}); 0 when @first is no date. */
static int fieldwork(char *buf, size_t size, const char *first, const int *last)
{
    int y, m, d;
    time_t noon;
    if (!parse_date(first, &y, &m, &d, &noon))
        return 0;
    snprintf(buf, size, "du %d%s %s %d au %d%s %s %d", d, d == 1 ? "er" : "", month_names[m - 1], y,
             last[2], last[2] == 1 ? "er" : "", month_names[last[1] - 1], last[0]);
    return 1;
}

/* @date: {year, month, day}, or NULL when unknown. */
static void fill_cover(pn_workbook *wb, const pn_workbook_info *info, const int *date)
{
    lxw_worksheet *ws = wb->cover;
    const char *title = info && info->title ? info->title : "Panorama";

    wb_set_cols(wb, ws, 0, 0, 44);
    wb_set_cols(wb, ws, 1, 1, 62);
    wb_put_str(wb, ws, 0, 0, title, wb->f.cover_title);
    wb_set_row(wb, ws, 0, 30);
    if (info && info->subtitle)
        wb_put_str(wb, ws, 1, 0, info->subtitle, wb->f.cover_subtitle);

    lxw_row_t row = 3;
    if (info && info->producer) {
        wb_put_str(wb, ws, row, 0,
                   "R\xc3\xa9"
                   "alisation",
                   wb->f.label);
        wb_put_str(wb, ws, row++, 1, info->producer, wb->f.para);
    }
    if (info && info->first_date && date != NULL) {
        char period[128];
        if (fieldwork(period, sizeof period, info->first_date, date)) {
            wb_put_str(wb, ws, row, 0, "P\xc3\xa9riode de collecte", wb->f.label);
            wb_put_str(wb, ws, row++, 1, period, wb->f.label);
        }
    }
    if (date != NULL) {
        lxw_datetime dt = {date[0], date[1], date[2], 0, 0, 0};
        wb_put_str(wb, ws, row, 0,
                   "Date des donn\xc3\xa9"
                   "es (derni\xc3\xa8re r\xc3\xa9ponse re\xc3\xa7ue)",
                   wb->f.label);
        wb_latch(wb, worksheet_write_datetime(ws, row, 1, &dt, wb->f.date));
        row++;
    }
    row++;
    if (info && info->ncounts > 0) {
        wb_put_str(wb, ws, row++, 0, "Chiffres cl\xc3\xa9s", wb->f.section);
        for (size_t i = 0; i < info->ncounts; i++, row++) {
            wb_put_str(wb, ws, row, 0, info->count_labels[i], wb->f.label);
            wb_put_num(wb, ws, row, 1, info->counts[i], wb->f.thousands);
        }
        for (size_t i = 0; i < info->nrates; i++, row++) {
            wb_put_str(wb, ws, row, 0, info->rate_labels[i], wb->f.label);
            wb_put_str(wb, ws, row, 1, info->rate_texts[i], wb->f.label);
        }
        row++;
    }
    if (info && info->secret) {
        wb_put_wrapped(wb, ws, row, 2, info->secret, 90, wb->f.note);
        row += 2;
    }
    wb_put_str(wb, ws, row++, 0, "Sommaire", wb->f.section);
    wb_put_str(wb, ws, row, 0, "Feuille", wb->f.head_left);
    wb_put_str(wb, ws, row, 1, "Contenu", wb->f.head_left);
    row++;
    for (size_t i = 0; i <= wb->nsheets; i++, row++) {
        const char *name = i < wb->nsheets ? wb->sheets[i].name : PN_REPORT_METHOD_SHEET;
        const char *what = i < wb->nsheets ? wb->sheets[i].title
                                           : "M\xc3\xa9thodologie, d\xc3\xa9"
                                             "finitions et "
                                             "arrondis";
        pn_strbuf url = PN_STRBUF_INIT;
        int ok = pn_strbuf_puts(&url, "internal:'") == PN_OK;
        for (const char *p = name; ok && *p; p++) /* a quote in a quoted name is doubled */
            ok = (*p == '\'' ? pn_strbuf_puts(&url, "''") : pn_strbuf_append(&url, p, 1)) == PN_OK;
        ok = ok && pn_strbuf_puts(&url, "'!A1") == PN_OK;
        if (!ok)
            wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        else
            wb_latch(wb, worksheet_write_url_opt(ws, row, 0, pn_strbuf_str(&url), wb->f.link, name,
                                                 NULL));
        pn_strbuf_release(&url);
        wb_put_str(wb, ws, row, 1, what, wb->f.label);
    }
    wb_plan_pages(wb, ws, 0);
    worksheet_activate(ws);
}

/* The typology's table on the methodology sheet at @row (columns A and B, @wa and @wb
 * characters wide); returns the row after it. */
static lxw_row_t typology_table(pn_workbook *wb, lxw_worksheet *ws, const pn_workbook_info *info,
                                lxw_row_t row, double wa, double wbw)
{
    wb_put_str(wb, ws, row, 0, "Classe", wb->f.head_left);
    wb_put_str(wb, ws, row, 1, "Condition (la premi\xc3\xa8re remplie donne la classe)",
               wb->f.head_left);
    wb_set_row(wb, ws, row++, 20);
    for (size_t i = 0; i < info->ntypology; i++, row++) {
        double lines =
            fmax(text_lines(info->typology_class[i], wa), text_lines(info->typology_rule[i], wbw));
        wb_set_row(wb, ws, row, 15 * lines + 4);
        wb_put_str(wb, ws, row, 0, info->typology_class[i], wb->f.para);
        wb_put_str(wb, ws, row, 1, info->typology_rule[i], wb->f.para);
    }
    return row;
}

static pn_status fill_method(pn_workbook *wb, const pn_workbook_info *info, pn_error *err)
{
    /* two columns as wide as a portrait A4 page in any usual font: the paragraphs across
     * both, the typology's classes and conditions one each */
    const double wa = 22, wbw = WB_COLUMN_MAX - 22, width = WB_COLUMN_MAX;
    lxw_worksheet *ws = workbook_add_worksheet(wb->lxw, PN_REPORT_METHOD_SHEET);
    if (ws == NULL)
        return pn_error_set(err, PN_EINTERNAL, "cannot add the sheet '%s' to '%s'",
                            PN_REPORT_METHOD_SHEET, wb->path);
    wb_set_cols(wb, ws, 0, 0, wa);
    wb_set_cols(wb, ws, 1, 1, wbw);
    wb_put_str(wb, ws, 0, 0, "M\xc3\xa9thodologie", wb->f.title);
    wb_set_row(wb, ws, 0, 21);
    lxw_row_t row = 2;
    for (size_t i = 0; info && i < info->nmethod; i++, row++) {
        const pn_method_par *par = &info->method[i];
        if (par->heading) {
            row += i > 0; /* a blank row between sections */
            wb_put_str(wb, ws, row, 0, par->text, wb->f.section);
            continue;
        }
        wb_set_row(wb, ws, row, 15 * text_lines(par->text, width) + 4);
        wb_latch(wb, worksheet_merge_range(ws, row, 0, row, 1, par->text, wb->f.para));
        if (par->typology && info->ntypology > 0)
            row = typology_table(wb, ws, info, row + 1, wa, wbw) - 1;
    }
    wb_plan_pages(wb, ws, 0);
    return PN_OK;
}

pn_status wb_make_temp(const char *path, const char *example, char **target, char **tmp,
                       pn_error *err)
{
    struct stat lst, st;
    *target = *tmp = NULL;
    if (lstat(path, &lst) == 0) {
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return pn_error_set(err, PN_EIO,
                                "cannot write '%s': it exists and is not a regular file (give "
                                "the path of a file, such as '%s')",
                                path, example);
        *target = S_ISLNK(lst.st_mode) ? realpath(path, NULL) : pn_strdup(path);
    } else if (errno == ENOENT) {
        *target = pn_strdup(path);
    } else {
        return pn_error_set(err, PN_EIO, "cannot write '%s': %s", path, strerror(errno));
    }
    if (*target == NULL)
        return pn_error_set(err, errno == ENOMEM ? PN_ENOMEM : PN_EIO, "cannot write '%s': %s",
                            path, strerror(errno));
    size_t len = strlen(*target) + 48;
    if ((*tmp = malloc(len)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", path);
    for (unsigned n = 0;; n++) {
        snprintf(*tmp, len, "%s.%ld-%u.tmp", *target, (long)getpid(), n);
        int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) {
            close(fd);
            return PN_OK;
        }
        if (errno != EEXIST || n == 99) {
            char *dir = pn_strdup(*target), *slash = dir ? strrchr(dir, '/') : NULL;
            if (slash)
                *(slash == dir ? slash + 1 : slash) = '\0';
            pn_status rc = pn_error_set(err, PN_EIO,
                                        "cannot write '%s': cannot create a file in the folder "
                                        "'%s' (the file is written beside its target, then "
                                        "renamed): %s",
                                        path, slash ? dir : ".", strerror(errno));
            free(dir);
            free(*tmp);
            *tmp = NULL;
            return rc;
        }
    }
}

pn_status wb_commit_temp(const char *tmp, const char *target, const char *path, pn_error *err)
{
    /* on the disk before it replaces the old one: a power cut leaves one or the other */
    int fd = open(tmp, O_RDONLY);
    int bad = fd < 0 || fsync(fd) != 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    if (bad == 0 && rename(tmp, target) != 0)
        bad = errno;
    if (bad != 0)
        return pn_error_set(err, PN_EIO, "cannot write '%s': %s", path, strerror(bad));
    return PN_OK;
}

pn_status wb_write_file(lxw_workbook *lxw, const char *path, pn_error *err)
{
    char *target = NULL, *tmp = NULL, buf[256];
    pn_status st = wb_make_temp(path, "panorama.xlsx", &target, &tmp, err);
    if (st != PN_OK) {
        lxw_workbook_free(lxw);
        goto out;
    }
    /* libxlsxwriter writes the file its workbook names (lxw_workbook.filename, a field of its
     * public struct, read only by workbook_close): name the temporary file, made here, so that
     * it never prints an error of its own for a file it cannot create */
    char *name = pn_strdup(tmp);
    if (name == NULL) {
        lxw_workbook_free(lxw);
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", path);
        goto out;
    }
    free(lxw->filename);
    lxw->filename = name;
    lxw_error e = workbook_close(lxw); /* frees it, whatever the result */
    if (e != LXW_NO_ERROR) {
        st = pn_error_set(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? PN_ENOMEM : PN_EIO,
                          "cannot write '%s': %s", path, lxw_message(e, buf, sizeof buf));
        goto out;
    }
    if ((st = wb_commit_temp(tmp, target, path, err)) != PN_OK)
        goto out;
    free(tmp);
    tmp = NULL;
out:
    if (tmp != NULL)
        remove(tmp); /* made by make_temp: the only file removed */
    free(tmp);
    free(target);
    return st;
}

pn_status pn_workbook_close(pn_workbook *wb, const pn_workbook_info *info, pn_error *err)
{
    pn_strbuf footer = PN_STRBUF_INIT;
    int ymd[3] = {0, 0, 0};
    time_t noon = 0;
    char date_text[64] = "";
    int have_date = 0;
    pn_status st = PN_OK;

    if (wb == NULL)
        return PN_OK;
    wb->lxw_err = LXW_NO_ERROR;
    if (info && info->data_date) {
        if (!parse_date(info->data_date, &ymd[0], &ymd[1], &ymd[2], &noon)) {
            st = pn_error_set(err, PN_EINPUT, "data date: expected a date YYYY-MM-DD, found '%s'",
                              info->data_date);
            goto out;
        }
        have_date = 1;
        snprintf(date_text, sizeof date_text, "%d %s %d", ymd[2], month_names[ymd[1] - 1], ymd[0]);
    }

    for (size_t i = 0; i < wb->nsheets; i++)
        wb_plan_pages(wb, wb->sheets[i].ws, 1);
    fill_cover(wb, info, have_date ? ymd : NULL);
    if ((st = fill_method(wb, info, err)) != PN_OK)
        goto out;

    /* '&' starts a code in a footer: the date has none, the source text neither. */
    if (pn_strbuf_printf(&footer, "&L%s%s%s&RPage &P / &N", SOURCE_TEXT, have_date ? ", " : "",
                         date_text) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", wb->path);
        goto out;
    }
    wb_latch(wb, worksheet_set_footer(wb->cover, pn_strbuf_str(&footer)));
    for (size_t i = 0; i < wb->nsheets; i++)
        wb_latch(wb, worksheet_set_footer(wb->sheets[i].ws, pn_strbuf_str(&footer)));
    lxw_worksheet *method = workbook_get_worksheet_by_name(wb->lxw, PN_REPORT_METHOD_SHEET);
    if (method != NULL)
        wb_latch(wb, worksheet_set_footer(method, pn_strbuf_str(&footer)));

    lxw_doc_properties props = {0};
    props.title = wb_keep(wb, info && info->title ? info->title : "Panorama");
    props.subject = wb_keep(wb, info && info->subtitle ? info->subtitle : "");
    props.author = wb_keep(wb, info && info->producer ? info->producer : "panorama");
    props.comments = wb_keep(wb, "Classeur produit par panorama");
    if (props.title == NULL || props.subject == NULL || props.author == NULL ||
        props.comments == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", wb->path);
        goto out;
    }
    /* Noon UTC: libxlsxwriter writes it back in UTC, so the file is the same in every
     * time zone, and the date is that of the data. */
    if (have_date)
        props.created = noon;
    wb_latch(wb, workbook_set_properties(wb->lxw, &props));

    if (wb->lxw_err != LXW_NO_ERROR) {
        st = wb_end_sheet(wb, PN_REPORT_COVER_SHEET, err);
        goto out;
    }

    /* Written beside the target, renamed over it when whole: a failure (a full disk, a
     * kill) leaves the previous workbook as it was, and only the file made here is removed. */
    lxw_workbook *lxw = wb->lxw;
    wb->lxw = NULL; /* wb_write_file frees it, whatever the result */
    st = wb_write_file(lxw, wb->path, err);
out:
    pn_strbuf_release(&footer);
    pn_workbook_destroy(wb);
    return st;
}
