/*
 * decode.h - turn the bytes of a text file into UTF-8, whatever encoding the file is in.
 *
 * Survey tools and spreadsheets write CSV in several encodings: UTF-8 with or without a byte
 * order mark (KoboToolbox, ODK Central, LimeSurvey, Google Forms, Excel's "CSV UTF-8"),
 * Windows-1252 (Excel's plain "CSV" on a French Windows system), UTF-16LE with a byte order
 * mark (Excel's "Texte Unicode"), Mac Roman (old Mac Excel). A decoder reads a stream in
 * fixed-size chunks and hands out UTF-8 text, so memory stays bounded whatever the file size.
 *
 * Detection, when no encoding is given:
 * - a byte order mark decides: EF BB BF is UTF-8 (skipped), FF FE is UTF-16LE, FE FF is
 *   UTF-16BE (both skipped);
 * - without one, a start where one byte of most pairs is zero, always the same one, and no
 *   pair is two zeros is UTF-16 without a mark (LE or BE by which byte): text has no NUL;
 * - a ZIP (.xlsx, .ods) or OLE (.xls) signature is an error: a workbook is not a CSV file;
 * - otherwise the file is scanned for UTF-8 (all of it when the stream can seek, which then
 *   goes back to where it was; the first 64 KiB otherwise). Valid: UTF-8. Invalid, with no
 *   valid multi-byte sequence anywhere: Windows-1252. Invalid, with valid multi-byte
 *   sequences too: a UTF-8 file broken by text pasted in another encoding, read as UTF-8 up to
 *   its first bad byte, which is an error there ("the file mixes encodings").
 * So the encoding is known before any text is handed out, and UTF-8 never goes through iconv:
 * it is validated in place.
 *
 * Other encodings go through glibc's iconv(3). A byte the encoding does not define (0x81 in
 * Windows-1252) or a character cut short at the end of the file is an error that names the
 * byte, the line and the column.
 *
 * May call: util and iconv, which no other room may include (src/util's room;
 * docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_DECODE_H
#define PN_UTIL_DECODE_H

#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

/* An open decoder: created by pn_decoder_create, freed by pn_decoder_destroy. */
typedef struct pn_decoder pn_decoder;

/*
 * pn_decoder_create - prepare to decode @in.
 * @in: an open stream, read from its current position; lent: the decoder never closes it.
 *   When it can seek, detection scans it to its end and seeks back.
 * @name: the file name used in messages; lent, must outlive the decoder.
 * @encoding: NULL or "auto" to detect, else a name: utf-8 (utf8), windows-1252 (cp1252),
 *   latin1 (iso-8859-1), iso-8859-15 (latin9), utf-16 (the byte order mark decides,
 *   little-endian without one), utf-16le, utf-16be, macintosh (mac-roman), in any case, or
 *   any other name iconv_open(3) knows. A byte order mark of that encoding is skipped.
 * @out: receives the decoder, which the caller frees with pn_decoder_destroy.
 * Returns PN_OK; PN_EUSAGE for an unknown encoding ("unknown
 * encoding 'x' (known: ...)"); PN_EINPUT for a workbook ("name: this is a spreadsheet
 * workbook ..."); PN_EIO; PN_ENOMEM. On failure *@out is NULL.
 */
PN_MUST_USE pn_status pn_decoder_create(FILE *in, const char *name, const char *encoding,
                                        pn_decoder **out, pn_error *err);

/*
 * pn_decoder_read - the next piece of text, in UTF-8.
 * @line, @col: where the text handed out so far ends, as the caller counts it: the 1-based
 *   line, and the 1-based column (in characters) of the next character. Used only to place
 *   an error in its message ("name:line: ... at column col ...").
 * @text, @len: receive the text, lent until the next call; *@len is 0 at the end of the file.
 *   The text always ends on a character boundary; it may hold U+0000 as a 0 byte.
 * Returns PN_OK, PN_EINPUT for bytes that are not text in the file's encoding (everything
 * before them has been handed out first), PN_EIO, PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_decoder_read(pn_decoder *d, size_t line, size_t col, const char **text,
                                      size_t *len, pn_error *err);

/* The encoding detected or given, e.g. "UTF-8", "UTF-8 (BOM)", "WINDOWS-1252", "UTF-16LE",
 * or the name given in capitals. Lent, valid as long as @d. */
const char *pn_decoder_encoding(const pn_decoder *d);

/* How many bytes of the stream have been consumed (byte order mark included). */
unsigned long long pn_decoder_bytes(const pn_decoder *d);

/* The number of bytes from the starting position to the end of the stream when it is a
 * regular file, else 0. */
unsigned long long pn_decoder_size(const pn_decoder *d);

/* Free @d; NULL is a no-op. Does not close the stream. */
void pn_decoder_destroy(pn_decoder *d);

/*
 * pn_encoding_check - whether @encoding names an encoding pn_decoder_create accepts, so that a
 * command line can refuse a bad name before reading anything. NULL and "auto" are accepted.
 * Returns PN_OK or PN_EUSAGE with the message pn_decoder_create would give.
 */
PN_MUST_USE pn_status pn_encoding_check(const char *encoding, pn_error *err);

/*
 * pn_utf8_scan - check UTF-8 quickly (ASCII is tested eight bytes at a time).
 * @s, @len: the bytes.
 * @multi: set to 1 when the valid prefix holds a multi-byte character (left alone
 *   otherwise); may be NULL.
 * Returns the length of the longest prefix made of complete, valid characters (no overlong
 * form, no surrogate, nothing above U+10FFFF). When it is less than @len, the byte there
 * starts an invalid sequence, or one that the end of the buffer cuts.
 */
size_t pn_utf8_scan(const char *s, size_t len, int *multi);

/* The characters (code points) in the first @len bytes of the UTF-8 text @s: the bytes that
 * do not continue a multi-byte sequence. What a terminal or a cell shows as the width of a
 * French text (no wide or combining characters there). */
size_t pn_utf8_chars(const char *s, size_t len);

#endif
