/*
 * test_csv.c - the CSV reader of util/csv.c: delimiter detection, byte order marks, line
 * endings, the start line of records that span lines, the errors a person sees for a broken
 * file, UTF-8 validation and field quoting on output.
 *
 * Every read is turned into a dump, one record a line: "[line] field|field|...", so that a
 * test states the whole expected result in one string.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/csv.h"

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("'%s' does not contain '%s'", (hay), (needle));                               \
    } while (0)

typedef struct dump {
    char text[4096];
    size_t len;
    size_t nrecords;
    size_t stop_at;        /* return stop_status at this record (1-based); 0: never */
    pn_status stop_status; /* what the callback returns there */
} dump;

static pn_status collect(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    dump *d = ctx;
    d->nrecords++;
    int w = snprintf(d->text + d->len, sizeof d->text - d->len, "[%zu]", line);
    assert_true(w > 0 && (size_t)w < sizeof d->text - d->len);
    d->len += (size_t)w;
    for (size_t i = 0; i < n; i++) {
        w = snprintf(d->text + d->len, sizeof d->text - d->len, "%s%s", i ? "|" : " ", fields[i]);
        assert_true(w >= 0 && (size_t)w < sizeof d->text - d->len);
        d->len += (size_t)w;
    }
    assert_true(d->len + 1 < sizeof d->text);
    d->text[d->len++] = '\n';
    d->text[d->len] = '\0';
    if (d->stop_at != 0 && d->nrecords == d->stop_at)
        return pn_error_set(err, d->stop_status, "stopped at line %zu", line);
    return PN_OK;
}

/* Reads @len bytes of @text as file "t.csv" with delimiter @delim (0: detect). */
static pn_status read_mem(const char *text, size_t len, char delim, dump *d, char *delim_out,
                          pn_error *err)
{
    /* fmemopen refuses a zero size on some libcs: read an empty file from /dev/null */
    FILE *in = len ? fmemopen((void *)text, len, "rb") : fopen("/dev/null", "rb");
    assert_non_null(in);
    pn_csv_opts opts = {.delim = delim};
    pn_status st = pn_csv_read(in, "t.csv", &opts, collect, d, delim_out, err);
    fclose(in);
    return st;
}

#define READ_OK(input, delim, expected_dump, expected_delim)                                       \
    do {                                                                                           \
        dump d_ = {0};                                                                             \
        pn_error e_ = {0};                                                                         \
        char got_delim_ = 'x';                                                                     \
        pn_status st_ = read_mem((input), sizeof(input) - 1, (delim), &d_, &got_delim_, &e_);      \
        if (st_ != PN_OK)                                                                          \
            fail_msg("status %d: %s", (int)st_, e_.msg);                                           \
        assert_string_equal(d_.text, (expected_dump));                                             \
        assert_int_equal(got_delim_, (expected_delim));                                            \
    } while (0)

#define READ_ERR(input, expected_msg, expected_status)                                             \
    do {                                                                                           \
        dump d_ = {0};                                                                             \
        pn_error e_ = {0};                                                                         \
        pn_status st_ = read_mem((input), sizeof(input) - 1, 0, &d_, NULL, &e_);                   \
        assert_int_equal(st_, (expected_status));                                                  \
        assert_int_equal(e_.status, (expected_status));                                            \
        assert_string_equal(e_.msg, (expected_msg));                                               \
    } while (0)

static void test_detect_comma(void **state)
{
    (void)state;
    READ_OK("a,b,c\n1,2,3\n", 0, "[1] a|b|c\n[2] 1|2|3\n", ',');
}

static void test_detect_semicolon(void **state)
{
    (void)state;
    /* the first line decides: 2 ';' against 1 ',' */
    READ_OK("a;b,c;d\n1;2;3\n", 0, "[1] a|b,c|d\n[2] 1|2|3\n", ';');
}

static void test_detect_tab(void **state)
{
    (void)state;
    READ_OK("a\tb;c\td\n", 0, "[1] a|b;c|d\n", '\t');
}

static void test_detect_ignores_quoted(void **state)
{
    (void)state;
    /* two commas inside quotes, two semicolons outside: ';' only if quotes are honoured */
    READ_OK("\"x,y,z\";b;c\n", 0, "[1] x,y,z|b|c\n", ';');
    READ_OK("\"a;b;c;d\",e\n", 0, "[1] a;b;c;d|e\n", ',');
}

static void test_detect_delim_function(void **state)
{
    (void)state;
    assert_int_equal(pn_csv_detect_delim("", 0), ',');
    assert_int_equal(pn_csv_detect_delim("nothing", 7), ',');
    assert_int_equal(pn_csv_detect_delim("a;b,c", 5), ',');  /* a tie goes to ',' */
    assert_int_equal(pn_csv_detect_delim("a;b\tc", 5), ';'); /* ';' wins a tie with tab */
    assert_int_equal(pn_csv_detect_delim("a;b\tc\td", 7), '\t');
    assert_int_equal(pn_csv_detect_delim("\"\t\t\t\";x", 7), ';');
    /* only @len bytes are looked at */
    assert_int_equal(pn_csv_detect_delim("a;b,c,d,e", 3), ';');
}

static void test_given_delim_wins(void **state)
{
    (void)state;
    READ_OK("a,b;c\n", ';', "[1] a,b|c\n", ';');
    READ_OK("a;b;c,d\n", ',', "[1] a;b;c|d\n", ',');
}

static void test_utf8_bom_skipped(void **state)
{
    (void)state;
    READ_OK("\xEF\xBB\xBFnom;\xC3\xA2ge\nx;1\n", 0, "[1] nom|\xC3\xA2ge\n[2] x|1\n", ';');
    /* a BOM alone is an empty file */
    READ_ERR("\xEF\xBB\xBF", "t.csv: the file is empty", PN_EINPUT);
}

static void test_crlf(void **state)
{
    (void)state;
    READ_OK("a,b\r\nc,d\r\n", 0, "[1] a|b\n[2] c|d\n", ',');
    /* a quoted field keeps its own CRLF */
    READ_OK("a,\"x\r\ny\"\r\nc,d\r\n", 0, "[1] a|x\r\ny\n[3] c|d\n", ',');
}

static void test_multiline_record_keeps_start_line(void **state)
{
    (void)state;
    READ_OK("h1,h2\n\"x\ny\",z\nlast,w\n", 0, "[1] h1|h2\n[2] x\ny|z\n[4] last|w\n", ',');
    /* a record over three lines, a blank line inside the quotes is content */
    READ_OK("a\n\"1\n\n3\",b\nc\n", 0, "[1] a\n[2] 1\n\n3|b\n[5] c\n", ',');
}

static void test_blank_lines_skipped(void **state)
{
    (void)state;
    READ_OK("\na,b\n\n\r\nc,d\n\n", 0, "[2] a|b\n[5] c|d\n", ',');
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    READ_OK("a,b\nc,d", 0, "[1] a|b\n[2] c|d\n", ',');
}

static void test_empty_fields_kept(void **state)
{
    (void)state;
    READ_OK("a,,c,\n,,\n", 0, "[1] a||c|\n[2] ||\n", ',');
    READ_OK("\"\",x\n", 0, "[1] |x\n", ',');
}

static void test_tab_empty_fields_kept(void **state)
{
    (void)state;
    /* tabs are delimiters here, not blanks to trim */
    READ_OK("a\t\tc\t\n\tb\n\t\tz\n", 0, "[1] a||c|\n[2] |b\n[3] ||z\n", '\t');
}

static void test_spaces_trimmed_outside_quotes(void **state)
{
    (void)state;
    READ_OK(" a , b \n", 0, "[1] a|b\n", ',');
    READ_OK("\" a \",b\n", 0, "[1]  a |b\n", ',');
}

static void test_stray_quote(void **state)
{
    (void)state;
    /* strict mode: a quote inside an unquoted field */
    READ_ERR("a,b\nc,d \"q\"\n",
             "t.csv:2: malformed CSV: error parsing data while strict checking enabled", PN_EINPUT);
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    READ_ERR("a,b\nc,\"d\ne\n",
             "t.csv:2: unterminated quoted field: a '\"' opened on this line "
             "is never closed",
             PN_EINPUT);
    READ_ERR("\n\n\"x",
             "t.csv:3: unterminated quoted field: a '\"' opened on this line is never "
             "closed",
             PN_EINPUT);
}

static void test_nul_byte(void **state)
{
    (void)state;
    READ_ERR("a,b\nc,d\0e\n", "t.csv:2: NUL byte at column 4: this is not a text (CSV) file",
             PN_EINPUT);
    READ_ERR("\0", "t.csv:1: NUL byte at column 1: this is not a text (CSV) file", PN_EINPUT);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    READ_ERR("a,b\nok,\xC3\x28\n",
             "t.csv:2: invalid UTF-8 at column 4: expected a CSV file in UTF-8; save it as CSV "
             "UTF-8 and import it again",
             PN_EINPUT);
    /* Latin-1 text, as Excel writes "CSV" on Windows */
    READ_ERR("nom\nd\xE9j\xE0\n",
             "t.csv:2: invalid UTF-8 at column 2: expected a CSV file in UTF-8; save it as CSV "
             "UTF-8 and import it again",
             PN_EINPUT);
    /* the column does not count the byte order mark */
    READ_ERR("\xEF\xBB\xBF"
             "a,\xFF\n",
             "t.csv:1: invalid UTF-8 at column 3: expected a CSV file in UTF-8; save it as CSV "
             "UTF-8 and import it again",
             PN_EINPUT);
}

static void test_utf16_bom(void **state)
{
    (void)state;
    READ_ERR("\xFF\xFE"
             "a\0,\0b\0\n\0",
             "t.csv: the file is UTF-16 text; save it as CSV UTF-8 and import it again", PN_EINPUT);
}

static void test_empty_file(void **state)
{
    (void)state;
    READ_ERR("", "t.csv: the file is empty", PN_EINPUT);
    READ_ERR("\n\r\n\n", "t.csv: the file is empty", PN_EINPUT);
}

static void test_callback_error_stops(void **state)
{
    (void)state;
    static const char text[] = "a\nb\nc\nd\n";
    dump d = {.stop_at = 2, .stop_status = PN_EINTERNAL};
    pn_error err = {0};
    pn_status st = read_mem(text, sizeof text - 1, 0, &d, NULL, &err);
    assert_int_equal(st, PN_EINTERNAL);
    assert_int_equal(err.status, PN_EINTERNAL);
    assert_string_equal(err.msg, "stopped at line 2");
    assert_int_equal(d.nrecords, 2);
    assert_string_equal(d.text, "[1] a\n[2] b\n");

    /* the last record, submitted only at the end of the input */
    static const char last[] = "a\nb";
    dump d2 = {.stop_at = 2, .stop_status = PN_EINPUT};
    pn_error err2 = {0};
    st = read_mem(last, sizeof last - 1, 0, &d2, NULL, &err2);
    assert_int_equal(st, PN_EINPUT);
    assert_string_equal(err2.msg, "stopped at line 2");
    assert_int_equal(d2.nrecords, 2);
}

static void test_read_path(void **state)
{
    (void)state;
    char path[] = "/tmp/pn_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "x;y\n1;\xC3\xA9\n2;\xFF\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);

    dump d = {0};
    pn_error err = {0};
    char delim = 0;
    pn_status st = pn_csv_read_path(path, NULL, collect, &d, &delim, &err);
    /* the message names the file by its path */
    char expected[256];
    snprintf(expected, sizeof expected,
             "%s:3: invalid UTF-8 at column 3: expected a CSV file in UTF-8; save it as CSV "
             "UTF-8 and import it again",
             path);
    assert_int_equal(st, PN_EINPUT);
    assert_string_equal(err.msg, expected);
    assert_string_equal(d.text, "[1] x|y\n[2] 1|\xC3\xA9\n");
    assert_int_equal(unlink(path), 0);
}

static void test_read_path_missing(void **state)
{
    (void)state;
    char dir[] = "/tmp/pn_test_csv_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/x", dir);
    dump d = {0};
    pn_error err = {0};
    pn_status st = pn_csv_read_path(path, NULL, collect, &d, NULL, &err);
    char expected[300];
    snprintf(expected, sizeof expected, "cannot open '%s': No such file or directory", path);
    assert_int_equal(st, PN_EIO);
    assert_int_equal(err.status, PN_EIO);
    assert_string_equal(err.msg, expected);
    assert_int_equal(d.nrecords, 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        int ok;
        size_t bad;
    } cases[] = {
        {"", 0, 1, 0},
        {"plain ascii", 11, 1, 0},
        {"a\0b", 3, 1, 0},                 /* NUL is ASCII; csv.c checks it apart */
        {"\xC3\xA9", 2, 1, 0},             /* é, 2 bytes */
        {"\xE2\x82\xAC", 3, 1, 0},         /* €, 3 bytes */
        {"\xF0\x9D\x84\x9E", 4, 1, 0},     /* U+1D11E, 4 bytes */
        {"\xF4\x8F\xBF\xBF", 4, 1, 0},     /* U+10FFFF, the last code point */
        {"\xED\x9F\xBF", 3, 1, 0},         /* U+D7FF, just below the surrogates */
        {"\xEE\x80\x80", 3, 1, 0},         /* U+E000, just above */
        {"x\xC2\x80y", 4, 1, 0},           /* U+0080, the smallest 2-byte */
        {"\xC0\xAF", 2, 0, 0},             /* overlong '/' */
        {"\xC1\xBF", 2, 0, 0},             /* overlong U+007F */
        {"ab\xE0\x80\xAF", 5, 0, 2},       /* overlong, 3 bytes */
        {"\xF0\x82\x82\xAC", 4, 0, 0},     /* overlong €, 4 bytes */
        {"\xED\xA0\x80", 3, 0, 0},         /* U+D800, a surrogate */
        {"ok\xED\xBF\xBF", 5, 0, 2},       /* U+DFFF */
        {"\xF4\x90\x80\x80", 4, 0, 0},     /* U+110000, beyond Unicode */
        {"a\xC3", 2, 0, 1},                /* truncated at the end */
        {"ab\xE2\x82", 4, 0, 2},           /* truncated 3-byte */
        {"\xF0\x9D\x84", 3, 0, 0},         /* truncated 4-byte */
        {"\xC3\xA9", 1, 0, 0},             /* valid bytes, but @len cuts them */
        {"\xC3\x28", 2, 0, 0},             /* second byte not a continuation */
        {"abc\x80", 4, 0, 3},              /* lone continuation byte */
        {"\xF8\x88\x80\x80\x80", 5, 0, 0}, /* 5-byte form */
        {"\xFF", 1, 0, 0},                 /* never valid */
        {"\xC3\xA9\xE2\x82\xAC!\xFE", 7, 0, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bad = 12345;
        int ok = pn_utf8_valid(cases[i].s, cases[i].len, &bad);
        if (ok != cases[i].ok)
            fail_msg("case %zu: pn_utf8_valid = %d, expected %d", i, ok, cases[i].ok);
        if (!ok && bad != cases[i].bad)
            fail_msg("case %zu: bad offset %zu, expected %zu", i, bad, cases[i].bad);
        if (ok && bad != 12345)
            fail_msg("case %zu: bad offset written for a valid string", i);
        assert_int_equal(pn_utf8_valid(cases[i].s, cases[i].len, NULL), cases[i].ok);
    }
}

/* What pn_csv_write_field writes for @s. */
static char *write_field(const char *s, char delim)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    pn_csv_write_field(out, s, delim);
    assert_int_equal(fclose(out), 0);
    return buf;
}

static void test_write_field(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        char delim;
        const char *out;
    } cases[] = {
        {"plain", ',', "plain"},
        {"", ',', ""},
        {NULL, ',', ""},
        {"a,b", ',', "\"a,b\""},
        {"a;b", ',', "a;b"},
        {"a;b", ';', "\"a;b\""},
        {"a,b", ';', "a,b"},
        {"a\tb", '\t', "\"a\tb\""},
        {"say \"hi\"", ',', "\"say \"\"hi\"\"\""},
        {"\"", ',', "\"\"\"\""},
        {"two\nlines", ',', "\"two\nlines\""},
        {"cr\r", ';', "\"cr\r\""},
        {"\xC3\xA9t\xC3\xA9", ',', "\xC3\xA9t\xC3\xA9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = write_field(cases[i].in, cases[i].delim);
        if (strcmp(got, cases[i].out) != 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "case %zu: wrote [%s], expected [%s]", i, got, cases[i].out);
            free(got);
            fail_msg("%s", msg);
        }
        free(got);
    }
}

/* What is written reads back as the same fields. */
static void test_write_read_round_trip(void **state)
{
    (void)state;
    static const char *const fields[] = {"id", "a;b", "say \"hi\"", "", "x\ny", " sp"};
    const size_t n = sizeof fields / sizeof fields[0];
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(';', out);
        pn_csv_write_field(out, fields[i], ';');
    }
    fputc('\n', out);
    assert_int_equal(fclose(out), 0);

    dump d = {0};
    pn_error err = {0};
    char delim = 0;
    pn_status st = read_mem(buf, size, ';', &d, &delim, &err);
    free(buf);
    assert_int_equal(st, PN_OK);
    /* " sp" is written bare, and the reader trims unquoted spaces */
    assert_string_equal(d.text, "[1] id|a;b|say \"hi\"||x\ny|sp\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_comma),
        cmocka_unit_test(test_detect_semicolon),
        cmocka_unit_test(test_detect_tab),
        cmocka_unit_test(test_detect_ignores_quoted),
        cmocka_unit_test(test_detect_delim_function),
        cmocka_unit_test(test_given_delim_wins),
        cmocka_unit_test(test_utf8_bom_skipped),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_multiline_record_keeps_start_line),
        cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_empty_fields_kept),
        cmocka_unit_test(test_tab_empty_fields_kept),
        cmocka_unit_test(test_spaces_trimmed_outside_quotes),
        cmocka_unit_test(test_stray_quote),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf16_bom),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_read_path),
        cmocka_unit_test(test_read_path_missing),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_write_field),
        cmocka_unit_test(test_write_read_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
