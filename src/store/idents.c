/* idents.c - identifiers numbered in order of appearance, and a radix sort of numbers: what
 * the counts of links and the pairs of both sides (queries.c, pairs.c) read the links with
 * (store_internal.h). */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t ident_hash(const char *key, size_t len)
{
    uint64_t h = 0x243F6A8885A308D3u ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15u;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, key + i, len - i);
    h = (h ^ w) * 0x9E3779B97F4A7C15u;
    return h ^ (h >> 32);
}

static const char *ident_key(const ident_slot *sl)
{
    return sl->len <= sizeof sl->near ? sl->near : sl->far;
}

static int ident_is(const ident_slot *sl, const char *key, size_t len)
{
    return sl->len == len && memcmp(ident_key(sl), key, len) == 0;
}

/* The slot of @key (@len bytes, hash @h), or the empty one where it goes. */
static ident_slot *ident_find(ident_slot *slot, size_t cap, const char *key, size_t len, uint64_t h)
{
    for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (slot[i].len == UINT32_MAX || ident_is(&slot[i], key, len))
            return &slot[i];
}

static pn_status ident_grow(store_idents *t)
{
    size_t cap = t->cap ? 2 * t->cap : 4096;
    ident_slot *slot = malloc(cap * sizeof *slot);
    if (slot == NULL)
        return PN_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        slot[i].len = UINT32_MAX;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i].len != UINT32_MAX) {
            size_t j = (size_t)ident_hash(ident_key(&t->slot[i]), t->slot[i].len) & (cap - 1);
            while (slot[j].len != UINT32_MAX)
                j = (j + 1) & (cap - 1);
            slot[j] = t->slot[i];
        }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    t->last = 0;
    return PN_OK;
}

pn_status store_ident_number(store_idents *t, const char *key, size_t len, uint32_t *num)
{
    if (t->last && ident_is(&t->slot[t->last - 1], key, len)) {
        *num = t->slot[t->last - 1].num;
        return PN_OK;
    }
    if (len >= UINT32_MAX || t->n >= UINT32_MAX || (2 * (t->n + 1) > t->cap && ident_grow(t)))
        return PN_ENOMEM;
    uint64_t h = ident_hash(key, len);
    ident_slot *sl = ident_find(t->slot, t->cap, key, len, h);
    if (sl->len == UINT32_MAX) {
        char *far = NULL;
        if (len > sizeof sl->near && (far = malloc(len)) == NULL)
            return PN_ENOMEM;
        *sl = (ident_slot){{0}, far, (uint32_t)t->n++, (uint32_t)len};
        memcpy(far ? far : sl->near, key, len);
    }
    t->last = (size_t)(sl - t->slot) + 1;
    *num = sl->num;
    return PN_OK;
}

pn_status store_idents_map(const store_idents *from, store_idents *into, uint32_t *map)
{
    for (size_t i = 0; i < from->cap; i++) {
        const ident_slot *sl = &from->slot[i];
        if (sl->len != UINT32_MAX &&
            store_ident_number(into, ident_key(sl), sl->len, &map[sl->num]) != PN_OK)
            return PN_ENOMEM;
    }
    return PN_OK;
}

void store_idents_release(store_idents *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i].len != UINT32_MAX)
            free(t->slot[i].far);
    free(t->slot);
}

void store_radix_sort(uint64_t *a, uint64_t *tmp, size_t n, unsigned bits)
{
    store_radix_sort_with(a, tmp, NULL, NULL, n, bits);
}

void store_radix_sort_with(uint64_t *a, uint64_t *tmp, uint32_t *pa, uint32_t *ptmp, size_t n,
                           unsigned bits)
{
    size_t count[2048];
    for (unsigned shift = 0; shift < bits; shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & 2047]++;
        for (size_t d = 0, at = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t to = count[(a[i] >> shift) & 2047]++;
            tmp[to] = a[i];
            if (pa)
                ptmp[to] = pa[i];
        }
        memcpy(a, tmp, n * sizeof *a);
        if (pa)
            memcpy(pa, ptmp, n * sizeof *pa);
    }
}
