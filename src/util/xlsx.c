/*
 * xlsx.c - the sheets of an .xlsx workbook as records (xlsx.h): libzip for the archive,
 * expat for its XML parts, read as streams.
 *
 * The parts read: _rels/.rels (where the workbook part is), the workbook (its sheets, their
 * order and state, the date system), the workbook's relationships (each sheet's part), the
 * shared strings, the styles (which cell formats show a date), docProps/core.xml (the
 * modification date), then each sheet when it is read. Element and attribute names are
 * matched by their local name, whatever prefix a writer gave its namespaces.
 */
#include "util/xlsx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "util/strbuf.h"

#define MAX_COLUMNS 16384 /* XFD, Excel's last column */

typedef struct sheet {
    char *name, *part;
    int hidden;
} sheet;

struct pn_xlsx {
    char *path;
    zip_t *zip;
    sheet *sheets;
    size_t nsheets;
    int date1904;
    /* shared strings: text, NUL-terminated one after the other, and where each starts */
    pn_strbuf strings;
    size_t *sst;
    size_t nsst;
    unsigned char *xf_kind; /* per cell format (the s attribute): a DATE_* kind */
    size_t nxf;
    char *modified;
};

enum { NOT_DATE = 0, DATE_DAY = 1, DATE_TIME = 2, DATE_BOTH = 3 };

/* ---- parts --------------------------------------------------------------------------- */

/* The local part of an expat name "uri name" (the parser splits names on ' '). */
static const char *local(const char *name)
{
    const char *s = strrchr(name, ' ');
    return s ? s + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/* What the handlers of one part share: their state, and the first failure. */
typedef struct part {
    XML_Parser p;
    pn_xlsx *x;
    pn_status st;
    pn_error *err;
    void *ctx;
} part;

static void part_fail(part *pt, pn_status st)
{
    if (pt->st == PN_OK)
        pt->st = st;
    XML_StopParser(pt->p, XML_FALSE);
}

/*
 * Parse the part @name of the archive with the handlers given; @ctx is the handlers' state.
 * A part that is absent is PN_OK with *@found 0 when @found is not NULL, else an error.
 */
static pn_status parse_part(pn_xlsx *x, const char *name, const char *label,
                            XML_StartElementHandler start, XML_EndElementHandler end,
                            XML_CharacterDataHandler text, void *ctx, int *found, pn_error *err)
{
    pn_status st = PN_OK;
    char buf[65536];
    part pt = {.x = x, .err = err, .ctx = ctx};
    zip_file_t *zf = zip_fopen(x->zip, name, 0);
    if (found)
        *found = zf != NULL;
    if (zf == NULL)
        return found ? PN_OK
                     : pn_error_set(err, PN_EINPUT,
                                    "%s: not an Excel workbook (.xlsx): it has no part '%s'",
                                    x->path, name);
    if ((pt.p = XML_ParserCreateNS(NULL, ' ')) == NULL) {
        zip_fclose(zf);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    XML_SetUserData(pt.p, &pt);
    XML_SetElementHandler(pt.p, start, end);
    if (text)
        XML_SetCharacterDataHandler(pt.p, text);
    for (;;) {
        zip_int64_t n = zip_fread(zf, buf, sizeof buf);
        if (n < 0) {
            st = pn_error_set(err, PN_EINPUT, "%s: damaged workbook: cannot read '%s': %s", x->path,
                              name, zip_strerror(x->zip));
            break;
        }
        if (XML_Parse(pt.p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
            if (pt.st != PN_OK)
                st = pt.st; /* a handler stopped the parser and said why */
            else
                st = pn_error_set(err, PN_EINPUT, "%s: damaged workbook: %s, line %lu: %s", label,
                                  name, (unsigned long)XML_GetCurrentLineNumber(pt.p),
                                  XML_ErrorString(XML_GetErrorCode(pt.p)));
            break;
        }
        if (n == 0)
            break;
    }
    if (st == PN_OK && pt.st != PN_OK)
        st = pt.st;
    XML_ParserFree(pt.p);
    zip_fclose(zf);
    return st;
}

/* Text gathered between a start and an end tag, when a handler asked for it. */
typedef struct gather {
    pn_strbuf text;
    int on;
} gather;

static void gather_text(void *ud, const XML_Char *s, int len)
{
    part *pt = ud;
    gather *g = pt->ctx;
    if (g->on && pn_strbuf_append(&g->text, s, (size_t)len) != PN_OK)
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
}

/* ---- relationships, the workbook, properties ----------------------------------------- */

/* A relationships part: the target of the relationship @want_id, or of the first whose type
 * ends with @want_type. */
typedef struct rels {
    const char *want_id, *want_type;
    char *target;
} rels;

static void rels_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    part *pt = ud;
    rels *r = pt->ctx;
    if (strcmp(local(el), "Relationship") != 0 || r->target)
        return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    size_t tl = type ? strlen(type) : 0, wl = r->want_type ? strlen(r->want_type) : 0;
    int match = r->want_id ? id && strcmp(id, r->want_id) == 0
                           : type && tl >= wl && strcmp(type + tl - wl, r->want_type) == 0;
    if (match && target && (r->target = pn_strdup(target)) == NULL)
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
}

static void no_end(void *ud, const XML_Char *el)
{
    (void)ud, (void)el;
}

/* The part a relationship of the part in folder @dir points to: @target relative to @dir,
 * or absolute ("/xl/worksheets/sheet1.xml"). */
static char *resolve(const char *dir, const char *target)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    if (target[0] == '/' ? pn_strbuf_puts(&sb, target + 1) != PN_OK
                         : pn_strbuf_printf(&sb, "%s%s", dir, target) != PN_OK) {
        pn_strbuf_release(&sb);
        return NULL;
    }
    return pn_strbuf_detach(&sb);
}

/* The relationships of the part @dir/@file: the target of @want_id or @want_type, resolved;
 * *@target NULL when there is none. */
static pn_status find_rel(pn_xlsx *x, const char *dir, const char *file, const char *want_id,
                          const char *want_type, char **target, pn_error *err)
{
    char name[512];
    snprintf(name, sizeof name, "%s_rels/%s.rels", dir, file);
    rels r = {want_id, want_type, NULL};
    int found;
    pn_status st = parse_part(x, name, x->path, rels_start, no_end, NULL, &r, &found, err);
    *target = NULL;
    if (st == PN_OK && r.target && (*target = resolve(dir, r.target)) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    free(r.target);
    return st;
}

typedef struct book {
    char **ids; /* each sheet's relationship id */
    pn_strbuf unused;
} book;

static void book_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    part *pt = ud;
    pn_xlsx *x = pt->x;
    book *b = pt->ctx;
    const char *l = local(el);
    if (strcmp(l, "workbookPr") == 0) {
        const char *d = attr(atts, "date1904");
        x->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
        return;
    }
    if (strcmp(l, "sheet") != 0)
        return;
    const char *name = attr(atts, "name"), *id = attr(atts, "id"), *state = attr(atts, "state");
    if (name == NULL || id == NULL) {
        part_fail(pt,
                  pn_error_set(pt->err, PN_EINPUT,
                               "%s: damaged workbook: a sheet without a name or a part", x->path));
        return;
    }
    sheet *s = realloc(x->sheets, (x->nsheets + 1) * sizeof *s);
    char **ids = s ? realloc(b->ids, (x->nsheets + 1) * sizeof *ids) : NULL;
    if (s)
        x->sheets = s;
    if (ids)
        b->ids = ids;
    if (s == NULL || ids == NULL) {
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
        return;
    }
    s += x->nsheets;
    *s = (sheet){pn_strdup(name), NULL, state && strcmp(state, "visible") != 0};
    ids[x->nsheets++] = pn_strdup(id);
    if (s->name == NULL || ids[x->nsheets - 1] == NULL)
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
}

/* The workbook part @wb (e.g. "xl/workbook.xml"): its sheets and the part of each. */
static pn_status read_book(pn_xlsx *x, const char *wb, pn_error *err)
{
    book b = {0};
    const char *slash = strrchr(wb, '/');
    char dir[512];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - wb + 1) : 0, wb);
    pn_status st = parse_part(x, wb, x->path, book_start, no_end, NULL, &b, NULL, err);
    for (size_t i = 0; i < x->nsheets && st == PN_OK; i++) {
        st = find_rel(x, dir, slash ? slash + 1 : wb, b.ids[i], NULL, &x->sheets[i].part, err);
        if (st == PN_OK && x->sheets[i].part == NULL)
            st = pn_error_set(err, PN_EINPUT,
                              "%s: damaged workbook: sheet '%s' has no part in the archive",
                              x->path, x->sheets[i].name);
    }
    for (size_t i = 0; i < x->nsheets; i++)
        free(b.ids[i]);
    free(b.ids);
    return st;
}

static void core_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    part *pt = ud;
    gather *g = pt->ctx;
    (void)atts;
    if (strcmp(local(el), "modified") == 0) {
        pn_strbuf_reset(&g->text);
        g->on = 1;
    }
}

static void core_end(void *ud, const XML_Char *el)
{
    part *pt = ud;
    gather *g = pt->ctx;
    if (g->on && strcmp(local(el), "modified") == 0) {
        g->on = 0;
        free(pt->x->modified);
        if ((pt->x->modified = pn_strdup(pn_strbuf_str(&g->text))) == NULL)
            part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
    }
}

/* ---- shared strings ------------------------------------------------------------------ */

/* Append @s to @out with OOXML's escapes of characters XML cannot hold decoded: "_x000D_" is
 * a carriage return, "_x005F_" a '_' (which escapes the escape). */
static pn_status unescape(pn_strbuf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned v = 0;
        if (s[i] == '_' && i + 6 < len && s[i + 1] == 'x' && s[i + 6] == '_' &&
            sscanf(s + i + 2, "%4x", &v) == 1 && strspn(s + i + 2, "0123456789abcdefABCDEF") >= 4) {
            char u[4];
            size_t n;
            if (v < 0x80)
                u[0] = (char)v, n = 1;
            else if (v < 0x800)
                u[0] = (char)(0xC0 | v >> 6), u[1] = (char)(0x80 | (v & 0x3F)), n = 2;
            else
                u[0] = (char)(0xE0 | v >> 12), u[1] = (char)(0x80 | ((v >> 6) & 0x3F)),
                u[2] = (char)(0x80 | (v & 0x3F)), n = 3;
            if (v == 0) /* no NUL inside a field */
                n = 0;
            if (pn_strbuf_append(out, u, n) != PN_OK)
                return PN_ENOMEM;
            i += 6;
            continue;
        }
        if (pn_strbuf_append(out, s + i, 1) != PN_OK)
            return PN_ENOMEM;
    }
    return PN_OK;
}

/* Inside a string (<si> of the shared strings, <is> of a cell): its <t> runs are its text,
 * those of a phonetic guide (<rPh>) are not. */
typedef struct runs {
    int in_string, in_phonetic;
    gather g;
} runs;

static void runs_start(runs *r, const char *l)
{
    if (strcmp(l, "rPh") == 0)
        r->in_phonetic = 1;
    else if (strcmp(l, "t") == 0 && r->in_string && !r->in_phonetic)
        r->g.on = 1;
}

static void runs_end(runs *r, const char *l)
{
    if (strcmp(l, "rPh") == 0)
        r->in_phonetic = 0;
    else if (strcmp(l, "t") == 0)
        r->g.on = 0;
}

static void runs_text(void *ud, const XML_Char *s, int len)
{
    part *pt = ud;
    runs *r = pt->ctx;
    if (r->g.on && pn_strbuf_append(&r->g.text, s, (size_t)len) != PN_OK)
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
}

static void sst_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    part *pt = ud;
    runs *r = pt->ctx;
    const char *l = local(el);
    (void)atts;
    if (strcmp(l, "si") == 0) {
        r->in_string = 1;
        pn_strbuf_reset(&r->g.text);
    }
    runs_start(r, l);
}

static void sst_end(void *ud, const XML_Char *el)
{
    part *pt = ud;
    runs *r = pt->ctx;
    pn_xlsx *x = pt->x;
    const char *l = local(el);
    runs_end(r, l);
    if (strcmp(l, "si") != 0)
        return;
    r->in_string = 0;
    size_t *p = realloc(x->sst, (x->nsst + 1) * sizeof *p);
    if (p == NULL) {
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
        return;
    }
    x->sst = p;
    p[x->nsst++] = x->strings.len;
    const char *t = pn_strbuf_str(&r->g.text);
    if (unescape(&x->strings, t, r->g.text.len) != PN_OK ||
        pn_strbuf_append(&x->strings, "", 1) != PN_OK)
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
}

/* ---- styles: which cell formats show a date ------------------------------------------ */

/* The kind of the number format @code: what its letters show, outside quoted text, escaped
 * characters and [colour] or [$-locale] brackets ([h] elapsed hours count as time). */
static int format_kind(const char *code)
{
    int day = 0, time = 0;
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (q == NULL)
                break;
            p = q;
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            if (p[1] == '\0')
                break;
            p++;
        } else if (*p == '[') {
            const char *q = strchr(p + 1, ']');
            if (q == NULL)
                break;
            if (strchr("hHmMsS", p[1]) != NULL)
                time = 1;
            p = q;
        } else if (strchr("yYdD", *p)) {
            day = 1;
        } else if (strchr("hHsS", *p)) {
            time = 1;
        } else if (*p == 'm' || *p == 'M') {
            day |= !time; /* "mm" after "h" is minutes, else a month */
        }
    }
    return (day ? DATE_DAY : 0) | (time ? DATE_TIME : 0);
}

/* The kind of the built-in number format @id (ECMA-376 §18.8.30, and the East Asian date
 * formats Excel numbers 27 to 36 and 50 to 58). */
static int builtin_kind(long id)
{
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) ||
        (id >= 50 && id <= 58))
        return DATE_DAY;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 33) || (id >= 45 && id <= 47))
        return DATE_TIME;
    return id == 22 ? DATE_BOTH : NOT_DATE;
}

typedef struct styles {
    long *fmt_id; /* custom formats: id and kind */
    int *fmt_kind;
    size_t nfmt;
    long *xf_fmt; /* each cell format's number format */
    int in_xfs;
} styles;

static void styles_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    part *pt = ud;
    styles *s = pt->ctx;
    pn_xlsx *x = pt->x;
    const char *l = local(el);
    if (strcmp(l, "cellXfs") == 0) {
        s->in_xfs = 1;
    } else if (strcmp(l, "numFmt") == 0) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        long *ids = realloc(s->fmt_id, (s->nfmt + 1) * sizeof *ids);
        int *kinds = ids ? realloc(s->fmt_kind, (s->nfmt + 1) * sizeof *kinds) : NULL;
        if (ids)
            s->fmt_id = ids;
        if (kinds)
            s->fmt_kind = kinds;
        if (ids == NULL || kinds == NULL) {
            part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
            return;
        }
        ids[s->nfmt] = id ? strtol(id, NULL, 10) : -1;
        kinds[s->nfmt++] = code ? format_kind(code) : NOT_DATE;
    } else if (strcmp(l, "xf") == 0 && s->in_xfs) {
        const char *id = attr(atts, "numFmtId");
        long *f = realloc(s->xf_fmt, (x->nxf + 1) * sizeof *f);
        if (f == NULL) {
            part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
            return;
        }
        s->xf_fmt = f;
        f[x->nxf++] = id ? strtol(id, NULL, 10) : 0;
    }
}

static void styles_end(void *ud, const XML_Char *el)
{
    part *pt = ud;
    styles *s = pt->ctx;
    if (strcmp(local(el), "cellXfs") == 0)
        s->in_xfs = 0;
}

static pn_status read_styles(pn_xlsx *x, const char *name, pn_error *err)
{
    styles s = {0};
    pn_status st = parse_part(x, name, x->path, styles_start, styles_end, NULL, &s, NULL, err);
    if (st == PN_OK && x->nxf && (x->xf_kind = calloc(x->nxf, 1)) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->nxf && st == PN_OK; i++) {
        int kind = builtin_kind(s.xf_fmt[i]);
        for (size_t k = 0; k < s.nfmt; k++)
            if (s.fmt_id[k] == s.xf_fmt[i])
                kind = s.fmt_kind[k];
        x->xf_kind[i] = (unsigned char)kind;
    }
    free(s.fmt_id);
    free(s.fmt_kind);
    free(s.xf_fmt);
    return st;
}

/* ---- opening ------------------------------------------------------------------------- */

int pn_xlsx_is_zip(const char *path)
{
    unsigned char b[4] = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(b, 1, 4, f);
    fclose(f);
    return n == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

/* The parts of the workbook, once the archive is open. */
static pn_status read_parts(pn_xlsx *x, pn_error *err)
{
    char *wb = NULL, *sst = NULL, *sty = NULL;
    pn_status st = find_rel(x, "", "", NULL, "/officeDocument", &wb, err);
    if (st == PN_OK && wb == NULL && (wb = pn_strdup("xl/workbook.xml")) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK && zip_name_locate(x->zip, wb, 0) < 0)
        st = pn_error_set(err, PN_EINPUT,
                          "%s: not an Excel workbook (.xlsx): it holds no '%s' (a "
                          "LibreOffice .ods? save it as .xlsx or CSV)",
                          x->path, wb);
    if (st == PN_OK)
        st = read_book(x, wb, err);
    const char *slash = wb ? strrchr(wb, '/') : NULL;
    char dir[512];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - wb + 1) : 0, wb ? wb : "");
    if (st == PN_OK)
        st = find_rel(x, dir, slash ? slash + 1 : wb, NULL, "/sharedStrings", &sst, err);
    if (st == PN_OK && sst) {
        runs r = {.g = {PN_STRBUF_INIT, 0}};
        st = parse_part(x, sst, x->path, sst_start, sst_end, runs_text, &r, NULL, err);
        pn_strbuf_release(&r.g.text);
    }
    if (st == PN_OK)
        st = find_rel(x, dir, slash ? slash + 1 : wb, NULL, "/styles", &sty, err);
    if (st == PN_OK && sty)
        st = read_styles(x, sty, err);
    if (st == PN_OK) {
        gather g = {PN_STRBUF_INIT, 0};
        st = parse_part(x, "docProps/core.xml", x->path, core_start, core_end, gather_text, &g,
                        &(int){0}, err);
        pn_strbuf_release(&g.text);
    }
    free(wb);
    free(sst);
    free(sty);
    return st;
}

pn_status pn_xlsx_open(const char *path, pn_xlsx **out, pn_error *err)
{
    pn_status st = PN_OK;
    int code = 0;
    pn_xlsx *x = calloc(1, sizeof *x);
    *out = NULL;
    if (x == NULL || (x->path = pn_strdup(path)) == NULL) {
        free(x);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    x->strings = (pn_strbuf)PN_STRBUF_INIT;
    if ((x->zip = zip_open(path, ZIP_RDONLY, &code)) == NULL) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        if (code == ZIP_ER_OPEN || code == ZIP_ER_NOENT || code == ZIP_ER_READ)
            st = pn_error_set(err, PN_EIO, "cannot open '%s': %s", path, zip_error_strerror(&ze));
        else
            st = pn_error_set(err, PN_EINPUT,
                              "%s: cannot read it as an Excel workbook (.xlsx): %s; a damaged "
                              "file? open it and save it again as .xlsx or CSV",
                              path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto out;
    }
    st = read_parts(x, err);
out:
    if (st != PN_OK)
        pn_xlsx_destroy(x);
    else
        *out = x;
    return st;
}

void pn_xlsx_destroy(pn_xlsx *x)
{
    if (x == NULL)
        return;
    if (x->zip)
        zip_discard(x->zip);
    for (size_t i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].part);
    }
    free(x->sheets);
    pn_strbuf_release(&x->strings);
    free(x->sst);
    free(x->xf_kind);
    free(x->modified);
    free(x->path);
    free(x);
}

size_t pn_xlsx_nsheets(const pn_xlsx *x)
{
    return x->nsheets;
}

const char *pn_xlsx_sheet_name(const pn_xlsx *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

int pn_xlsx_sheet_hidden(const pn_xlsx *x, size_t i)
{
    return i < x->nsheets && x->sheets[i].hidden;
}

long pn_xlsx_sheet_find(const pn_xlsx *x, const char *name)
{
    for (size_t i = 0; i < x->nsheets; i++)
        if (strcmp(x->sheets[i].name, name) == 0)
            return (long)i;
    return -1;
}

const char *pn_xlsx_modified(const pn_xlsx *x)
{
    return x->modified;
}

/* ---- cells --------------------------------------------------------------------------- */

/* The civil date of @days after 1970-01-01 (H. Hinnant's days_from_civil, inverted). */
static void civil(long long days, long long *y, int *m, int *d)
{
    days += 719468;
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    long long doe = days - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The date or time Excel's serial number @v shows, in @out; 0 when it is none (out of range,
 * or Excel's 29 February 1900, which never was). */
static int serial_date(double v, int kind, int date1904, pn_strbuf *out)
{
    if (!(v >= 0 && v < 2958466)) /* up to 9999-12-31 */
        return 0;
    long long day = (long long)v;
    long long secs = (long long)((v - (double)day) * 86400.0 + 0.5);
    if (secs >= 86400)
        day++, secs -= 86400;
    if (!date1904 && day == 60)
        return 0;
    /* days from 1970-01-01: in the 1900 system serial 1 is 1900-01-01 and 61 is 1900-03-01
     * (Lotus's leap day between), in the 1904 system serial 0 is 1904-01-01 */
    long long epoch = date1904 ? -24107 : (day < 60 ? -25568 : -25569);
    long long y;
    int m, d;
    char buf[96];
    if (kind == DATE_TIME && day == 0)
        snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
    else {
        civil(day + epoch, &y, &m, &d);
        if (secs == 0 && kind != DATE_BOTH)
            snprintf(buf, sizeof buf, "%04lld-%02d-%02d", y, m, d);
        else
            snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02lld:%02lld:%02lld", y, m, d, secs / 3600,
                     secs / 60 % 60, secs % 60);
    }
    return pn_strbuf_puts(out, buf) == PN_OK ? 1 : -1;
}

/* A number's text @v (as the sheet stores it) in its shortest decimal form; a date when
 * its format shows one. */
static pn_status number_text(const pn_xlsx *x, const char *v, long style, pn_strbuf *out)
{
    char *end;
    double d = strtod(v, &end); /* '.' always: the program never calls setlocale */
    if (end == v || *end != '\0')
        return pn_strbuf_puts(out, v); /* not a number: as it is */
    int kind = style >= 0 && (size_t)style < x->nxf ? x->xf_kind[style] : NOT_DATE;
    if (kind != NOT_DATE) {
        int r = serial_date(d, kind, x->date1904, out);
        if (r != 0)
            return r < 0 ? PN_ENOMEM : PN_OK;
    }
    if (v[strspn(v, "-0123456789")] == '\0' && strlen(v) < 16)
        return pn_strbuf_puts(out, v); /* an integer: as written */
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) { /* the shortest that reads back the same */
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return pn_strbuf_puts(out, strcmp(buf, "-0") == 0 ? "0" : buf);
}

/* ---- a sheet ------------------------------------------------------------------------- */

typedef struct rows {
    runs r; /* the text of an inline string; r.g.text also gathers a value's <v> */
    const char *name;
    pn_csv_record_fn fn;
    void *fn_ctx;
    size_t width; /* the first row's */
    size_t row;   /* the current row's number */
    int in_value, in_cell, nrows;
    char type[16];
    long style;
    size_t col, next_col;
    pn_strbuf cells; /* the row's texts, each NUL-terminated */
    size_t *at;      /* per column: 1 + where its text starts in cells, 0 for none */
    size_t nat;
    char **fields;
    size_t nfields;
} rows;

/* Column @ref's index ("B12" -> 1); -1 when it is none. */
static long column_of(const char *ref)
{
    long c = 0;
    size_t i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 4; i++)
        c = c * 26 + (ref[i] - 'A' + 1);
    return i == 0 || c > MAX_COLUMNS ? -1 : c - 1;
}

static void cell_start(part *pt, rows *w, const XML_Char **atts)
{
    const char *ref = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
    long c = ref ? column_of(ref) : (long)w->next_col;
    if (c < 0 || c >= MAX_COLUMNS) {
        part_fail(pt, pn_error_set(pt->err, PN_EINPUT, "%s:%zu: cell '%s' is past column XFD",
                                   w->name, w->row, ref ? ref : "?"));
        return;
    }
    w->col = (size_t)c;
    w->next_col = w->col + 1;
    snprintf(w->type, sizeof w->type, "%s", t ? t : "n");
    w->style = s ? strtol(s, NULL, 10) : -1;
    w->in_cell = 1;
    w->r.in_string = 0;
    pn_strbuf_reset(&w->r.g.text);
}

/* The end of a cell: its text into the row. */
static void cell_end(part *pt, rows *w)
{
    pn_xlsx *x = pt->x;
    const char *v = pn_strbuf_str(&w->r.g.text);
    size_t start = w->cells.len;
    pn_status st = PN_OK;
    w->in_cell = 0;
    if (strcmp(w->type, "s") == 0) {
        char *end;
        unsigned long k = strtoul(v, &end, 10);
        if (end == v || k >= x->nsst) {
            part_fail(pt, pn_error_set(pt->err, PN_EINPUT,
                                       "%s:%zu: damaged workbook: a cell names shared string "
                                       "'%s' of %zu",
                                       w->name, w->row, v, x->nsst));
            return;
        }
        st = pn_strbuf_puts(&w->cells, pn_strbuf_str(&x->strings) + x->sst[k]);
    } else if (strcmp(w->type, "inlineStr") == 0 || strcmp(w->type, "str") == 0) {
        st = unescape(&w->cells, v, w->r.g.text.len);
    } else if (strcmp(w->type, "b") == 0) {
        st = pn_strbuf_puts(&w->cells, strcmp(v, "1") == 0 ? "TRUE" : "FALSE");
    } else if (strcmp(w->type, "n") == 0 && *v) {
        st = number_text(x, v, w->style, &w->cells);
    } else { /* an error value, an ISO date (t="d") */
        st = pn_strbuf_puts(&w->cells, v);
    }
    if (st == PN_OK && w->cells.len == start)
        return; /* an empty cell (a format alone) */
    if (st == PN_OK && w->col >= w->nat) {
        size_t n = w->col + 1 > 2 * w->nat ? w->col + 1 : 2 * w->nat;
        size_t *p = realloc(w->at, n * sizeof *p);
        if (p == NULL)
            st = PN_ENOMEM;
        else {
            memset(p + w->nat, 0, (n - w->nat) * sizeof *p);
            w->at = p, w->nat = n;
        }
    }
    if (st == PN_OK && (st = pn_strbuf_append(&w->cells, "", 1)) == PN_OK)
        w->at[w->col] = start + 1;
    if (st != PN_OK)
        part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
}

/* The end of a row: its fields to the callback. */
static void row_end(part *pt, rows *w)
{
    size_t used = 0;
    for (size_t c = 0; c < w->nat; c++)
        if (w->at[c])
            used = c + 1;
    if (used == 0)
        return;
    if (w->nrows++ == 0)
        w->width = used;
    size_t n = used > w->width ? used : w->width;
    if (n > w->nfields) {
        char **f = realloc(w->fields, n * sizeof *f);
        if (f == NULL) {
            part_fail(pt, pn_error_set(pt->err, PN_ENOMEM, "out of memory"));
            return;
        }
        w->fields = f, w->nfields = n;
    }
    static char empty[1];
    for (size_t c = 0; c < n; c++)
        w->fields[c] = c < w->nat && w->at[c] ? w->cells.buf + w->at[c] - 1 : empty;
    pn_status st = w->fn(w->fn_ctx, w->row, n, w->fields, pt->err);
    if (st != PN_OK) /* PN_STOP included: the parser stops, pn_xlsx_read returns PN_OK */
        part_fail(pt, st);
}

static void sheet_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    part *pt = ud;
    rows *w = pt->ctx;
    const char *l = local(el);
    if (strcmp(l, "row") == 0) {
        const char *r = attr(atts, "r");
        w->row = r ? strtoul(r, NULL, 10) : w->row + 1;
        w->next_col = 0;
        pn_strbuf_reset(&w->cells);
        if (w->nat)
            memset(w->at, 0, w->nat * sizeof *w->at);
    } else if (strcmp(l, "c") == 0) {
        cell_start(pt, w, atts);
    } else if (w->in_cell && strcmp(l, "v") == 0) {
        w->r.g.on = 1;
    } else if (w->in_cell && strcmp(l, "is") == 0) {
        w->r.in_string = 1;
    } else if (w->in_cell) {
        runs_start(&w->r, l);
    }
}

static void sheet_end(void *ud, const XML_Char *el)
{
    part *pt = ud;
    rows *w = pt->ctx;
    const char *l = local(el);
    if (strcmp(l, "row") == 0)
        row_end(pt, w);
    else if (strcmp(l, "c") == 0 && w->in_cell)
        cell_end(pt, w);
    else if (strcmp(l, "v") == 0)
        w->r.g.on = 0;
    else if (strcmp(l, "is") == 0)
        w->r.in_string = 0;
    else
        runs_end(&w->r, l);
}

pn_status pn_xlsx_read(pn_xlsx *x, size_t i, const char *name, pn_csv_record_fn fn, void *ctx,
                       pn_error *err)
{
    if (i >= x->nsheets)
        return pn_error_set(err, PN_EINTERNAL, "%s: no sheet %zu", x->path, i);
    rows w = {.r = {.g = {PN_STRBUF_INIT, 0}},
              .name = name,
              .fn = fn,
              .fn_ctx = ctx,
              .cells = PN_STRBUF_INIT};
    pn_status st =
        parse_part(x, x->sheets[i].part, name, sheet_start, sheet_end, runs_text, &w, NULL, err);
    if (st == PN_STOP)
        st = PN_OK;
    pn_strbuf_release(&w.r.g.text);
    pn_strbuf_release(&w.cells);
    free(w.at);
    free(w.fields);
    return st;
}
