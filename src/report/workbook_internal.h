/*
 * workbook_internal.h - what the workbook's file, cover and methodology (workbook.c) and its
 * table sheets (tables.c) share: the workbook, its sheets and formats, and the helpers that
 * write cells and sheet parts. Not a public header.
 */
#ifndef PN_REPORT_WORKBOOK_INTERNAL_H
#define PN_REPORT_WORKBOOK_INTERNAL_H

#include <xlsxwriter.h>

#include "report/report.h"
#include "util/strbuf.h"

#define SOURCE_TEXT                                                                                \
    "Source : enqu\xc3\xaate \xc3\xa9"                                                             \
    "coles \xe2\x80\x93 centres sociaux"
#define HEAD_ROW 3 /* row of the table's head on every table sheet (0-based) */
#define PAPER_A4 9
/* The number format of a count the secret statistique does not apply to (the registry's
 * structures, the links the cartography publishes): it shows as "0" does, and tells such a
 * cell from an answer count to whoever reads the workbook (tests/e2e/pdf_layout.py). */
#define PN_PUBLIC_COUNT_FORMAT "#0"
/* The widest column, in characters: a portrait A4 page's width in DejaVu Sans, whose digits
 * (the unit of column widths) are a third wider than Calibri's (layout.c). */
#define WB_COLUMN_MAX 66

typedef struct wb_plan wb_plan; /* what a sheet's rows, columns and charts take (layout.c) */

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
    wb_plan **plans; /* each sheet's print layout, the cover's and methodology's too */
    size_t nplans, capplans;
    char **kept; /* strings lent to libxlsxwriter until close */
    size_t nkept, capkept;
    lxw_error lxw_err; /* first failure of a cell write, LXW_NO_ERROR when none */
    double small_base; /* a percentage on fewer units is flagged (0: none) */
    char *producer;    /* who produced the survey, for the tables' source lines; NULL: none */
    const struct pn_output_part *part; /* the table being drawn (tables.c) */
    int small_seen;                    /* a percentage of the table being drawn was flagged */
    struct {
        lxw_format *title, *info, *head, *head_left, *label, *count, *pct, *total_label,
            *total_count, *total_pct, *section, *note, *warn, *stat, *p, *cover_title,
            *cover_subtitle, *date, *thousands, *link, *para, *pct_small, *resid,
            /* a count that is no survey answer (the registry's, the links the map shows), so
             * not under the secret statistique: number format PN_PUBLIC_COUNT_FORMAT */
            *public_count, *total_public, *section_wrap;
    } f;
};

char *wb_keep(pn_workbook *wb, const char *s);
void wb_latch(pn_workbook *wb, lxw_error e);
void wb_put_str(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                lxw_format *f);
void wb_put_num(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double x,
                lxw_format *f);
size_t wb_text_width(const char *s);
double wb_clamp(double x, double lo, double hi);
void wb_french_decimal(char *buf, size_t size, double x);
PN_MUST_USE pn_status wb_begin_sheet(pn_workbook *wb, const pn_report_item *it, const char *info,
                                     const char *fallback_title, lxw_worksheet **out,
                                     sheet_entry **entry, pn_error *err);
void wb_put_wrapped(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                    const char *text, double width_chars, lxw_format *f);
PN_MUST_USE pn_status wb_end_sheet(pn_workbook *wb, const char *sheet, pn_error *err);
lxw_row_t wb_chart_bottom(lxw_row_t row, double y_scale);
void wb_label_width(pn_workbook *wb, sheet_entry *se, double w);
PN_MUST_USE pn_status wb_chart_title(pn_workbook *wb, lxw_chart *chart, const char *title);
PN_MUST_USE pn_status wb_single_series_chart(pn_workbook *wb, sheet_entry *se, const char *title,
                                             pn_chart_kind kind, lxw_row_t first, size_t k,
                                             lxw_col_t value_col, const char *axis,
                                             lxw_col_t at_col, lxw_row_t *bottom, pn_error *err);
PN_MUST_USE pn_status wb_table_info(pn_strbuf *sb, const char *label, const char *var);

/* The format of a percentage on @base units: @f, or its italic twin when the base is small
 * (then noted in wb->small_seen); wb_small_note writes the line that says so, at @row, when
 * one was, and returns the rows it took (0 or 2). */
lxw_format *wb_pct_format(pn_workbook *wb, lxw_format *f, double base);
/* Under a table, the lines INSEE's tables have: "Champ :" (the units of wb->part), "Source :",
 * "Lecture :" @lecture (NULL: none), and @left_out (NULL: none), one a row from @row; returns
 * the rows it took with a blank one after. */
lxw_row_t wb_about(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                   double width_chars, const char *lecture, const char *left_out);
/* about.c: the "Lecture :" sentence of each kind of table, about its first figure shown, into
 * @buf (returned; "" when none is shown); the non-response line of a cross-tab. */
const char *wb_freq_lecture(const pn_workbook *wb, const pn_freq *t, char *buf, size_t size);
const char *wb_multi_lecture(const pn_workbook *wb, const pn_multi *t, char *buf, size_t size);
const char *wb_crosstab_lecture(const pn_workbook *wb, const pn_crosstab *t, char *buf,
                                size_t size);
const char *wb_multi_crosstab_lecture(const pn_workbook *wb, const pn_multi_crosstab *t, char *buf,
                                      size_t size);
const char *wb_agreement_lecture(const pn_agreement *t, char *buf, size_t size);
void wb_left_out_text(const pn_workbook *wb, const pn_crosstab *t, char *buf, size_t size);
lxw_row_t wb_small_note(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                        double width_chars);

/* layout.c: rows, columns and charts set through these are recorded for the sheet's print
 * layout, which wb_plan_pages sets: its orientation (landscape only when @landscape_ok and
 * it prints larger so) and the pages it is fitted to; @row of wb_head_row is the table head a
 * sheet of several pages repeats (the first one given counts), unless the sheet has blocks
 * (wb_block: the first row of a block with its own head), which then begin the pages they
 * would not fit whole on, or always when @own_page (a chart under a long table). Failures are
 * latched. */
void wb_set_row(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, double height);
void wb_set_cols(pn_workbook *wb, lxw_worksheet *ws, lxw_col_t first, lxw_col_t last, double width);
void wb_insert_chart(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                     lxw_chart *chart, lxw_chart_options *opt);
/* An image (PNG bytes, copied by libxlsxwriter) shown @w x @h pixels once scaled by @opt. */
void wb_insert_image(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                     const unsigned char *png, size_t len, double w, double h,
                     lxw_image_options *opt);
/* The sheet is printed on one page, shrunk as much as it takes (a fiche). */
void wb_one_page(pn_workbook *wb, lxw_worksheet *ws);
void wb_head_row(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row);
void wb_block(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, int own_page);
void wb_plan_pages(pn_workbook *wb, lxw_worksheet *ws, int landscape_ok);
void wb_plans_release(pn_workbook *wb);

/*
 * wb_make_temp - the file to replace and a new, empty temporary file beside it (same folder,
 * "PATH.PID-N.tmp", so that rename() replaces the target in one step), both for the caller to
 * free; the caller removes *@tmp unless wb_commit_temp renamed it. The target is @path, or the
 * file a symbolic link there points to (the link stays). A target that exists and is not a
 * regular file (a folder, a device such as /dev/full, a pipe) is refused: nothing is renamed
 * over it or removed; @example names a good path in that message ("panorama.xlsx").
 * PN_OK, PN_EIO ("cannot write 'path': ..."), PN_ENOMEM.
 */
PN_MUST_USE pn_status wb_make_temp(const char *path, const char *example, char **target, char **tmp,
                                   pn_error *err);
/* wb_commit_temp - the temporary file @tmp, written whole, synced to the disk and renamed over
 * @target (@path for messages). PN_OK, PN_EIO; on failure @tmp is still there to remove. */
PN_MUST_USE pn_status wb_commit_temp(const char *tmp, const char *target, const char *path,
                                     pn_error *err);

/* Write @lxw (which this frees, whatever the result) to @path as a whole: to a new file beside
 * it, synced, then renamed over it (a symbolic link's target replaced, the link kept); a path
 * that exists and is not a regular file is refused. PN_OK, PN_EIO, PN_ENOMEM. */
PN_MUST_USE pn_status wb_write_file(lxw_workbook *lxw, const char *path, pn_error *err);

/* The value axis of @chart of libxlsxwriter @type, and its category axis in *@cat (when not
 * NULL); a bar chart's categories are reversed to read top-down, the value axis below. */
lxw_chart_axis *wb_chart_axes(lxw_chart *chart, uint8_t type, lxw_chart_axis **cat);

#endif
