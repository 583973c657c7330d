/*
 * pairs.c - the pairs of structures that both report their link, with what each side
 * answered (store.h, pn_store_each_pair).
 *
 * Two reads of each side's links. The first numbers the identifiers (store_idents), makes each
 * link a number (its centre, its school, its side), sorts them, and keeps the pairs that each
 * side reports exactly once. The second keeps the centres' answers of those pairs, each answer
 * kept once per question (a choice is one of a few values), then hands each pair when its
 * school's link is read. Nothing else is kept: at national scale (1,000,000 links, 100,000
 * pairs) a few megabytes.
 */
#include "store/store.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* The answers of one question, each kept once: a value is 0 for NULL, else 1 + its index. */
typedef struct answers {
    char **text;
    size_t n, cap;
    pn_strindex index;
} answers;

static pn_status answer_code(answers *a, const char *v, size_t len, uint32_t *code)
{
    size_t at;
    if (v == NULL) {
        *code = 0;
        return PN_OK;
    }
    if (!pn_strindex_get(&a->index, v, len, &at)) {
        if (a->n == a->cap) {
            size_t cap = a->cap ? 2 * a->cap : 16;
            char **p = realloc(a->text, cap * sizeof *p);
            if (p == NULL)
                return PN_ENOMEM;
            a->text = p;
            a->cap = cap;
        }
        if (a->n >= UINT32_MAX - 1 || (a->text[a->n] = malloc(len + 1)) == NULL)
            return PN_ENOMEM;
        memcpy(a->text[a->n], v, len);
        a->text[a->n][len] = '\0';
        if (pn_strindex_put(&a->index, a->text[a->n], len, a->n) != PN_OK) {
            free(a->text[a->n]);
            return PN_ENOMEM;
        }
        at = a->n++;
    }
    *code = (uint32_t)at + 1;
    return PN_OK;
}

static void answers_release(answers *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->text[i]);
    free(a->text);
    pn_strindex_release(&a->index);
}

/* The columns a side's scan reads: the centre's identifier, the school's, then each of the
 * @n questions @qs (NULL, or a question of another repeat: NULL), into @cols (n + 2). 0 when
 * @f has no links repeat or no identifiers. */
static int side_columns(const pn_form *f, const pn_question *const *qs, size_t n,
                        const pn_question **cols)
{
    int r = pn_form_links_repeat(f);
    const pn_question *own = pn_form_side_question(f), *partner = pn_form_role(f, f->roles.partner);
    if (r < 0 || own == NULL || partner == NULL)
        return 0;
    cols[0] = f->side == PN_SIDE_CENTRE ? own : partner;
    cols[1] = f->side == PN_SIDE_CENTRE ? partner : own;
    for (size_t i = 0; i < n + 2; i++) {
        const pn_question *q = i < 2 ? cols[i] : qs[i - 2];
        int here = q && pn_question_has_value(q) && (q->repeat == -1 || q->repeat == r);
        cols[i] = here ? q : NULL;
    }
    return cols[0] && cols[1];
}

/* What the two reads share. */
typedef struct pairs {
    pn_store *s;
    const pn_form *form[2];      /* the centres', the schools' */
    const pn_question **cols[2]; /* each side's scan columns (side_columns) */
    const char **val;            /* n + 2: a link's values */
    size_t n;                    /* questions */
    store_idents ids[2];
    uint64_t *pair; /* the pairs each side reports once: centre << 32 | school, sorted */
    size_t npairs;
    uint32_t *centre; /* npairs * n: the centre's answers, answer codes */
    answers *ans;     /* n */
} pairs;

/* The numbers of the identifiers of the link in p->val: *@ok 0 when one is empty (no pair). */
static pn_status link_numbers(pairs *p, uint32_t num[2], int *ok)
{
    *ok = 0;
    for (int k = 0; k < 2; k++) {
        const char *v = p->val[k];
        if (v == NULL || *v == '\0')
            return PN_OK;
        if (store_ident_number(&p->ids[k], v, strlen(v), &num[k]) != PN_OK)
            return PN_ENOMEM;
    }
    *ok = 1;
    return PN_OK;
}

/* Open the scan of side @side's links. */
static pn_store_scan *open_side(pairs *p, int side, pn_error *err)
{
    const pn_form *f = p->form[side];
    return pn_store_scan_open(p->s, f, pn_form_links_repeat(f), p->cols[side], p->n + 2, err);
}

/* First read: the pairs each side reports exactly once into p->pair, sorted; those a side
 * reports more than once counted in *@multiple. */
static pn_status find_pairs(pairs *p, size_t *multiple, pn_error *err)
{
    uint64_t *key = NULL, *tmp = NULL;
    size_t n = 0, cap = 0;
    pn_status st = PN_OK;
    for (int side = 0; side < 2 && st == PN_OK; side++) {
        int more = 0, ok;
        uint32_t num[2];
        pn_store_scan *sc = open_side(p, side, err);
        if (sc == NULL)
            st = err && err->status ? err->status : PN_ESTORE;
        while (st == PN_OK && (st = pn_store_scan_next(sc, p->val, &more, err)) == PN_OK && more) {
            if ((st = link_numbers(p, num, &ok)) != PN_OK || !ok)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 65536;
                uint64_t *k2 = realloc(key, cap * sizeof *k2);
                if (k2 == NULL) {
                    st = PN_ENOMEM;
                    break;
                }
                key = k2;
            }
            /* 31 bits of centre, 32 of school, the side */
            key[n++] = (uint64_t)num[0] << 33 | (uint64_t)num[1] << 1 | (uint64_t)side;
        }
        pn_store_scan_close(sc);
    }
    /* a centre's number takes 31 bits of a key */
    if (st == PN_OK && p->ids[0].n >= (1u << 31))
        st = PN_ENOMEM;
    if (st == PN_OK && ((tmp = malloc((n ? n : 1) * sizeof *tmp)) == NULL ||
                        (p->pair = malloc((n ? n : 1) * sizeof *p->pair)) == NULL))
        st = PN_ENOMEM;
    if (st == PN_OK) {
        store_radix_sort(key, tmp, n, 64);
        for (size_t i = 0; i < n;) {
            uint64_t pair = key[i] >> 1;
            size_t count[2] = {0, 0};
            for (; i < n && key[i] >> 1 == pair; i++)
                count[key[i] & 1]++;
            if (count[0] == 1 && count[1] == 1)
                p->pair[p->npairs++] = pair;
            else if (count[0] && count[1])
                (*multiple)++;
        }
    }
    free(key);
    free(tmp);
    if (st == PN_ENOMEM)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    return st;
}

/* The index among p->pair of the link in p->val, or -1 when its pair is not one. */
static pn_status pair_index(pairs *p, long *at)
{
    uint32_t num[2];
    int ok;
    *at = -1;
    if (link_numbers(p, num, &ok) != PN_OK)
        return PN_ENOMEM;
    if (!ok)
        return PN_OK;
    uint64_t key = (uint64_t)num[0] << 32 | num[1];
    size_t lo = 0, hi = p->npairs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->pair[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->npairs && p->pair[lo] == key)
        *at = (long)lo;
    return PN_OK;
}

/* Second read: the centres' answers of the pairs, then each pair handed as its school's link
 * is read. */
static pn_status hand_pairs(pairs *p, pn_pair_fn fn, void *ctx, pn_error *err)
{
    const char **cv = calloc(p->n ? p->n : 1, sizeof *cv),
               **sv = calloc(p->n ? p->n : 1, sizeof *sv);
    pn_status st = cv && sv ? PN_OK : PN_ENOMEM;
    if (st == PN_OK && p->npairs &&
        (p->centre = calloc(p->npairs * (p->n ? p->n : 1), sizeof *p->centre)) == NULL)
        st = PN_ENOMEM;
    for (int side = 0; side < 2 && st == PN_OK; side++) {
        int more = 0;
        long at;
        pn_store_scan *sc = open_side(p, side, err);
        if (sc == NULL)
            st = err && err->status ? err->status : PN_ESTORE;
        while (st == PN_OK && (st = pn_store_scan_next(sc, p->val, &more, err)) == PN_OK && more) {
            if ((st = pair_index(p, &at)) != PN_OK || at < 0)
                continue;
            uint32_t *code = p->centre + (size_t)at * p->n;
            for (size_t i = 0; i < p->n && st == PN_OK; i++) {
                const char *v = p->val[i + 2];
                if (side == 0)
                    st = answer_code(&p->ans[i], v, v ? strlen(v) : 0, &code[i]);
                else {
                    cv[i] = code[i] ? p->ans[i].text[code[i] - 1] : NULL;
                    sv[i] = v;
                }
            }
            if (st == PN_OK && side == 1)
                st = fn(ctx, cv, sv, err);
        }
        pn_store_scan_close(sc);
    }
    free(cv);
    free(sv);
    if (st == PN_ENOMEM)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    return st;
}

pn_status pn_store_each_pair(pn_store *s, const pn_form *cf, const pn_question *const *cq,
                             const pn_form *sf, const pn_question *const *sq, size_t n,
                             pn_pair_fn fn, void *ctx, size_t *multiple, pn_error *err)
{
    pairs p = {.s = s, .n = n};
    pn_status st = PN_OK;
    *multiple = 0;
    if (cf->side != PN_SIDE_CENTRE || sf->side != PN_SIDE_ECOLE)
        return pn_error_set(err, PN_EINTERNAL,
                            "pairs are read from a centres' and a schools' form");
    const pn_question *const *qs[2] = {cq, sq};
    p.form[0] = cf;
    p.form[1] = sf;
    p.cols[0] = calloc(n + 2, sizeof *p.cols[0]);
    p.cols[1] = calloc(n + 2, sizeof *p.cols[1]);
    p.val = calloc(n + 2, sizeof *p.val);
    if ((p.ans = calloc(n ? n : 1, sizeof *p.ans)) == NULL || !p.cols[0] || !p.cols[1] || !p.val)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    for (int k = 0; k < 2 && st == PN_OK; k++)
        if (!side_columns(p.form[k], qs[k], n, p.cols[k]))
            st = pn_error_set(err, PN_EINTERNAL, "form '%s' has no links", p.form[k]->id);
    if (st == PN_OK)
        st = find_pairs(&p, multiple, err);
    if (st == PN_OK)
        st = hand_pairs(&p, fn, ctx, err);
    for (int k = 0; k < 2; k++) {
        store_idents_release(&p.ids[k]);
        free(p.cols[k]);
    }
    for (size_t i = 0; p.ans && i < n; i++)
        answers_release(&p.ans[i]);
    free(p.ans);
    free(p.val);
    free(p.pair);
    free(p.centre);
    return st;
}
