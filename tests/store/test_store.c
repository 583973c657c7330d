/*
 * test_store.c - the project file of store/store.c: creating and opening it, refusing what
 * is not ours (a missing file, garbage, a foreign SQLite database, a newer schema), recording
 * forms with their data tables, and transactions.
 *
 * Each test works in its own directory under /tmp, removed by its teardown.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "support/support.h"

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("'%s' does not contain '%s'", (hay), (needle));                               \
    } while (0)

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    strcpy(fx->dir, "/tmp/pn_test_store_XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/project.panorama", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char journal[160];
    snprintf(journal, sizeof journal, "%s-journal", fx->path);
    remove(fx->path);
    /* a journal left behind would mean a transaction was not closed */
    int journal_left = access(journal, F_OK) == 0;
    remove(journal);
    int rc = rmdir(fx->dir);
    free(fx);
    return rc == 0 && !journal_left ? 0 : -1;
}

static pn_store *create_ok(const char *path)
{
    pn_error err = {0};
    pn_store *s = pn_store_create(path, &err);
    if (s == NULL)
        fail_msg("cannot create %s: %s", path, err.msg);
    return s;
}

static pn_store *open_ok(const char *path)
{
    pn_error err = {0};
    pn_store *s = pn_store_open(path, &err);
    if (s == NULL)
        fail_msg("cannot open %s: %s", path, err.msg);
    return s;
}

/* One integer from @sql (which must return one row). */
static long long query_int(pn_store *s, const char *sql)
{
    return pn_test_scalar(s, sql);
}

/* The columns of @table, in order, as "a,b,c" into @buf. */
static void table_columns(pn_store *s, const char *table, char *buf, size_t size)
{
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q) ORDER BY cid", table);
    assert_non_null(sql);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(pn_store_db(s), sql, -1, &q, NULL), SQLITE_OK);
    sqlite3_free(sql);
    size_t len = 0;
    buf[0] = '\0';
    while (sqlite3_step(q) == SQLITE_ROW) {
        int w = snprintf(buf + len, size - len, "%s%s", len ? "," : "",
                         (const char *)sqlite3_column_text(q, 0));
        assert_true(w > 0 && (size_t)w < size - len);
        len += (size_t)w;
    }
    sqlite3_finalize(q);
}

/* The columns the form model says @table must have: the fixed ones, then one per question
 * with a value at @repeat, in form order. */
static void expected_columns(const pn_form *f, int repeat, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "%s",
                                  repeat < 0 ? "submission_id"
                                             : "entry_id,submission_id,position,entry_key");
    for (size_t i = 0; i < f->nq; i++) {
        if (f->q[i].repeat != repeat || !pn_question_has_value(&f->q[i]))
            continue;
        int w = snprintf(buf + len, size - len, ",%s", f->q[i].name);
        assert_true(w > 0 && (size_t)w < size - len);
        len += (size_t)w;
    }
}

static void test_create_then_open(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    assert_non_null(pn_store_db(s));
    assert_int_equal(query_int(s, "SELECT value FROM meta WHERE key='schema_version'"),
                     PN_STORE_VERSION);
    assert_int_equal(query_int(s, "SELECT count(*) FROM meta WHERE key='created_by' AND "
                                  "value='panorama " PN_VERSION "'"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                  "name IN ('meta','forms','imports','structures','submissions',"
                                  "'rejects')"),
                     6);
    /* links is a view, empty while no form is stored */
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='view' AND "
                                  "name='links'"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM links"), 0);
    assert_int_equal(query_int(s, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(s, "PRAGMA page_size"), 16384); /* store.c says why */
    pn_store_close(s);

    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 0);
    pn_store_close(s);
    pn_store_close(NULL); /* a no-op */
}

static void test_create_existing_file_untouched(void **state)
{
    fixture *fx = *state;
    static const char precious[] = "notes that must survive\n";
    pn_test_write_file(fx->path, precious, sizeof precious - 1);

    pn_error err = {0};
    assert_null(pn_store_create(fx->path, &err));
    assert_int_equal(err.status, PN_EUSAGE);
    assert_contains(err.msg, fx->path);
    assert_contains(err.msg, "already exists");
    size_t len = 0;
    char *after = pn_test_read_file(fx->path, &len);
    assert_int_equal(len, sizeof precious - 1);
    assert_memory_equal(after, precious, len);
    free(after);
}

static void test_create_twice(void **state)
{
    fixture *fx = *state;
    pn_store_close(create_ok(fx->path));
    size_t len1 = 0, len2 = 0;
    char *before = pn_test_read_file(fx->path, &len1);

    pn_error err = {0};
    assert_null(pn_store_create(fx->path, &err));
    assert_int_equal(err.status, PN_EUSAGE);
    char expected[300];
    snprintf(expected, sizeof expected, "'%s' already exists", fx->path);
    assert_contains(err.msg, expected);

    char *after = pn_test_read_file(fx->path, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(before, after, len1);
    free(before);
    free(after);
    pn_store_close(open_ok(fx->path)); /* still a good store */
}

static void test_open_missing(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    assert_null(pn_store_open(fx->path, &err));
    assert_int_equal(err.status, PN_EUSAGE);
    assert_contains(err.msg, fx->path);
    assert_contains(err.msg, "'panorama init'");
    assert_int_equal(access(fx->path, F_OK), -1); /* not created by the attempt */
}

static void test_open_garbage(void **state)
{
    fixture *fx = *state;
    char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = "this is not a database, only words\n"[i % 35];
    pn_test_write_file(fx->path, junk, sizeof junk);

    pn_error err = {0};
    assert_null(pn_store_open(fx->path, &err));
    assert_int_equal(err.status, PN_ESTORE);
    assert_contains(err.msg, fx->path);
    size_t len = 0;
    char *after = pn_test_read_file(fx->path, &len);
    assert_int_equal(len, sizeof junk);
    assert_memory_equal(after, junk, len);
    free(after);
}

static void test_open_foreign_sqlite(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    pn_error err = {0};
    assert_null(pn_store_open(fx->path, &err));
    assert_int_equal(err.status, PN_ESTORE);
    char expected[300];
    snprintf(expected, sizeof expected, "'%s' is not a panorama project file", fx->path);
    assert_string_equal(err.msg, expected);
}

/* The links table of schema versions 1 and 2 and its index, as panorama 0.2 wrote them, in
 * place of the view, holding the copy of put_one_link()'s link. */
#define LINKS_TABLE_V2                                                                             \
    "DROP VIEW links;"                                                                             \
    "CREATE TABLE links(link_id INTEGER PRIMARY KEY, form_id TEXT NOT NULL,"                       \
    " submission_id INTEGER NOT NULL REFERENCES submissions, entry_id INTEGER NOT NULL,"           \
    " reporter_side TEXT NOT NULL, centre_ident TEXT, school_ident TEXT, class TEXT,"              \
    " UNIQUE(form_id, entry_id));"                                                                 \
    "CREATE INDEX links_pair ON links(centre_ident, school_ident);"                                \
    "INSERT INTO links VALUES(1, 'centre_social', 1, 1, 'centre', '73282932000074', '0951099D',"   \
    " 'ponctuel');"

/* The partner repeat's table as versions 1 and 2 made it: its key unique on its own, an
 * index by submission, and (here) two of the answers' columns. */
#define REPEAT_TABLE_V2                                                                            \
    "DROP TABLE data_centre_social__partenaires;"                                                  \
    "CREATE TABLE data_centre_social__partenaires(entry_id INTEGER PRIMARY KEY,"                   \
    " submission_id INTEGER NOT NULL REFERENCES submissions, position INTEGER NOT NULL,"           \
    " entry_key TEXT NOT NULL UNIQUE);"                                                            \
    "CREATE INDEX data_centre_social__partenaires_sub ON"                                          \
    " data_centre_social__partenaires(submission_id);"                                             \
    "ALTER TABLE data_centre_social__partenaires ADD COLUMN type_lien TEXT;"                       \
    "ALTER TABLE data_centre_social__partenaires ADD COLUMN partenaire_id TEXT;"

/* A store with the real centre form, one submission and one link, in the tables; @s is left
 * open. @before_rows (SQL, or NULL) runs once the form is recorded, before the rows go in. */
static void put_one_link(pn_store *s, const char *before_rows)
{
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_error err = {0};
    if (pn_store_put_form(s, f, source, len, &err) != PN_OK)
        fail_msg("put_form: %s", err.msg);
    pn_form_destroy(f);
    free(source);
    if (before_rows)
        assert_int_equal(sqlite3_exec(pn_store_db(s), before_rows, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(pn_store_db(s),
                     "INSERT INTO imports(import_id, form_id, files) VALUES(1, 'centre_social',"
                     " 'a.csv');"
                     "INSERT INTO submissions(submission_id, form_id, instance_key, import_id,"
                     " source_file, source_line, submitted)"
                     " VALUES(1, 'centre_social', 'uuid:a', 1, 'a.csv', 2, '2026-03-01');"
                     "INSERT INTO data_centre_social(submission_id, siret)"
                     " VALUES(1, '73282932000074');"
                     "INSERT INTO data_centre_social__partenaires(entry_id, submission_id,"
                     " position, entry_key, partenaire_id, type_lien)"
                     " VALUES(1, 1, 1, 'uuid:a/p[1]', '0951099D', 'ponctuel');",
                     NULL, NULL, NULL),
        SQLITE_OK);
}

/* Undoes version 5 (the report spec's table), for a test that makes an older store. */
#define BACK_TO_V5 "DROP TABLE registry; DROP TABLE qpv; DROP TABLE sends;"
#define BACK_TO_V4 BACK_TO_V5 "DROP TABLE report_spec;"

/* What the links of put_one_link() look like, however they are stored. */
static const char *const ONE_LINK = "SELECT count(*) FROM links WHERE form_id='centre_social'"
                                    " AND submission_id=1 AND entry_id=1"
                                    " AND reporter_side='centre'"
                                    " AND centre_ident='73282932000074'"
                                    " AND school_ident='0951099D' AND class='ponctuel'";

/* A store of schema version 1 is migrated when opened: the full submission time and the
 * index that links a repeat file by the structure's identifier appear, the links become a
 * view, nothing is lost. */
static void test_open_migrates_v1(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    put_one_link(s, REPEAT_TABLE_V2);
    /* back to version 1 as panorama 0.1 wrote it */
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  BACK_TO_V4 LINKS_TABLE_V2
                                  "DROP INDEX submissions_structure;"
                                  "ALTER TABLE submissions DROP COLUMN submitted_at;"
                                  "UPDATE meta SET value='1' WHERE"
                                  " key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT value FROM meta WHERE key='schema_version'"),
                     PN_STORE_VERSION);
    assert_int_equal(query_int(s, "SELECT count(*) FROM pragma_table_info('submissions')"
                                  " WHERE name='submitted_at'"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
                                  " name='submissions_structure'"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM submissions WHERE instance_key='uuid:a'"
                                  " AND submitted='2026-03-01' AND submitted_at IS NULL"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='view' AND"
                                  " name='links'"),
                     1);
    assert_int_equal(query_int(s, ONE_LINK), 1);
    pn_store_close(s);
}

/* An old project file opened while another panorama writes to it: the migration cannot
 * start; the message says why (not "cannot migrate: database is locked", exit 5), and the
 * file is left as it was, to be migrated at the next open. */
static void test_open_migration_busy(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    put_one_link(s, REPEAT_TABLE_V2);
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  BACK_TO_V4 LINKS_TABLE_V2
                                  "DROP INDEX submissions_structure;"
                                  "ALTER TABLE submissions DROP COLUMN submitted_at;"
                                  "UPDATE meta SET value='1' WHERE"
                                  " key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pn_store_close(s);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(fx->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    pn_error err = {0};
    assert_null(pn_store_open(fx->path, &err));
    assert_int_equal(err.status, PN_EBUSY);
    assert_contains(err.msg, "cannot migrate schema 1 to 2");
    assert_contains(err.msg, "another panorama is writing to the project file");
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT value FROM meta WHERE key='schema_version'"),
                     PN_STORE_VERSION);
    pn_store_close(s);
}

/* Version 2 to 3: the links table and its index go, the view shows the same links; the
 * repeat table is made again with its key unique within a submission, every row, column and
 * value kept. */
static void test_open_migrates_v2(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    put_one_link(s, NULL);
    assert_int_equal(query_int(s, ONE_LINK), 1); /* the view of a new store */
    pn_store_close(s);
    unlink(fx->path);
    s = create_ok(fx->path);
    put_one_link(s, REPEAT_TABLE_V2);
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  "INSERT INTO data_centre_social__partenaires VALUES(5, 1, 2,"
                                  " 'uuid:a/p[2]', NULL, '0950001X')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  BACK_TO_V4 LINKS_TABLE_V2 "UPDATE meta SET value='2' WHERE"
                                                            " key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT value FROM meta WHERE key='schema_version'"),
                     PN_STORE_VERSION);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE name='links_pair'"
                                  " OR (name='links' AND type <> 'view')"),
                     0);
    assert_int_equal(query_int(s, ONE_LINK), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM links"), 2);
    /* the repeat table */
    assert_int_equal(query_int(s, "SELECT group_concat(name, ',') = 'entry_id,submission_id,"
                                  "position,entry_key,type_lien,partenaire_id' FROM (SELECT name"
                                  " FROM pragma_table_info('data_centre_social__partenaires')"
                                  " ORDER BY cid)"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM data_centre_social__partenaires WHERE"
                                  " (entry_id, submission_id, position, entry_key, type_lien,"
                                  " partenaire_id) IN (VALUES(1, 1, 1, 'uuid:a/p[1]', 'ponctuel',"
                                  " '0951099D')) OR (entry_id=5 AND submission_id=1 AND position=2"
                                  " AND entry_key='uuid:a/p[2]' AND type_lien IS NULL AND"
                                  " partenaire_id='0950001X')"),
                     2);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE name LIKE"
                                  " 'data_centre_social__partenaires%' AND type='index'"
                                  " AND sql IS NOT NULL"),
                     0); /* the index by submission is gone */
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%__v3'"), 0);
    sqlite3 *db = pn_store_db(s);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO data_centre_social__partenaires(submission_id,"
                                  " position, entry_key) VALUES(1, 3, 'uuid:a/p[1]')",
                                  NULL, NULL, NULL),
                     SQLITE_CONSTRAINT_UNIQUE);
    assert_int_equal(query_int(s, "SELECT count(*) FROM pragma_index_list("
                                  "'data_centre_social__partenaires') l WHERE l.origin='u' AND"
                                  " (SELECT group_concat(name) FROM pragma_index_info(l.name))"
                                  " = 'submission_id,entry_key'"),
                     1);
    pn_store_close(s);
}

/* Version 3 to 4: the rejects lose their unique (form, key) and gain a level; those kept
 * from before have none (NULL), every row kept. */
static void test_open_migrates_v3(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    assert_int_equal(
        sqlite3_exec(pn_store_db(s),
                     BACK_TO_V4
                     "DROP TABLE rejects;"
                     "CREATE TABLE rejects(reject_id INTEGER PRIMARY KEY, import_id INTEGER NOT"
                     " NULL, form_id TEXT NOT NULL, instance_key TEXT NOT NULL, file TEXT NOT"
                     " NULL, line INTEGER NOT NULL, raw TEXT NOT NULL, reasons TEXT NOT NULL,"
                     " UNIQUE(form_id, instance_key));"
                     "INSERT INTO rejects VALUES(1, 1, 'ecole', 'k1', 'a.csv', 2, 'x,y', 'r1'),"
                     " (2, 1, 'ecole', 'k2', 'a.csv', 3, 'z,t', 'r2');"
                     "UPDATE meta SET value='3' WHERE key='schema_version'",
                     NULL, NULL, NULL),
        SQLITE_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT value FROM meta WHERE key='schema_version'"),
                     PN_STORE_VERSION);
    assert_int_equal(query_int(s, "SELECT count(*) FROM rejects WHERE level IS NULL AND"
                                  " ((reject_id=1 AND instance_key='k1' AND line=2 AND raw='x,y'"
                                  " AND reasons='r1') OR (reject_id=2 AND reasons='r2'))"),
                     2);
    /* two rejects with one key may now be kept */
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  "INSERT INTO rejects(import_id, form_id, level, instance_key,"
                                  " file, line, raw, reasons) VALUES(2, 'ecole', '', 'k1',"
                                  " 'b.csv', 2, 'x,y,z', 'r3')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(query_int(s, "SELECT count(*) FROM rejects WHERE instance_key='k1'"), 2);
    pn_store_close(s);
}
/* Version 4 to 5: the table of the last report's spec appears, empty; a spec kept there comes
 * back byte for byte (a NUL and a Windows-1252 byte included), and the next one replaces it. */
static void test_open_migrates_v4(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    put_one_link(s, NULL);
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  BACK_TO_V4 "UPDATE meta SET value='4' WHERE key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT value FROM meta WHERE key='schema_version'"),
                     PN_STORE_VERSION);
    assert_int_equal(query_int(s, "SELECT count(*) FROM report_spec"), 0);
    assert_int_equal(query_int(s, ONE_LINK), 1);
    pn_error err = {0};
    char *path = NULL, *source = NULL;
    size_t len = 99;
    assert_int_equal(pn_store_get_report_spec(s, &path, &source, &len, &err), PN_OK);
    assert_null(path);
    assert_null(source);
    assert_int_equal(len, 0);
    static const char spec[] = "kind,sheet,var\ntable,Caf\xe9,x\0y\n";
    assert_int_equal(pn_store_put_report_spec(s, "reports/demo.csv", spec, sizeof spec - 1, &err),
                     PN_OK);
    assert_int_equal(pn_store_put_report_spec(s, "mine.csv", spec, sizeof spec - 1, &err), PN_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT count(*) FROM report_spec"), 1);
    assert_int_equal(pn_store_get_report_spec(s, &path, &source, &len, &err), PN_OK);
    assert_string_equal(path, "mine.csv");
    assert_int_equal(len, sizeof spec - 1);
    assert_memory_equal(source, spec, sizeof spec - 1);
    assert_int_equal(source[len], '\0');
    free(path);
    free(source);
    pn_store_close(s);
}

static void test_open_meta_without_version(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                                  "INSERT INTO meta VALUES('owner','someone else');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    pn_error err = {0};
    assert_null(pn_store_open(fx->path, &err));
    assert_int_equal(err.status, PN_ESTORE);
    assert_contains(err.msg, "is not a panorama project file");
}

static void test_open_newer_schema(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  "UPDATE meta SET value='99' WHERE key='schema_version'", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    pn_store_close(s);

    pn_error err = {0};
    assert_null(pn_store_open(fx->path, &err));
    assert_int_equal(err.status, PN_ESTORE);
    assert_contains(err.msg, fx->path);
    assert_contains(err.msg, "schema version 99, newer than this program");
}

static void test_put_form_creates_tables(void **state)
{
    fixture *fx = *state;
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_store *s = create_ok(fx->path);
    pn_error err = {0};
    if (pn_store_put_form(s, f, source, len, &err) != PN_OK)
        fail_msg("put_form: %s", err.msg);

    char name[256];
    pn_store_table_name(f, -1, name, sizeof name);
    assert_string_equal(name, "data_centre_social");
    pn_store_table_name(f, 0, name, sizeof name);
    assert_string_equal(name, "data_centre_social__partenaires");

    static char got[8192], want[8192];
    table_columns(s, "data_centre_social", got, sizeof got);
    expected_columns(f, -1, want, sizeof want);
    assert_string_equal(got, want);
    /* a few by name, so that the comparison above cannot pass on two empty lists */
    assert_contains(got, ",siret,");
    assert_contains(got, ",commune,");
    assert_contains(got, ",code_qpv,");
    assert_null(strstr(got, ",intro,"));        /* a note holds no answer */
    assert_null(strstr(got, ",partenaire_id")); /* that one is in the repeat's table */

    table_columns(s, "data_centre_social__partenaires", got, sizeof got);
    expected_columns(f, 0, want, sizeof want);
    assert_string_equal(got, want);
    assert_contains(got, ",partenaire_id,");
    assert_contains(got, ",type_lien");
    assert_null(strstr(got, ",siret"));

    assert_int_equal(query_int(s, "SELECT count(*) FROM forms WHERE form_id='centre_social' AND "
                                  "side='centre' AND version='2026112401'"),
                     1);
    assert_int_equal(query_int(s, "SELECT length(CAST(source AS BLOB)) FROM forms"),
                     (long long)len);

    pn_store_close(s);
    pn_form_destroy(f);
    free(source);
}

static void test_put_form_idempotent(void **state)
{
    fixture *fx = *state;
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_store *s = create_ok(fx->path);
    pn_error err = {0};
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    static char before[8192], before_rep[8192], after[8192], after_rep[8192];
    table_columns(s, "data_centre_social", before, sizeof before);
    table_columns(s, "data_centre_social__partenaires", before_rep, sizeof before_rep);
    long long objects = query_int(s, "SELECT count(*) FROM sqlite_master");

    if (pn_store_put_form(s, f, source, len, &err) != PN_OK)
        fail_msg("second put_form: %s", err.msg);
    table_columns(s, "data_centre_social", after, sizeof after);
    table_columns(s, "data_centre_social__partenaires", after_rep, sizeof after_rep);
    assert_string_equal(after, before);
    assert_string_equal(after_rep, before_rep);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master"), objects);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 1);

    pn_store_close(s);
    pn_form_destroy(f);
    free(source);
}

/* A new version of a form adds the columns it lacks and drops none. */
static void test_put_form_new_version_adds_columns(void **state)
{
    fixture *fx = *state;
    static const char v1[] = "survey\n,type,name\n,text,a\n,integer,b\n"
                             "settings\n,form_id,version\n,f,1\n";
    static const char v2[] = "survey\n,type,name\n,text,a\n,text,c\n"
                             "settings\n,form_id,version\n,f,2\n";
    pn_error err = {0};
    pn_form *f1 = pn_form_load_text("v1.csv", v1, sizeof v1 - 1, &err);
    pn_form *f2 = pn_form_load_text("v2.csv", v2, sizeof v2 - 1, &err);
    assert_non_null(f1);
    assert_non_null(f2);
    pn_store *s = create_ok(fx->path);
    assert_int_equal(pn_store_put_form(s, f1, v1, sizeof v1 - 1, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f2, v2, sizeof v2 - 1, &err), PN_OK);
    char cols[256];
    table_columns(s, "data_f", cols, sizeof cols);
    assert_string_equal(cols, "submission_id,a,b,c");
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms WHERE form_id='f' AND "
                                  "version='2' AND side IS NULL"),
                     1);
    pn_store_close(s);
    pn_form_destroy(f1);
    pn_form_destroy(f2);
}

static void test_get_form_round_trip(void **state)
{
    fixture *fx = *state;
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_store *s = create_ok(fx->path);
    pn_error err = {0};
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    pn_store_close(s);

    s = open_ok(fx->path);
    char *stored = NULL;
    size_t stored_len = 0;
    pn_form *g = pn_store_get_form(s, "centre_social", &stored, &stored_len, &err);
    if (g == NULL)
        fail_msg("get_form: %s", err.msg);
    assert_int_equal(stored_len, len);
    assert_memory_equal(stored, source, len);
    free(stored);
    assert_string_equal(g->id, f->id);
    assert_string_equal(g->title, f->title);
    assert_string_equal(g->version, f->version);
    assert_int_equal(g->side, f->side);
    assert_int_equal(g->nq, f->nq);
    assert_int_equal(g->nrepeats, f->nrepeats);
    assert_int_equal(g->nlists, f->nlists);
    for (size_t i = 0; i < f->nq; i++) {
        assert_string_equal(g->q[i].name, f->q[i].name);
        assert_int_equal(g->q[i].type, f->q[i].type);
        assert_int_equal(g->q[i].repeat, f->q[i].repeat);
    }

    pn_error err2 = {0};
    assert_null(pn_store_get_form(s, "nope", NULL, NULL, &err2));
    assert_int_equal(err2.status, PN_EUSAGE);
    assert_string_equal(err2.msg, "no form 'nope' in the project file");

    pn_form_destroy(g);
    pn_store_close(s);
    pn_form_destroy(f);
    free(source);
}

static void test_form_ids(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    pn_error err = {0};
    char **ids = (char **)1;
    size_t n = 99;
    assert_int_equal(pn_store_form_ids(s, &ids, &n, &err), PN_OK);
    assert_int_equal(n, 0);
    assert_null(ids);

    /* put in reverse order: the list is sorted */
    static const char *const files[] = {"ecole.csv", "centre_social.csv"};
    for (size_t i = 0; i < 2; i++) {
        char *source = NULL;
        size_t len = 0;
        pn_form *f = pn_test_load_form(files[i], &source, &len);
        assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
        pn_form_destroy(f);
        free(source);
    }
    assert_int_equal(pn_store_form_ids(s, &ids, &n, &err), PN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], "centre_social");
    assert_string_equal(ids[1], "ecole");
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms WHERE form_id='ecole' AND "
                                  "side='ecole'"),
                     1);
    pn_store_close(s);
}

/* Inside a transaction the connection's owner opened, a write is a savepoint of it: its
 * rollback undoes only the write, its commit leaves the outer transaction to decide. */
static void test_begin_inside_a_transaction(void **state)
{
    fixture *fx = *state;
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_store *s = create_ok(fx->path);
    sqlite3 *db = pn_store_db(s);
    pn_error err = {0};

    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO meta VALUES('outer','1')", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    pn_store_rollback(s);
    assert_int_equal(sqlite3_get_autocommit(db), 0); /* the outer one is still open */
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM meta WHERE key='outer'"), 1);

    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    assert_int_equal(pn_store_commit(s, &err), PN_OK);
    assert_int_equal(sqlite3_get_autocommit(db), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 1);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM meta WHERE key='outer'"), 0);

    /* and alone, a write is the transaction itself */
    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    assert_int_equal(pn_store_commit(s, &err), PN_OK);
    assert_int_equal(sqlite3_get_autocommit(db), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 1);
    pn_store_close(s);
    pn_form_destroy(f);
    free(source);
}

static void test_begin_rollback_leaves_nothing(void **state)
{
    fixture *fx = *state;
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_store *s = create_ok(fx->path);
    long long objects = query_int(s, "SELECT count(*) FROM sqlite_master");
    pn_error err = {0};

    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 1); /* visible inside */
    pn_store_rollback(s);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master"), objects);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'data_%'"),
                     0);
    assert_int_equal(sqlite3_get_autocommit(pn_store_db(s)), 1);
    pn_store_rollback(s); /* with no transaction open: harmless */

    /* closing with a transaction open rolls it back too */
    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 0);

    /* and a commit keeps it */
    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_put_form(s, f, source, len, &err), PN_OK);
    assert_int_equal(pn_store_commit(s, &err), PN_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT count(*) FROM forms"), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                  "name LIKE 'data_centre_social%'"),
                     2);

    pn_store_close(s);
    pn_form_destroy(f);
    free(source);
}

/* An import in its own thread: begin, record a form, commit (how long the commit took). */
typedef struct writer_job {
    const char *path;
    const pn_form *form;
    const char *source;
    size_t len;
    pn_status begin, put, commit;
    double commit_secs;
    pn_error err;
} writer_job;

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run_writer(void *arg)
{
    writer_job *w = arg;
    pn_store *s = pn_store_open(w->path, &w->err);
    if (s == NULL)
        return NULL;
    if ((w->begin = pn_store_begin(s, &w->err)) == PN_OK &&
        (w->put = pn_store_put_form(s, w->form, w->source, w->len, &w->err)) == PN_OK) {
        double t0 = now_secs();
        w->commit = pn_store_commit(s, &w->err);
        w->commit_secs = now_secs() - t0;
    }
    pn_store_close(s);
    return NULL;
}

/*
 * A report reads inside one read transaction: what it reads is the store as it was when the
 * read began, while a second connection (an import) writes. The import waits for the read
 * to end, longer than the 5 s busy timeout of other statements, then commits: it is not lost.
 */
static void test_read_snapshot_while_writer_commits(void **state)
{
    fixture *fx = *state;
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form("centre_social.csv", &source, &len);
    pn_store *reader = create_ok(fx->path);
    pn_error err = {0};
    writer_job w = {fx->path, f, source, len, PN_EINTERNAL, PN_EINTERNAL, PN_EINTERNAL, 0, {0}};
    pthread_t tid;

    assert_int_equal(pn_store_begin_read(reader, &err), PN_OK);
    assert_int_equal(query_int(reader, "SELECT count(*) FROM forms"), 0);
    assert_int_equal(pthread_create(&tid, NULL, run_writer, &w), 0);
    /* a long report: longer than the 5 s a statement waits for a lock */
    for (int i = 0; i < 12; i++) {
        struct timespec half = {0, 500000000};
        nanosleep(&half, NULL);
        /* the snapshot stays, also for tables not read yet */
        assert_int_equal(query_int(reader, "SELECT count(*) FROM forms"), 0);
        assert_int_equal(query_int(reader, "SELECT count(*) FROM sqlite_master WHERE name LIKE "
                                           "'data_centre_social%'"),
                         0);
    }
    pn_store_end_read(reader);
    pn_store_end_read(reader); /* a second end is harmless */
    assert_int_equal(sqlite3_get_autocommit(pn_store_db(reader)), 1);
    assert_int_equal(pthread_join(tid, NULL), 0);
    if (w.begin != PN_OK || w.put != PN_OK || w.commit != PN_OK)
        fail_msg("the import beside a report was lost: %s", w.err.msg);
    assert_true(w.commit_secs > 1); /* it waited for the report */
    /* after the read, the committed import is there */
    assert_int_equal(query_int(reader, "SELECT count(*) FROM forms"), 1);

    pn_store_close(reader);
    pn_store_end_read(NULL);
    pn_form_destroy(f);
    free(source);
}

/* A second writer while one holds the write lock: PN_EBUSY after the busy timeout, with a
 * message that names the project file and says another panorama writes to it (not the
 * "damaged store" of PN_ESTORE); nothing of the first writer is disturbed. */
static void test_second_writer_is_busy(void **state)
{
    fixture *fx = *state;
    pn_store *first = create_ok(fx->path);
    pn_store *second = open_ok(fx->path);
    pn_error err = {0};

    assert_int_equal(pn_store_begin(first, &err), PN_OK);
    assert_int_equal(pn_store_begin(second, &err), PN_EBUSY);
    assert_contains(err.msg, "another panorama is writing to the project file");
    assert_contains(err.msg, fx->path);
    assert_int_equal(sqlite3_get_autocommit(pn_store_db(second)), 1);
    pn_error ok = {0};
    assert_int_equal(pn_store_commit(first, &ok), PN_OK);
    /* once the first has finished, the second can write */
    assert_int_equal(pn_store_begin(second, &ok), PN_OK);
    assert_int_equal(pn_store_commit(second, &ok), PN_OK);
    pn_store_close(second);
    pn_store_close(first);
}

static pn_status stop_at_second(void *ctx, const pn_reject *r, pn_error *err)
{
    size_t *n = ctx;
    if (++*n == 1) {
        assert_string_equal(r->file, "a.csv");
        assert_int_equal(r->line, 2);
        assert_string_equal(r->reasons, "r2");
        return PN_OK;
    }
    return pn_error_set(err, PN_EIO, "stopped");
}

/* The named queries the commands read: the cover's counts, the date of the data, the
 * rejects in file and line order, a callback's status stopping the walk. */
static void test_named_queries(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    pn_error err = {0};
    double counts[PN_NCOUNTS];
    char date[32];
    assert_int_equal(pn_store_data_date(s, date, sizeof date, &err), PN_OK);
    assert_string_equal(date, "");
    put_one_link(s, NULL);
    assert_int_equal(
        sqlite3_exec(pn_store_db(s),
                     "INSERT INTO rejects(import_id, form_id, level, instance_key, file, line,"
                     " raw, reasons) VALUES(1, 'centre_social', '', 'k', 'b.csv', 1, 'x', 'r3'),"
                     " (1, 'centre_social', '', 'k', 'a.csv', 9, 'y', 'r4'),"
                     " (1, 'centre_social', '', 'j', 'a.csv', 2, 'z', 'r2');"
                     "INSERT INTO structures(side, ident, commune, responded) VALUES"
                     " ('centre', '73282932000074', '95018', 1), ('ecole', '0951099D', '95018', 0)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(pn_store_counts(s, counts, &err), PN_OK);
    assert_true(counts[PN_COUNT_CENTRES] == 1);
    assert_true(counts[PN_COUNT_SCHOOLS] == 0);
    assert_true(counts[PN_COUNT_COMMUNES] == 1);
    assert_true(counts[PN_COUNT_LINKS] == 1);
    assert_true(counts[PN_COUNT_PAIRS] == 1);
    assert_true(counts[PN_COUNT_DYADS] == 0);
    assert_true(counts[PN_COUNT_REJECTS] == 3);
    assert_int_equal(pn_store_data_date(s, date, sizeof date, &err), PN_OK);
    assert_string_equal(date, "2026-03-01");
    size_t n = 0;
    assert_int_equal(pn_store_each_reject(s, stop_at_second, &n, &err), PN_EIO);
    assert_int_equal(n, 2);
    assert_string_equal(err.msg, "stopped");
    pn_store_close(s);
}

/* Record the real form @file in @s. */
static void put_real_form(pn_store *s, const char *file)
{
    char *source = NULL;
    size_t len = 0;
    pn_form *f = pn_test_load_form(file, &source, &len);
    pn_error err = {0};
    if (pn_store_put_form(s, f, source, len, &err) != PN_OK)
        fail_msg("put_form: %s", err.msg);
    pn_form_destroy(f);
    free(source);
}

/* The cover's counts of links against the SQL that defines them (GROUP BY over the links
 * view), on links of both sides with identifiers short and long (beyond 16 bytes), empty,
 * missing (a submission without its answers' row, a partner left blank), named by both
 * sides or by one: thousands of them, so that every table grows. */
static void test_link_counts_as_sql(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    pn_error err = {0};
    double counts[PN_NCOUNTS];
    put_real_form(s, "centre_social.csv");
    put_real_form(s, "ecole.csv");
    assert_int_equal(
        sqlite3_exec(
            pn_store_db(s),
            "INSERT INTO imports(import_id, form_id, files) VALUES(1, 'centre_social', 'a.csv');"
            "CREATE TEMP TABLE n AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
            " FROM n WHERE i < 9000) SELECT i FROM n;"
            "INSERT INTO submissions(submission_id, form_id, instance_key, import_id,"
            " source_file, source_line) SELECT i, CASE WHEN i <= 101 THEN 'centre_social' ELSE"
            " 'ecole' END, 'k' || i, 1, 'a.csv', i FROM temp.n WHERE i <= 301;"
            "INSERT INTO data_centre_social(submission_id, siret) SELECT i, CASE i % 7 WHEN 0"
            " THEN '' WHEN 1 THEN 'un identifiant bien plus long que seize octets ' || (i % 5)"
            " ELSE 'c' || (i % 40) END FROM temp.n WHERE i <= 100;" /* 101: no answers' row */
            "INSERT INTO data_ecole(submission_id, uai) SELECT i, 'e' || (i % 60) FROM temp.n"
            " WHERE i > 101 AND i <= 301;"
            "INSERT INTO data_centre_social__partenaires(entry_id, submission_id, position,"
            " entry_key, partenaire_id) SELECT i, 1 + i % 101, i, 'p' || i, CASE i % 11 WHEN 0"
            " THEN NULL ELSE 'e' || (i % 70) END FROM temp.n;"
            "INSERT INTO data_ecole__partenaires(entry_id, submission_id, position, entry_key,"
            " partenaire_id) SELECT i, 102 + i % 200, i, 'q' || i, CASE i % 9 WHEN 0 THEN ''"
            " WHEN 1 THEN 'un identifiant bien plus long que seize octets ' || (i % 3) ELSE"
            " 'c' || (i % 45) END FROM temp.n WHERE i <= 6000;",
            NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(pn_store_counts(s, counts, &err), PN_OK);
    assert_true(counts[PN_COUNT_LINKS] == query_int(s, "SELECT count(*) FROM links"));
    assert_true(counts[PN_COUNT_LINKS] == 15000);
    long long pairs = query_int(s, "SELECT count(*) FROM (SELECT 1 FROM links GROUP BY"
                                   " centre_ident, school_ident)");
    long long dyads = query_int(s, "SELECT count(*) FROM (SELECT 1 FROM links GROUP BY"
                                   " centre_ident, school_ident HAVING"
                                   " count(DISTINCT reporter_side) = 2)");
    assert_true(counts[PN_COUNT_PAIRS] == pairs);
    assert_true(counts[PN_COUNT_DYADS] == dyads);
    assert_true(dyads > 100 && pairs > dyads + 1000); /* the data has both kinds */
    pn_store_close(s);
}

typedef struct listed {
    char got[1024];
} listed;

static pn_status list_one(void *ctx, const pn_structure_row *r, pn_error *err)
{
    (void)err;
    listed *l = ctx;
    size_t n = strlen(l->got);
    snprintf(l->got + n, sizeof l->got - n, "[%s %s %s %d %d %s]", r->e.side, r->e.ident, r->e.name,
             r->listed, r->responded, r->answered);
    return PN_OK;
}

/* The registry (v6): a store of version 5 gets its tables; an entry added, the same again,
 * changed, and an empty field that leaves the stored one; the listing with the answers'
 * status, and a structure the answers name that the registry lacks after it. */
static void test_registry(void **state)
{
    fixture *fx = *state;
    pn_store *s = create_ok(fx->path);
    put_one_link(s, NULL);
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  BACK_TO_V5 "UPDATE meta SET value='5' WHERE key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pn_store_close(s);
    s = open_ok(fx->path);
    assert_int_equal(query_int(s, "SELECT count(*) FROM registry"), 0);
    pn_error err = {0};
    unsigned changed = 99;
    pn_registry_entry e = {"ecole",
                           "0951099D",
                           "\xc3\x89"
                           "cole Jean Jaur\xc3\xa8s",
                           "Ecole",
                           "95018",
                           "Argenteuil",
                           "REP",
                           "",
                           "",
                           48.94,
                           2.25};
    assert_int_equal(pn_store_begin(s, &err), PN_OK);
    assert_int_equal(pn_store_registry_put(s, &e, "a.csv", &changed, &err), PN_OK);
    assert_int_equal(changed, PN_REG_NEW);
    assert_int_equal(pn_store_registry_put(s, &e, "a.csv", &changed, &err), PN_OK);
    assert_int_equal(changed, 0);
    e.name = "\xc3\x89"
             "cole \xc3\xa9l\xc3\xa9mentaire Jean Jaur\xc3\xa8s";
    e.rep = ""; /* not given: the stored REP stays */
    e.latitude = NAN;
    assert_int_equal(pn_store_registry_put(s, &e, "b.csv", &changed, &err), PN_OK);
    assert_int_equal(changed, PN_REG_NAME);
    pn_registry_entry c = {
        "centre", "73282932000074", "Centre social", "", "95018", "", "", "", "", NAN, NAN};
    assert_int_equal(pn_store_registry_put(s, &c, "c.csv", &changed, &err), PN_OK);
    int qchanged = 9;
    assert_int_equal(pn_store_qpv_put(s, "QN09501M", "Val d'Argent", "95018", "Argenteuil", "q.csv",
                                      &qchanged, &err),
                     PN_OK);
    assert_int_equal(qchanged, 1);
    assert_int_equal(pn_store_qpv_put(s, "QN09501M", "Val d'Argent", "95018", "Argenteuil", "q.csv",
                                      &qchanged, &err),
                     PN_OK);
    assert_int_equal(qchanged, 0);
    assert_int_equal(pn_store_commit(s, &err), PN_OK);
    assert_int_equal(query_int(s, "SELECT count(*) FROM registry WHERE rep = 'REP'"
                                  " AND latitude = 48.94 AND source = 'b.csv'"),
                     1);
    /* the answers: put_one_link's centre answered; a school it names is not in the registry */
    assert_int_equal(sqlite3_exec(pn_store_db(s),
                                  "INSERT INTO structures(side, ident, name) VALUES"
                                  "('ecole', '0422170F', 'Coll\xc3\xa8ge Nommé')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    listed l = {""};
    assert_int_equal(pn_store_each_structure(s, list_one, &l, &err), PN_OK);
    assert_non_null(strstr(l.got, "[ecole 0951099D \xc3\x89"
                                  "cole \xc3\xa9l\xc3\xa9mentaire Jean Jaur\xc3\xa8s 1 0 ]"));
    assert_non_null(strstr(l.got, "[ecole 0422170F Coll\xc3\xa8ge Nommé 0 0 ]"));
    assert_true(strstr(l.got, "0422170F") > strstr(l.got, "0951099D")); /* the unlisted last */
    pn_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_then_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_existing_file_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_foreign_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_migrates_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_migrates_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_migrates_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_migration_busy, setup, teardown),

        cmocka_unit_test_setup_teardown(test_open_migrates_v4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_meta_without_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_form_creates_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_form_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_form_new_version_adds_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_form_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_inside_a_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot_while_writer_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_writer_is_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_counts_as_sql, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
