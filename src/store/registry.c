/* registry.c - the registry of the structures to survey and the QPV list (store.h). */
#include "store/store.h"
#include "store/store_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Whether the stored text column @col of @q differs from @v (an empty @v never does: it
 * leaves the stored value). */
static int text_differs(sqlite3_stmt *q, int col, const char *v)
{
    if (v == NULL || v[0] == '\0')
        return 0;
    const unsigned char *old = sqlite3_column_text(q, col);
    return old == NULL || strcmp((const char *)old, v) != 0;
}

static int real_differs(sqlite3_stmt *q, int col, double v)
{
    if (isnan(v))
        return 0;
    return sqlite3_column_type(q, col) == SQLITE_NULL ||
           fabs(sqlite3_column_double(q, col) - v) > 1e-9;
}

/* Bind @v to parameter @i, NULL when empty. */
static int bind_text(sqlite3_stmt *q, int i, const char *v)
{
    return v && v[0] ? sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
}

static int bind_real(sqlite3_stmt *q, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(q, i) : sqlite3_bind_double(q, i, v);
}

pn_status pn_store_registry_put(pn_store *s, const pn_registry_entry *e, const char *source,
                                unsigned *changed, pn_error *err)
{
    *changed = 0;
    sqlite3_stmt *get =
        store_stmt(s,
                   "SELECT name, kind, commune, commune_name, rep, email, address,"
                   " latitude, longitude FROM registry WHERE side = ? AND ident = ?",
                   "cannot read the registry", err);
    if (get == NULL)
        return err->status;
    sqlite3_bind_text(get, 1, e->side, -1, SQLITE_STATIC);
    sqlite3_bind_text(get, 2, e->ident, -1, SQLITE_STATIC);
    int rc = sqlite3_step(get);
    if (rc == SQLITE_ROW) {
        *changed =
            (text_differs(get, 0, e->name) ? PN_REG_NAME : 0) |
            (text_differs(get, 1, e->kind) ? PN_REG_KIND : 0) |
            (text_differs(get, 2, e->commune) || text_differs(get, 3, e->commune_name)
                 ? PN_REG_COMMUNE
                 : 0) |
            (text_differs(get, 4, e->rep) ? PN_REG_REP : 0) |
            (text_differs(get, 5, e->email) ? PN_REG_EMAIL : 0) |
            (text_differs(get, 6, e->address) ? PN_REG_ADDRESS : 0) |
            (real_differs(get, 7, e->latitude) || real_differs(get, 8, e->longitude) ? PN_REG_PLACE
                                                                                     : 0);
    } else if (rc == SQLITE_DONE) {
        *changed = PN_REG_NEW;
    }
    sqlite3_reset(get);
    sqlite3_clear_bindings(get);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return pn_store_error(s, err, "cannot read the registry");
    if (*changed == 0)
        return PN_OK;
    /* a new row, or the fields given over the stored ones (coalesce keeps what an empty field
     * leaves) */
    sqlite3_stmt *put = store_stmt(
        s,
        "INSERT INTO registry(side, ident, name, kind, commune, commune_name, rep, email, address,"
        " latitude, longitude, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        " ON CONFLICT(side, ident) DO UPDATE SET name = coalesce(?3, name),"
        " kind = coalesce(?4, kind), commune = coalesce(?5, commune),"
        " commune_name = coalesce(?6, commune_name), rep = coalesce(?7, rep),"
        " email = coalesce(?8, email), address = coalesce(?9, address),"
        " latitude = coalesce(?10, latitude), longitude = coalesce(?11, longitude), source = ?12",
        "cannot write the registry", err);
    if (put == NULL)
        return err->status;
    const char *texts[] = {e->side,         e->ident, e->name,  e->kind,   e->commune,
                           e->commune_name, e->rep,   e->email, e->address};
    int ok = 1;
    for (int i = 0; i < 9; i++)
        ok &= bind_text(put, i + 1, texts[i]) == SQLITE_OK;
    ok &= bind_real(put, 10, e->latitude) == SQLITE_OK &&
          bind_real(put, 11, e->longitude) == SQLITE_OK &&
          sqlite3_bind_text(put, 12, source, -1, SQLITE_STATIC) == SQLITE_OK;
    rc = ok ? sqlite3_step(put) : SQLITE_ERROR;
    pn_status st = rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot write the registry");
    sqlite3_reset(put);
    sqlite3_clear_bindings(put);
    return st;
}

pn_status pn_store_registry_place(pn_store *s, const char *side, const char *ident, double latitude,
                                  double longitude, const char *source, int *changed, pn_error *err)
{
    *changed = -1;
    sqlite3_stmt *q = store_stmt(s,
                                 "UPDATE registry SET latitude = ?3, longitude = ?4, source = ?5"
                                 " WHERE side = ?1 AND ident = ?2 AND (latitude IS NOT ?3 OR"
                                 " longitude IS NOT ?4)",
                                 "cannot write the registry", err);
    sqlite3_stmt *has = q ? store_stmt(s, "SELECT 1 FROM registry WHERE side = ? AND ident = ?",
                                       "cannot read the registry", err)
                          : NULL;
    if (has == NULL)
        return err->status;
    sqlite3_bind_text(has, 1, side, -1, SQLITE_STATIC);
    sqlite3_bind_text(has, 2, ident, -1, SQLITE_STATIC);
    int rc = sqlite3_step(has);
    sqlite3_reset(has);
    sqlite3_clear_bindings(has);
    if (rc == SQLITE_DONE)
        return PN_OK;
    if (rc != SQLITE_ROW)
        return pn_store_error(s, err, "cannot read the registry");
    int ok = sqlite3_bind_text(q, 1, side, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(q, 2, ident, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_double(q, 3, latitude) == SQLITE_OK &&
             sqlite3_bind_double(q, 4, longitude) == SQLITE_OK &&
             sqlite3_bind_text(q, 5, source, -1, SQLITE_STATIC) == SQLITE_OK;
    rc = ok ? sqlite3_step(q) : SQLITE_ERROR;
    pn_status st = rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot write the registry");
    if (st == PN_OK)
        *changed = sqlite3_changes(s->db) > 0;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

pn_status pn_store_registry_set_commune(pn_store *s, const char *side, const char *ident,
                                        const char *commune, pn_error *err)
{
    sqlite3_stmt *q = store_stmt(s,
                                 "UPDATE registry SET commune = ?3 WHERE side = ?1 AND ident = ?2"
                                 " AND coalesce(commune, '') = ''",
                                 "cannot write the registry", err);
    if (q == NULL)
        return err->status;
    int ok = sqlite3_bind_text(q, 1, side, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(q, 2, ident, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(q, 3, commune, -1, SQLITE_STATIC) == SQLITE_OK;
    int rc = ok ? sqlite3_step(q) : SQLITE_ERROR;
    pn_status st = rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot write the registry");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

pn_status pn_store_qpv_put(pn_store *s, const char *code, const char *name, const char *commune,
                           const char *commune_name, const char *source, int *changed,
                           pn_error *err)
{
    *changed = 0;
    sqlite3_stmt *q = store_stmt(s,
                                 "INSERT INTO qpv(code_qp, lib_qp, insee_com, lib_com, source)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(code_qp, insee_com) DO"
                                 " UPDATE SET lib_qp = ?2, lib_com = ?4, source = ?5"
                                 " WHERE lib_qp IS NOT ?2 OR lib_com IS NOT ?4",
                                 "cannot write the QPV list", err);
    if (q == NULL)
        return err->status;
    int ok = sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC) == SQLITE_OK &&
             bind_text(q, 2, name) == SQLITE_OK &&
             sqlite3_bind_text(q, 3, commune, -1, SQLITE_STATIC) == SQLITE_OK &&
             bind_text(q, 4, commune_name) == SQLITE_OK &&
             sqlite3_bind_text(q, 5, source, -1, SQLITE_STATIC) == SQLITE_OK;
    int rc = ok ? sqlite3_step(q) : SQLITE_ERROR;
    pn_status st = rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot write the QPV list");
    if (st == PN_OK)
        *changed = sqlite3_changes(s->db) > 0;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

pn_status pn_store_send_put(pn_store *s, const char *form_id, const char *side, const char *ident,
                            const char *kind, const char *at, const char *link, pn_error *err)
{
    sqlite3_stmt *q = store_stmt(s,
                                 "INSERT INTO sends(form_id, side, ident, kind, at, link)"
                                 " VALUES(?, ?, ?, ?, ?, ?)",
                                 "cannot record the sending", err);
    if (q == NULL)
        return err->status;
    const char *v[] = {form_id, side, ident, kind, at, link};
    int ok = 1;
    for (int i = 0; i < 6; i++) /* every one required but the link ('' for an unknown form) */
        ok &= (i < 5 ? sqlite3_bind_text(q, i + 1, v[i] ? v[i] : "", -1, SQLITE_STATIC)
                     : bind_text(q, i + 1, v[i])) == SQLITE_OK;
    int rc = ok ? sqlite3_step(q) : SQLITE_ERROR;
    pn_status st = rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot record the sending");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

pn_status pn_store_registry_summary(pn_store *s, double listed[2], double answered[2],
                                    char sources[2][256], pn_error *err)
{
    static const char *const sql =
        "SELECT r.side, count(*), sum(EXISTS (SELECT 1 FROM structures st JOIN submissions sub"
        " ON sub.structure_id = st.structure_id WHERE st.side = r.side AND st.ident = r.ident)),"
        " (SELECT group_concat(source, ', ') FROM (SELECT DISTINCT source FROM registry x WHERE"
        " x.side = r.side ORDER BY source)) FROM registry r GROUP BY r.side";
    sqlite3_stmt *q = NULL;
    for (int k = 0; k < 2; k++) {
        listed[k] = answered[k] = 0;
        sources[k][0] = '\0';
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot read the registry");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int k = strcmp((const char *)sqlite3_column_text(q, 0), "centre") == 0 ? 0 : 1;
        listed[k] = sqlite3_column_double(q, 1);
        answered[k] = sqlite3_column_double(q, 2);
        const unsigned char *src = sqlite3_column_text(q, 3);
        snprintf(sources[k], 256, "%s", src ? (const char *)src : "");
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot read the registry");
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

static double col_real(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

pn_status pn_store_each_structure(pn_store *s, pn_structure_fn fn, void *ctx, pn_error *err)
{
    /* the registry with what the answers say of each (its own answer and its date), then the
     * structures the answers name that it lacks */
    static const char *const sql =
        "WITH answered AS (SELECT st.side, st.ident, max(sub.submitted) AS last"
        "  FROM structures st JOIN submissions sub ON sub.structure_id = st.structure_id"
        "  GROUP BY st.side, st.ident),"
        " sent AS (SELECT side, ident, sum(kind = 'envoi') AS n, sum(kind = 'relance') AS rem,"
        "  (SELECT link FROM sends l WHERE l.side = s.side AND l.ident = s.ident AND l.link IS NOT"
        "  NULL ORDER BY l.send_id DESC LIMIT 1) AS link,"
        "  (SELECT form_id FROM sends l WHERE l.side = s.side AND l.ident = s.ident AND l.kind ="
        "  'envoi' ORDER BY l.send_id DESC LIMIT 1) AS form FROM sends s GROUP BY side, ident)"
        " SELECT r.side, r.ident, r.name, r.kind, r.commune, r.commune_name, r.rep, r.email,"
        " r.address, r.latitude, r.longitude, 1, a.last IS NOT NULL, a.last,"
        " coalesce(x.n, 0), coalesce(x.rem, 0), x.link, x.form"
        " FROM registry r LEFT JOIN answered a ON a.side = r.side AND a.ident = r.ident"
        " LEFT JOIN sent x ON x.side = r.side AND x.ident = r.ident"
        " UNION ALL"
        " SELECT st.side, st.ident, st.name, NULL, st.commune, NULL, st.rep, NULL, NULL, NULL,"
        " NULL, 0, a.last IS NOT NULL, a.last, 0, 0, NULL, NULL"
        " FROM structures st LEFT JOIN answered a ON a.side = st.side AND a.ident = st.ident"
        " WHERE NOT EXISTS (SELECT 1 FROM registry r WHERE r.side = st.side AND r.ident = st.ident)"
        " ORDER BY 12 DESC, 1, 5, 3, 2";
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot read the registry");
    pn_status st = PN_OK;
    int rc;
    while (st == PN_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        pn_structure_row r = {{col_text(q, 0), col_text(q, 1), col_text(q, 2), col_text(q, 3),
                               col_text(q, 4), col_text(q, 5), col_text(q, 6), col_text(q, 7),
                               col_text(q, 8), col_real(q, 9), col_real(q, 10)},
                              sqlite3_column_int(q, 11),
                              sqlite3_column_int(q, 12),
                              col_text(q, 13),
                              sqlite3_column_int(q, 14),
                              sqlite3_column_int(q, 15),
                              col_text(q, 16),
                              col_text(q, 17)};
        st = fn(ctx, &r, err);
    }
    if (st == PN_OK && rc != SQLITE_DONE)
        st = pn_store_error(s, err, "cannot read the registry");
    sqlite3_finalize(q);
    return st;
}
