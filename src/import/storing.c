/* storing.c - the storing side of an import (import_internal.h): each row read and checked
 * becomes, through the store's writer (store/writer.h), a reject, a new submission or repeat
 * entry, a duplicate, or a version of a stored one; a link's partner structure is recorded.
 * The storing thread's (or the calling thread's, without it), holding the connection. */
#include "import/import_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/date.h"

/*
 * A set of strings, for the partner structures already recorded by this import: a school or
 * centre is named by hundreds of links, and one INSERT ... ON CONFLICT DO NOTHING per link
 * costs an index probe each time. Open addressing, linear probing; it stops growing at
 * IDENT_SET_MAX entries so that memory stays bounded whatever the file size (what is not in
 * the set is simply inserted again, which the ON CONFLICT clause makes harmless).
 */
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

/* The answers of @r, as the writer takes them. */
static pn_store_answers answers_of(const row *r)
{
    return (pn_store_answers){.val = r->val, .rel = r->rel, .len = r->len};
}

/* The answer to question @qi (-1: no such question) in @r, "" for none: what pn_calc_lookup()
 * gave the reading side. */
static const char *row_value(const row *r, int qi)
{
    return qi >= 0 && r->val[qi] ? r->val[qi] : "";
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

/* Store the submission @r, or replace the stored one (sto->found_id) by it, with the
 * structure that answered. */
static pn_status store_main(storer *sto, const row *r, pn_error *err)
{
    const import_plan *p = sto->plan;
    long long id = 0;
    pn_store_structure who = {.ident = row_value(r, p->q_ident),
                              .name = row_value(r, p->q_name),
                              .commune = row_value(r, p->q_commune),
                              .en_qpv = row_value(r, p->q_en_qpv),
                              .code_qpv = row_value(r, p->q_code_qpv),
                              .rep = row_value(r, p->q_rep)};
    pn_store_submission sub = {
        .key = r->key, .file = r->stats->path, .line = r->line, .submitted = r->submitted};
    pn_store_answers a = answers_of(r);
    pn_status st;
    if ((st = pn_store_writer_structure(p->writer, &who, &sub.structure_id, err)) != PN_OK ||
        (st = pn_store_writer_put_submission(p->writer, sto->found_id, &sub, &a, &id, err)) !=
            PN_OK)
        return st;
    if (sto->found_id == 0) {
        r->stats->stored++;
    } else {
        if ((st = pn_store_writer_mark(p->writer, id, PN_VERSION_REPLACED, err)) != PN_OK)
            return st;
        r->stats->replaced++;
    }
    return pn_store_writer_resolve(p->writer, r->repeat, r->key, err);
}

/* Complete the repeat entry @r inserted as @entry_id, or replace the stored one
 * (sto->found_id, when @entry_id is 0) by it; the partner structure of a link. (A link is
 * the entry itself, seen through the view links: nothing else to write.) */
static pn_status store_entry(storer *sto, const row *r, long long entry_id, pn_error *err)
{
    const import_plan *p = sto->plan;
    pn_store_answers a = answers_of(r);
    pn_status st;
    if (entry_id == 0 && sto->found_id != 0 &&
        (st = pn_store_writer_update_entry(p->writer, r->repeat, sto->found_id, &a, err)) != PN_OK)
        return st;
    if (r->repeat == p->links_repeat) {
        const char *partner = row_value(r, p->q_partner);
        if (*partner && !ident_set_has(&sto->partners, partner)) {
            if ((st = pn_store_writer_partner(p->writer, partner, row_value(r, p->q_partner_name),
                                              err)) != PN_OK)
                return st;
            /* structures are never deleted, so it stays there until the import ends */
            if (ident_set_add(&sto->partners, partner) != PN_OK)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    }
    if (sto->found_id)
        r->stats->replaced++;
    else
        r->stats->stored++;
    return pn_store_writer_resolve(p->writer, r->repeat, r->key, err);
}

pn_status store_row(storer *sto, const row *r, pn_error *err)
{
    const import_plan *p = sto->plan;
    pn_store_answers a = answers_of(r);
    pn_status st;
    if (r->reject) {
        if ((st = pn_store_writer_reject(p->writer, r->repeat, r->key, r->stats->path, r->line,
                                         r->raw, r->reasons, err)) == PN_OK)
            r->stats->rejected++;
        return st;
    }
    sto->found_id = 0;
    free(sto->found_submitted);
    sto->found_submitted = NULL;
    long long entry_id = 0;
    if (r->repeat >= 0 &&
        (st = pn_store_writer_insert_entry(p->writer, r->repeat, r->parent_id, r->position, r->key,
                                           &a, &entry_id, err)) != PN_OK)
        return st;
    /* stored already under this key? */
    if (entry_id == 0) {
        if ((st = pn_store_writer_find(p->writer, r->repeat, r->parent_id, r->key, &sto->found_id,
                                       &sto->found_submitted, err)) != PN_OK)
            return st;
        if (r->repeat >= 0 && sto->found_id == 0)
            return pn_error_set(err, PN_EINTERNAL, "%s:%zu: key '%s' is neither new nor stored",
                                r->stats->path, r->line, r->key);
    }
    if (sto->found_id) {
        int same = 0;
        if ((st = pn_store_writer_same(p->writer, r->repeat, sto->found_id, &a, &same, err)) !=
            PN_OK)
            return st;
        if (same) {
            r->stats->duplicates++;
            return pn_store_writer_resolve(p->writer, r->repeat, r->key, err);
        }
        if (r->repeat < 0 && stored_is_newer(sto->found_submitted, r->submitted)) {
            r->stats->older++;
            return pn_store_writer_mark(p->writer, sto->found_id, PN_VERSION_KEPT, err);
        }
    }
    if (r->repeat < 0)
        return store_main(sto, r, err);
    return store_entry(sto, r, entry_id, err);
}

void storer_release(storer *sto)
{
    free(sto->found_submitted);
    sto->found_submitted = NULL;
    ident_set_release(&sto->partners);
}
