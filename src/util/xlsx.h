/*
 * xlsx.h - read the sheets of an Excel workbook (.xlsx) row by row, as text.
 *
 * A workbook is a zip archive of XML parts (ECMA-376, SpreadsheetML): libzip opens the
 * archive and reads each part as a stream, expat parses it; nothing is unpacked to the disk,
 * and a sheet is read without being held in memory, only its shared strings and styles.
 *
 * Each row is handed out as the fields of a record, the way util/csv.h hands out the records
 * of a CSV file, so that the same callback reads both: the record's line is the row's number
 * in the sheet (what Excel shows at the left), its fields the cells from column A to the last
 * cell that holds something; a row with nothing in it is skipped. Rows after the first are
 * padded with empty fields to the first row's width (a spreadsheet leaves trailing empty cells
 * out), so that a table's rows line up with its header; a row that holds something beyond that
 * width is handed out longer, for the caller to report.
 *
 * Every cell comes out as the text a person sees in it, in UTF-8:
 *  - a text cell (shared, inline, or a formula's text result) as it is, the _xHHHH_ escapes
 *    of control characters decoded;
 *  - a number as its shortest decimal form with '.' ("2004", "0.1", "30791900100403");
 *  - a number that a date or time format shows as a date: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS"
 *    when it has a time of day, "HH:MM:SS" for a time alone (both of Excel's date systems);
 *  - TRUE or FALSE for a boolean; an error value as Excel writes it ("#N/A");
 *  - a formula's cached result, never the formula.
 *
 * May call: util, libzip and expat (src/util's room owns <zip.h> and <expat.h>).
 */
#ifndef PN_UTIL_XLSX_H
#define PN_UTIL_XLSX_H

#include <stddef.h>

#include "util/csv.h"
#include "util/error.h"

typedef struct pn_xlsx pn_xlsx;

/* Whether the file at @path begins like a zip archive (an .xlsx, an .ods, a .docx...): its
 * first four bytes are "PK\3\4". 0 when it cannot be read. */
int pn_xlsx_is_zip(const char *path);

/*
 * pn_xlsx_open - open the workbook @path and read its list of sheets, shared strings and
 * styles. *@out gets the workbook (free with pn_xlsx_destroy). PN_EIO when the file cannot
 * be opened ("cannot open 'path': reason"); PN_EINPUT when it is no Excel workbook ("path:
 * not an Excel workbook (.xlsx): ..."), e.g. an .ods, or a damaged archive; PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_xlsx_open(const char *path, pn_xlsx **out, pn_error *err);

/* Close @x and free it. NULL is a no-op. */
void pn_xlsx_destroy(pn_xlsx *x);

/* The number of sheets, in the workbook's order (the tabs' order). */
size_t pn_xlsx_nsheets(const pn_xlsx *x);

/* Sheet @i's name (lent by @x), and whether it is hidden (a hidden or "very hidden" tab). */
const char *pn_xlsx_sheet_name(const pn_xlsx *x, size_t i);
int pn_xlsx_sheet_hidden(const pn_xlsx *x, size_t i);

/* The index of the sheet named @name (exactly), or -1. */
long pn_xlsx_sheet_find(const pn_xlsx *x, const char *name);

/*
 * The workbook's last modification as its properties give it (docProps/core.xml,
 * dcterms:modified, "2026-03-14T09:12:00Z"), lent by @x; NULL when it has none.
 */
const char *pn_xlsx_modified(const pn_xlsx *x);

/*
 * pn_xlsx_read - call @fn for each row of sheet @i that holds something, in order, as the
 * header says. @fn's contract is pn_csv_read's (util/csv.h): its fields are lent for the call;
 * PN_STOP ends the reading with PN_OK; another status stops it and is returned. @name is the
 * name for messages (e.g. "file.xlsx[Feuille1]"). PN_EINPUT for a sheet that is not valid
 * SpreadsheetML ("name: ..."); PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_xlsx_read(pn_xlsx *x, size_t i, const char *name, pn_csv_record_fn fn,
                                   void *ctx, pn_error *err);

#endif
