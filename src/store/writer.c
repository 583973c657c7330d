/* writer.c - the store's writer for an import (writer.h), and the connection's cache of
 * prepared statements it draws on (store_internal.h). */
#include "store/writer.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* ---- the statement cache ---- */

sqlite3_stmt *store_stmt(pn_store *s, const char *sql, const char *what, pn_error *err)
{
    store_stmts *c = &s->stmts;
    size_t k;
    if (pn_strindex_get(&c->by_sql, sql, strlen(sql), &k))
        return c->stmt[k];
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        char **sqls = realloc(c->sql, cap * sizeof *sqls);
        if (sqls != NULL)
            c->sql = sqls;
        sqlite3_stmt **stmts = sqls ? realloc(c->stmt, cap * sizeof *stmts) : NULL;
        if (stmts == NULL) {
            pn_error_set(err, PN_ENOMEM, "out of memory");
            return NULL;
        }
        c->stmt = stmts;
        c->cap = cap;
    }
    char *copy = pn_strdup(sql);
    if (copy == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        return NULL;
    }
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        pn_store_error(s, err, what);
        free(copy);
        return NULL;
    }
    if (pn_strindex_put(&c->by_sql, copy, strlen(copy), c->n) != PN_OK) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        sqlite3_finalize(q);
        free(copy);
        return NULL;
    }
    c->sql[c->n] = copy;
    c->stmt[c->n++] = q;
    return q;
}

void store_stmts_trim(pn_store *s, size_t max)
{
    store_stmts *c = &s->stmts;
    if (c->n <= max && max)
        return;
    store_levels_drop(s);
    for (size_t k = 0; k < c->n; k++) {
        sqlite3_finalize(c->stmt[k]);
        free(c->sql[k]);
    }
    free(c->sql);
    free(c->stmt);
    pn_strindex_release(&c->by_sql);
    memset(c, 0, sizeof *c);
}

void store_stmts_idle(pn_store *s)
{
    for (size_t k = 0; k < s->stmts.n; k++) {
        sqlite3_reset(s->stmts.stmt[k]);
        sqlite3_clear_bindings(s->stmts.stmt[k]);
    }
}

/* Statements of other forms are dropped from the cache past this many. */
enum { STMTS_MAX = 256 };

/* Step @q, which writes; reset it. PN_OK, or the store's error "@what: ...". */
static pn_status run(pn_store *s, sqlite3_stmt *q, const char *what, pn_error *err)
{
    int rc = sqlite3_step(q);
    pn_status st = rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, what);
    sqlite3_reset(q);
    return st;
}

/* ---- the writer ---- */

/* The statements of one level's table (1 + repeat). */
typedef struct level_stmts {
    sqlite3_stmt *insert; /* a new row and its answers */
    sqlite3_stmt *load;   /* the stored answers of a row, by its id */
    sqlite3_stmt *update; /* its answers replaced (NULL: the level stores no answer) */
    sqlite3_stmt *find;   /* an entry by its submission and key (repeats only) */
    size_t *q;            /* the questions that store a value, in the columns' order */
    size_t nq;
} level_stmts;

static void free_levels(level_stmts *level, size_t n)
{
    for (size_t l = 0; level && l < n; l++)
        free(level[l].q);
    free(level);
}

void store_levels_drop(pn_store *s)
{
    free_levels(s->levels, s->nlevels);
    s->levels = NULL;
    s->levels_serial = 0;
    s->nlevels = 0;
}

struct pn_store_writer {
    pn_store *s;
    const pn_form *form;
    long long import_id;
    int has_rejects;  /* the form has rejects a stored row may resolve */
    int any_versions; /* a version was replaced or kept in this import */
    sqlite3_stmt *find_sub, *find_parent, *insert_sub, *update_sub;
    sqlite3_stmt *insert_reject, *forget_reject, *resolve_reject, *find_reject;
    sqlite3_stmt *upsert_structure, *insert_partner, *find_by_ident;
    sqlite3_stmt *mark_version, *version_state, *finish;
    level_stmts *level; /* 1 + nrepeats */
};

#define PREPARE_WHAT "cannot prepare the import"

/* The fixed statements of an import, and where the writer keeps each. */
static pn_status prepare_fixed(pn_store_writer *w, pn_error *err)
{
    const struct {
        sqlite3_stmt **q;
        const char *sql;
    } fixed[] = {
        {&w->find_sub, "SELECT submission_id, submitted_at FROM submissions WHERE form_id=? AND"
                       " instance_key=?"},
        {&w->find_parent,
         "SELECT submission_id FROM submissions WHERE form_id=? AND instance_key=?"},
        {&w->insert_sub, "INSERT INTO submissions(form_id, instance_key, import_id, source_file,"
                         " source_line, structure_id, submitted, submitted_at)"
                         " VALUES(?, ?, ?, ?, ?, ?, ?, ?)"},
        {&w->insert_reject, "INSERT INTO rejects(import_id, form_id, level, instance_key, file,"
                            " line, raw, reasons) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"},
        {&w->forget_reject, "DELETE FROM rejects WHERE form_id=?1 AND (level=?2 OR level IS NULL)"
                            " AND instance_key=?3 AND raw=?4 AND import_id<>?5"},
        {&w->resolve_reject, "DELETE FROM rejects WHERE form_id=?1 AND (level=?2 OR level IS NULL)"
                             " AND instance_key=?3"},
        {&w->find_reject, "SELECT 1 FROM rejects WHERE form_id=? AND (level='' OR level IS NULL)"
                          " AND instance_key=?"},
        {&w->upsert_structure,
         "INSERT INTO structures(side, ident, name, commune, en_qpv, code_qpv, rep,"
         " responded) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)"
         " ON CONFLICT(side, ident) DO UPDATE SET name=?3, commune=?4, en_qpv=?5,"
         " code_qpv=?6, rep=?7, responded=1 RETURNING structure_id"},
        {&w->insert_partner, "INSERT INTO structures(side, ident, name) VALUES(?, ?, ?)"
                             " ON CONFLICT(side, ident) DO NOTHING"},
        {&w->update_sub, "UPDATE submissions SET import_id=?2, source_file=?3, source_line=?4,"
                         " structure_id=?5, submitted=?6, submitted_at=?7 WHERE submission_id=?1"},
        {&w->mark_version,
         "INSERT OR REPLACE INTO temp.pn_versions(submission_id, state) VALUES(?, ?)"},
        {&w->version_state, "SELECT state FROM temp.pn_versions WHERE submission_id=?"},
        {&w->find_by_ident, "SELECT s.instance_key FROM submissions s JOIN structures t"
                            " ON t.structure_id = s.structure_id WHERE s.form_id=?1 AND t.side=?2"
                            " AND t.ident=?3 ORDER BY s.submission_id DESC LIMIT 1"},
        {&w->finish, "UPDATE imports SET rows_read=?, stored=?, duplicates=?, rejected=?"
                     " WHERE import_id=?"},
    };
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        if ((*fixed[k].q = store_stmt(w->s, fixed[k].sql, PREPARE_WHAT, err)) == NULL)
            return err->status;
    return PN_OK;
}

/* The statement of @sql (from sqlite3_mprintf, freed here) into *@q. */
static pn_status prepare_owned(pn_store_writer *w, sqlite3_stmt **q, char *sql, pn_error *err)
{
    if (sql == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    *q = store_stmt(w->s, sql, PREPARE_WHAT, err);
    sqlite3_free(sql);
    return *q ? PN_OK : err->status;
}

/* The statements of the table of level @repeat, from the list of its quoted columns @cols
 * (", \"a\", \"b\"") and their parameters @params (", ?, ?"). */
static pn_status prepare_table(pn_store_writer *w, int repeat, const char *cols, const char *params,
                               pn_error *err)
{
    level_stmts *l = &w->level[1 + repeat];
    char table[256];
    pn_store_table_name(w->form, repeat, table, sizeof table);
    const char *id = repeat < 0 ? "submission_id" : "entry_id";
    pn_status st =
        repeat < 0
            ? prepare_owned(w, &l->insert,
                            sqlite3_mprintf("INSERT INTO \"%w\"(submission_id%s) VALUES(?%s)",
                                            table, cols, params),
                            err)
            : prepare_owned(w, &l->insert,
                            sqlite3_mprintf("INSERT INTO \"%w\"(submission_id, position, "
                                            "entry_key%s) VALUES(?, ?, ?%s)",
                                            table, cols, params),
                            err);
    if (st == PN_OK)
        st = prepare_owned(w, &l->load,
                           sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE %s=?",
                                           *cols ? cols + 2 : "NULL", table, id),
                           err);
    if (st == PN_OK && repeat >= 0)
        st = prepare_owned(w, &l->find,
                           sqlite3_mprintf("SELECT entry_id FROM \"%w\" WHERE submission_id=? AND"
                                           " entry_key=?",
                                           table),
                           err);
    if (st != PN_OK || l->nq == 0)
        return st;
    pn_strbuf set = PN_STRBUF_INIT;
    for (size_t k = 0; k < l->nq && st == PN_OK; k++) {
        char *one =
            sqlite3_mprintf("%s\"%w\"=?%d", k ? ", " : "", w->form->q[l->q[k]].name, (int)k + 2);
        if (one == NULL || pn_strbuf_puts(&set, one) != PN_OK)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        sqlite3_free(one);
    }
    if (st == PN_OK)
        st = prepare_owned(
            w, &l->update,
            sqlite3_mprintf("UPDATE \"%w\" SET %s WHERE %s=?1", table, pn_strbuf_str(&set), id),
            err);
    pn_strbuf_release(&set);
    return st;
}

/* The questions of level @repeat that store a value, and the statements of its table. */
static pn_status prepare_level(pn_store_writer *w, int repeat, pn_error *err)
{
    const pn_form *f = w->form;
    level_stmts *l = &w->level[1 + repeat];
    pn_strbuf cols = PN_STRBUF_INIT, params = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    if ((l->q = calloc(f->nq ? f->nq : 1, sizeof *l->q)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nq && st == PN_OK; i++) {
        const pn_question *q = &f->q[i];
        if (q->repeat != repeat || !pn_question_has_value(q))
            continue;
        l->q[l->nq++] = i;
        char *quoted = sqlite3_mprintf(", \"%w\"", q->name);
        if (quoted == NULL || pn_strbuf_puts(&cols, quoted) != PN_OK ||
            pn_strbuf_puts(&params, ", ?") != PN_OK)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        sqlite3_free(quoted);
    }
    if (st == PN_OK)
        st = prepare_table(w, repeat, pn_strbuf_str(&cols), pn_strbuf_str(&params), err);
    pn_strbuf_release(&cols);
    pn_strbuf_release(&params);
    return st;
}

/* The row in imports, the table of versions, and whether the form has rejects. */
static pn_status begin_import(pn_store_writer *w, const char *files, pn_error *err)
{
    pn_store *s = w->s;
    sqlite3_stmt *q =
        store_stmt(s, "INSERT INTO imports(form_id, files) VALUES(?, ?)", PREPARE_WHAT, err);
    if (q == NULL)
        return err->status;
    sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, files, -1, SQLITE_STATIC);
    if (run(s, q, "cannot record the import", err) != PN_OK)
        return err->status;
    w->import_id = sqlite3_last_insert_rowid(s->db);
    /* the scratch table of the submissions this import met, made with the connection
     * (store.c), is emptied of the last import's */
    sqlite3_stmt *empty = store_stmt(s, "DELETE FROM temp.pn_versions", PREPARE_WHAT, err);
    if (empty == NULL)
        return err->status;
    return run(s, empty, PREPARE_WHAT, err);
}

/* Whether the form has rejects already. */
static pn_status look_up_rejects(pn_store_writer *w, pn_error *err)
{
    sqlite3_stmt *q =
        store_stmt(w->s, "SELECT EXISTS(SELECT 1 FROM rejects WHERE form_id=?)", PREPARE_WHAT, err);
    if (q == NULL)
        return err->status;
    sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    w->has_rejects = rc == SQLITE_ROW && sqlite3_column_int(q, 0);
    pn_status st =
        rc == SQLITE_ROW ? PN_OK : pn_store_error(w->s, err, "cannot look up the rejects");
    sqlite3_reset(q);
    return st;
}

pn_store_writer *pn_store_writer_open(pn_store *s, const pn_form *f, const char *files,
                                      pn_error *err)
{
    pn_store_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        return NULL;
    }
    w->s = s;
    w->form = f;
    store_stmts_trim(s, STMTS_MAX);
    /* the levels' statements of the form the last import was for, when it is this one: no
     * SQL built and looked up again (the statements themselves are in the cache) */
    int kept = s->levels != NULL && s->levels_serial == f->serial;
    if (kept) {
        w->level = s->levels;
    } else {
        store_levels_drop(s);
        if ((w->level = calloc(1 + f->nrepeats, sizeof *w->level)) == NULL) {
            free(w);
            pn_error_set(err, PN_ENOMEM, "out of memory");
            return NULL;
        }
    }
    pn_status st = begin_import(w, files, err);
    if (st == PN_OK)
        st = prepare_fixed(w, err);
    for (int r = -1; r < (int)f->nrepeats && st == PN_OK && !kept; r++)
        st = prepare_level(w, r, err);
    if (st == PN_OK)
        st = look_up_rejects(w, err);
    if (st != PN_OK) {
        pn_store_writer_close(w);
        return NULL;
    }
    /* the store keeps them for the next import */
    s->levels = w->level;
    s->levels_serial = f->serial;
    s->nlevels = 1 + f->nrepeats;
    return w;
}

long long pn_store_writer_import_id(const pn_store_writer *w)
{
    return w->import_id;
}

pn_status pn_store_writer_live(pn_store_writer *w, pn_error *err)
{
    if (sqlite3_get_autocommit(w->s->db))
        return pn_store_error(w->s, err, "the import's transaction was rolled back");
    return PN_OK;
}

pn_status pn_store_writer_finish(pn_store_writer *w, size_t rows, size_t stored, size_t duplicates,
                                 size_t rejected, pn_error *err)
{
    sqlite3_stmt *q = w->finish;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)rows);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)stored);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)duplicates);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)rejected);
    sqlite3_bind_int64(q, 5, w->import_id);
    return run(w->s, q, "cannot record the import", err);
}

void pn_store_writer_close(pn_store_writer *w)
{
    if (w == NULL)
        return;
    /* the statements stay in the store's cache for the next import */
    store_stmts_idle(w->s);
    if (w->level != w->s->levels) /* kept by the store otherwise */
        free_levels(w->level, 1 + w->form->nrepeats);
    free(w);
}

/* ---- rejects ---- */

/* The level a reject records for a row at @repeat: '' for a submission, else the repeat's
 * name (store.h). */
static const char *reject_level(const pn_store_writer *w, int repeat)
{
    return repeat < 0 ? "" : w->form->repeats[repeat].name;
}

pn_status pn_store_writer_reject(pn_store_writer *w, int repeat, const char *key, const char *file,
                                 size_t line, const char *raw, const char *reasons, pn_error *err)
{
    const char *level = reject_level(w, repeat);
    sqlite3_stmt *q = w->forget_reject;
    if (w->has_rejects) {
        sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, level, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, raw, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, w->import_id);
        if (run(w->s, q, "cannot record a rejected row", err) != PN_OK)
            return err->status;
    }
    q = w->insert_reject;
    sqlite3_bind_int64(q, 1, w->import_id);
    sqlite3_bind_text(q, 2, w->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)line);
    sqlite3_bind_text(q, 7, raw, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, reasons, -1, SQLITE_STATIC);
    if (run(w->s, q, "cannot record a rejected row", err) != PN_OK)
        return err->status;
    w->has_rejects = 1;
    return PN_OK;
}

pn_status pn_store_writer_resolve(pn_store_writer *w, int repeat, const char *key, pn_error *err)
{
    if (!w->has_rejects)
        return PN_OK;
    sqlite3_stmt *q = w->resolve_reject;
    sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, reject_level(w, repeat), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, key, -1, SQLITE_TRANSIENT);
    return run(w->s, q, "cannot update the rejects", err);
}

pn_status pn_store_writer_rejected(pn_store_writer *w, const char *key, int *rejected,
                                   pn_error *err)
{
    sqlite3_stmt *q = w->find_reject;
    sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    pn_status st = PN_OK;
    *rejected = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = pn_store_error(w->s, err, "cannot look up a reject");
    sqlite3_reset(q);
    return st;
}

/* ---- keys met again, versions ---- */

pn_status pn_store_writer_find(pn_store_writer *w, int repeat, long long parent_id, const char *key,
                               long long *id, char **submitted_at, pn_error *err)
{
    sqlite3_stmt *q = repeat < 0 ? w->find_sub : w->level[1 + repeat].find;
    pn_status st = PN_OK;
    *id = 0;
    *submitted_at = NULL;
    if (repeat < 0)
        sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(q, 1, parent_id);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        const unsigned char *at = repeat < 0 ? sqlite3_column_text(q, 1) : NULL;
        if (at && (*submitted_at = pn_strdup((const char *)at)) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
    } else if (rc != SQLITE_DONE) {
        st = pn_store_error(w->s, err, "cannot look up a key");
    }
    sqlite3_reset(q);
    return st;
}

pn_status pn_store_writer_same(pn_store_writer *w, int repeat, long long id,
                               const pn_store_answers *a, int *same, pn_error *err)
{
    const level_stmts *l = &w->level[1 + repeat];
    sqlite3_stmt *q = l->load;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        pn_status st = pn_store_error(w->s, err, "cannot read stored answers");
        sqlite3_reset(q);
        return st;
    }
    *same = 1;
    for (size_t k = 0; k < l->nq && *same; k++) {
        size_t i = l->q[k];
        const char *v = (const char *)sqlite3_column_text(q, (int)k);
        if (!a->rel[i])
            *same = v == NULL;
        else
            *same = v != NULL && strcmp(v, a->val[i] ? a->val[i] : "") == 0;
    }
    sqlite3_reset(q);
    return PN_OK;
}

pn_status pn_store_writer_mark(pn_store_writer *w, long long id, pn_store_version v, pn_error *err)
{
    sqlite3_stmt *q = w->mark_version;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, (int)v);
    if (run(w->s, q, "cannot record a version", err) != PN_OK)
        return err->status;
    w->any_versions = 1;
    return PN_OK;
}

/* What this import did with the stored submission @id, into *@v. */
static pn_status version_of(pn_store_writer *w, long long id, pn_store_version *v, pn_error *err)
{
    *v = PN_VERSION_NONE;
    if (!w->any_versions)
        return PN_OK;
    sqlite3_stmt *q = w->version_state;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    pn_status st = PN_OK;
    if (rc == SQLITE_ROW)
        *v = (pn_store_version)sqlite3_column_int(q, 0);
    else if (rc != SQLITE_DONE)
        st = pn_store_error(w->s, err, "cannot read a submission's version");
    sqlite3_reset(q);
    return st;
}

pn_status pn_store_writer_parent(pn_store_writer *w, const char *key, long long *id,
                                 pn_store_version *v, char **vals, pn_error *err)
{
    sqlite3_stmt *q = w->find_parent;
    *id = 0;
    *v = PN_VERSION_NONE;
    sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    long long found = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    pn_status st = rc == SQLITE_ROW || rc == SQLITE_DONE
                       ? PN_OK
                       : pn_store_error(w->s, err, "cannot look up a submission");
    sqlite3_reset(q);
    if (rc != SQLITE_ROW)
        return st;
    *id = found;
    st = version_of(w, found, v, err);
    if (st != PN_OK)
        return st;
    const level_stmts *l = &w->level[0];
    q = l->load;
    sqlite3_bind_int64(q, 1, found);
    if (sqlite3_step(q) != SQLITE_ROW) {
        st = pn_store_error(w->s, err, "cannot read a submission's answers");
        sqlite3_reset(q);
        return st;
    }
    for (size_t k = 0; k < l->nq && st == PN_OK; k++) {
        const unsigned char *val = sqlite3_column_text(q, (int)k);
        if (val && (vals[l->q[k]] = pn_strdup((const char *)val)) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    sqlite3_reset(q);
    return st;
}

pn_status pn_store_writer_by_ident(pn_store_writer *w, const char *ident, char **key, pn_error *err)
{
    sqlite3_stmt *q = w->find_by_ident;
    pn_status st = PN_OK;
    *key = NULL;
    sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, pn_side_word(w->form->side), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ident, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && (*key = pn_strdup((const char *)sqlite3_column_text(q, 0))) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = pn_store_error(w->s, err, "cannot look up a structure");
    sqlite3_reset(q);
    return st;
}

pn_status pn_store_writer_drop_replaced(pn_store_writer *w, int repeat, pn_error *err)
{
    char table[256];
    if (!w->any_versions)
        return PN_OK;
    pn_store_table_name(w->form, repeat, table, sizeof table);
    char *sql = sqlite3_mprintf(
        "DELETE FROM \"%w\" WHERE submission_id IN (SELECT submission_id FROM temp.pn_versions"
        " WHERE state=%d);",
        table, PN_VERSION_REPLACED);
    if (sql == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    int rc = sqlite3_exec(w->s->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return pn_store_error(w->s, err, "cannot remove the entries of a replaced submission");
    return PN_OK;
}

/* ---- structures ---- */

pn_status pn_store_writer_structure(pn_store_writer *w, const pn_store_structure *st, long long *id,
                                    pn_error *err)
{
    *id = 0;
    if (w->form->side == PN_SIDE_NONE)
        return PN_OK;
    sqlite3_stmt *q = w->upsert_structure;
    sqlite3_bind_text(q, 1, pn_side_word(w->form->side), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, st->ident, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, st->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, st->commune, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, st->en_qpv, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, st->code_qpv, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, st->rep, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW) {
        pn_status s = pn_store_error(w->s, err, "cannot record the structure");
        sqlite3_reset(q);
        return s;
    }
    *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return PN_OK;
}

pn_status pn_store_writer_partner(pn_store_writer *w, const char *ident, const char *name,
                                  pn_error *err)
{
    sqlite3_stmt *q = w->insert_partner;
    pn_form_side side = w->form->side == PN_SIDE_CENTRE ? PN_SIDE_ECOLE : PN_SIDE_CENTRE;
    sqlite3_bind_text(q, 1, pn_side_word(side), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, ident, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
    return run(w->s, q, "cannot record a partner structure", err);
}

/* ---- submissions and entries ---- */

/* Bind the answers @a at level @l into @q, from parameter @first on. */
static void bind_answers(const level_stmts *l, const pn_store_answers *a, sqlite3_stmt *q,
                         int first)
{
    int p = first;
    for (size_t k = 0; k < l->nq; k++, p++) {
        size_t i = l->q[k];
        /* not applicable is NULL; applicable but unanswered is ''. A known length spares
         * SQLite counting the bytes again. */
        if (!a->rel[i])
            sqlite3_bind_null(q, p);
        else if (a->val[i] == NULL)
            sqlite3_bind_text(q, p, "", 0, SQLITE_STATIC);
        else
            sqlite3_bind_text(q, p, a->val[i], a->len ? a->len[i] : -1, SQLITE_STATIC);
    }
}

/* Bind where the submission @sub comes from into the insert or the update @q, the first
 * parameter after its key being @p. */
static void bind_submission(pn_store_writer *w, sqlite3_stmt *q, int p,
                            const pn_store_submission *sub)
{
    const char *submitted = sub->submitted;
    sqlite3_bind_int64(q, p, w->import_id);
    sqlite3_bind_text(q, p + 1, sub->file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, p + 2, (sqlite3_int64)sub->line);
    if (sub->structure_id)
        sqlite3_bind_int64(q, p + 3, sub->structure_id);
    else
        sqlite3_bind_null(q, p + 3);
    if (submitted && *submitted) {
        sqlite3_bind_text(q, p + 4, submitted, 10 < strlen(submitted) ? 10 : -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, p + 5, submitted, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(q, p + 4);
        sqlite3_bind_null(q, p + 5);
    }
}

pn_status pn_store_writer_put_submission(pn_store_writer *w, long long id,
                                         const pn_store_submission *sub, const pn_store_answers *a,
                                         long long *out_id, pn_error *err)
{
    const level_stmts *l = &w->level[0];
    sqlite3_stmt *q = id ? w->update_sub : w->insert_sub;
    pn_status st;
    if (id) {
        sqlite3_bind_int64(q, 1, id);
    } else {
        sqlite3_bind_text(q, 1, w->form->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, sub->key, -1, SQLITE_TRANSIENT);
    }
    bind_submission(w, q, id ? 2 : 3, sub);
    if ((st = run(w->s, q, "cannot store a submission", err)) != PN_OK)
        return st;
    if (id == 0)
        id = sqlite3_last_insert_rowid(w->s->db);
    *out_id = id;
    q = q == w->insert_sub ? l->insert : l->update;
    if (q == NULL)
        return PN_OK;
    sqlite3_bind_int64(q, 1, id);
    bind_answers(l, a, q, 2);
    return run(w->s, q, "cannot store the answers", err);
}

pn_status pn_store_writer_insert_entry(pn_store_writer *w, int repeat, long long submission_id,
                                       size_t position, const char *key, const pn_store_answers *a,
                                       long long *entry_id, pn_error *err)
{
    const level_stmts *l = &w->level[1 + repeat];
    sqlite3_stmt *q = l->insert;
    *entry_id = 0;
    sqlite3_bind_int64(q, 1, submission_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)position);
    sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
    bind_answers(l, a, q, 4);
    int rc = sqlite3_step(q);
    pn_status st = PN_OK;
    if (rc == SQLITE_DONE)
        *entry_id = sqlite3_last_insert_rowid(w->s->db);
    /* the UNIQUE constraint on (submission_id, entry_key) stopped the INSERT before it wrote
     * anything: a key met again */
    else if (sqlite3_extended_errcode(w->s->db) != SQLITE_CONSTRAINT_UNIQUE)
        st = pn_store_error(w->s, err, "cannot store a repeat entry");
    sqlite3_reset(q);
    return st;
}

pn_status pn_store_writer_update_entry(pn_store_writer *w, int repeat, long long entry_id,
                                       const pn_store_answers *a, pn_error *err)
{
    const level_stmts *l = &w->level[1 + repeat];
    if (l->update == NULL)
        return PN_OK;
    sqlite3_bind_int64(l->update, 1, entry_id);
    bind_answers(l, a, l->update, 2);
    return run(w->s, l->update, "cannot replace a repeat entry", err);
}
