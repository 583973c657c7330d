/*
 * csv.h - read a delimited text file record by record, with line numbers.
 *
 * A layer over libcsv (strict mode) that adds what a person needs when a file is wrong: the
 * line each record starts on, and clear errors for an unterminated quote, a NUL character (a
 * binary file), bytes that are not text in the file's encoding, a spreadsheet workbook given
 * instead of its CSV export, an empty file.
 *
 * The bytes go through util/decode.h first: the encoding is given or detected (UTF-8 with or
 * without byte order mark, UTF-16LE/BE with one, else Windows-1252 when the file is not
 * UTF-8), and the records are always handed out in UTF-8. Lines end with LF, CRLF or CR alone
 * (old Mac Excel); each counts as one line. The delimiter is ',', ';' or tab: given, or
 * detected from the first non-blank line of the decoded text. Blank lines between records are
 * skipped. The file is read in fixed-size chunks: memory does not grow with its size, only
 * with its longest record.
 *
 * May call: util and libcsv, which no other room may include (src/util's room;
 * docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_CSV_H
#define PN_UTIL_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "util/error.h"
#include "util/strbuf.h"

/*
 * Called once per record. @line is the 1-based line the record starts on; @fields
 * are @n NUL-terminated strings lent for the duration of the call. Return PN_OK to go
 * on; PN_STOP to end the reading there without an error (the callback has what it needs:
 * pn_csv_read then returns PN_OK, and a caller that must know keeps the fact in @ctx);
 * anything else is a failure that stops the reading, and pn_csv_read returns it (with @err
 * as the callback filled it), PN_EINTERNAL included.
 */
typedef pn_status (*pn_csv_record_fn)(void *ctx, size_t line, size_t n, char *const *fields,
                                      pn_error *err);

/*
 * Options; a zeroed struct (or NULL) means "detect everything, report nothing", so that
 * designated initializers stay short: `pn_csv_opts o = {.delim = ';'};`.
 */
typedef struct pn_csv_opts {
    char delim; /* ',', ';', '\t', or 0 to detect it from the first line; keep it first */
    /* NULL or "auto" to detect; else a name pn_decoder_create knows (util/decode.h): utf-8,
     * windows-1252, latin1, iso-8859-15, utf-16, utf-16le, utf-16be, macintosh, or any name
     * iconv knows. Lent for the call. */
    const char *encoding;
    /* If not NULL, called about every MiB of input and once at the end of a successful read
     * with @done == the bytes read; @total is the size of a regular file (so @done == @total
     * at the end when the stream was at its start), 0 when unknown (a pipe, a memory
     * stream). */
    void (*progress)(void *ctx, unsigned long long done, unsigned long long total);
    void *progress_ctx;
} pn_csv_opts;

/* What a read found, filled by pn_csv_read for its caller. */
typedef struct pn_csv_info {
    char delim;               /* the delimiter used */
    char encoding[32];        /* "UTF-8", "UTF-8 (BOM)", "WINDOWS-1252", "UTF-16LE", ... */
    char newline[5];          /* the first line ending: "LF", "CRLF", "CR", or "none" */
    unsigned long long bytes; /* bytes read from the stream, byte order mark included */
} pn_csv_info;

/*
 * pn_csv_read - read every record of @in, calling @fn for each.
 * @in: an open stream, read to its end; not closed. When it can seek and no encoding is
 *   given, it is scanned to its end first, then read again from where it was.
 * @name: the file name used in messages ("name:line: ...").
 * @opts: options, or NULL for the defaults.
 * @info: if not NULL, receives what was detected: info->encoding and info->delim before the
 *   first call of @fn (a callback may look at them), the rest when the read ends (also on
 *   failure, as far as the read went).
 * Returns PN_OK (also when @fn returned PN_STOP: no progress call at the end then, and the
 *   rest of the file is not read, so it is not checked); PN_EINPUT for a malformed file (message
 * "name:line: ...", with the column where one applies); PN_EUSAGE for an unknown opts->encoding
 * ("unknown encoding 'x' (known: ...)"); PN_EIO, PN_ENOMEM, or what @fn returned. An empty file is
 * PN_EINPUT. Records before a fault have been handed to @fn.
 */
PN_MUST_USE pn_status pn_csv_read(FILE *in, const char *name, const pn_csv_opts *opts,
                                  pn_csv_record_fn fn, void *ctx, pn_csv_info *info, pn_error *err);

/* Same, opening @path first ("cannot open 'path': reason" when that fails). */
PN_MUST_USE pn_status pn_csv_read_path(const char *path, const pn_csv_opts *opts,
                                       pn_csv_record_fn fn, void *ctx, pn_csv_info *info,
                                       pn_error *err);

/* Whether @s (@len bytes) is valid UTF-8. On failure *@bad gets the offset of the first
 * bad byte when @bad is not NULL. */
int pn_utf8_valid(const char *s, size_t len, size_t *bad);

/* The delimiter of a file whose first line is @line: the most frequent of ',', ';' and tab
 * outside quotes (',' when none). */
char pn_csv_detect_delim(const char *line, size_t len);

/*
 * pn_csv_write_field - write @s (NULL: "") as one CSV field to @out, quoted when it holds
 * @delim, a quote or a newline. Every CSV panorama writes goes through here, so that no
 * text cell of any of them can be read as a formula: a text that pn_csv_is_formula() flags
 * gets a leading ' (the usual defence: a spreadsheet shows it as text), e.g. `=SUM(A1)`
 * is written `'=SUM(A1)`, `@x` `'@x`, `-` `'-`; a number stays as it is (`-3.5`, `+2`,
 * `-1e5`, `-3,5`).
 */
void pn_csv_write_field(FILE *out, const char *s, char delim);

/*
 * pn_csv_append_field - append @s as one CSV field to @out, quoted by the same rule as
 * pn_csv_write_field (when it holds @delim, a quote or a newline; quotes doubled) but with
 * no formula guard: for a record kept as the file had it (the raw row of a reject), where a
 * ' would change the text read. What is handed to people goes through pn_csv_write_field.
 * @s is not NULL. Returns PN_OK or PN_ENOMEM (@out then holds part of the field).
 */
pn_status pn_csv_append_field(pn_strbuf *out, const char *s, char delim)
    __attribute__((warn_unused_result));

/* Whether a spreadsheet could read @s as a formula: it begins with '=', '+', '-', '@', a tab
 * or a carriage return, and is not a plain number (an optional sign, digits with one '.' or
 * ',' at most, an optional exponent). */
int pn_csv_is_formula(const char *s);

/* @s without the ' that pn_csv_write_field put before it, for a program that reads back a
 * CSV it wrote (a mapping template): s + 1 when @s is ' followed by a text
 * pn_csv_is_formula() flags, else @s. */
const char *pn_csv_unguard(const char *s);

#endif
