/*
 * csv.h - read a delimited text file record by record, with line numbers.
 *
 * A thin layer over libcsv (strict mode) that adds what a person needs when a file is
 * wrong: the line each record starts on, and clear errors for an unterminated quote,
 * a NUL byte (a binary file), invalid UTF-8, an empty file. A UTF-8 byte order mark
 * is skipped. The delimiter is ',', ';' or tab: given, or detected from the first line.
 */
#ifndef PN_UTIL_CSV_H
#define PN_UTIL_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

/*
 * Called once per record. @line is the 1-based line the record starts on; @fields
 * are @n NUL-terminated strings lent for the duration of the call. Return PN_OK to go
 * on; anything else stops the reading, and pn_csv_read returns it (with @err as the
 * callback filled it).
 */
typedef pn_status (*pn_csv_record_fn)(void *ctx, size_t line, size_t n, char *const *fields,
                                      pn_error *err);

typedef struct pn_csv_opts {
    char delim; /* ',', ';', '\t', or 0 to detect it from the first line */
} pn_csv_opts;

/*
 * pn_csv_read - read every record of @in, calling @fn for each.
 * @in: an open stream, read to its end; not closed.
 * @name: the file name used in messages ("name:line: ...").
 * @opts: options, or NULL for the defaults.
 * @delim_out: if not NULL, receives the delimiter used.
 * Returns PN_OK, PN_EINPUT for a malformed file (message "name:line: ..."), PN_EIO,
 * PN_ENOMEM, or what @fn returned. An empty file is PN_EINPUT.
 */
pn_status pn_csv_read(FILE *in, const char *name, const pn_csv_opts *opts, pn_csv_record_fn fn,
                      void *ctx, char *delim_out, pn_error *err);

/* Same, opening @path first ("cannot open 'path': reason" when that fails). */
pn_status pn_csv_read_path(const char *path, const pn_csv_opts *opts, pn_csv_record_fn fn,
                           void *ctx, char *delim_out, pn_error *err);

/* Whether @s (@len bytes) is valid UTF-8. On failure *@bad gets the offset of the first
 * bad byte when @bad is not NULL. */
int pn_utf8_valid(const char *s, size_t len, size_t *bad);

/* The delimiter of a file whose first line is @line: the most frequent of ',', ';' and tab
 * outside quotes (',' when none). */
char pn_csv_detect_delim(const char *line, size_t len);

/* Write @s as one CSV field to @out, quoted when it holds @delim, a quote or a newline. */
void pn_csv_write_field(FILE *out, const char *s, char delim);

#endif
