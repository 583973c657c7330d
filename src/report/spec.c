/*
 * spec.c - read and check a report spec (see report.h for the format).
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/strbuf.h"

enum {
    COL_KIND,
    COL_SHEET,
    COL_TITLE,
    COL_VAR,
    COL_BY,
    COL_WHERE,
    COL_CHART,
    COL_NOTE,
    COL_SECRET,
    COL_PRODUCER,
    COL_SMALL_BASE,
    COL_LABELS,
    COL_CELLS,
    COL_ORDER,
    NCOLS
};

static const char *const col_names[NCOLS] = {"kind",       "sheet",  "title", "var",    "by",
                                             "where",      "chart",  "note",  "secret", "producer",
                                             "small_base", "labels", "cells", "order"};

#define SHEET_MAX 31
/* Excel's limit on the text of a cell (libxlsxwriter refuses more with
 * LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED): titles and notes are written in cells */
#define CELL_TEXT_MAX 32767

typedef struct loader {
    pn_report_spec *spec;
    size_t cap;
    int have_header;
    size_t ncols;         /* fields in the header record */
    int *col_of_field;    /* ncols entries: COL_* or -1 for an ignored (empty) head */
    size_t workbook_line; /* line of the workbook record, 0 when none yet */
} loader;

const char *pn_chart_kind_name(pn_chart_kind k)
{
    switch (k) {
    case PN_CHART_NONE:
        return "none";
    case PN_CHART_BAR:
        return "bar";
    case PN_CHART_COLUMN:
        return "column";
    case PN_CHART_PIE:
        return "pie";
    case PN_CHART_STACKED:
        return "stacked";
    }
    return "none";
}

/* ASCII case-insensitive equality. */
static int eq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* Copy of @s without leading and trailing spaces and tabs; NULL when out of memory. */
static char *dup_trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    char *d = malloc(len + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/*
 * Fold @s for Excel's case-insensitive comparison of sheet names: ASCII letters, the
 * Latin-1 capitals (À..Þ) and Œ, which cover French. Caller frees; NULL when out of memory.
 */
static char *fold_sheet_name(const char *s)
{
    char *d = pn_strdup(s);
    if (d == NULL)
        return NULL;
    unsigned char *p = (unsigned char *)d;
    for (size_t i = 0; p[i]; i++) {
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] += 'a' - 'A';
        else if (p[i] == 0xC3 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9E && p[i + 1] != 0x97)
            p[++i] += 0x20;
        else if (p[i] == 0xC5 && p[i + 1] == 0x92)
            p[++i] = 0x93;
    }
    return d;
}

/* Length of @s in UTF-16 code units, as Excel counts (@s is valid UTF-8). */
static size_t excel_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        n += (*p >= 0xF0) ? 2 : 1;
    }
    return n;
}

static pn_status check_sheet_name(const pn_report_spec *spec, size_t line, const char *name,
                                  pn_error *err)
{
    const char *file = spec->path;
    if (name[0] == '\0')
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'sheet': expected a sheet name, found ''", file, line);
    size_t len = excel_length(name);
    if (len > SHEET_MAX)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'sheet': expected at most %d characters, found '%s' "
                            "(%zu characters)",
                            file, line, SHEET_MAX, name, len);
    const char *bad = strpbrk(name, "[]:*?/\\");
    if (bad != NULL)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'sheet': expected a name without any of [ ] : * ? / "
                            "\\, found '%s' (with '%c')",
                            file, line, name, *bad);
    if (name[0] == '\'' || name[strlen(name) - 1] == '\'')
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'sheet': expected a name that does not start or end "
                            "with an apostrophe, found '%s'",
                            file, line, name);
    pn_status st = PN_OK;
    char *folded = fold_sheet_name(name);
    char *other = NULL;
    if (folded == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", file);
        goto out;
    }
    const char *own[] = {PN_REPORT_COVER_SHEET, PN_REPORT_METHOD_SHEET};
    for (size_t i = 0; i < 2; i++) {
        other = fold_sheet_name(own[i]);
        if (other == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", file);
            goto out;
        }
        if (strcmp(folded, other) == 0) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: column 'sheet': expected a name other than the "
                              "workbook's own sheets '%s' and '%s', found '%s'",
                              file, line, PN_REPORT_COVER_SHEET, PN_REPORT_METHOD_SHEET, name);
            goto out;
        }
        free(other);
        other = NULL;
    }
    for (size_t i = 0; i < spec->n; i++) {
        other = fold_sheet_name(spec->items[i].sheet);
        if (other == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", file);
            goto out;
        }
        if (strcmp(folded, other) == 0) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: column 'sheet': expected a name not used yet, found '%s' "
                              "(already the sheet of line %zu)",
                              file, line, name, spec->items[i].line);
            goto out;
        }
        free(other);
        other = NULL;
    }
out:
    free(folded);
    free(other);
    return st;
}

/* XLSForm names: a letter or '_' first, then letters, digits, '_', '-', '.'. */
static int valid_var_name(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s + 1; *p; p++) {
        c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static pn_status check_var(const pn_report_spec *spec, size_t line, const char *col,
                           const char *value, pn_error *err)
{
    if (valid_var_name(value))
        return PN_OK;
    return pn_error_set(err, PN_EINPUT,
                        "%s:%zu: column '%s': expected a variable name (a letter or '_', then "
                        "letters, digits, '_', '-', '.'), found '%s'",
                        spec->path, line, col, value);
}

/* A title or note: it goes into a cell, so it must fit in one. */
static pn_status check_text(const pn_report_spec *spec, size_t line, const char *col,
                            const char *value, pn_error *err)
{
    size_t len = excel_length(value);
    if (len <= CELL_TEXT_MAX)
        return PN_OK;
    return pn_error_set(err, PN_EINPUT,
                        "%s:%zu: column '%s': expected at most %d characters (what an Excel cell "
                        "holds), found %zu characters",
                        spec->path, line, col, CELL_TEXT_MAX, len);
}

static pn_status parse_chart(const pn_report_spec *spec, size_t line, const char *value,
                             int crosstab, pn_chart_kind *out, pn_error *err)
{
    static const pn_chart_kind kinds[] = {PN_CHART_NONE, PN_CHART_BAR, PN_CHART_COLUMN,
                                          PN_CHART_PIE, PN_CHART_STACKED};
    if (value[0] == '\0') {
        *out = crosstab ? PN_CHART_STACKED : PN_CHART_BAR;
        return PN_OK;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!eq_nocase(value, pn_chart_kind_name(kinds[i])))
            continue;
        if (crosstab && kinds[i] == PN_CHART_PIE)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'chart': expected stacked, column, bar or none "
                                "for a cross-tab (a 'by' is given), found '%s'",
                                spec->path, line, value);
        if (!crosstab && kinds[i] == PN_CHART_STACKED)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'chart': expected bar, column, pie or none for "
                                "a table without 'by' (stacked is for cross-tabs), found '%s'",
                                spec->path, line, value);
        *out = kinds[i];
        return PN_OK;
    }
    return pn_error_set(err, PN_EINPUT,
                        "%s:%zu: column 'chart': expected bar, column, pie, stacked or none, "
                        "found '%s'",
                        spec->path, line, value);
}

static pn_status read_header(loader *ld, size_t line, size_t n, char *const *fields, pn_error *err)
{
    const char *file = ld->spec->path;
    size_t seen[NCOLS] = {0}; /* 1-based field index of each column, 0 when absent */
    pn_status st = PN_OK;
    char *head = NULL;

    ld->col_of_field = malloc((n ? n : 1) * sizeof *ld->col_of_field);
    if (ld->col_of_field == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", file);
    ld->ncols = n;
    for (size_t i = 0; i < n; i++) {
        free(head);
        head = dup_trimmed(fields[i]);
        if (head == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", file);
            goto out;
        }
        ld->col_of_field[i] = -1;
        if (head[0] == '\0')
            continue;
        int col = -1;
        for (int c = 0; c < NCOLS; c++)
            if (eq_nocase(head, col_names[c]))
                col = c;
        if (col < 0) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: column '%s': expected a column head among kind, sheet, "
                              "title, var, by, where, chart, note, secret, found '%s'",
                              file, line, head, head);
            goto out;
        }
        if (seen[col]) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: column '%s': expected each column head once, found '%s' "
                              "as columns %zu and %zu",
                              file, line, col_names[col], head, seen[col], i + 1);
            goto out;
        }
        seen[col] = i + 1;
        ld->col_of_field[i] = col;
    }
    const int required[] = {COL_KIND, COL_SHEET, COL_VAR};
    for (size_t i = 0; i < 3; i++) {
        if (!seen[required[i]]) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: column '%s': expected a column headed '%s' in the "
                              "header row, found none",
                              file, line, col_names[required[i]], col_names[required[i]]);
            goto out;
        }
    }
    ld->have_header = 1;
out:
    free(head);
    return st;
}

static void item_release(pn_report_item *it)
{
    for (size_t i = 0; i < it->nlabels; i++) {
        free(it->label_names[i]);
        free(it->label_texts[i]);
    }
    free(it->label_names);
    free(it->label_texts);
    free(it->sheet);
    free(it->title);
    free(it->var);
    free(it->by);
    free(it->where);
    free(it->note);
    for (size_t i = 0; i < it->nvars; i++)
        free(it->vars[i]);
    free(it->vars);
}

/* Each field of a record into its column's value (trimmed, "" for a column the record lacks);
 * a non-empty cell in a column without a head is an input error. */
static pn_status record_values(loader *ld, size_t line, size_t n, char *const *fields,
                               char *val[NCOLS], pn_error *err)
{
    const pn_report_spec *spec = ld->spec;
    for (size_t i = 0; i < n; i++) {
        int col = i < ld->ncols ? ld->col_of_field[i] : -1;
        if (col < 0) {
            char *extra = dup_trimmed(fields[i]);
            if (extra == NULL)
                return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
            pn_status st = PN_OK;
            if (extra[0] != '\0')
                st = pn_error_set(err, PN_EINPUT,
                                  "%s:%zu: column %zu: expected an empty cell in a column "
                                  "without a head, found '%s'",
                                  spec->path, line, i + 1, extra);
            free(extra);
            if (st != PN_OK)
                return st;
            continue;
        }
        val[col] = dup_trimmed(fields[i]);
        if (val[col] == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
    }
    for (int c = 0; c < NCOLS; c++)
        if (val[c] == NULL && (val[c] = pn_strdup("")) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
    return PN_OK;
}

/* The cells column of a table record: "expected" and "residuals", separated by spaces or
 * commas, the blocks a cross-tab adds to its counts and percentages. */
static pn_status read_cells(const pn_report_spec *spec, size_t line, const char *text, int crosstab,
                            pn_report_item *it, pn_error *err)
{
    for (const char *p = text; *p;) {
        p += strspn(p, " ,;");
        size_t n = strcspn(p, " ,;");
        if (n == 0)
            break;
        if (n == 8 && strncmp(p, "expected", 8) == 0)
            it->expected = 1;
        else if (n == 9 && strncmp(p, "residuals", 9) == 0)
            it->residuals = 1;
        else
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'cells': expected 'expected' (the expected "
                                "counts) or 'residuals' (the adjusted residuals), found '%.*s'",
                                spec->path, line, (int)n, p);
        p += n;
    }
    if ((it->expected || it->residuals) && !crosstab)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'cells': expected and residual counts are a "
                            "cross-tab's: give a 'by' variable, or leave 'cells' empty; found '%s'",
                            spec->path, line, text);
    return PN_OK;
}

/* The order column: "form" (the choices' order, the default) or "frequency". */
static pn_status read_order(const pn_report_spec *spec, size_t line, const char *text,
                            pn_report_item *it, pn_error *err)
{
    if (text[0] == '\0' || eq_nocase(text, "form"))
        it->by_frequency = 0;
    else if (eq_nocase(text, "frequency"))
        it->by_frequency = 1;
    else
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'order': expected form (the form's order) or "
                            "frequency (the most frequent first), found '%s'",
                            spec->path, line, text);
    return PN_OK;
}

/* Add the category @name shown as @label (both owned, freed on failure) to @it. */
static int add_label(pn_report_item *it, char *name, char *label)
{
    char **nn = realloc(it->label_names, (it->nlabels + 1) * sizeof *nn);
    if (nn != NULL)
        it->label_names = nn;
    char **tt = nn ? realloc(it->label_texts, (it->nlabels + 1) * sizeof *tt) : NULL;
    if (tt != NULL)
        it->label_texts = tt;
    if (tt == NULL) {
        free(name);
        free(label);
        return 0;
    }
    it->label_names[it->nlabels] = name;
    it->label_texts[it->nlabels++] = label;
    return 1;
}

/* The labels column of a table record, "oui=En QPV;non=Hors QPV": the words shown for those
 * categories, into @it. */
static pn_status read_labels(const pn_report_spec *spec, size_t line, const char *text,
                             pn_report_item *it, pn_error *err)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        char *name = NULL, *label = NULL;
        if (eq != NULL && (name = malloc((size_t)(eq - p) + 1)) != NULL) {
            memcpy(name, p, (size_t)(eq - p));
            name[eq - p] = '\0';
            char *t = dup_trimmed(name);
            free(name);
            name = t;
            char *rest = malloc(n - (size_t)(eq - p));
            if (rest != NULL) {
                memcpy(rest, eq + 1, n - (size_t)(eq - p) - 1);
                rest[n - (size_t)(eq - p) - 1] = '\0';
                label = dup_trimmed(rest);
                free(rest);
            }
        }
        p += n + (p[n] == ';');
        if (eq != NULL && (name == NULL || label == NULL)) {
            free(name);
            free(label);
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
        }
        if (eq == NULL || !name[0] || !label[0]) {
            free(name);
            free(label);
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'labels': expected choice=words pairs separated "
                                "by ';' (oui=En QPV;non=Hors QPV), found '%s'",
                                spec->path, line, text);
        }
        if (!add_label(it, name, label))
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
    }
    return PN_OK;
}

/* The workbook record: the title and subtitle, taken from @val. */
static pn_status read_workbook(loader *ld, size_t line, char *val[NCOLS], pn_error *err)
{
    pn_report_spec *spec = ld->spec;
    pn_status st;
    if (ld->workbook_line)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'kind': expected one 'workbook' record, found a "
                            "second one (the first is on line %zu)",
                            spec->path, line, ld->workbook_line);
    ld->workbook_line = line;
    if ((st = check_text(spec, line, "title", val[COL_TITLE], err)) != PN_OK ||
        (st = check_text(spec, line, "note", val[COL_NOTE], err)) != PN_OK)
        return st;
    if (val[COL_TITLE][0]) {
        spec->title = val[COL_TITLE];
        val[COL_TITLE] = NULL;
    }
    if (val[COL_NOTE][0]) {
        spec->subtitle = val[COL_NOTE];
        val[COL_NOTE] = NULL;
    }
    if (val[COL_SECRET][0]) {
        char *end = NULL;
        long n = strtol(val[COL_SECRET], &end, 10);
        if (*end != '\0' || n < 0 || n > 1000)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'secret': expected a whole number of units from 0 "
                                "(no masking) to 1000, found '%s'",
                                spec->path, line, val[COL_SECRET]);
        spec->secret = (double)n;
    }
    if (val[COL_SMALL_BASE][0]) {
        char *end = NULL;
        long n = strtol(val[COL_SMALL_BASE], &end, 10);
        if (*end != '\0' || n < 0 || n > 100000)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'small_base': expected a whole number of units "
                                "from 0 (no flag) to 100000, found '%s'",
                                spec->path, line, val[COL_SMALL_BASE]);
        spec->small_base = (double)n;
    }
    if ((st = check_text(spec, line, "producer", val[COL_PRODUCER], err)) != PN_OK)
        return st;
    if (val[COL_PRODUCER][0]) {
        spec->producer = val[COL_PRODUCER];
        val[COL_PRODUCER] = NULL;
    }
    return PN_OK;
}

/* @it (its title set, NULL when out of memory) added to the spec's items, which then own
 * what it holds: @it is left empty. */
static pn_status add_item(loader *ld, pn_report_item *it, pn_error *err)
{
    pn_report_spec *spec = ld->spec;
    if (it->title == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
    if (spec->n == ld->cap) {
        size_t cap = ld->cap ? 2 * ld->cap : 16;
        pn_report_item *p = realloc(spec->items, cap * sizeof *p);
        if (p == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
        spec->items = p;
        ld->cap = cap;
    }
    spec->items[spec->n++] = *it;
    memset(it, 0, sizeof *it);
    return PN_OK;
}

/* A table record (@pairs 0) or a pairs record (1: the agreement of the links both sides
 * report, which takes no by, where or chart): checked, then added to the spec's items, its
 * values taken from @val. */
static pn_status read_table(loader *ld, size_t line, char *val[NCOLS], int pairs, pn_error *err)
{
    pn_report_spec *spec = ld->spec;
    pn_report_item it = {0};
    pn_status st = PN_OK;
    static const int alone[] = {COL_BY, COL_WHERE};
    static const int workbook_only[] = {COL_SECRET, COL_PRODUCER, COL_SMALL_BASE};
    for (size_t i = 0; i < 3; i++)
        if (val[workbook_only[i]][0] != '\0')
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column '%s': it is the workbook's, set on its 'workbook' "
                                "record, found '%s' on a '%s' record",
                                spec->path, line, col_names[workbook_only[i]],
                                val[workbook_only[i]], val[COL_KIND]);
    for (size_t i = 0; pairs && i < 2; i++)
        if (val[alone[i]][0] != '\0')
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column '%s': a 'pairs' record compares the two views "
                                "of each link and takes none, found '%s'",
                                spec->path, line, col_names[alone[i]], val[alone[i]]);
    if (pairs && val[COL_CHART][0] != '\0' && !eq_nocase(val[COL_CHART], "none"))
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'chart': a 'pairs' record has no chart: expected "
                            "none or nothing, found '%s'",
                            spec->path, line, val[COL_CHART]);
    it.pairs = pairs;

    if ((st = check_sheet_name(spec, line, val[COL_SHEET], err)) != PN_OK)
        goto out;
    if (val[COL_VAR][0] == '\0') {
        st =
            pn_error_set(err, PN_EINPUT, "%s:%zu: column 'var': expected a variable name, found ''",
                         spec->path, line);
        goto out;
    }
    if ((st = check_var(spec, line, "var", val[COL_VAR], err)) != PN_OK)
        goto out;
    int crosstab = val[COL_BY][0] != '\0';
    if (crosstab && (st = check_var(spec, line, "by", val[COL_BY], err)) != PN_OK)
        goto out;
    if (pairs)
        it.chart = PN_CHART_NONE;
    else if ((st = parse_chart(spec, line, val[COL_CHART], crosstab, &it.chart, err)) != PN_OK)
        goto out;
    if ((st = check_text(spec, line, "title", val[COL_TITLE], err)) != PN_OK ||
        (st = check_text(spec, line, "note", val[COL_NOTE], err)) != PN_OK)
        goto out;

    it.line = line;
    it.sheet = val[COL_SHEET], val[COL_SHEET] = NULL;
    if (val[COL_TITLE][0] == '\0')
        it.title = pn_strdup(it.sheet);
    else
        it.title = val[COL_TITLE], val[COL_TITLE] = NULL;
    it.var = val[COL_VAR], val[COL_VAR] = NULL;
    if (crosstab)
        it.by = val[COL_BY], val[COL_BY] = NULL;
    if (val[COL_WHERE][0] != '\0')
        it.where = val[COL_WHERE], val[COL_WHERE] = NULL;
    it.note = val[COL_NOTE], val[COL_NOTE] = NULL;
    if ((st = read_cells(spec, line, val[COL_CELLS], crosstab, &it, err)) != PN_OK ||
        (st = read_order(spec, line, val[COL_ORDER], &it, err)) != PN_OK)
        goto out;
    if (val[COL_LABELS][0] != '\0' &&
        (st = read_labels(spec, line, val[COL_LABELS], &it, err)) != PN_OK)
        goto out;
    st = add_item(ld, &it, err);
out:
    item_release(&it);
    return st;
}

/* The var column of a fiches record: variable names separated by spaces (or commas), each
 * checked, into @it->vars. */
static pn_status read_var_list(const pn_report_spec *spec, size_t line, const char *text,
                               pn_report_item *it, pn_error *err)
{
    for (const char *p = text; *p;) {
        p += strspn(p, " ,;\t");
        size_t n = strcspn(p, " ,;\t");
        if (n == 0)
            break;
        char *v = malloc(n + 1);
        char **vs = v ? realloc(it->vars, (it->nvars + 1) * sizeof *vs) : NULL;
        if (vs == NULL) {
            free(v);
            return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", spec->path);
        }
        it->vars = vs;
        memcpy(v, p, n);
        v[n] = '\0';
        it->vars[it->nvars++] = v;
        pn_status st = check_var(spec, line, "var", v, err);
        if (st != PN_OK)
            return st;
        for (size_t i = 0; i + 1 < it->nvars; i++)
            if (strcmp(it->vars[i], v) == 0)
                return pn_error_set(err, PN_EINPUT,
                                    "%s:%zu: column 'var': expected each variable once, found "
                                    "'%s' twice",
                                    spec->path, line, v);
        p += n;
    }
    if (it->nvars == 0)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'var': expected the variables of each town's fiche, "
                            "separated by spaces (type_lien freins facteurs), found ''",
                            spec->path, line);
    return PN_OK;
}

/* The fiches record: checked, then added to the spec's items, its values taken from @val. */
static pn_status read_fiches(loader *ld, size_t line, char *val[NCOLS], pn_error *err)
{
    pn_report_spec *spec = ld->spec;
    pn_report_item it = {0};
    pn_status st = PN_OK;
    static const int refused[] = {COL_WHERE,  COL_CHART,      COL_CELLS,   COL_ORDER,
                                  COL_SECRET, COL_SMALL_BASE, COL_PRODUCER};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (val[refused[i]][0] != '\0')
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column '%s': a 'fiches' record takes sheet, title, var, "
                                "by, note and labels only, found '%s'",
                                spec->path, line, col_names[refused[i]], val[refused[i]]);
    for (size_t i = 0; i < spec->n; i++)
        if (spec->items[i].fiches)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'kind': expected one 'fiches' record, found a "
                                "second one (the first is on line %zu)",
                                spec->path, line, spec->items[i].line);
    if ((st = check_sheet_name(spec, line, val[COL_SHEET], err)) != PN_OK)
        return st;
    if (val[COL_BY][0] == '\0')
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'by': expected the town variable of the fiches "
                            "(commune), found ''",
                            spec->path, line);
    if ((st = check_var(spec, line, "by", val[COL_BY], err)) != PN_OK ||
        (st = check_text(spec, line, "title", val[COL_TITLE], err)) != PN_OK ||
        (st = check_text(spec, line, "note", val[COL_NOTE], err)) != PN_OK)
        return st;
    it.fiches = 1;
    it.line = line;
    it.chart = PN_CHART_NONE;
    if ((st = read_var_list(spec, line, val[COL_VAR], &it, err)) != PN_OK)
        goto out;
    it.sheet = val[COL_SHEET], val[COL_SHEET] = NULL;
    if (val[COL_TITLE][0] == '\0')
        it.title = pn_strdup(it.sheet);
    else
        it.title = val[COL_TITLE], val[COL_TITLE] = NULL;
    it.var = val[COL_VAR], val[COL_VAR] = NULL;
    it.by = val[COL_BY], val[COL_BY] = NULL;
    it.note = val[COL_NOTE], val[COL_NOTE] = NULL;
    if (val[COL_LABELS][0] != '\0' &&
        (st = read_labels(spec, line, val[COL_LABELS], &it, err)) != PN_OK)
        goto out;
    st = add_item(ld, &it, err);
out:
    item_release(&it);
    return st;
}

static pn_status on_record(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    loader *ld = ctx;
    char *val[NCOLS] = {NULL};
    pn_status st = PN_OK;
    int empty = 1;

    for (size_t i = 0; i < n; i++) {
        const char *p = fields[i];
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p != '\0')
            empty = 0;
    }
    if (empty)
        return PN_OK;
    if (!ld->have_header)
        return read_header(ld, line, n, fields, err);

    if ((st = record_values(ld, line, n, fields, val, err)) != PN_OK)
        goto out;
    if (eq_nocase(val[COL_KIND], "workbook"))
        st = read_workbook(ld, line, val, err);
    else if (eq_nocase(val[COL_KIND], "table") || eq_nocase(val[COL_KIND], "pairs"))
        st = read_table(ld, line, val, eq_nocase(val[COL_KIND], "pairs"), err);
    else if (eq_nocase(val[COL_KIND], "fiches"))
        st = read_fiches(ld, line, val, err);
    else
        st = pn_error_set(err, PN_EINPUT,
                          "%s:%zu: column 'kind': expected 'workbook', 'table', 'pairs' or "
                          "'fiches', found '%s'",
                          ld->spec->path, line, val[COL_KIND]);
out:
    for (int c = 0; c < NCOLS; c++)
        free(val[c]);
    return st;
}

/* Read the spec from @in, or from the file @path when @in is NULL. */
static pn_status load(const char *path, FILE *in, pn_report_spec **out, pn_error *err)
{
    loader ld = {0};
    pn_status st = PN_OK;

    *out = NULL;
    ld.spec = calloc(1, sizeof *ld.spec);
    if (ld.spec != NULL)
        ld.spec->secret = PN_REPORT_SECRET, ld.spec->small_base = PN_REPORT_SMALL_BASE;
    if (ld.spec == NULL || (ld.spec->path = pn_strdup(path)) == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", path);
        goto out;
    }
    st = in ? pn_csv_read(in, path, NULL, on_record, &ld, NULL, err)
            : pn_csv_read_path(path, NULL, on_record, &ld, NULL, err);
    if (st != PN_OK)
        goto out;
    if (!ld.have_header) {
        st = pn_error_set(err, PN_EINPUT, "%s: expected a header row, found only empty rows", path);
        goto out;
    }
    if (ld.spec->n == 0) {
        st = pn_error_set(
            err, PN_EINPUT,
            "%s: column 'kind': expected at least one 'table', 'pairs' or 'fiches' record, found "
            "none",
            path);
        goto out;
    }
    *out = ld.spec;
    ld.spec = NULL;
out:
    pn_report_spec_destroy(ld.spec);
    free(ld.col_of_field);
    return st;
}

pn_status pn_report_spec_load(const char *path, pn_report_spec **out, pn_error *err)
{
    return load(path, NULL, out, err);
}

pn_status pn_report_spec_load_text(const char *name, const char *text, size_t len,
                                   pn_report_spec **out, pn_error *err)
{
    *out = NULL;
    FILE *in = fmemopen((void *)text, len, "rb");
    if (in == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", name);
    pn_status st = load(name, in, out, err);
    fclose(in);
    return st;
}

void pn_report_spec_destroy(pn_report_spec *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        item_release(&s->items[i]);
    free(s->items);
    free(s->path);
    free(s->title);
    free(s->subtitle);
    free(s->producer);
    free(s);
}
