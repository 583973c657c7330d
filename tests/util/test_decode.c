/*
 * test_decode.c - the decoder of util/decode.c on its own: what crosses the boundary of its
 * 64 KiB chunks (a character cut in two, a byte order mark, the scan that tells Windows-1252
 * from broken UTF-8), streams that cannot seek (a pipe), a stream that does not start at
 * offset 0, the sizes it reports, encoding names, and the fast UTF-8 scanner.
 *
 * test_csv.c checks the same layer through pn_csv_read, with line numbers and fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/decode.h"
#include "util/strbuf.h"

enum { CHUNK = 64 * 1024 }; /* the decoder's read size, which the inputs straddle */

/* @n bytes of filler 'a', then the @tail_len bytes of @tail: a heap block the caller frees. */
static char *filler(size_t n, const char *tail, size_t tail_len, size_t *len)
{
    char *s = malloc(n + tail_len);
    assert_non_null(s);
    memset(s, 'a', n);
    memcpy(s + n, tail, tail_len);
    *len = n + tail_len;
    return s;
}

/* Decode all of @in as @encoding into @out. The position given to the decoder is always
 * line 7, column 9, so that messages can be compared. */
static pn_status decode_stream(FILE *in, const char *encoding, pn_strbuf *out, char *enc_name,
                               unsigned long long *bytes, pn_error *err)
{
    pn_decoder *d = NULL;
    pn_status st = pn_decoder_create(in, "t.csv", encoding, &d, err);
    if (st != PN_OK) {
        assert_null(d);
        return st;
    }
    for (;;) {
        const char *text = NULL;
        size_t len = 99;
        if ((st = pn_decoder_read(d, 7, 9, &text, &len, err)) != PN_OK)
            break;
        if (len == 0)
            break;
        assert_int_equal(pn_strbuf_append(out, text, len), PN_OK);
    }
    if (enc_name)
        snprintf(enc_name, 32, "%s", pn_decoder_encoding(d));
    if (bytes)
        *bytes = pn_decoder_bytes(d);
    pn_decoder_destroy(d);
    return st;
}

static pn_status decode_mem(const char *s, size_t len, const char *encoding, pn_strbuf *out,
                            char *enc_name, pn_error *err)
{
    FILE *in = fmemopen((void *)s, len, "rb");
    assert_non_null(in);
    unsigned long long bytes = 0;
    pn_status st = decode_stream(in, encoding, out, enc_name, &bytes, err);
    if (st == PN_OK)
        assert_int_equal(bytes, len);
    fclose(in);
    return st;
}

/* A stream that cannot seek: a pipe fed by a child process. */
static FILE *pipe_of(const char *s, size_t len, pid_t *child)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(fds[1], s + done, len - done);
            if (w <= 0)
                _exit(1);
            done += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    *child = pid;
    FILE *in = fdopen(fds[0], "rb");
    assert_non_null(in);
    return in;
}

static void end_child(FILE *in, pid_t child)
{
    fclose(in); /* a writer still blocked gets SIGPIPE */
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
}

static void test_utf8_cut_by_chunk(void **state)
{
    (void)state;
    /* é's two bytes on both sides of the first chunk's end, then € over the second's */
    char tail[CHUNK + 8];
    memcpy(tail, "\xC3\xA9", 2);
    memset(tail + 2, 'b', CHUNK - 3);
    memcpy(tail + CHUNK - 1, "\xE2\x82\xAC", 3);
    size_t len;
    char *s = filler(CHUNK - 1, tail, CHUNK + 2, &len);
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    pn_error err = {0};
    assert_int_equal(decode_mem(s, len, NULL, &out, enc, &err), PN_OK);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.buf, s, len);
    assert_string_equal(enc, "UTF-8");
    pn_strbuf_release(&out);
    free(s);
}

static void test_windows1252_late(void **state)
{
    (void)state;
    /* the only non-ASCII byte is beyond the first chunk: the whole file is Windows-1252 */
    size_t len;
    char *s = filler(CHUNK + 100, "\xE9t\xE9", 3, &len);
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    pn_error err = {0};
    assert_int_equal(decode_mem(s, len, NULL, &out, enc, &err), PN_OK);
    assert_string_equal(enc, "WINDOWS-1252");
    assert_int_equal(out.len, CHUNK + 100 + 5);
    assert_memory_equal(out.buf, s, CHUNK + 100);
    assert_memory_equal(out.buf + CHUNK + 100, "\xC3\xA9t\xC3\xA9", 5);
    pn_strbuf_release(&out);
    free(s);
}

static void test_mixed_found_far_ahead(void **state)
{
    (void)state;
    /* a lone 0xE9 at byte 10, and the one valid é two chunks later, cut by the end of a
     * chunk: a broken UTF-8 file, read up to its bad byte */
    size_t n = 3 * CHUNK;
    char *s = malloc(n);
    assert_non_null(s);
    memset(s, 'a', n);
    s[10] = '\xE9';
    s[2 * CHUNK - 1] = '\xC3';
    s[2 * CHUNK] = '\xA9';
    pn_strbuf out = PN_STRBUF_INIT;
    pn_error err = {0};
    assert_int_equal(decode_mem(s, n, NULL, &out, NULL, &err), PN_EINPUT);
    assert_string_equal(err.msg, "t.csv:7: invalid UTF-8 at column 9 (byte 0xE9): the file mixes "
                                 "encodings; save it again as CSV UTF-8");
    /* what came before the bad byte was handed out */
    assert_int_equal(out.len, 10);
    pn_strbuf_release(&out);

    /* without the second byte of that é, nothing is valid: Windows-1252, read again from the
     * start after the scan */
    s[2 * CHUNK] = 'a';
    char enc[32];
    assert_int_equal(decode_mem(s, n, NULL, &out, enc, &err), PN_OK);
    assert_string_equal(enc, "WINDOWS-1252");
    assert_int_equal(out.len, n + 2);
    assert_memory_equal(out.buf + 10, "\xC3\xA9", 2);
    assert_memory_equal(out.buf + 2 * CHUNK,
                        "\xC3\x83"
                        "a",
                        3);
    pn_strbuf_release(&out);
    free(s);
}

static void test_utf16_cut_by_chunk(void **state)
{
    (void)state;
    /* a byte order mark, then 'a's, and a surrogate pair (U+1F600) over the chunk's end */
    size_t n = CHUNK + 8;
    char *s = malloc(n);
    assert_non_null(s);
    memcpy(s, "\xFF\xFE", 2);
    for (size_t i = 2; i < n; i += 2)
        memcpy(s + i, "a\0", 2);
    memcpy(s + CHUNK - 2, "\x3D\xD8\x00\xDE", 4);
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    pn_error err = {0};
    assert_int_equal(decode_mem(s, n, NULL, &out, enc, &err), PN_OK);
    assert_string_equal(enc, "UTF-16LE");
    /* (n - 2) / 2 characters, one of them 4 bytes in UTF-8 in place of two 'a's */
    assert_int_equal(out.len, (n - 2) / 2 + 2);
    size_t at = (CHUNK - 2 - 2) / 2;
    assert_memory_equal(out.buf + at, "\xF0\x9F\x98\x80", 4);
    assert_int_equal(out.buf[0], 'a');
    assert_int_equal(out.buf[out.len - 1], 'a');
    pn_strbuf_release(&out);
    free(s);
}

/* UTF-16 without a byte order mark, either way round, from the zero bytes of its ASCII; a
 * binary file, whose zero bytes come in pairs, stays bytes for the CSV reader to refuse. */
static void test_utf16_without_bom(void **state)
{
    (void)state;
    static const char text[] = "Horodateur;Nom de l\xE2\x80\x99\xC3\xA9"
                               "cole\r\n"
                               "24/03/2026;\xC3\x89"
                               "cole Jean-Jaur\xC3\xA8s\r\n";
    static const char le[] = "H\0o\0r\0o\0d\0a\0t\0e\0u\0r\0;\0N\0o\0m\0 \0d\0e\0 \0l\0"
                             "\x19\x20\xE9\0c\0o\0l\0e\0\r\0\n\0"
                             "2\0"
                             "4\0/\0"
                             "0\0"
                             "3\0/\0"
                             "2\0"
                             "0\0"
                             "2\0"
                             "6\0;\0\xC9\0c\0o\0l\0e\0 \0"
                             "J\0e\0a\0n\0-\0J\0a\0u\0r\0\xE8\0s\0\r\0\n\0";
    char be[sizeof le];
    for (size_t i = 0; i + 1 < sizeof le; i += 2) {
        be[i] = le[i + 1];
        be[i + 1] = le[i];
    }
    const struct {
        const char *bytes;
        const char *encoding;
    } cases[] = {{le, "UTF-16LE"}, {be, "UTF-16BE"}};
    for (size_t k = 0; k < 2; k++) {
        pn_strbuf out = PN_STRBUF_INIT;
        char enc[32];
        pn_error err = {0};
        assert_int_equal(decode_mem(cases[k].bytes, sizeof le - 1, NULL, &out, enc, &err), PN_OK);
        assert_string_equal(enc, cases[k].encoding);
        assert_int_equal(out.len, sizeof text - 1);
        assert_memory_equal(out.buf, text, sizeof text - 1);
        pn_strbuf_release(&out);
    }
    /* the start of an ELF file */
    static const char elf[] = "\x7F"
                              "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0";
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    pn_error err = {0};
    assert_int_equal(decode_mem(elf, sizeof elf - 1, NULL, &out, enc, &err), PN_OK);
    assert_string_equal(enc, "UTF-8");
    assert_int_equal(out.len, sizeof elf - 1);
    pn_strbuf_release(&out);
}

static void test_pipe(void **state)
{
    (void)state;
    /* detection within the first 64 KiB works on a pipe too */
    static const char latin[] = "nom\n\xE9l\xE8ve\n";
    pid_t child;
    FILE *in = pipe_of(latin, sizeof latin - 1, &child);
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    unsigned long long bytes = 0;
    pn_error err = {0};
    assert_int_equal(decode_stream(in, NULL, &out, enc, &bytes, &err), PN_OK);
    end_child(in, child);
    assert_string_equal(enc, "WINDOWS-1252");
    assert_string_equal(pn_strbuf_str(&out), "nom\n\xC3\xA9l\xC3\xA8ve\n");
    assert_int_equal(bytes, sizeof latin - 1);
    pn_strbuf_release(&out);

    /* an invalid byte after 64 KiB of ASCII: too late to look ahead in a pipe */
    size_t len;
    char *s = filler(CHUNK + 10, "\xE9\n", 2, &len);
    in = pipe_of(s, len, &child);
    assert_int_equal(decode_stream(in, NULL, &out, NULL, NULL, &err), PN_EINPUT);
    end_child(in, child);
    assert_string_equal(err.msg, "t.csv:7: invalid UTF-8 at column 9 (byte 0xE9): the start of the "
                                 "file read as UTF-8; give the file's encoding with --encoding");
    pn_strbuf_release(&out);

    /* the size of a pipe is unknown */
    in = pipe_of("x\n", 2, &child);
    pn_decoder *d = NULL;
    assert_int_equal(pn_decoder_create(in, "t.csv", NULL, &d, &err), PN_OK);
    assert_int_equal(pn_decoder_size(d), 0);
    pn_decoder_destroy(d);
    end_child(in, child);
    free(s);
}

static void test_regular_file_size(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("skip\n\xE9t\xE9;x\n", f);
    /* the stream is handed over after its first line: size and bytes count from there */
    assert_int_equal(fseek(f, 5, SEEK_SET), 0);
    pn_decoder *d = NULL;
    pn_error err = {0};
    assert_int_equal(pn_decoder_create(f, "t.csv", NULL, &d, &err), PN_OK);
    assert_int_equal(pn_decoder_size(d), 6);
    pn_decoder_destroy(d);

    assert_int_equal(fseek(f, 5, SEEK_SET), 0);
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    unsigned long long bytes = 0;
    assert_int_equal(decode_stream(f, NULL, &out, enc, &bytes, &err), PN_OK);
    assert_string_equal(pn_strbuf_str(&out), "\xC3\xA9t\xC3\xA9;x\n");
    assert_string_equal(enc, "WINDOWS-1252");
    assert_int_equal(bytes, 6);
    pn_strbuf_release(&out);
    fclose(f);

    /* longer than a chunk: the scan goes back to where the stream was, not to its start */
    f = tmpfile();
    assert_non_null(f);
    fputs("skip\n", f);
    for (size_t i = 0; i < CHUNK + 10; i++)
        fputc('a', f);
    fputs("\xE9\n", f);
    assert_int_equal(fseek(f, 5, SEEK_SET), 0);
    assert_int_equal(decode_stream(f, NULL, &out, enc, &bytes, &err), PN_OK);
    assert_string_equal(enc, "WINDOWS-1252");
    assert_int_equal(bytes, CHUNK + 12);
    assert_int_equal(out.len, CHUNK + 13);
    assert_int_equal(out.buf[0], 'a');
    assert_memory_equal(out.buf + CHUNK + 10, "\xC3\xA9\n", 3);
    pn_strbuf_release(&out);
    fclose(f);
}

/* A regular file smaller than a chunk is read into a buffer of its own size: a character
 * across the smallest buffer's end and a late Windows-1252 byte are read whole. */
static void test_small_file_buffers(void **state)
{
    (void)state;
    pn_strbuf out = PN_STRBUF_INIT;
    char enc[32];
    unsigned long long bytes = 0;
    pn_error err = {0};
    FILE *f = tmpfile();
    assert_non_null(f);
    for (size_t i = 0; i < 4095; i++)
        fputc('a', f);
    fputs("\xE2\x82\xAC", f); /* € over byte 4096 */
    for (size_t i = 0; i < 100; i++)
        fputc('b', f);
    rewind(f);
    assert_int_equal(decode_stream(f, NULL, &out, enc, &bytes, &err), PN_OK);
    assert_string_equal(enc, "UTF-8");
    assert_int_equal(out.len, 4198);
    assert_memory_equal(out.buf + 4095,
                        "\xE2\x82\xAC"
                        "b",
                        4);
    pn_strbuf_release(&out);
    fclose(f);

    f = tmpfile();
    assert_non_null(f);
    for (size_t i = 0; i < 5999; i++)
        fputc('a', f);
    fputc('\xE9', f);
    rewind(f);
    assert_int_equal(decode_stream(f, NULL, &out, enc, &bytes, &err), PN_OK);
    assert_string_equal(enc, "WINDOWS-1252");
    assert_int_equal(bytes, 6000);
    assert_int_equal(out.len, 6001);
    assert_memory_equal(out.buf + 5999, "\xC3\xA9", 2);
    pn_strbuf_release(&out);
    fclose(f);
}

static void test_messages_use_given_position(void **state)
{
    (void)state;
    pn_strbuf out = PN_STRBUF_INIT;
    pn_error err = {0};
    assert_int_equal(decode_mem("ab\x81", 3, "cp1252", &out, NULL, &err), PN_EINPUT);
    assert_string_equal(err.msg, "t.csv:7: byte 0x81 at column 9 is not a character in "
                                 "WINDOWS-1252; give the right encoding with --encoding");
    assert_string_equal(pn_strbuf_str(&out), "ab");
    pn_strbuf_release(&out);
}

static void test_encoding_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *used;
    } cases[] = {
        {NULL, "UTF-8"},
        {"auto", "UTF-8"},
        {"AUTO", "UTF-8"},
        {"utf-8", "UTF-8"},
        {"UTF8", "UTF-8"},
        {"windows-1252", "WINDOWS-1252"},
        {"CP1252", "WINDOWS-1252"},
        {"latin1", "ISO-8859-1"},
        {"ISO-8859-1", "ISO-8859-1"},
        {"iso-8859-15", "ISO-8859-15"},
        {"Latin9", "ISO-8859-15"},
        {"utf-16", "UTF-16LE"},
        {"utf-16le", "UTF-16LE"},
        {"utf-16be", "UTF-16BE"},
        {"macintosh", "MACINTOSH"},
        {"Mac-Roman", "MACINTOSH"},
        {"ibm850", "IBM850"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pn_error err = {0};
        FILE *in = fmemopen((void *)"x", 1, "rb");
        assert_non_null(in);
        pn_decoder *d = NULL;
        pn_status st = pn_decoder_create(in, "t.csv", cases[i].name, &d, &err);
        if (st != PN_OK)
            fail_msg("case %zu: %s", i, err.msg);
        if (strcmp(pn_decoder_encoding(d), cases[i].used) != 0)
            fail_msg("case %zu: '%s', expected '%s'", i, pn_decoder_encoding(d), cases[i].used);
        pn_decoder_destroy(d);
        fclose(in);
        assert_int_equal(pn_encoding_check(cases[i].name, &err), PN_OK);
    }
    pn_error err = {0};
    assert_int_equal(pn_encoding_check("utf-9", &err), PN_EUSAGE);
    assert_string_equal(err.msg, "unknown encoding 'utf-9' (known: utf-8, windows-1252, latin1, "
                                 "iso-8859-15, utf-16, utf-16le, utf-16be, macintosh)");
    /* the name is refused before anything is read */
    FILE *in = fmemopen((void *)"x", 1, "rb");
    assert_non_null(in);
    pn_decoder *d = (pn_decoder *)&err; /* must be reset to NULL */
    assert_int_equal(pn_decoder_create(in, "t.csv", "utf-9", &d, &err), PN_EUSAGE);
    assert_null(d);
    assert_int_equal(ftell(in), 0);
    fclose(in);
    pn_decoder_destroy(NULL);
}

static void test_utf8_scan(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        size_t valid; /* the valid prefix */
        int multi;
    } cases[] = {
        {"", 0, 0, 0},
        {"0123456789abcdefghij", 20, 20, 0}, /* over the 8-byte fast path and its tail */
        {"0123456789abcdef\xC3\xA9", 18, 18, 1},
        {"0123456\xC3\xA9xyzuvwxyz", 18, 18, 1},
        {"01234567\xFFxyz", 12, 8, 0},
        {"abcdefg\xC3", 8, 7, 0},       /* cut at the end */
        {"\xE2\x82", 2, 0, 0},          /* cut € */
        {"\xC3\xA9\xE0\xA0", 4, 2, 1},  /* valid then cut: multi counts the prefix */
        {"\xE0\x9F\x80", 3, 0, 0},      /* overlong 3-byte, second byte below A0 */
        {"\xED\xA0\x80", 3, 0, 0},      /* surrogate: second byte above 9F */
        {"\xF0\x8F\xBF\xBF", 4, 0, 0},  /* overlong 4-byte */
        {"\xF4\x90\x80\x80", 4, 0, 0},  /* above U+10FFFF */
        {"\xF0\x90\x80\x80!", 5, 5, 1}, /* U+10000 */
        {"abcdefgh\x80", 9, 8, 0},      /* lone continuation after the fast path */
        {"\xC2\x80\xC2\x80\xC2\x80\xC2\x80\xC2\x80", 10, 10, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int multi = 0;
        size_t valid = pn_utf8_scan(cases[i].s, cases[i].len, &multi);
        if (valid != cases[i].valid || multi != cases[i].multi)
            fail_msg("case %zu: valid %zu multi %d, expected %zu %d", i, valid, multi,
                     cases[i].valid, cases[i].multi);
        assert_int_equal(pn_utf8_scan(cases[i].s, cases[i].len, NULL), cases[i].valid);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_cut_by_chunk),
        cmocka_unit_test(test_windows1252_late),
        cmocka_unit_test(test_mixed_found_far_ahead),
        cmocka_unit_test(test_utf16_cut_by_chunk),
        cmocka_unit_test(test_utf16_without_bom),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_regular_file_size),
        cmocka_unit_test(test_small_file_buffers),
        cmocka_unit_test(test_messages_use_given_position),
        cmocka_unit_test(test_encoding_names),
        cmocka_unit_test(test_utf8_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
