#include "util/csv.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

typedef struct reader {
    const char *name;
    pn_csv_record_fn fn;
    void *ctx;
    pn_error *err;
    pn_status status; /* first failure, from a callback or memory */
    pn_strbuf fields; /* field bytes, each followed by a NUL */
    size_t *offsets;  /* start of each field in fields */
    size_t nfields;
    size_t capfields;
    char **ptrs;
    size_t capptrs;
    size_t rec_start; /* line the open record started on */
    int rec_open;
    size_t nrecords;
} reader;

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != PN_OK)
        return;
    if (r->nfields == r->capfields) {
        size_t cap = r->capfields ? r->capfields * 2 : 32;
        size_t *p = realloc(r->offsets, cap * sizeof *p);
        if (p == NULL) {
            r->status = pn_error_set(r->err, PN_ENOMEM, "out of memory reading '%s'", r->name);
            return;
        }
        r->offsets = p;
        r->capfields = cap;
    }
    r->offsets[r->nfields++] = r->fields.len;
    if (pn_strbuf_append(&r->fields, s ? s : "", s ? len : 0) != PN_OK ||
        pn_strbuf_append(&r->fields, "", 1) != PN_OK)
        r->status = pn_error_set(r->err, PN_ENOMEM, "out of memory reading '%s'", r->name);
}

static void on_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    r->rec_open = 0;
    if (r->status != PN_OK)
        return;
    if (r->nfields > r->capptrs) {
        char **p = realloc(r->ptrs, r->nfields * sizeof *p);
        if (p == NULL) {
            r->status = pn_error_set(r->err, PN_ENOMEM, "out of memory reading '%s'", r->name);
            return;
        }
        r->ptrs = p;
        r->capptrs = r->nfields;
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->ptrs[i] = r->fields.buf + r->offsets[i];
    r->nrecords++;
    r->status = r->fn(r->ctx, r->rec_start, r->nfields, r->ptrs, r->err);
    r->nfields = 0;
    pn_strbuf_reset(&r->fields);
}

int pn_utf8_valid(const char *str, size_t len, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned min;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            goto invalid;
        }
        if (i + n >= len)
            goto invalid;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto invalid;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto invalid;
        i += n + 1;
    }
    return 1;
invalid:
    if (bad)
        *bad = i;
    return 0;
}

/* Only the space is trimmed around unquoted fields: libcsv's default also trims tabs,
 * which would eat empty fields of a tab-separated file. */
static int is_space(unsigned char c)
{
    return c == ' ';
}

char pn_csv_detect_delim(const char *line, size_t len)
{
    size_t comma = 0, semi = 0, tab = 0;
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && c == ',')
            comma++;
        else if (!quoted && c == ';')
            semi++;
        else if (!quoted && c == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

pn_status pn_csv_read(FILE *in, const char *name, const pn_csv_opts *opts, pn_csv_record_fn fn,
                      void *ctx, char *delim_out, pn_error *err)
{
    struct csv_parser p;
    int parser_ready = 0;
    char *line = NULL;
    size_t linecap = 0;
    size_t lineno = 0;
    char delim = opts ? opts->delim : 0;
    reader r = {.name = name, .fn = fn, .ctx = ctx, .err = err, .fields = PN_STRBUF_INIT};
    pn_status st = PN_OK;

    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", name);
        goto out;
    }
    parser_ready = 1;
    csv_set_space_func(&p, is_space);

    for (;;) {
        errno = 0;
        ssize_t got = getline(&line, &linecap, in);
        if (got < 0) {
            if (ferror(in)) {
                st = pn_error_set(err, PN_EIO, "cannot read '%s': %s", name, strerror(errno));
                goto out;
            }
            break;
        }
        lineno++;
        const char *data = line;
        size_t len = (size_t)got;
        if (lineno == 1) {
            const unsigned char *u = (const unsigned char *)data;
            if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
                st = pn_error_set(err, PN_EINPUT,
                                  "%s: the file is UTF-16 text; save it as CSV UTF-8 and import "
                                  "it again",
                                  name);
                goto out;
            }
            if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
                data += 3, len -= 3;
        }
        const char *nul = memchr(data, '\0', len);
        if (nul != NULL) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: NUL byte at column %zu: this is not a text (CSV) file", name,
                              lineno, (size_t)(nul - data) + 1);
            goto out;
        }
        size_t bad;
        if (!pn_utf8_valid(data, len, &bad)) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: invalid UTF-8 at column %zu: expected a CSV file in UTF-8; "
                              "save it as CSV UTF-8 and import it again",
                              name, lineno, bad + 1);
            goto out;
        }
        if (!r.rec_open) {
            if (is_blank(data, len))
                continue;
            r.rec_open = 1;
            r.rec_start = lineno;
        }
        if (delim == 0)
            delim = pn_csv_detect_delim(data, len);
        csv_set_delim(&p, (unsigned char)delim);
        if (csv_parse(&p, data, len, on_field, on_record, &r) != len) {
            st = pn_error_set(err, PN_EINPUT, "%s:%zu: malformed CSV: %s", name, lineno,
                              csv_strerror(csv_error(&p)));
            goto out;
        }
        if (r.status != PN_OK) {
            st = r.status;
            goto out;
        }
    }
    if (csv_fini(&p, on_field, on_record, &r) != 0) {
        st = pn_error_set(err, PN_EINPUT,
                          "%s:%zu: unterminated quoted field: a '\"' opened on this line is "
                          "never closed",
                          name, r.rec_start);
        goto out;
    }
    if (r.status != PN_OK) {
        st = r.status;
        goto out;
    }
    if (r.nrecords == 0) {
        st = pn_error_set(err, PN_EINPUT, "%s: the file is empty", name);
        goto out;
    }
    if (delim_out)
        *delim_out = delim ? delim : ',';
out:
    if (parser_ready)
        csv_free(&p);
    free(line);
    free(r.offsets);
    free(r.ptrs);
    pn_strbuf_release(&r.fields);
    return st;
}

pn_status pn_csv_read_path(const char *path, const pn_csv_opts *opts, pn_csv_record_fn fn,
                           void *ctx, char *delim_out, pn_error *err)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return pn_error_set(err, PN_EIO, "cannot open '%s': %s", path, strerror(errno));
    pn_status st = pn_csv_read(in, path, opts, fn, ctx, delim_out, err);
    fclose(in);
    return st;
}

void pn_csv_write_field(FILE *out, const char *s, char delim)
{
    if (s == NULL)
        s = "";
    if (strchr(s, delim) == NULL && strpbrk(s, "\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}
