/*
 * workbook.c - the funders' workbook, written with libxlsxwriter (see report.h).
 *
 * libxlsxwriter keeps every sheet in memory until workbook_close(), so the cover (the
 * first sheet) is filled last, when the list of sheets and the key counts are known, and
 * the footers, which carry the data date, are set then too.
 *
 * Some libxlsxwriter calls keep the pointers they are given (chart titles, axis names,
 * series ranges) until the file is written; everything handed to them is a copy owned by
 * the pn_workbook (keep()), since the caller's items and tables are only lent.
 *
 * Cell writes do not stop at the first libxlsxwriter failure: the first one is latched in
 * wb->lxw_err (like ferror) and reported once at the end of the table.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "report/report.h"

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

#include "stats/format.h"
#include "util/date.h"
#include "util/strbuf.h"

#define SOURCE_TEXT                                                                                \
    "Source : enqu\xc3\xaate \xc3\xa9"                                                             \
    "coles \xe2\x80\x93 centres sociaux"
#define HEAD_ROW 3 /* row of the table's head on every table sheet (0-based) */
#define PAPER_A4 9

typedef struct sheet_entry {
    char *name;  /* owned */
    char *title; /* owned */
    lxw_worksheet *ws;
    double width0; /* width of the label column so far: the widest of the sheet's tables */
} sheet_entry;

struct pn_workbook {
    lxw_workbook *lxw;
    char *path;
    lxw_worksheet *cover;
    sheet_entry *sheets; /* table sheets, in order */
    size_t nsheets, capsheets;
    char **kept; /* strings lent to libxlsxwriter until close */
    size_t nkept, capkept;
    lxw_error lxw_err; /* first failure of a cell write, LXW_NO_ERROR when none */
    struct {
        lxw_format *title, *info, *head, *head_left, *label, *count, *pct, *total_label,
            *total_count, *total_pct, *section, *note, *warn, *stat, *p, *cover_title,
            *cover_subtitle, *date, *thousands, *link, *para;
    } f;
};

/* ---- small helpers ------------------------------------------------------------------- */

/* A copy of @s owned by @wb until close or destroy; NULL when out of memory. */
static char *keep(pn_workbook *wb, const char *s)
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

static void latch(pn_workbook *wb, lxw_error e)
{
    if (e != LXW_NO_ERROR && wb->lxw_err == LXW_NO_ERROR)
        wb->lxw_err = e;
}

static void put_str(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                    lxw_format *f)
{
    if (s == NULL || s[0] == '\0')
        latch(wb, f ? worksheet_write_blank(ws, row, col, f) : LXW_NO_ERROR);
    else
        latch(wb, worksheet_write_string(ws, row, col, s, f));
}

/* A number, unrounded; NaN and infinities (undefined figures) become an empty cell. */
static void put_num(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double x,
                    lxw_format *f)
{
    if (isfinite(x))
        latch(wb, worksheet_write_number(ws, row, col, x, f));
    else
        latch(wb, worksheet_write_blank(ws, row, col, f));
}

/* Number of characters of a UTF-8 string, for column widths. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static const char *cat_label(const pn_category *c)
{
    if (c->label != NULL && c->label[0] != '\0')
        return c->label;
    return c->name ? c->name : "";
}

/* 100 * a / b, NaN when b is 0. */
static double percent(double a, double b)
{
    return b > 0 ? 100.0 * a / b : NAN;
}

/* @x with one decimal and a decimal comma, whatever the locale ("35,0"). */
static void french_decimal(char *buf, size_t size, double x)
{
    snprintf(buf, size, "%.1f", x);
    for (char *p = buf; *p; p++)
        if (*p == '.' || *p == ',')
            *p = ',';
}

/* ---- create and destroy ------------------------------------------------------------- */

static int make_formats(pn_workbook *wb)
{
    lxw_format **all[] = {&wb->f.title,       &wb->f.info,           &wb->f.head,
                          &wb->f.head_left,   &wb->f.label,          &wb->f.count,
                          &wb->f.pct,         &wb->f.total_label,    &wb->f.total_count,
                          &wb->f.total_pct,   &wb->f.section,        &wb->f.note,
                          &wb->f.warn,        &wb->f.stat,           &wb->f.p,
                          &wb->f.cover_title, &wb->f.cover_subtitle, &wb->f.date,
                          &wb->f.thousands,   &wb->f.link,           &wb->f.para};
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

    format_set_num_format(wb->f.count, "0");
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
    format_set_num_format(wb->f.p, "0.0000");

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
static pn_status begin_sheet(pn_workbook *wb, const pn_report_item *it, const char *info,
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

    put_str(wb, ws, 0, 0, se.title, wb->f.title);
    latch(wb, worksheet_set_row(ws, 0, 21, NULL));
    put_str(wb, ws, 1, 0, info, wb->f.info);
    if (it->where != NULL && it->where[0] != '\0') {
        if (pn_strbuf_printf(&where, "Filtre : %s", it->where) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory adding sheet '%s'", it->sheet);
            goto out;
        }
        put_str(wb, ws, 2, 0, pn_strbuf_str(&where), wb->f.info);
    }
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, PAPER_A4);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_freeze_panes(ws, HEAD_ROW + 1, 0);
    *out = ws;
    *entry = &wb->sheets[wb->nsheets - 1];
out:
    pn_strbuf_release(&where);
    return st;
}

/* @text wrapped in a row merged across @ncols columns, about @width_chars wide. */
static void put_wrapped(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                        const char *text, double width_chars, lxw_format *f)
{
    if (text == NULL || text[0] == '\0')
        return;
    double lines = ceil((double)text_width(text) / (width_chars > 10 ? width_chars : 10));
    latch(wb, worksheet_set_row(ws, row, 15.0 * clamp(lines, 1, 10) + 2, NULL));
    if (ncols > 1)
        latch(wb, worksheet_merge_range(ws, row, 0, row, ncols - 1, text, f));
    else
        put_str(wb, ws, row, 0, text, f);
}

/* Finish a table: report a latched libxlsxwriter failure. */
static pn_status end_sheet(pn_workbook *wb, const char *sheet, pn_error *err)
{
    char buf[256];
    lxw_error e = wb->lxw_err;
    wb->lxw_err = LXW_NO_ERROR;
    if (e == LXW_NO_ERROR)
        return PN_OK;
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return pn_error_set(err, PN_ENOMEM, "out of memory writing sheet '%s'", sheet);
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
static lxw_row_t chart_bottom(lxw_row_t row, double y_scale)
{
    return row + (lxw_row_t)ceil(288.0 * y_scale / 20.0) + 1;
}

/* Width @w of the label column of @se, or wider if another table of the sheet was. */
static void label_width(pn_workbook *wb, sheet_entry *se, double w)
{
    se->width0 = fmax(se->width0, w);
    latch(wb, worksheet_set_column(se->ws, 0, 0, se->width0, NULL));
}

static pn_status chart_title(pn_workbook *wb, lxw_chart *chart, const char *title)
{
    /* A title starting with '=' would be taken for a cell reference. */
    char *t = keep(wb, title && title[0] == '=' ? title + 1 : title);
    if (t == NULL)
        return PN_ENOMEM;
    chart_title_set_name(chart, t);
    lxw_chart_font font = {.size = 12, .bold = LXW_TRUE};
    chart_title_set_name_font(chart, &font);
    return PN_OK;
}

/*
 * A single-series chart titled @title of @k categories: labels in column 0 and values in
 * column @value_col, rows @first.. of sheet @se, placed at the table's head (the row above
 * @first). @axis names the value axis. *@bottom is set to about the row below the chart
 * (left alone without a chart).
 */
static pn_status single_series_chart(pn_workbook *wb, sheet_entry *se, const char *title,
                                     pn_chart_kind kind, lxw_row_t first, size_t k,
                                     lxw_col_t value_col, const char *axis, lxw_col_t at_col,
                                     lxw_row_t *bottom, pn_error *err)
{
    if (kind == PN_CHART_NONE || k == 0)
        return PN_OK;
    uint8_t type = kind == PN_CHART_PIE      ? LXW_CHART_PIE
                   : kind == PN_CHART_COLUMN ? LXW_CHART_COLUMN
                                             : LXW_CHART_BAR;
    lxw_chart *chart = workbook_add_chart(wb->lxw, type);
    char *axis_name = keep(wb, axis);
    if (chart == NULL || axis_name == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory adding a chart to '%s'", se->name);
    lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
    if (s == NULL || chart_title(wb, chart, title) != PN_OK)
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
        /* In a bar chart, libxlsxwriter's x axis is the horizontal one: the values. */
        lxw_chart_axis *cat = type == LXW_CHART_BAR ? chart->y_axis : chart->x_axis;
        lxw_chart_axis *val = type == LXW_CHART_BAR ? chart->x_axis : chart->y_axis;
        chart_axis_set_name(val, axis_name);
        chart_axis_set_min(val, 0);
        chart_axis_set_num_format(val, "0");
        if (type == LXW_CHART_BAR) {
            /* Excel draws the first category at the bottom: reverse to read top-down,
             * and keep the value axis at the bottom. */
            chart_axis_set_reverse(cat);
            chart_axis_set_crossing_max(cat);
            opt.y_scale = clamp((80.0 + 30.0 * (double)k) / 288.0, 1.1, 3.0);
        } else {
            opt.x_scale = clamp((140.0 + 70.0 * (double)k) / 480.0, 1.25, 2.5);
        }
    }
    lxw_error e = worksheet_insert_chart_opt(se->ws, first - 1, at_col, chart, &opt);
    latch(wb, e);
    *bottom = chart_bottom(first - 1, opt.y_scale);
    return PN_OK;
}

static pn_status table_info(pn_strbuf *sb, const char *label, const char *var)
{
    if (label != NULL && label[0] != '\0' && (var == NULL || strcmp(label, var) != 0))
        return pn_strbuf_printf(sb, "Question : %s \xe2\x80\x94 variable %s", label,
                                var ? var : "");
    return pn_strbuf_printf(sb, "Variable %s", var ? var : "");
}

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
        put_str(wb, ws, top, c, heads[c], c == 0 ? wb->f.head_left : wb->f.head);
    latch(wb, worksheet_set_row(ws, top, 45, NULL));

    double width = 14;
    lxw_row_t row = top + 1;
    for (size_t i = 0; i < t->k; i++, row++) {
        const char *label = cat_label(&t->cats[i]);
        width = fmax(width, (double)text_width(label));
        put_str(wb, ws, row, 0, label, wb->f.label);
        put_num(wb, ws, row, 1, t->count[i], wb->f.count);
        put_num(wb, ws, row, 2, t->pct[i], wb->f.pct);
        put_num(wb, ws, row, 3, t->valid_pct[i], wb->f.pct);
        if (cum)
            put_num(wb, ws, row, cum_col, t->cum_pct[i], wb->f.pct);
        if (ci) {
            put_num(wb, ws, row, ci_col, t->ci_low[i], wb->f.pct);
            put_num(wb, ws, row, ci_col + 1, t->ci_high[i], wb->f.pct);
        }
    }
    put_str(wb, ws, row, 0, "Non-r\xc3\xa9ponse", wb->f.label);
    put_num(wb, ws, row, 1, t->missing, wb->f.count);
    put_num(wb, ws, row, 2, percent(t->missing, t->total), wb->f.pct);
    row++;
    put_str(wb, ws, row, 0, "Total", wb->f.total_label);
    put_num(wb, ws, row, 1, t->total, wb->f.total_count);
    put_num(wb, ws, row, 2, t->total > 0 ? 100.0 : NAN, wb->f.total_pct);
    put_num(wb, ws, row, 3, t->valid > 0 ? 100.0 : NAN, wb->f.total_pct);
    for (lxw_col_t c = 4; c < ncols; c++)
        put_str(wb, ws, row, c, "", wb->f.total_pct);

    width = clamp(width + 2, 16, 60);
    label_width(wb, se, width);
    latch(wb, worksheet_set_column(ws, 1, (lxw_col_t)(ncols - 1), 13, NULL));
    put_wrapped(wb, ws, row + 2, ncols, note, width + 13.0 * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 4 : 2);
    return single_series_chart(wb, se, title, it->chart, top + 1, t->k,
                               it->chart == PN_CHART_PIE ? 1 : 3, "% des r\xc3\xa9ponses valides",
                               (lxw_col_t)(ncols + 1), bottom, err);
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
    if (table_info(&info, t->title, t->var) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = begin_sheet(wb, it, pn_strbuf_str(&info), t->title, &ws, &se, err)) != PN_OK)
        goto out;
    if ((st = draw_freq(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err)) != PN_OK)
        goto out;
    st = end_sheet(wb, se->name, err);
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
        put_str(wb, ws, top, c, heads[c], c == 0 ? wb->f.head_left : wb->f.head);
    latch(wb, worksheet_set_row(ws, top, 45, NULL));

    double width = 14, sum_cases = 0;
    lxw_row_t row = top + 1;
    for (size_t i = 0; i < t->k; i++, row++) {
        const char *label = cat_label(&t->cats[i]);
        width = fmax(width, (double)text_width(label));
        put_str(wb, ws, row, 0, label, wb->f.label);
        put_num(wb, ws, row, 1, t->count[i], wb->f.count);
        put_num(wb, ws, row, 2, t->pct_cases[i], wb->f.pct);
        put_num(wb, ws, row, 3, t->pct_responses[i], wb->f.pct);
        sum_cases += t->pct_cases[i];
    }
    put_str(wb, ws, row, 0, "Total des r\xc3\xa9ponses", wb->f.total_label);
    put_num(wb, ws, row, 1, t->responses, wb->f.total_count);
    put_num(wb, ws, row, 2, t->cases > 0 ? sum_cases : NAN, wb->f.total_pct);
    put_num(wb, ws, row, 3, t->responses > 0 ? 100.0 : NAN, wb->f.total_pct);
    row += 2;
    put_str(wb, ws, row, 0, "R\xc3\xa9pondants (base des % des r\xc3\xa9pondants)", wb->f.label);
    put_num(wb, ws, row, 1, t->cases, wb->f.count);
    row++;
    put_str(wb, ws, row, 0,
            "Non-r\xc3\xa9ponse (aucune case coch\xc3\xa9"
            "e)",
            wb->f.label);
    put_num(wb, ws, row, 1, t->missing, wb->f.count);

    width = clamp(width + 2, 40, 60);
    label_width(wb, se, width);
    latch(wb, worksheet_set_column(ws, 1, ncols - 1, 13, NULL));
    put_wrapped(wb, ws, row + 2, ncols, note, width + 13.0 * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 4 : 2);

    pn_chart_kind kind = it->chart == PN_CHART_COLUMN ? PN_CHART_COLUMN
                         : it->chart == PN_CHART_NONE ? PN_CHART_NONE
                                                      : PN_CHART_BAR;
    return single_series_chart(wb, se, title, kind, top + 1, t->k, 2, "% des r\xc3\xa9pondants",
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
    if (table_info(&info, t->title, t->var) != PN_OK ||
        pn_strbuf_puts(&info, " (plusieurs r\xc3\xa9ponses possibles)") != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = begin_sheet(wb, it, pn_strbuf_str(&info), t->title, &ws, &se, err)) != PN_OK)
        goto out;
    if ((st = draw_multi(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err)) != PN_OK)
        goto out;
    st = end_sheet(wb, se->name, err);
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

    put_str(wb, ws, top, 0, names[b], wb->f.section);
    lxw_row_t head = top + 1;
    put_str(wb, ws, head, 0, t->row_title && t->row_title[0] ? t->row_title : t->row_var,
            wb->f.head_left);
    for (size_t j = 0; j < c; j++)
        put_str(wb, ws, head, (lxw_col_t)(j + 1), cat_label(&t->col_cats[j]), wb->f.head);
    put_str(wb, ws, head, (lxw_col_t)(c + 1), "Total", wb->f.head);
    latch(wb, worksheet_set_row(ws, head, 32, NULL));

    for (size_t i = 0; i < r; i++) {
        lxw_row_t row = head + 1 + (lxw_row_t)i;
        put_str(wb, ws, row, 0, cat_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++) {
            double v = b == BLOCK_COUNT     ? t->count[i * c + j]
                       : b == BLOCK_ROW_PCT ? t->row_pct[i * c + j]
                                            : t->col_pct[i * c + j];
            put_num(wb, ws, row, (lxw_col_t)(j + 1), v, num);
        }
        double v = b == BLOCK_COUNT     ? t->row_total[i]
                   : b == BLOCK_ROW_PCT ? (t->row_total[i] > 0 ? 100.0 : NAN)
                                        : percent(t->row_total[i], t->n);
        put_num(wb, ws, row, (lxw_col_t)(c + 1), v, num);
    }
    lxw_row_t row = head + 1 + (lxw_row_t)r;
    put_str(wb, ws, row, 0, "Total", wb->f.total_label);
    for (size_t j = 0; j < c; j++) {
        double v = b == BLOCK_COUNT     ? t->col_total[j]
                   : b == BLOCK_ROW_PCT ? percent(t->col_total[j], t->n)
                                        : (t->col_total[j] > 0 ? 100.0 : NAN);
        put_num(wb, ws, row, (lxw_col_t)(j + 1), v, tot);
    }
    put_num(wb, ws, row, (lxw_col_t)(c + 1), b == BLOCK_COUNT ? t->n : (t->n > 0 ? 100.0 : NAN),
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

    put_str(wb, ws, top, 0, "Tests d'ind\xc3\xa9pendance", wb->f.section);
    lxw_row_t row = top + 1;
    const char *heads[] = {"Test", "Valeur", "ddl", "p"};
    for (lxw_col_t k = 0; k < 4; k++)
        put_str(wb, ws, row, k, heads[k], k == 0 ? wb->f.head_left : wb->f.head);
    row++;
    put_str(wb, ws, row, 0, "Khi-deux de Pearson", wb->f.label);
    put_num(wb, ws, row, 1, t->chi2, wb->f.stat);
    put_num(wb, ws, row, 2, t->chi2_df, wb->f.count);
    put_num(wb, ws, row, 3, t->chi2_p, wb->f.p);
    row++;
    put_str(wb, ws, row, 0, "Rapport de vraisemblance (G\xc2\xb2)", wb->f.label);
    put_num(wb, ws, row, 1, t->lr, wb->f.stat);
    put_num(wb, ws, row, 2, t->chi2_df, wb->f.count);
    put_num(wb, ws, row, 3, t->lr_p, wb->f.p);
    row++;
    put_str(wb, ws, row, 0, "V de Cram\xc3\xa9r", wb->f.label);
    put_num(wb, ws, row, 1, t->cramer_v, wb->f.stat);
    row++;
    if (!isnan(t->fisher_p)) {
        put_str(wb, ws, row, 0, "Test exact de Fisher (bilat\xc3\xa9ral)", wb->f.label);
        put_num(wb, ws, row, 3, t->fisher_p, wb->f.p);
        row++;
    }
    put_str(wb, ws, row, 0, "Effectif total", wb->f.label);
    put_num(wb, ws, row, 1, t->n, wb->f.count);
    row += 2;

    if (!(t->chi2_df > 0) || isnan(t->chi2)) {
        if (pn_strbuf_puts(&msg, "Tests non calculables : il faut au moins deux lignes et deux "
                                 "colonnes non vides.") != PN_OK)
            goto nomem;
    } else if (t->low_expected_pct > 20) {
        french_decimal(pct, sizeof pct, t->low_expected_pct);
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
        put_wrapped(wb, ws, row, 4, pn_strbuf_str(&msg), width + 36, wb->f.warn);
        row += 2;
    }
    if (t->unit == PN_UNIT_LINK) {
        put_wrapped(wb, ws, row, 4, PN_LINK_UNIT_WARNING, width + 36, wb->f.warn);
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
    width = fmax(width, (double)text_width(t->row_title));
    for (size_t i = 0; i < t->r; i++)
        width = fmax(width, (double)text_width(cat_label(&t->row_cats[i])));
    width = clamp(width + 2, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < t->c; j++)
        colw = fmax(colw, (double)text_width(cat_label(&t->col_cats[j])) / 2 + 2);
    colw = clamp(colw, 10, 18);
    label_width(wb, se, width);
    latch(wb, worksheet_set_column(ws, 1, (lxw_col_t)(t->c + 1), colw, NULL));

    if ((st = crosstab_tests(wb, ws, t, row, width, &row, err)) != PN_OK)
        return st;
    lxw_col_t ncols = (lxw_col_t)(t->c + 2 > 4 ? t->c + 2 : 4);
    put_wrapped(wb, ws, row, ncols, note, width + colw * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 2 : 0);

    if (it->chart != PN_CHART_NONE && t->r > 0 && t->c > 0) {
        uint8_t type = it->chart == PN_CHART_COLUMN ? LXW_CHART_COLUMN
                       : it->chart == PN_CHART_BAR  ? LXW_CHART_BAR
                                                    : LXW_CHART_COLUMN_STACKED_PERCENT;
        lxw_chart *chart = workbook_add_chart(wb->lxw, type);
        char *axis = keep(wb, t->col_title && t->col_title[0] ? t->col_title : t->col_var);
        char *vaxis = keep(wb, type == LXW_CHART_COLUMN_STACKED_PERCENT ? "R\xc3\xa9partition (%)"
                                                                        : "Effectif");
        if (chart == NULL || axis == NULL || vaxis == NULL ||
            chart_title(wb, chart, title) != PN_OK) {
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
        lxw_chart_axis *cat = type == LXW_CHART_BAR ? chart->y_axis : chart->x_axis;
        lxw_chart_axis *val = type == LXW_CHART_BAR ? chart->x_axis : chart->y_axis;
        chart_axis_set_name(cat, axis);
        chart_axis_set_name(val, vaxis);
        if (type == LXW_CHART_BAR) {
            chart_axis_set_reverse(cat);
            chart_axis_set_crossing_max(cat);
        }
        lxw_chart_options opt = {.x_offset = 10,
                                 .x_scale = clamp((160.0 + 80.0 * (double)t->c) / 480.0, 1.25, 2.6),
                                 /* room for slanted labels of many columns */
                                 .y_scale = t->c > 12 ? 2.2 : 1.35};
        latch(wb, worksheet_insert_chart_opt(ws, top, (lxw_col_t)(t->c + 3), chart, &opt));
        lxw_row_t below = chart_bottom(top, opt.y_scale);
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
    if ((st = begin_sheet(wb, it, pn_strbuf_str(&info), t->row_title, &ws, &se, err)) != PN_OK)
        goto out;
    worksheet_freeze_panes(ws, 0, 1); /* the blocks have their own heads: freeze the labels */
    if ((st = draw_crosstab(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err)) != PN_OK)
        goto out;
    st = end_sheet(wb, se->name, err);
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
    put_str(wb, ws, row, 0, t->row_title && t->row_title[0] ? t->row_title : t->row_var,
            wb->f.head_left);
    for (size_t j = 0; j < t->c; j++)
        put_str(wb, ws, row, (lxw_col_t)(j + 1), cat_label(&t->col_cats[j]), wb->f.head);
    put_str(wb, ws, row, (lxw_col_t)(t->c + 1), "Ensemble", wb->f.head);
    latch(wb, worksheet_set_row(ws, row, 32, NULL));
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

    put_str(wb, ws, row++, 0, "Effectifs", wb->f.section);
    multi_crosstab_head(wb, ws, t, row++);
    for (size_t i = 0; i < r; i++, row++) {
        put_str(wb, ws, row, 0, cat_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++)
            put_num(wb, ws, row, (lxw_col_t)(j + 1), t->count[i * c + j], wb->f.count);
        put_num(wb, ws, row, (lxw_col_t)(c + 1), t->row_total[i], wb->f.count);
    }
    put_str(wb, ws, row, 0, "R\xc3\xa9pondants (base des %)", wb->f.total_label);
    for (size_t j = 0; j < c; j++)
        put_num(wb, ws, row, (lxw_col_t)(j + 1), t->cases[j], wb->f.total_count);
    put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_cases, wb->f.total_count);
    row++;
    put_str(wb, ws, row, 0,
            "Non-r\xc3\xa9ponse (aucune case coch\xc3\xa9"
            "e)",
            wb->f.label);
    for (size_t j = 0; j < c; j++)
        put_num(wb, ws, row, (lxw_col_t)(j + 1), t->missing[j], wb->f.count);
    put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_missing, wb->f.count);
    row += 2;

    put_str(wb, ws, row++, 0, "Pourcentages des r\xc3\xa9pondants de chaque colonne (%)",
            wb->f.section);
    lxw_row_t pct_head = row;
    multi_crosstab_head(wb, ws, t, row++);
    for (size_t i = 0; i < r; i++, row++) {
        put_str(wb, ws, row, 0, cat_label(&t->row_cats[i]), wb->f.label);
        for (size_t j = 0; j < c; j++)
            put_num(wb, ws, row, (lxw_col_t)(j + 1), t->col_pct[i * c + j], wb->f.pct);
        put_num(wb, ws, row, (lxw_col_t)(c + 1), t->total_pct[i], wb->f.pct);
    }
    row++;

    double width = 16;
    width = fmax(width, (double)text_width(t->row_title));
    for (size_t i = 0; i < r; i++)
        width = fmax(width, (double)text_width(cat_label(&t->row_cats[i])));
    width = clamp(width + 2, 30, 60);
    double colw = 10;
    for (size_t j = 0; j < c; j++)
        colw = fmax(colw, (double)text_width(cat_label(&t->col_cats[j])) / 2 + 2);
    colw = clamp(colw, 10, 18);
    label_width(wb, se, width);
    latch(wb, worksheet_set_column(ws, 1, (lxw_col_t)(c + 1), colw, NULL));
    lxw_col_t ncols = (lxw_col_t)(c + 2 > 4 ? c + 2 : 4);
    put_wrapped(wb, ws, row, ncols, PN_MULTI_CROSSTAB_NOTE, width + colw * (ncols - 1), wb->f.warn);
    row += 2;
    put_wrapped(wb, ws, row, ncols, note, width + colw * (ncols - 1), wb->f.note);
    *bottom = row + (note && note[0] ? 2 : 0);

    if (it->chart == PN_CHART_NONE || r == 0 || c == 0)
        return PN_OK;
    uint8_t type = it->chart == PN_CHART_COLUMN ? LXW_CHART_COLUMN : LXW_CHART_BAR;
    lxw_chart *chart = workbook_add_chart(wb->lxw, type);
    char *vaxis = keep(wb, "% des r\xc3\xa9pondants");
    if (chart == NULL || vaxis == NULL || chart_title(wb, chart, title) != PN_OK)
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
    lxw_chart_axis *cat = type == LXW_CHART_BAR ? chart->y_axis : chart->x_axis;
    lxw_chart_axis *val = type == LXW_CHART_BAR ? chart->x_axis : chart->y_axis;
    chart_axis_set_name(val, vaxis);
    chart_axis_set_min(val, 0);
    chart_axis_set_num_format(val, "0");
    if (type == LXW_CHART_BAR) {
        chart_axis_set_reverse(cat);
        chart_axis_set_crossing_max(cat);
    }
    double bars = (double)(r * (c ? c : 1));
    lxw_chart_options opt = {
        .x_offset = 10,
        .x_scale = 1.5,
        .y_scale = type == LXW_CHART_BAR ? clamp((80.0 + 16.0 * bars) / 288.0, 1.2, 4.0) : 1.35};
    latch(wb, worksheet_insert_chart_opt(ws, top, (lxw_col_t)(c + 3), chart, &opt));
    lxw_row_t below = chart_bottom(top, opt.y_scale);
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
    if ((st = begin_sheet(wb, it, pn_strbuf_str(&info), t->row_title, &ws, &se, err)) != PN_OK)
        goto out;
    worksheet_freeze_panes(ws, 0, 1);
    st = draw_multi_crosstab(wb, se, it, t, HEAD_ROW, it->note, se->title, &bottom, err);
    if (st == PN_OK)
        st = end_sheet(wb, se->name, err);
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
        return table_info(sb, p->freq->title, p->freq->var);
    case PN_TAB_MULTI:
        if (table_info(sb, p->multi->title, p->multi->var) != PN_OK)
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
    if ((st = begin_sheet(wb, it, pn_strbuf_str(&info), NULL, &ws, &se, err)) != PN_OK)
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
        put_str(wb, ws, top, 0, pn_strbuf_str(&head), wb->f.section);
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
    st = end_sheet(wb, se->name, err);
out:
    pn_strbuf_release(&info);
    pn_strbuf_release(&head);
    pn_strbuf_release(&title);
    return st;
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
    return clamp(ceil((double)text_width(s) / width), 1, 40);
}

/* @date: {year, month, day}, or NULL when unknown. */
static void fill_cover(pn_workbook *wb, const pn_workbook_info *info, const int *date)
{
    lxw_worksheet *ws = wb->cover;
    const char *title = info && info->title ? info->title : "Panorama";

    latch(wb, worksheet_set_column(ws, 0, 0, 48, NULL));
    latch(wb, worksheet_set_column(ws, 1, 1, 80, NULL));
    put_str(wb, ws, 0, 0, title, wb->f.cover_title);
    latch(wb, worksheet_set_row(ws, 0, 30, NULL));
    if (info && info->subtitle)
        put_str(wb, ws, 1, 0, info->subtitle, wb->f.cover_subtitle);

    lxw_row_t row = 3;
    if (date != NULL) {
        lxw_datetime dt = {date[0], date[1], date[2], 0, 0, 0};
        put_str(wb, ws, row, 0,
                "Date des donn\xc3\xa9"
                "es (derni\xc3\xa8re r\xc3\xa9ponse re\xc3\xa7ue)",
                wb->f.label);
        latch(wb, worksheet_write_datetime(ws, row, 1, &dt, wb->f.date));
        row++;
    }
    row++;
    if (info && info->ncounts > 0) {
        put_str(wb, ws, row++, 0, "Chiffres cl\xc3\xa9s", wb->f.section);
        for (size_t i = 0; i < info->ncounts; i++, row++) {
            put_str(wb, ws, row, 0, info->count_labels[i], wb->f.label);
            put_num(wb, ws, row, 1, info->counts[i], wb->f.thousands);
        }
        row++;
    }
    put_str(wb, ws, row++, 0, "Sommaire", wb->f.section);
    put_str(wb, ws, row, 0, "Feuille", wb->f.head_left);
    put_str(wb, ws, row, 1, "Contenu", wb->f.head_left);
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
            latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        else
            latch(wb,
                  worksheet_write_url_opt(ws, row, 0, pn_strbuf_str(&url), wb->f.link, name, NULL));
        pn_strbuf_release(&url);
        put_str(wb, ws, row, 1, what, wb->f.label);
    }
    worksheet_set_paper(ws, PAPER_A4);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_activate(ws);
}

static pn_status fill_method(pn_workbook *wb, const pn_workbook_info *info, pn_error *err)
{
    static const char *const rounding[] = {
        "Les pourcentages sont calcul\xc3\xa9s sur les effectifs exacts, non arrondis, puis "
        "affich\xc3\xa9s avec une d\xc3\xa9"
        "cimale ; les totaux sont calcul\xc3\xa9s de "
        "m\xc3\xaame. La somme des pourcentages affich\xc3\xa9s peut donc diff\xc3\xa9rer de 100 "
        "de quelques dixi\xc3\xa8mes, par le seul effet de l'arrondi. Les cellules contiennent "
        "les valeurs exactes : le format d'affichage seul les arrondit.",
        "\xc2\xab % du total \xc2\xbb : part de l'ensemble des r\xc3\xa9pondants "
        "concern\xc3\xa9s par la question, non-r\xc3\xa9ponses comprises. \xc2\xab % des "
        "r\xc3\xa9ponses valides \xc2\xbb : part des r\xc3\xa9pondants ayant r\xc3\xa9pondu, "
        "non-r\xc3\xa9ponses exclues. L'intervalle de confiance \xc3\xa0 95 % (m\xc3\xa9thode "
        "de Wilson) porte sur le % des r\xc3\xa9ponses valides.",
    };
    const double width = 85; /* fits a portrait A4 page */
    lxw_worksheet *ws = workbook_add_worksheet(wb->lxw, PN_REPORT_METHOD_SHEET);
    if (ws == NULL)
        return pn_error_set(err, PN_EINTERNAL, "cannot add the sheet '%s' to '%s'",
                            PN_REPORT_METHOD_SHEET, wb->path);
    latch(wb, worksheet_set_column(ws, 0, 0, width, NULL));
    put_str(wb, ws, 0, 0, "M\xc3\xa9thodologie", wb->f.title);
    latch(wb, worksheet_set_row(ws, 0, 21, NULL));
    lxw_row_t row = 2;
    if (info && info->nmethod > 0) {
        put_str(wb, ws, row++, 0, "Enqu\xc3\xaate, champ et traitements", wb->f.section);
        for (size_t i = 0; i < info->nmethod; i++, row++) {
            latch(wb,
                  worksheet_set_row(ws, row, 15 * text_lines(info->method[i], width) + 4, NULL));
            put_str(wb, ws, row, 0, info->method[i], wb->f.para);
        }
        row++;
    }
    put_str(wb, ws, row++, 0, "Pourcentages et arrondis", wb->f.section);
    for (size_t i = 0; i < sizeof rounding / sizeof rounding[0]; i++, row++) {
        latch(wb, worksheet_set_row(ws, row, 15 * text_lines(rounding[i], width) + 4, NULL));
        put_str(wb, ws, row, 0, rounding[i], wb->f.para);
    }
    worksheet_set_paper(ws, PAPER_A4);
    worksheet_fit_to_pages(ws, 1, 0);
    return PN_OK;
}

/*
 * The file to replace and a new, empty temporary file beside it (same folder, so that
 * rename() replaces the target in one step), both for the caller to free; the caller removes
 * *@tmp unless it renamed it. The target is @wb->path, or the file a symbolic link there
 * points to (the link stays). A target that exists and is not a regular file (a folder, a
 * device such as /dev/full, a pipe) is refused: nothing is renamed over it or removed.
 */
static pn_status make_temp(pn_workbook *wb, char **target, char **tmp, pn_error *err)
{
    struct stat lst, st;
    *target = *tmp = NULL;
    if (lstat(wb->path, &lst) == 0) {
        if (stat(wb->path, &st) != 0 || !S_ISREG(st.st_mode))
            return pn_error_set(err, PN_EIO,
                                "cannot write '%s': it exists and is not a regular file; the "
                                "workbook is written only to a file (give a path such as "
                                "'panorama.xlsx')",
                                wb->path);
        *target = S_ISLNK(lst.st_mode) ? realpath(wb->path, NULL) : pn_strdup(wb->path);
    } else if (errno == ENOENT) {
        *target = pn_strdup(wb->path);
    } else {
        return pn_error_set(err, PN_EIO, "cannot write '%s': %s", wb->path, strerror(errno));
    }
    if (*target == NULL)
        return pn_error_set(err, errno == ENOMEM ? PN_ENOMEM : PN_EIO, "cannot write '%s': %s",
                            wb->path, strerror(errno));
    size_t len = strlen(*target) + 48;
    if ((*tmp = malloc(len)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", wb->path);
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
                                        "'%s' (the workbook is written beside its target, then "
                                        "renamed): %s",
                                        wb->path, slash ? dir : ".", strerror(errno));
            free(dir);
            free(*tmp);
            *tmp = NULL;
            return rc;
        }
    }
}

pn_status pn_workbook_close(pn_workbook *wb, const pn_workbook_info *info, pn_error *err)
{
    pn_strbuf footer = PN_STRBUF_INIT;
    int ymd[3] = {0, 0, 0};
    time_t noon = 0;
    char date_text[64] = "";
    char buf[256];
    int have_date = 0;
    char *target = NULL, *tmp = NULL;
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

    fill_cover(wb, info, have_date ? ymd : NULL);
    if ((st = fill_method(wb, info, err)) != PN_OK)
        goto out;

    /* '&' starts a code in a footer: the date has none, the source text neither. */
    if (pn_strbuf_printf(&footer, "&L%s%s%s&RPage &P / &N", SOURCE_TEXT, have_date ? ", " : "",
                         date_text) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", wb->path);
        goto out;
    }
    latch(wb, worksheet_set_footer(wb->cover, pn_strbuf_str(&footer)));
    for (size_t i = 0; i < wb->nsheets; i++)
        latch(wb, worksheet_set_footer(wb->sheets[i].ws, pn_strbuf_str(&footer)));
    lxw_worksheet *method = workbook_get_worksheet_by_name(wb->lxw, PN_REPORT_METHOD_SHEET);
    if (method != NULL)
        latch(wb, worksheet_set_footer(method, pn_strbuf_str(&footer)));

    lxw_doc_properties props = {0};
    props.title = keep(wb, info && info->title ? info->title : "Panorama");
    props.subject = keep(wb, info && info->subtitle ? info->subtitle : "");
    props.author = keep(wb, "panorama");
    props.comments = keep(wb, "Classeur produit par panorama");
    if (props.title == NULL || props.subject == NULL || props.author == NULL ||
        props.comments == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", wb->path);
        goto out;
    }
    /* Noon UTC: libxlsxwriter writes it back in UTC, so the file is the same in every
     * time zone, and the date is that of the data. */
    if (have_date)
        props.created = noon;
    latch(wb, workbook_set_properties(wb->lxw, &props));

    if (wb->lxw_err != LXW_NO_ERROR) {
        st = end_sheet(wb, PN_REPORT_COVER_SHEET, err);
        goto out;
    }

    /* Written beside the target, renamed over it when whole: a failure (a full disk, a
     * kill) leaves the previous workbook as it was, and only the file made here is removed. */
    if ((st = make_temp(wb, &target, &tmp, err)) != PN_OK)
        goto out;
    /* libxlsxwriter writes the file its workbook names (lxw_workbook.filename, a field of its
     * public struct, read only by workbook_close): name the temporary file, made here, so that
     * it never prints an error of its own for a file it cannot create */
    char *name = pn_strdup(tmp);
    if (name == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", wb->path);
        goto out;
    }
    free(wb->lxw->filename);
    wb->lxw->filename = name;

    lxw_workbook *lxw = wb->lxw;
    wb->lxw = NULL; /* workbook_close frees it, whatever the result */
    lxw_error e = workbook_close(lxw);
    if (e != LXW_NO_ERROR) {
        st = pn_error_set(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? PN_ENOMEM : PN_EIO,
                          "cannot write '%s': %s", wb->path, lxw_message(e, buf, sizeof buf));
        goto out;
    }
    /* on the disk before it replaces the old one: a power cut leaves one or the other */
    int fd = open(tmp, O_RDONLY);
    int bad = fd < 0 || fsync(fd) != 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    if (bad == 0 && rename(tmp, target) != 0)
        bad = errno;
    if (bad != 0) {
        st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", wb->path, strerror(bad));
        goto out;
    }
    free(tmp);
    tmp = NULL;
out:
    if (tmp != NULL)
        remove(tmp); /* made by make_temp: the only file removed */
    free(tmp);
    free(target);
    pn_strbuf_release(&footer);
    pn_workbook_destroy(wb);
    return st;
}
