/* test_xlsx.c - the sheets of an .xlsx workbook as records (util/xlsx.h), on workbooks that
 * libxlsxwriter writes both ways it can: shared strings, and inline strings (its
 * constant_memory mode, the one KoboToolbox's export uses through XlsxWriter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xlsxwriter.h>

#include "support/support.h"
#include "util/strbuf.h"
#include "util/xlsx.h"

/* Every record of a sheet as "line:field|field|...\n". */
static pn_status collect(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    pn_strbuf *sb = ctx;
    (void)err;
    if (pn_strbuf_printf(sb, "%zu:", line) != PN_OK)
        return PN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (pn_strbuf_printf(sb, "%s%s", i ? "|" : "", f[i]) != PN_OK)
            return PN_ENOMEM;
    return pn_strbuf_puts(sb, "\n");
}

static void write_book(const char *path, int constant_memory)
{
    lxw_workbook_options o = {.constant_memory = (uint8_t)constant_memory};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    assert_non_null(wb);
    lxw_worksheet *a = workbook_add_worksheet(wb, "Réponses");
    lxw_worksheet *h = workbook_add_worksheet(wb, "cachée");
    lxw_worksheet *b = workbook_add_worksheet(wb, "partenaires");
    lxw_format *day = workbook_add_format(wb), *fr = workbook_add_format(wb),
               *clock = workbook_add_format(wb), *stamp = workbook_add_format(wb),
               *money = workbook_add_format(wb), *blank = workbook_add_format(wb);
    format_set_num_format(day, "dd/mm/yyyy");
    format_set_num_format(fr, "[$-40C]d mmmm yyyy;@");
    format_set_num_format(clock, "hh:mm");
    format_set_num_format(stamp, "yyyy-mm-dd hh:mm:ss");
    format_set_num_format(money, "#,##0.00\\ \"€\"");
    format_set_bg_color(blank, 0xFFFF00);
    const char *head[] = {"nom",   "annee", "siret", "part",  "jour", "long",
                          "heure", "quand", "oui",   "somme", "prix"};
    for (lxw_col_t c = 0; c < 11; c++)
        worksheet_write_string(a, 0, c, head[c], NULL);
    worksheet_write_string(a, 1, 0, "Centre « Les Marronniers »\r\nsuite", NULL);
    worksheet_write_number(a, 1, 1, 2004, NULL);
    worksheet_write_number(a, 1, 2, 30791900100403.0, NULL);
    worksheet_write_number(a, 1, 3, 0.1, NULL);
    lxw_datetime d = {2026, 3, 14, 0, 0, 0};
    worksheet_write_datetime(a, 1, 4, &d, day);
    worksheet_write_datetime(a, 1, 5, &d, fr);
    lxw_datetime t = {0, 0, 0, 9, 30, 0};
    worksheet_write_datetime(a, 1, 6, &t, clock);
    lxw_datetime dt = {2026, 3, 6, 18, 58, 2};
    worksheet_write_datetime(a, 1, 7, &dt, stamp);
    worksheet_write_boolean(a, 1, 8, 1, NULL);
    worksheet_write_formula_num(a, 1, 9, "=B2+1", NULL, 2005);
    worksheet_write_number(a, 1, 10, 12.5, money);
    /* row 3 left empty; row 4 short, with a formatted empty cell at its end */
    worksheet_write_string(a, 3, 0, "court", NULL);
    worksheet_write_number(a, 3, 1, 1.0 / 3.0, NULL);
    worksheet_write_blank(a, 3, 4, blank);
    /* row 5 longer than the header */
    worksheet_write_string(a, 4, 0, "long", NULL);
    worksheet_write_string(a, 4, 12, "au-delà", NULL);
    worksheet_write_string(h, 0, 0, "secret", NULL);
    worksheet_hide(h);
    worksheet_write_string(b, 0, 0, "id", NULL);
    worksheet_write_string(b, 1, 0, "0951099D", NULL);
    worksheet_write_number(b, 2, 0, -0.5, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void read_book(int constant_memory)
{
    char dir[64], path[128];
    pn_test_dir_create(dir, sizeof dir, "pn_xlsx");
    snprintf(path, sizeof path, "%s/book.xlsx", dir);
    write_book(path, constant_memory);
    assert_true(pn_xlsx_is_zip(path));
    pn_error err = {0};
    pn_xlsx *x = NULL;
    assert_int_equal(pn_xlsx_open(path, &x, &err), PN_OK);
    assert_int_equal(pn_xlsx_nsheets(x), 3);
    assert_string_equal(pn_xlsx_sheet_name(x, 0), "Réponses");
    assert_string_equal(pn_xlsx_sheet_name(x, 2), "partenaires");
    assert_false(pn_xlsx_sheet_hidden(x, 0));
    assert_true(pn_xlsx_sheet_hidden(x, 1));
    assert_int_equal(pn_xlsx_sheet_find(x, "partenaires"), 2);
    assert_int_equal(pn_xlsx_sheet_find(x, "absente"), -1);
    pn_strbuf sb = PN_STRBUF_INIT;
    assert_int_equal(pn_xlsx_read(x, 0, "book.xlsx[Réponses]", collect, &sb, &err), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb),
                        "1:nom|annee|siret|part|jour|long|heure|quand|oui|somme|prix\n"
                        "2:Centre « Les Marronniers »\r\nsuite|2004|30791900100403|0.1|"
                        "2026-03-14|2026-03-14|09:30:00|2026-03-06T18:58:02|TRUE|2005|12.5\n"
                        "4:court|0.3333333333333333|||||||||\n"
                        "5:long||||||||||||au-delà\n");
    pn_strbuf_reset(&sb);
    assert_int_equal(pn_xlsx_read(x, 2, "book.xlsx[partenaires]", collect, &sb, &err), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "1:id\n2:0951099D\n3:-0.5\n");
    pn_strbuf_release(&sb);
    pn_xlsx_destroy(x);
    pn_xlsx_destroy(NULL);
    assert_int_equal(pn_test_dir_remove(dir), 0);
}

static void test_shared_strings(void **state)
{
    (void)state;
    read_book(0);
}

static void test_inline_strings(void **state)
{
    (void)state;
    read_book(1);
}

/* A callback's PN_STOP ends the reading without an error; its failure is returned. */
static pn_status stop_at_two(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    (void)n, (void)f;
    *(size_t *)ctx = line;
    if (line == 5)
        return pn_error_set(err, PN_EINPUT, "line %zu refused", line);
    return line == 2 ? PN_STOP : PN_OK;
}

static pn_status refuse_five(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    return line == 5 ? stop_at_two(ctx, line, n, f, err) : PN_OK;
}

static void test_stop_and_errors(void **state)
{
    (void)state;
    char dir[64], path[128];
    pn_test_dir_create(dir, sizeof dir, "pn_xlsx");
    snprintf(path, sizeof path, "%s/book.xlsx", dir);
    write_book(path, 0);
    pn_error err = {0};
    pn_xlsx *x = NULL;
    assert_int_equal(pn_xlsx_open(path, &x, &err), PN_OK);
    size_t last = 0;
    assert_int_equal(pn_xlsx_read(x, 0, "b", stop_at_two, &last, &err), PN_OK);
    assert_int_equal(last, 2);
    assert_int_equal(pn_xlsx_read(x, 0, "b", refuse_five, &last, &err), PN_EINPUT);
    assert_string_equal(err.msg, "line 5 refused");
    pn_xlsx_destroy(x);
    /* a CSV file, a missing file, a zip that is no workbook */
    const char *csv = pn_test_put(dir, "a.csv", "a,b\n1,2\n");
    assert_false(pn_xlsx_is_zip(csv));
    assert_int_equal(pn_xlsx_open(csv, &x, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "cannot read it as an Excel workbook"));
    assert_null(x);
    snprintf(path, sizeof path, "%s/absent.xlsx", dir);
    assert_int_equal(pn_xlsx_open(path, &x, &err), PN_EIO);
    assert_non_null(strstr(err.msg, "cannot open"));
    /* a damaged sheet: the archive is cut in its middle */
    snprintf(path, sizeof path, "%s/book.xlsx", dir);
    size_t len = 0;
    char *bytes = pn_test_read_file(path, &len);
    char cut[128];
    snprintf(cut, sizeof cut, "%s/cut.xlsx", dir);
    pn_test_write_file(cut, bytes, len / 2);
    free(bytes);
    assert_int_not_equal(pn_xlsx_open(cut, &x, &err), PN_OK);
    assert_non_null(strstr(err.msg, "cut.xlsx"));
    assert_int_equal(pn_test_dir_remove(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shared_strings),
                                       cmocka_unit_test(test_inline_strings),
                                       cmocka_unit_test(test_stop_and_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
