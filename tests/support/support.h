/*
 * support.h - what the unit tests share (the library panorama_test_support, which every test
 * program links): scratch directories and the files in them, the files of the source tree
 * (the real forms), a project file with a real form for the import tests, and one-value
 * queries on a store.
 *
 * The helpers are for tests: on an error they fail the running cmocka test (fail_msg) rather
 * than return it, unless a function says otherwise, so they are called from a test, its
 * setup or its teardown.
 */
#ifndef PN_TESTS_SUPPORT_H
#define PN_TESTS_SUPPORT_H

#include <stddef.h>

#include <sqlite3.h> /* the tests may look into the store directly */

#include "form/form.h"
#include "store/store.h"

/*
 * pn_test_source_path - @rel (e.g. "forms/ecole.csv") in the source tree, into @buf of @size
 * bytes: under $PN_SOURCE_DIR (set by ctest), else under "../.." (a test run from its own
 * folder of the source tree). Returns @buf.
 */
const char *pn_test_source_path(const char *rel, char *buf, size_t size);

/*
 * pn_test_read_file - the whole content of @path, NUL-terminated; *@len (when not NULL) gets
 * its size. Returns NULL when the file cannot be opened (the caller asserts what it expects).
 * The caller frees the result.
 */
char *pn_test_read_file(const char *path, size_t *len);

/* pn_test_write_file - write the @len bytes at @data to @path, replacing it. */
void pn_test_write_file(const char *path, const char *data, size_t len);

/*
 * pn_test_put - write @text to @dir/@name. Returns the path, in one of 8 static slots that
 * the following calls reuse in turn (valid until the eighth call after this one).
 */
const char *pn_test_put(const char *dir, const char *name, const char *text);

/* pn_test_dir_create - a fresh directory "/tmp/@prefix_XXXXXX", its path into @dir (@size
 * bytes, 64 is enough for a short prefix). */
void pn_test_dir_create(char *dir, size_t size, const char *prefix);

/* pn_test_dir_remove - remove @dir and all it holds. Returns 0, or -1 when that fails (for a
 * teardown to return). */
int pn_test_dir_remove(const char *dir);

/*
 * pn_test_load_form - load the real form forms/@file of the source tree. When @source is not
 * NULL, *@source gets the file's text (freed by the caller) and *@len its size. The caller
 * frees the form with pn_form_destroy.
 */
pn_form *pn_test_load_form(const char *file, char **source, size_t *len);

/*
 * pn_test_scalar - the integer in the first column of the one row @sql returns on @store.
 * Fails the test when @sql does not compile (with SQLite's message) or returns no row.
 */
long long pn_test_scalar(pn_store *store, const char *sql);

/*
 * pn_test_text - the text in the first column of the first row @sql returns on @store, or
 * NULL when it returns no row or a NULL. Fails the test when @sql does not compile. The
 * caller frees the result.
 */
char *pn_test_text(pn_store *store, const char *sql);

/* A project for an import test: a scratch directory holding a fresh project file, and a real
 * form with its text. Embedded by the caller; its parts are the caller's to use. */
typedef struct pn_test_project {
    char dir[64]; /* the scratch directory */
    char db[128]; /* dir/p.db, the project file */
    pn_store *store;
    pn_form *form; /* NULL when opened without a form */
    char *source;  /* the form file's text, NULL without a form */
    size_t len;
} pn_test_project;

/*
 * pn_test_project_open - create the scratch directory "/tmp/@prefix_XXXXXX" with a fresh
 * store in it, and load forms/@form_file of the source tree (NULL: no form).
 */
void pn_test_project_open(pn_test_project *p, const char *prefix, const char *form_file);

/*
 * pn_test_project_close - close the store, free the form and its text, remove the directory.
 * Returns 0, or -1 when the directory could not be removed.
 */
int pn_test_project_close(pn_test_project *p);

#endif
