/*
 * mapping.h - from an export's header and cells to the form's variables and choices.
 *
 * Each collecting tool writes the same answers differently (DOMAIN.md §4). This module knows
 * those dialects and turns a header into a column plan, then each cell into the value the
 * form expects. Every rule here is a translation, never a guess: a column or a value that no
 * rule maps is reported (with the column and the values seen), and a mapping file settles it.
 *
 * Header, in this order: the mapping file's entry for the exact header; a tool's metadata
 * column (keys, parent keys, submission times, columns to leave aside); the variable name;
 * the group path joined with '/' (KoboToolbox) or '-' (ODK Central); a select_multiple's tick
 * column (`q/choice`, `q[choice]`, `q_choice`, or the same with labels: `Label/Choice label`,
 * `Label [Choice label]`); the question's label or label path. Labels are compared folded:
 * case, accents and spacing ignored (util/fold.h).
 *
 * Cells: a select_one takes a choice name, the mapping file's value, a choice label, a
 * yes/no in any usual spelling for a yes/no list, or a code whose leading zeros a
 * spreadsheet dropped; a select_multiple takes names separated by spaces, labels joined with
 * ", " (Google Forms; split against the known labels, so a label may hold a comma), or tick
 * columns (1/0, Y/empty, oui/non); numbers take a decimal comma and spaces between thousands;
 * dates take dd/mm/yyyy and a trailing time; identifiers (UAI, SIRET, INSEE code) get back the
 * leading zeros a spreadsheet dropped when only one value fits. Anything else is left as it
 * was, for the row checks to reject with their usual message.
 *
 * The mapping file (CSV, any encoding and delimiter the readers detect; written as UTF-8 with
 * a BOM and ';' for Excel) has the header `type;dans_le_fichier;variable;choix;remarque`:
 *   colonne;HEADER;VARIABLE;;       the column holds VARIABLE's answers
 *   colonne;HEADER;VARIABLE;CHOICE; the column is the tick box of CHOICE (select_multiple)
 *   ignorer;HEADER;;;               the column is left aside on purpose
 *   valeur;VALUE;VARIABLE;CHOICE;   in VARIABLE's column, VALUE means CHOICE
 * `remarque` is free text. A row whose target cells are empty is still to be completed.
 *
 * May call: util, form, store (src/import's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_IMPORT_MAPPING_H
#define PN_IMPORT_MAPPING_H

#include <stddef.h>

#include "form/form.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/strindex.h"

typedef enum pn_dialect {
    PN_DIALECT_AUTO = 0,
    PN_DIALECT_PLAIN,  /* variable names as headers, as pn-generate and ODK Collect write */
    PN_DIALECT_KOBO,   /* KoboToolbox (formpack) */
    PN_DIALECT_ODK,    /* ODK Central */
    PN_DIALECT_LIME,   /* LimeSurvey */
    PN_DIALECT_GOOGLE, /* Google Forms */
    PN_DIALECT_EXCEL,  /* a sheet saved by Excel on a French system */
} pn_dialect;

/* "plain", "kobo", "odk", "limesurvey", "google", "excel" (the --dialect words). */
const char *pn_dialect_word(pn_dialect d);
/* "KoboToolbox export" etc., for the import summary. */
const char *pn_dialect_title(pn_dialect d);
/* The dialect named @word, or PN_DIALECT_AUTO with 0 returned when there is none. */
int pn_dialect_parse(const char *word, pn_dialect *out);
/* The --dialect words, for help and messages. */
#define PN_DIALECT_WORDS "auto, plain, kobo, odk, limesurvey, google, excel"

/*
 * pn_dialect_detect - the tool that wrote a header, from its metadata columns and shape.
 * @encoding: the encoding the reader found ("WINDOWS-1252", "UTF-16LE", ...), @delim its
 * delimiter: an Excel sheet is told by those when no tool left its mark.
 */
pn_dialect pn_dialect_detect(size_t n, char *const *header, const char *encoding, char delim);

/* ---- the mapping file ---------------------------------------------------------------- */

typedef enum pn_map_kind { PN_MAP_COLUMN, PN_MAP_IGNORE, PN_MAP_VALUE } pn_map_kind;

typedef struct pn_map_entry {
    pn_map_kind kind;
    char *source;   /* the header, or the value as in the file */
    char *variable; /* "" when still to complete */
    char *choice;   /* "" when none or still to complete */
    char *note;
    size_t line; /* in the mapping file; 0 for an entry added by the program */
} pn_map_entry;

typedef struct pn_map {
    char *path;
    pn_map_entry *e;
    size_t n;
    /* the entries by source, for one lookup per header cell or value whatever the file's
     * length: the index gives the last entry with a source, prev[i] the one before entry i
     * with the same source (SIZE_MAX for none). Kept by this module. */
    pn_strindex by_source;
    size_t *prev;
} pn_map;

/*
 * pn_map_load - read the mapping file @path and check it against @form: each variable must
 * be a question of the form, each choice one of its list ("path:line: ..." otherwise).
 * Entries whose targets are still empty are kept (they are the template's) but map nothing.
 */
PN_MUST_USE pn_status pn_map_load(pn_map *map, const char *path, const pn_form *form,
                                  pn_error *err);
void pn_map_release(pn_map *map);

/*
 * pn_map_add - add an entry still to complete, unless one with the same kind, source and
 * variable is there. @variable may be "" (a column), @note says what was seen.
 */
PN_MUST_USE pn_status pn_map_add(pn_map *map, pn_map_kind kind, const char *source,
                                 const char *variable, const char *note);

/* How many entries still have an empty target. */
size_t pn_map_incomplete(const pn_map *map);

/*
 * pn_map_write - write every entry of @map to @path (UTF-8 with a BOM, ';', CRLF, as Excel
 * on a French system reads it), through a temporary file renamed over @path.
 */
PN_MUST_USE pn_status pn_map_write(const pn_map *map, const char *path, pn_error *err);

/* ---- the column plan ------------------------------------------------------------------ */

typedef enum pn_col_kind {
    PN_COL_UNMAPPED = 0,
    PN_COL_IGNORED,   /* metadata left aside, or `ignorer` in the mapping file */
    PN_COL_KEY,       /* the submission's (or entry's) key */
    PN_COL_PARENT,    /* the key of the submission a repeat entry belongs to */
    PN_COL_SUBMITTED, /* when the submission was sent */
    PN_COL_ANSWER,    /* a question's answer */
    PN_COL_TICK,      /* one choice's tick box of a select_multiple */
} pn_col_kind;

typedef struct pn_col {
    pn_col_kind kind;
    int q;      /* question index for ANSWER and TICK, else -1 */
    int choice; /* choice index for TICK, else -1 */
    int rank;   /* KEY: lower is a better key (KEY before _uuid before instanceID) */
} pn_col;

/*
 * pn_map_header - map each of the @n header cells to a column of the plan @cols (@n
 * entries). Columns no rule maps are left PN_COL_UNMAPPED for the caller to report. Only
 * PN_ENOMEM fails.
 */
PN_MUST_USE pn_status pn_map_header(const pn_form *form, const pn_map *map, pn_dialect dialect,
                                    size_t n, char *const *header, pn_col *cols, pn_error *err);

/* ---- cells ----------------------------------------------------------------------------- */

/* Per-import state for converting cells: folded labels, prepared once. */
typedef struct pn_cells pn_cells;

pn_cells *pn_cells_new(const pn_form *form, const pn_map *map);
void pn_cells_destroy(pn_cells *c);

typedef enum pn_cell_result {
    PN_CELL_SAME,      /* the cell is already what the form expects (or nothing applies) */
    PN_CELL_CONVERTED, /* @out holds the value to store */
    PN_CELL_UNMAPPED,  /* a choice question's value no rule maps: left as it was */
    PN_CELL_BAD,       /* @out holds a reason, e.g. an identifier Excel rounded */
} pn_cell_result;

/*
 * pn_cells_convert - the value of question @q for the cell @v. @out is reset first.
 * Returns PN_CELL_*, or -1 when out of memory.
 */
int pn_cells_convert(pn_cells *c, size_t q, const char *v, pn_strbuf *out);

/*
 * pn_is_integer, pn_is_decimal - whether @s is a number as the store keeps one: an optional
 * sign and digits, with at most one '.' for a decimal. pn_cells_convert leaves such a cell as
 * it is and rewrites others (a decimal comma) into this form, which the import then checks.
 */
int pn_is_integer(const char *s);
int pn_is_decimal(const char *s);

/*
 * pn_cells_tick - the state of the tick-box cell @v of choice @choice of question @q:
 * 1 ticked (1, Y, yes, oui, x, true, or the choice's label), 0 not (empty, 0, N, no, non,
 * false), -1 neither, -2 out of memory.
 */
int pn_cells_tick(pn_cells *c, size_t q, size_t choice, const char *v);

#endif
