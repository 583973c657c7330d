/*
 * xlsform.c - a form as the collecting tools take it: the XLSForm workbook (report.h,
 * pn_xlsform_write) that KoboToolbox and ODK Central upload, from the form's one-file CSV.
 *
 * The sheets are the CSV's sections, survey, choices and settings (and any other it has, such
 * as entities), lower-case, each with the CSV's columns in their order, the first (empty)
 * column left out. Every cell is written as a string, headers included: pyxform reads the
 * workbook with openpyxl and fails on a number in a header, and KoboToolbox's reader does not
 * evaluate formulas, so nothing may be a formula or a number Excel would reformat (a version
 * 2026112401 stays text). Empty cells stay empty.
 *
 * KoboToolbox refuses since 2026 (kpi pull request 7473) a form that mixes translated columns
 * (label::Français (fr)) with untranslated ones of the same kind (label): such a form is
 * refused here with the columns to rename.
 */
#include "report/report.h"
#include "report/workbook_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "util/csv.h"
#include "util/strbuf.h"

/* The columns that a translation doubles (label::Français (fr), hint::..., ...). */
static const char *const translatable[] = {
    "label", "hint",  "constraint_message", "required_message", "image",
    "audio", "video", "guidance_hint"};

typedef struct exporter {
    const char *name; /* the form's file, for messages */
    lxw_workbook *lxw;
    lxw_worksheet *ws; /* the sheet of the current section; NULL before the first */
    int in_header;     /* the next record is the section's header */
    lxw_row_t row;
    size_t ncols;
    lxw_error lxw_err;
    char sheet[32];
} exporter;

/* Whether @head is a translatable column, without (*@lang NULL) or with a language. */
static int translatable_head(const char *head, const char **lang)
{
    for (size_t i = 0; i < sizeof translatable / sizeof translatable[0]; i++) {
        size_t n = strlen(translatable[i]);
        if (strncmp(head, translatable[i], n) != 0)
            continue;
        if (head[n] == '\0') {
            *lang = NULL;
            return 1;
        }
        if (head[n] == ':' && head[n + 1] == ':') {
            *lang = head + n + 2;
            return 1;
        }
    }
    return 0;
}

/* A section's header: KoboToolbox's rule on translated columns. */
static pn_status check_header(const exporter *x, size_t line, size_t n, char *const *fields,
                              pn_error *err)
{
    const char *plain = NULL, *translated = NULL;
    for (size_t i = 1; i < n; i++) {
        const char *lang = NULL;
        if (!translatable_head(fields[i], &lang))
            continue;
        if (lang == NULL && plain == NULL)
            plain = fields[i];
        else if (lang != NULL && translated == NULL)
            translated = fields[i];
    }
    if (plain && translated)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: sheet '%s' has the untranslated column '%s' beside the "
                            "translated '%s': KoboToolbox refuses a form that mixes them; name "
                            "each such column with its language (e.g. 'label::Fran\xc3\xa7"
                            "ais (fr)')",
                            x->name, line, x->sheet, plain, translated);
    return PN_OK;
}

static pn_status on_record(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    exporter *x = ctx;
    int empty = 1;
    for (size_t i = 0; i < n && empty; i++)
        empty = fields[i][0] == '\0';
    if (empty)
        return PN_OK;
    if (fields[0][0] != '\0') { /* a section starts: its sheet */
        snprintf(x->sheet, sizeof x->sheet, "%s", fields[0]);
        for (char *p = x->sheet; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (workbook_get_worksheet_by_name(x->lxw, x->sheet) != NULL)
            return pn_error_set(err, PN_EINPUT, "%s:%zu: a second '%s' section", x->name, line,
                                x->sheet);
        if ((x->ws = workbook_add_worksheet(x->lxw, x->sheet)) == NULL)
            return pn_error_set(err, PN_EINPUT, "%s:%zu: cannot name a sheet '%s'", x->name, line,
                                fields[0]);
        x->in_header = 1;
        x->row = 0;
        return PN_OK;
    }
    if (x->ws == NULL)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: expected a section (survey, choices or settings) in the "
                            "first column before any row",
                            x->name, line);
    if (x->in_header) {
        pn_status st = check_header(x, line, n, fields, err);
        if (st != PN_OK)
            return st;
        x->in_header = 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (fields[i][0] == '\0')
            continue;
        lxw_error e = worksheet_write_string(x->ws, x->row, (lxw_col_t)(i - 1), fields[i], NULL);
        if (e != LXW_NO_ERROR && x->lxw_err == LXW_NO_ERROR)
            x->lxw_err = e;
    }
    x->row++;
    return PN_OK;
}

pn_status pn_xlsform_write(const char *name, const char *text, size_t len, const char *path,
                           pn_error *err)
{
    exporter x = {.name = name};
    if ((x.lxw = workbook_new(path)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", path);
    FILE *in = fmemopen((void *)text, len, "rb");
    pn_status st = in ? pn_csv_read(in, name, NULL, on_record, &x, NULL, err)
                      : pn_error_set(err, PN_ENOMEM, "out of memory reading '%s'", name);
    if (in)
        fclose(in);
    if (st == PN_OK && (workbook_get_worksheet_by_name(x.lxw, "survey") == NULL))
        st = pn_error_set(err, PN_EINPUT, "%s: expected a survey section, found none", name);
    if (st == PN_OK && x.lxw_err != LXW_NO_ERROR)
        st = pn_error_set(err, x.lxw_err == LXW_ERROR_MEMORY_MALLOC_FAILED ? PN_ENOMEM : PN_EINPUT,
                          "%s: cannot write a cell: %s", name, lxw_strerror(x.lxw_err));
    if (st != PN_OK) {
        lxw_workbook_free(x.lxw);
        return st;
    }
    lxw_doc_properties props = {.title = (char *)name, .author = (char *)"panorama"};
    workbook_set_properties(x.lxw, &props);
    return wb_write_file(x.lxw, path, err);
}
