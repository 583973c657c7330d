/*
 * layout.c - how each sheet of the workbook prints: what its rows, columns and charts take,
 * recorded as they are set (wb_set_row, wb_set_cols, wb_insert_chart), and from that its
 * orientation and the number of A4 pages it is fitted to (wb_plan_pages).
 *
 * A spreadsheet measures column widths in digits of the font it draws with, not in points:
 * the same workbook is wider in DejaVu Sans than in Calibri, by about a third. So a sheet is
 * never left to "fit to the width, any height" (fitToHeight 0), which LibreOffice does not
 * shrink when one column is wider than the page, and which lets a sheet a little too tall
 * for its page spill its last note onto a page of its own. Each sheet is fitted to one page
 * wide and to as many pages tall as its rows take at the width it is printed (one for a
 * table that nearly fits), and no single column is wider than a page in the widest usual
 * font (WB_COLUMN_MAX): the spreadsheet then shrinks the sheet to whatever its font takes.
 */
#include "report/workbook_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

/* A4 in points, and libxlsxwriter's default margins (0.7 in left and right, 0.75 in top and
 * bottom, where the header and footer are). */
#define A4_LONG 842.0
#define A4_SHORT 595.0
#define MARGIN_SIDES (2 * 0.7 * 72)
#define MARGIN_ENDS (2 * 0.75 * 72)
#define DEFAULT_ROW 15.0 /* points */
#define DEFAULT_COL 8.43 /* characters */
#define CHART_W 480.0    /* Excel's default chart, pixels */
#define CHART_H 288.0
#define PX 0.75 /* points per pixel */
/* DejaVu Sans's digits, the unit of column widths, against Calibri's. */
#define WIDE_FONT (4.0 / 3.0)
/* A sheet up to this much taller than its page is shrunk onto one page rather than cut. */
#define ONE_PAGE_SLACK 1.3

struct wb_plan {
    lxw_worksheet *ws;
    double *row_h; /* points, 0 where not set; nrow entries */
    size_t nrow, caprow;
    double *col_w; /* characters, 0 where not set; ncol entries */
    size_t ncol, capcol;
    struct chart_box {
        lxw_row_t row;
        lxw_col_t col;
        double x, y, w, h; /* offset in the anchor cell and size, pixels */
    } * charts;
    size_t ncharts, capcharts;
    int head; /* 1 when head_row is set */
    lxw_row_t head_row;
    struct block {
        lxw_row_t row; /* the first row of a block a page should not cut */
        int own;       /* 1 when it begins a page whatever room is left */
    } * blocks;        /* in order */
    size_t nblocks, capblocks;
    int one_page; /* wb_one_page: the whole sheet on one page, whatever it takes */
};

/* Grow @*p (of @*cap elements of @size bytes) to hold @n, zeroing what is new. */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 1;
    size_t c = *cap ? *cap : 16;
    while (c < n)
        c *= 2;
    unsigned char *q = realloc(*p, c * size);
    if (q == NULL)
        return 0;
    memset(q + *cap * size, 0, (c - *cap) * size);
    *p = q;
    *cap = c;
    return 1;
}

/* The plan of @ws, made on first use; NULL when out of memory (latched). */
static wb_plan *plan_of(pn_workbook *wb, lxw_worksheet *ws)
{
    for (size_t i = 0; i < wb->nplans; i++)
        if (wb->plans[i]->ws == ws)
            return wb->plans[i];
    wb_plan *p = calloc(1, sizeof *p);
    if (p == NULL || !grow((void **)&wb->plans, &wb->capplans, wb->nplans + 1, sizeof *wb->plans)) {
        free(p);
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return NULL;
    }
    p->ws = ws;
    wb->plans[wb->nplans++] = p;
    return p;
}

void wb_plans_release(pn_workbook *wb)
{
    for (size_t i = 0; i < wb->nplans; i++) {
        free(wb->plans[i]->row_h);
        free(wb->plans[i]->col_w);
        free(wb->plans[i]->charts);
        free(wb->plans[i]->blocks);
        free(wb->plans[i]);
    }
    free(wb->plans);
    wb->plans = NULL;
    wb->nplans = wb->capplans = 0;
}

void wb_set_row(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, double height)
{
    wb_latch(wb, worksheet_set_row(ws, row, height, NULL));
    wb_plan *p = plan_of(wb, ws);
    if (p == NULL)
        return;
    if (!grow((void **)&p->row_h, &p->caprow, (size_t)row + 1, sizeof *p->row_h)) {
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    p->row_h[row] = height;
    if ((size_t)row + 1 > p->nrow)
        p->nrow = (size_t)row + 1;
}

void wb_set_cols(pn_workbook *wb, lxw_worksheet *ws, lxw_col_t first, lxw_col_t last, double width)
{
    width = fmin(width, WB_COLUMN_MAX);
    wb_latch(wb, worksheet_set_column(ws, first, last, width, NULL));
    wb_plan *p = plan_of(wb, ws);
    if (p == NULL)
        return;
    if (!grow((void **)&p->col_w, &p->capcol, (size_t)last + 1, sizeof *p->col_w)) {
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    for (size_t c = first; c <= last; c++)
        p->col_w[c] = width;
    if ((size_t)last + 1 > p->ncol)
        p->ncol = (size_t)last + 1;
}

/* What a chart or an image covers, for the sheet's plan. */
static void add_box(pn_workbook *wb, lxw_worksheet *ws, struct chart_box box)
{
    wb_plan *p = plan_of(wb, ws);
    if (p == NULL)
        return;
    if (!grow((void **)&p->charts, &p->capcharts, p->ncharts + 1, sizeof *p->charts)) {
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    p->charts[p->ncharts++] = box;
}

void wb_insert_chart(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                     lxw_chart *chart, lxw_chart_options *opt)
{
    wb_latch(wb, worksheet_insert_chart_opt(ws, row, col, chart, opt));
    double xs = opt->x_scale > 0 ? opt->x_scale : 1, ys = opt->y_scale > 0 ? opt->y_scale : 1;
    add_box(wb, ws,
            (struct chart_box){row, col, opt->x_offset, opt->y_offset, CHART_W * xs, CHART_H * ys});
}

void wb_insert_image(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                     const unsigned char *png, size_t len, double w, double h,
                     lxw_image_options *opt)
{
    wb_latch(wb, worksheet_insert_image_buffer_opt(ws, row, col, png, len, opt));
    add_box(wb, ws, (struct chart_box){row, col, opt->x_offset, opt->y_offset, w, h});
}

void wb_one_page(pn_workbook *wb, lxw_worksheet *ws)
{
    wb_plan *p = plan_of(wb, ws);
    if (p != NULL)
        p->one_page = 1;
}

void wb_head_row(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row)
{
    wb_plan *p = plan_of(wb, ws);
    if (p != NULL && !p->head) {
        p->head = 1;
        p->head_row = row;
    }
}

void wb_block(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, int own_page)
{
    wb_plan *p = plan_of(wb, ws);
    if (p == NULL)
        return;
    if (!grow((void **)&p->blocks, &p->capblocks, p->nblocks + 1, sizeof *p->blocks)) {
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    p->blocks[p->nblocks++] = (struct block){row, own_page != 0};
}

/* Width in pixels of column @c as Excel draws it in Calibri 11 (7 pixels a digit, 5 of
 * padding). */
static double col_px(const wb_plan *p, size_t c)
{
    double w = c < p->ncol && p->col_w[c] > 0 ? p->col_w[c] : DEFAULT_COL;
    return floor(w * 7 + 5);
}

static double row_pt(const wb_plan *p, size_t r)
{
    return r < p->nrow && p->row_h[r] > 0 ? p->row_h[r] : DEFAULT_ROW;
}

/* The width and height (points) of the cells written and the charts of @p on @ws, its
 * columns @wide times as wide as in Calibri (a chart is anchored to the cells it covers, so
 * its width grows with theirs). */
static void extent(const wb_plan *p, const lxw_worksheet *ws, double wide, double *w, double *h)
{
    size_t ncols = ws->dim_colmax + 1u, nrows = ws->dim_rowmax + 1u;
    *w = *h = 0;
    for (size_t c = 0; c < ncols; c++)
        *w += col_px(p, c) * PX * wide;
    for (size_t r = 0; r < nrows; r++)
        *h += row_pt(p, r);
    for (size_t i = 0; i < p->ncharts; i++) {
        const struct chart_box *b = &p->charts[i];
        double x = 0, y = 0;
        for (size_t c = 0; c < b->col; c++)
            x += col_px(p, c) * PX * wide;
        for (size_t r = 0; r < b->row; r++)
            y += row_pt(p, r);
        *w = fmax(*w, x + (b->x + b->w) * PX * wide);
        *h = fmax(*h, y + (b->y + b->h) * PX);
    }
}

/*
 * A sheet of blocks over several pages (a long cross-tab): the spreadsheets ignore page
 * breaks on a sheet fitted to pages, so it is printed at a fixed scale, at which its width
 * fits in the widest usual font (WIDE_FONT), and a page begins with a block when that block
 * would not fit whole on the page before.
 */
static size_t break_blocks(pn_workbook *wb, const wb_plan *p, lxw_worksheet *ws, double pw,
                           double ph)
{
    double w, h;
    extent(p, ws, WIDE_FONT, &w, &h);
    double scale = w > pw ? floor(100 * pw / w) / 100 : 1;
    double room = 0.95 * ph / scale; /* rows a spreadsheet sizes itself may be a little taller */
    lxw_row_t *breaks = calloc(p->nblocks + 1, sizeof *breaks);
    if (breaks == NULL) {
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return 0;
    }
    size_t nbreaks = 0, nrows = ws->dim_rowmax + 1u, r = 0;
    double used = 0;
    for (size_t b = 0; b <= p->nblocks; b++) { /* rows before block b; the last: to the end */
        size_t end = b < p->nblocks ? p->blocks[b].row : nrows;
        double size = 0;
        for (; r < end; r++)
            size += row_pt(p, r);
        /* never before the first block: its page would hold the sheet's title alone */
        if (b > 1 && used > 0 && (used + size > room || p->blocks[b - 1].own)) {
            breaks[nbreaks++] = p->blocks[b - 1].row; /* block b-1 begins a page */
            used = 0;
        }
        used += size;
    }
    if (nbreaks > 0) { /* a list ended by 0, which is no break */
        worksheet_set_print_scale(ws, (uint16_t)wb_clamp(100 * scale, 10, 100));
        wb_latch(wb, worksheet_set_h_pagebreaks(ws, breaks));
    }
    free(breaks);
    return nbreaks;
}

void wb_plan_pages(pn_workbook *wb, lxw_worksheet *ws, int landscape_ok)
{
    wb_plan *p = plan_of(wb, ws);
    if (p == NULL)
        return;
    double w, h;
    extent(p, ws, 1, &w, &h);

    /* each orientation: the scale that fits the width, the pages the height then takes, and
     * the scale at which it prints; the larger scale wins, portrait on a tie */
    int pages[2];
    double scale[2], pw[2], ph[2];
    for (int o = 0; o < 2; o++) {
        pw[o] = (o ? A4_LONG : A4_SHORT) - MARGIN_SIDES;
        ph[o] = (o ? A4_SHORT : A4_LONG) - MARGIN_ENDS;
        double sw = w > pw[o] ? pw[o] / w : 1;
        double tall = h * sw / ph[o];
        pages[o] = tall <= ONE_PAGE_SLACK ? 1 : (int)ceil(tall);
        scale[o] = pages[o] == 1 ? fmin(sw, ph[o] / h) : sw;
    }
    if (p->one_page) /* shrunk onto one page, in the orientation that prints it larger */
        for (int k = 0; k < 2; k++) {
            pages[k] = 1;
            scale[k] = fmin(fmin(1, pw[k] / w), ph[k] / h);
        }
    int o = landscape_ok && scale[1] > scale[0] * 1.05 ? 1 : 0;
    if (o)
        worksheet_set_landscape(ws);
    else
        worksheet_set_portrait(ws);
    worksheet_set_paper(ws, PAPER_A4);
    if (pages[o] > 1 && p->nblocks > 0) {
        if (break_blocks(wb, p, ws, pw[o], ph[o]) > 0)
            return;
        /* one block, which no break divides: the whole on one page, in the orientation that
         * prints it larger */
        double one[2];
        for (int k = 0; k < 2; k++)
            one[k] = fmin(fmin(1, pw[k] / w), ph[k] / h);
        o = landscape_ok && one[1] > one[0] ? 1 : 0;
        if (o)
            worksheet_set_landscape(ws);
        else
            worksheet_set_portrait(ws);
        pages[o] = 1;
    }
    worksheet_fit_to_pages(ws, 1, (uint16_t)(pages[o] > 0 ? pages[o] : 1));
    /* a table over several pages repeats its head on each */
    if (pages[o] > 1 && p->head)
        wb_latch(wb, worksheet_repeat_rows(ws, p->head_row, p->head_row));
}
