#include "import/import.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include <sqlite3.h> /* TODO(issue 10): goes once import uses the store writer */

#include "import/calc.h"
#include "import/mapping.h"
#include "util/csv.h"
#include "util/date.h"
#include "util/strbuf.h"
#include "util/strindex.h"

/*
 * A set of strings, for the partner structures already recorded by this import: a school or
 * centre is named by hundreds of links, and one INSERT ... ON CONFLICT DO NOTHING per link
 * costs an index probe each time. Open addressing, linear probing; it stops growing at
 * IDENT_SET_MAX entries so that memory stays bounded whatever the file size (what is not in
 * the set is simply inserted again, which the ON CONFLICT clause makes harmless).
 */
typedef struct ident_set {
    char **slot; /* cap entries, NULL when free */
    size_t cap, n;
} ident_set;

enum { IDENT_SET_MAX = 1 << 17 };

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* Whether @s is in @set. */
static int ident_set_has(const ident_set *set, const char *s)
{
    if (set->n == 0)
        return 0;
    for (size_t i = hash_str(s) & (set->cap - 1); set->slot[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->slot[i], s) == 0)
            return 1;
    return 0;
}

/* Add @s (not in @set yet) when there is room. Returns PN_OK or PN_ENOMEM. */
static pn_status ident_set_add(ident_set *set, const char *s)
{
    if (set->n >= IDENT_SET_MAX)
        return PN_OK;
    if (2 * (set->n + 1) > set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 1024;
        char **slot = calloc(cap, sizeof *slot);
        if (slot == NULL)
            return PN_ENOMEM;
        for (size_t k = 0; k < set->cap; k++) {
            if (set->slot[k] == NULL)
                continue;
            size_t i = hash_str(set->slot[k]) & (cap - 1);
            while (slot[i])
                i = (i + 1) & (cap - 1);
            slot[i] = set->slot[k];
        }
        free(set->slot);
        set->slot = slot;
        set->cap = cap;
    }
    char *copy = pn_strdup(s);
    if (copy == NULL)
        return PN_ENOMEM;
    size_t i = hash_str(s) & (set->cap - 1);
    while (set->slot[i])
        i = (i + 1) & (set->cap - 1);
    set->slot[i] = copy;
    set->n++;
    return PN_OK;
}

static void ident_set_release(ident_set *set)
{
    for (size_t k = 0; k < set->cap; k++)
        free(set->slot[k]);
    free(set->slot);
    memset(set, 0, sizeof *set);
}

/* A row read and checked, as the storing side takes it (see the pipeline below). */
typedef struct row {
    pn_import_file *stats; /* the file's counts, and its path */
    size_t line;
    int repeat; /* -1: a submission; else an entry of this repeat */
    int reject; /* to record in the rejects, with raw and reasons */
    const char *key;
    const char *submitted; /* a submission's time, ISO 8601 when known, or NULL */
    long long parent_id;   /* an entry's submission */
    size_t position;       /* an entry's rank in its submission */
    const char *raw, *reasons;
    const char **val;         /* per question: the answer as checked, or NULL */
    const unsigned char *rel; /* per question: the question applies (relevance) */
    const int *len;           /* per question: the answer's length, or NULL when not known */
} row;

/* A slot of the pipeline: a row, and the copies of its strings it points to. */
typedef struct job {
    row r;
    pn_strbuf buf;
    size_t *off; /* per question: 1 + where its answer starts in buf, 0 for none */
    const char **val;
    unsigned char *rel;
    int *len;
} job;

/*
 * The pipeline. Reading a row (CSV, cells, checks, calculations) and storing it (SQLite) take
 * about the same time in a large import, and a machine has two cores or more: the caller's
 * thread reads and hands each row over to a thread that stores it, so that the import takes
 * about as long as the longer of the two rather than their sum. Rows are stored one at a
 * time, in the order they were read, with the statements and in the transaction of a plain
 * import. Both threads use the one connection: the storing thread for every write, the
 * reading one for a few reads (a repeat entry's submission), and `db` lets one of them in at
 * a time. The reading thread waits for the storing one to catch up (pipeline_drain) at the
 * end of each file, so that what runs between files sees every row before it, and before a
 * read whose answer a row still in the pipeline could change. When the thread cannot be
 * started, rows are stored as they come.
 */
enum { PIPELINE_JOBS = 128, PIPELINE_BATCH = 32, PIPELINE_BIG = 64 * 1024 };

typedef struct pipeline {
    pthread_t thread;
    int running; /* the storing thread runs */
    int ready;   /* the mutexes and conditions are initialised */
    job jobs[PIPELINE_JOBS];
    /* one thread hands jobs over (head), the other stores them (tail): each moves its own
     * counter and reads the other's, without a lock */
    _Atomic size_t head, tail;
    /* a thread with nothing to do sleeps on its condition, under lock; the other wakes it
     * only when there is enough to do (PIPELINE_BATCH jobs, half the slots free, the end),
     * since a wake-up per row would cost about as much as storing it */
    _Atomic int store_waits, read_waits;
    pthread_mutex_t lock; /* sleeping and waking, stop, err */
    pthread_cond_t more;  /* jobs were handed over, or stop */
    pthread_cond_t room;  /* jobs were stored */
    int stop;
    _Atomic int failed; /* the storing side failed: the rows after are skipped */
    pn_status status;   /* its failure, and the message */
    pn_error err;
    pthread_mutex_t db; /* the connection */
} pipeline;

/* Everything prepared once per import. */
typedef struct importer {
    pn_store *store;
    sqlite3 *db;
    const pn_form *form;
    const pn_import_opts *opts;
    long long import_id;
    /* relevance and calculations of the row being checked (calc.h) */
    pn_calc calc;
    /* values of the row being checked, one per question of the form: calc.val */
    const char **val;
    int *is_relevant;
    unsigned char *rel; /* is_relevant of the row's level, as the storing side takes it */
    /* questions that store a value, per level (1 + repeat), in the form's order */
    size_t **level_q;
    size_t *level_nq;
    /* prepared statements */
    sqlite3_stmt *find_sub, *insert_sub, *insert_reject, *forget_reject, *resolve_reject;
    sqlite3_stmt *find_reject;
    sqlite3_stmt *upsert_structure, *insert_partner;
    int has_rejects;            /* the form has rejects a stored row may resolve */
    sqlite3_stmt **insert_data; /* 1 + nrepeats: top level then each repeat */
    sqlite3_stmt **find_entry;  /* per repeat */
    sqlite3_stmt *load_parent;
    /* the parent whose values are loaded, for repeat rows */
    long long parent_id;
    char *parent_key;
    char **parent_val; /* form->nq entries, top-level questions only */
    size_t parent_position;
    sqlite3_stmt *find_by_ident;
    /* versions: a row whose key is stored but whose answers differ */
    sqlite3_stmt **load_row;    /* 1 + nrepeats: the stored answers of a submission / entry */
    sqlite3_stmt **update_data; /* 1 + nrepeats */
    sqlite3_stmt *update_sub, *mark_version, *version_state;
    long long found_id;    /* the stored submission or entry with the row's key, or 0 */
    char *found_submitted; /* its submission time */
    int parent_state;      /* VERSION_* of the current parent */
    int any_versions;      /* a version was replaced or kept in this import */
    /* turning cells into answers */
    pn_map *map; /* the mapping file, or an empty one; gathers what is unmapped */
    pn_map own_map;
    pn_cells *cells;
    pn_strbuf *conv;       /* per question: the converted value of the current row */
    pn_strbuf *tick_val;   /* per question: a select_multiple gathered from tick boxes */
    unsigned char **ticks; /* per select_multiple: one flag per choice */
    unsigned char *tick_row, *tick_any;
    unsigned char *bad; /* per question: the cell was already reported for this row */
    /* per question: the answer is known to be made of the list's choices, as converting the
     * cell found them; the check need not look them up again */
    unsigned char *choices_ok;
    size_t unmapped_columns, unmapped_values;
    ident_set partners; /* partner structures known to be in the store during this import */
    int links_repeat;   /* the repeat whose entries are links (partenaires), or -1 */
    /* the questions the storing side reads by name, or -1: the structure's identifier and
     * details, and the partner's identifier and name */
    int q_ident, q_name, q_commune, q_en_qpv, q_code_qpv, q_rep, q_partner, q_partner_name;
    sqlite3_stmt *find_parent; /* find_sub for the reading side */
    pipeline pl;
} importer;

/* The state of reading one file. */
typedef struct file_reader {
    importer *im;
    pn_import_file *stats;
    char delim;
    int header_done;
    int defer_repeats;  /* first round: stop at the header of a repeat file */
    int deferred;       /* this file is a repeat file left for the second round */
    pn_csv_info info;   /* encoding and delimiter, known before the first row */
    pn_dialect dialect; /* the tool that wrote the file */
    size_t ncols;
    pn_col *cols;             /* column -> what it holds */
    char **head;              /* the header's cells, for messages */
    unsigned char *has_ticks; /* per question: the file has tick-box columns for it */
    int key_col, parent_col, submitted_col;
    int ident_col;      /* a repeat file linked by the structure's identifier, not PARENT_KEY */
    char *found_parent; /* the parent's key found by identifier for the current row */
    size_t unmapped;    /* columns no rule maps: the rows are only sampled */
    pn_strbuf *samples; /* per column: distinct values seen, for the message */
    size_t *nsamples;
    size_t sample_rows;
    pn_strbuf submitted; /* the submission time, as ISO 8601 */
    pn_strbuf reasons;
    pn_strbuf raw;
} file_reader;

static const char *value_of(importer *im, const char *name)
{
    const char *v = pn_calc_lookup(&im->calc, name);
    return v ? v : "";
}

/* Append "column 'x': <message>" to the reasons. PN_ENOMEM (in @err) when they cannot grow:
 * the row would else be stored as valid without the fault that it has. */
PN_MUST_USE static pn_status reason(file_reader *fr, pn_error *err, const char *col,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static pn_status reason(file_reader *fr, pn_error *err, const char *col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if ((fr->reasons.len && pn_strbuf_puts(&fr->reasons, "; ") != PN_OK) ||
        (col ? pn_strbuf_printf(&fr->reasons, "column '%s': %s", col, msg)
             : pn_strbuf_puts(&fr->reasons, msg)) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

/* The choices of @list as "a, b, c" (at most 12), into @buf. */
static void choice_names(const pn_choice_list *list, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < list->n && used + 4 < size; i++) {
        if (i == 12) {
            snprintf(buf + used, size - used, ", ...");
            break;
        }
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", list->items[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Check the value of question @i, already in im->val[i] and relevant. */
static pn_status check_value(file_reader *fr, size_t i, pn_error *err)
{
    importer *im = fr->im;
    const pn_question *q = &im->form->q[i];
    const char *v = im->val[i];
    char names[512];
    pn_status st = PN_OK;
    if (*v == '\0') {
        if (q->required)
            return reason(fr, err, q->name, "an answer is required, found an empty cell");
        return PN_OK;
    }
    switch (q->type) {
    case PN_Q_INTEGER:
        if (!pn_is_integer(v))
            return reason(fr, err, q->name, "expected a whole number, found '%s'", v);
        break;
    case PN_Q_DECIMAL:
        if (!pn_is_decimal(v))
            return reason(fr, err, q->name, "expected a number (with '.' for decimals), found '%s'",
                          v);
        break;
    case PN_Q_DATE:
    case PN_Q_DATETIME:
        if (!pn_date_read_iso(v, NULL, NULL, NULL))
            return reason(fr, err, q->name, "expected a date as YYYY-MM-DD, found '%s'", v);
        break;
    case PN_Q_SELECT_ONE:
        if (!im->choices_ok[i] && pn_choice_find(q->list, v) == NULL) {
            choice_names(q->list, names, sizeof names);
            return reason(fr, err, q->name,
                          "'%s' is not a choice of list '%s' (expected one of: %s)", v,
                          q->list->name, names);
        }
        break;
    case PN_Q_SELECT_MULTIPLE: {
        const char *p = v, *name;
        size_t n;
        while (!im->choices_ok[i] && (name = pn_select_next(&p, &n)) != NULL)
            if (pn_choice_find_n(q->list, name, n) == NULL) {
                choice_names(q->list, names, sizeof names);
                return reason(fr, err, q->name,
                              "'%.*s' is not a choice of list '%s' (expected names separated "
                              "by spaces among: %s)",
                              (int)n, name, q->list->name, names);
            }
        break;
    }
    default:
        break;
    }
    if (q->constraint && !im->bad[i]) {
        pn_expr_env env = {pn_calc_lookup, &im->calc, v, im->opts->today, 1};
        int ok = 0;
        pn_error e;
        pn_error_clear(&e);
        st = pn_expr_eval_bool(q->constraint, &env, &ok, &e);
        if (st == PN_ENOMEM)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (st != PN_OK)
            return reason(fr, err, q->name, "the constraint cannot be checked: %s", e.msg);
        if (!ok)
            return reason(fr, err, q->name, "'%s' does not meet the constraint: %s", v,
                          q->constraint_msg ? q->constraint_msg : pn_expr_text(q->constraint));
    }
    return PN_OK;
}

/*
 * Check the row's answers at level @repeat (-1: top level) and compute its calculations.
 * im->val holds the answers; reasons are appended to fr->reasons.
 */
static pn_status check_row(file_reader *fr, int repeat, pn_error *err)
{
    importer *im = fr->im;
    const pn_form *f = im->form;
    pn_status st = PN_OK;
    pn_calc_row(&im->calc);
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if (q->repeat != repeat)
            continue;
        int relevant = 1;
        pn_error e;
        pn_error_clear(&e);
        st = pn_calc_relevant(&im->calc, i, &relevant, &e);
        if (st == PN_ENOMEM)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (st != PN_OK &&
            (st = reason(fr, err, q->name, "relevance cannot be evaluated: %s", e.msg)))
            return st;
        im->is_relevant[i] = relevant;
        if (q->type == PN_Q_CALCULATE) {
            pn_error_clear(&e);
            st = pn_calc_value(&im->calc, i, relevant, &e);
            if (st == PN_ENOMEM)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            if (st != PN_OK && (st = reason(fr, err, q->name, "cannot be calculated: %s", e.msg)))
                return st;
            continue;
        }
        if (!relevant) {
            if (im->val[i] && *im->val[i]) {
                const pn_expr *own = q->nrelevant ? q->relevant[q->nrelevant - 1] : NULL;
                if ((st = reason(fr, err, q->name,
                                 "answered '%s', but the question does not apply to this "
                                 "respondent (relevant: %s)",
                                 im->val[i], own ? pn_expr_text(own) : "")))
                    return st;
                pn_calc_changed(&im->calc); /* the answer becomes empty */
            }
            im->val[i] = "";
            continue;
        }
        if (im->val[i] == NULL)
            im->val[i] = "";
        if ((st = check_value(fr, i, err)) != PN_OK)
            return st;
    }
    return PN_OK;
}

/* 64-bit FNV-1a of the row's fields: the key of a row that carries none. */
static void content_key(size_t n, char *const *f, char *out, size_t size)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)f[i]; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        h = (h ^ 0x1F) * 1099511628211ULL;
    }
    snprintf(out, size, "content:%016llx", (unsigned long long)h);
}

static void pipeline_fail(importer *im, pn_status st, const pn_error *err);

/* A statement failed: its message, and the import's first failure. SQLite may have rolled
 * the whole transaction back (a full disk, an I/O error), so nothing may be run after it:
 * the pipeline keeps this failure as the one to report, and both sides stop. Called by the
 * thread that holds the connection. */
static pn_status db_fail(importer *im, pn_error *err, const char *what)
{
    pn_error mine;
    if (err == NULL)
        err = &mine;
    pn_status st = pn_store_error(im->store, err, what);
    pipeline_fail(im, st, err);
    return st;
}

/* ---- storing a row (the storing side of the pipeline) ---- */

/* The level a reject records for a row at @repeat: '' for a submission, else the repeat's
 * name (store.h). */
static const char *reject_level(const importer *im, int repeat)
{
    return repeat < 0 ? "" : im->form->repeats[repeat].name;
}

/*
 * Record the rejected row @r. Every rejected row is kept, whatever its key: only the same row
 * (same form, level, key and raw text) recorded by an earlier import is replaced by this
 * record, so that importing a file again does not list its rejects twice.
 */
static pn_status record_reject(importer *im, const row *r, pn_error *err)
{
    const char *level = reject_level(im, r->repeat);
    sqlite3_stmt *q = im->forget_reject;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, r->raw, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, im->import_id);
    if (im->has_rejects && sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot record a rejected row");
    q = im->insert_reject;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, im->import_id);
    sqlite3_bind_text(q, 2, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, r->stats->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)r->line);
    sqlite3_bind_text(q, 7, r->raw, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, r->reasons, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot record a rejected row");
    r->stats->rejected++;
    im->has_rejects = 1;
    return PN_OK;
}

/* A row of @r's form and level stored under @r's key resolves the rejects of that key at that
 * level (and those kept from before levels were recorded). */
static pn_status resolve_reject(importer *im, const row *r, pn_error *err)
{
    if (!im->has_rejects)
        return PN_OK;
    sqlite3_stmt *q = im->resolve_reject;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, reject_level(im, r->repeat), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, r->key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot update the rejects");
    return PN_OK;
}

/* Bind the answers of @r at its level into the data insert, from parameter @first on. */
static void bind_values(importer *im, const row *r, sqlite3_stmt *q, int first)
{
    int p = first;
    for (size_t k = 0; k < im->level_nq[1 + r->repeat]; k++, p++) {
        size_t i = im->level_q[1 + r->repeat][k];
        /* not applicable is NULL; applicable but unanswered is ''. A known length spares
         * SQLite counting the bytes again. */
        if (!r->rel[i])
            sqlite3_bind_null(q, p);
        else if (r->val[i] == NULL)
            sqlite3_bind_text(q, p, "", 0, SQLITE_STATIC);
        else
            sqlite3_bind_text(q, p, r->val[i], r->len ? r->len[i] : -1, SQLITE_STATIC);
    }
}

/* The answer to question @qi (-1: no such question) in @r, "" for none: what pn_calc_lookup()
 * gave the reading side. */
static const char *row_value(const row *r, int qi)
{
    return qi >= 0 && r->val[qi] ? r->val[qi] : "";
}

/* What happened to a stored submission met again in this import. */
enum { VERSION_NONE = 0, VERSION_REPLACED = 1, VERSION_KEPT = 2 };

static pn_status mark_version(importer *im, long long id, int state, pn_error *err)
{
    sqlite3_stmt *q = im->mark_version;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, state);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot record a version");
    im->any_versions = 1;
    return PN_OK;
}

/* Whether the stored version (sent at @stored) is newer than the one read (@incoming). When
 * either time is unknown, the version read last wins. */
static int stored_is_newer(const char *stored, const char *incoming)
{
    long long a, b;
    if (stored == NULL || incoming == NULL || !pn_date_seconds(stored, &a) ||
        !pn_date_seconds(incoming, &b))
        return 0;
    return a > b;
}

/* Whether the stored answers of the row found (im->found_id) are those of @r. */
static pn_status same_answers(importer *im, const row *r, int *same, pn_error *err)
{
    sqlite3_stmt *q = im->load_row[1 + r->repeat];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, im->found_id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_reset(q);
        return db_fail(im, err, "cannot read stored answers");
    }
    *same = 1;
    for (size_t k = 0; k < im->level_nq[1 + r->repeat] && *same; k++) {
        size_t i = im->level_q[1 + r->repeat][k];
        const char *v = (const char *)sqlite3_column_text(q, (int)k);
        if (!r->rel[i])
            *same = v == NULL;
        else
            *same = v != NULL && strcmp(v, r->val[i] ? r->val[i] : "") == 0;
    }
    sqlite3_reset(q);
    return PN_OK;
}

/* The structure answering the form, recorded or updated; 0 for a form without a side. */
static pn_status upsert_structure(importer *im, const row *r, long long *structure_id,
                                  pn_error *err)
{
    const pn_form *f = im->form;
    *structure_id = 0;
    if (f->side == PN_SIDE_NONE)
        return PN_OK;
    sqlite3_stmt *q = im->upsert_structure;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, pn_side_word(f->side), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, row_value(r, im->q_ident), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, row_value(r, im->q_name), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, row_value(r, im->q_commune), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, row_value(r, im->q_en_qpv), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, row_value(r, im->q_code_qpv), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, row_value(r, im->q_rep), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW)
        return db_fail(im, err, "cannot record the structure");
    *structure_id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return PN_OK;
}

/* Store the submission @r, or replace the stored one (im->found_id) by it. */
static pn_status store_main(importer *im, const row *r, pn_error *err)
{
    const pn_form *f = im->form;
    long long structure_id = 0, id = im->found_id;
    const char *submitted = r->submitted;
    pn_status st;
    if ((st = upsert_structure(im, r, &structure_id, err)) != PN_OK)
        return st;
    sqlite3_stmt *q = id ? im->update_sub : im->insert_sub;
    sqlite3_reset(q);
    if (id) {
        sqlite3_bind_int64(q, 1, id);
    } else {
        sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, r->key, -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(q, 3 - (id != 0), im->import_id);
    sqlite3_bind_text(q, 4 - (id != 0), r->stats->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5 - (id != 0), (sqlite3_int64)r->line);
    if (structure_id)
        sqlite3_bind_int64(q, 6 - (id != 0), structure_id);
    else
        sqlite3_bind_null(q, 6 - (id != 0));
    if (submitted && *submitted) {
        sqlite3_bind_text(q, 7 - (id != 0), submitted, 10 < strlen(submitted) ? 10 : -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 8 - (id != 0), submitted, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(q, 7 - (id != 0));
        sqlite3_bind_null(q, 8 - (id != 0));
    }
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot store a submission");
    if (id == 0) {
        id = sqlite3_last_insert_rowid(im->db);
        q = im->insert_data[0];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, id);
        bind_values(im, r, q, 2);
    } else {
        q = im->update_data[0];
        if (q) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, id);
            bind_values(im, r, q, 2);
        }
        if ((st = mark_version(im, id, VERSION_REPLACED, err)) != PN_OK)
            return st;
        r->stats->replaced++;
    }
    if (q && sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot store the answers");
    if (im->found_id == 0)
        r->stats->stored++;
    return resolve_reject(im, r, err);
}

/*
 * Insert the repeat entry @r as a new entry: most entries are, so the key is not looked up
 * first. Sets *@entry_id to the new entry, or to 0 when its submission has an entry with that
 * key already: the UNIQUE constraint on (submission_id, entry_key) stopped the INSERT before
 * it wrote anything, and the caller takes the path of a key met again.
 */
static pn_status insert_entry(importer *im, const row *r, long long *entry_id, pn_error *err)
{
    sqlite3_stmt *q = im->insert_data[1 + r->repeat];
    *entry_id = 0;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, r->parent_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)r->position);
    sqlite3_bind_text(q, 3, r->key, -1, SQLITE_STATIC);
    bind_values(im, r, q, 4);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        *entry_id = sqlite3_last_insert_rowid(im->db);
        return PN_OK;
    }
    if (sqlite3_extended_errcode(im->db) == SQLITE_CONSTRAINT_UNIQUE) {
        sqlite3_reset(q);
        return PN_OK;
    }
    return db_fail(im, err, "cannot store a repeat entry");
}

/* Complete the repeat entry @r inserted as @entry_id, or replace the stored one
 * (im->found_id, when @entry_id is 0) by it; the partner structure of a link. (A link is
 * the entry itself, seen through the view links: nothing else to write.) */
static pn_status store_entry(importer *im, const row *r, long long entry_id, pn_error *err)
{
    const pn_form *f = im->form;
    sqlite3_stmt *q;
    if (entry_id == 0 && (entry_id = im->found_id) != 0 &&
        (q = im->update_data[1 + r->repeat]) != NULL) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, entry_id);
        bind_values(im, r, q, 2);
        if (sqlite3_step(q) != SQLITE_DONE)
            return db_fail(im, err, "cannot replace a repeat entry");
    }
    if (r->repeat == im->links_repeat) {
        const char *partner = row_value(r, im->q_partner);
        if (*partner && !ident_set_has(&im->partners, partner)) {
            q = im->insert_partner;
            sqlite3_reset(q);
            sqlite3_bind_text(
                q, 1, pn_side_word(f->side == PN_SIDE_CENTRE ? PN_SIDE_ECOLE : PN_SIDE_CENTRE), -1,
                SQLITE_STATIC);
            sqlite3_bind_text(q, 2, partner, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, row_value(r, im->q_partner_name), -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                return db_fail(im, err, "cannot record a partner structure");
            /* structures are never deleted, so it stays there until the import ends */
            if (ident_set_add(&im->partners, partner) != PN_OK)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    }
    if (im->found_id)
        r->stats->replaced++;
    else
        r->stats->stored++;
    return resolve_reject(im, r, err);
}

/* The stored submission or entry with @r's key: im->found_id (0 when none) and, for a
 * submission, im->found_submitted. */
static pn_status find_key(importer *im, const row *r, pn_error *err)
{
    sqlite3_stmt *q = r->repeat < 0 ? im->find_sub : im->find_entry[r->repeat];
    sqlite3_reset(q);
    if (r->repeat < 0) {
        sqlite3_bind_text(q, 1, im->form->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, r->key, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(q, 1, r->parent_id);
        sqlite3_bind_text(q, 2, r->key, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        im->found_id = sqlite3_column_int64(q, 0);
        const unsigned char *at = r->repeat < 0 ? sqlite3_column_text(q, 1) : NULL;
        if (at && (im->found_submitted = pn_strdup((const char *)at)) == NULL) {
            sqlite3_reset(q);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(im, err, "cannot look up a key");
    return PN_OK;
}

/* Store the row @r read and checked: a reject, a new submission or entry, a duplicate, or a
 * version of a stored one. */
static pn_status store_row(importer *im, const row *r, pn_error *err)
{
    pn_status st;
    if (r->reject)
        return record_reject(im, r, err);
    im->found_id = 0;
    free(im->found_submitted);
    im->found_submitted = NULL;
    long long entry_id = 0;
    if (r->repeat >= 0 && (st = insert_entry(im, r, &entry_id, err)) != PN_OK)
        return st;
    /* stored already under this key? */
    if (entry_id == 0) {
        if ((st = find_key(im, r, err)) != PN_OK)
            return st;
        if (r->repeat >= 0 && im->found_id == 0)
            return pn_error_set(err, PN_EINTERNAL, "%s:%zu: key '%s' is neither new nor stored",
                                r->stats->path, r->line, r->key);
    }
    if (im->found_id) {
        int same = 0;
        if ((st = same_answers(im, r, &same, err)) != PN_OK)
            return st;
        if (same) {
            r->stats->duplicates++;
            return resolve_reject(im, r, err);
        }
        if (r->repeat < 0 && stored_is_newer(im->found_submitted, r->submitted)) {
            r->stats->older++;
            return mark_version(im, im->found_id, VERSION_KEPT, err);
        }
    }
    if (r->repeat < 0)
        return store_main(im, r, err);
    return store_entry(im, r, entry_id, err);
}

/* ---- the pipeline ---- */

/* Take @m, trying for a while before sleeping: the other thread holds it for a few
 * microseconds, less than going to sleep and being woken costs. */
static void lock_soon(pthread_mutex_t *m)
{
    for (int i = 0; i < 4000; i++)
        if (pthread_mutex_trylock(m) == 0)
            return;
    pthread_mutex_lock(m);
}

/* Let the calling thread use the connection (a no-op without the storing thread). */
static void db_enter(importer *im)
{
    if (im->pl.running)
        lock_soon(&im->pl.db);
}

static void db_leave(importer *im)
{
    if (im->pl.running)
        pthread_mutex_unlock(&im->pl.db);
}

static void *store_thread(void *arg)
{
    importer *im = arg;
    pipeline *pl = &im->pl;
    size_t t = atomic_load(&pl->tail);
    for (;;) {
        size_t h = atomic_load(&pl->head);
        if (h == t) {
            pthread_mutex_lock(&pl->lock);
            atomic_store(&pl->store_waits, 1);
            while ((h = atomic_load(&pl->head)) == t && !pl->stop)
                pthread_cond_wait(&pl->more, &pl->lock);
            atomic_store(&pl->store_waits, 0);
            pthread_mutex_unlock(&pl->lock);
            if (h == t)
                break; /* stopped, and everything handed over is stored */
        }
        /* the job at t is this thread's until tail moves past it */
        if (!atomic_load(&pl->failed)) { /* after a failure, the rest is skipped */
            pn_error err;
            pn_error_clear(&err);
            lock_soon(&pl->db);
            pn_status st = PN_OK;
            /* the reading side may have failed while this thread waited for the connection;
             * and a statement must never run once the transaction is gone, where it would
             * be committed on its own */
            if (atomic_load(&pl->failed))
                st = PN_ESTORE;
            else if (sqlite3_get_autocommit(im->db))
                st = db_fail(im, &err, "the import's transaction was rolled back");
            else
                st = store_row(im, &pl->jobs[t % PIPELINE_JOBS].r, &err);
            pthread_mutex_unlock(&pl->db);
            if (st != PN_OK)
                pipeline_fail(im, st, &err);
        }
        atomic_store(&pl->tail, ++t);
        if (atomic_load(&pl->read_waits) &&
            (h - t <= PIPELINE_JOBS / 2 || t == atomic_load(&pl->head))) {
            pthread_mutex_lock(&pl->lock);
            pthread_cond_signal(&pl->room);
            pthread_mutex_unlock(&pl->lock);
        }
    }
    return NULL;
}

/* Start the storing thread; without one, rows are stored as they come. */
static pn_status pipeline_start(importer *im, pn_error *err)
{
    pipeline *pl = &im->pl;
    const pn_form *f = im->form;
    for (size_t k = 0; k < PIPELINE_JOBS; k++) {
        job *j = &pl->jobs[k];
        j->off = calloc(f->nq ? f->nq : 1, sizeof *j->off);
        j->val = calloc(f->nq ? f->nq : 1, sizeof *j->val);
        j->rel = calloc(f->nq ? f->nq : 1, 1);
        j->len = calloc(f->nq ? f->nq : 1, sizeof *j->len);
        if (j->off == NULL || j->val == NULL || j->rel == NULL || j->len == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        j->buf = (pn_strbuf)PN_STRBUF_INIT;
    }
    if (pthread_mutex_init(&pl->lock, NULL) != 0)
        return PN_OK;
    if (pthread_mutex_init(&pl->db, NULL) != 0) {
        pthread_mutex_destroy(&pl->lock);
        return PN_OK;
    }
    if (pthread_cond_init(&pl->more, NULL) != 0) {
        pthread_mutex_destroy(&pl->db);
        pthread_mutex_destroy(&pl->lock);
        return PN_OK;
    }
    if (pthread_cond_init(&pl->room, NULL) != 0) {
        pthread_cond_destroy(&pl->more);
        pthread_mutex_destroy(&pl->db);
        pthread_mutex_destroy(&pl->lock);
        return PN_OK;
    }
    pl->ready = 1;
    pl->running = !im->opts->one_thread && pthread_create(&pl->thread, NULL, store_thread, im) == 0;
    return PN_OK;
}

/* Record @st with the message in @err as the import's failure, unless one came first: the
 * first is the cause, what fails after it only follows from it. The rows still in the
 * pipeline are then skipped, and the reading side stops at its next row. */
static void pipeline_fail(importer *im, pn_status st, const pn_error *err)
{
    pipeline *pl = &im->pl;
    if (!pl->ready)
        return; /* no pipeline: the caller's failure goes straight back */
    pthread_mutex_lock(&pl->lock);
    if (pl->status == PN_OK) {
        pl->status = st;
        pl->err = *err;
    }
    atomic_store(&pl->failed, 1);
    pthread_mutex_unlock(&pl->lock);
}

/* Wait until every row handed over is stored (or skipped after a failure). Returns the
 * import's first failure, if any, with its message in @err. */
static pn_status pipeline_drain(importer *im, pn_error *err)
{
    pipeline *pl = &im->pl;
    if (!pl->running)
        return PN_OK;
    pthread_mutex_lock(&pl->lock);
    atomic_store(&pl->read_waits, 1);
    while (atomic_load(&pl->tail) != atomic_load(&pl->head)) {
        if (atomic_load(&pl->store_waits))
            pthread_cond_signal(&pl->more);
        pthread_cond_wait(&pl->room, &pl->lock);
    }
    atomic_store(&pl->read_waits, 0);
    pn_status st = pl->status;
    if (st != PN_OK && err)
        *err = pl->err;
    pthread_mutex_unlock(&pl->lock);
    return st;
}

/* Stop the storing thread, once it has stored what it was handed. */
static void pipeline_stop(importer *im)
{
    pipeline *pl = &im->pl;
    if (pl->running) {
        pthread_mutex_lock(&pl->lock);
        pl->stop = 1;
        pthread_cond_signal(&pl->more);
        pthread_mutex_unlock(&pl->lock);
        pthread_join(pl->thread, NULL);
        pl->running = 0;
    }
    if (pl->ready) {
        pthread_cond_destroy(&pl->room);
        pthread_cond_destroy(&pl->more);
        pthread_mutex_destroy(&pl->db);
        pthread_mutex_destroy(&pl->lock);
        pl->ready = 0;
    }
    for (size_t k = 0; k < PIPELINE_JOBS; k++) {
        pn_strbuf_release(&pl->jobs[k].buf);
        free(pl->jobs[k].off);
        free(pl->jobs[k].val);
        free(pl->jobs[k].rel);
        free(pl->jobs[k].len);
        pl->jobs[k].len = NULL;
        pl->jobs[k].off = NULL;
        pl->jobs[k].val = NULL;
        pl->jobs[k].rel = NULL;
    }
}

/* 1 + the offset of a copy of @s appended to @b, or 0 for NULL; -1 when out of memory.
 * Sets *@len to its length when @len is not NULL. */
static long long put_string(pn_strbuf *b, const char *s, int *len)
{
    if (s == NULL)
        return 0;
    size_t at = b->len, n = strlen(s);
    if (n > INT_MAX || pn_strbuf_append(b, s, n + 1) != PN_OK)
        return -1;
    if (len)
        *len = (int)n;
    return (long long)at + 1;
}

static const char *at_offset(const pn_strbuf *b, long long off)
{
    return off > 0 ? b->buf + off - 1 : NULL;
}

/* Copy into @j what the storing side reads of @src: the answers at its level and those it
 * reads by name. */
static pn_status job_fill(importer *im, job *j, const row *src)
{
    pn_strbuf *b = &j->buf;
    const int named[] = {im->q_ident,    im->q_name, im->q_commune, im->q_en_qpv,
                         im->q_code_qpv, im->q_rep,  im->q_partner, im->q_partner_name};
    size_t nlevel = src->reject ? 0 : im->level_nq[1 + src->repeat];
    const size_t *level = im->level_q[1 + src->repeat];
    pn_strbuf_reset(b);
    long long key = put_string(b, src->key, NULL), submitted = put_string(b, src->submitted, NULL),
              raw = put_string(b, src->raw, NULL), reasons = put_string(b, src->reasons, NULL);
    int fail = key < 0 || submitted < 0 || raw < 0 || reasons < 0;
    for (size_t k = 0; k < nlevel && !fail; k++) {
        size_t i = level[k];
        long long o = put_string(b, src->val[i], &j->len[i]);
        fail = o < 0;
        j->off[i] = (size_t)o;
        j->rel[i] = src->rel[i];
    }
    for (size_t k = 0; k < sizeof named / sizeof named[0] && !src->reject && !fail; k++) {
        if (named[k] < 0)
            continue;
        long long o = put_string(b, src->val[named[k]], &j->len[named[k]]);
        fail = o < 0;
        j->off[named[k]] = (size_t)o;
    }
    if (fail)
        return PN_ENOMEM;
    /* the buffer has stopped moving: point into it */
    for (size_t k = 0; k < nlevel; k++)
        j->val[level[k]] = at_offset(b, (long long)j->off[level[k]]);
    for (size_t k = 0; k < sizeof named / sizeof named[0] && !src->reject; k++)
        if (named[k] >= 0)
            j->val[named[k]] = at_offset(b, (long long)j->off[named[k]]);
    j->r = *src;
    j->r.key = at_offset(b, key);
    j->r.submitted = at_offset(b, submitted);
    j->r.raw = at_offset(b, raw);
    j->r.reasons = at_offset(b, reasons);
    j->r.val = j->val;
    j->r.rel = j->rel;
    j->r.len = j->len;
    return PN_OK;
}

/* Hand @src over to the storing side (or store it at once without the storing thread). */
static pn_status pipeline_push(importer *im, const row *src, pn_error *err)
{
    pipeline *pl = &im->pl;
    if (!pl->running)
        return store_row(im, src, err);
    size_t h = atomic_load(&pl->head);
    if (h - atomic_load(&pl->tail) == PIPELINE_JOBS) {
        pthread_mutex_lock(&pl->lock);
        atomic_store(&pl->read_waits, 1);
        while (h - atomic_load(&pl->tail) == PIPELINE_JOBS)
            pthread_cond_wait(&pl->room, &pl->lock);
        atomic_store(&pl->read_waits, 0);
        pthread_mutex_unlock(&pl->lock);
    }
    if (atomic_load(&pl->failed)) /* a row before could not be stored: stop reading */
        return pipeline_drain(im, err);
    /* the slot at head is this thread's until head moves past it */
    job *j = &pl->jobs[h % PIPELINE_JOBS];
    if (j->buf.cap > PIPELINE_BIG)
        pn_strbuf_release(&j->buf); /* memory stays bounded: see below */
    if (job_fill(im, j, src) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    atomic_store(&pl->head, h + 1);
    /* a row of huge cells is stored before the next is read, so that the pipeline holds at
     * most one such row, whatever the file */
    if (j->buf.len > PIPELINE_BIG)
        return pipeline_drain(im, err);
    if (atomic_load(&pl->store_waits) && h + 1 - atomic_load(&pl->tail) >= PIPELINE_BATCH) {
        pthread_mutex_lock(&pl->lock);
        pthread_cond_signal(&pl->more);
        pthread_mutex_unlock(&pl->lock);
    }
    return PN_OK;
}

/* ---- reading a row ---- */

/* Load the top-level answers of the submission keyed @key into im->parent_val. Sets
 * im->parent_id to 0 when there is none. */
static pn_status load_parent(importer *im, const char *key, pn_error *err)
{
    const pn_form *f = im->form;
    if (im->parent_key && strcmp(im->parent_key, key) == 0)
        return PN_OK;
    free(im->parent_key);
    im->parent_key = pn_strdup(key);
    if (im->parent_key == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    im->parent_id = 0;
    im->parent_position = 0;
    for (size_t i = 0; i < f->nq; i++) {
        free(im->parent_val[i]);
        im->parent_val[i] = NULL;
    }
    /* the submissions were stored before the repeat files are read, and rows of repeat
     * files change neither them nor their versions: no need to drain the pipeline */
    pn_status st = PN_OK;
    db_enter(im);
    sqlite3_stmt *q = im->find_parent;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        goto out;
    if (rc != SQLITE_ROW) {
        st = db_fail(im, err, "cannot look up a submission");
        goto out;
    }
    im->parent_id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    im->parent_state = VERSION_NONE;
    if (im->any_versions) {
        q = im->version_state;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, im->parent_id);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            im->parent_state = sqlite3_column_int(q, 0);
        else if (rc != SQLITE_DONE) {
            st = db_fail(im, err, "cannot read a submission's version");
            goto out;
        }
        sqlite3_reset(q);
    }
    q = im->load_parent;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, im->parent_id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        st = db_fail(im, err, "cannot read a submission's answers");
        goto out;
    }
    int col = 0;
    for (size_t i = 0; i < f->nq && st == PN_OK; i++) {
        if (f->q[i].repeat != -1 || !pn_question_has_value(&f->q[i]))
            continue;
        const unsigned char *v = sqlite3_column_text(q, col++);
        if (v && (im->parent_val[i] = pn_strdup((const char *)v)) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
    }
out:
    sqlite3_reset(q);
    db_leave(im);
    return st;
}

/* Before the entries of a repeat are read again: the entries of the submissions this import
 * replaced belong to their old versions, and the repeat file brings the new ones. */
static pn_status drop_replaced_entries(importer *im, int repeat, pn_error *err)
{
    char table[256];
    if (!im->any_versions)
        return PN_OK;
    pn_store_table_name(im->form, repeat, table, sizeof table);
    char *sql = sqlite3_mprintf(
        "DELETE FROM \"%w\" WHERE submission_id IN (SELECT submission_id FROM temp.pn_versions"
        " WHERE state=%d);",
        table, VERSION_REPLACED);
    if (sql == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    int rc = sqlite3_exec(im->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return db_fail(im, err, "cannot remove the entries of a replaced submission");
    return PN_OK;
}

/* "column 3 'Q1'" for messages. */
static const char *describe_column(size_t c, const char *head, char *buf, size_t size)
{
    if (*head)
        snprintf(buf, size, "column %zu '%s'", c + 1, head);
    else
        snprintf(buf, size, "column %zu (empty header)", c + 1);
    return buf;
}

/* The first column (*@dup, -1 for none) that holds the same answer or tick box as an earlier
 * one, and the first such earlier column (*@first): through an index of what each column
 * holds, not by comparing each column with every one before it. Returns PN_ENOMEM or PN_OK. */
static pn_status duplicate_column(const pn_col *cols, size_t n, int *dup, int *first)
{
    pn_strindex seen = PN_STRINDEX_INIT;
    int *keys = calloc(n ? 3 * n : 1, sizeof *keys); /* per column: kind, question, choice */
    pn_status st = keys ? PN_OK : PN_ENOMEM;
    *dup = *first = -1;
    for (size_t c = 0; c < n && st == PN_OK && *dup < 0; c++) {
        if (cols[c].kind != PN_COL_ANSWER && cols[c].kind != PN_COL_TICK)
            continue;
        int *key = &keys[3 * c];
        key[0] = (int)cols[c].kind, key[1] = cols[c].q, key[2] = cols[c].choice;
        size_t k;
        if (pn_strindex_get(&seen, (const char *)key, 3 * sizeof *key, &k)) {
            *dup = (int)c;
            *first = (int)k;
        } else {
            st = pn_strindex_put(&seen, (const char *)key, 3 * sizeof *key, c);
        }
    }
    pn_strindex_release(&seen);
    free(keys);
    return st;
}

/* The header: map columns to questions, find the file's level. */
static pn_status read_header(file_reader *fr, size_t n, char *const *f, pn_error *err)
{
    importer *im = fr->im;
    const pn_form *form = im->form;
    pn_status st = PN_OK;
    char col[400];
    fr->ncols = n;
    fr->cols = calloc(n ? n : 1, sizeof *fr->cols);
    if (fr->cols == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    fr->dialect = im->opts->dialect;
    if (fr->dialect == PN_DIALECT_AUTO)
        fr->dialect = pn_dialect_detect(n, f, fr->info.encoding, fr->info.delim);
    if ((st = pn_map_header(form, im->map, fr->dialect, n, f, fr->cols, err)) != PN_OK)
        return st;
    fr->key_col = fr->parent_col = fr->submitted_col = fr->ident_col = -1;
    if ((fr->has_ticks = calloc(form->nq ? form->nq : 1, 1)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t c = 0; c < n; c++)
        if (fr->cols[c].kind == PN_COL_TICK)
            fr->has_ticks[fr->cols[c].q] = 1;
    const pn_question *side_q = pn_form_side_question(form);
    int ident = side_q ? (int)(side_q - form->q) : -1;
    int level = -2;   /* not known yet */
    int top_col = -1; /* a top-level column other than the identifier and timestamps */
    int dup, dup_of;
    if (duplicate_column(fr->cols, n, &dup, &dup_of) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t c = 0; c < n; c++) {
        pn_col *pc = &fr->cols[c];
        switch (pc->kind) {
        case PN_COL_UNMAPPED:
            fr->unmapped++;
            continue;
        case PN_COL_KEY:
            if (fr->key_col < 0 || pc->rank < fr->cols[fr->key_col].rank)
                fr->key_col = (int)c;
            continue;
        case PN_COL_PARENT:
            fr->parent_col = (int)c;
            continue;
        case PN_COL_SUBMITTED:
            if (fr->submitted_col < 0)
                fr->submitted_col = (int)c;
            continue;
        case PN_COL_IGNORED:
            continue;
        default:
            break;
        }
        const pn_question *q = &form->q[pc->q];
        size_t k = (size_t)dup_of;
        if ((int)c == dup)
            return pn_error_set(err, PN_EINPUT, "%s:1: %s and column %zu '%s' both hold %s%s%s'%s'",
                                fr->stats->path, describe_column(c, f[c], col, sizeof col), k + 1,
                                f[k], pc->kind == PN_COL_TICK ? "the tick box of '" : "",
                                pc->kind == PN_COL_TICK ? q->list->items[pc->choice].name : "",
                                pc->kind == PN_COL_TICK ? "' of " : "", q->name);
        if (q->type == PN_Q_CALCULATE)
            continue; /* recomputed from the answers, whatever the file says */
        if (q->repeat < 0) {
            if (pc->q == ident) {
                if (fr->ident_col < 0)
                    fr->ident_col = (int)c;
                continue;
            }
            if (q->type == PN_Q_DATETIME)
                continue; /* start, end: a repeat file from a tool may carry them */
            if (top_col < 0)
                top_col = (int)c;
        }
        if (q->repeat >= 0) {
            if (level >= 0 && level != q->repeat)
                return pn_error_set(err, PN_EINPUT,
                                    "%s:1: %s belongs to repeat '%s' while earlier columns "
                                    "belong to repeat '%s': each repeat group comes in its own "
                                    "file",
                                    fr->stats->path, describe_column(c, f[c], col, sizeof col),
                                    form->repeats[q->repeat].name, form->repeats[level].name);
            level = q->repeat;
        }
    }
    if (fr->unmapped)
        return PN_OK; /* the rows are read for samples of the unmapped columns */
    if (level >= 0 && top_col >= 0)
        return pn_error_set(err, PN_EINPUT,
                            "%s:1: %s belongs to the main form while other columns belong to "
                            "repeat '%s': a repeat group must come in its own file",
                            fr->stats->path,
                            describe_column((size_t)top_col, f[top_col], col, sizeof col),
                            form->repeats[level].name);
    if (level < 0 && fr->parent_col >= 0) {
        if (form->nrepeats == 1 && top_col < 0 && fr->ident_col < 0) {
            level = 0;
        } else {
            return pn_error_set(err, PN_EINPUT,
                                "%s:1: the file has a %s column but no question of a repeat "
                                "group of form '%s'",
                                fr->stats->path, f[fr->parent_col], form->id);
        }
    }
    if (level >= 0) {
        if (fr->parent_col < 0 && fr->ident_col < 0)
            return pn_error_set(err, PN_EINPUT,
                                "%s:1: the columns belong to repeat '%s', so the file needs a "
                                "column linking each entry to its submission: PARENT_KEY (the "
                                "submission's KEY)%s%s%s",
                                fr->stats->path, form->repeats[level].name,
                                ident >= 0 ? " or the question '" : "",
                                ident >= 0 ? form->q[ident].name : "", ident >= 0 ? "'" : "");
        if (fr->parent_col >= 0)
            fr->ident_col = -1; /* the key says it; the identifier is only an answer here */
    } else {
        if (top_col < 0 && fr->ident_col < 0) {
            if (level == -2 && fr->parent_col < 0 && fr->key_col < 0)
                return pn_error_set(err, PN_EINPUT,
                                    "%s:1: no column of the header is a question of form '%s'",
                                    fr->stats->path, form->id);
        }
        level = -1;
        fr->ident_col = -1;
    }
    fr->stats->repeat = level;
    /* a required question of this level with no column would reject every row */
    for (size_t i = 0; i < form->nq; i++) {
        const pn_question *q = &form->q[i];
        if (q->repeat != level || !q->required || q->type == PN_Q_CALCULATE)
            continue;
        int found = 0;
        for (size_t c = 0; c < n && !found; c++)
            found = (fr->cols[c].kind == PN_COL_ANSWER || fr->cols[c].kind == PN_COL_TICK) &&
                    fr->cols[c].q == (int)i;
        if (!found)
            return pn_error_set(err, PN_EINPUT,
                                "%s:1: no column for the required question '%s' (\"%s\") of form "
                                "'%s'",
                                fr->stats->path, q->name, q->label, form->id);
    }
    return PN_OK;
}

/* The row as it stood in the file (quoted again), for the rejects. */
static pn_status raw_row(file_reader *fr, size_t n, char *const *f)
{
    pn_strbuf_reset(&fr->raw);
    for (size_t i = 0; i < n; i++) {
        if (i && pn_strbuf_append(&fr->raw, &fr->delim, 1) != PN_OK)
            return PN_ENOMEM;
        /* no formula guard: the text as the file had it */
        if (pn_csv_append_field(&fr->raw, f[i], fr->delim) != PN_OK)
            return PN_ENOMEM;
    }
    return PN_OK;
}

/* ODK writes a submission's key "uuid:…", KoboToolbox's _uuid leaves the prefix out: both
 * name the same submission, stored as ODK writes it. */
static const char *odk_key(const char *head, const char *k, char *buf, size_t size)
{
    if ((strcmp(head, "_uuid") != 0 && strcmp(head, "_submission__uuid") != 0) || *k == '\0' ||
        strncmp(k, "uuid:", 5) == 0)
        return k;
    snprintf(buf, size, "uuid:%s", k);
    return buf;
}

/* A file with columns no rule maps: keep a few distinct values of each, for the message and
 * the mapping template. */
static pn_status collect_samples(file_reader *fr, size_t n, char *const *f, pn_error *err)
{
    if (fr->sample_rows++ >= 2000)
        return PN_STOP; /* enough to show */
    for (size_t c = 0; c < n && c < fr->ncols; c++) {
        pn_strbuf *sb = &fr->samples[c];
        if (fr->cols[c].kind != PN_COL_UNMAPPED || *f[c] == '\0' || fr->nsamples[c] >= 4)
            continue;
        char quoted[96];
        snprintf(quoted, sizeof quoted, "« %.60s »", f[c]);
        if (sb->len && strstr(pn_strbuf_str(sb), quoted))
            continue;
        if ((sb->len && pn_strbuf_puts(sb, ", ") != PN_OK) || pn_strbuf_puts(sb, quoted) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        fr->nsamples[c]++;
    }
    return PN_OK;
}

/* The error for a header with unmapped columns; each is added to the mapping template. */
static pn_status unmapped_error(file_reader *fr, char *const *head, pn_error *err)
{
    importer *im = fr->im;
    pn_strbuf list = PN_STRBUF_INIT, note = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    size_t shown = 0;
    for (size_t c = 0; c < fr->ncols && st == PN_OK; c++) {
        if (fr->cols[c].kind != PN_COL_UNMAPPED)
            continue;
        pn_strbuf_reset(&note);
        if (fr->samples[c].len)
            st = pn_strbuf_printf(&note, "valeurs vues : %s", pn_strbuf_str(&fr->samples[c]));
        else
            st = pn_strbuf_puts(&note, "colonne vide dans ce fichier");
        if (st == PN_OK)
            st = pn_map_add(im->map, PN_MAP_COLUMN, head[c], "", pn_strbuf_str(&note));
        if (st == PN_OK && shown < 8) {
            shown++;
            st = pn_strbuf_printf(&list, "\n  column %zu '%s' (%s)", c + 1, head[c],
                                  fr->samples[c].len ? pn_strbuf_str(&fr->samples[c])
                                                     : "always empty");
        }
    }
    if (st == PN_OK && fr->unmapped > shown)
        st = pn_strbuf_printf(&list, "\n  and %zu more", fr->unmapped - shown);
    if (st == PN_OK)
        st = pn_error_set(err, PN_EINPUT,
                          "%s:1: %zu %s of this %s cannot be matched to a question of form '%s' "
                          "by name, group path or label:%s\nSay what each holds in a mapping "
                          "file (--map FILE): the program writes the template for you",
                          fr->stats->path, fr->unmapped, fr->unmapped == 1 ? "column" : "columns",
                          pn_dialect_title(fr->dialect), im->form->id, pn_strbuf_str(&list));
    else
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    im->unmapped_columns += fr->unmapped;
    pn_strbuf_release(&list);
    pn_strbuf_release(&note);
    return st;
}

/* "choix possibles : a (Label A), b (Label B)…" for a value to map. */
static pn_status choices_note(const pn_question *q, pn_strbuf *note)
{
    pn_strbuf_reset(note);
    pn_status st = pn_strbuf_puts(note, "choix possibles : ");
    for (size_t k = 0; k < q->list->n && st == PN_OK; k++)
        st = pn_strbuf_printf(note, "%s%s (%s)", k ? ", " : "", q->list->items[k].name,
                              q->list->items[k].label);
    return st;
}

/* Put the row's answers in im->val: cells converted to what the form expects, tick boxes
 * gathered into their select_multiple. Problems go to the reasons. */
static pn_status assign_values(file_reader *fr, size_t n, char *const *f, char *const *head,
                               pn_error *err)
{
    importer *im = fr->im;
    const pn_form *form = im->form;
    int level = fr->stats->repeat;
    for (size_t c = 0; c < n && c < fr->ncols; c++) {
        const pn_col *pc = &fr->cols[c];
        /* LimeSurvey's "N/A": the question was not shown (its relevance was false) */
        const char *cell = fr->dialect == PN_DIALECT_LIME && strcmp(f[c], "N/A") == 0 ? "" : f[c];
        if (pc->kind == PN_COL_TICK) {
            int t = pn_cells_tick(im->cells, (size_t)pc->q, (size_t)pc->choice, cell);
            if (t == -2)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            if (t < 0 && reason(fr, err, head[c],
                                "expected a tick box (1 or 0, Y or empty, oui or non) for choice "
                                "'%s' of '%s', found '%s'",
                                form->q[pc->q].list->items[pc->choice].name, form->q[pc->q].name,
                                cell) != PN_OK)
                return PN_ENOMEM;
            unsigned char *ticks = im->ticks[pc->q];
            if (!im->tick_row[pc->q]) {
                memset(ticks, 0, form->q[pc->q].list->n);
                im->tick_row[pc->q] = 1;
                im->tick_any[pc->q] = 0;
            }
            if (t == 1)
                ticks[pc->choice] = 1;
            if (*cell)
                im->tick_any[pc->q] = 1;
            continue;
        }
        if (pc->kind != PN_COL_ANSWER)
            continue;
        const pn_question *q = &form->q[pc->q];
        if (q->repeat != level || q->type == PN_Q_CALCULATE)
            continue;
        pn_strbuf *conv = &im->conv[pc->q];
        int r = pn_cells_convert(im->cells, (size_t)pc->q, cell, conv);
        if (fr->has_ticks[pc->q] && (r == PN_CELL_UNMAPPED || r == PN_CELL_BAD)) {
            /* a summary of labels joined by spaces cannot be split; the ticks say it */
            im->val[pc->q] = NULL;
            continue;
        }
        /* a select's cell converts only to names of its list */
        im->choices_ok[pc->q] = (r == PN_CELL_CONVERTED || r == PN_CELL_SAME) &&
                                (q->type == PN_Q_SELECT_ONE || q->type == PN_Q_SELECT_MULTIPLE);
        switch (r) {
        case PN_CELL_CONVERTED:
            im->val[pc->q] = pn_strbuf_str(conv);
            break;
        case PN_CELL_BAD:
            im->val[pc->q] = cell;
            im->bad[pc->q] = 1; /* said once: the constraint would say it again */
            if (reason(fr, err, head[c], "%s", pn_strbuf_str(conv)) != PN_OK)
                return PN_ENOMEM;
            break;
        case PN_CELL_UNMAPPED:
            im->val[pc->q] = cell;
            if (im->unmapped_values < 200) {
                pn_strbuf note = PN_STRBUF_INIT;
                size_t before = im->map->n;
                pn_status st = choices_note(q, &note);
                if (st == PN_OK)
                    st = pn_map_add(im->map, PN_MAP_VALUE, cell, q->name, pn_strbuf_str(&note));
                pn_strbuf_release(&note);
                if (st != PN_OK)
                    return pn_error_set(err, PN_ENOMEM, "out of memory");
                im->unmapped_values += im->map->n > before;
            }
            break;
        case PN_CELL_SAME:
            im->val[pc->q] = cell;
            break;
        default:
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    }
    /* tick boxes: they say it unambiguously, so they win over a summary column */
    for (size_t c = 0; c < n && c < fr->ncols; c++) {
        const pn_col *pc = &fr->cols[c];
        if (pc->kind != PN_COL_TICK || !im->tick_row[pc->q])
            continue;
        const pn_question *q = &form->q[pc->q];
        im->tick_row[pc->q] = 0;
        im->choices_ok[pc->q] = 0;
        pn_strbuf *out = &im->tick_val[pc->q];
        pn_strbuf_reset(out);
        for (size_t k = 0; k < q->list->n; k++)
            if (im->ticks[pc->q][k] && ((out->len && pn_strbuf_append(out, " ", 1) != PN_OK) ||
                                        pn_strbuf_puts(out, q->list->items[k].name) != PN_OK))
                return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (pn_strbuf_append(out, "", 0) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        const char *summary = im->val[pc->q];
        if (summary && *summary && strcmp(summary, pn_strbuf_str(out)) != 0 &&
            reason(fr, err, q->name,
                   "the answer column says '%s' but the tick-box columns say '%s'", summary,
                   pn_strbuf_str(out)) != PN_OK)
            return PN_ENOMEM;
        im->val[pc->q] = im->tick_any[pc->q] ? pn_strbuf_str(out) : (summary ? summary : "");
    }
    return PN_OK;
}

/* A repeat file linked by the structure's identifier (a tool without repeat groups): the
 * latest stored submission of that structure. */
static pn_status find_parent_by_ident(importer *im, const char *ident, char **key, pn_error *err)
{
    /* the rows of repeat files store no submission, and the partner structures they add
     * answer no form: what is in the pipeline cannot change the answer */
    sqlite3_stmt *q = im->find_by_ident;
    pn_status st = PN_OK;
    *key = NULL;
    db_enter(im);
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, pn_side_word(im->form->side), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ident, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && (*key = pn_strdup((const char *)sqlite3_column_text(q, 0))) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = db_fail(im, err, "cannot look up a structure");
    sqlite3_reset(q);
    db_leave(im);
    return st;
}

/* Whether the submission keyed @key was rejected. */
static pn_status parent_rejected(importer *im, const char *key, int *rejected, pn_error *err)
{
    /* a row still in the pipeline could record or resolve that reject */
    pn_status st = pipeline_drain(im, err);
    if (st != PN_OK)
        return st;
    db_enter(im);
    sqlite3_stmt *q = im->find_reject;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    *rejected = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = db_fail(im, err, "cannot look up a reject");
    sqlite3_reset(q);
    db_leave(im);
    return st;
}

static pn_status on_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    file_reader *fr = ctx;
    importer *im = fr->im;
    const pn_form *form = im->form;
    pn_status st;
    if (!fr->header_done) {
        fr->header_done = 1;
        if ((st = read_header(fr, n, f, err)) != PN_OK)
            return st;
        /* the header's cells, kept for messages */
        if ((fr->head = calloc(n ? n : 1, sizeof *fr->head)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        for (size_t c = 0; c < n; c++)
            if ((fr->head[c] = pn_strdup(f[c])) == NULL)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (fr->unmapped) {
            fr->samples = calloc(n ? n : 1, sizeof *fr->samples);
            fr->nsamples = calloc(n ? n : 1, sizeof *fr->nsamples);
            if (!fr->samples || !fr->nsamples)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            return PN_OK;
        }
        fr->delim = fr->info.delim ? fr->info.delim : ',';
        if (fr->defer_repeats && fr->stats->repeat >= 0) {
            fr->deferred = 1;
            return PN_STOP; /* taken up in the second round */
        }
        return PN_OK;
    }
    if (fr->unmapped)
        return collect_samples(fr, n, f, err);
    /* a row cut short or with extra cells: the columns no longer line up, so no cell of the
     * file can be trusted (empty cells after the last column are harmless) */
    size_t used = n;
    while (used > fr->ncols && *f[used - 1] == '\0')
        used--;
    if (used != fr->ncols)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: expected %zu fields as in the header (line 1), found %zu: "
                            "a delimiter is missing or extra on this line, or a quote is not "
                            "closed",
                            fr->stats->path, line, fr->ncols, used);
    n = used;
    fr->stats->rows++;
    pn_strbuf_reset(&fr->reasons);
    int repeat = fr->stats->repeat;
    char keybuf[64];
    char keyfix[128], parentfix[128];
    const char *key = fr->key_col >= 0
                          ? odk_key(fr->head[fr->key_col], f[fr->key_col], keyfix, sizeof keyfix)
                          : "";
    const char *parent = fr->parent_col >= 0 ? odk_key(fr->head[fr->parent_col], f[fr->parent_col],
                                                       parentfix, sizeof parentfix)
                                             : "";
    size_t position = 0;
    int linked = repeat < 0; /* a repeat entry is linked once its parent is found */
    free(fr->found_parent);
    fr->found_parent = NULL;

    /* answers of this row; for a repeat entry, the parent's answers beside them */
    for (size_t i = 0; i < form->nq; i++) {
        im->val[i] = NULL;
        im->is_relevant[i] = 1;
    }
    memset(im->bad, 0, form->nq);
    memset(im->choices_ok, 0, form->nq);
    if (repeat >= 0 && fr->ident_col >= 0) {
        const char *ident = f[fr->ident_col];
        int iq = fr->cols[fr->ident_col].q;
        if (pn_cells_convert(im->cells, (size_t)iq, ident, &im->conv[iq]) == PN_CELL_CONVERTED)
            ident = pn_strbuf_str(&im->conv[iq]);
        if (*ident == '\0') {
            if ((st = reason(fr, err, fr->head[fr->ident_col],
                             "empty: the entry cannot be linked to its structure's submission")))
                return st;
        } else {
            if ((st = find_parent_by_ident(im, ident, &fr->found_parent, err)) != PN_OK)
                return st;
            if (fr->found_parent != NULL)
                parent = fr->found_parent;
            else if ((st = reason(fr, err, fr->head[fr->ident_col],
                                  "no stored submission of form '%s' has %s '%s'; import the "
                                  "main file first",
                                  form->id, form->q[iq].name, ident)))
                return st;
        }
    }
    if (repeat >= 0) {
        if (fr->parent_col >= 0 && *parent == '\0') {
            if ((st = reason(fr, err, fr->head[fr->parent_col],
                             "empty: the entry cannot be linked to its submission")))
                return st;
        } else if (*parent) {
            if ((st = load_parent(im, parent, err)) != PN_OK)
                return st;
            if (im->parent_id == 0) {
                int rejected_parent = 0;
                if ((st = parent_rejected(im, parent, &rejected_parent, err)) != PN_OK)
                    return st;
                if ((st = reason(fr, err, fr->head[fr->parent_col],
                                 rejected_parent ? "its submission '%s' was rejected; correct it "
                                                   "and import both files again"
                                                 : "no submission of form '%s' has KEY '%s'; "
                                                   "import the main file with this one",
                                 rejected_parent ? parent : form->id, parent)))
                    return st;
            } else {
                linked = 1;
                position = ++im->parent_position;
                for (size_t i = 0; i < form->nq; i++)
                    if (form->q[i].repeat == -1)
                        im->val[i] = im->parent_val[i];
            }
        }
        if (*key == '\0') {
            snprintf(keybuf, sizeof keybuf, "%.40s/%zu", parent, position);
            key = keybuf;
        }
    } else if (*key == '\0') {
        content_key(n, f, keybuf, sizeof keybuf);
        key = keybuf;
    }
    if ((st = assign_values(fr, n, f, fr->head, err)) != PN_OK)
        return st;

    if (repeat >= 0 && linked && im->parent_state == VERSION_KEPT) {
        /* an entry of a version older than the one stored */
        fr->stats->older++;
        return PN_OK;
    }
    /* an entry that could not be linked has no parent answers to check it against */
    if (linked && (st = check_row(fr, repeat, err)) != PN_OK)
        return st;
    row r = {.stats = fr->stats,
             .line = line,
             .repeat = repeat,
             .key = key,
             .parent_id = im->parent_id,
             .position = position,
             .val = im->val,
             .rel = im->rel};
    if (fr->reasons.len) {
        if (raw_row(fr, n, f) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        r.reject = 1;
        r.raw = pn_strbuf_str(&fr->raw);
        r.reasons = pn_strbuf_str(&fr->reasons);
        return pipeline_push(im, &r, err);
    }
    const char *submitted = fr->submitted_col >= 0 ? f[fr->submitted_col] : NULL;
    if (repeat < 0) {
        if (submitted == NULL || *submitted == '\0')
            submitted = value_of(im, "end");
        int c = pn_date_to_iso(submitted, 1, &fr->submitted);
        if (c < 0)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (c == 1)
            submitted = pn_strbuf_str(&fr->submitted);
        r.submitted = submitted;
    }
    for (size_t k = 0; k < im->level_nq[1 + repeat]; k++) {
        size_t i = im->level_q[1 + repeat][k];
        im->rel[i] = (unsigned char)(im->is_relevant[i] != 0);
    }
    return pipeline_push(im, &r, err);
}

static pn_status prepare(importer *im, sqlite3_stmt **q, const char *sql, pn_error *err)
{
    if (sqlite3_prepare_v2(im->db, sql, -1, q, NULL) != SQLITE_OK)
        return db_fail(im, err, "cannot prepare the import");
    return PN_OK;
}

static pn_status prepare_data(importer *im, int repeat, pn_error *err)
{
    char table[256];
    pn_store_table_name(im->form, repeat, table, sizeof table);
    pn_strbuf cols = PN_STRBUF_INIT, params = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    char *sql = NULL;
    for (size_t i = 0; i < im->form->nq; i++) {
        const pn_question *q = &im->form->q[i];
        if (q->repeat != repeat || !pn_question_has_value(q))
            continue;
        char *quoted = sqlite3_mprintf(", \"%w\"", q->name);
        if (quoted == NULL || pn_strbuf_puts(&cols, quoted) != PN_OK ||
            pn_strbuf_puts(&params, ", ?") != PN_OK) {
            sqlite3_free(quoted);
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        sqlite3_free(quoted);
    }
    if (repeat < 0)
        sql = sqlite3_mprintf("INSERT INTO \"%w\"(submission_id%s) VALUES(?%s)", table,
                              pn_strbuf_str(&cols), pn_strbuf_str(&params));
    else
        sql = sqlite3_mprintf("INSERT INTO \"%w\"(submission_id, position, entry_key%s)"
                              " VALUES(?, ?, ?%s)",
                              table, pn_strbuf_str(&cols), pn_strbuf_str(&params));
    if (sql == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = prepare(im, &im->insert_data[1 + repeat], sql, err)) != PN_OK)
        goto out;
    sqlite3_free(sql);
    sql = sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE %s=?",
                          cols.len ? pn_strbuf_str(&cols) + 2 : "NULL", table,
                          repeat < 0 ? "submission_id" : "entry_id");
    if (sql == NULL || (st = prepare(im, &im->load_row[1 + repeat], sql, err)) != PN_OK) {
        if (sql == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    sqlite3_free(sql);
    sql = NULL;
    {
        pn_strbuf set = PN_STRBUF_INIT;
        int p = 2;
        for (size_t i = 0; i < im->form->nq && st == PN_OK; i++) {
            const pn_question *q = &im->form->q[i];
            if (q->repeat != repeat || !pn_question_has_value(q))
                continue;
            char *one = sqlite3_mprintf("%s\"%w\"=?%d", set.len ? ", " : "", q->name, p++);
            if (one == NULL || pn_strbuf_puts(&set, one) != PN_OK)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            sqlite3_free(one);
        }
        if (st == PN_OK && set.len) {
            sql = sqlite3_mprintf("UPDATE \"%w\" SET %s WHERE %s=?1", table, pn_strbuf_str(&set),
                                  repeat < 0 ? "submission_id" : "entry_id");
            if (sql == NULL)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            else
                st = prepare(im, &im->update_data[1 + repeat], sql, err);
        }
        pn_strbuf_release(&set);
        if (st != PN_OK)
            goto out;
    }
    sqlite3_free(sql);
    if (repeat < 0) {
        sql = sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE submission_id=?",
                              cols.len ? pn_strbuf_str(&cols) + 2 : "NULL", table);
        if (sql == NULL || (st = prepare(im, &im->load_parent, sql, err)) != PN_OK) {
            if (sql == NULL)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    } else {
        sql = sqlite3_mprintf("SELECT entry_id FROM \"%w\" WHERE submission_id=? AND entry_key=?",
                              table);
        if (sql == NULL || (st = prepare(im, &im->find_entry[repeat], sql, err)) != PN_OK) {
            if (sql == NULL)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
out:
    sqlite3_free(sql);
    pn_strbuf_release(&cols);
    pn_strbuf_release(&params);
    return st;
}

/* The questions that store a value, per level, in the order of the data tables' columns. */
static pn_status index_levels(importer *im, pn_error *err)
{
    const pn_form *f = im->form;
    size_t nlevels = 1 + f->nrepeats;
    im->level_q = calloc(nlevels, sizeof *im->level_q);
    im->level_nq = calloc(nlevels, sizeof *im->level_nq);
    if (im->level_q == NULL || im->level_nq == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t l = 0; l < nlevels; l++)
        if ((im->level_q[l] = calloc(f->nq ? f->nq : 1, sizeof(size_t))) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nq; i++)
        if (pn_question_has_value(&f->q[i])) {
            size_t l = (size_t)(1 + f->q[i].repeat);
            im->level_q[l][im->level_nq[l]++] = i;
        }
    return PN_OK;
}

static pn_status importer_init(importer *im, pn_error *err)
{
    const pn_form *f = im->form;
    pn_status st;
    size_t nq = f->nq ? f->nq : 1;
    if ((st = pn_calc_init(&im->calc, f, im->opts->today, err)) != PN_OK)
        return st;
    im->val = im->calc.val;
    im->is_relevant = calloc(nq, sizeof *im->is_relevant);
    im->rel = calloc(nq, 1);
    im->parent_val = calloc(nq, sizeof *im->parent_val);
    im->insert_data = calloc(1 + f->nrepeats, sizeof *im->insert_data);
    im->find_entry = calloc(f->nrepeats + 1, sizeof *im->find_entry);
    im->load_row = calloc(1 + f->nrepeats, sizeof *im->load_row);
    im->update_data = calloc(1 + f->nrepeats, sizeof *im->update_data);
    im->conv = calloc(nq, sizeof *im->conv);
    im->tick_val = calloc(nq, sizeof *im->tick_val);
    im->ticks = calloc(nq, sizeof *im->ticks);
    im->tick_row = calloc(nq, 1);
    im->tick_any = calloc(nq, 1);
    im->bad = calloc(nq, 1);
    im->choices_ok = calloc(nq, 1);
    if (!im->is_relevant || !im->rel || !im->parent_val || !im->insert_data || !im->find_entry ||
        !im->conv || !im->tick_val || !im->ticks || !im->tick_row || !im->tick_any || !im->bad ||
        !im->load_row || !im->update_data || !im->choices_ok)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nq; i++)
        if (f->q[i].type == PN_Q_SELECT_MULTIPLE &&
            (im->ticks[i] = calloc(f->q[i].list->n ? f->q[i].list->n : 1, 1)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    im->map = im->opts->map ? im->opts->map : &im->own_map;
    im->links_repeat = pn_form_links_repeat(f);
    im->q_ident = f->side == PN_SIDE_NONE ? -1 : f->roles.ident;
    im->q_name = f->roles.name;
    im->q_commune = f->roles.commune;
    im->q_en_qpv = f->roles.qpv;
    im->q_code_qpv = f->roles.code_qpv;
    im->q_rep = f->roles.rep;
    im->q_partner = f->roles.partner;
    im->q_partner_name = f->roles.partner_name;
    if ((im->cells = pn_cells_new(f, im->map)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if ((st = index_levels(im, err)) != PN_OK)
        return st;
    if (sqlite3_exec(im->db,
                     "CREATE TEMP TABLE IF NOT EXISTS pn_versions(submission_id INTEGER PRIMARY"
                     " KEY, state INTEGER NOT NULL); DELETE FROM temp.pn_versions;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(im, err, "cannot prepare the import");
    if ((st = prepare(im, &im->find_sub,
                      "SELECT submission_id, submitted_at FROM submissions WHERE form_id=? AND"
                      " instance_key=?",
                      err)) ||
        (st = prepare(im, &im->find_parent,
                      "SELECT submission_id FROM submissions WHERE form_id=? AND instance_key=?",
                      err)) ||
        (st = prepare(im, &im->insert_sub,
                      "INSERT INTO submissions(form_id, instance_key, import_id, source_file,"
                      " source_line, structure_id, submitted, submitted_at)"
                      " VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                      err)) ||
        (st = prepare(im, &im->insert_reject,
                      "INSERT INTO rejects(import_id, form_id, level, instance_key, file, line,"
                      " raw, reasons) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                      err)) ||
        (st = prepare(im, &im->forget_reject,
                      "DELETE FROM rejects WHERE form_id=?1 AND (level=?2 OR level IS NULL) AND"
                      " instance_key=?3 AND raw=?4 AND import_id<>?5",
                      err)) ||
        (st = prepare(im, &im->resolve_reject,
                      "DELETE FROM rejects WHERE form_id=?1 AND (level=?2 OR level IS NULL) AND"
                      " instance_key=?3",
                      err)) ||
        (st = prepare(im, &im->find_reject,
                      "SELECT 1 FROM rejects WHERE form_id=? AND (level='' OR level IS NULL) AND"
                      " instance_key=?",
                      err)) ||
        (st = prepare(im, &im->upsert_structure,
                      "INSERT INTO structures(side, ident, name, commune, en_qpv, code_qpv, rep,"
                      " responded) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)"
                      " ON CONFLICT(side, ident) DO UPDATE SET name=?3, commune=?4, en_qpv=?5,"
                      " code_qpv=?6, rep=?7, responded=1 RETURNING structure_id",
                      err)) ||
        (st = prepare(im, &im->insert_partner,
                      "INSERT INTO structures(side, ident, name) VALUES(?, ?, ?)"
                      " ON CONFLICT(side, ident) DO NOTHING",
                      err)) ||
        (st = prepare(im, &im->update_sub,
                      "UPDATE submissions SET import_id=?2, source_file=?3, source_line=?4,"
                      " structure_id=?5, submitted=?6, submitted_at=?7 WHERE submission_id=?1",
                      err)) ||
        (st = prepare(im, &im->mark_version,
                      "INSERT OR REPLACE INTO temp.pn_versions(submission_id, state) VALUES(?, ?)",
                      err)) ||
        (st = prepare(im, &im->version_state,
                      "SELECT state FROM temp.pn_versions WHERE submission_id=?", err)) ||
        (st = prepare(im, &im->find_by_ident,
                      "SELECT s.instance_key FROM submissions s JOIN structures t"
                      " ON t.structure_id = s.structure_id WHERE s.form_id=?1 AND t.side=?2"
                      " AND t.ident=?3 ORDER BY s.submission_id DESC LIMIT 1",
                      err)))
        return st;
    for (int r = -1; r < (int)f->nrepeats; r++)
        if ((st = prepare_data(im, r, err)) != PN_OK)
            return st;
    sqlite3_stmt *q = NULL;
    if ((st = prepare(im, &q, "SELECT EXISTS(SELECT 1 FROM rejects WHERE form_id=?)", err)))
        return st;
    sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    im->has_rejects = rc == SQLITE_ROW && sqlite3_column_int(q, 0);
    if (rc != SQLITE_ROW)
        st = db_fail(im, err, "cannot look up the rejects");
    sqlite3_finalize(q);
    return st;
}

static void importer_release(importer *im)
{
    const pn_form *f = im->form;
    pipeline_stop(im);
    sqlite3_finalize(im->find_parent);
    sqlite3_finalize(im->find_sub);
    sqlite3_finalize(im->insert_sub);
    sqlite3_finalize(im->insert_reject);
    sqlite3_finalize(im->forget_reject);
    sqlite3_finalize(im->resolve_reject);
    sqlite3_finalize(im->find_reject);
    sqlite3_finalize(im->upsert_structure);
    sqlite3_finalize(im->insert_partner);
    sqlite3_finalize(im->load_parent);
    sqlite3_finalize(im->find_by_ident);
    sqlite3_finalize(im->update_sub);
    sqlite3_finalize(im->mark_version);
    sqlite3_finalize(im->version_state);
    for (size_t i = 0; i < 1 + f->nrepeats; i++) {
        if (im->load_row)
            sqlite3_finalize(im->load_row[i]);
        if (im->update_data)
            sqlite3_finalize(im->update_data[i]);
    }
    free(im->load_row);
    free(im->update_data);
    free(im->found_submitted);
    pn_cells_destroy(im->cells);
    for (size_t i = 0; i < f->nq; i++) {
        if (im->conv)
            pn_strbuf_release(&im->conv[i]);
        if (im->tick_val)
            pn_strbuf_release(&im->tick_val[i]);
        if (im->ticks)
            free(im->ticks[i]);
    }
    free(im->conv);
    free(im->tick_val);
    free(im->ticks);
    free(im->tick_row);
    free(im->tick_any);
    free(im->bad);
    free(im->choices_ok);
    pn_map_release(&im->own_map);
    ident_set_release(&im->partners);
    if (im->insert_data)
        for (size_t i = 0; i < 1 + f->nrepeats; i++)
            sqlite3_finalize(im->insert_data[i]);
    if (im->find_entry)
        for (size_t i = 0; i < f->nrepeats; i++)
            sqlite3_finalize(im->find_entry[i]);
    free(im->insert_data);
    free(im->find_entry);
    if (im->parent_val)
        for (size_t i = 0; i < f->nq; i++)
            free(im->parent_val[i]);
    free(im->parent_val);
    free(im->parent_key);
    pn_calc_release(&im->calc);
    free(im->is_relevant);
    free(im->rel);
    if (im->level_q)
        for (size_t l = 0; l < 1 + f->nrepeats; l++)
            free(im->level_q[l]);
    free(im->level_q);
    free(im->level_nq);
}

static void progress(void *ctx, unsigned long long done, unsigned long long total)
{
    file_reader *fr = ctx;
    if (fr->im->opts->progress)
        fr->im->opts->progress(fr->im->opts->progress_ctx, fr->stats->path, done, total);
}

static pn_status read_file(importer *im, pn_import_file *stats, int defer_repeats, int *deferred,
                           pn_error *err)
{
    file_reader fr = {.im = im,
                      .stats = stats,
                      .defer_repeats = defer_repeats,
                      .reasons = PN_STRBUF_INIT,
                      .raw = PN_STRBUF_INIT};
    pn_csv_opts copts = {.delim = im->opts->delim,
                         .encoding = im->opts->encoding,
                         .progress = progress,
                         .progress_ctx = &fr};
    pn_status st;
    stats->repeat = -1;
    st = pn_csv_read_path(stats->path, &copts, on_row, &fr, &fr.info, err);
    /* what runs after a file sees all its rows stored; a row that could not be stored came
     * before whatever stopped the reading, so its failure is the one to report */
    pn_error store_err = {0};
    pn_status store_st = pipeline_drain(im, &store_err);
    if (store_st != PN_OK) {
        st = store_st;
        *err = store_err;
        goto out;
    }
    if (st == PN_OK && fr.deferred) {
        st = PN_OK;
        *deferred = 1;
        stats->rows = 0;
        goto out;
    }
    if (fr.unmapped && st == PN_OK) {
        st = unmapped_error(&fr, fr.head, err);
        goto out;
    }
    if (st == PN_OK && fr.stats->rows == 0 && !fr.deferred)
        st = pn_error_set(err, PN_EINPUT, "%s: the file has a header but no answers", stats->path);
    if (st == PN_OK) {
        stats->dialect = fr.dialect;
        snprintf(stats->encoding, sizeof stats->encoding, "%s", fr.info.encoding);
        stats->delim = fr.info.delim;
    }
out:
    free(fr.cols);
    if (fr.head)
        for (size_t c = 0; c < fr.ncols; c++)
            free(fr.head[c]);
    free(fr.head);
    if (fr.samples)
        for (size_t c = 0; c < fr.ncols; c++)
            pn_strbuf_release(&fr.samples[c]);
    free(fr.samples);
    free(fr.nsamples);
    free(fr.has_ticks);
    free(fr.found_parent);
    pn_strbuf_release(&fr.submitted);
    pn_strbuf_release(&fr.reasons);
    pn_strbuf_release(&fr.raw);
    return st;
}

pn_status pn_import_files(pn_store *store, const pn_form *form, const char *source, size_t len,
                          const char *const *paths, size_t npaths, const pn_import_opts *opts,
                          pn_import_result *res, pn_error *err)
{
    static const pn_import_opts defaults = {0};
    importer im = {
        .store = store, .db = pn_store_db(store), .form = form, .opts = opts ? opts : &defaults};
    pn_strbuf files = PN_STRBUF_INIT;
    int *deferred = NULL;
    sqlite3_stmt *q = NULL;
    pn_status st;
    memset(res, 0, sizeof *res);
    res->files = calloc(npaths ? npaths : 1, sizeof *res->files);
    deferred = calloc(npaths ? npaths : 1, sizeof *deferred);
    if (res->files == NULL || deferred == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    res->nfiles = npaths;
    for (size_t i = 0; i < npaths; i++) {
        res->files[i].path = paths[i];
        if ((st = pn_strbuf_printf(&files, "%s%s", i ? "\n" : "", paths[i])) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((st = pn_store_begin(store, err)) != PN_OK)
        goto out;
    pn_form_state state;
    if ((st = pn_store_form_state(store, form->id, source, len, &state, err)) != PN_OK)
        goto out;
    /* a form that changed: the stored answers get its calculations before new ones come */
    if (state == PN_FORM_DIFFERS)
        st = pn_recalc_form(store, form, source, len, im.opts->today, &res->recalc, err);
    else
        st = pn_store_put_form(store, form, source, len, err);
    if (st != PN_OK)
        goto out;
    if ((st = prepare(&im, &q, "INSERT INTO imports(form_id, files) VALUES(?, ?)", err)))
        goto out;
    sqlite3_bind_text(q, 1, form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, pn_strbuf_str(&files), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = db_fail(&im, err, "cannot record the import");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    im.import_id = sqlite3_last_insert_rowid(im.db);
    res->import_id = im.import_id;
    if ((st = importer_init(&im, err)) != PN_OK || (st = pipeline_start(&im, err)) != PN_OK)
        goto out;
    /* main files first, then the repeat files whose entries refer to them */
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < npaths; i++) {
            if (round == 1 && !deferred[i])
                continue;
            if (round == 1) {
                int first = 1; /* the first file of this repeat */
                for (size_t k = 0; k < i; k++)
                    first &= !(deferred[k] && res->files[k].repeat == res->files[i].repeat);
                if (first && (st = drop_replaced_entries(&im, res->files[i].repeat, err)))
                    goto out;
            }
            pn_import_file *fs = &res->files[i];
            fs->rows = fs->stored = fs->duplicates = fs->rejected = fs->replaced = fs->older = 0;
            if ((st = read_file(&im, fs, round == 0, &deferred[i], err)) != PN_OK)
                goto out;
        }
    for (size_t i = 0; i < npaths; i++) {
        res->rows += res->files[i].rows;
        res->stored += res->files[i].stored;
        res->duplicates += res->files[i].duplicates;
        res->rejected += res->files[i].rejected;
        res->replaced += res->files[i].replaced;
        res->older += res->files[i].older;
    }
    res->unmapped_values = im.unmapped_values;
    if ((st = prepare(&im, &q,
                      "UPDATE imports SET rows_read=?, stored=?, duplicates=?, rejected=?"
                      " WHERE import_id=?",
                      err)))
        goto out;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)res->rows);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)res->stored);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)res->duplicates);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)res->rejected);
    sqlite3_bind_int64(q, 5, im.import_id);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = db_fail(&im, err, "cannot record the import");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    /* the partners this import named: their names by a rule that does not depend on order */
    if (im.partners.n && (st = pn_store_name_partners(store, form->side, err)) != PN_OK)
        goto out;
    importer_release(&im);
    memset(&im, 0, sizeof im);
    st = pn_store_commit(store, err);
out:
    sqlite3_finalize(q);
    if (im.form)
        importer_release(&im);
    if (st != PN_OK) {
        pn_store_rollback(store);
        pn_import_result_release(res);
    }
    free(deferred);
    pn_strbuf_release(&files);
    return st;
}

void pn_import_result_release(pn_import_result *res)
{
    free(res->files);
    pn_recalc_result_release(&res->recalc);
    memset(res, 0, sizeof *res);
}
