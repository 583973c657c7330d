/*
 * import_internal.h - what the parts of an import (import/import.h) share. Not a public
 * header. The parts, by concern:
 *   import.c    orchestration: the import's plan, the files in their order, the transaction
 *   header.c    header matching: columns to questions, the file's level, unmapped columns
 *   assemble.c  row assembly: cells to answers, keys, a repeat entry's submission, a row
 *   checks.c    row checks: types, choices, required, constraints, relevance, calculations
 *   pipeline.c  the reading/storing pipeline between the two threads
 *   storing.c   the storing side: a row to the store's writer (store/writer.h)
 *
 * Threads. The calling thread reads and checks rows (reader, file_reader); a second thread
 * stores them (storer). Each owns its struct: no field of a reader is touched by the storing
 * thread, no field of a storer by the reading one, except that without the storing thread
 * (pn_import_opts.one_thread, or when it cannot be started) the calling thread stores the
 * rows itself with the storer. What they share:
 *   - import_plan: set before the storing thread starts, read by both, written by neither;
 *   - the pipeline (pipeline.c): its queue, its failure; the header of pipeline.c says which
 *     thread moves what;
 *   - the store's connection and its writer (import_plan.writer): used by a thread only
 *     between import_db_enter and import_db_leave (the storing thread takes the same lock
 *     around each row it stores);
 *   - the counts of each file (pn_import_file): the reading thread counts rows, the storing
 *     thread what became of them (other fields), read once the pipeline is drained.
 */
#ifndef PN_IMPORT_IMPORT_INTERNAL_H
#define PN_IMPORT_IMPORT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "import/calc.h"
#include "import/import.h"
#include "import/mapping.h"
#include "store/writer.h"
#include "util/csv.h"
#include "util/strbuf.h"
#include "util/xlsx.h"

/* What both threads read: set before the storing thread starts, then never changed. */
typedef struct import_plan {
    pn_store *store;
    pn_store_writer *writer; /* between import_db_enter and import_db_leave only */
    const pn_form *form;
    const pn_import_opts *opts;
    /* questions that store a value, per level (1 + repeat), in the form's order */
    size_t **level_q;
    size_t *level_nq;
    int links_repeat; /* the repeat whose entries are links (partenaires), or -1 */
    /* the questions the storing side reads by name, or -1: the structure's identifier and
     * details, and the partner's identifier and name */
    int q_ident, q_name, q_commune, q_en_qpv, q_code_qpv, q_rep, q_partner, q_partner_name;
} import_plan;

/* A row read and checked, as the storing side takes it. */
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

/* A set of strings (storing.c): the partner structures already recorded by this import. */
typedef struct ident_set {
    char **slot; /* cap entries, NULL when free */
    size_t cap, n;
} ident_set;

/* The storing thread's state (storing.c). */
typedef struct storer {
    const import_plan *plan;
    long long found_id;    /* the stored submission or entry with the row's key, or 0 */
    char *found_submitted; /* its submission time */
    ident_set partners;    /* partner structures known to be in the store during this import */
} storer;

/* A slot of the pipeline: a row, and the copies of its strings it points to. */
typedef struct job {
    row r;
    pn_strbuf buf;
    size_t *off; /* per question: 1 + where its answer starts in buf, 0 for none */
    const char **val;
    unsigned char *rel;
    int *len;
} job;

enum { PIPELINE_JOBS = 128, PIPELINE_BATCH = 32, PIPELINE_BIG = 64 * 1024 };

/* The pipeline between the threads (pipeline.c says who moves what). */
typedef struct pipeline {
    const import_plan *plan;
    storer *sto; /* the storing side's state, for the storing thread */
    pthread_t thread;
    int running; /* the storing thread runs */
    int ready;   /* the mutexes and conditions are initialised */
    job jobs[PIPELINE_JOBS];
    /* the jobs' arrays, PIPELINE_JOBS times f->nq entries each */
    size_t *off;
    const char **val;
    unsigned char *rel;
    int *len;
    /* one thread hands jobs over (head), the other stores them (tail): each moves its own
     * counter and reads the other's, without a lock */
    _Atomic size_t head, tail;
    /* a thread with nothing to do sleeps on its condition, under lock; the other wakes it
     * only when there is enough to do (PIPELINE_BATCH jobs, half the slots free, the end),
     * since a wake-up per row would cost about as much as storing it */
    _Atomic int store_waits, read_waits;
    pthread_mutex_t lock; /* sleeping and waking, stop, status, err */
    pthread_cond_t more;  /* jobs were handed over, or stop */
    pthread_cond_t room;  /* jobs were stored */
    int stop;
    _Atomic int failed; /* the import failed: the rows after are skipped */
    pn_status status;   /* its failure, and the message */
    pn_error err;
    pthread_mutex_t db; /* the connection */
} pipeline;

/* The reading thread's state for the whole import (the calling thread). */
typedef struct reader {
    const import_plan *plan;
    pipeline *pl;
    /* relevance and calculations of the row being checked (calc.h) */
    pn_calc calc;
    /* values of the row being checked, one per question of the form: calc.val */
    const char **val;
    int *is_relevant;
    unsigned char *rel; /* is_relevant of the row's level, as the storing side takes it */
    /* the parent whose values are loaded, for repeat rows */
    long long parent_id;
    char *parent_key;
    char **parent_val; /* form->nq entries, top-level questions only */
    size_t parent_position;
    pn_store_version parent_state; /* what this import did with the current parent */
    /* turning cells into answers */
    pn_map *map; /* the mapping file, or an empty one; gathers what is unmapped */
    pn_map own_map;
    pn_cells *cells;
    pn_cells *own_cells;   /* cells when the options lend none */
    pn_strbuf *conv;       /* per question: the converted value of the current row */
    pn_strbuf *tick_val;   /* per question: a select_multiple gathered from tick boxes */
    unsigned char **ticks; /* per select_multiple: one flag per choice */
    unsigned char *tick_row, *tick_any;
    unsigned char *bad; /* per question: the cell was already reported for this row */
    /* per question: the answer is known to be made of the list's choices, as converting the
     * cell found them; the check need not look them up again */
    unsigned char *choices_ok;
    size_t unmapped_columns, unmapped_values;
} reader;

/* The reading thread's state for one file. */
typedef struct file_reader {
    reader *rd;
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

/* ---- checks.c ---- */

/* Append "column 'x': <message>" to fr->reasons. PN_ENOMEM (in @err) when they cannot grow:
 * the row would else be stored as valid without the fault that it has. */
PN_MUST_USE pn_status import_reason(file_reader *fr, pn_error *err, const char *col,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Check the row's answers at level @repeat (-1: top level), in rd->val, and compute its
 * calculations; reasons are appended to fr->reasons. */
PN_MUST_USE pn_status import_check_row(file_reader *fr, int repeat, pn_error *err);

/* ---- header.c ---- */

/* The header's @n cells @f: map columns to questions, find the file's level. */
PN_MUST_USE pn_status import_read_header(file_reader *fr, size_t n, char *const *f, pn_error *err);

/* A file with columns no rule maps: keep a few distinct values of each (PN_STOP: enough). */
PN_MUST_USE pn_status import_collect_samples(file_reader *fr, size_t n, char *const *f,
                                             pn_error *err);

/* The error for a header with unmapped columns; each is added to the mapping template. */
PN_MUST_USE pn_status import_unmapped_error(file_reader *fr, pn_error *err);

/* ---- assemble.c ---- */

/* The CSV reader's callback (pn_csv_record_fn) for a file of @ctx, a file_reader. */
PN_MUST_USE pn_status import_on_row(void *ctx, size_t line, size_t n, char *const *f,
                                    pn_error *err);

/* ---- fillable.c ---- */

/*
 * import_read_fillable - read back the fillable workbook @x (pn_fillable_write) for @fr, a
 * file_reader whose stats->fillable says which part: 1 its answers, as one submission keyed
 * by the form and the structure (a workbook filled again replaces the first by its date); 2
 * its partners, an entry per row with something in it, linked to that submission. The rows
 * go through import_on_row as a CSV file's would, headed by the questions' names.
 */
PN_MUST_USE pn_status import_read_fillable(file_reader *fr, pn_xlsx *x, pn_error *err);

/* ---- pipeline.c ---- */

/* Start the storing thread (unless opts->one_thread); without one, rows are stored as they
 * come. PN_ENOMEM when the slots cannot be allocated. */
PN_MUST_USE pn_status pipeline_start(pipeline *pl, pn_error *err);

/* Hand @src over to the storing side (or store it at once without the storing thread). */
PN_MUST_USE pn_status pipeline_push(pipeline *pl, const row *src, pn_error *err);

/* Wait until every row handed over is stored (or skipped after a failure). Returns the
 * import's first failure, if any, with its message in @err (when not NULL). */
PN_MUST_USE pn_status pipeline_drain(pipeline *pl, pn_error *err);

/* Record @st with the message in @err as the import's failure, unless one came first. */
void pipeline_fail(pipeline *pl, pn_status st, const pn_error *err);

/* Stop the storing thread, once it has stored what it was handed; free the slots. */
void pipeline_stop(pipeline *pl);

/* Let the calling thread use the connection and the writer (a no-op without the storing
 * thread), and let it go. */
void import_db_enter(pipeline *pl);
void import_db_leave(pipeline *pl);

/* After the store's status @st, from a writer call made between import_db_enter and
 * import_db_leave: a store error (the transaction may be gone) is the import's failure, so
 * that the storing side runs nothing more. Returns @st. */
pn_status import_db_status(pipeline *pl, pn_status st, const pn_error *err);

/* ---- storing.c ---- */

/* Store the row @r read and checked: a reject, a new submission or entry, a duplicate, or a
 * version of a stored one. By the storing thread (or the calling one without it), holding the
 * connection. */
PN_MUST_USE pn_status store_row(storer *sto, const row *r, pn_error *err);

/* Free what @sto holds. */
void storer_release(storer *sto);

#endif
