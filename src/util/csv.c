#include "util/csv.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/decode.h"
#include "util/strbuf.h"

enum { PROGRESS_STEP = 1024 * 1024 };

/* The first line ending met, for pn_csv_info. */
typedef enum newline {
    NL_NONE,
    NL_CR_PENDING, /* a CR, and what follows it is not read yet */
    NL_LF,
    NL_CRLF,
    NL_CR,
} newline;

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
    struct csv_parser *parser;
    char delim;       /* 0 until detected */
    pn_strbuf head;   /* decoded text held back until the first line is whole, to detect delim */
    size_t head_line; /* where the text in head ends, for messages */
    size_t head_col;
    int head_cr;   /* head ends with a CR */
    int head_text; /* head holds more than line endings */
    size_t lineno; /* line of the next character */
    size_t col;    /* characters of line lineno before the next one */
    int after_cr;  /* the last character was a CR: an LF now ends no new line */
    newline nl;
    pn_csv_info *info;
} reader;

/* Record that a field starts at @off in r->fields. Returns 0, or -1 when out of memory. */
static int add_offset(reader *r, size_t off)
{
    if (r->nfields == r->capfields) {
        size_t cap = r->capfields ? r->capfields * 2 : 32;
        size_t *p = realloc(r->offsets, cap * sizeof *p);
        if (p == NULL) {
            r->status = pn_error_set(r->err, PN_ENOMEM, "out of memory reading '%s'", r->name);
            return -1;
        }
        r->offsets = p;
        r->capfields = cap;
    }
    r->offsets[r->nfields++] = off;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != PN_OK)
        return;
    if (add_offset(r, r->fields.len) != 0)
        return;
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
    size_t ok = pn_utf8_scan(str, len, NULL);
    if (ok == len)
        return 1;
    if (bad)
        *bad = ok;
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

/*
 * The fields of a whole line @s of @n bytes (its line ending left out) that holds no quote,
 * read as libcsv reads it from the start of a record: split at each delimiter, spaces
 * trimmed around each field. Most lines of an export are such; libcsv's state machine costs
 * a callback per field and a test per byte, this a memchr per field. The caller checks that
 * the line holds a quote nowhere, something other than spaces (libcsv makes no record of a
 * line of spaces), and that the delimiter is not a space.
 */
static void split_line(reader *r, const char *s, size_t n)
{
    size_t base = r->fields.len;
    if (pn_strbuf_append(&r->fields, s, n) != PN_OK) {
        r->status = pn_error_set(r->err, PN_ENOMEM, "out of memory reading '%s'", r->name);
        return;
    }
    char *buf = r->fields.buf, *end = buf + base + n, *p = buf + base;
    for (;;) {
        char *stop = memchr(p, r->delim, (size_t)(end - p));
        if (stop == NULL)
            stop = end;
        char *a = p, *b = stop;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        *b = '\0'; /* over the delimiter, a trailing space, or the strbuf's own NUL */
        if (add_offset(r, (size_t)(a - buf)) != 0)
            return;
        if (stop == end)
            break;
        p = stop + 1;
    }
}

/* Count a line ending: LF, CR, and the LF of a CRLF adds nothing. */
static void end_line(reader *r, char c)
{
    r->col = 0;
    if (c == '\n') {
        if (r->after_cr) {
            r->after_cr = 0;
            if (r->nl == NL_CR_PENDING)
                r->nl = NL_CRLF;
            return;
        }
        if (r->nl == NL_NONE)
            r->nl = NL_LF;
    } else {
        if (r->nl == NL_CR_PENDING)
            r->nl = NL_CR;
        else if (r->nl == NL_NONE)
            r->nl = NL_CR_PENDING;
        r->after_cr = 1;
    }
    r->lineno++;
}

static size_t count_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* Whether @s (@n bytes) holds something other than spaces. */
static int has_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ')
            return 1;
    return 0;
}

/*
 * Feed @n bytes of decoded text to libcsv one line at a time, so that a record knows the
 * line it starts on: libcsv itself says nothing of where it is. A line that the end of @s
 * cuts goes on with the next call.
 */
static pn_status feed(reader *r, const char *s, size_t n)
{
    size_t i = 0;
    /* memchr is vectorised: one call per line, a second one only in files that hold a CR */
    const char *cr = memchr(s, '\r', n); /* the next CR at or after s + i */
    while (i < n) {
        if (cr != NULL && cr < s + i)
            cr = memchr(s + i, '\r', n - i);
        const char *nl = memchr(s + i, '\n', n - i);
        size_t j = nl ? (size_t)(nl - s) : n;
        if (cr != NULL && (size_t)(cr - s) < j)
            j = (size_t)(cr - s);
        if (j > i && r->after_cr) {
            r->after_cr = 0;
            if (r->nl == NL_CR_PENDING)
                r->nl = NL_CR;
        }
        if (j == i && !r->rec_open) {
            end_line(r, s[j]); /* a blank line between records */
            i = j + 1;
            continue;
        }
        size_t end = j < n ? j + 1 : n;
        if (!r->rec_open && j < n && r->delim != ' ' && memchr(s + i, '"', j - i) == NULL &&
            has_text(s + i, j - i)) {
            r->rec_start = r->lineno;
            split_line(r, s + i, j - i);
            if (r->status == PN_OK)
                on_record((unsigned char)s[j], r);
            if (r->status != PN_OK)
                return r->status;
            end_line(r, s[j]);
            i = end;
            continue;
        }
        if (!r->rec_open) {
            r->rec_open = 1;
            r->rec_start = r->lineno;
        }
        if (csv_parse(r->parser, s + i, end - i, on_field, on_record, r) != end - i)
            return pn_error_set(r->err, PN_EINPUT, "%s:%zu: malformed CSV: %s", r->name, r->lineno,
                                csv_strerror(csv_error(r->parser)));
        if (r->status != PN_OK)
            return r->status;
        if (j < n)
            end_line(r, s[j]);
        else
            r->col += count_chars(s + i, end - i);
        i = end;
    }
    return PN_OK;
}

/* Detect the delimiter from the first non-blank line held in head, then feed head. */
static pn_status flush_head(reader *r)
{
    const char *h = pn_strbuf_str(&r->head); /* "" when nothing was held back */
    size_t len = r->head.len;
    size_t a = 0;
    while (a < len && (h[a] == '\r' || h[a] == '\n'))
        a++;
    size_t b = a;
    while (b < len && h[b] != '\r' && h[b] != '\n')
        b++;
    r->delim = pn_csv_detect_delim(h + a, b - a);
    csv_set_delim(r->parser, (unsigned char)r->delim);
    if (r->info)
        r->info->delim = r->delim;
    pn_status st = feed(r, h, len);
    pn_strbuf_release(&r->head);
    return st;
}

/* Take @n bytes of decoded text; hold them back while the first line is not whole and the
 * delimiter is still to be found in it. Only the new bytes are looked at, so that a first line
 * of any length costs linear time. */
static pn_status consume(reader *r, const char *s, size_t n)
{
    if (r->delim != 0)
        return feed(r, s, n);
    if (pn_strbuf_append(&r->head, s, n) != PN_OK)
        return pn_error_set(r->err, PN_ENOMEM, "out of memory reading '%s'", r->name);
    int whole = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || (c == '\n' && !r->head_cr)) {
            r->head_line++;
            r->head_col = 0;
            whole = r->head_text; /* blank lines before the first one do not count */
        } else if (c != '\n') {
            r->head_col += (c & 0xC0) != 0x80;
            r->head_text = 1;
        }
        r->head_cr = c == '\r';
        if (whole)
            return flush_head(r);
    }
    return PN_OK;
}

/* Where the text taken so far ends, as a line and a 1-based column. */
static void position(const reader *r, size_t *line, size_t *col)
{
    if (r->head.len > 0) {
        *line = r->head_line;
        *col = r->head_col + 1;
    } else {
        *line = r->lineno;
        *col = r->col + 1;
    }
}

static void report(const pn_csv_opts *opts, unsigned long long done, unsigned long long total)
{
    if (opts && opts->progress)
        opts->progress(opts->progress_ctx, done, total);
}

pn_status pn_csv_read(FILE *in, const char *name, const pn_csv_opts *opts, pn_csv_record_fn fn,
                      void *ctx, pn_csv_info *info, pn_error *err)
{
    static const char *const nl_names[] = {"none", "CR", "LF", "CRLF", "CR"};
    struct csv_parser p;
    int parser_ready = 0;
    pn_decoder *dec = NULL;
    reader r = {.name = name,
                .fn = fn,
                .ctx = ctx,
                .err = err,
                .fields = PN_STRBUF_INIT,
                .head = PN_STRBUF_INIT,
                .parser = &p,
                .delim = opts ? opts->delim : 0,
                .lineno = 1,
                .head_line = 1,
                .info = info};
    pn_status st = PN_OK;

    if (info)
        *info = (pn_csv_info){.delim = r.delim};
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", name);
        goto out;
    }
    parser_ready = 1;
    csv_set_space_func(&p, is_space);
    if (r.delim != 0)
        csv_set_delim(&p, (unsigned char)r.delim);
    if ((st = pn_decoder_create(in, name, opts ? opts->encoding : NULL, &dec, err)) != PN_OK)
        goto out;
    if (info) /* known from here on: a caller may look at it in its first callback */
        snprintf(info->encoding, sizeof info->encoding, "%s", pn_decoder_encoding(dec));

    unsigned long long total = pn_decoder_size(dec);
    unsigned long long next_report = PROGRESS_STEP;
    for (;;) {
        size_t line, col;
        const char *text;
        size_t len;
        position(&r, &line, &col);
        if ((st = pn_decoder_read(dec, line, col, &text, &len, err)) != PN_OK)
            goto out;
        if (len == 0)
            break;
        /* after decoding, so that UTF-16 text (full of 0 bytes) passes, and a U+0000 fails */
        const char *nul = memchr(text, '\0', len);
        if ((st = consume(&r, text, nul ? (size_t)(nul - text) : len)) != PN_OK)
            goto out;
        if (nul != NULL) {
            position(&r, &line, &col);
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: NUL byte at column %zu: this is not a text (CSV) file", name,
                              line, col);
            goto out;
        }
        unsigned long long done = pn_decoder_bytes(dec);
        if (done >= next_report) {
            report(opts, done, total);
            next_report = done + PROGRESS_STEP;
        }
    }
    if (r.delim == 0 && (st = flush_head(&r)) != PN_OK)
        goto out;
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
    report(opts, pn_decoder_bytes(dec), total);
out:
    if (st == PN_STOP) /* the callback has what it needs: not a failure */
        st = PN_OK;
    if (info) {
        info->delim = r.delim ? r.delim : ',';
        snprintf(info->encoding, sizeof info->encoding, "%s", dec ? pn_decoder_encoding(dec) : "");
        snprintf(info->newline, sizeof info->newline, "%s", nl_names[r.nl]);
        info->bytes = dec ? pn_decoder_bytes(dec) : 0;
    }
    pn_decoder_destroy(dec);
    if (parser_ready)
        csv_free(&p);
    free(r.offsets);
    free(r.ptrs);
    pn_strbuf_release(&r.fields);
    pn_strbuf_release(&r.head);
    return st;
}

pn_status pn_csv_read_path(const char *path, const pn_csv_opts *opts, pn_csv_record_fn fn,
                           void *ctx, pn_csv_info *info, pn_error *err)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return pn_error_set(err, PN_EIO, "cannot open '%s': %s", path, strerror(errno));
    /* the decoder reads in chunks of its own: no buffer of stdio's below it */
    setvbuf(in, NULL, _IONBF, 0);
    pn_status st = pn_csv_read(in, path, opts, fn, ctx, info, err);
    fclose(in);
    return st;
}

/* A plain decimal number: a sign, digits with at most one '.' or ',' between or around them
 * (at least one digit), and an exponent. */
static int plain_number(const char *s)
{
    size_t digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.' || *s == ',')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (digits == 0)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int pn_csv_is_formula(const char *s)
{
    return s != NULL && *s != '\0' && strchr("=+-@\t\r", *s) != NULL && !plain_number(s);
}

const char *pn_csv_unguard(const char *s)
{
    return s != NULL && s[0] == '\'' && pn_csv_is_formula(s + 1) ? s + 1 : s;
}

/* The one quoting rule of the CSV panorama writes. */
static int needs_quotes(const char *s, char delim)
{
    return strchr(s, delim) != NULL || strpbrk(s, "\"\r\n") != NULL;
}

void pn_csv_write_field(FILE *out, const char *s, char delim)
{
    if (s == NULL)
        s = "";
    int guard = pn_csv_is_formula(s);
    if (!needs_quotes(s, delim)) {
        if (guard)
            fputc('\'', out);
        fputs(s, out);
        return;
    }
    fputc('"', out);
    if (guard)
        fputc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

pn_status pn_csv_append_field(pn_strbuf *out, const char *s, char delim)
{
    if (!needs_quotes(s, delim))
        return pn_strbuf_puts(out, s);
    if (pn_strbuf_puts(out, "\"") != PN_OK)
        return PN_ENOMEM;
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\"");
        if (pn_strbuf_append(out, p, run) != PN_OK)
            return PN_ENOMEM;
        p += run;
        if (*p == '"') {
            if (pn_strbuf_puts(out, "\"\"") != PN_OK)
                return PN_ENOMEM;
            p++;
        }
    }
    return pn_strbuf_puts(out, "\"");
}
