/* registry.c - the registry of the structures to survey, read from the coordinator's files
 * (registry.h). */
#include "import/registry.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/fold.h"
#include "util/geo.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/xlsx.h"
#include "util/strindex.h"

/* The fields a file may give, in its columns. */
enum field {
    F_UAI,
    F_SIRET,
    F_NAME,
    F_KIND,
    F_COMMUNE,
    F_COMMUNE_NAME,
    F_REP,
    F_EMAIL,
    F_ADDRESS,
    F_POSTCODE,
    F_LAT,
    F_LON,
    F_STATE,
    F_QP,
    F_QP_NAME,
    F_X, /* Sirene's projected coordinates */
    F_Y,
    F_EPSG,
    NFIELDS
};

/* Column heads, folded (fold_head), for each field; the first that a header has wins. */
static const char *const heads[NFIELDS][7] = {
    [F_UAI] = {"identifiant_de_l_etablissement", "uai", "code_uai", "numero_uai", NULL},
    [F_SIRET] = {"siret", "numero_siret", "n_siret", NULL},
    [F_NAME] = {"nom_etablissement", "nom", "nom_structure", "raison_sociale", "denomination",
                "nom_du_centre", NULL},
    [F_KIND] = {"type_etablissement", "type", NULL},
    [F_COMMUNE] = {"code_commune", "code_insee", "insee", "commune_insee", "commune", NULL},
    [F_COMMUNE_NAME] = {"nom_commune", "ville", "libelle_commune", NULL},
    [F_REP] = {"appartenance_education_prioritaire", "education_prioritaire", "rep", NULL},
    [F_EMAIL] = {"mail", "courriel", "email", "e_mail", "adresse_mail", "mel", NULL},
    [F_ADDRESS] = {"adresse_1", "adresse", NULL},
    [F_POSTCODE] = {"code_postal", NULL},
    [F_LAT] = {"latitude", "y_latitude", "lat", NULL},
    [F_LON] = {"longitude", "x_longitude", "lon", "lng", NULL},
    [F_STATE] = {"etat", NULL},
    [F_QP] = {"code_qp", NULL},
    [F_QP_NAME] = {"lib_qp", NULL},
    [F_X] = {"x", NULL},
    [F_Y] = {"y", NULL},
    [F_EPSG] = {"epsg", NULL},
};

/* One file being read. */
typedef struct reader {
    pn_store *s;
    pn_registry_result *out;
    pn_registry_file *f;
    const char *path;
    int col[NFIELDS]; /* the field's column, -1 none */
    int header_seen;
    size_t ncols, header_line;            /* the header's fields, and its line */
    size_t qpv_commune, qpv_commune_name; /* QPV list: insee_com and lib_com columns */
    pn_geo *geo;      /* Sirene: the conversion of its coordinates, made at the first */
    pn_strindex seen; /* identifiers met in this file: keys in @keys */
    char **keys;
    size_t nkeys, capkeys;
} reader;

/* @s as a column head: folded (case, accents), then every run of characters that are not
 * letters or digits one '_', none at the ends ("Identifiant de l'établissement" ->
 * "identifiant_de_l_etablissement"). NULL when out of memory. */
static char *fold_head(const char *s)
{
    char *f = pn_fold(s);
    if (f == NULL)
        return NULL;
    size_t o = 0;
    int gap = 0;
    for (const unsigned char *p = (const unsigned char *)f; *p; p++) {
        if (isalnum(*p)) {
            if (gap && o > 0)
                f[o++] = '_';
            f[o++] = (char)*p;
            gap = 0;
        } else {
            gap = 1;
        }
    }
    f[o] = '\0';
    return f;
}

static pn_status issue(reader *r, size_t line, int kept, pn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Add an issue of @r's file at @line. */
static pn_status issue(reader *r, size_t line, int kept, pn_error *err, const char *fmt, ...)
{
    pn_registry_result *out = r->out;
    pn_registry_issue *p = realloc(out->issues, (out->nissues + 1) * sizeof *p);
    if (p == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    out->issues = p;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pn_registry_issue *is = &out->issues[out->nissues];
    is->file = pn_strdup(r->path);
    is->reason = pn_strdup(buf);
    is->line = line;
    is->kept = kept;
    if (is->file == NULL || is->reason == NULL) {
        free(is->file);
        free(is->reason);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    out->nissues++;
    return PN_OK;
}

/* The header: its kind, and the column of each field. */
static pn_status read_header(reader *r, size_t n, char *const *fields, pn_error *err)
{
    char **folded = calloc(n ? n : 1, sizeof *folded);
    pn_status st = PN_OK;
    if (folded == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && st == PN_OK; i++)
        if ((folded[i] = fold_head(fields[i])) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
    for (int k = 0; k < NFIELDS && st == PN_OK; k++) {
        r->col[k] = -1;
        for (size_t h = 0; heads[k][h] && r->col[k] < 0; h++)
            for (size_t i = 0; i < n; i++)
                if (strcmp(folded[i], heads[k][h]) == 0) {
                    r->col[k] = (int)i;
                    break;
                }
    }
    int insee_com = -1, lib_com = -1;
    for (size_t i = 0; i < n && st == PN_OK; i++) {
        if (strcmp(folded[i], "insee_com") == 0)
            insee_com = (int)i;
        else if (strcmp(folded[i], "lib_com") == 0)
            lib_com = (int)i;
    }
    if (st != PN_OK)
        goto out;
    if (r->col[F_QP] >= 0 && insee_com >= 0) {
        r->f->kind = PN_REGISTRY_QPV;
        r->qpv_commune = (size_t)insee_com;
        r->qpv_commune_name = lib_com >= 0 ? (size_t)lib_com : (size_t)-1;
    } else if (r->col[F_UAI] >= 0) {
        r->f->kind = PN_REGISTRY_ANNUAIRE;
    } else if (r->col[F_SIRET] >= 0 && r->col[F_X] >= 0 && r->col[F_Y] >= 0 &&
               r->col[F_EPSG] >= 0 && r->col[F_NAME] < 0) {
        r->f->kind = PN_REGISTRY_SIRENE;
    } else if (r->col[F_SIRET] >= 0 && r->col[F_NAME] >= 0) {
        r->f->kind = PN_REGISTRY_CENTRES;
    } else {
        st = pn_error_set(err, PN_EINPUT,
                          "%s:1: expected the header of the Annuaire de l'education "
                          "(Identifiant_de_l_etablissement, ...), of a list of centres sociaux "
                          "(siret and nom columns) or of the QPV list (code_qp, insee_com), "
                          "found '%s%s%s%s'",
                          r->path, n > 0 ? fields[0] : "", n > 1 ? ";" : "", n > 1 ? fields[1] : "",
                          n > 2 ? ";..." : "");
    }
out:
    for (size_t i = 0; i < n; i++)
        free(folded[i]);
    free(folded);
    return st;
}

/* The trimmed text of field @k of the record, "" when the file has no such column. The
 * returned text points into @fields, whose trailing spaces are cut. */
static const char *get(const reader *r, int k, size_t n, char *const *fields)
{
    int c = r->col[k];
    if (c < 0 || (size_t)c >= n)
        return "";
    char *v = fields[c];
    while (*v == ' ' || *v == '\t')
        v++;
    size_t len = strlen(v);
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
        v[--len] = '\0';
    return v;
}

/* A coordinate ("48.94", "48,94"), NaN when empty; 0 when it is no number in [lo, hi]. */
static int coordinate(const char *s, double lo, double hi, double *out)
{
    *out = NAN;
    if (*s == '\0')
        return 1;
    char buf[64];
    if (strlen(s) >= sizeof buf)
        return 0;
    size_t i = 0;
    for (; s[i]; i++)
        buf[i] = s[i] == ',' ? '.' : s[i];
    buf[i] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end); /* '.' always: the program never calls setlocale */
    if (end == buf || *end != '\0' || !(v >= lo && v <= hi))
        return 0;
    *out = v;
    return 1;
}

/* @v as the identifier of @kind into @out: normalised, repaired when a spreadsheet dropped
 * its leading zeros; 0 with the reason in @why when it is wrong. */
static int identifier(pn_ident_kind kind, const char *v, char *out, char *why, size_t size)
{
    char norm[64];
    if (pn_ident_normalize(kind, v, norm, sizeof norm) < 0) {
        snprintf(why, size, "'%.40s...' is too long", v);
        return 0;
    }
    size_t len = strlen(norm);
    if (pn_ident_check(kind, norm, why, size) && len < PN_IDENT_SIZE) {
        memcpy(out, norm, len + 1);
        return 1;
    }
    return pn_ident_repair(kind, norm, out, PN_IDENT_SIZE);
}

/* The priority education of the Annuaire's column, as the registry keeps it: REP, REP+ or
 * "" ("REP +", "rep+" alike). */
static const char *rep_of(const char *v)
{
    char buf[16];
    size_t o = 0;
    for (const char *p = v; *p && o + 1 < sizeof buf; p++)
        if (*p != ' ')
            buf[o++] = (char)toupper((unsigned char)*p);
    buf[o] = '\0';
    return strcmp(buf, "REP+") == 0 ? "REP+" : strcmp(buf, "REP") == 0 ? "REP" : "";
}

static pn_status put(reader *r, size_t line, const pn_registry_entry *e, pn_error *err)
{
    size_t len = strlen(e->ident);
    if (pn_strindex_get(&r->seen, e->ident, len, NULL)) { /* on several lines: its first one */
        r->f->duplicates++;
        return PN_OK;
    }
    if (r->nkeys == r->capkeys) {
        size_t cap = r->capkeys ? 2 * r->capkeys : 256;
        char **k = realloc(r->keys, cap * sizeof *k);
        if (k == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        r->keys = k;
        r->capkeys = cap;
    }
    char *key = pn_strdup(e->ident);
    if (key == NULL || pn_strindex_put(&r->seen, key, len, 0) != PN_OK) {
        free(key);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    r->keys[r->nkeys++] = key;
    pn_status st;
    unsigned changed = 0;
    if ((st = pn_store_registry_put(r->s, e, r->path, &changed, err)) != PN_OK)
        return st;
    (void)line;
    if (changed == PN_REG_NEW) {
        r->f->added++;
    } else if (changed == 0) {
        r->f->unchanged++;
    } else {
        r->f->updated++;
        for (int b = 0; b < 7; b++)
            if (changed & (1u << b))
                r->f->changed[b]++;
    }
    return PN_OK;
}

/* A row of the Annuaire or of the centres' list. */
static pn_status read_structure(reader *r, size_t line, size_t n, char *const *fields,
                                pn_error *err)
{
    int school = r->f->kind == PN_REGISTRY_ANNUAIRE;
    pn_ident_kind ik = school ? PN_IDENT_UAI : PN_IDENT_SIRET;
    const char *raw = get(r, school ? F_UAI : F_SIRET, n, fields);
    char ident[PN_IDENT_SIZE], why[256];
    pn_status st;
    if (!identifier(ik, raw, ident, why, sizeof why)) {
        r->f->rejected++;
        return issue(r, line, 0, err, "%s '%s': %s", pn_ident_kind_name(ik), raw, why);
    }
    const char *state = get(r, F_STATE, n, fields);
    if (school && *state && strcmp(state, "OUVERT") != 0 && strcmp(state, "ouvert") != 0) {
        r->f->closed++;
        return PN_OK;
    }
    /* the commune: an INSEE code (repaired), or a name in a list that has no code column */
    const char *commune_raw = get(r, F_COMMUNE, n, fields);
    char commune[PN_IDENT_SIZE] = "";
    const char *commune_name = get(r, F_COMMUNE_NAME, n, fields);
    if (*commune_raw && !identifier(PN_IDENT_COMMUNE, commune_raw, commune, why, sizeof why)) {
        if (school || r->col[F_COMMUNE_NAME] >= 0) {
            r->f->rejected++;
            return issue(r, line, 0, err, "%s '%s': commune '%s': %s", pn_ident_kind_name(ik),
                         ident, commune_raw, why);
        }
        commune[0] = '\0';
        commune_name = commune_raw; /* "Argenteuil" in a column headed commune */
    }
    double lat, lon;
    const char *lat_raw = get(r, F_LAT, n, fields), *lon_raw = get(r, F_LON, n, fields);
    if (!coordinate(lat_raw, -90, 90, &lat) || !coordinate(lon_raw, -180, 180, &lon)) {
        if ((st = issue(r, line, 1, err,
                        "%s '%s': coordinates left out: expected a latitude and a longitude in "
                        "degrees, found '%s' and '%s'",
                        pn_ident_kind_name(ik), ident, lat_raw, lon_raw)) != PN_OK)
            return st;
        lat = lon = NAN;
    }
    if (isnan(lat) != isnan(lon))
        lat = lon = NAN;
    pn_strbuf address = PN_STRBUF_INIT;
    const char *street = get(r, F_ADDRESS, n, fields), *postcode = get(r, F_POSTCODE, n, fields);
    if (pn_strbuf_printf(&address, "%s%s%s", street, *street && *postcode ? ", " : "", postcode) !=
        PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_registry_entry e = {school ? "ecole" : "centre",
                           ident,
                           get(r, F_NAME, n, fields),
                           get(r, F_KIND, n, fields),
                           commune,
                           commune_name,
                           school ? rep_of(get(r, F_REP, n, fields)) : "",
                           get(r, F_EMAIL, n, fields),
                           pn_strbuf_str(&address),
                           lat,
                           lon};
    st = put(r, line, &e, err);
    pn_strbuf_release(&address);
    return st;
}

/* The next item of a list joined by ';' or ',' from *@p, trimmed, into @buf. 0 at the end. */
static int next_item(const char **p, char *buf, size_t size)
{
    while (**p == ' ' || **p == ';' || **p == ',')
        (*p)++;
    if (**p == '\0')
        return 0;
    size_t len = strcspn(*p, ";,");
    size_t keep = len;
    while (keep > 0 && (*p)[keep - 1] == ' ')
        keep--;
    snprintf(buf, size, "%.*s", (int)keep, *p);
    *p += len;
    return 1;
}

/* A row of the QPV list: one QPV and its communes. */
static pn_status read_qpv(reader *r, size_t line, size_t n, char *const *fields, pn_error *err)
{
    const char *code_raw = get(r, F_QP, n, fields);
    char code[PN_IDENT_SIZE], why[256];
    if (!identifier(PN_IDENT_QPV, code_raw, code, why, sizeof why)) {
        r->f->rejected++;
        return issue(r, line, 0, err, "QPV '%s': %s", code_raw, why);
    }
    const char *communes = r->qpv_commune < n ? fields[r->qpv_commune] : "";
    const char *names = r->qpv_commune_name < n ? fields[r->qpv_commune_name] : "";
    char c[64], name[256];
    int any = 0;
    while (next_item(&communes, c, sizeof c)) {
        char commune[PN_IDENT_SIZE];
        if (!next_item(&names, name, sizeof name))
            name[0] = '\0';
        if (!identifier(PN_IDENT_COMMUNE, c, commune, why, sizeof why)) {
            r->f->rejected++;
            return issue(r, line, 0, err, "QPV '%s': commune '%s': %s", code, c, why);
        }
        int changed = 0;
        pn_status st = pn_store_qpv_put(r->s, code, get(r, F_QP_NAME, n, fields), commune, name,
                                        r->path, &changed, err);
        if (st != PN_OK)
            return st;
        any = 1;
        if (changed)
            r->f->added++;
        else
            r->f->unchanged++;
    }
    if (!any) {
        r->f->rejected++;
        return issue(r, line, 0, err, "QPV '%s': no commune (insee_com is empty)", code);
    }
    return PN_OK;
}

/* A row of the geolocated Sirene file: the place of a centre of the registry. */
static pn_status read_sirene(reader *r, size_t line, size_t n, char *const *fields, pn_error *err)
{
    const char *raw = get(r, F_SIRET, n, fields);
    char ident[PN_IDENT_SIZE], why[256];
    if (!identifier(PN_IDENT_SIRET, raw, ident, why, sizeof why)) {
        r->f->rejected++;
        return issue(r, line, 0, err, "SIRET '%s': %s", raw, why);
    }
    const char *xs = get(r, F_X, n, fields), *ys = get(r, F_Y, n, fields);
    const char *es = get(r, F_EPSG, n, fields);
    double x, y, lat, lon;
    char *end = NULL;
    long epsg = strtol(es, &end, 10);
    if (!*xs && !*ys) { /* not placed by INSEE */
        r->f->unchanged++;
        return PN_OK;
    }
    if (!coordinate(xs, -1e8, 1e8, &x) || !coordinate(ys, -1e8, 1e8, &y) || isnan(x) || isnan(y) ||
        end == es || *end != '\0' || epsg <= 0) {
        r->f->rejected++;
        return issue(r, line, 0, err,
                     "SIRET '%s': expected projected coordinates x, y and an EPSG code, found "
                     "'%s', '%s', '%s'",
                     ident, xs, ys, es);
    }
    if (r->geo == NULL && (r->geo = pn_geo_create()) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_error geo_err = {0};
    pn_status st = pn_geo_to_wgs84(r->geo, (int)epsg, x, y, &lat, &lon, &geo_err);
    if (st == PN_ENOMEM)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st != PN_OK) {
        r->f->rejected++;
        return issue(r, line, 0, err, "SIRET '%s': %s", ident, geo_err.msg);
    }
    int changed = 0;
    if ((st = pn_store_registry_place(r->s, "centre", ident, lat, lon, r->path, &changed, err)) !=
        PN_OK)
        return st;
    if (changed < 0) {
        r->f->absent++;
    } else if (changed > 0) {
        r->f->updated++;
        r->f->changed[6]++; /* the place: PN_REG_PLACE's bit */
    } else {
        r->f->unchanged++;
    }
    return PN_OK;
}

static pn_status on_record(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    reader *r = ctx;
    int empty = 1;
    for (size_t i = 0; i < n && empty; i++)
        empty = fields[i][strspn(fields[i], " \t\r")] == '\0';
    if (empty)
        return PN_OK;
    if (!r->header_seen) {
        r->header_seen = 1;
        r->ncols = n;
        r->header_line = line;
        return read_header(r, n, fields, err);
    }
    /* a row cut short or with extra cells (a file cut off, a delimiter in a cell): its
     * columns no longer line up with the header, so nothing of the file is taken */
    size_t used = n;
    while (used > r->ncols && fields[used - 1][0] == '\0')
        used--;
    if (used != r->ncols)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: expected %zu fields as in the header (line %zu), found %zu: "
                            "a delimiter is missing or extra on this line, a quote is not "
                            "closed, or the file is cut off",
                            r->path, line, r->ncols, r->header_line, used);
    r->f->rows++;
    switch (r->f->kind) {
    case PN_REGISTRY_QPV:
        return read_qpv(r, line, n, fields, err);
    case PN_REGISTRY_SIRENE:
        return read_sirene(r, line, n, fields, err);
    case PN_REGISTRY_ANNUAIRE:
    case PN_REGISTRY_CENTRES:
        break;
    }
    return read_structure(r, line, n, fields, err);
}

/* Communes known by their name only (a centres list with a commune column of names): their
 * INSEE code from the registry's structures that have both, when one code has that name. */
typedef struct town_codes {
    pn_strindex ix; /* folded name -> index in codes */
    char **names;   /* the folded names the index lends */
    char (*codes)[PN_IDENT_SIZE];
    unsigned char *ambiguous;
    size_t n;
    /* the structures to complete: side, identifier, folded name */
    char **todo;
    size_t ntodo;
} town_codes;

static pn_status collect_town(void *ctx, const pn_structure_row *r, pn_error *err)
{
    town_codes *t = ctx;
    if (!r->listed || !*r->e.commune_name)
        return PN_OK;
    char *folded = pn_fold(r->e.commune_name);
    if (folded == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (!*r->e.commune) { /* to complete: "side\x1fident\x1ffolded" */
        pn_strbuf sb = PN_STRBUF_INIT;
        char **p = realloc(t->todo, (t->ntodo + 1) * sizeof *p);
        if (p)
            t->todo = p;
        if (p == NULL ||
            pn_strbuf_printf(&sb, "%s\x1f%s\x1f%s", r->e.side, r->e.ident, folded) != PN_OK) {
            free(folded);
            pn_strbuf_release(&sb);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
        free(folded);
        t->todo[t->ntodo++] = pn_strbuf_detach(&sb);
        return PN_OK;
    }
    size_t at;
    if (pn_strindex_get(&t->ix, folded, strlen(folded), &at)) {
        t->ambiguous[at] |= strcmp(t->codes[at], r->e.commune) != 0;
        free(folded);
        return PN_OK;
    }
    char **names = realloc(t->names, (t->n + 1) * sizeof *names);
    if (names)
        t->names = names;
    char(*codes)[PN_IDENT_SIZE] = names ? realloc(t->codes, (t->n + 1) * sizeof *codes) : NULL;
    if (codes)
        t->codes = codes;
    unsigned char *amb = codes ? realloc(t->ambiguous, t->n + 1) : NULL;
    if (amb)
        t->ambiguous = amb;
    if (amb == NULL || pn_strindex_put(&t->ix, folded, strlen(folded), t->n) != PN_OK) {
        free(folded);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    names[t->n] = folded;
    snprintf(codes[t->n], PN_IDENT_SIZE, "%s", r->e.commune);
    amb[t->n++] = 0;
    return PN_OK;
}

static pn_status complete_communes(pn_store *s, pn_error *err)
{
    town_codes t = {.ix = PN_STRINDEX_INIT};
    pn_status st = pn_store_each_structure(s, collect_town, &t, err);
    for (size_t i = 0; i < t.ntodo && st == PN_OK; i++) {
        char *side = t.todo[i], *ident = strchr(side, '\x1f'), *name;
        *ident++ = '\0';
        name = strchr(ident, '\x1f');
        *name++ = '\0';
        size_t at;
        if (pn_strindex_get(&t.ix, name, strlen(name), &at) && !t.ambiguous[at])
            st = pn_store_registry_set_commune(s, side, ident, t.codes[at], err);
    }
    for (size_t i = 0; i < t.n; i++)
        free(t.names[i]);
    for (size_t i = 0; i < t.ntodo; i++)
        free(t.todo[i]);
    free(t.names);
    free(t.codes);
    free(t.ambiguous);
    free(t.todo);
    pn_strindex_release(&t.ix);
    return st;
}

/* A list kept in Excel (.xlsx): its first visible sheet, read as a CSV file would be. */
static pn_status read_workbook(reader *r, const char *path, pn_error *err)
{
    pn_xlsx *x = NULL;
    pn_status st = pn_xlsx_open(path, &x, err);
    size_t i = 0;
    while (st == PN_OK && i < pn_xlsx_nsheets(x) && pn_xlsx_sheet_hidden(x, i))
        i++;
    if (st == PN_OK && i == pn_xlsx_nsheets(x))
        st = pn_error_set(err, PN_EINPUT, "%s: the workbook has no visible sheet", path);
    pn_strbuf name = PN_STRBUF_INIT;
    if (st == PN_OK && pn_strbuf_printf(&name, "%s[%s]", path, pn_xlsx_sheet_name(x, i)) != PN_OK)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK) {
        r->path = pn_strbuf_str(&name); /* messages name the sheet */
        st = pn_xlsx_read(x, i, r->path, on_record, r, err);
        r->path = path;
    }
    pn_strbuf_release(&name);
    pn_xlsx_destroy(x);
    return st;
}

pn_status pn_registry_import(pn_store *s, const char *const *paths, size_t n,
                             pn_registry_result *out, pn_error *err)
{
    memset(out, 0, sizeof *out);
    if ((out->files = calloc(n ? n : 1, sizeof *out->files)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_status st = pn_store_begin(s, err);
    for (size_t i = 0; i < n && st == PN_OK; i++) {
        pn_registry_file *f = &out->files[out->nfiles++];
        if ((f->path = pn_strdup(paths[i])) == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            break;
        }
        reader r = {.s = s, .out = out, .f = f, .path = paths[i], .seen = PN_STRINDEX_INIT};
        if (pn_xlsx_is_zip(paths[i]))
            st = read_workbook(&r, paths[i], err);
        else
            st = pn_csv_read_path(paths[i], NULL, on_record, &r, NULL, err);
        if (st == PN_OK && !r.header_seen)
            st = pn_error_set(err, PN_EINPUT, "%s: expected a header row, found only empty rows",
                              paths[i]);
        pn_strindex_release(&r.seen);
        pn_geo_destroy(r.geo);
        for (size_t k = 0; k < r.nkeys; k++)
            free(r.keys[k]);
        free(r.keys);
    }
    if (st == PN_OK)
        st = complete_communes(s, err);
    if (st == PN_OK)
        st = pn_store_commit(s, err);
    else
        pn_store_rollback(s);
    return st;
}

void pn_registry_result_release(pn_registry_result *r)
{
    for (size_t i = 0; i < r->nfiles; i++)
        free(r->files[i].path);
    free(r->files);
    for (size_t i = 0; i < r->nissues; i++) {
        free(r->issues[i].file);
        free(r->issues[i].reason);
    }
    free(r->issues);
    memset(r, 0, sizeof *r);
}

const char *pn_registry_kind_label(pn_registry_kind kind)
{
    switch (kind) {
    case PN_REGISTRY_ANNUAIRE:
        return "Annuaire de l'\xc3\xa9"
               "ducation";
    case PN_REGISTRY_CENTRES:
        return "liste des centres sociaux";
    case PN_REGISTRY_QPV:
        return "liste des QPV";
    case PN_REGISTRY_SIRENE:
        return "fichier Sirene g\xc3\xa9olocalis\xc3\xa9";
    }
    return "";
}
