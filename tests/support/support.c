#include "support/support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

const char *pn_test_source_path(const char *rel, char *buf, size_t size)
{
    const char *root = getenv("PN_SOURCE_DIR");
    int w = snprintf(buf, size, "%s/%s", root && *root ? root : "../..", rel);
    if (w < 0 || (size_t)w >= size)
        fail_msg("the path of '%s' in the source tree is longer than %zu bytes", rel, size);
    return buf;
}

char *pn_test_read_file(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (cap - n < 4096 + 1) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, cap);
            if (p == NULL)
                fail_msg("out of memory reading %s", path);
            buf = p;
        }
        got = fread(buf + n, 1, cap - n - 1, in);
        n += got;
    } while (got > 0);
    int bad = ferror(in);
    fclose(in);
    if (bad)
        fail_msg("cannot read %s", path);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void pn_test_write_file(const char *path, const char *data, size_t len)
{
    FILE *out = fopen(path, "wb");
    if (out == NULL)
        fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(data, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
}

const char *pn_test_put(const char *dir, const char *name, const char *text)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    pn_test_write_file(p, text, strlen(text));
    return p;
}

void pn_test_dir_create(char *dir, size_t size, const char *prefix)
{
    int w = snprintf(dir, size, "/tmp/%s_XXXXXX", prefix);
    if (w < 0 || (size_t)w >= size)
        fail_msg("directory prefix '%s' too long", prefix);
    if (mkdtemp(dir) == NULL)
        fail_msg("cannot create %s", dir);
}

int pn_test_dir_remove(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

pn_form *pn_test_load_form(const char *file, char **source, size_t *len)
{
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "forms/%s", file);
    pn_test_source_path(rel, path, sizeof path);
    size_t n = 0;
    char *text = pn_test_read_file(path, &n);
    if (text == NULL)
        fail_msg("cannot open %s", path);
    pn_error err = {0};
    pn_form *f = pn_form_load_text(path, text, n, &err);
    if (f == NULL)
        fail_msg("cannot load %s: %s", path, err.msg);
    if (source) {
        *source = text;
        *len = n;
    } else {
        free(text);
    }
    return f;
}

long long pn_test_scalar(pn_store *store, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(pn_store_db(store), sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(pn_store_db(store)));
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        fail_msg("%s: no row", sql);
    }
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

char *pn_test_text(pn_store *store, const char *sql)
{
    sqlite3_stmt *q = NULL;
    char *v = NULL;
    if (sqlite3_prepare_v2(pn_store_db(store), sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(pn_store_db(store)));
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
        v = strdup((const char *)sqlite3_column_text(q, 0));
        assert_non_null(v);
    }
    sqlite3_finalize(q);
    return v;
}

void pn_test_project_open(pn_test_project *p, const char *prefix, const char *form_file)
{
    pn_error err = {0};
    memset(p, 0, sizeof *p);
    pn_test_dir_create(p->dir, sizeof p->dir, prefix);
    snprintf(p->db, sizeof p->db, "%s/p.db", p->dir);
    if ((p->store = pn_store_create(p->db, &err)) == NULL)
        fail_msg("cannot create %s: %s", p->db, err.msg);
    if (form_file)
        p->form = pn_test_load_form(form_file, &p->source, &p->len);
}

int pn_test_project_close(pn_test_project *p)
{
    pn_store_close(p->store);
    pn_form_destroy(p->form);
    free(p->source);
    p->store = NULL, p->form = NULL, p->source = NULL;
    return pn_test_dir_remove(p->dir);
}
