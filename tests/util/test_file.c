/*
 * test_file.c - util/file.c and util/strbuf.c's printf: a file handed out whole or not at all,
 * written at once or a piece at a time (the national map), and text formatted into a buffer
 * whether or not it fits in the room the buffer has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/file.h"
#include "util/strbuf.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pn_test_file_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 22);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 22, f);
    fclose(f);
    return buf;
}

/* Only the file itself in the folder: no temporary file left. */
static void assert_alone(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = '%s'", dir, name);
    assert_int_equal(system(cmd), 0);
}

static void test_pieces(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/carte.geojson", dir);
    pn_file_out o;
    pn_error err = {0};
    assert_int_equal(pn_file_begin(&o, path, &err), PN_OK);
    /* nothing at the path until the commit */
    assert_int_equal(access(path, F_OK), -1);
    pn_strbuf want = PN_STRBUF_INIT;
    for (int i = 0; i < 20000; i++) {
        char piece[64];
        int n = snprintf(piece, sizeof piece, "{\"n\": %d},\n", i);
        assert_int_equal(pn_file_put(&o, piece, (size_t)n), PN_OK);
        assert_int_equal(pn_strbuf_append(&want, piece, (size_t)n), PN_OK);
    }
    assert_int_equal(pn_file_commit(&o, &err), PN_OK);
    size_t len;
    char *got = slurp(path, &len);
    assert_int_equal(len, want.len);
    assert_memory_equal(got, want.buf, len);
    free(got);
    size_t want_len = want.len;
    pn_strbuf_release(&want);
    assert_alone("carte.geojson");

    /* abandoned: the previous file stays, nothing else is left */
    assert_int_equal(pn_file_begin(&o, path, &err), PN_OK);
    assert_int_equal(pn_file_put(&o, "x", 1), PN_OK);
    pn_file_abandon(&o);
    size_t again;
    got = slurp(path, &again);
    assert_int_equal(again, want_len);
    free(got);
    assert_alone("carte.geojson");
}

static void test_failures(void **state)
{
    (void)state;
    pn_file_out o;
    pn_error err = {0};
    /* a folder that does not exist: said at once */
    assert_int_equal(pn_file_begin(&o, "/nonexistent/carte.umap", &err), PN_EIO);
    assert_non_null(strstr(err.msg, "cannot write '/nonexistent/carte.umap': No such file"));
    /* a full disk: the first failure kept, said by the commit, nothing left behind */
    char path[128];
    snprintf(path, sizeof path, "%s/plein.umap", dir);
    assert_int_equal(pn_file_begin(&o, path, &err), PN_OK);
    close(o.fd);
    o.fd = open("/dev/full", O_WRONLY);
    assert_true(o.fd >= 0);
    assert_int_equal(pn_file_put(&o, "abc", 3), PN_EIO);
    assert_int_equal(pn_file_put(&o, "def", 3), PN_EIO);
    err = (pn_error){0};
    assert_int_equal(pn_file_commit(&o, &err), PN_EIO);
    assert_non_null(strstr(err.msg, "cannot write '"));
    assert_non_null(strstr(err.msg, "plein.umap': No space left on device"));
    assert_int_equal(access(path, F_OK), -1);
}

static void test_printf(void **state)
{
    (void)state;
    pn_strbuf sb = PN_STRBUF_INIT;
    /* an empty buffer, then text that fits the room left, then text that does not */
    assert_int_equal(pn_strbuf_printf(&sb, "%d", 12), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "12");
    assert_int_equal(pn_strbuf_printf(&sb, "[%.6f]", 2.5), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "12[2.500000]");
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    size_t before = sb.len;
    assert_int_equal(pn_strbuf_printf(&sb, "<%s>", big), PN_OK);
    assert_int_equal(sb.len, before + 301);
    assert_int_equal(sb.buf[before], '<');
    assert_int_equal(sb.buf[sb.len - 1], '>');
    assert_int_equal(sb.buf[sb.len], '\0');
    assert_int_equal(strlen(sb.buf), sb.len);
    pn_strbuf_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_printf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
