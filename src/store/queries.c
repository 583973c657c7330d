/* queries.c - the store's named queries and cursors: the names of partner structures, the
 * last report's spec, the cover's counts, the rejects, scans for counting, rows and updates
 * for recalculation (store.h). */
#include "store/store.h"
#include "store/store_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* Append to @sql the SELECT of the partner identifiers and names given in the links of @f (a
 * form of side @side), read from its partner repeat alone: no join, as it runs after every
 * import. Appends nothing when the form has no such repeat or questions. */
static pn_status partner_names_select(const pn_form *f, pn_form_side side, pn_strbuf *sql)
{
    int r = pn_form_links_repeat(f);
    const pn_question *id = pn_form_role(f, f->roles.partner);
    const pn_question *name = pn_form_role(f, f->roles.partner_name);
    if (f->side != side || r < 0 || id == NULL || name == NULL || id->repeat != r ||
        name->repeat != r)
        return PN_OK;
    char entries[256];
    pn_store_table_name(f, r, entries, sizeof entries);
    char *part = sqlite3_mprintf("%sSELECT \"%w\" AS ident, \"%w\" AS name FROM \"%w\"",
                                 sql->len ? " UNION ALL " : "", id->name, name->name, entries);
    pn_status st = part && pn_strbuf_puts(sql, part) == PN_OK ? PN_OK : PN_ENOMEM;
    sqlite3_free(part);
    return st;
}

pn_status pn_store_name_partners(pn_store *s, pn_form_side reporter, pn_error *err)
{
    const char *partner_side = reporter == PN_SIDE_CENTRE  ? pn_side_word(PN_SIDE_ECOLE)
                               : reporter == PN_SIDE_ECOLE ? pn_side_word(PN_SIDE_CENTRE)
                                                           : NULL;
    char **ids = NULL;
    size_t n = 0;
    pn_strbuf names = PN_STRBUF_INIT;
    sqlite3_stmt *q = NULL;
    char *sql = NULL;
    if (partner_side == NULL)
        return PN_OK;
    pn_status st = pn_store_form_ids(s, &ids, &n, err);
    for (size_t i = 0; i < n && st == PN_OK; i++) {
        pn_form *f = pn_store_get_form(s, ids[i], NULL, NULL, err);
        if (f == NULL)
            st = err->status ? err->status : PN_ESTORE;
        else if (partner_names_select(f, reporter, &names) != PN_OK)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        pn_form_destroy(f);
    }
    if (st != PN_OK || names.len == 0)
        goto out;
    /* per partner, its names counted over the links that name it; the first by count, then
     * by name, wins */
    sql = sqlite3_mprintf(
        "UPDATE structures SET name = b.name FROM (SELECT ident, name FROM (SELECT ident, name,"
        " row_number() OVER (PARTITION BY ident ORDER BY count(*) DESC, name) AS rank FROM (%s)"
        " WHERE name <> '' GROUP BY ident, name) WHERE rank = 1) b WHERE structures.side = %Q"
        " AND structures.responded = 0 AND structures.ident = b.ident AND structures.name IS"
        " NOT b.name",
        pn_strbuf_str(&names), partner_side);
    if (sql == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot name the partner structures");
out:
    sqlite3_finalize(q);
    sqlite3_free(sql);
    pn_strbuf_release(&names);
    store_free_names(ids, n);
    return st;
}

pn_status pn_store_put_report_spec(pn_store *s, const char *path, const char *source, size_t len,
                                   pn_error *err)
{
    sqlite3_stmt *q = NULL;
    pn_status st = PN_OK;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO report_spec VALUES(1, ?, ?)", -1, &q,
                           NULL) != SQLITE_OK ||
        sqlite3_bind_text(q, 1, path, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_blob(q, 2, len ? source : "", (int)len, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot keep the report spec");
    sqlite3_finalize(q);
    return st;
}

pn_status pn_store_get_report_spec(pn_store *s, char **path, char **source, size_t *len,
                                   pn_error *err)
{
    sqlite3_stmt *q = NULL;
    pn_status st = PN_OK;
    *path = *source = NULL;
    *len = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT path, source FROM report_spec WHERE spec_id = 1", -1, &q,
                           NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot read the report spec");
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(q, 0);
        const void *b = sqlite3_column_blob(q, 1);
        size_t n = (size_t)sqlite3_column_bytes(q, 1);
        *path = pn_strdup(p ? p : "");
        *source = malloc(n + 1);
        if (*path == NULL || *source == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        } else {
            if (n)
                memcpy(*source, b, n);
            (*source)[n] = '\0';
            *len = n;
        }
    } else if (rc != SQLITE_DONE) {
        st = pn_store_error(s, err, "cannot read the report spec");
    }
    sqlite3_finalize(q);
    if (st != PN_OK) {
        free(*path);
        free(*source);
        *path = *source = NULL;
        *len = 0;
    }
    return st;
}

/* One number from the store: the first column of the first row of @sql, 0 when none. */
static pn_status one_number(pn_store *s, const char *sql, double *out, pn_error *err)
{
    sqlite3_stmt *q = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot count");
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot count");
}

/* One link: its centre's and school's numbers and its side (1 centre, 2 school). */
typedef struct link_nums {
    uint32_t *cs; /* 3 a link */
    size_t n, cap;
    store_idents ids[2];
} link_nums;

static pn_status add_link_nums(link_nums *l, const char *centre, const char *school, uint32_t side)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 65536;
        uint32_t *p = realloc(l->cs, 3 * cap * sizeof *p);
        if (p == NULL)
            return PN_ENOMEM;
        l->cs = p;
        l->cap = cap;
    }
    const char *v[2] = {centre ? centre : "", school ? school : ""};
    for (int k = 0; k < 2; k++)
        if (store_ident_number(&l->ids[k], v[k], strlen(v[k]), &l->cs[3 * l->n + k]) != PN_OK)
            return PN_ENOMEM;
    l->cs[3 * l->n + 2] = side;
    l->n++;
    return PN_OK;
}

/* A submission's identifiers at the top level (its own, and a partner's if the form puts it
 * there), for the links of its entries. */
typedef struct sub_ident {
    sqlite3_int64 id;
    char *ident[2];
} sub_ident;

static int cmp_sub_ident(const void *a, const void *b)
{
    sqlite3_int64 x = ((const sub_ident *)a)->id, y = ((const sub_ident *)b)->id;
    return x < y ? -1 : x > y;
}

/* The column @q of a links view row of @f's repeat @r ('' when @f has no such value), as a
 * SELECT expression on the entries (e) or, for @top, on the submissions alone. */
static char *ident_column(const pn_question *q, int r, int top)
{
    if (q == NULL || !pn_question_has_value(q) || (q->repeat != -1 && q->repeat != r) ||
        (top != (q->repeat == -1)))
        return sqlite3_mprintf("NULL");
    return sqlite3_mprintf("\"%w\"", q->name);
}

/*
 * The links of form @f as the links view gives them (its entries, LEFT JOINed to their
 * submissions for a structure's own identifier), into @l: the submissions' identifiers read
 * once, sorted by id, and each entry's found there, not through a join that looks a row up
 * per entry (a fifth of a report's time at national scale).
 */
static pn_status form_links(pn_store *s, const pn_form *f, link_nums *l, pn_error *err)
{
    int r = pn_form_links_repeat(f);
    const pn_question *own = pn_form_side_question(f), *partner = pn_form_role(f, f->roles.partner);
    char entries[256], subs[256];
    pn_store_table_name(f, r, entries, sizeof entries);
    pn_store_table_name(f, -1, subs, sizeof subs);
    char *own_top = ident_column(own, r, 1), *own_e = ident_column(own, r, 0);
    char *par_top = ident_column(partner, r, 1), *par_e = ident_column(partner, r, 0);
    /* which of the two the entry's row does not hold, read from its submission */
    int top[2] = {own && own->repeat == -1, partner && partner->repeat == -1};
    char *q1 = own_top && par_top ? sqlite3_mprintf("SELECT submission_id, %s, %s FROM \"%w\"",
                                                    own_top, par_top, subs)
                                  : NULL;
    char *q2 = own_e && par_e ? sqlite3_mprintf("SELECT submission_id, %s, %s FROM \"%w\"", own_e,
                                                par_e, entries)
                              : NULL;
    sqlite3_free(own_top);
    sqlite3_free(own_e);
    sqlite3_free(par_top);
    sqlite3_free(par_e);
    sub_ident *si = NULL;
    size_t nsi = 0, capsi = 0;
    sqlite3_stmt *q = NULL;
    pn_status st = q1 && q2 ? PN_OK : PN_ENOMEM;
    int rc = SQLITE_DONE, centre = f->side == PN_SIDE_CENTRE;
    if (st == PN_OK && sqlite3_prepare_v2(s->db, q1, -1, &q, NULL) != SQLITE_OK)
        st = PN_ESTORE;
    while (st == PN_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (nsi == capsi) {
            capsi = capsi ? 2 * capsi : 1024;
            sub_ident *p = realloc(si, capsi * sizeof *p);
            if (p == NULL) {
                st = PN_ENOMEM;
                break;
            }
            si = p;
        }
        si[nsi].id = sqlite3_column_int64(q, 0);
        for (int k = 0; k < 2; k++) {
            const char *v = (const char *)sqlite3_column_text(q, k + 1);
            si[nsi].ident[k] = pn_strdup(v ? v : "");
        }
        if (si[nsi].ident[0] == NULL || si[nsi].ident[1] == NULL)
            st = PN_ENOMEM;
        nsi++;
    }
    if (st == PN_OK && rc != SQLITE_DONE)
        st = PN_ESTORE;
    sqlite3_finalize(q);
    q = NULL;
    if (si)
        qsort(si, nsi, sizeof *si, cmp_sub_ident);
    if (st == PN_OK && sqlite3_prepare_v2(s->db, q2, -1, &q, NULL) != SQLITE_OK)
        st = PN_ESTORE;
    while (st == PN_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        sub_ident key = {sqlite3_column_int64(q, 0), {NULL, NULL}};
        const sub_ident *found = si ? bsearch(&key, si, nsi, sizeof *si, cmp_sub_ident) : NULL;
        const char *v[2];
        for (int k = 0; k < 2; k++) /* at the top level: its submission's ('' without one, as a
                                     * LEFT JOIN gives) */
            v[k] = top[k] ? (found ? found->ident[k] : "")
                          : (const char *)sqlite3_column_text(q, k + 1);
        const char *mine = v[0], *other = v[1];
        st = add_link_nums(l, centre ? mine : other, centre ? other : mine, centre ? 1 : 2);
    }
    if (st == PN_OK && rc != SQLITE_DONE)
        st = PN_ESTORE;
    sqlite3_finalize(q);
    for (size_t i = 0; i < nsi; i++) {
        free(si[i].ident[0]);
        free(si[i].ident[1]);
    }
    free(si);
    sqlite3_free(q1);
    sqlite3_free(q2);
    if (st == PN_ESTORE)
        return pn_store_error(s, err, "cannot count");
    return st == PN_ENOMEM ? pn_error_set(err, PN_ENOMEM, "out of memory") : PN_OK;
}

/* The links, the distinct pairs they join and the pairs reported by both sides (dyads), as
 * count(*), GROUP BY centre_ident, school_ident and HAVING count(DISTINCT reporter_side) = 2
 * on the links view count them, without sorting a million rows of text: each identifier is
 * numbered, each link becomes a number (its pair and its side), and the numbers are sorted. */
static pn_status count_links(pn_store *s, double *links, double *pairs, double *dyads,
                             pn_error *err)
{
    link_nums l = {0};
    size_t distinct = 0, both = 0;
    uint64_t *key = NULL, *tmp = NULL;
    char **fids = NULL;
    size_t nf = 0;
    pn_status st = pn_store_form_ids(s, &fids, &nf, err);
    for (size_t i = 0; i < nf && st == PN_OK; i++) {
        pn_form *f = pn_store_get_form(s, fids[i], NULL, NULL, err);
        if (f == NULL)
            st = err && err->status ? err->status : PN_ESTORE;
        else if (pn_form_links_repeat(f) >= 0)
            st = form_links(s, f, &l, err);
        pn_form_destroy(f);
    }
    store_free_names(fids, nf);
    size_t n = l.n;
    /* each link as (centre * schools + school) * 4 + side, sorted: a pair's links together */
    unsigned bits = 2;
    while (bits < 64 && ((uint64_t)1 << (bits - 2)) < (uint64_t)l.ids[0].n * l.ids[1].n)
        bits++;
    if (st == PN_OK && (key = malloc((n ? n : 1) * sizeof *key)) != NULL &&
        (tmp = malloc((n ? n : 1) * sizeof *tmp)) != NULL) {
        for (size_t i = 0; i < n; i++)
            key[i] = ((uint64_t)l.cs[3 * i] * l.ids[1].n + l.cs[3 * i + 1]) << 2 | l.cs[3 * i + 2];
        store_radix_sort(key, tmp, n, bits);
        for (size_t i = 0; i < n;) {
            uint64_t sides = 0, pair = key[i] >> 2;
            for (; i < n && key[i] >> 2 == pair; i++)
                sides |= key[i] & 3;
            distinct++;
            both += sides == 3;
        }
    } else if (st == PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    *links = (double)n;
    *pairs = (double)distinct;
    *dyads = (double)both;
    store_idents_release(&l.ids[0]);
    store_idents_release(&l.ids[1]);
    free(l.cs);
    free(key);
    free(tmp);
    return st;
}

pn_status pn_store_counts(pn_store *s, double counts[PN_NCOUNTS], pn_error *err)
{
    static const char *const sql[PN_NCOUNTS] = {
        [PN_COUNT_CENTRES] = "SELECT count(*) FROM structures WHERE side='centre' AND responded=1",
        [PN_COUNT_SCHOOLS] = "SELECT count(*) FROM structures WHERE side='ecole' AND responded=1",
        [PN_COUNT_COMMUNES] = "SELECT count(DISTINCT commune) FROM structures WHERE responded=1"
                              " AND commune <> ''",
        [PN_COUNT_REJECTS] = "SELECT count(*) FROM rejects",
    };
    pn_status st = PN_OK;
    for (size_t i = 0; i < PN_NCOUNTS && st == PN_OK; i++)
        if (sql[i])
            st = one_number(s, sql[i], &counts[i], err);
    if (st == PN_OK)
        st = count_links(s, &counts[PN_COUNT_LINKS], &counts[PN_COUNT_PAIRS],
                         &counts[PN_COUNT_DYADS], err);
    return st;
}

/* The text of the one-value query @sql into @buf ("" when NULL). */
static pn_status answer_date(pn_store *s, const char *sql, char *buf, size_t size, pn_error *err)
{
    sqlite3_stmt *q = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot read the date of the answers");
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? PN_OK
               : pn_store_error(s, err, "cannot read the date of the answers");
}

pn_status pn_store_data_date(pn_store *s, char *buf, size_t size, pn_error *err)
{
    return answer_date(s, "SELECT max(submitted) FROM submissions", buf, size, err);
}

pn_status pn_store_first_date(pn_store *s, char *buf, size_t size, pn_error *err)
{
    return answer_date(s, "SELECT min(submitted) FROM submissions", buf, size, err);
}

pn_status pn_store_each_reject(pn_store *s, pn_reject_fn fn, void *ctx, pn_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT form_id, file, line, instance_key, reasons, raw FROM rejects"
                           " ORDER BY file, line",
                           -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot read the rejects");
    pn_status st = PN_OK;
    int rc;
    while (st == PN_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        pn_reject r = {(const char *)sqlite3_column_text(q, 0),
                       (const char *)sqlite3_column_text(q, 1),
                       sqlite3_column_int64(q, 2),
                       (const char *)sqlite3_column_text(q, 3),
                       (const char *)sqlite3_column_text(q, 4),
                       (const char *)sqlite3_column_text(q, 5)};
        st = fn(ctx, &r, err);
    }
    if (st == PN_OK && rc != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot read the rejects");
    sqlite3_finalize(q);
    return st;
}

/*
 * A scan of a repeat's entries reads their submissions' answers first, once each, into memory
 * (`sub`), then the entries alone: a submission has tens of entries, and the join that looked
 * its row up for each entry was a fifth of a count's time at national scale. The entries are
 * read in the order the join read them (the entries' table, by rowid), each with its
 * submission's answers, and an entry whose submission has no row is left out as by the join.
 * When the submissions' ids are too scattered for a table indexed by id, the join is kept.
 */
struct pn_store_scan {
    pn_store *store;
    sqlite3_stmt *q;
    size_t n;
    /* for a repeat's entries read apart from their submissions (q's column 0 is then the
     * entry's submission_id); npar 0 and sub NULL when the join is used */
    int *par;            /* per column: its index among the submission's columns, or -1 */
    size_t npar;         /* the submission's columns asked */
    sqlite3_int64 first; /* the smallest submission_id */
    size_t nsub;         /* slots in sub and has: ids first .. first + nsub - 1 */
    unsigned char *has;  /* per slot: a submission has this id */
    char **sub;          /* nsub * npar answers (NULL: none) */
};

/* Append to @sql ", <table alias>.\"name\"" for each of @cols, or ", NULL"; the columns at
 * the top level read NULL when @skip_top (they are read apart). */
static int append_scan_columns(pn_strbuf *sql, const pn_question *const *cols, size_t n,
                               int skip_top)
{
    for (size_t i = 0; i < n; i++) {
        int top = cols[i] && cols[i]->repeat < 0;
        char *col = cols[i] && !(top && skip_top)
                        ? sqlite3_mprintf(", %s.\"%w\"", top ? "p" : "t", cols[i]->name)
                        : sqlite3_mprintf(", NULL");
        int ok = col != NULL && pn_strbuf_puts(sql, col) == PN_OK;
        sqlite3_free(col);
        if (!ok)
            return 0;
    }
    return 1;
}

/* Read the submissions' answers of @sc->par into @sc->sub. PN_OK with @sc->sub NULL when the
 * ids are too scattered (the join is then used), PN_ESTORE, PN_ENOMEM. */
static pn_status read_submissions(pn_store_scan *sc, const pn_question *const *cols,
                                  const char *parent, pn_error *err)
{
    pn_store *s = sc->store;
    sqlite3_stmt *q = NULL;
    pn_strbuf sql = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    char *range = sqlite3_mprintf("SELECT min(submission_id), max(submission_id), count(*) FROM"
                                  " \"%w\"",
                                  parent);
    if (range == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(s->db, range, -1, &q, NULL);
    sqlite3_free(range);
    if (rc != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
        st = pn_store_error(s, err, "cannot read the answers");
        goto out;
    }
    sqlite3_int64 lo = sqlite3_column_int64(q, 0), hi = sqlite3_column_int64(q, 1),
                  count = sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    q = NULL;
    /* a table by id costs a slot per id in the range: used when most ids are taken */
    if (count == 0 || hi - lo + 1 > 4 * count + 1024)
        goto out;
    sc->first = lo;
    sc->nsub = (size_t)(hi - lo + 1);
    sc->has = calloc(sc->nsub, 1);
    sc->sub = calloc(sc->nsub * (sc->npar ? sc->npar : 1), sizeof *sc->sub);
    int ok =
        sc->has != NULL && sc->sub != NULL && pn_strbuf_puts(&sql, "SELECT submission_id") == PN_OK;
    for (size_t i = 0; i < sc->n && ok; i++)
        if (sc->par[i] >= 0) {
            char *col = sqlite3_mprintf(", \"%w\"", cols[i]->name);
            ok = col != NULL && pn_strbuf_puts(&sql, col) == PN_OK;
            sqlite3_free(col);
        }
    char *from = ok ? sqlite3_mprintf(" FROM \"%w\"", parent) : NULL;
    ok = ok && from != NULL && pn_strbuf_puts(&sql, from) == PN_OK;
    sqlite3_free(from);
    if (!ok) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(s->db, pn_strbuf_str(&sql), -1, &q, NULL) != SQLITE_OK) {
        st = pn_store_error(s, err, "cannot read the answers");
        goto out;
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        size_t slot = (size_t)(sqlite3_column_int64(q, 0) - lo);
        sc->has[slot] = 1;
        for (size_t k = 0; k < sc->npar; k++) {
            const char *v = (const char *)sqlite3_column_text(q, (int)k + 1);
            if (v != NULL && (sc->sub[slot * sc->npar + k] = pn_strdup(v)) == NULL) {
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    if (rc != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot read the answers");
out:
    sqlite3_finalize(q);
    pn_strbuf_release(&sql);
    return st;
}

static void free_submissions(pn_store_scan *sc)
{
    if (sc->sub)
        for (size_t k = 0; k < sc->nsub * sc->npar; k++)
            free(sc->sub[k]);
    free(sc->sub);
    free(sc->has);
    sc->sub = NULL;
    sc->has = NULL;
    sc->nsub = 0;
}

/* The ids of part @part of @nparts of @table's rows, *@from to *@to: the range of the ids
 * cut into @nparts runs of about as many ids, the first run from the smallest id there can
 * be and the last to the largest. PN_OK or PN_ESTORE. */
static pn_status part_bounds(pn_store *s, const char *table, size_t part, size_t nparts,
                             sqlite3_int64 *from, sqlite3_int64 *to, pn_error *err)
{
    sqlite3_stmt *q = NULL;
    /* each alone, which SQLite reads at an end of the table (together they scan it) */
    char *sql = sqlite3_mprintf("SELECT (SELECT min(rowid) FROM \"%w\"),"
                                " (SELECT max(rowid) FROM \"%w\")",
                                table, table);
    if (sql == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return pn_store_error(s, err, "cannot read the answers");
    }
    sqlite3_int64 lo = sqlite3_column_int64(q, 0), hi = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    /* the k-th cut: lo + k * (hi - lo) / nparts, in unsigned arithmetic that cannot wrap */
    sqlite3_uint64 d = (sqlite3_uint64)hi - (sqlite3_uint64)lo, n = nparts;
#define CUT(k) ((sqlite3_int64)((sqlite3_uint64)lo + d / n * (k) + d % n * (k) / n))
    *from = part == 0 ? INT64_MIN : CUT(part) + 1;
    *to = part + 1 == nparts ? INT64_MAX : CUT(part + 1);
#undef CUT
    return PN_OK;
}

pn_store_scan *pn_store_scan_open(pn_store *s, const pn_form *f, int level,
                                  const pn_question *const *cols, size_t n, pn_error *err)
{
    return pn_store_scan_open_part(s, f, level, cols, n, 0, 1, err);
}

pn_store_scan *pn_store_scan_open_part(pn_store *s, const pn_form *f, int level,
                                       const pn_question *const *cols, size_t n, size_t part,
                                       size_t nparts, pn_error *err)
{
    char table[256], parent[256];
    sqlite3_int64 from = INT64_MIN, to = INT64_MAX;
    if (part >= nparts) {
        pn_error_set(err, PN_EINTERNAL, "no part %zu of %zu", part, nparts);
        return NULL;
    }
    pn_strbuf sql = PN_STRBUF_INIT;
    pn_store_scan *sc = calloc(1, sizeof *sc);
    if (sc == NULL || (sc->par = calloc(n ? n : 1, sizeof *sc->par)) == NULL) {
        free(sc);
        pn_error_set(err, PN_ENOMEM, "out of memory");
        return NULL;
    }
    sc->store = s;
    sc->n = n;
    pn_store_table_name(f, level, table, sizeof table);
    pn_store_table_name(f, -1, parent, sizeof parent);
    for (size_t i = 0; i < n; i++)
        sc->par[i] = cols[i] && cols[i]->repeat < 0 ? (int)sc->npar++ : -1;
    pn_status st = level >= 0 ? read_submissions(sc, cols, parent, err) : PN_OK;
    if (st == PN_OK && nparts > 1)
        st = part_bounds(s, level >= 0 ? table : parent, part, nparts, &from, &to, err);
    int apart = sc->sub != NULL; /* the entries read without the join */
    int ok = st == PN_OK &&
             pn_strbuf_puts(&sql, apart ? "SELECT t.submission_id" : "SELECT 1") == PN_OK &&
             append_scan_columns(&sql, cols, n, apart);
    char *tables = !ok          ? NULL
                   : apart      ? sqlite3_mprintf(" FROM \"%w\" t", table)
                   : level >= 0 ? sqlite3_mprintf(" FROM \"%w\" t JOIN \"%w\" p ON p.submission_id"
                                                  " = t.submission_id",
                                                  table, parent)
                                : sqlite3_mprintf(" FROM \"%w\" p", parent);
    ok = ok && tables != NULL && pn_strbuf_puts(&sql, tables) == PN_OK &&
         (nparts < 2 ||
          pn_strbuf_puts(&sql, level >= 0 ? " WHERE t.rowid BETWEEN ?1 AND ?2"
                                          : " WHERE p.rowid BETWEEN ?1 AND ?2") == PN_OK);
    sqlite3_free(tables);
    if (st != PN_OK) {
        ok = 0;
    } else if (!ok) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
    } else if (sqlite3_prepare_v2(s->db, pn_strbuf_str(&sql), -1, &sc->q, NULL) != SQLITE_OK) {
        pn_store_error(s, err, "cannot read the answers");
        ok = 0;
    } else if (nparts > 1) {
        sqlite3_bind_int64(sc->q, 1, from);
        sqlite3_bind_int64(sc->q, 2, to);
    }
    pn_strbuf_release(&sql);
    if (!ok) {
        pn_store_scan_close(sc);
        return NULL;
    }
    s->scans++;
    return sc;
}

pn_status pn_store_scan_next(pn_store_scan *sc, const char **values, int *more, pn_error *err)
{
    for (;;) {
        int rc = sqlite3_step(sc->q);
        *more = rc == SQLITE_ROW;
        if (rc != SQLITE_ROW)
            return rc == SQLITE_DONE ? PN_OK
                                     : pn_store_error(sc->store, err, "cannot read the answers");
        if (sc->sub == NULL) {
            for (size_t i = 0; i < sc->n; i++)
                values[i] = (const char *)sqlite3_column_text(sc->q, (int)i + 1);
            return PN_OK;
        }
        sqlite3_int64 id = sqlite3_column_int64(sc->q, 0);
        if (id < sc->first || (size_t)(id - sc->first) >= sc->nsub || !sc->has[id - sc->first])
            continue; /* no submission row: the join left it out */
        const char *const *sub = (const char *const *)sc->sub + (size_t)(id - sc->first) * sc->npar;
        for (size_t i = 0; i < sc->n; i++)
            values[i] = sc->par[i] >= 0 ? sub[sc->par[i]]
                                        : (const char *)sqlite3_column_text(sc->q, (int)i + 1);
        return PN_OK;
    }
}

void pn_store_scan_close(pn_store_scan *sc)
{
    if (sc == NULL)
        return;
    sqlite3_finalize(sc->q);
    free_submissions(sc);
    free(sc->par);
    free(sc);
}

size_t pn_store_scans(const pn_store *s)
{
    return s->scans;
}

struct pn_store_rows {
    pn_store *store;
    const pn_form *form;
    int level;
    sqlite3_stmt *q;
    const char **val;
};

/* Append ", \"q\"" (with @prefix before the name) for each question of @f at @repeat that
 * stores a value. */
static int append_columns(const pn_form *f, int repeat, const char *prefix, pn_strbuf *sql)
{
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if (q->repeat != repeat || !pn_question_has_value(q))
            continue;
        char *one = sqlite3_mprintf(", %s\"%w\"", prefix, q->name);
        int ok = one != NULL && pn_strbuf_puts(sql, one) == PN_OK;
        sqlite3_free(one);
        if (!ok)
            return 0;
    }
    return 1;
}

pn_store_rows *pn_store_rows_open(pn_store *s, const pn_form *f, int level, pn_error *err)
{
    char table[256], subs[256];
    pn_strbuf sql = PN_STRBUF_INIT;
    pn_store_rows *r = calloc(1, sizeof *r);
    char *from = NULL;
    pn_store_table_name(f, level, table, sizeof table);
    pn_store_table_name(f, -1, subs, sizeof subs);
    /* columns 0-3: the row's id and where it came from; then the level's answers, then (for
     * a repeat entry) its submission's */
    int ok = r != NULL && (r->val = calloc(f->nq ? f->nq : 1, sizeof *r->val)) != NULL;
    if (ok && level < 0)
        ok = pn_strbuf_puts(&sql, "SELECT d.submission_id, s.instance_key, s.source_file,"
                                  " s.source_line") == PN_OK &&
             append_columns(f, -1, "d.", &sql) &&
             (from = sqlite3_mprintf(" FROM \"%w\" d JOIN submissions s ON s.submission_id ="
                                     " d.submission_id ORDER BY d.submission_id",
                                     table)) != NULL;
    else if (ok)
        ok = pn_strbuf_puts(&sql, "SELECT e.entry_id, s.instance_key, NULL, e.position") == PN_OK &&
             append_columns(f, level, "e.", &sql) && append_columns(f, -1, "d.", &sql) &&
             (from = sqlite3_mprintf(" FROM \"%w\" e JOIN submissions s ON s.submission_id ="
                                     " e.submission_id LEFT JOIN \"%w\" d ON d.submission_id ="
                                     " e.submission_id ORDER BY e.entry_id",
                                     table, subs)) != NULL;
    ok = ok && pn_strbuf_puts(&sql, from) == PN_OK;
    sqlite3_free(from);
    if (!ok) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
    } else if (sqlite3_prepare_v2(s->db, pn_strbuf_str(&sql), -1, &r->q, NULL) != SQLITE_OK) {
        pn_store_error(s, err, "cannot read the stored answers");
        ok = 0;
    }
    pn_strbuf_release(&sql);
    if (!ok) {
        pn_store_rows_close(r);
        return NULL;
    }
    r->store = s;
    r->form = f;
    r->level = level;
    return r;
}

pn_status pn_store_rows_next(pn_store_rows *r, pn_store_row *row, int *more, pn_error *err)
{
    const pn_form *f = r->form;
    int rc = sqlite3_step(r->q);
    *more = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? PN_OK
                                 : pn_store_error(r->store, err, "cannot read the stored answers");
    row->id = sqlite3_column_int64(r->q, 0);
    row->key = (const char *)sqlite3_column_text(r->q, 1);
    row->file = (const char *)sqlite3_column_text(r->q, 2);
    row->line = sqlite3_column_int64(r->q, 3);
    for (size_t i = 0; i < f->nq; i++)
        r->val[i] = NULL;
    /* the level's answers, then its submission's, in the order append_columns wrote them */
    int col = 4;
    for (int pass = 0; pass < (r->level < 0 ? 1 : 2); pass++) {
        int level = pass == 0 ? r->level : -1;
        for (size_t i = 0; i < f->nq; i++)
            if (f->q[i].repeat == level && pn_question_has_value(&f->q[i]))
                r->val[i] = (const char *)sqlite3_column_text(r->q, col++);
    }
    row->val = r->val;
    return PN_OK;
}

void pn_store_rows_close(pn_store_rows *r)
{
    if (r == NULL)
        return;
    sqlite3_finalize(r->q);
    free(r->val);
    free(r);
}

struct pn_store_updater {
    pn_store *store;
    sqlite3_stmt *q;
    size_t n;
};

pn_store_updater *pn_store_updater_open(pn_store *s, const pn_form *f, int level, const size_t *qs,
                                        size_t n, pn_error *err)
{
    char table[256];
    pn_strbuf set = PN_STRBUF_INIT;
    pn_store_updater *u = calloc(1, sizeof *u);
    int ok = u != NULL;
    pn_store_table_name(f, level, table, sizeof table);
    for (size_t k = 0; k < n && ok; k++) {
        char *one = sqlite3_mprintf("%s\"%w\"=?%d", k ? ", " : "", f->q[qs[k]].name, (int)k + 2);
        ok = one != NULL && pn_strbuf_puts(&set, one) == PN_OK;
        sqlite3_free(one);
    }
    char *sql = ok ? sqlite3_mprintf("UPDATE \"%w\" SET %s WHERE %s=?1", table, pn_strbuf_str(&set),
                                     level < 0 ? "submission_id" : "entry_id")
                   : NULL;
    if (sql == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        ok = 0;
    } else if (sqlite3_prepare_v2(s->db, sql, -1, &u->q, NULL) != SQLITE_OK) {
        pn_store_error(s, err, "cannot update the stored answers");
        ok = 0;
    }
    sqlite3_free(sql);
    pn_strbuf_release(&set);
    if (!ok) {
        pn_store_updater_close(u);
        return NULL;
    }
    u->store = s;
    u->n = n;
    return u;
}

pn_status pn_store_updater_set(pn_store_updater *u, long long id, const char *const *vals,
                               pn_error *err)
{
    sqlite3_reset(u->q);
    sqlite3_bind_int64(u->q, 1, id);
    for (size_t k = 0; k < u->n; k++)
        if (vals[k])
            sqlite3_bind_text(u->q, (int)k + 2, vals[k], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(u->q, (int)k + 2);
    int rc = sqlite3_step(u->q);
    sqlite3_reset(u->q);
    return rc == SQLITE_DONE ? PN_OK
                             : pn_store_error(u->store, err, "cannot update the stored answers");
}

void pn_store_updater_close(pn_store_updater *u)
{
    if (u == NULL)
        return;
    sqlite3_finalize(u->q);
    free(u);
}
