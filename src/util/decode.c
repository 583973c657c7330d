#include "util/decode.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

enum {
    CHUNK = 64 * 1024,   /* bytes read at a time */
    OUT_CAP = 4 * CHUNK, /* 3 bytes of UTF-8 per input byte (the € of Windows-1252) fit */
};

typedef enum mode {
    MODE_UTF8,  /* validate in place, no copy, no iconv */
    MODE_ICONV, /* convert to UTF-8 with iconv into out */
} mode;

struct pn_decoder {
    FILE *in;
    const char *name;
    mode mode;
    int forced;    /* the caller named the encoding */
    int multi;     /* a valid multi-byte UTF-8 character was seen (by detection or reading) */
    int partial;   /* detection saw only the first chunk (a stream that cannot seek) */
    int strip_bom; /* the first character iconv writes is a byte order mark to drop */
    int seekable;
    int eof; /* fread has reached the end of the stream */
    iconv_t cd;
    char encoding[32];
    unsigned char *raw; /* CHUNK bytes; raw[rawpos, rawlen) are read but not consumed */
    size_t rawpos;
    size_t rawlen;
    char *out; /* OUT_CAP bytes, in MODE_ICONV only */
    off_t start;
    unsigned long long bytes;
    unsigned long long size;
};

static const char known_names[] =
    "utf-8, windows-1252, latin1, iso-8859-15, utf-16, utf-16le, utf-16be, macintosh";

/* Friendly names, matched without regard to case, and the name iconv knows them by. */
static const struct alias {
    const char *name;
    const char *canon;
} aliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"latin1", "ISO-8859-1"},
    {"latin-1", "ISO-8859-1"},
    {"iso-8859-1", "ISO-8859-1"},
    {"iso-8859-15", "ISO-8859-15"},
    {"latin9", "ISO-8859-15"},
    {"latin-9", "ISO-8859-15"},
    {"utf-16", "UTF-16"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"macintosh", "MACINTOSH"},
    {"mac-roman", "MACINTOSH"},
    {"macroman", "MACINTOSH"},
};

static int is_auto(const char *encoding)
{
    return encoding == NULL || encoding[0] == '\0' || strcasecmp(encoding, "auto") == 0;
}

/* The canonical name of a friendly one, or NULL for a name left to iconv. */
static const char *canonical(const char *encoding)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(encoding, aliases[i].name) == 0)
            return aliases[i].canon;
    return NULL;
}

static pn_status unknown_encoding(const char *encoding, pn_error *err)
{
    return pn_error_set(err, PN_EUSAGE, "unknown encoding '%s' (known: %s)", encoding, known_names);
}

/*
 * The length of the UTF-8 character at @s (2 to 4) when it is a valid multi-byte one, 0 when
 * it is invalid, -1 when its bytes are valid so far but @avail cuts it. The ranges of the
 * second byte are those of the Unicode standard's table 3-7: they exclude overlong forms,
 * surrogates and code points above U+10FFFF without decoding anything.
 */
static int utf8_seq(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail >= 2 && (s[1] < lo || s[1] > hi))
        return 0;
    for (size_t k = 2; k < n && k < avail; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return avail < n ? -1 : (int)n;
}

size_t pn_utf8_scan(const char *str, size_t len, int *multi)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    int seen = 0;
    for (;;) {
        /* most of a survey export is ASCII: test eight bytes at once */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        while (i < len && s[i] < 0x80)
            i++;
        if (i == len)
            break;
        int n = utf8_seq(s + i, len - i);
        if (n <= 0)
            break;
        seen = 1;
        i += (size_t)n;
    }
    if (seen && multi)
        *multi = 1;
    return i;
}

/* Move what is not consumed to the front of raw and read more after it. */
static pn_status refill(pn_decoder *d, pn_error *err)
{
    size_t keep = d->rawlen - d->rawpos;
    memmove(d->raw, d->raw + d->rawpos, keep);
    d->rawpos = 0;
    d->rawlen = keep;
    size_t want = CHUNK - keep;
    errno = 0;
    size_t got = fread(d->raw + keep, 1, want, d->in);
    if (got < want) {
        if (ferror(d->in))
            return pn_error_set(err, PN_EIO, "cannot read '%s': %s", d->name, strerror(errno));
        d->eof = 1;
    }
    d->rawlen += got;
    d->bytes += got;
    return PN_OK;
}

/* Open the converter from @from, and name it @display in messages and reports. */
static pn_status open_converter(pn_decoder *d, const char *from, const char *display,
                                const char *asked, pn_error *err)
{
    errno = 0;
    d->cd = iconv_open("UTF-8", from);
    if (d->cd == (iconv_t)-1) {
        if (errno == EINVAL)
            return unknown_encoding(asked, err);
        return pn_error_set(err, errno == ENOMEM ? PN_ENOMEM : PN_EIO, "cannot read '%s' as %s: %s",
                            d->name, display, strerror(errno));
    }
    if (d->out == NULL && (d->out = malloc(OUT_CAP)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", d->name);
    d->mode = MODE_ICONV;
    snprintf(d->encoding, sizeof d->encoding, "%s", display);
    return PN_OK;
}

/*
 * Detection for a file without a byte order mark: is it valid UTF-8 (*@bad = 0), and if not,
 * does it hold valid multi-byte characters (d->multi) beside its invalid bytes? Scans the
 * whole stream when it can seek, then goes back to the start and reads the first chunk again;
 * else only what the first read holds. A tight loop over pn_utf8_scan: a 300 MB UTF-8 file
 * costs one extra read from the page cache.
 */
/*
 * Whether the @n bytes at @u look like UTF-16 without a byte order mark (as some database and
 * script exports write it): 1 little-endian, 2 big-endian, 0 neither. Text has no NUL
 * character, and a CSV file's characters are mostly ASCII or Latin-1, so in UTF-16 one byte of
 * most pairs is zero, always the same one, and no pair is two zeros. Text in an 8-bit encoding
 * has no zero byte at all; a binary file has zero pairs.
 */
static int utf16_without_bom(const unsigned char *u, size_t n)
{
    size_t pairs = n / 2 < 2048 ? n / 2 : 2048, le = 0, be = 0;
    if (pairs < 2)
        return 0;
    for (size_t i = 0; i < pairs; i++) {
        unsigned char a = u[2 * i], b = u[2 * i + 1];
        if (a == 0 && b == 0)
            return 0;
        le += a != 0 && b == 0;
        be += a == 0 && b != 0;
    }
    return le * 4 >= pairs * 3 ? 1 : be * 4 >= pairs * 3 ? 2 : 0;
}

static pn_status probe(pn_decoder *d, int *bad, pn_error *err)
{
    int multi = 0;
    int reread = 0;
    size_t i = d->rawpos;
    pn_status st;
    *bad = 0;
    for (;;) {
        while (i < d->rawlen) {
            i += pn_utf8_scan((const char *)d->raw + i, d->rawlen - i, &multi);
            if (i == d->rawlen)
                break;
            if (!d->eof && utf8_seq(d->raw + i, d->rawlen - i) < 0)
                break; /* cut by the end of the chunk: read on */
            *bad = 1;
            if (multi)
                goto done; /* invalid and valid: a broken UTF-8 file, whatever follows */
            i++;
        }
        if (d->eof || !d->seekable)
            break;
        d->rawpos = i;
        if ((st = refill(d, err)) != PN_OK)
            return st;
        i = 0;
        reread = 1;
    }
done:
    d->multi = multi;
    d->partial = !d->seekable && !d->eof;
    if (!reread)
        return PN_OK;
    clearerr(d->in);
    if (fseeko(d->in, d->start, SEEK_SET) != 0)
        return pn_error_set(err, PN_EIO, "cannot read '%s': %s", d->name, strerror(errno));
    d->rawpos = d->rawlen = 0;
    d->bytes = 0;
    d->eof = 0;
    return refill(d, err);
}

/* The byte at raw[rawpos] is not valid UTF-8, or starts a character the file's end cuts. */
static pn_status bad_utf8(pn_decoder *d, size_t line, size_t col, pn_error *err)
{
    unsigned byte = d->raw[d->rawpos];
    if (d->partial && !d->multi)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: invalid UTF-8 at column %zu (byte 0x%02X): the start of the "
                            "file read as UTF-8; give the file's encoding with --encoding",
                            d->name, line, col, byte);
    if (!d->forced)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: invalid UTF-8 at column %zu (byte 0x%02X): the file mixes "
                            "encodings; save it again as CSV UTF-8",
                            d->name, line, col, byte);
    /* UTF-8 was asked for */
    if (d->eof && utf8_seq(d->raw + d->rawpos, d->rawlen - d->rawpos) < 0)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: the file ends inside a character at column %zu (byte "
                            "0x%02X): it is cut short or not in UTF-8; give the right encoding "
                            "with --encoding",
                            d->name, line, col, byte);
    return pn_error_set(err, PN_EINPUT,
                        "%s:%zu: byte 0x%02X at column %zu is not a character in UTF-8; give the "
                        "right encoding with --encoding",
                        d->name, line, byte, col);
}

static pn_status read_utf8(pn_decoder *d, size_t line, size_t col, const char **text, size_t *len,
                           pn_error *err)
{
    for (;;) {
        const unsigned char *p = d->raw + d->rawpos;
        size_t avail = d->rawlen - d->rawpos;
        size_t ok = pn_utf8_scan((const char *)p, avail, &d->multi);
        if (ok > 0) {
            d->rawpos += ok;
            *text = (const char *)p;
            *len = ok;
            return PN_OK;
        }
        if (avail == 0 && d->eof) {
            *len = 0;
            return PN_OK;
        }
        /* a character cut by the end of the buffer is read again with the bytes after it */
        if (avail > 0 && (d->eof || utf8_seq(p, avail) == 0))
            return bad_utf8(d, line, col, err);
        pn_status st = refill(d, err);
        if (st != PN_OK)
            return st;
    }
}

static pn_status read_iconv(pn_decoder *d, size_t line, size_t col, const char **text, size_t *len,
                            pn_error *err)
{
    for (;;) {
        char *in = (char *)d->raw + d->rawpos;
        size_t inleft = d->rawlen - d->rawpos;
        if (inleft == 0) {
            if (d->eof) {
                *len = 0;
                return PN_OK;
            }
            pn_status st = refill(d, err);
            if (st != PN_OK)
                return st;
            continue;
        }
        char *out = d->out;
        size_t outleft = OUT_CAP;
        errno = 0;
        size_t r = iconv(d->cd, &in, &inleft, &out, &outleft);
        int e = errno;
        d->rawpos = d->rawlen - inleft;
        char *o = d->out;
        size_t n = OUT_CAP - outleft;
        if (d->strip_bom && n > 0) {
            d->strip_bom = 0;
            if (n >= 3 && memcmp(o, "\xEF\xBB\xBF", 3) == 0)
                o += 3, n -= 3;
        }
        /* hand out what was converted before a failure; the next call meets it again */
        if (n > 0) {
            *text = o;
            *len = n;
            return PN_OK;
        }
        if (r != (size_t)-1)
            continue;
        unsigned byte = d->raw[d->rawpos];
        if (e == EINVAL && !d->eof) {
            pn_status st = refill(d, err);
            if (st != PN_OK)
                return st;
            continue;
        }
        if (e == EINVAL)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: the file ends inside a character at column %zu (byte "
                                "0x%02X): it is cut short or not in %s; give the right encoding "
                                "with --encoding",
                                d->name, line, col, byte, d->encoding);
        if (e == EILSEQ)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: byte 0x%02X at column %zu is not a character in %s; give "
                                "the right encoding with --encoding",
                                d->name, line, byte, col, d->encoding);
        return pn_error_set(err, PN_EINTERNAL, "cannot read '%s' as %s: iconv: %s", d->name,
                            d->encoding, strerror(e));
    }
}

pn_status pn_decoder_read(pn_decoder *d, size_t line, size_t col, const char **text, size_t *len,
                          pn_error *err)
{
    *len = 0;
    if (d->mode == MODE_UTF8)
        return read_utf8(d, line, col, text, len, err);
    return read_iconv(d, line, col, text, len, err);
}

/* Fill d->size: what is left of a regular file, for progress reports. */
static void find_size(pn_decoder *d)
{
    struct stat sb;
    int fd = fileno(d->in); /* -1 for a memory stream */
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return;
    off_t at = d->start > 0 ? d->start : 0;
    if (sb.st_size >= at)
        d->size = (unsigned long long)(sb.st_size - at);
}

pn_status pn_decoder_create(FILE *in, const char *name, const char *encoding, pn_decoder **out,
                            pn_error *err)
{
    pn_decoder *d = NULL;
    const char *canon = NULL;
    pn_status st = PN_OK;
    *out = NULL;
    if ((d = calloc(1, sizeof *d)) == NULL || (d->raw = malloc(CHUNK)) == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", name);
        goto out;
    }
    d->in = in;
    d->name = name;
    d->cd = (iconv_t)-1;
    d->start = ftello(in);
    d->seekable = d->start >= 0 && fseeko(in, d->start, SEEK_SET) == 0;
    find_size(d);

    d->forced = !is_auto(encoding);
    if (d->forced && (canon = canonical(encoding)) == NULL) {
        /* a name for iconv alone: refuse it before reading anything */
        char display[sizeof d->encoding];
        size_t i = 0;
        for (; encoding[i] && i + 1 < sizeof display; i++)
            display[i] = (char)toupper((unsigned char)encoding[i]);
        display[i] = '\0';
        if ((st = open_converter(d, encoding, display, encoding, err)) != PN_OK)
            goto out;
        d->strip_bom = 1;
    }
    if ((st = refill(d, err)) != PN_OK)
        goto out;

    const unsigned char *u = d->raw;
    size_t n = d->rawlen;
    if (n >= 4 && memcmp(u, "PK\x03\x04", 4) == 0) {
        st = pn_error_set(err, PN_EINPUT,
                          "%s: this is a spreadsheet workbook (.xlsx or .ods), not a CSV file: "
                          "open it and save it as CSV (UTF-8), then import the CSV",
                          name);
        goto out;
    }
    if (n >= 4 && memcmp(u, "\xD0\xCF\x11\xE0", 4) == 0) {
        st = pn_error_set(err, PN_EINPUT,
                          "%s: this is an old Excel workbook (.xls), not a CSV file: open it and "
                          "save it as CSV (UTF-8), then import the CSV",
                          name);
        goto out;
    }
    int bom8 = n >= 3 && memcmp(u, "\xEF\xBB\xBF", 3) == 0;
    int le = n >= 2 && u[0] == 0xFF && u[1] == 0xFE;
    int be = n >= 2 && u[0] == 0xFE && u[1] == 0xFF;
    int bare16 = le || be || bom8 ? 0 : utf16_without_bom(u, n);
    const char *from = NULL; /* the encoding to open with iconv, if any */
    if (d->mode == MODE_ICONV) {
        /* opened above */
    } else if (canon == NULL) {
        int bad = 0;
        if (le || bare16 == 1)
            from = "UTF-16LE";
        else if (be || bare16 == 2)
            from = "UTF-16BE";
        else if (!bom8 && (st = probe(d, &bad, err)) != PN_OK)
            goto out;
        /* Excel on a French Windows writes Windows-1252; text that is invalid UTF-8 but also
         * holds valid multi-byte characters is a broken UTF-8 file, reported where it breaks */
        if (bad && !d->multi)
            from = "WINDOWS-1252";
    } else if (strcmp(canon, "UTF-16") == 0) {
        /* iconv's own UTF-16 takes big-endian without a mark; Windows writes little-endian */
        from = be || bare16 == 2 ? "UTF-16BE" : "UTF-16LE";
    } else if (strcmp(canon, "UTF-8") != 0) {
        from = canon;
    }
    if (from != NULL) {
        if ((st = open_converter(d, from, from, encoding ? encoding : from, err)) != PN_OK)
            goto out;
        /* iconv keeps a byte order mark as U+FEFF: drop it, only when it matches */
        d->strip_bom = 1;
    } else if (d->mode == MODE_UTF8) {
        d->rawpos = bom8 ? 3 : 0;
        snprintf(d->encoding, sizeof d->encoding, "%s", bom8 ? "UTF-8 (BOM)" : "UTF-8");
    }
    *out = d;
    d = NULL;
out:
    pn_decoder_destroy(d);
    return st;
}

const char *pn_decoder_encoding(const pn_decoder *d)
{
    return d->encoding;
}

unsigned long long pn_decoder_bytes(const pn_decoder *d)
{
    return d->bytes;
}

unsigned long long pn_decoder_size(const pn_decoder *d)
{
    return d->size;
}

void pn_decoder_destroy(pn_decoder *d)
{
    if (d == NULL)
        return;
    if (d->cd != (iconv_t)-1)
        iconv_close(d->cd);
    free(d->raw);
    free(d->out);
    free(d);
}

pn_status pn_encoding_check(const char *encoding, pn_error *err)
{
    if (is_auto(encoding) || canonical(encoding) != NULL)
        return PN_OK;
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return unknown_encoding(encoding, err);
    iconv_close(cd);
    return PN_OK;
}

size_t pn_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}
