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
    uint64_t *key; /* per link: centre << 33 | school << 1 | side */
    uint32_t *at;  /* per link: the index of its answers in code[side] */
    size_t nlinks, cap;
    uint16_t *code[2]; /* per side, n codes a link */
    size_t ncode[2], capcode[2];
    answers *ans; /* n, both sides */
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

/* One link of side @side (its values in p->val) kept. */
static pn_status add_link(pairs *p, int side, pn_error *err)
{
    uint32_t num[2];
    int ok;
    if (link_numbers(p, num, &ok) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (!ok)
        return PN_OK;
    if (p->nlinks == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 65536;
        uint64_t *k = realloc(p->key, cap * sizeof *k);
        if (k)
            p->key = k;
        uint32_t *a = k ? realloc(p->at, cap * sizeof *a) : NULL;
        if (a == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        p->at = a;
        p->cap = cap;
    }
    if (p->ncode[side] == p->capcode[side]) {
        size_t cap = p->capcode[side] ? 2 * p->capcode[side] : 65536;
        uint16_t *c = realloc(p->code[side], cap * (p->n ? p->n : 1) * sizeof *c);
        if (c == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        p->code[side] = c;
        p->capcode[side] = cap;
    }
    /* a centre's number takes 31 bits of a key, a row's index 32 */
    if (num[0] >= (1u << 31) || p->ncode[side] >= UINT32_MAX)
        return pn_error_set(err, PN_ENOMEM, "out of memory: too many links to pair");
    uint16_t *code = p->code[side] + p->ncode[side] * p->n;
    for (size_t i = 0; i < p->n; i++) {
        const char *v = p->val[i + 2];
        uint32_t c;
        if (answer_code(&p->ans[i], v, v ? strlen(v) : 0, &c) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (c > UINT16_MAX)
            return pn_error_set(err, PN_EINPUT,
                                "more than %u different answers to compare between the two sides",
                                UINT16_MAX - 1);
        code[i] = (uint16_t)c;
    }
    p->key[p->nlinks] = (uint64_t)num[0] << 33 | (uint64_t)num[1] << 1 | (uint64_t)side;
    p->at[p->nlinks++] = (uint32_t)p->ncode[side]++;
    return PN_OK;
}

/* Read side @side's links. */
static pn_status read_side(pairs *p, int side, pn_error *err)
{
    int more = 0;
    pn_status st = PN_OK;
    pn_store_scan *sc = open_side(p, side, err);
    if (sc == NULL)
        return err && err->status ? err->status : PN_ESTORE;
    while (st == PN_OK && (st = pn_store_scan_next(sc, p->val, &more, err)) == PN_OK && more)
        st = add_link(p, side, err);
    pn_store_scan_close(sc);
    return st;
}

/* The links sorted by pair then side: hand each pair both sides report once, in the order of
 * the centres' and schools' numbers; count those a side reports more than once. */
static pn_status hand_pairs(pairs *p, pn_pair_fn fn, void *ctx, size_t *multiple, pn_error *err)
{
    size_t n = p->nlinks;
    const char **cv = calloc(p->n ? p->n : 1, sizeof *cv),
               **sv = calloc(p->n ? p->n : 1, sizeof *sv);
    uint64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    uint32_t *ptmp = malloc((n ? n : 1) * sizeof *ptmp);
    pn_status st = cv && sv && tmp && ptmp ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
    unsigned bits = 34;
    while (bits < 64 && ((uint64_t)1 << (bits - 33)) < p->ids[0].n)
        bits++;
    if (st == PN_OK)
        store_radix_sort_with(p->key, tmp, p->at, ptmp, n, bits);
    for (size_t i = 0; i < n && st == PN_OK;) {
        size_t first = i, count[2] = {0, 0}, at[2] = {0, 0};
        for (; i < n && p->key[i] >> 1 == p->key[first] >> 1; i++) {
            int side = (int)(p->key[i] & 1);
            count[side]++;
            at[side] = p->at[i];
        }
        if (count[0] == 1 && count[1] == 1) {
            const uint16_t *c = p->code[0] + at[0] * p->n, *s = p->code[1] + at[1] * p->n;
            for (size_t q = 0; q < p->n; q++) {
                cv[q] = c[q] ? p->ans[q].text[c[q] - 1] : NULL;
                sv[q] = s[q] ? p->ans[q].text[s[q] - 1] : NULL;
            }
            st = fn(ctx, cv, sv, err);
        } else if (count[0] && count[1]) {
            (*multiple)++;
        }
    }
    free(cv);
    free(sv);
    free(tmp);
    free(ptmp);
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
    for (int k = 0; k < 2 && st == PN_OK; k++)
        st = read_side(&p, k, err);
    if (st == PN_OK)
        st = hand_pairs(&p, fn, ctx, multiple, err);
    for (int k = 0; k < 2; k++) {
        store_idents_release(&p.ids[k]);
        free(p.cols[k]);
    }
    for (size_t i = 0; p.ans && i < n; i++)
        answers_release(&p.ans[i]);
    free(p.ans);
    free(p.val);
    free(p.key);
    free(p.at);
    free(p.code[0]);
    free(p.code[1]);
    return st;
}
