/*
 * test_writer.c - the store's writer for imports (store/writer.h), on its own: each of its
 * operations on a fresh project file with the real centre social form, then what the store
 * holds. The import's tests (tests/import) check it again through whole imports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/writer.h"
#include "support/support.h"

typedef struct fixture {
    pn_test_project p;
    pn_store_writer *w;
    const char **val;
    unsigned char *rel;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    pn_error err = {0};
    assert_non_null(fx);
    pn_test_project_open(&fx->p, "pn_test_writer", "centre_social.csv");
    if (pn_store_begin(fx->p.store, &err) != PN_OK ||
        pn_store_put_form(fx->p.store, fx->p.form, fx->p.source, fx->p.len, &err) != PN_OK)
        fail_msg("%s", err.msg);
    fx->w = pn_store_writer_open(fx->p.store, fx->p.form, "a.csv\nb.csv", &err);
    if (fx->w == NULL)
        fail_msg("%s", err.msg);
    fx->val = calloc(fx->p.form->nq, sizeof *fx->val);
    fx->rel = calloc(fx->p.form->nq, 1);
    assert_true(fx->val && fx->rel);
    memset(fx->rel, 1, fx->p.form->nq);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    pn_store_writer_close(fx->w);
    pn_store_rollback(fx->p.store);
    free(fx->val);
    free(fx->rel);
    int rc = pn_test_project_close(&fx->p);
    free(fx);
    return rc;
}

static int question(fixture *fx, const char *name)
{
    int i = pn_form_question_index(fx->p.form, name);
    assert_true(i >= 0);
    return i;
}

/* A submission of "Centre A" keyed @key, stored; its id. */
static long long put_centre(fixture *fx, const char *key, long long *structure)
{
    pn_error err = {0};
    pn_store_structure who = {"73282932000074", "Centre A", "95018", "non", "", "rep"};
    if (pn_store_writer_structure(fx->w, &who, structure, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_true(*structure > 0);
    fx->val[question(fx, "nom_structure")] = "Centre A";
    fx->rel[question(fx, "code_qpv")] = 0;
    pn_store_answers a = {fx->val, fx->rel, NULL};
    pn_store_submission sub = {key, "a.csv", 2, *structure, "2026-03-01T10:00:00"};
    long long id = 0;
    if (pn_store_writer_put_submission(fx->w, 0, &sub, &a, &id, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_true(id > 0);
    return id;
}

/* The import is recorded when the writer opens, its counts when it finishes. */
static void import_recorded(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    long long id = pn_store_writer_import_id(fx->w);
    assert_true(id > 0);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT max(import_id) FROM imports"), id);
    char *files = pn_test_text(fx->p.store, "SELECT files FROM imports");
    assert_string_equal(files, "a.csv\nb.csv");
    free(files);
    assert_int_equal(pn_store_writer_finish(fx->w, 5, 3, 1, 1, &err), PN_OK);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT rows_read * 1000 + stored * 100 +"
                                                 " duplicates * 10 + rejected FROM imports"),
                     5311);
    assert_int_equal(pn_store_writer_live(fx->w, &err), PN_OK);
}

/* A submission stored is found by its key, with its time and its answers (a question that
 * does not apply is NULL, one unanswered ''); a new version replaces it in place. */
static void submission_found_and_replaced(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    long long structure = 0, id = put_centre(fx, "uuid:a", &structure);
    long long found = 0;
    char *at = NULL;
    assert_int_equal(pn_store_writer_find(fx->w, -1, 0, "uuid:a", &found, &at, &err), PN_OK);
    assert_int_equal(found, id);
    assert_string_equal(at, "2026-03-01T10:00:00");
    free(at);
    assert_int_equal(pn_store_writer_find(fx->w, -1, 0, "uuid:z", &found, &at, &err), PN_OK);
    assert_int_equal(found, 0);
    assert_null(at);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT count(*) FROM data_centre_social WHERE"
                                                 " code_qpv IS NULL AND siret = ''"),
                     1);
    pn_store_answers a = {fx->val, fx->rel, NULL};
    int same = 0;
    assert_int_equal(pn_store_writer_same(fx->w, -1, id, &a, &same, &err), PN_OK);
    assert_true(same);
    fx->val[question(fx, "nom_structure")] = "Centre A bis";
    assert_int_equal(pn_store_writer_same(fx->w, -1, id, &a, &same, &err), PN_OK);
    assert_false(same);
    pn_store_submission sub = {"uuid:a", "b.csv", 7, structure, "2026-04-01T10:00:00"};
    long long again = 0;
    assert_int_equal(pn_store_writer_put_submission(fx->w, id, &sub, &a, &again, &err), PN_OK);
    assert_int_equal(again, id);
    char *name = pn_test_text(fx->p.store, "SELECT nom_structure || ' ' || s.source_file || ':' ||"
                                           " s.source_line || ' ' || s.submitted FROM"
                                           " data_centre_social d JOIN submissions s USING"
                                           " (submission_id)");
    assert_string_equal(name, "Centre A bis b.csv:7 2026-04-01");
    free(name);
}

/* An entry's key is unique in its submission; a parent's answers and version are read back;
 * the entries of a replaced submission are dropped. */
static void entries_and_versions(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    long long structure = 0, id = put_centre(fx, "uuid:a", &structure);
    int r = pn_form_links_repeat(fx->p.form);
    assert_true(r >= 0);
    fx->val[question(fx, "partenaire_id")] = "0951099D";
    pn_store_answers a = {fx->val, fx->rel, NULL};
    long long entry = 0, again = 0, found = 0;
    char *at = NULL;
    assert_int_equal(pn_store_writer_insert_entry(fx->w, r, id, 1, "uuid:a/p[1]", &a, &entry, &err),
                     PN_OK);
    assert_true(entry > 0);
    assert_int_equal(pn_store_writer_insert_entry(fx->w, r, id, 2, "uuid:a/p[1]", &a, &again, &err),
                     PN_OK);
    assert_int_equal(again, 0);
    assert_int_equal(pn_store_writer_find(fx->w, r, id, "uuid:a/p[1]", &found, &at, &err), PN_OK);
    assert_int_equal(found, entry);
    assert_null(at);
    fx->val[question(fx, "partenaire_id")] = "0940176F";
    assert_int_equal(pn_store_writer_update_entry(fx->w, r, entry, &a, &err), PN_OK);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT count(*) FROM links WHERE"
                                                 " school_ident = '0940176F'"),
                     1);

    char **vals = calloc(fx->p.form->nq, sizeof *vals);
    long long parent = 0;
    pn_store_version v = PN_VERSION_KEPT;
    assert_int_equal(pn_store_writer_parent(fx->w, "uuid:a", &parent, &v, vals, &err), PN_OK);
    assert_int_equal(parent, id);
    assert_int_equal(v, PN_VERSION_NONE);
    assert_string_equal(vals[question(fx, "nom_structure")], "Centre A");
    assert_null(vals[question(fx, "code_qpv")]);
    for (size_t i = 0; i < fx->p.form->nq; i++)
        free(vals[i]), vals[i] = NULL;
    assert_int_equal(pn_store_writer_mark(fx->w, id, PN_VERSION_REPLACED, &err), PN_OK);
    assert_int_equal(pn_store_writer_parent(fx->w, "uuid:a", &parent, &v, vals, &err), PN_OK);
    assert_int_equal(v, PN_VERSION_REPLACED);
    for (size_t i = 0; i < fx->p.form->nq; i++)
        free(vals[i]), vals[i] = NULL;
    assert_int_equal(pn_store_writer_parent(fx->w, "uuid:z", &parent, &v, vals, &err), PN_OK);
    assert_int_equal(parent, 0);
    free(vals);

    char *key = NULL;
    assert_int_equal(pn_store_writer_by_ident(fx->w, "73282932000074", &key, &err), PN_OK);
    assert_string_equal(key, "uuid:a");
    free(key);
    assert_int_equal(pn_store_writer_by_ident(fx->w, "00000000000000", &key, &err), PN_OK);
    assert_null(key);

    assert_int_equal(pn_store_writer_drop_replaced(fx->w, r, &err), PN_OK);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT count(*) FROM links"), 0);
}

/* Rejects: each row is kept, the same row again replaces nothing within an import, and a row
 * stored under the key resolves the rejects of its level only. Partners are recorded once. */
static void rejects_and_partners(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    int rejected = 0;
    assert_int_equal(pn_store_writer_reject(fx->w, -1, "uuid:r", "a.csv", 3, "x,y", "bad", &err),
                     PN_OK);
    assert_int_equal(pn_store_writer_reject(fx->w, 0, "uuid:r", "b.csv", 4, "x,z", "bad", &err),
                     PN_OK);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT count(*) FROM rejects"), 2);
    assert_int_equal(pn_store_writer_rejected(fx->w, "uuid:r", &rejected, &err), PN_OK);
    assert_true(rejected);
    assert_int_equal(pn_store_writer_resolve(fx->w, -1, "uuid:r", &err), PN_OK);
    assert_int_equal(pn_store_writer_rejected(fx->w, "uuid:r", &rejected, &err), PN_OK);
    assert_false(rejected);
    assert_int_equal(pn_test_scalar(fx->p.store, "SELECT count(*) FROM rejects"), 1);

    assert_int_equal(pn_store_writer_partner(fx->w, "0951099D", "École 1", &err), PN_OK);
    assert_int_equal(pn_store_writer_partner(fx->w, "0951099D", "Autre nom", &err), PN_OK);
    char *name = pn_test_text(fx->p.store, "SELECT group_concat(side || ' ' || name) FROM"
                                           " structures WHERE ident = '0951099D'");
    assert_string_equal(name, "ecole École 1");
    free(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(import_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(submission_found_and_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_and_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_and_partners, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
