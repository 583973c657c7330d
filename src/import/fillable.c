/*
 * fillable.c - a fillable workbook read back (import_internal.h, import_read_fillable).
 *
 * `form sheet` wrote the workbook with a hidden sheet (PN_FILLABLE_MAP, form/form.h) that says
 * which question each answer cell holds. Its answers become the rows a CSV export would have
 * given: one submission headed by the questions' names (a choice's Oui/Non cell as the tick
 * column "question/choice"), and one entry per partner row, headed by PARENT_KEY and the
 * repeat's questions. Labels chosen in a drop-down list are turned into the choices' names by
 * the cells' usual conversion (import/mapping.h); the partners' multiple choices, typed as
 * labels separated by ';', are given to it separated by ", " as Google Forms writes them.
 */
#include "import/import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One answer cell of the map. */
typedef struct answer_cell {
    char *sheet;
    size_t row, col;  /* 1-based row, 0-based column */
    int q;            /* the question's index in the form */
    char *head;       /* the column's name in the rows made: "name" or "name/choice" */
    int multiple_col; /* a partners' column of a multiple choice: ';' separates its labels */
} answer_cell;

typedef struct fill {
    file_reader *fr;
    const pn_form *form;
    const char *name; /* the workbook, for messages */
    char *form_id, *version, *structure;
    answer_cell *cells;
    size_t ncells;
    int part; /* 1: answers, 2: partners */
    /* reading a sheet */
    const char *sheet;
    char **values;       /* per cell of the part: its text (part 1), or the row's (part 2) */
    size_t first_line;   /* part 1: the first answer's row */
    const char **head;   /* the rows' header: ncells + 2 */
    pn_strbuf *multiple; /* per cell: a partner's multiple choice, labels separated by ", " */
    pn_status st;
} fill;

/* Row and column of "B12"; 0 when @ref is no cell. */
static int parse_ref(const char *ref, size_t *at_row, size_t *at_col)
{
    size_t c = 0, r = 0, i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 3; i++)
        c = c * 26 + (size_t)(ref[i] - 'A' + 1);
    if (i == 0 || ref[i] < '1' || ref[i] > '9')
        return 0;
    for (; ref[i] >= '0' && ref[i] <= '9' && r < 10000000; i++)
        r = r * 10 + (size_t)(ref[i] - '0');
    if (ref[i] != '\0')
        return 0;
    *at_row = r, *at_col = c - 1;
    return 1;
}

static pn_status keep(char **slot, const char *s, pn_error *err)
{
    free(*slot);
    return (*slot = pn_strdup(s)) ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* A row of the map sheet. */
static pn_status map_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    fill *x = ctx;
    if (n >= 2 && strcmp(f[0], "form_id") == 0) {
        if (strcmp(f[1], x->form->id) != 0)
            return pn_error_set(err, PN_EINPUT,
                                "%s: this fillable workbook is one of form '%s', not of form "
                                "'%s': import it with --form %s",
                                x->name, f[1], x->form->id, f[1]);
        return keep(&x->form_id, f[1], err);
    }
    if (n >= 2 && strcmp(f[0], "version") == 0)
        return keep(&x->version, f[1], err);
    if (n >= 2 && strcmp(f[0], "structure") == 0)
        return keep(&x->structure, f[1], err);
    size_t r, col;
    if (n < 3 || !parse_ref(f[1], &r, &col))
        return pn_error_set(err, PN_EINPUT,
                            "%s[%s]:%zu: expected a sheet, a cell and a question, found '%s': "
                            "the workbook's hidden map was changed; make it again with 'form "
                            "sheet'",
                            x->name, PN_FILLABLE_MAP, line, n ? f[0] : "");
    int q = pn_form_question_index(x->form, f[2]);
    if (q < 0)
        return pn_error_set(err, PN_EINPUT,
                            "%s: the workbook has an answer to question '%s', which form '%s' "
                            "no longer has (the workbook was made from version '%s', the form "
                            "is at '%s'): add the answers by hand or make the workbooks again",
                            x->name, f[2], x->form->id, x->version ? x->version : "",
                            x->form->version);
    const pn_question *qq = &x->form->q[q];
    const char *choice = n > 3 ? f[3] : "";
    if (*choice && (qq->list == NULL || pn_choice_find(qq->list, choice) == NULL))
        return pn_error_set(err, PN_EINPUT,
                            "%s: the workbook has a box for choice '%s' of question '%s', "
                            "which form '%s' no longer has: add the answers by hand or make "
                            "the workbooks again",
                            x->name, choice, f[2], x->form->id);
    answer_cell *c = realloc(x->cells, (x->ncells + 1) * sizeof *c);
    if (c == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    x->cells = c;
    c += x->ncells++;
    *c = (answer_cell){.sheet = pn_strdup(f[0]), .row = r, .col = col, .q = q};
    c->multiple_col = qq->repeat >= 0 && qq->type == PN_Q_SELECT_MULTIPLE;
    pn_strbuf h = PN_STRBUF_INIT;
    if (c->sheet == NULL || pn_strbuf_printf(&h, "%s%s%s", f[2], *choice ? "/" : "", choice))
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    c->head = pn_strbuf_detach(&h);
    return PN_OK;
}

/* Whether cell @c belongs to the part being read: the answers, or the partners (the repeat's
 * questions). */
static int in_part(const fill *x, const answer_cell *c)
{
    return (x->form->q[c->q].repeat >= 0) == (x->part == 2);
}

/* A row of an answers sheet: the cells of the map on it. */
static pn_status answers_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    fill *x = ctx;
    for (size_t k = 0; k < x->ncells; k++) {
        answer_cell *c = &x->cells[k];
        if (!in_part(x, c) || c->row != line || strcmp(c->sheet, x->sheet) != 0)
            continue;
        if (x->first_line == 0 || line < x->first_line)
            x->first_line = line;
        pn_status st = keep(&x->values[k], c->col < n ? f[c->col] : "", err);
        if (st != PN_OK)
            return st;
    }
    return PN_OK;
}

/* The key of the submission a workbook gives: one per form and structure, so that a
 * workbook filled again replaces the first. */
static pn_status submission_key(const fill *x, pn_strbuf *key, pn_error *err)
{
    if (pn_strbuf_printf(key, "classeur:%s:%s", x->form->id, x->structure ? x->structure : "") !=
        PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

/* A partner's multiple choice typed "label ; label": the same labels separated by ", ". */
static const char *multiple_labels(pn_strbuf *out, const char *v)
{
    if (strchr(v, ';') == NULL)
        return v;
    pn_strbuf_reset(out);
    int any = 0;
    for (const char *p = v; *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            if ((any && pn_strbuf_puts(out, ", ") != PN_OK) ||
                pn_strbuf_append(out, p, len) != PN_OK)
                return NULL;
            any = 1;
        }
        p = end ? end + 1 : p + strlen(p);
    }
    return pn_strbuf_str(out);
}

/* A row of the partners' sheet below its head: an entry when one of its cells holds
 * something. */
static pn_status partners_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    fill *x = ctx;
    size_t nv = 1, any = 0, head_row = 0;
    for (size_t k = 0; k < x->ncells; k++)
        if (in_part(x, &x->cells[k]) && strcmp(x->cells[k].sheet, x->sheet) == 0)
            head_row = x->cells[k].row;
    if (line <= head_row)
        return PN_OK;
    for (size_t k = 0; k < x->ncells; k++) {
        answer_cell *c = &x->cells[k];
        if (!in_part(x, c) || strcmp(c->sheet, x->sheet) != 0)
            continue;
        const char *v = c->col < n ? f[c->col] : "";
        if (c->multiple_col && (v = multiple_labels(&x->multiple[k], v)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (*v)
            any = 1;
        x->values[nv++] = (char *)v;
    }
    if (!any)
        return PN_OK;
    pn_status st = import_on_row(x->fr, line, nv, x->values, err);
    return st == PN_STOP ? PN_OK : st;
}

/* Read the sheets the part's cells are on, in their order, with @fn. */
static pn_status read_sheets(fill *x, pn_xlsx *wb, pn_csv_record_fn fn, pn_error *err)
{
    for (size_t k = 0; k < x->ncells; k++) {
        const answer_cell *c = &x->cells[k];
        int seen = 0;
        for (size_t j = 0; j < k && !seen; j++)
            seen = in_part(x, &x->cells[j]) && strcmp(x->cells[j].sheet, c->sheet) == 0;
        if (!in_part(x, c) || seen)
            continue;
        long i = pn_xlsx_sheet_find(wb, c->sheet);
        if (i < 0)
            return pn_error_set(err, PN_EINPUT,
                                "%s: the workbook has no sheet '%s' any more, where its "
                                "answers were: was it renamed?",
                                x->name, c->sheet);
        char name[600];
        snprintf(name, sizeof name, "%s[%s]", x->name, c->sheet);
        x->sheet = c->sheet;
        pn_status st = pn_xlsx_read(wb, (size_t)i, name, fn, x, err);
        if (st != PN_OK)
            return st;
    }
    return PN_OK;
}

/* The part's header: its cells' columns, with the key columns; *@n their number. */
static pn_status make_head(fill *x, size_t *n, pn_error *err)
{
    size_t h = 0;
    if ((x->head = calloc(x->ncells + 3, sizeof *x->head)) == NULL ||
        (x->values = calloc(x->ncells + 3, sizeof *x->values)) == NULL ||
        (x->multiple = calloc(x->ncells + 1, sizeof *x->multiple)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (x->part == 2)
        x->head[h++] = "PARENT_KEY";
    for (size_t k = 0; k < x->ncells; k++)
        if (in_part(x, &x->cells[k]))
            x->head[h++] = x->cells[k].head;
    if (x->part == 1) {
        x->head[h++] = "KEY";
        x->head[h++] = "SubmissionDate";
    }
    *n = h;
    return PN_OK;
}

/* Part 1: the answers, one submission. */
static pn_status read_answers(fill *x, pn_xlsx *wb, pn_error *err)
{
    size_t n = 0;
    pn_strbuf key = PN_STRBUF_INIT;
    pn_status st = make_head(x, &n, err);
    if (st == PN_OK)
        st = read_sheets(x, wb, answers_row, err);
    if (st == PN_OK)
        st = submission_key(x, &key, err);
    if (st != PN_OK)
        goto out;
    /* the values in the header's order (values[] is per cell: gather it the same way) */
    char **cells = calloc(n ? n : 1, sizeof *cells);
    if (cells == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    size_t h = 0;
    for (size_t k = 0; k < x->ncells; k++)
        if (in_part(x, &x->cells[k]))
            cells[h++] = x->values[k] ? x->values[k] : (char *)"";
    cells[h++] = (char *)pn_strbuf_str(&key);
    cells[h++] = (char *)(pn_xlsx_modified(wb) ? pn_xlsx_modified(wb) : "");
    st = import_on_row(x->fr, 1, n, (char *const *)x->head, err);
    if (st == PN_OK)
        st = import_on_row(x->fr, x->first_line ? x->first_line : 1, n, cells, err);
    if (st == PN_STOP)
        st = PN_OK;
    free(cells);
out:
    pn_strbuf_release(&key);
    return st;
}

/* Part 2: the partners, an entry per row. */
static pn_status read_partners(fill *x, pn_xlsx *wb, pn_error *err)
{
    size_t n = 0;
    pn_strbuf key = PN_STRBUF_INIT;
    pn_status st = make_head(x, &n, err);
    if (st == PN_OK && n == 1)
        return PN_OK; /* a form without partners */
    if (st == PN_OK)
        st = submission_key(x, &key, err);
    if (st == PN_OK)
        st = import_on_row(x->fr, 1, n, (char *const *)x->head, err);
    if (st == PN_STOP) { /* a repeat file, left for after the main files */
        st = PN_OK;
    } else if (st == PN_OK) {
        x->values[0] = (char *)pn_strbuf_str(&key);
        st = read_sheets(x, wb, partners_row, err);
    }
    pn_strbuf_release(&key);
    return st;
}

pn_status import_read_fillable(file_reader *fr, pn_xlsx *wb, pn_error *err)
{
    const pn_form *form = fr->rd->plan->form;
    fill x = {.fr = fr, .form = form, .name = fr->stats->file, .part = fr->stats->fillable};
    long map = pn_xlsx_sheet_find(wb, PN_FILLABLE_MAP);
    char name[600];
    snprintf(name, sizeof name, "%s[%s]", x.name, PN_FILLABLE_MAP);
    pn_status st = map < 0 ? pn_error_set(err, PN_EINTERNAL, "%s: no map sheet", x.name)
                           : pn_xlsx_read(wb, (size_t)map, name, map_row, &x, err);
    if (st == PN_OK && x.form_id == NULL)
        st = pn_error_set(err, PN_EINPUT,
                          "%s: the workbook's hidden sheet '%s' names no form: make it again "
                          "with 'form sheet'",
                          x.name, PN_FILLABLE_MAP);
    if (st == PN_OK)
        st = x.part == 1 ? read_answers(&x, wb, err) : read_partners(&x, wb, err);
    for (size_t k = 0; k < x.ncells; k++) {
        free(x.cells[k].sheet);
        free(x.cells[k].head);
        if (x.part == 1 && x.values)
            free(x.values[k]);
        if (x.multiple)
            pn_strbuf_release(&x.multiple[k]);
    }
    free(x.multiple);
    free(x.cells);
    free(x.values);
    free(x.head);
    free(x.form_id);
    free(x.version);
    free(x.structure);
    return st;
}
