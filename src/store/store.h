/*
 * store.h - the project file: a SQLite database with a versioned schema.
 *
 * Fixed tables (schema version PN_STORE_VERSION):
 *   meta(key, value)                      schema_version, created_by
 *   forms(form_id, title, version, side, source, path)     each form's XLSForm text
 *   imports(import_id, form_id, files, rows_read, stored, duplicates, rejected)
 *   structures(structure_id, side, ident, name, commune, en_qpv, code_qpv, rep, responded)
 *   submissions(submission_id, form_id, instance_key, import_id, source_file, source_line,
 *               structure_id, submitted, submitted_at)   submitted: the date, submitted_at:
 *               the full time as the tool wrote it (v2), to tell the newer of two versions
 *   rejects(reject_id, import_id, form_id, level, instance_key, file, line, raw, reasons)
 *               every rejected row (v4: one per key before); level: '' for a submission,
 *               the repeat's name for an entry, NULL for a reject kept from before v4
 *   report_spec(spec_id, path, source)    the spec the last report was written from (v5):
 *               one row (spec_id 1), its path as given and its bytes as read
 *   registry(side, ident, name, kind, commune, commune_name, rep, email, address, latitude,
 *            longitude, source)   the structures to survey (v6), one per network and
 *               identifier (structures holds those the answers name)
 *   qpv(code_qp, lib_qp, insee_com, lib_com, source)   the QPV list (v6), one row per
 *               neighbourhood and commune
 *   sends(send_id, form_id, side, ident, kind, at, link)   each form sent ('envoi') and each
 *               reminder ('relance') to a structure (v6), when, with its personal link
 * and one view:
 *   links(form_id, submission_id, entry_id, reporter_side, centre_ident, school_ident, class)
 *         one row per reported link: an entry of a form's partner repeat (v3; a table
 *         before), made again from the stored forms whenever a form is recorded
 * Answers live in one table per form, created from the form model (wide: one TEXT column
 * per variable, so that a national import writes one row per submission or link rather
 * than one row per answer):
 *   "data_<form>"(submission_id PRIMARY KEY, <variable> ...)
 *   "data_<form>__<repeat>"(entry_id PRIMARY KEY, submission_id, position, entry_key,
 *                           <variable> ..., UNIQUE(submission_id, entry_key))   (v3: the key
 *                           was unique in the table, with an index by submission)
 * A new version of a form adds the columns it lacks (nothing is dropped).
 *
 * May call: util, form and SQLite, which no other room may include (docs/architecture.md,
 * enforced by the build).
 */
#ifndef PN_STORE_STORE_H
#define PN_STORE_STORE_H

#include "form/form.h"
#include "util/error.h"

#define PN_STORE_VERSION 6

typedef struct pn_store pn_store;

/*
 * pn_store_create - create a new project file at @path and its schema.
 * Fails with PN_EUSAGE when @path already exists (nothing is overwritten).
 */
pn_store *pn_store_create(const char *path, pn_error *err);

/*
 * pn_store_open - open an existing project file, migrating an older schema.
 * Fails with PN_EUSAGE when @path does not exist ("run 'panorama init' first"),
 * PN_ESTORE when it is not a panorama store or is newer than this program, and PN_EBUSY when
 * another panorama's import holds it locked for more than 5 s.
 */
pn_store *pn_store_open(const char *path, pn_error *err);

/* Close (pn_store_close(NULL) is a no-op). */
void pn_store_close(pn_store *s);

/* The SQLite connection, lent to the tests (no module outside src/store uses it; they include
 * <sqlite3.h> themselves). */
struct sqlite3 *pn_store_db(pn_store *s);

/*
 * Transactions: one per import. begin takes the write lock at once; when another connection
 * (another panorama importing) holds it for longer than 5 s, it fails with PN_EBUSY,
 * "... another panorama is writing to the project file 'FILE' ...": the store is not
 * damaged, nothing was changed. Once begun, the writer waits up to 10 minutes for readers
 * (pn_store_begin_read: a report, a tab) to finish before it writes to the file, so that a
 * report never throws an import away; commit fails with PN_EBUSY if a reader is longer.
 * Inside a transaction the connection's owner opened itself (a test that undoes its imports),
 * begin opens a savepoint of it instead, which commit releases and rollback undoes.
 */
PN_MUST_USE pn_status pn_store_begin(pn_store *s, pn_error *err);
PN_MUST_USE pn_status pn_store_commit(pn_store *s, pn_error *err);
/* Never fails for the caller: rolls back if a transaction is open. */
void pn_store_rollback(pn_store *s);

/*
 * pn_store_begin_read - start a read transaction: until pn_store_end_read, every read on @s
 * sees the store as it was when this was called (one snapshot). A report or a `tab` reads
 * inside one, so that its figures all come from one state of the store. Meanwhile another
 * connection's import goes on, and waits for the read to end before it commits (it is not
 * lost). Not for a connection that has a write transaction open (pn_store_begin).
 * Returns PN_OK; PN_EBUSY when an import of another panorama is writing to the file (after
 * waiting 5 s: "another panorama is writing to the project file 'FILE' ..."), PN_ESTORE.
 */
PN_MUST_USE pn_status pn_store_begin_read(pn_store *s, pn_error *err);

/* End the read transaction of pn_store_begin_read; no-op when none is open (or @s is NULL). */
void pn_store_end_read(pn_store *s);

/*
 * pn_store_twin - a second, read-only connection to @s's project file that sees the snapshot
 * of @s's read transaction (pn_store_begin_read), so that another thread can scan a part of
 * the store while @s scans the rest. Close it (pn_store_close) before ending @s's read.
 * NULL with PN_EUSAGE when @s has no read transaction open; PN_EBUSY when the snapshot
 * cannot be shared (an import is about to commit, or the file uses write-ahead logging);
 * PN_ESTORE, PN_ENOMEM. The caller then reads on @s alone: nothing is wrong with the store.
 */
pn_store *pn_store_twin(pn_store *s, pn_error *err);

/*
 * pn_store_put_form - record @form (its source text @source, @len bytes) and create or
 * extend its data tables. A form already stored with the same text is left as it is, its
 * tables and the links view too.
 */
PN_MUST_USE pn_status pn_store_put_form(pn_store *s, const pn_form *form, const char *source,
                                        size_t len, pn_error *err);

/*
 * pn_store_get_form - load the form @form_id from the store. If @source is not NULL, it
 * receives a copy of the form's XLSForm text (the caller frees it) and @len its length.
 * Returns NULL with PN_EUSAGE when there is no such form, or another error.
 */
pn_form *pn_store_get_form(pn_store *s, const char *form_id, char **source, size_t *len,
                           pn_error *err);

/*
 * pn_store_name_partners - name each structure that has not answered itself (responded = 0)
 * and that the structures of side @reporter name as a partner: by the name its partners give
 * it most often over every stored link, and among names given as often, the first in byte
 * order. The result does not depend on the order in which the answers came (ODK Central
 * exports newest first, others oldest first). A structure that answered keeps its own name.
 * PN_SIDE_NONE does nothing. Returns PN_OK or PN_ESTORE.
 */
PN_MUST_USE pn_status pn_store_name_partners(pn_store *s, pn_form_side reporter, pn_error *err);

/* How a form's text compares with the one stored under its id. */
typedef enum pn_form_state {
    PN_FORM_ABSENT,  /* no form of that id is stored */
    PN_FORM_SAME,    /* the stored text is the same, byte for byte */
    PN_FORM_DIFFERS, /* a form of that id is stored with another text */
} pn_form_state;

/*
 * pn_store_form_state - compare @len bytes of @source with the text of the stored form
 * @form_id, into *@state. Reads only; PN_ESTORE when the store cannot be read.
 */
PN_MUST_USE pn_status pn_store_form_state(pn_store *s, const char *form_id, const char *source,
                                          size_t len, pn_form_state *state, pn_error *err);

/* The ids of the stored forms, in order; the caller frees each and the array. */
PN_MUST_USE pn_status pn_store_form_ids(pn_store *s, char ***ids, size_t *n, pn_error *err);

/* The table name holding @form's answers at @repeat (-1: top level), into @buf. */
void pn_store_table_name(const pn_form *form, int repeat, char *buf, size_t size);

/*
 * pn_store_put_report_spec - keep @source (@len bytes, the report spec read from @path) as
 * the spec of the last report, in place of the one kept before.
 */
PN_MUST_USE pn_status pn_store_put_report_spec(pn_store *s, const char *path, const char *source,
                                               size_t len, pn_error *err);

/*
 * pn_store_get_report_spec - the spec kept by the last report: *@path its path as given then,
 * *@source its bytes (NUL-terminated, *@len without the NUL); the caller frees both. Both are
 * NULL (and PN_OK is returned) when no report was written yet.
 */
PN_MUST_USE pn_status pn_store_get_report_spec(pn_store *s, char **path, char **source, size_t *len,
                                               pn_error *err);

/* ---- named queries: what the commands and the report read, so that no SQL is written
 * outside this module ---- */

/*
 * A scan of a form's units, for counting: its submissions (@level -1), or the entries of its
 * repeat @level, each seen with its submission's answers. pn_store_scan_open reads the @n
 * questions @cols (each of @f, at the top level or at @level; a NULL entry is a column that
 * reads NULL); the caller owns the scan and closes it with pn_store_scan_close (NULL: no-op).
 * pn_store_scan_next sets *@more to 1 and @values[0..n-1] to the unit's answers (NULL: not
 * applicable, "" unanswered; valid until the next call), or *@more to 0 at the end.
 * Both return PN_OK, PN_ESTORE or PN_ENOMEM.
 */
typedef struct pn_store_scan pn_store_scan;
pn_store_scan *pn_store_scan_open(pn_store *s, const pn_form *f, int level,
                                  const pn_question *const *cols, size_t n, pn_error *err);
/* The part @part (0 .. @nparts - 1) of the same scan: the units are cut by their ids into
 * @nparts runs of about as many ids, and the parts read in turn give the units of the whole
 * scan, in its order. On a twin (pn_store_twin), a part is read beside the others. */
pn_store_scan *pn_store_scan_open_part(pn_store *s, const pn_form *f, int level,
                                       const pn_question *const *cols, size_t n, size_t part,
                                       size_t nparts, pn_error *err);
pn_status pn_store_scan_next(pn_store_scan *sc, const char **values, int *more, pn_error *err);
void pn_store_scan_close(pn_store_scan *sc);

/*
 * pn_store_each_pair - the pairs of structures that both report their link (a dyad): a centre
 * whose form @cf names a school among its partners, and that school's form @sf naming the
 * centre, each once. For each pair, in the order of the centres and then the schools as their
 * links are first read, @fn gets both sides'
 * answers to the @n questions: @cq[i] of @cf and @sq[i] of @sf (each at its form's top level
 * or in its links repeat; NULL, or a question elsewhere, reads NULL), as the scans give them
 * (NULL: not applicable, "" unanswered; lent until @fn returns). A link whose identifier is
 * empty on either side makes no pair. A pair a side reports more than once is not handed:
 * *@multiple counts them. The schools' links are read on @twin (pn_store_twin) in a second
 * thread beside the centres' when @twin is not NULL, else after them on @s. PN_OK, PN_ESTORE,
 * PN_ENOMEM, PN_EINTERNAL (@cf is not a centres' form or @sf a schools', or one has no
 * links), or @fn's own status, which stops the reading.
 */
typedef pn_status (*pn_pair_fn)(void *ctx, const char *const *centre, const char *const *school,
                                pn_error *err);
PN_MUST_USE pn_status pn_store_each_pair(pn_store *s, pn_store *twin, const pn_form *cf,
                                         const pn_question *const *cq, const pn_form *sf,
                                         const pn_question *const *sq, size_t n, pn_pair_fn fn,
                                         void *ctx, size_t *multiple, pn_error *err);

/* The number of scans opened on @s since it was opened: what a pass over the store cost,
 * for the tests that check that a report reads each level of each form once. */
size_t pn_store_scans(const pn_store *s);

/*
 * The stored rows of a form at one level, to compute again what the form calculates: each
 * submission (@level -1), or each entry of the repeat @level with its submission's answers.
 * pn_store_rows_next sets *@more to 1 and fills @row: its id (the submission's, or the
 * entry's), where it came from, and row->val[i] for each question i of @f at the level or at
 * the top level (NULL: not applicable, or a question of another level); valid until the next
 * call. The caller owns the cursor and closes it with pn_store_rows_close (NULL: no-op).
 */
typedef struct pn_store_row {
    long long id;
    const char *key;  /* the submission's key */
    const char *file; /* a submission's file, NULL for an entry */
    long long line;   /* a submission's line in that file, an entry's position */
    const char **val; /* f->nq entries, lent */
} pn_store_row;
typedef struct pn_store_rows pn_store_rows;
pn_store_rows *pn_store_rows_open(pn_store *s, const pn_form *f, int level, pn_error *err);
pn_status pn_store_rows_next(pn_store_rows *r, pn_store_row *row, int *more, pn_error *err);
void pn_store_rows_close(pn_store_rows *r);

/*
 * An updater of @n questions @qs (indexes into f->q, all at @level) of a form's stored rows:
 * pn_store_updater_set sets them to @vals (NULL: not applicable) in the row @id (a
 * submission's for @level -1, else an entry's). The caller owns it and closes it with
 * pn_store_updater_close (NULL: no-op). PN_OK, PN_ESTORE or PN_ENOMEM.
 */
typedef struct pn_store_updater pn_store_updater;
pn_store_updater *pn_store_updater_open(pn_store *s, const pn_form *f, int level, const size_t *qs,
                                        size_t n, pn_error *err);
pn_status pn_store_updater_set(pn_store_updater *u, long long id, const char *const *vals,
                               pn_error *err);
void pn_store_updater_close(pn_store_updater *u);

/* The survey's key counts (pn_store_counts), in this order. */
typedef enum pn_store_count {
    PN_COUNT_CENTRES,  /* centres sociaux that answered */
    PN_COUNT_SCHOOLS,  /* schools that answered */
    PN_COUNT_COMMUNES, /* distinct communes of the structures that answered */
    PN_COUNT_LINKS,    /* reported links (a pair reported by both sides counts twice) */
    PN_COUNT_PAIRS,    /* distinct centre-school pairs the links join */
    PN_COUNT_DYADS,    /* pairs reported by both sides */
    PN_COUNT_REJECTS,  /* rejected rows */
    PN_NCOUNTS
} pn_store_count;

/* pn_store_counts - fill @counts with the PN_NCOUNTS key counts. PN_ESTORE when a count
 * cannot be read. */
pn_status pn_store_counts(pn_store *s, double counts[PN_NCOUNTS], pn_error *err);

/* pn_store_data_date - the date of the newest stored answer ("YYYY-MM-DD", as submitted) into
 * @buf, "" when no answer has one. PN_ESTORE when it cannot be read. */
pn_status pn_store_data_date(pn_store *s, char *buf, size_t size, pn_error *err);
/* pn_store_first_date - the same for the oldest stored answer: with the newest, the fieldwork
 * period. */
pn_status pn_store_first_date(pn_store *s, char *buf, size_t size, pn_error *err);

/* ---- the registry of structures (registry.c) ---- */

/* A structure of the registry: every field a string ("" when unknown) but the coordinates
 * (NaN when unknown). Lent for the call that takes or gives it. */
typedef struct pn_registry_entry {
    const char *side;  /* "centre" or "ecole" */
    const char *ident; /* its SIRET or UAI */
    const char *name, *kind, *commune, *commune_name, *rep, *email, *address;
    double latitude, longitude;
} pn_registry_entry;

/* What pn_store_registry_put did: the entry was new, the same, or changed (the fields that
 * changed, PN_REG_* bits). */
enum {
    PN_REG_NAME = 1 << 0,
    PN_REG_KIND = 1 << 1,
    PN_REG_COMMUNE = 1 << 2,
    PN_REG_REP = 1 << 3,
    PN_REG_EMAIL = 1 << 4,
    PN_REG_ADDRESS = 1 << 5,
    PN_REG_PLACE = 1 << 6,
    PN_REG_NEW = 1 << 7
};

/* pn_store_registry_put - add or update @e (source: the file it comes from), inside the
 * caller's write transaction; *@changed: 0 when it was there alike, PN_REG_NEW when new,
 * else the PN_REG_* bits of what changed. An empty field of @e leaves the stored one (a list
 * without e-mails does not erase them). PN_OK, PN_ESTORE. */
PN_MUST_USE pn_status pn_store_registry_put(pn_store *s, const pn_registry_entry *e,
                                            const char *source, unsigned *changed, pn_error *err);

/* pn_store_registry_place - the coordinates of the structure @side/@ident of the registry, in
 * the caller's write transaction; *@changed: -1 when the registry has no such structure (left
 * alone), 0 when it had these coordinates, 1 when they were set. PN_OK, PN_ESTORE. */
PN_MUST_USE pn_status pn_store_registry_place(pn_store *s, const char *side, const char *ident,
                                              double latitude, double longitude, const char *source,
                                              int *changed, pn_error *err);

/* pn_store_registry_set_commune - the INSEE code @commune of the structure @side/@ident of the
 * registry whose commune is known by its name only, in the caller's write transaction (a
 * code it has is left). PN_OK, PN_ESTORE. */
PN_MUST_USE pn_status pn_store_registry_set_commune(pn_store *s, const char *side,
                                                    const char *ident, const char *commune,
                                                    pn_error *err);

/* pn_store_qpv_put - add one QPV of one commune; *@changed 1 when new or changed. */
PN_MUST_USE pn_status pn_store_qpv_put(pn_store *s, const char *code, const char *name,
                                       const char *commune, const char *commune_name,
                                       const char *source, int *changed, pn_error *err);

/* A structure of the registry and what the answers say of it, as pn_store_each_structure
 * lends it. */
typedef struct pn_structure_row {
    pn_registry_entry e;
    int listed;           /* in the registry; 0: only named by an answer (a partner, or a
                             respondent the registry lacks) */
    int responded;        /* an answer of its own is stored */
    const char *answered; /* the date of its last answer, "" when none */
    int sent;             /* times a form was sent to it (sends 'envoi') */
    int reminders;        /* reminders sent (sends 'relance') */
    const char *link;     /* its last personal link, "" when none */
    const char *form;     /* the form last sent to it, "" when none */
} pn_structure_row;

typedef pn_status (*pn_structure_fn)(void *ctx, const pn_structure_row *r, pn_error *err);

/* pn_store_each_structure - call @fn on each structure of the registry, by network, commune
 * and name, then on each structure the answers name that the registry lacks. PN_OK,
 * PN_ESTORE, or what @fn returned. */
pn_status pn_store_each_structure(pn_store *s, pn_structure_fn fn, void *ctx, pn_error *err);

/* The registry's size and answers by network (0: centres, 1: schools): its structures, those
 * that answered, and the files they come from ("annuaire.csv, annuaire-2026.csv", into
 * @sources[k], @size bytes each). PN_OK, PN_ESTORE. */
PN_MUST_USE pn_status pn_store_registry_summary(pn_store *s, double listed[2], double answered[2],
                                                char sources[2][256], pn_error *err);

/* pn_store_send_put - record that the form @form_id was sent (@kind "envoi") or recalled
 * ("relance") to the structure @side/@ident at @at ("YYYY-MM-DDTHH:MM:SS"), with its personal
 * @link (NULL: none); in the caller's transaction. PN_OK, PN_ESTORE. */
PN_MUST_USE pn_status pn_store_send_put(pn_store *s, const char *form_id, const char *side,
                                        const char *ident, const char *kind, const char *at,
                                        const char *link, pn_error *err);

/* A rejected row, as pn_store_each_reject lends it (valid during the call). */
typedef struct pn_reject {
    const char *form_id, *file;
    long long line;
    const char *key, *reasons, *raw;
} pn_reject;

/* Called once per reject; a status other than PN_OK stops the walk and is returned. */
typedef pn_status (*pn_reject_fn)(void *ctx, const pn_reject *r, pn_error *err);

/* pn_store_each_reject - call @fn on every rejected row, by file then line. Returns PN_OK,
 * PN_ESTORE, or what @fn returned. */
pn_status pn_store_each_reject(pn_store *s, pn_reject_fn fn, void *ctx, pn_error *err);

/* Fill @err from the connection's last error, prefixed by @what. Returns PN_ESTORE, or
 * PN_EBUSY when the error is SQLite's "database is locked": "WHAT: another panorama is
 * writing to the project file 'FILE'; run this again when it has finished". */
pn_status pn_store_error(pn_store *s, pn_error *err, const char *what);

#endif
