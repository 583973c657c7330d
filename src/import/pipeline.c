/*
 * pipeline.c - the pipeline between the import's two threads (import_internal.h).
 *
 * Reading a row (CSV, cells, checks, calculations) and storing it (SQLite) take about the same
 * time in a large import, and a machine has two cores or more: the caller's thread reads and
 * hands each row over to a thread that stores it, so that the import takes about as long as
 * the longer of the two rather than their sum. Rows are stored one at a time, in the order
 * they were read, with the statements and in the transaction of a plain import. The reading
 * thread waits for the storing one to catch up (pipeline_drain) at the end of each file, so
 * that what runs between files sees every row before it, and before a read whose answer a row
 * still in the pipeline could change. When the thread cannot be started, rows are stored as
 * they come, by the calling thread.
 *
 * Who touches what:
 *   - the reading thread (the caller's): its reader and file_reader; the job at head, until it
 *     moves head past it (pipeline_push); head; read_waits; the storing thread's start and
 *     stop (running, ready, thread, stop under lock);
 *   - the storing thread (store_thread): its storer; the job at tail, until it moves tail past
 *     it; tail; store_waits;
 *   - both: each reads the other's counter and flag (atomics); the import's failure (failed,
 *     and status and err under lock: pipeline_fail, pipeline_drain); and the connection with
 *     the store's writer, under the mutex db: the storing thread takes it around each row, the
 *     reading one around its few reads (a repeat entry's submission, a reject, a structure);
 *   - neither writes the plan (import_plan) once the thread has started.
 */
#include "import/import_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
void import_db_enter(pipeline *pl)
{
    if (pl->running)
        lock_soon(&pl->db);
}

void import_db_leave(pipeline *pl)
{
    if (pl->running)
        pthread_mutex_unlock(&pl->db);
}

static void *store_thread(void *arg)
{
    pipeline *pl = arg;
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
            else if ((st = pn_store_writer_live(pl->plan->writer, &err)) == PN_OK)
                st = store_row(pl->sto, &pl->jobs[t % PIPELINE_JOBS].r, &err);
            if (st != PN_OK)
                pipeline_fail(pl, st, &err);
            pthread_mutex_unlock(&pl->db);
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

/* The slots the reading side fills and the storing thread empties. */
static pn_status alloc_slots(pipeline *pl, pn_error *err)
{
    const pn_form *f = pl->plan->form;
    size_t nq = f->nq ? f->nq : 1;
    /* the slots' arrays in one block each: an import's fixed cost is not 512 allocations */
    pl->off = calloc(PIPELINE_JOBS * nq, sizeof *pl->off);
    pl->val = calloc(PIPELINE_JOBS * nq, sizeof *pl->val);
    pl->rel = calloc(PIPELINE_JOBS * nq, 1);
    pl->len = calloc(PIPELINE_JOBS * nq, sizeof *pl->len);
    if (pl->off == NULL || pl->val == NULL || pl->rel == NULL || pl->len == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t k = 0; k < PIPELINE_JOBS; k++) {
        job *j = &pl->jobs[k];
        j->off = pl->off + k * nq;
        j->val = pl->val + k * nq;
        j->rel = pl->rel + k * nq;
        j->len = pl->len + k * nq;
        j->buf = (pn_strbuf)PN_STRBUF_INIT;
    }
    return PN_OK;
}

/* Start the storing thread; without one, rows are stored as they come. */
pn_status pipeline_start(pipeline *pl, pn_error *err)
{
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
    if (pl->plan->opts->one_thread)
        return PN_OK; /* the rows go straight to the storing side: no slot is filled */
    pn_status st = alloc_slots(pl, err);
    if (st != PN_OK)
        return st;
    pl->running = pthread_create(&pl->thread, NULL, store_thread, pl) == 0;
    return PN_OK;
}

/* Record @st with the message in @err as the import's failure, unless one came first: the
 * first is the cause, what fails after it only follows from it. The rows still in the
 * pipeline are then skipped, and the reading side stops at its next row. */
void pipeline_fail(pipeline *pl, pn_status st, const pn_error *err)
{
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
pn_status pipeline_drain(pipeline *pl, pn_error *err)
{
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
void pipeline_stop(pipeline *pl)
{
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
        pl->jobs[k].len = NULL;
        pl->jobs[k].off = NULL;
        pl->jobs[k].val = NULL;
        pl->jobs[k].rel = NULL;
    }
    free(pl->off);
    free(pl->val);
    free(pl->rel);
    free(pl->len);
    pl->off = NULL;
    pl->val = NULL;
    pl->rel = NULL;
    pl->len = NULL;
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
static pn_status job_fill(const import_plan *plan, job *j, const row *src)
{
    pn_strbuf *b = &j->buf;
    const int named[] = {plan->q_ident,    plan->q_name, plan->q_commune, plan->q_en_qpv,
                         plan->q_code_qpv, plan->q_rep,  plan->q_partner, plan->q_partner_name};
    size_t nlevel = src->reject ? 0 : plan->level_nq[1 + src->repeat];
    const size_t *level = plan->level_q[1 + src->repeat];
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
pn_status pipeline_push(pipeline *pl, const row *src, pn_error *err)
{
    if (!pl->running)
        return store_row(pl->sto, src, err);
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
        return pipeline_drain(pl, err);
    /* the slot at head is this thread's until head moves past it */
    job *j = &pl->jobs[h % PIPELINE_JOBS];
    if (j->buf.cap > PIPELINE_BIG)
        pn_strbuf_release(&j->buf); /* memory stays bounded: see below */
    if (job_fill(pl->plan, j, src) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    atomic_store(&pl->head, h + 1);
    /* a row of huge cells is stored before the next is read, so that the pipeline holds at
     * most one such row, whatever the file */
    if (j->buf.len > PIPELINE_BIG)
        return pipeline_drain(pl, err);
    if (atomic_load(&pl->store_waits) && h + 1 - atomic_load(&pl->tail) >= PIPELINE_BATCH) {
        pthread_mutex_lock(&pl->lock);
        pthread_cond_signal(&pl->more);
        pthread_mutex_unlock(&pl->lock);
    }
    return PN_OK;
}

pn_status import_db_status(pipeline *pl, pn_status st, const pn_error *err)
{
    /* SQLite may have rolled the whole transaction back (a full disk, an I/O error), so
     * nothing may be run after it: the pipeline keeps this failure as the one to report, and
     * both sides stop */
    if (st == PN_ESTORE || st == PN_EBUSY)
        pipeline_fail(pl, st, err);
    return st;
}
