/*
 * pairs.c - the pairs of structures that both report their link, with what each side
 * answered (store.h, pn_store_each_pair).
 *
 * One read of each side's links: each link becomes a number (its centre and its school,
 * numbered as met: store_idents, and its side) with the index of its answers, each answer
 * kept once per question as a small code (a choice is one of a few values). The numbers are
 * sorted (a radix sort reads memory in order, where a table looked up at random waits for it),
 * which brings the links of a pair together: a pair each side reports once is handed. At
 * national scale (1,000,000 links) about 30 bytes a link.
 */
#include "store/store.h"
#include "store/store_internal.h"

#include <pthread.h>
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

/* One side's read: its links, numbered by its own identifier tables (a side may be read on
 * a twin, in another thread), each with its answers as codes of its own answer tables. */
typedef struct side_read {
    pn_store *s;
    const pn_form *form;
    const pn_question **cols; /* n + 2 (side_columns) */
    const char **val;         /* n + 2: a link's values */
    size_t n;                 /* questions */
    int side;                 /* 0: the centres', 1: the schools' */
    store_idents ids[2];      /* the centres' identifiers, the schools' */
    uint64_t *key;            /* per link: centre << 33 | school << 1 | side */
    size_t nlinks, cap;
    uint16_t *code; /* n codes a link */
    answers *ans;   /* n */
    pn_status st;
    pn_error err;
} side_read;

/* The numbers of the identifiers of the link in r->val: *@ok 0 when one is empty (no pair). */
static pn_status link_numbers(side_read *r, uint32_t num[2], int *ok)
{
    *ok = 0;
    for (int k = 0; k < 2; k++) {
        const char *v = r->val[k];
        if (v == NULL || *v == '\0')
            return PN_OK;
        if (store_ident_number(&r->ids[k], v, strlen(v), &num[k]) != PN_OK)
            return PN_ENOMEM;
    }
    *ok = 1;
    return PN_OK;
}

/* One link (its values in r->val) kept. */
static pn_status add_link(side_read *r, pn_error *err)
{
    uint32_t num[2];
    int ok;
    if (link_numbers(r, num, &ok) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (!ok)
        return PN_OK;
    if (r->nlinks == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 65536;
        uint64_t *k = realloc(r->key, cap * sizeof *k);
        if (k)
            r->key = k;
        uint16_t *c = k ? realloc(r->code, cap * (r->n ? r->n : 1) * sizeof *c) : NULL;
        if (c == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        r->code = c;
        r->cap = cap;
    }
    /* a centre's number takes 31 bits of a key, a link's index 32 */
    if (num[0] >= (1u << 31) || r->nlinks >= UINT32_MAX)
        return pn_error_set(err, PN_ENOMEM, "out of memory: too many links to pair");
    uint16_t *code = r->code + r->nlinks * r->n;
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->val[i + 2];
        uint32_t c;
        if (answer_code(&r->ans[i], v, v ? strlen(v) : 0, &c) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (c > UINT16_MAX)
            return pn_error_set(err, PN_EINPUT,
                                "more than %u different answers to compare between the two sides",
                                UINT16_MAX - 1);
        code[i] = (uint16_t)c;
    }
    r->key[r->nlinks++] = (uint64_t)num[0] << 33 | (uint64_t)num[1] << 1 | (uint64_t)r->side;
    return PN_OK;
}

/* Read the side's links; its status in r->st, r->err. */
static void *read_side(void *arg)
{
    side_read *r = arg;
    int more = 0;
    const pn_form *f = r->form;
    pn_store_scan *sc =
        pn_store_scan_open(r->s, f, pn_form_links_repeat(f), r->cols, r->n + 2, &r->err);
    r->st = sc ? PN_OK : r->err.status ? r->err.status : PN_ESTORE;
    while (r->st == PN_OK && (r->st = pn_store_scan_next(sc, r->val, &more, &r->err)) == PN_OK &&
           more)
        r->st = add_link(r, &r->err);
    pn_store_scan_close(sc);
    return NULL;
}

static void side_release(side_read *r)
{
    store_idents_release(&r->ids[0]);
    store_idents_release(&r->ids[1]);
    for (size_t i = 0; r->ans && i < r->n; i++)
        answers_release(&r->ans[i]);
    free(r->ans);
    free(r->cols);
    free(r->val);
    free(r->key);
    free(r->code);
}

/* The schools' side renumbered as the centres' side numbers: its identifiers and its answers
 * looked up (or added) in the other side's tables, its keys and codes rewritten. */
static pn_status renumber(side_read *into, side_read *r)
{
    uint32_t *map[2] = {NULL, NULL};
    pn_status st = PN_OK;
    for (int k = 0; k < 2 && st == PN_OK; k++)
        if ((map[k] = malloc((r->ids[k].n ? r->ids[k].n : 1) * sizeof *map[k])) == NULL ||
            store_idents_map(&r->ids[k], &into->ids[k], map[k]) != PN_OK)
            st = PN_ENOMEM;
    for (size_t i = 0; st == PN_OK && i < r->nlinks; i++) {
        uint64_t c = r->key[i] >> 33, s = (r->key[i] >> 1) & 0xffffffffu;
        r->key[i] = (uint64_t)map[0][c] << 33 | (uint64_t)map[1][s] << 1 | (r->key[i] & 1);
    }
    for (size_t q = 0; st == PN_OK && q < r->n; q++) {
        uint32_t *codes = malloc((r->ans[q].n + 1) * sizeof *codes);
        if (codes == NULL) {
            st = PN_ENOMEM;
            break;
        }
        codes[0] = 0;
        for (size_t a = 0; st == PN_OK && a < r->ans[q].n; a++) {
            const char *text = r->ans[q].text[a];
            if (answer_code(&into->ans[q], text, strlen(text), &codes[a + 1]) != PN_OK ||
                codes[a + 1] > UINT16_MAX)
                st = PN_ENOMEM;
        }
        for (size_t i = 0; st == PN_OK && i < r->nlinks; i++)
            r->code[i * r->n + q] = (uint16_t)codes[r->code[i * r->n + q]];
        free(codes);
    }
    free(map[0]);
    free(map[1]);
    return st;
}

/* Both sides' links sorted by pair then side: hand each pair both sides report once, in the
 * order of the centres' and schools' numbers; count those a side reports more than once. */
static pn_status hand_pairs(side_read *r, pn_pair_fn fn, void *ctx, size_t *multiple, pn_error *err)
{
    size_t n = r[0].nlinks + r[1].nlinks, nq = r[0].n;
    const char **cv = calloc(nq ? nq : 1, sizeof *cv), **sv = calloc(nq ? nq : 1, sizeof *sv);
    uint64_t *key = malloc((n ? n : 1) * sizeof *key), *tmp = NULL;
    uint32_t *at = malloc((n ? n : 1) * sizeof *at), *ptmp = NULL;
    pn_status st = cv && sv && key && at ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK) {
        /* each link with its index on its side (which its key's last bit says) */
        memcpy(key, r[0].key, r[0].nlinks * sizeof *key);
        memcpy(key + r[0].nlinks, r[1].key, r[1].nlinks * sizeof *key);
        for (size_t i = 0; i < n; i++)
            at[i] = (uint32_t)(i < r[0].nlinks ? i : i - r[0].nlinks);
        for (int k = 0; k < 2; k++) { /* copied: the memory goes back before the sort */
            free(r[k].key);
            r[k].key = NULL;
        }
        if ((tmp = malloc((n ? n : 1) * sizeof *tmp)) == NULL ||
            (ptmp = malloc((n ? n : 1) * sizeof *ptmp)) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    if (st == PN_OK) {
        unsigned bits = 34;
        while (bits < 64 && ((uint64_t)1 << (bits - 33)) < r[0].ids[0].n)
            bits++;
        store_radix_sort_with(key, tmp, at, ptmp, n, bits);
    }
    for (size_t i = 0; i < n && st == PN_OK;) {
        size_t first = i, count[2] = {0, 0}, idx[2] = {0, 0};
        for (; i < n && key[i] >> 1 == key[first] >> 1; i++) {
            int side = (int)(key[i] & 1);
            count[side]++;
            idx[side] = at[i];
        }
        if (count[0] == 1 && count[1] == 1) {
            const uint16_t *c = r[0].code + idx[0] * nq, *s = r[1].code + idx[1] * nq;
            for (size_t q = 0; q < nq; q++) {
                cv[q] = c[q] ? r[0].ans[q].text[c[q] - 1] : NULL;
                sv[q] = s[q] ? r[0].ans[q].text[s[q] - 1] : NULL;
            }
            st = fn(ctx, cv, sv, err);
        } else if (count[0] && count[1]) {
            (*multiple)++;
        }
    }
    free(cv);
    free(sv);
    free(key);
    free(tmp);
    free(at);
    free(ptmp);
    return st;
}

pn_status pn_store_each_pair(pn_store *s, pn_store *twin, const pn_form *cf,
                             const pn_question *const *cq, const pn_form *sf,
                             const pn_question *const *sq, size_t n, pn_pair_fn fn, void *ctx,
                             size_t *multiple, pn_error *err)
{
    side_read r[2] = {{.s = s, .form = cf, .n = n, .side = 0},
                      {.s = twin ? twin : s, .form = sf, .n = n, .side = 1}};
    const pn_question *const *qs[2] = {cq, sq};
    pn_status st = PN_OK;
    *multiple = 0;
    if (cf->side != PN_SIDE_CENTRE || sf->side != PN_SIDE_ECOLE)
        return pn_error_set(err, PN_EINTERNAL,
                            "pairs are read from a centres' and a schools' form");
    for (int k = 0; k < 2 && st == PN_OK; k++) {
        r[k].cols = calloc(n + 2, sizeof *r[k].cols);
        r[k].val = calloc(n + 2, sizeof *r[k].val);
        r[k].ans = calloc(n ? n : 1, sizeof *r[k].ans);
        if (!r[k].cols || !r[k].val || !r[k].ans)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        else if (!side_columns(r[k].form, qs[k], n, r[k].cols))
            st = pn_error_set(err, PN_EINTERNAL, "form '%s' has no links", r[k].form->id);
    }
    /* the schools' side beside the centres', on the twin, when there is one */
    pthread_t thread;
    int threaded =
        st == PN_OK && twin != NULL && pthread_create(&thread, NULL, read_side, &r[1]) == 0;
    if (st == PN_OK)
        read_side(&r[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else if (st == PN_OK && r[0].st == PN_OK)
        read_side(&r[1]);
    for (int k = 0; k < 2 && st == PN_OK; k++)
        if (r[k].st != PN_OK) {
            *err = r[k].err;
            st = r[k].st;
        }
    if (st == PN_OK && renumber(&r[0], &r[1]) != PN_OK)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK)
        st = hand_pairs(r, fn, ctx, multiple, err);
    side_release(&r[0]);
    side_release(&r[1]);
    return st;
}
