/*
 * writer.h - the store's writer for an import (import/import.h): the import's record, its
 * submissions and repeat entries with their answers, keys met again (duplicates and versions),
 * rejects and their resolution, the structures that answer and the partners they name.
 *
 * A writer is opened for one form inside the import's transaction (pn_store_begin), after the
 * form is recorded (pn_store_put_form), and closed before the transaction ends. Its statements
 * are prepared once per store connection and kept in the store (reset and reused by the next
 * writer on that connection, finalized by pn_store_close): an import's fixed cost is a few
 * lookups, not the compilation of some twenty statements.
 *
 * Answers: a row's answers are handed over as a pn_store_answers, one entry per question of
 * the writer's form (indexes into f->q); the writer reads those of the row's level that store a
 * value, in the form's order (the columns of "data_<form>" or "data_<form>__<repeat>").
 *
 * Levels: @repeat is -1 for a submission, else the index of the repeat in the form.
 *
 * Threads: a writer may be used by several threads, one at a time (the import hands it
 * between its reading and storing threads under a lock of its own): no two of its functions
 * may run at once, and nothing else may use the store meanwhile.
 *
 * Errors: every function returning a pn_status returns PN_OK, PN_ENOMEM, or PN_ESTORE or
 * PN_EBUSY from the connection (pn_store_error, "WHAT: SQLite's message") with @err filled.
 * After a store error the transaction may have been rolled back by SQLite itself (a full disk,
 * an I/O error): the caller must run nothing more on the writer but close it and roll back.
 *
 * May call: util, form, SQLite (the store's connection, store_internal.h).
 */
#ifndef PN_STORE_WRITER_H
#define PN_STORE_WRITER_H

#include <stddef.h>

#include "form/form.h"
#include "store/store.h"
#include "util/error.h"

typedef struct pn_store_writer pn_store_writer;

/* A row's answers, lent for the call: per question of the writer's form. */
typedef struct pn_store_answers {
    const char *const *val;   /* the answer as checked; NULL: applicable but unanswered ("") */
    const unsigned char *rel; /* 0: the question does not apply (stored as NULL) */
    const int *len;           /* the length of each val, or NULL when not known */
} pn_store_answers;

/* What happened to a stored submission met again in this import (pn_store_writer_mark). */
typedef enum pn_store_version {
    PN_VERSION_NONE = 0,     /* not met again, or met with the same answers */
    PN_VERSION_REPLACED = 1, /* replaced by a newer version: its entries are to be replaced */
    PN_VERSION_KEPT = 2,     /* kept: the version read was older; its entries are left aside */
} pn_store_version;

/* The structure that answers a form (of a side), as its submission names it; "" for none. */
typedef struct pn_store_structure {
    const char *ident, *name, *commune, *en_qpv, *code_qpv, *rep;
} pn_store_structure;

/* Where a submission comes from, as pn_store_writer_put_submission records it. */
typedef struct pn_store_submission {
    const char *key;  /* the instance key */
    const char *file; /* the file it was read from, and its line */
    size_t line;
    long long structure_id; /* from pn_store_writer_structure, 0 for none */
    const char *submitted;  /* its time as ISO 8601 (the date is its first 10 bytes), or NULL */
} pn_store_submission;

/*
 * pn_store_writer_open - record an import of @f (its paths @files, one per line) in the table
 * imports, and open a writer for its rows. @s must be in a transaction (pn_store_begin) and @f
 * recorded. The caller owns the writer and closes it with pn_store_writer_close; @f stays
 * alive meanwhile. Returns NULL with @err set on failure.
 */
pn_store_writer *pn_store_writer_open(pn_store *s, const pn_form *f, const char *files,
                                      pn_error *err);

/* The id of the import the writer recorded. */
long long pn_store_writer_import_id(const pn_store_writer *w);

/*
 * pn_store_writer_live - PN_OK while the import's transaction is open; else the store's
 * error "the import's transaction was rolled back: ..." (SQLite rolled it back after an
 * error), after which nothing may be written: it would be committed on its own.
 */
PN_MUST_USE pn_status pn_store_writer_live(pn_store_writer *w, pn_error *err);

/* pn_store_writer_finish - record the import's counts in its row of imports. */
PN_MUST_USE pn_status pn_store_writer_finish(pn_store_writer *w, size_t rows, size_t stored,
                                             size_t duplicates, size_t rejected, pn_error *err);

/* Close the writer (the transaction stays as it is); pn_store_writer_close(NULL) is a no-op. */
void pn_store_writer_close(pn_store_writer *w);

/* ---- rejects ---- */

/*
 * pn_store_writer_reject - record a rejected row of level @repeat: its @key, @file and @line,
 * its @raw text and its @reasons. Every rejected row is kept, whatever its key: only the same
 * row (same form, level, key and raw text) recorded by an earlier import is replaced by this
 * record, so that importing a file again does not list its rejects twice.
 */
PN_MUST_USE pn_status pn_store_writer_reject(pn_store_writer *w, int repeat, const char *key,
                                             const char *file, size_t line, const char *raw,
                                             const char *reasons, pn_error *err);

/*
 * pn_store_writer_resolve - a row of level @repeat stored under @key resolves the rejects of
 * the writer's form with that key at that level (and those kept from before levels were
 * recorded). Nothing is read when the form has no rejects.
 */
PN_MUST_USE pn_status pn_store_writer_resolve(pn_store_writer *w, int repeat, const char *key,
                                              pn_error *err);

/* pn_store_writer_rejected - *@rejected: whether a submission keyed @key was rejected. */
PN_MUST_USE pn_status pn_store_writer_rejected(pn_store_writer *w, const char *key, int *rejected,
                                               pn_error *err);

/* ---- keys met again, versions ---- */

/*
 * pn_store_writer_find - the stored submission (@repeat -1) keyed @key, or the entry of
 * @repeat keyed @key in the submission @parent_id: *@id (0 when none) and, for a submission
 * that has one, *@submitted_at its full time (a copy the caller frees; else NULL).
 */
PN_MUST_USE pn_status pn_store_writer_find(pn_store_writer *w, int repeat, long long parent_id,
                                           const char *key, long long *id, char **submitted_at,
                                           pn_error *err);

/* pn_store_writer_same - *@same: whether the stored answers of the submission or entry @id of
 * level @repeat are @a (a question that does not apply is NULL in the store, "" unanswered). */
PN_MUST_USE pn_status pn_store_writer_same(pn_store_writer *w, int repeat, long long id,
                                           const pn_store_answers *a, int *same, pn_error *err);

/* pn_store_writer_mark - record what this import did with the stored submission @id. */
PN_MUST_USE pn_status pn_store_writer_mark(pn_store_writer *w, long long id, pn_store_version v,
                                           pn_error *err);

/*
 * pn_store_writer_parent - the stored submission keyed @key, for the entries of a repeat
 * file: *@id (0 when none, and nothing else is set); *@v what this import did with it; and
 * @vals[i] a copy of its answer to each top-level question i that stores one (NULL where the
 * store has NULL). @vals has f->nq entries, NULL on entry; the caller frees each.
 */
PN_MUST_USE pn_status pn_store_writer_parent(pn_store_writer *w, const char *key, long long *id,
                                             pn_store_version *v, char **vals, pn_error *err);

/* pn_store_writer_by_ident - the key of the latest stored submission of the writer's form
 * whose structure has the identifier @ident (a repeat file of a tool without repeat groups):
 * *@key a copy the caller frees, NULL when there is none. */
PN_MUST_USE pn_status pn_store_writer_by_ident(pn_store_writer *w, const char *ident, char **key,
                                               pn_error *err);

/* pn_store_writer_drop_replaced - delete the entries of @repeat of the submissions this import
 * replaced (PN_VERSION_REPLACED): the repeat files of the import bring their new ones. */
PN_MUST_USE pn_status pn_store_writer_drop_replaced(pn_store_writer *w, int repeat, pn_error *err);

/* ---- structures ---- */

/* pn_store_writer_structure - record or update the structure @st of the form's side, which
 * answered (responded = 1): *@id its structure_id; 0 for a form without a side. */
PN_MUST_USE pn_status pn_store_writer_structure(pn_store_writer *w, const pn_store_structure *st,
                                                long long *id, pn_error *err);

/* pn_store_writer_partner - record the partner structure @ident (of the side opposite the
 * form's), named @name, unless it is recorded already. */
PN_MUST_USE pn_status pn_store_writer_partner(pn_store_writer *w, const char *ident,
                                              const char *name, pn_error *err);

/* ---- submissions and entries ---- */

/*
 * pn_store_writer_put_submission - store a new submission (@id 0), or replace the stored
 * submission @id by a newer version: where it comes from, @sub, and its answers @a. *@out_id
 * is the submission's id.
 */
PN_MUST_USE pn_status pn_store_writer_put_submission(pn_store_writer *w, long long id,
                                                     const pn_store_submission *sub,
                                                     const pn_store_answers *a, long long *out_id,
                                                     pn_error *err);

/*
 * pn_store_writer_insert_entry - store a new entry of @repeat in the submission
 * @submission_id, at @position, keyed @key, with its answers @a: most entries are new, so the
 * key is not looked up first. *@entry_id is the new entry, or 0 when the submission has an
 * entry with that key already (nothing was written: look it up with pn_store_writer_find).
 */
PN_MUST_USE pn_status pn_store_writer_insert_entry(pn_store_writer *w, int repeat,
                                                   long long submission_id, size_t position,
                                                   const char *key, const pn_store_answers *a,
                                                   long long *entry_id, pn_error *err);

/* pn_store_writer_update_entry - replace the answers of the stored entry @entry_id of @repeat
 * by @a. */
PN_MUST_USE pn_status pn_store_writer_update_entry(pn_store_writer *w, int repeat,
                                                   long long entry_id, const pn_store_answers *a,
                                                   pn_error *err);

#endif
