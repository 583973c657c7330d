#include "store/store.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/strbuf.h"

static const char *const schema_v1 =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE forms(form_id TEXT PRIMARY KEY, title TEXT NOT NULL, version TEXT NOT NULL,"
    " side TEXT, source TEXT NOT NULL, path TEXT);"
    "CREATE TABLE imports(import_id INTEGER PRIMARY KEY, form_id TEXT NOT NULL,"
    " files TEXT NOT NULL, rows_read INTEGER NOT NULL DEFAULT 0,"
    " stored INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,"
    " rejected INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE structures(structure_id INTEGER PRIMARY KEY,"
    " side TEXT NOT NULL CHECK(side IN ('centre','ecole')), ident TEXT NOT NULL, name TEXT,"
    " commune TEXT, en_qpv TEXT, code_qpv TEXT, rep TEXT,"
    " responded INTEGER NOT NULL DEFAULT 0, UNIQUE(side, ident));"
    "CREATE TABLE submissions(submission_id INTEGER PRIMARY KEY, form_id TEXT NOT NULL"
    " REFERENCES forms, instance_key TEXT NOT NULL, import_id INTEGER NOT NULL REFERENCES"
    " imports, source_file TEXT NOT NULL, source_line INTEGER NOT NULL,"
    " structure_id INTEGER REFERENCES structures, submitted TEXT,"
    " UNIQUE(form_id, instance_key));"
    "CREATE TABLE links(link_id INTEGER PRIMARY KEY, form_id TEXT NOT NULL,"
    " submission_id INTEGER NOT NULL REFERENCES submissions, entry_id INTEGER NOT NULL,"
    " reporter_side TEXT NOT NULL, centre_ident TEXT, school_ident TEXT, class TEXT,"
    " UNIQUE(form_id, entry_id));"
    "CREATE INDEX links_pair ON links(centre_ident, school_ident);"
    "CREATE TABLE rejects(reject_id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL,"
    " form_id TEXT NOT NULL, instance_key TEXT NOT NULL, file TEXT NOT NULL,"
    " line INTEGER NOT NULL, raw TEXT NOT NULL, reasons TEXT NOT NULL,"
    " UNIQUE(form_id, instance_key));"
    "INSERT INTO meta VALUES('schema_version','1'),('created_by','panorama " PN_VERSION "');";

/* A new store is made as version 1, then migrated: one path to every version. */

/* Version 2: the full submission time (to tell which of two versions of a submission is the
 * newer) and the index that links a repeat file to its parent by the structure's
 * identifier. */
#define SCHEMA_V2                                                                                  \
    "ALTER TABLE submissions ADD COLUMN submitted_at TEXT;"                                        \
    "CREATE INDEX submissions_structure ON submissions(structure_id);"

/*
 * Version 3, for a faster import:
 * - links is a view over the entries of each form's partner repeat (links_view), no longer a
 *   table holding a copy of them: one source of truth, and an import no longer writes every
 *   link twice (a national import spent a quarter of its time on the copy and its pair
 *   index, which the report's dyad count reads no faster than a sort);
 * - an entry's key is unique within its submission, UNIQUE(submission_id, entry_key), rather
 *   than across the table with an index by submission beside it (rebuild_repeat_tables). A
 *   key is made from its submission's (ODK's KEY, or the parent's key and the position), so
 *   nothing that was one entry becomes two; and as entries come grouped by submission, the
 *   index grows at its end instead of at random places of a 40 MB B-tree.
 */
#define SCHEMA_V3 "DROP INDEX IF EXISTS links_pair; DROP TABLE IF EXISTS links;"

/*
 * Version 4: every rejected row is kept. A reject was unique by (form, key), so rows that
 * shared a key overwrote one another (1,000 rejected rows with three keys kept 3), and a
 * stored row resolved a reject of the other level with the same key (a partner survey's
 * response 7 deleted the main survey's reject 7). A reject now records its level: '' for a
 * submission, the repeat's name for an entry; rejects kept from before have no level (NULL),
 * which any row of their form and key resolves, as it did.
 */
#define SCHEMA_V4                                                                                  \
    "CREATE TABLE rejects_v4(reject_id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL,"           \
    " form_id TEXT NOT NULL, level TEXT, instance_key TEXT NOT NULL, file TEXT NOT NULL,"          \
    " line INTEGER NOT NULL, raw TEXT NOT NULL, reasons TEXT NOT NULL);"                           \
    "INSERT INTO rejects_v4(reject_id, import_id, form_id, level, instance_key, file, line, raw,"  \
    " reasons) SELECT reject_id, import_id, form_id, NULL, instance_key, file, line, raw, reasons" \
    " FROM rejects;"                                                                               \
    "DROP TABLE rejects; ALTER TABLE rejects_v4 RENAME TO rejects;"                                \
    "CREATE INDEX rejects_key ON rejects(form_id, instance_key);"

/* Version 5: the text of the report spec the last report was written from, so that `report`
 * without a SPEC writes the same workbook again from any folder. One row at most. */
#define SCHEMA_V5                                                                                  \
    "CREATE TABLE report_spec(spec_id INTEGER PRIMARY KEY CHECK(spec_id = 1),"                     \
    " path TEXT NOT NULL, source BLOB NOT NULL);"

/* Migrations from version v to v+1, in order: migrations[v - 1] turns v into v+1, then
 * after_migration() does what SQL alone cannot. */
/* Version 6: the registry of the structures to survey (the Annuaire de l'éducation's schools,
 * the federation's list of centres), the QPV list, one row per neighbourhood and commune, and
 * the forms sent and the reminders, one row per structure each time. */
#define SCHEMA_V6                                                                                  \
    "CREATE TABLE registry(side TEXT NOT NULL CHECK(side IN ('centre','ecole')),"                  \
    " ident TEXT NOT NULL, name TEXT, kind TEXT, commune TEXT, commune_name TEXT, rep TEXT,"       \
    " email TEXT, address TEXT, latitude REAL, longitude REAL, source TEXT NOT NULL,"              \
    " PRIMARY KEY(side, ident));"                                                                  \
    "CREATE TABLE qpv(code_qp TEXT NOT NULL, lib_qp TEXT, insee_com TEXT NOT NULL, lib_com TEXT,"  \
    " source TEXT NOT NULL, PRIMARY KEY(code_qp, insee_com));"                                     \
    "CREATE TABLE sends(send_id INTEGER PRIMARY KEY, form_id TEXT NOT NULL, side TEXT NOT NULL,"   \
    " ident TEXT NOT NULL, kind TEXT NOT NULL CHECK(kind IN ('envoi','relance')),"                 \
    " at TEXT NOT NULL, link TEXT);"                                                               \
    "CREATE INDEX sends_structure ON sends(side, ident);"

static const char *const migrations[PN_STORE_VERSION - 1] = {SCHEMA_V2, SCHEMA_V3, SCHEMA_V4,
                                                             SCHEMA_V5, SCHEMA_V6};

static pn_status links_view(pn_store *s, pn_error *err);
static pn_status rebuild_repeat_tables(pn_store *s, pn_error *err);

/* The part of migration to version @to that SQL alone cannot do. */
static pn_status after_migration(pn_store *s, int to, pn_error *err)
{
    pn_status st = PN_OK;
    if (to == 3 && (st = rebuild_repeat_tables(s, err)) == PN_OK)
        st = links_view(s, err);
    return st;
}

/*
 * How the connections of several panorama share a project file (SQLite's rollback journal:
 * one writer, or readers; a reader holds its lock for its whole read transaction).
 * - A reader (report, tab: pn_store_begin_read) or a second writer that finds the file
 *   locked by a writer waits BUSY_MS, then fails with PN_EBUSY, saying that another panorama
 *   is writing to the file: nothing is damaged, it runs again once the import has finished.
 * - A writer that has begun (an import) waits WRITER_WAIT_MS for the readers to finish, when
 *   it must write to the file (cache spill, commit): a report running beside an import makes
 *   the import wait a few seconds, never throws it away.
 * Write-ahead logging (WAL) would let readers and the writer run side by side, but it writes
 * every page twice (log, then checkpoint): importing the centres of make bench's files took a
 * quarter longer with it (median 2.2 s against 1.8 s); it also adds two files beside the
 * project file (-wal, -shm), and needs a local file system. A reader blocked by an import
 * that has begun writing to the file (it holds the lock from its first cache spill to its
 * commit) is the price: it says so and can run again a moment later.
 */
#define BUSY_MS 5000
#define WRITER_WAIT_MS (10 * 60 * 1000)

/*
 * The page cache of a connection: an import's (16 MB) keeps the pages it writes to again; a
 * read transaction's (2 MB, SQLite's own default) holds the inner pages of the tables, since
 * its scans read each page once: a larger cache only adds fresh memory for the system to clear
 * (a `tab` at national scale, 1,000,000 links, took a fifth longer with 16 MB).
 */
#define WRITE_CACHE "PRAGMA cache_size=-16000"
#define READ_CACHE "PRAGMA cache_size=-2000"

/* Whether the connection's last error is SQLite's "database is locked". */
static int is_busy(pn_store *s)
{
    return s && s->db && (sqlite3_errcode(s->db) & 0xff) == SQLITE_BUSY;
}

pn_status pn_store_error(pn_store *s, pn_error *err, const char *what)
{
    /* only a writer's lock makes others wait (a writer's own wait for readers at commit
     * has its message in pn_store_commit) */
    if (is_busy(s))
        return pn_error_set(err, PN_EBUSY,
                            "%s: another panorama is writing to the project file '%s'; run this "
                            "again when it has finished",
                            what, s->path ? s->path : "");
    return pn_error_set(err, PN_ESTORE, "%s: %s", what,
                        s && s->db ? sqlite3_errmsg(s->db) : "cannot allocate a connection");
}

/*
 * SQLite's own locking, before its first use. A connection is used by one thread at a time
 * (an import hands it between its two threads under a lock of its own, see
 * src/import/pipeline.c), which
 * is SQLite's multi-thread mode: the serialized mode's mutex around every call and the memory
 * statistics' lock cost an import a tenth of its time for nothing. When SQLite was started
 * already (by a program embedding this one), sqlite3_config refuses and the default stays,
 * which is safe too.
 */
static void configure(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static pn_store *open_db(const char *path, int flags, pn_error *err)
{
    pn_store *s = calloc(1, sizeof *s);
    if (s == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        return NULL;
    }
    configure();
    if ((s->path = pn_strdup(path)) == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        free(s);
        return NULL;
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        pn_store_error(s, err, "cannot open the project file");
        pn_error_prefix(err, "%s", path);
        pn_store_close(s);
        return NULL;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* a read-only connection is a twin (pn_store_twin): it never waits for a writer, which
     * would be waiting for the twin's first reader */
    sqlite3_busy_timeout(s->db, flags & SQLITE_OPEN_READONLY ? 0 : BUSY_MS);
    /* A rollback journal keeps the file whole when an import is killed at any moment (and
     * the project file one file: see BUSY_MS for how readers and the writer share it). */
    if (sqlite3_exec(s->db,
                     "PRAGMA foreign_keys=ON; PRAGMA journal_mode=DELETE;"
                     " PRAGMA synchronous=NORMAL; " WRITE_CACHE ";"
                     /* an import's scratch table (writer.c), the connection's own: made here,
                      * outside any transaction, so that an import rolled back does not take
                      * it away with it, nor make the statements on it prepared again */
                     " CREATE TEMP TABLE pn_versions(submission_id INTEGER PRIMARY KEY,"
                     " state INTEGER NOT NULL);",
                     NULL, NULL, NULL) != SQLITE_OK) {
        pn_store_error(s, err, path);
        pn_store_close(s);
        return NULL;
    }
    return s;
}

pn_store *pn_store_create(const char *path, pn_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        pn_error_set(err, PN_EUSAGE,
                     "'%s' already exists; remove it or choose another file with --db", path);
        return NULL;
    }
    pn_store *s = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
    if (s == NULL)
        return NULL;
    char *msg = NULL;
    pn_error sub = {0};
    /* 16 KiB pages, set before anything is written: a count reads a repeat's whole table,
     * and at national scale (1,000,000 links) SQLite's 4 KiB pages make one system call per
     * 4 KiB; tab takes 0.12 s instead of 0.17 s, an import as long */
    int ok = sqlite3_exec(s->db, "PRAGMA page_size=16384", NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_exec(s->db, schema_v1, NULL, NULL, &msg) == SQLITE_OK;
    for (int v = 1; ok && v < PN_STORE_VERSION; v++)
        ok = sqlite3_exec(s->db, migrations[v - 1], NULL, NULL, &msg) == SQLITE_OK &&
             after_migration(s, v + 1, &sub) == PN_OK;
    if (ok) {
        char bump[128];
        snprintf(bump, sizeof bump, "UPDATE meta SET value='%d' WHERE key='schema_version'",
                 PN_STORE_VERSION);
        ok = sqlite3_exec(s->db, bump, NULL, NULL, &msg) == SQLITE_OK &&
             sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    }
    if (!ok) {
        pn_error_set(err, PN_ESTORE, "%s: cannot create the schema: %s", path,
                     msg          ? msg
                     : sub.status ? sub.msg
                                  : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        pn_store_close(s);
        remove(path);
        return NULL;
    }
    return s;
}

pn_store *pn_store_open(const char *path, pn_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        pn_error_set(err, PN_EUSAGE,
                     "no project file '%s'; create one with 'panorama init' (or give --db FILE)",
                     path);
        return NULL;
    }
    pn_store *s = open_db(path, SQLITE_OPEN_READWRITE, err);
    if (s == NULL)
        return NULL;
    sqlite3_stmt *q = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (version < 1 && is_busy(s)) {
        pn_store_error(s, err, path);
        pn_store_close(s);
        return NULL;
    }
    if (version < 1) {
        pn_error_set(err, PN_ESTORE, "'%s' is not a panorama project file", path);
        pn_store_close(s);
        return NULL;
    }
    const int latest = PN_STORE_VERSION;
    if (version > latest) {
        pn_error_set(err, PN_ESTORE,
                     "'%s' has schema version %d, newer than this program's %d; update panorama",
                     path, version, latest);
        pn_store_close(s);
        return NULL;
    }
    for (int v = version; v < latest; v++) {
        char *msg = NULL;
        char bump[128];
        pn_error sub = {0};
        snprintf(bump, sizeof bump, "UPDATE meta SET value='%d' WHERE key='schema_version'", v + 1);
        if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK ||
            after_migration(s, v + 1, &sub) != PN_OK ||
            sqlite3_exec(s->db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            char what[300];
            snprintf(what, sizeof what, "%s: cannot migrate schema %d to %d", path, v, v + 1);
            if (!sub.status && is_busy(s))
                pn_store_error(s, err, what);
            else
                pn_error_set(err, PN_ESTORE, "%s: %s", what,
                             msg          ? msg
                             : sub.status ? sub.msg
                                          : sqlite3_errmsg(s->db));
            sqlite3_free(msg);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            pn_store_close(s);
            return NULL;
        }
    }
    return s;
}

void pn_store_close(pn_store *s)
{
    if (s == NULL)
        return;
    if (s->in_tx)
        pn_store_rollback(s);
    pn_store_end_read(s);
    store_stmts_trim(s, 0);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

sqlite3 *pn_store_db(pn_store *s)
{
    return s->db;
}

/* Run the one statement @sql as a statement of the store's cache (a test's imports inside its
 * own transaction open and close a savepoint at each), else through sqlite3_exec. */
static int exec_cached(pn_store *s, const char *sql)
{
    pn_error ignored = {0};
    sqlite3_stmt *q = store_stmt(s, sql, "cannot run a statement", &ignored);
    if (q == NULL)
        return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

pn_status pn_store_begin(pn_store *s, pn_error *err)
{
    /* inside a transaction the connection's owner opened (a test's, to undo what it did), the
     * import is a savepoint of it */
    s->nested = !sqlite3_get_autocommit(s->db);
    if ((s->nested ? exec_cached(s, "SAVEPOINT pn_write")
                   : sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
        return pn_store_error(s, err, "cannot start a transaction");
    s->in_tx = 1;
    sqlite3_busy_timeout(s->db, WRITER_WAIT_MS);
    return PN_OK;
}

pn_status pn_store_commit(pn_store *s, pn_error *err)
{
    if ((s->nested ? exec_cached(s, "RELEASE pn_write")
                   : sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
        pn_status st =
            is_busy(s) ? pn_error_set(err, PN_EBUSY,
                                      "cannot commit: another panorama kept reading the project "
                                      "file '%s' for %d minutes; nothing was changed",
                                      s->path, WRITER_WAIT_MS / 60000)
                       : pn_store_error(s, err, "cannot commit");
        pn_store_rollback(s);
        return st == PN_EBUSY ? st : PN_ESTORE;
    }
    s->in_tx = 0;
    sqlite3_busy_timeout(s->db, BUSY_MS);
    return PN_OK;
}

void pn_store_rollback(pn_store *s)
{
    if (s->in_tx && s->nested) {
        exec_cached(s, "ROLLBACK TO pn_write");
        exec_cached(s, "RELEASE pn_write");
    } else if (s->in_tx) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    s->in_tx = 0;
    sqlite3_busy_timeout(s->db, BUSY_MS);
}

pn_status pn_store_begin_read(pn_store *s, pn_error *err)
{
    /* BEGIN alone takes no snapshot: the first read does, so read the schema at once. */
    if (sqlite3_exec(s->db, READ_CACHE "; BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL,
                     NULL) != SQLITE_OK) {
        pn_status st = pn_store_error(s, err, "cannot read the project file");
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    s->in_read = 1;
    return PN_OK;
}

void pn_store_end_read(pn_store *s)
{
    if (s == NULL || !s->in_read)
        return;
    /* nothing was written: ending it cannot lose anything, and rollback cannot fail */
    sqlite3_exec(s->db, "ROLLBACK; " WRITE_CACHE, NULL, NULL, NULL);
    s->in_read = 0;
}

/*
 * The twin reads the snapshot of @s because of the rollback journal's locks: @s's read
 * transaction holds a shared lock on the file, and a writer commits only under an exclusive
 * lock, which it cannot take while any shared lock is held; so between @s's first read and
 * the end of its transaction the file does not change, and a read transaction begun on the
 * twin meanwhile sees what @s sees. A writer that waits for that exclusive lock holds a
 * pending lock, which refuses new shared locks: the twin does not wait for it (the writer
 * waits for @s, which would wait for the twin) and is refused. With write-ahead logging
 * readers do not stop writers, and the twin is refused too.
 */
pn_store *pn_store_twin(pn_store *s, pn_error *err)
{
    if (!s->in_read) {
        pn_error_set(err, PN_EUSAGE, "a twin reads inside a read transaction");
        return NULL;
    }
    sqlite3_stmt *q = NULL;
    int rollback = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        rollback = sqlite3_stricmp((const char *)sqlite3_column_text(q, 0), "wal") != 0;
    sqlite3_finalize(q);
    if (!rollback) {
        pn_error_set(err, PN_EBUSY, "the project file is not in rollback mode");
        return NULL;
    }
    pn_store *t = open_db(s->path, SQLITE_OPEN_READONLY, err);
    if (t == NULL)
        return NULL;
    if (sqlite3_exec(t->db, READ_CACHE "; BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL,
                     NULL) != SQLITE_OK) {
        pn_store_error(t, err, "cannot read the project file beside the first reader");
        pn_store_close(t);
        return NULL;
    }
    t->in_read = 1;
    return t;
}

void pn_store_table_name(const pn_form *form, int repeat, char *buf, size_t size)
{
    if (repeat < 0)
        snprintf(buf, size, "data_%s", form->id);
    else
        snprintf(buf, size, "data_%s__%s", form->id, form->repeats[repeat].name);
}

/* Whether @table has a column @col. */
static int has_column(sqlite3 *db, const char *table, const char *col, int *found)
{
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name=%Q", table, col);
    sqlite3_stmt *q = NULL;
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &q, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The table of a repeat's entries, before the answers' columns are added. */
static char *repeat_table_sql(const char *table)
{
    return sqlite3_mprintf("CREATE TABLE IF NOT EXISTS \"%w\"(entry_id INTEGER PRIMARY KEY,"
                           " submission_id INTEGER NOT NULL REFERENCES submissions,"
                           " position INTEGER NOT NULL, entry_key TEXT NOT NULL,"
                           " UNIQUE(submission_id, entry_key))",
                           table);
}

/* Run @sql (from sqlite3_mprintf, freed here). */
static pn_status exec_owned(pn_store *s, char *sql, const char *what, pn_error *err)
{
    pn_status st = PN_OK;
    if (sql == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    else if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        st = pn_store_error(s, err, what);
    sqlite3_free(sql);
    return st;
}

/* The names @sql selects (one column), in *@names (*@n of them, freed by the caller). */
static pn_status select_names(pn_store *s, const char *sql, char ***names, size_t *n, pn_error *err)
{
    sqlite3_stmt *q = NULL;
    pn_status st = PN_OK;
    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot read the schema");
    int rc = SQLITE_DONE;
    while (st == PN_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char **p = realloc(*names, (*n + 1) * sizeof *p);
        if (p == NULL || (p[*n] = pn_strdup((const char *)sqlite3_column_text(q, 0))) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        if (p != NULL)
            *names = p;
        if (st == PN_OK)
            (*n)++;
    }
    if (st == PN_OK && rc != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot read the schema");
    sqlite3_finalize(q);
    return st;
}

void store_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/*
 * Make each repeat table of version 2 (entry_key UNIQUE on its own, and an index by
 * submission) again as repeat_table_sql() makes it: a new table with the same columns in
 * the same order, every row copied with its entry_id, the old table and its index dropped.
 */
static pn_status rebuild_repeat_tables(pn_store *s, pn_error *err)
{
    char **tables = NULL;
    size_t n = 0;
    pn_status st = select_names(
        s,
        "SELECT m.name FROM sqlite_schema m WHERE m.type='table' AND EXISTS(SELECT 1 FROM"
        " pragma_index_list(m.name) l WHERE l.origin='u' AND (SELECT group_concat(i.name) FROM"
        " pragma_index_info(l.name) i) = 'entry_key') ORDER BY m.name",
        &tables, &n, err);
    for (size_t i = 0; i < n && st == PN_OK; i++) {
        const char *t = tables[i];
        char fresh[300], **cols = NULL;
        size_t ncols = 0;
        snprintf(fresh, sizeof fresh, "%s__v3", t);
        char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q) WHERE cid >= 4"
                                    " ORDER BY cid",
                                    t);
        if (sql == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        else
            st = select_names(s, sql, &cols, &ncols, err);
        sqlite3_free(sql);
        if (st == PN_OK)
            st = exec_owned(s, repeat_table_sql(fresh), t, err);
        for (size_t c = 0; c < ncols && st == PN_OK; c++)
            st = exec_owned(
                s, sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\" TEXT", fresh, cols[c]), t,
                err);
        if (st == PN_OK)
            st = exec_owned(s,
                            sqlite3_mprintf("INSERT INTO \"%w\" SELECT * FROM \"%w\";"
                                            "DROP INDEX IF EXISTS \"%w_sub\"; DROP TABLE \"%w\";"
                                            "ALTER TABLE \"%w\" RENAME TO \"%w\"",
                                            fresh, t, t, t, fresh, t),
                            t, err);
        store_free_names(cols, ncols);
    }
    store_free_names(tables, n);
    return st;
}

/* Create @form's table at @repeat, or add the columns it lacks. */
static pn_status ensure_table(pn_store *s, const pn_form *form, int repeat, pn_error *err)
{
    char table[256];
    pn_store_table_name(form, repeat, table, sizeof table);
    char *sql = NULL;
    pn_status st = PN_OK;
    if (repeat < 0)
        sql = sqlite3_mprintf("CREATE TABLE IF NOT EXISTS \"%w\"(submission_id INTEGER PRIMARY "
                              "KEY REFERENCES submissions)",
                              table);
    else
        sql = repeat_table_sql(table);
    if (sql == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        st = pn_store_error(s, err, table);
        goto out;
    }
    for (size_t i = 0; i < form->nq; i++) {
        const pn_question *q = &form->q[i];
        if (q->repeat != repeat || !pn_question_has_value(q))
            continue;
        int found = 0;
        if (has_column(s->db, table, q->name, &found) != SQLITE_OK) {
            st = pn_store_error(s, err, table);
            goto out;
        }
        if (found)
            continue;
        sqlite3_free(sql);
        sql = sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\" TEXT", table, q->name);
        if (sql == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            st = pn_store_error(s, err, table);
            goto out;
        }
    }
out:
    sqlite3_free(sql);
    return st;
}

pn_status pn_store_put_form(pn_store *s, const pn_form *form, const char *source, size_t len,
                            pn_error *err)
{
    pn_status st = PN_OK;
    /* kept in the store's cache: an import records its form each time */
    sqlite3_stmt *q = store_stmt(s,
                                 "INSERT INTO forms(form_id, title, version, side, source, path)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(form_id) DO UPDATE"
                                 " SET title=?2, version=?3, side=?4, source=?5, path=?6"
                                 " WHERE source IS NOT ?5",
                                 "cannot record the form", err);
    if (q == NULL)
        return err->status;
    sqlite3_bind_text(q, 1, form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, form->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, form->version, -1, SQLITE_STATIC);
    const char *side = pn_side_word(form->side);
    if (side)
        sqlite3_bind_text(q, 4, side, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, source, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, form->path, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = pn_store_error(s, err, "cannot record the form");
        goto out;
    }
    /* the same text stored already: its tables and the links view were made from it, and
     * making them again (a schema query per question, the view from every stored form) would
     * be most of a small import's time */
    if (sqlite3_changes(s->db) == 0)
        goto out;
    for (int r = -1; r < (int)form->nrepeats; r++)
        if ((st = ensure_table(s, form, r, err)) != PN_OK)
            goto out;
    st = links_view(s, err);
out:
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

pn_form *pn_store_get_form(pn_store *s, const char *form_id, char **source, size_t *len,
                           pn_error *err)
{
    sqlite3_stmt *q = NULL;
    pn_form *f = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT source FROM forms WHERE form_id=?", -1, &q, NULL) !=
        SQLITE_OK) {
        pn_store_error(s, err, "cannot read the forms");
        goto out;
    }
    sqlite3_bind_text(q, 1, form_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        pn_error_set(err, PN_EUSAGE, "no form '%s' in the project file", form_id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        pn_store_error(s, err, "cannot read the forms");
        goto out;
    }
    char name[300];
    snprintf(name, sizeof name, "form '%s' (as stored)", form_id);
    const char *text = (const char *)sqlite3_column_text(q, 0);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    f = pn_form_load_text(name, text, n, err);
    if (f != NULL && source != NULL) {
        if ((*source = malloc(n + 1)) == NULL) {
            pn_error_set(err, PN_ENOMEM, "out of memory");
            pn_form_destroy(f);
            f = NULL;
            goto out;
        }
        memcpy(*source, text, n);
        (*source)[n] = '\0';
        *len = n;
    }
out:
    sqlite3_finalize(q);
    return f;
}

pn_status pn_store_form_state(pn_store *s, const char *form_id, const char *source, size_t len,
                              pn_form_state *state, pn_error *err)
{
    pn_status st = PN_OK;
    *state = PN_FORM_ABSENT;
    sqlite3_stmt *q = store_stmt(s, "SELECT source IS ?2 FROM forms WHERE form_id=?1",
                                 "cannot read the forms", err);
    if (q == NULL)
        return err->status;
    sqlite3_bind_text(q, 1, form_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, source, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *state = sqlite3_column_int(q, 0) ? PN_FORM_SAME : PN_FORM_DIFFERS;
    else if (rc != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot read the forms");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

pn_status pn_store_form_ids(pn_store *s, char ***ids, size_t *n, pn_error *err)
{
    pn_status st = select_names(s, "SELECT form_id FROM forms ORDER BY form_id", ids, n, err);
    if (st != PN_OK) {
        store_free_names(*ids, *n);
        *ids = NULL;
        *n = 0;
    }
    return st;
}

/* What the links view gives for question @q (a role, NULL when the form has none) as an
 * entry of @repeat sees it, 'e' being the entry's table and 'd' its submission's: '' when the
 * form has no such value. */
static char *link_value_sql(int repeat, const pn_question *q)
{
    if (q == NULL || !pn_question_has_value(q) || (q->repeat != -1 && q->repeat != repeat))
        return sqlite3_mprintf("''");
    return sqlite3_mprintf("coalesce(%s.\"%w\", '')", q->repeat == -1 ? "d" : "e", q->name);
}

/* Append to @sql the SELECT of the links reported in form @f. */
static pn_status link_select(const pn_form *f, int repeat, pn_strbuf *sql)
{
    char entries[256], subs[256];
    pn_store_table_name(f, repeat, entries, sizeof entries);
    pn_store_table_name(f, -1, subs, sizeof subs);
    char *own = link_value_sql(repeat, pn_form_side_question(f));
    char *partner = link_value_sql(repeat, pn_form_role(f, f->roles.partner));
    char *klass = link_value_sql(repeat, pn_form_role(f, f->roles.klass));
    char *part = NULL;
    if (own && partner && klass)
        part = sqlite3_mprintf(
            "SELECT %Q, e.submission_id, e.entry_id, %Q, %s, %s, nullif(%s, '') FROM \"%w\" e"
            " LEFT JOIN \"%w\" d ON d.submission_id = e.submission_id",
            f->id, pn_side_word(f->side), f->side == PN_SIDE_CENTRE ? own : partner,
            f->side == PN_SIDE_CENTRE ? partner : own, klass, entries, subs);
    pn_status st = part && pn_strbuf_puts(sql, part) == PN_OK ? PN_OK : PN_ENOMEM;
    sqlite3_free(own);
    sqlite3_free(partner);
    sqlite3_free(klass);
    sqlite3_free(part);
    return st;
}

/*
 * Make the view links again from the stored forms: one row per entry of each form's partner
 * repeat, with the centre and the school it joins (the structure's own identifier read from
 * its submission), who reported it and its class. Each form's entries and answers are the one
 * copy of a link, so a new version of a submission or of a form is seen there at once.
 */
static pn_status links_view(pn_store *s, pn_error *err)
{
    char **ids = NULL;
    size_t n = 0;
    pn_strbuf sql = PN_STRBUF_INIT;
    pn_status st = pn_store_form_ids(s, &ids, &n, err);
    int any = 0;
    if (st == PN_OK && pn_strbuf_puts(&sql, "DROP VIEW IF EXISTS links; CREATE VIEW links(form_id,"
                                            " submission_id, entry_id, reporter_side,"
                                            " centre_ident, school_ident, class) AS ") != PN_OK)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && st == PN_OK; i++) {
        pn_form *f = pn_store_get_form(s, ids[i], NULL, NULL, err);
        if (f == NULL) {
            st = err->status ? err->status : PN_ESTORE;
            break;
        }
        int r = pn_form_links_repeat(f);
        if (r >= 0 && ((any && pn_strbuf_puts(&sql, " UNION ALL ") != PN_OK) ||
                       link_select(f, r, &sql) != PN_OK))
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        any |= r >= 0;
        pn_form_destroy(f);
    }
    if (st == PN_OK && !any &&
        pn_strbuf_puts(&sql, "SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0") != PN_OK)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK && sqlite3_exec(s->db, pn_strbuf_str(&sql), NULL, NULL, NULL) != SQLITE_OK)
        st = pn_store_error(s, err, "cannot make the view of the links");
    store_free_names(ids, n);
    pn_strbuf_release(&sql);
    return st;
}
