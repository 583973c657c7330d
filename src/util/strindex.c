#include "util/strindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys (names, headers), no adversary who could profit from collisions beyond
 * slowing one import of their own file. */
static size_t hash_bytes(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211u;
    }
    return (size_t)h;
}

/* The slot holding @key, or the empty slot where it would go. @ix->cap is not 0. */
static pn_strindex_slot *find_slot(const pn_strindex *ix, const char *key, size_t len, size_t h)
{
    size_t mask = ix->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        pn_strindex_slot *s = &ix->slot[i];
        if (s->key == NULL ||
            (s->hash == h && s->len == len && (len == 0 || memcmp(s->key, key, len) == 0)))
            return s;
    }
}

static pn_status grow(pn_strindex *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 16;
    pn_strindex_slot *slot = calloc(cap, sizeof *slot);
    if (slot == NULL)
        return PN_ENOMEM;
    pn_strindex bigger = {slot, cap, ix->n};
    for (size_t i = 0; i < ix->cap; i++)
        if (ix->slot[i].key != NULL)
            *find_slot(&bigger, ix->slot[i].key, ix->slot[i].len, ix->slot[i].hash) = ix->slot[i];
    free(ix->slot);
    *ix = bigger;
    return PN_OK;
}

pn_status pn_strindex_put(pn_strindex *ix, const char *key, size_t len, size_t value)
{
    /* at most half full, so that a probe ends soon */
    if (2 * (ix->n + 1) > ix->cap && grow(ix) != PN_OK)
        return PN_ENOMEM;
    size_t h = hash_bytes(key, len);
    pn_strindex_slot *s = find_slot(ix, key, len, h);
    if (s->key != NULL)
        return PN_OK;
    /* an empty key needs a pointer that is not NULL to mark its slot as used */
    *s = (pn_strindex_slot){len ? key : "", len, h, value};
    ix->n++;
    return PN_OK;
}

int pn_strindex_get(const pn_strindex *ix, const char *key, size_t len, size_t *value)
{
    if (ix->n == 0)
        return 0;
    pn_strindex_slot *s = find_slot(ix, key, len, hash_bytes(key, len));
    if (s->key == NULL)
        return 0;
    if (value)
        *value = s->value;
    return 1;
}

size_t *pn_strindex_value(pn_strindex *ix, const char *key, size_t len)
{
    if (ix->n == 0)
        return NULL;
    pn_strindex_slot *s = find_slot(ix, key, len, hash_bytes(key, len));
    return s->key ? &s->value : NULL;
}

void pn_strindex_release(pn_strindex *ix)
{
    free(ix->slot);
    memset(ix, 0, sizeof *ix);
}
