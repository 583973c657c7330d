/*
 * report.h - the funders' workbook: a report spec read from CSV, and an .xlsx writer.
 *
 * A report spec is a small CSV file a coordinator edits in a spreadsheet. It says which
 * tables go into the workbook, on which sheet, under which French title, with which chart.
 * The writer (libxlsxwriter) turns stats tables (stats/stats.h) into one sheet each, with
 * the figures as numbers, a native Excel chart beside the table, a cover sheet with the key
 * counts and a table of contents, and a methodology sheet.
 *
 * The methodology sheet's text is a file a coordinator edits (reports/methodologie.txt).
 * The workbook's sheets are the xlsx driver of output/output.h.
 *
 * May call: util, stats, store (the report's one read), output (the driver interface),
 * libxlsxwriter.
 *
 * Nothing here prints, exits or depends on the locale or the clock: errors come back as a
 * pn_status with a message in a pn_error, and the file written depends only on its inputs.
 */
#ifndef PN_REPORT_REPORT_H
#define PN_REPORT_REPORT_H

#include <stddef.h>

#include "output/carto.h"
#include "stats/stats.h"
#include "stats/tabulate.h"
#include "store/store.h"
#include "util/error.h"

/* Names of the two sheets the writer adds itself; a spec may not use them. */
#define PN_REPORT_COVER_SHEET "Sommaire"
#define PN_REPORT_METHOD_SHEET "M\xc3\xa9thodologie"
/* The methodology text's file name, beside a spec (reports/methodologie.txt bundled). */
#define PN_REPORT_METHOD_FILE "methodologie.txt"
/* The secret statistique's threshold of a workbook whose spec sets none: INSEE's frequency
 * rule (a count of fewer than 3 units is not published). */
#define PN_REPORT_SECRET 3
/* A percentage computed on fewer units than this is flagged "à interpréter avec prudence",
 * as French survey reports do, unless the spec sets another base (0: no flag). */
#define PN_REPORT_SMALL_BASE 30

/* ---------------------------------------------------------------------------------------
 * Report spec
 *
 * The file: any encoding and delimiter pn_csv_read_path detects (UTF-8, Windows-1252,
 * UTF-16; ',', ';', tab). The first record is the header; its columns, in any order, are among
 *     kind, sheet, title, var, by, where, chart, note, secret, producer, small_base, labels,
 *     cells, order
 * (case and surrounding spaces ignored; columns with an empty head are ignored, so are
 * trailing empty cells). kind, sheet and var are required columns. Empty records are
 * skipped. Each record is one of:
 *   kind = workbook  title: the workbook's title; note: its subtitle; secret: the threshold of
 *                    the secret statistique, a whole number from 0 (no masking) to 1000
 *                    (default PN_REPORT_SECRET); producer: who produced the survey (the
 *                    federation and its partners), on the cover; small_base: a percentage
 *                    on fewer units is flagged "à interpréter avec prudence" (default
 *                    PN_REPORT_SMALL_BASE, 0 none). These three on the workbook record only.
 *                    At most one.
 *   kind = table     one sheet:
 *                      sheet  its name: 1 to 31 characters, none of [ ] : * ? / \, not
 *                             starting or ending with ', unique (Excel compares names
 *                             without case), not one of the writer's own sheets;
 *                      title  a French title (default: the sheet name);
 *                      var    the variable tabulated (XLSForm name: letters, digits, _ - .);
 *                      by     optional: the cross-tab column variable;
 *                      where  optional: an XLSForm expression filtering the units, kept as
 *                             text here (the caller parses it);
 *                      chart  bar (horizontal bars), column, pie, stacked (100 % stacked
 *                             columns, cross-tabs only), none; empty: stacked for a
 *                             cross-tab, bar otherwise. pie is refused for a cross-tab;
 *                      note   a French sentence printed under the table;
 *                      labels optional: words for categories, choice=words pairs separated
 *                             by ';' ("oui=En QPV;non=Hors QPV"), for var's and by's;
 *                      cells  optional, a cross-tab's: "expected" (the expected counts under
 *                             independence) and/or "residuals" (the adjusted standardised
 *                             residuals), blocks under the percentages;
 *                      order  form (the form's order of the categories, the default) or
 *                             frequency (the most frequent first; the rows of a cross-tab).
 *   kind = pairs     one sheet: the agreement of the two views of the links both sides
 *                    report (tab --pairs): sheet, title, var and note as for a table; by,
 *                    where and chart (but none) are refused.
 *   kind = fiches    one fiche per town for the working groups (fiches.c), after a sheet of
 *                    the network's figures by town: sheet, that sheet's name; title, its
 *                    title; var, the variables of each fiche, separated by spaces (a
 *                    single-answer one, the links' class say, is shown as the town's row of
 *                    the cross-tab `by` x var, the table "Liens par commune" publishes; a
 *                    multiple-response one as the town's column of var x `by`); by, the town
 *                    variable, required (its categories are the towns); note, a sentence
 *                    under the figures; labels as for a table. where, chart, cells and order
 *                    are refused. At most one. Each fiche's sheet is named "Fiche <town>".
 * At least one table or pairs record is required.
 * ------------------------------------------------------------------------------------- */

typedef enum pn_chart_kind {
    PN_CHART_NONE,
    PN_CHART_BAR,     /* horizontal bars */
    PN_CHART_COLUMN,  /* vertical columns (clustered for a cross-tab) */
    PN_CHART_PIE,     /* single-answer frequencies only */
    PN_CHART_STACKED, /* 100 % stacked columns, for cross-tabs */
} pn_chart_kind;

/* One table of the report. Every string is owned by the spec that holds the item. */
typedef struct pn_report_item {
    char *sheet; /* sheet name, valid for Excel; never NULL */
    char *title; /* French title; never NULL (the sheet name when the spec has none) */
    char *var;   /* row variable; never NULL */
    char *by;    /* column variable of a cross-tab; NULL when none */
    char *where; /* filter expression, unparsed; NULL when none */
    char *note;  /* sentence under the table; never NULL, "" when none */
    pn_chart_kind chart;
    size_t line; /* line of the spec the item comes from, for messages */
    int pairs;   /* a pairs record: the agreement of the links both sides report */
    /* the labels column: the words shown instead of a category's label, for the categories
     * (of var or by) named label_names[i]; owned */
    char **label_names, **label_texts;
    size_t nlabels;
    int expected, residuals; /* the cells column: a cross-tab's expected counts, residuals */
    int by_frequency;        /* the order column: categories the most frequent first */
    /* a fiches record: the variables of each town's fiche (var, split at spaces), owned */
    int fiches;
    char **vars;
    size_t nvars;
} pn_report_item;

typedef struct pn_report_spec {
    char *path;     /* the file it was read from (the name given to ..._load_text) */
    char *title;    /* workbook title; NULL when the spec has no workbook record */
    char *subtitle; /* NULL when none */
    double secret;  /* the secret statistique's threshold (PN_REPORT_SECRET by default, 0 none) */
    double small_base; /* the smallest base of an unflagged percentage (PN_REPORT_SMALL_BASE) */
    char *producer;    /* who produced the survey and the workbook; NULL when not said */
    pn_report_item *items;
    size_t n;
} pn_report_spec;

/*
 * pn_report_spec_load - read and check a report spec.
 * @path: the CSV file; its name starts every message ("path:line: column 'x': expected
 *        ..., found '...'").
 * @out: receives the spec on success, NULL on failure. The caller owns it and frees it
 *       with pn_report_spec_destroy().
 * Returns PN_OK; PN_EINPUT for a bad spec (unknown column head or kind or chart, a
 * missing required column or value, a bad or duplicate sheet name, no table); PN_EIO when
 * the file cannot be read; PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_report_spec_load(const char *path, pn_report_spec **out, pn_error *err);

/* Same, from the bytes @text (@len of them, lent for the call: a spec read earlier, or the
 * copy kept in a project file); @name stands for the file in messages and in spec->path. */
PN_MUST_USE pn_status pn_report_spec_load_text(const char *name, const char *text, size_t len,
                                               pn_report_spec **out, pn_error *err);

/* Free a spec and everything it holds. NULL is a no-op. */
void pn_report_spec_destroy(pn_report_spec *s);

/* The spec's name of a chart kind ("bar", "column", "pie", "stacked", "none"). */
const char *pn_chart_kind_name(pn_chart_kind k);

/* ---------------------------------------------------------------------------------------
 * Workbook writer
 *
 * Usage: pn_workbook_create(), then pn_workbook_add_result() once per table (sheets appear in
 * that order, after the cover), then pn_workbook_close() to write the file; on an error
 * path, pn_workbook_destroy() abandons it. Nothing is written to @path before close.
 *
 * Every table sheet has: the title (bold, larger); the question label and variable name
 * (small, grey); the filter when there is one; the table with French heads, figures
 * written as numbers, unrounded, shown through number formats (counts "0", percentages
 * as numbers from 0 to 100 with one decimal, "0.0", with "%" in the head); the note; a
 * native Excel chart beside the table that references the table's cells; landscape print
 * fitted to one page wide, a frozen head, and a footer naming the source and data date.
 * Percentages come from the table (stats/stats.h): the writer only lays them out.
 * ------------------------------------------------------------------------------------- */

typedef struct pn_workbook pn_workbook;

/*
 * pn_workbook_create - start a workbook to be written at @path.
 * The cover sheet (PN_REPORT_COVER_SHEET) is created first and filled by close.
 * Returns the workbook, owned by the caller until pn_workbook_close() or
 * pn_workbook_destroy(); NULL with @err filled (PN_ENOMEM, PN_EINTERNAL) on failure.
 */
pn_workbook *pn_workbook_create(const char *path, pn_error *err);

/* pn_workbook_set_small_base - the percentages of the tables added after this on a base of
 * fewer than @n units (0: none; PN_REPORT_SMALL_BASE until set) are printed in italics, and
 * a line under the table says to read them with care. */
void pn_workbook_set_small_base(pn_workbook *wb, double n);

/* pn_workbook_set_producer - who produced the survey, named in each table's source line
 * (copied; NULL: none). PN_OK or PN_ENOMEM. */
PN_MUST_USE pn_status pn_workbook_set_producer(pn_workbook *wb, const char *producer);

/*
 * pn_workbook_add_result - add the sheet of @it for a result of pn_tabulate (lent), through
 * the xlsx driver of output/output.h (pn_output_write).
 * A pooled result (one table, r->split NULL) is the sheet of its table:
 *   frequencies (tri à plat): rows the categories, "Non-réponse", "Total"; columns effectif,
 *     % du total, % des réponses valides, cumulative valid % when the variable is ordered,
 *     the Wilson 95 % interval when computed. Chart: bar (horizontal bars of the valid %),
 *     column (columns of the valid %), pie (the counts, labelled with their share); stacked
 *     is drawn as column;
 *   multiple response: rows the options, "Total", then the base ("Répondants") and the
 *     non-response; columns effectif, % des répondants (can exceed 100), % des réponses.
 *     Chart: bars of the % of respondents (column when @it says column; pie and stacked are
 *     drawn as bar, since the percentages do not add up to 100);
 *   cross-tab: three blocks, counts, row %, column %, each with its totals; below them the
 *     tests: Pearson chi-square, likelihood ratio (with df and p), Cramér's V, Fisher's exact
 *     test when the table has one (2x2), and a warning when more than 20 % of the expected
 *     counts are below 5. Chart: one series per row category over the column categories,
 *     from the counts: 100 % stacked columns (stacked, the default), clustered columns
 *     (column) or clustered bars (bar); a pie is drawn as stacked;
 *   multiple-response cross-tab (a select_multiple by a single-answer variable): two blocks,
 *     the counts, with each column's respondents (the base of its %) and non-response under
 *     them; the % of each column's respondents, with an "Ensemble" column; then
 *     PN_MULTI_CROSSTAB_NOTE (no chi-square: the rows are not exclusive). Chart: one series
 *     per column, the % of its respondents over the options, clustered bars (column when @it
 *     says column, none when none).
 * A split one (each network's own table, r->split set) is one sheet: under the title,
 * PN_TAB_SPLIT_NOTE; then, for each network, a heading line "Centres sociaux — Question :
 * <its own label> — variable <name>", its table as the sheet of a table alone lays it out,
 * and its chart beside it, titled "<sheet title> — <network>"; tables are stacked with room
 * for their charts; the note of @it comes under the last one.
 * @it: the sheet name, title, note and chart; lent, copied as needed.
 * Returns PN_OK; PN_EINPUT when the sheet name is invalid or already used, or a text is
 * longer than a cell holds; PN_EINTERNAL when a table was not computed ("sheet 'x': ...") or
 * libxlsxwriter fails; PN_ENOMEM. On failure the workbook can still be closed or destroyed.
 */
PN_MUST_USE pn_status pn_workbook_add_result(pn_workbook *wb, const pn_report_item *it,
                                             const pn_tab_result *r, pn_error *err);

/* A row of the methodology sheet: a section heading, or a paragraph. */
typedef struct pn_method_par {
    const char *text;
    int heading;
    int typology; /* the paragraph of {typologie}: the typology's table follows it */
} pn_method_par;

/* What the cover and the methodology sheet say. Everything is lent for the call. */
typedef struct pn_workbook_info {
    const char *title;     /* NULL: "Panorama" */
    const char *subtitle;  /* NULL: none */
    const char *data_date; /* "YYYY-MM-DD" of the newest answer, a time may follow after 'T'
                              or ' '; NULL: not shown, and the file's creation date is then
                              the current time */
    size_t ncounts;        /* key counts shown on the cover, e.g. "Centres sociaux
                              répondants", "Écoles répondantes", "Liens déclarés", ... */
    const char *const *count_labels;
    const double *counts;
    size_t nmethod; /* the methodology sheet: section headings and paragraphs, French, one per
                       row (pn_report_method_fill) */
    const pn_method_par *method;
    const char *secret;     /* the cover's sentence on the secret statistique; NULL: none */
    const char *first_date; /* the data_date of the oldest answer: the fieldwork period runs
                               from it to data_date; NULL: not shown */
    const char *producer;   /* who produced it, on the cover and as the file's author; NULL:
                               not shown, the author is "panorama" */
    size_t ntypology;       /* the link typology as a table under its paragraph: each class and the
                               condition (in words) that gives it, the first that holds; 0: none */
    const char *const *typology_class, *const *typology_rule;
    size_t nrates; /* the cover's response rates against the registry: a label and its text
                      each ("Taux de réponse des centres sociaux", "113 sur 124, soit 91,1 %") */
    const char *const *rate_labels, *const *rate_texts;
} pn_workbook_info;

/*
 * pn_workbook_close - finish the workbook and write it to its path.
 * Fills the cover (title, subtitle, date of the data, key counts, a table of contents
 * with internal links to every sheet), adds the methodology sheet (@info's section headings
 * and paragraphs, a blank row before each heading but the first), sets the document
 * properties (title, subject, author "panorama", creation date = @info->data_date at noon, so that
 * the file does not depend on the clock) and the footers, then writes the file.
 * @info: may be NULL (a bare cover, and a methodology sheet with its title alone).
 * The file is written to a new temporary file beside the path (same folder, named
 * "PATH.PID-N.tmp"), then renamed over the path: a write that fails (a full disk) or is
 * killed leaves the previous file at the path as it was; on failure only that temporary
 * file is removed. When the path is a symbolic link to a regular file, that file is replaced
 * and the link kept. A path that exists and is not a regular file (a folder, a device such
 * as /dev/full, a pipe) is refused: nothing is written to, renamed over or removed from it.
 * Frees @wb whatever the result (NULL: returns PN_OK).
 * Returns PN_OK; PN_EINPUT when data_date is not "YYYY-MM-DD"; PN_EIO when the file cannot
 * be written ("cannot write 'path': reason"; "... cannot create a file in the folder ..."
 * when the folder is not writable; "... it exists and is not a regular file ...");
 * PN_EINTERNAL, PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_workbook_close(pn_workbook *wb, const pn_workbook_info *info,
                                        pn_error *err);

/* Abandon a workbook without writing anything. NULL is a no-op. */
void pn_workbook_destroy(pn_workbook *wb);

/* ---------------------------------------------------------------------------------------
 * Methodology text
 *
 * The methodology sheet's text is a UTF-8 file a coordinator edits (the bundled one is
 * reports/methodologie.txt). A line starting with '#' is a comment; a line "== Titre" starts
 * a section under that heading; paragraphs are separated by empty lines, and the lines of a
 * paragraph are joined by a space. Placeholders are filled with the report's figures, as the
 * cover shows them ("12 345"): {centres}, {ecoles}, {communes}, {liens}, {paires}, {dyades},
 * {rejets} (the PN_COUNT_* of store.h), and {typologie}, the typology rule as the stored form
 * writes it; a paragraph left empty once filled (a {typologie} alone, when no form has a
 * typology) is dropped. "{{" writes a brace.
 * ------------------------------------------------------------------------------------- */

typedef struct pn_report_method pn_report_method;

/*
 * pn_report_method_load - read and check a methodology text.
 * @path: the file; its name starts every message ("path:line: ...").
 * @out: receives the text, which the caller frees with pn_report_method_destroy(); NULL on
 *       failure.
 * Returns PN_OK; PN_EINPUT for a text that is not UTF-8, holds a brace that opens no known
 * placeholder ("path:line: expected a placeholder among {centres}, ..., found '{foo}'"), or
 * has no paragraph; PN_EIO when the file cannot be read; PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_report_method_load(const char *path, pn_report_method **out,
                                            pn_error *err);

/* Same, from the bytes @text (@len of them, lent); @name stands for the file in messages. */
PN_MUST_USE pn_status pn_report_method_load_text(const char *name, const char *text, size_t len,
                                                 pn_report_method **out, pn_error *err);

/* Free a methodology text. NULL is a no-op. */
void pn_report_method_destroy(pn_report_method *m);

/* The rows of the methodology sheet, filled; the caller owns them and releases them with
 * pn_method_text_release(). */
typedef struct pn_method_text {
    pn_method_par *pars;
    size_t n;
} pn_method_text;

/*
 * pn_report_method_fill - the headings and paragraphs of @m with the placeholders filled:
 * @counts (PN_NCOUNTS figures, pn_store_counts), @typology (NULL or "": none, and a
 * paragraph of {typologie} alone is dropped) and @secret, the sentence of {secret}
 * (pn_report_secret_text). Fills @out. Returns PN_OK or PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_report_method_fill(const pn_report_method *m,
                                            const double counts[PN_NCOUNTS], const char *typology,
                                            const char *secret, pn_method_text *out, pn_error *err);

/* The French sentence that states the secret statistique at threshold @n (0: not applied),
 * for the cover and {secret}, into @buf (@size bytes, 400 are enough). Returns @buf. */
const char *pn_report_secret_text(char *buf, size_t size, double n);

void pn_method_text_release(pn_method_text *t);

/* ---------------------------------------------------------------------------------------
 * The report
 * ------------------------------------------------------------------------------------- */

/*
 * pn_report_write - write the workbook @spec describes to @out_path, from the project file
 * @store: every figure read in one read transaction of the store (its cover and its sheets
 * never mix the store before and after an import that commits meanwhile), the cover's key
 * counts (pn_store_counts), one sheet per item (pn_tabulate then pn_workbook_add_result),
 * and the methodology sheet, the text @method (lent) with its figures filled (the counts; the
 * typology rule as the stored form writes it). @db_name names the project file in
 * messages. The read is over when it returns, and the workbook written only when whole
 * (pn_workbook_close). *@fiches (when not NULL) gets the number of town fiches written.
 * Returns PN_OK; PN_EUSAGE when the project file holds no answers yet; PN_EINPUT with
 * "spec:line: sheet 'x': ..." when an item cannot be tabulated (a variable no stored form
 * has is the spec's fault here, whatever pn_tabulate calls it); the store's and the
 * workbook's errors.
 */
pn_status pn_report_write(pn_store *store, const pn_report_spec *spec,
                          const pn_report_method *method, const char *db_name, const char *out_path,
                          size_t *fiches, pn_error *err);

/*
 * pn_xlsform_write - the form whose one-file CSV text is @text (@len bytes; @name for messages,
 * "name:line: ...") as the XLSForm workbook KoboToolbox and ODK Central upload, to @path
 * (written beside it, then renamed): one sheet per section (survey, choices, settings), the
 * CSV's columns in their order, every cell a string (xlsform.c says why). PN_OK; PN_EINPUT for
 * a form that is not in sections or that mixes translated and untranslated columns
 * (KoboToolbox refuses those); PN_EIO, PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_xlsform_write(const char *name, const char *text, size_t len,
                                       const char *path, pn_error *err);

/*
 * pn_fillable_write - the fillable workbook of the form @f for the structure @e (its identity
 * filled in and locked), to @path (written beside it, then renamed): fillable.c says what it
 * holds. PN_OK, PN_EIO, PN_ENOMEM, PN_EINTERNAL.
 */
PN_MUST_USE pn_status pn_fillable_write(const pn_form *f, const pn_registry_entry *e,
                                        const char *path, pn_error *err);

/*
 * pn_form_print - the printable questionnaire of the form @f, in French, as a PDF of A4 pages
 * at @path (written beside it, then renamed; print.c says what it holds): the title, the
 * structure's identity, the opening notes, each question asked on paper with its skip rule in
 * words, a box per choice or a frame to write in, the partners' repeat as sheets to
 * photocopy, "Page k sur N" at the foot of each page. Laid out by Pango in DejaVu Sans and
 * drawn by Cairo; the file depends only on @f and @e (not on the locale nor the clock: its
 * creation date is the form version's).
 * @e: the structure it is printed for, lent: its name, identifier and commune pre-printed;
 *     NULL for a blank questionnaire, with lines to write them on.
 * Returns PN_OK; PN_EIO when the file cannot be written ("cannot write 'path': ..."; a path
 * that exists and is not a regular file is refused); PN_ENOMEM; PN_EINTERNAL.
 */
PN_MUST_USE pn_status pn_form_print(const pn_form *f, const pn_registry_entry *e, const char *path,
                                    pn_error *err);

/* ---------------------------------------------------------------------------------------
 * The map (carto.c)
 */

/* Whether the structure @r goes on the map: 1 yes, 0 no, -1 an error (in @err). */
typedef int (*pn_carto_keep_fn)(void *ctx, const pn_structure_row *r, pn_error *err);

/*
 * pn_carto_build - the map's model (output/carto.h) from @s, in one read transaction: every
 * structure of the registry and every structure the answers name (pn_store_each_structure's),
 * those @keep keeps (NULL: all), then each link a stored form's links repeat reports between
 * two structures kept, with the reporting side's class (the classes of the form's class list,
 * the centres' form first) and its answers to the repeat's choice questions in words. *@out
 * gets the model (free with pn_carto_destroy). PN_OK, PN_ESTORE, PN_ENOMEM, or @keep's error.
 */
PN_MUST_USE pn_status pn_carto_build(pn_store *s, pn_carto_keep_fn keep, void *keep_ctx,
                                     pn_carto **out, pn_error *err);

/* pn_report_stored_forms - every form the store holds (those of a network only when @sided),
 * read back in the caller's read transaction; one that cannot be read is left out. *@out
 * (free with pn_report_forms_free) gets @n of them. PN_OK, PN_ESTORE, PN_ENOMEM. */
PN_MUST_USE pn_status pn_report_stored_forms(pn_store *s, int sided, pn_form ***out, size_t *n,
                                             pn_error *err);
void pn_report_forms_free(pn_form **forms, size_t n);

/* pn_carto_read - the same inside the read transaction the caller holds (the report's). */
PN_MUST_USE pn_status pn_carto_read(pn_store *s, pn_carto_keep_fn keep, void *keep_ctx,
                                    pn_carto **out, pn_error *err);

#endif
