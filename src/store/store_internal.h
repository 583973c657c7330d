/*
 * store_internal.h - what the store's schema and forms (store.c) and its queries and cursors
 * (queries.c) share: the connection holder. Not a public header.
 */
#ifndef PN_STORE_STORE_INTERNAL_H
#define PN_STORE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

struct pn_store {
    sqlite3 *db;
    char *path; /* the project file, for messages */
    int in_tx;
    int nested;   /* in_tx is a savepoint of a transaction the caller opened */
    int in_read;  /* a read transaction of pn_store_begin_read is open */
    size_t scans; /* scans opened (pn_store_scan_open), for pn_store_scans */
};

void store_free_names(char **names, size_t n);

#endif
