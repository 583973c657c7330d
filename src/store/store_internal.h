/*
 * store_internal.h - what the store's schema and forms (store.c), its queries and cursors
 * (queries.c) and the import's writer (writer.c) share: the connection holder and its cache of
 * prepared statements. Not a public header.
 */
#ifndef PN_STORE_STORE_INTERNAL_H
#define PN_STORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/store.h"
#include "util/strindex.h"

/* Statements prepared once per connection, by their SQL text (store_stmt). */
typedef struct store_stmts {
    pn_strindex by_sql; /* SQL text -> index into sql and stmt (keys: the sql strings) */
    char **sql;
    sqlite3_stmt **stmt;
    size_t n, cap;
} store_stmts;

struct pn_store {
    sqlite3 *db;
    char *path; /* the project file, for messages */
    int in_tx;
    int nested;  /* in_tx is a savepoint of a transaction the caller opened */
    int in_read; /* a read transaction of pn_store_begin_read is open */
    store_stmts stmts;
    size_t scans; /* scans opened (pn_store_scan_open), for pn_store_scans */
    /* the per-level statements of the last form a writer was opened for (writer.c), kept
     * for the next import of the same form (pn_form.serial); NULL before */
    struct level_stmts *levels;
    unsigned long levels_serial;
    size_t nlevels;
};

void store_free_names(char **names, size_t n);

/*
 * store_stmt - the statement of @sql on @s's connection, prepared at its first use and kept
 * until pn_store_close (the store owns it: reset it after each use, never finalize it). Two
 * callers of the same text share one statement. NULL with @err set ("WHAT: ...") on failure.
 */
sqlite3_stmt *store_stmt(pn_store *s, const char *sql, const char *what, pn_error *err);

/* Finalize every statement of store_stmt once the cache holds more than @max (0: all), so
 * that forms imported one after another on one connection do not grow it without bound. Only
 * between uses: no statement of the cache may be held by a caller. */
void store_stmts_trim(pn_store *s, size_t max);

/* Reset every cached statement and clear its bindings (which may point to freed memory). */
void store_stmts_idle(pn_store *s);

/* Forget the kept per-level statements of a form (writer.c); before their statements are
 * finalized. */
void store_levels_drop(pn_store *s);

/* The identifiers of one kind (the centres', the schools') as numbers 0, 1, ... in order of
 * appearance: an open-addressing table whose slots hold short identifiers (a SIRET, a UAI)
 * themselves, so that a lookup reads one slot, not a slot and a string elsewhere. */
typedef struct ident_slot {
    char near[16];     /* an identifier of up to 16 bytes */
    char *far;         /* a longer one, owned */
    uint32_t num, len; /* num: the identifier's number; len: its length, UINT32_MAX when empty */
} ident_slot;

typedef struct store_idents {
    ident_slot *slot;
    size_t cap, n;
    size_t last; /* 1 + the slot last found; 0 none (a link's own structure repeats) */
} store_idents;

/* The number of the identifier @key (@len bytes) in @t, numbered if new. PN_OK or PN_ENOMEM. */
PN_MUST_USE pn_status store_ident_number(store_idents *t, const char *key, size_t len,
                                         uint32_t *num);
void store_idents_release(store_idents *t);
/* For each identifier of @from, its number in @into (numbered there if new) at @map[its number
 * in @from]; @map has room for from->n. PN_OK or PN_ENOMEM. */
PN_MUST_USE pn_status store_idents_map(const store_idents *from, store_idents *into, uint32_t *map);

/* Sort the @n numbers @a (of @bits bits) in place, through @tmp (as large): a least
 * significant digit radix sort, 11 bits a pass. */
void store_radix_sort(uint64_t *a, uint64_t *tmp, size_t n, unsigned bits);
/* The same, each @pa[i] moved with @a[i] (through @ptmp, as large); stable. */
void store_radix_sort_with(uint64_t *a, uint64_t *tmp, uint32_t *pa, uint32_t *ptmp, size_t n,
                           unsigned bits);

#endif
