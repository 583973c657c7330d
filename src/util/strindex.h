/*
 * strindex.h - an index from byte strings to numbers (an open-addressing hash table), for
 * the lookups done once per answer or per header cell: a choice by its name, a category of
 * a table, a column of a mapping file. Each lookup costs one hash of the key, whatever the
 * number of keys, where a scan of a list of 40,000 communes costs 40,000 comparisons.
 *
 * Embedded by the caller: pn_strindex ix = PN_STRINDEX_INIT; ... pn_strindex_release(&ix);
 * The keys are lent, not copied: the caller keeps each key's bytes alive and unchanged while
 * the index holds it (e.g. the names of the items the numbers index). A key is @len bytes
 * that need not be NUL-terminated; keys are compared byte for byte.
 *
 * May call: util (error) and libc (src/util's room; docs/architecture.md, enforced by the
 * build).
 */
#ifndef PN_UTIL_STRINDEX_H
#define PN_UTIL_STRINDEX_H

#include <stddef.h>

#include "util/error.h"

typedef struct pn_strindex_slot {
    const char *key; /* NULL for an empty slot */
    size_t len;
    size_t hash;
    size_t value;
} pn_strindex_slot;

typedef struct pn_strindex {
    pn_strindex_slot *slot; /* cap slots, NULL before the first key */
    size_t cap;             /* 0 or a power of two */
    size_t n;               /* keys held */
} pn_strindex;

#define PN_STRINDEX_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/*
 * pn_strindex_put - map the @len bytes at @key to @value. A key already there keeps the
 * value it has (the first one put wins). Returns PN_OK, or PN_ENOMEM with @ix unchanged.
 */
PN_MUST_USE pn_status pn_strindex_put(pn_strindex *ix, const char *key, size_t len, size_t value)
    __attribute__((warn_unused_result));

/*
 * pn_strindex_get - whether the @len bytes at @key are in @ix; if so and @value is not NULL,
 * *@value gets the value they map to. An empty index holds nothing.
 */
int pn_strindex_get(const pn_strindex *ix, const char *key, size_t len, size_t *value);

/*
 * pn_strindex_value - the stored value of the @len bytes at @key, to be changed in place, or
 * NULL when the key is not there. Valid until the next pn_strindex_put.
 */
size_t *pn_strindex_value(pn_strindex *ix, const char *key, size_t len);

/* Empty @ix (the keys stay the caller's); pn_strindex_release on an empty index is a no-op. */
void pn_strindex_release(pn_strindex *ix);

#endif
