/* method.c - the methodology text of the workbook: read from a file a coordinator edits, its
 * placeholders filled with the report's figures. May call: util. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/decode.h"
#include "util/strbuf.h"

/* The placeholders, in the order of PN_COUNT_* (store.h), then the typology paragraph and the
 * secret statistique's sentence. */
static const char *const names[] = {"centres", "ecoles", "communes",  "liens", "paires",
                                    "dyades",  "rejets", "typologie", "secret"};
#define NNAMES (sizeof names / sizeof names[0])
_Static_assert(NNAMES == PN_NCOUNTS + 2, "one placeholder per count, the typology, the secret");
#define TYPOLOGY PN_NCOUNTS
#define SECRET (PN_NCOUNTS + 1)

typedef struct method_par {
    char *text;  /* as written, placeholders unfilled, owned */
    int heading; /* a section heading ("== ..."), else a paragraph */
    size_t line; /* of the file, for messages */
} method_par;

struct pn_report_method {
    char *name;
    method_par *pars;
    size_t n, cap;
};

void pn_report_method_destroy(pn_report_method *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->pars[i].text);
    free(m->pars);
    free(m->name);
    free(m);
}

/* The placeholder @s starts (after its '{'; @avail bytes there), as an index into names;
 * *@len the length of its name. -1 when it is none. */
static int placeholder(const char *s, size_t avail, size_t *len)
{
    for (size_t i = 0; i < NNAMES; i++) {
        size_t n = strlen(names[i]);
        if (n < avail && strncmp(s, names[i], n) == 0 && s[n] == '}') {
            *len = n;
            return (int)i;
        }
    }
    return -1;
}

/* Every '{' of the line @s (@len bytes, line @line) opens a known placeholder or is "{{". */
static pn_status check_line(const pn_report_method *m, const char *s, size_t len, size_t line,
                            pn_error *err)
{
    for (size_t i = 0; i < len; i++) {
        size_t n = 0;
        if (s[i] != '{')
            continue;
        if (i + 1 < len && s[i + 1] == '{') {
            i++;
            continue;
        }
        size_t end = i + 1;
        while (end < len && s[end] != '}' && s[end] != '{' && end - i < 40)
            end++;
        if (placeholder(s + i + 1, len - i - 1, &n) >= 0) {
            i += n + 1;
            continue;
        }
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: expected a placeholder among {centres}, {ecoles}, "
                            "{communes}, {liens}, {paires}, {dyades}, {rejets}, {typologie}, "
                            "{secret} (or '{{' for a brace), found '%.*s'",
                            m->name, line,
                            (int)(end < len && s[end] == '}' ? end - i + 1 : end - i), s + i);
    }
    return PN_OK;
}

/* Add a heading or paragraph (taking @sb's text) to @m. */
static pn_status add_par(pn_report_method *m, pn_strbuf *sb, int heading, size_t line,
                         pn_error *err)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        method_par *p = realloc(m->pars, cap * sizeof *p);
        if (p == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", m->name);
        m->pars = p;
        m->cap = cap;
    }
    char *text = pn_strbuf_detach(sb);
    if (text == NULL && (text = pn_strdup("")) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", m->name);
    m->pars[m->n++] = (method_par){text, heading, line};
    return PN_OK;
}

/* One line of the file (without its end of line) into @m; @par gathers a paragraph's lines,
 * *@par_line is where it starts. */
static pn_status read_line(pn_report_method *m, const char *s, size_t len, size_t line,
                           pn_strbuf *par, size_t *par_line, pn_error *err)
{
    pn_status st;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    size_t lead = 0;
    while (lead < len && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    if (lead < len && s[lead] == '#')
        return PN_OK; /* a comment */
    if (lead == len || (len - lead >= 2 && strncmp(s + lead, "==", 2) == 0)) {
        if (par->len > 0 && (st = add_par(m, par, 0, *par_line, err)) != PN_OK)
            return st;
        if (lead == len)
            return PN_OK;
        size_t h = lead + 2;
        while (h < len && (s[h] == ' ' || s[h] == '\t'))
            h++;
        if (h == len)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: expected a section title after '==', found none", m->name,
                                line);
        if ((st = check_line(m, s + h, len - h, line, err)) != PN_OK)
            return st;
        pn_strbuf head = PN_STRBUF_INIT;
        if (pn_strbuf_append(&head, s + h, len - h) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", m->name);
        return add_par(m, &head, 1, line, err);
    }
    if ((st = check_line(m, s + lead, len - lead, line, err)) != PN_OK)
        return st;
    if (par->len == 0)
        *par_line = line;
    if ((par->len > 0 && pn_strbuf_puts(par, " ") != PN_OK) ||
        pn_strbuf_append(par, s + lead, len - lead) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", m->name);
    return PN_OK;
}

pn_status pn_report_method_load_text(const char *name, const char *text, size_t len,
                                     pn_report_method **out, pn_error *err)
{
    pn_report_method *m = calloc(1, sizeof *m);
    pn_strbuf par = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    size_t line = 1, par_line = 0;
    *out = NULL;
    if (m == NULL || (m->name = pn_strdup(name)) == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", name);
        goto out;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3, len -= 3; /* a BOM, as Windows' editors write UTF-8 */
    }
    for (size_t at = 0; at < len; line++) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        size_t ok = pn_utf8_scan(text + at, n, NULL);
        if (ok < n || memchr(text + at, '\0', n) != NULL) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: expected UTF-8 text, found the byte 0x%02X at column %zu "
                              "(save the file as UTF-8)",
                              name, line, (unsigned char)text[at + (ok < n ? ok : 0)],
                              pn_utf8_chars(text + at, ok) + 1);
            goto out;
        }
        if ((st = read_line(m, text + at, n, line, &par, &par_line, err)) != PN_OK)
            goto out;
        at += n + (nl != NULL);
    }
    if (par.len > 0 && (st = add_par(m, &par, 0, par_line, err)) != PN_OK)
        goto out;
    size_t npars = 0;
    for (size_t i = 0; i < m->n; i++)
        npars += !m->pars[i].heading;
    if (npars == 0) {
        st = pn_error_set(err, PN_EINPUT, "%s:%zu: expected at least one paragraph, found none",
                          name, line > 1 ? line - 1 : 1);
        goto out;
    }
    *out = m;
    m = NULL;
out:
    pn_strbuf_release(&par);
    pn_report_method_destroy(m);
    return st;
}

pn_status pn_report_method_load(const char *path, pn_report_method **out, pn_error *err)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    char buf[8192];
    size_t n;
    pn_status st = PN_OK;
    *out = NULL;
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return pn_error_set(err, PN_EIO, "cannot open '%s': %s", path, strerror(errno));
    while ((n = fread(buf, 1, sizeof buf, in)) > 0 && st == PN_OK)
        if (pn_strbuf_append(&sb, buf, n) != PN_OK)
            st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", path);
    if (st == PN_OK && ferror(in))
        st = pn_error_set(err, PN_EIO, "cannot read '%s': %s", path, strerror(errno));
    fclose(in);
    if (st == PN_OK)
        st = pn_report_method_load_text(path, sb.buf ? sb.buf : "", sb.len, out, err);
    pn_strbuf_release(&sb);
    return st;
}

/* @x, a whole count, with a no-break space between thousands ("12 345"), into @buf. */
static const char *thousands(char *buf, size_t size, double x)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", x);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 3 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            buf[o++] = '\xc2';
            buf[o++] = '\xa0';
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* @text with its placeholders filled from @values, into @sb. */
static pn_status fill(pn_strbuf *sb, const char *text, const char *const values[NNAMES])
{
    pn_status st = PN_OK;
    for (const char *s = text; *s && st == PN_OK;) {
        size_t n = strcspn(s, "{");
        st = pn_strbuf_append(sb, s, n);
        s += n;
        if (*s == '\0' || st != PN_OK)
            break;
        int k = placeholder(s + 1, strlen(s + 1), &n);
        if (k < 0) { /* "{{", as check_line let through */
            st = pn_strbuf_puts(sb, "{");
            s += 2;
            continue;
        }
        st = pn_strbuf_puts(sb, values[k]);
        s += n + 2;
    }
    return st;
}

void pn_method_text_release(pn_method_text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free((char *)t->pars[i].text);
    free(t->pars);
    memset(t, 0, sizeof *t);
}

pn_status pn_report_method_fill(const pn_report_method *m, const double counts[PN_NCOUNTS],
                                const char *typology, const char *secret, pn_method_text *out,
                                pn_error *err)
{
    char figures[PN_NCOUNTS][48];
    const char *values[NNAMES];
    pn_strbuf sb = PN_STRBUF_INIT;
    for (size_t i = 0; i < PN_NCOUNTS; i++)
        values[i] = thousands(figures[i], sizeof figures[i], counts[i]);
    values[TYPOLOGY] = typology ? typology : "";
    values[SECRET] = secret ? secret : "";
    memset(out, 0, sizeof *out);
    if ((out->pars = calloc(m->n ? m->n : 1, sizeof *out->pars)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n; i++) {
        pn_strbuf_reset(&sb);
        if (fill(&sb, m->pars[i].text, values) != PN_OK) {
            pn_strbuf_release(&sb);
            pn_method_text_release(out);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
        if (sb.len == 0 && !m->pars[i].heading)
            continue; /* a paragraph of an empty placeholder alone: no typology */
        char *text = pn_strbuf_detach(&sb);
        if (text == NULL && (text = pn_strdup("")) == NULL) {
            pn_method_text_release(out);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
        out->pars[out->n++] = (pn_method_par){text, m->pars[i].heading,
                                              strstr(m->pars[i].text, "{typologie}") != NULL};
    }
    pn_strbuf_release(&sb);
    return PN_OK;
}

const char *pn_report_secret_text(char *buf, size_t size, double n)
{
    if (n >= 2)
        snprintf(buf, size,
                 "Secret statistique : un effectif de moins de %.0f unit\xc3\xa9s n'est pas "
                 "publi\xc3\xa9 ; il est remplac\xc3\xa9 par \xc2\xab s \xc2\xbb, comme "
                 "d'autres cases, pourcentages et tests qui permettraient de le retrouver "
                 "(secret secondaire). Les non-r\xc3\xa9ponses sont publi\xc3\xa9"
                 "es.",
                 n);
    else
        snprintf(buf, size,
                 "Secret statistique : non appliqu\xc3\xa9 \xc3\xa0 ce classeur (seuil 0). Il "
                 "peut montrer des effectifs de 1 ou 2 unit\xc3\xa9s : ne pas le diffuser tel "
                 "quel.");
    return buf;
}
