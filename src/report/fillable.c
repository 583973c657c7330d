/*
 * fillable.c - the fillable workbook of one structure (report.h, pn_fillable_write), for those
 * who will not use an online form: the form's questions on a sheet "Questionnaire", one answer
 * cell each, a drop-down list of the choices' labels for a single choice, one Oui/Non row per
 * option of a multiple choice, the hint as the answer cell's comment, the skip rule in words
 * ("Si réponse « Oui » à « … »"); a sheet "Partenaires", one row per partner structure, one
 * column per question of the partner repeat, its skip rule above its head; the structure's identity
 * filled in and locked. The sheets are protected (no password): only the answer cells can be typed
 * in. Two hidden sheets: "Listes", the choices the drop-down lists show, and "_panorama", which
 * question each answer cell holds, for reading the workbook back. Every cell is text.
 */
#include "report/report.h"
#include "report/workbook_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "form/expr.h"
#include "util/strbuf.h"

#define PARTNER_ROWS 40 /* empty partner rows offered */
#define MAP_SHEET PN_FILLABLE_MAP

typedef struct filler {
    const pn_form *f;
    lxw_workbook *lxw;
    lxw_worksheet *q, *partners, *lists, *map;
    lxw_format *title, *head, *question, *answer, *fixed, *rule, *option;
    lxw_row_t map_row;
    unsigned char *listed; /* per choice list of the form: written on "Listes" */
    char **kept;           /* texts lent to libxlsxwriter until the file is written */
    size_t nkept;
    lxw_error e; /* the first failure */
} filler;

static void latch(filler *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->e == LXW_NO_ERROR)
        x->e = e;
}

static void put(filler *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                lxw_format *f)
{
    if (s != NULL && *s)
        latch(x, worksheet_write_string(ws, r, c, s, f));
    else if (f != NULL)
        latch(x, worksheet_write_blank(ws, r, c, f));
}

/* A copy of @s kept until the workbook is written (a validation's formula). */
static char *keep(filler *x, const char *s)
{
    char **k = realloc(x->kept, (x->nkept + 1) * sizeof *k);
    if (k == NULL)
        return NULL;
    x->kept = k;
    return (x->kept[x->nkept] = pn_strdup(s)) ? x->kept[x->nkept++] : NULL;
}

/* Where each answer cell's question is: sheet, cell, the question's name (and a choice's). */
static void map(filler *x, const char *sheet, lxw_row_t r, lxw_col_t c, const char *name,
                const char *choice)
{
    char cell[32];
    lxw_rowcol_to_cell(cell, r, c);
    put(x, x->map, x->map_row, 0, sheet, NULL);
    put(x, x->map, x->map_row, 1, cell, NULL);
    put(x, x->map, x->map_row, 2, name, NULL);
    put(x, x->map, x->map_row++, 3, choice, NULL);
}

/* The drop-down list of @list's labels on @ws's cell @r, @c: a range of the sheet "Listes". */
static void choices(filler *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
                    const pn_choice_list *list, lxw_col_t list_col)
{
    char range[64], a[16], b[16];
    lxw_rowcol_to_cell_abs(a, 1, list_col, 1, 1);
    lxw_rowcol_to_cell_abs(b, (lxw_row_t)list->n, list_col, 1, 1);
    snprintf(range, sizeof range, "=Listes!%s:%s", a, b);
    lxw_data_validation dv = {.validate = LXW_VALIDATION_TYPE_LIST_FORMULA,
                              .value_formula = keep(x, range),
                              .error_title = (char *)"R\xc3\xa9ponse",
                              .error_message =
                                  (char *)"Choisissez une r\xc3\xa9ponse de la liste."};
    if (dv.value_formula == NULL) {
        latch(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    latch(x, worksheet_data_validation_cell(ws, r, c, &dv));
}

static void yes_no(filler *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c)
{
    static const char *yes_no_list[] = {"Oui", "Non", NULL};
    lxw_data_validation dv = {.validate = LXW_VALIDATION_TYPE_LIST,
                              .value_list = (char **)yes_no_list};
    latch(x, worksheet_data_validation_cell(ws, r, c, &dv));
}

/* The column of "Listes" that holds @list, written at its first use. */
static lxw_col_t list_column(filler *x, const pn_choice_list *list)
{
    size_t i = (size_t)(list - x->f->lists);
    lxw_col_t c = (lxw_col_t)i;
    if (x->listed[i])
        return c;
    x->listed[i] = 1;
    put(x, x->lists, 0, c, list->name, NULL);
    for (size_t k = 0; k < list->n; k++)
        put(x, x->lists, (lxw_row_t)(k + 1), c, list->items[k].label, NULL);
    return c;
}

/* "Si ..." for @q's relevance (its groups' too), into @sb; empty when always asked. */
/* @q's skip rule in words, from its condition @from on (the earlier ones said elsewhere). */
static pn_status rule_from(const filler *x, const pn_question *q, size_t from, const char *si,
                           pn_strbuf *sb)
{
    pn_expr_words w = pn_form_words(x->f);
    pn_status st = PN_OK;
    for (size_t i = from; i < q->nrelevant && st == PN_OK; i++) {
        st = pn_strbuf_puts(sb, i == from ? si : " et si ");
        if (st == PN_OK)
            st = pn_expr_describe(q->relevant[i], &w, sb);
    }
    return st;
}

static pn_status rule_text(const filler *x, const pn_question *q, pn_strbuf *sb)
{
    return rule_from(x, q, 0, "Si ", sb);
}

/* Whether @q is asked on paper: not the metadata, nor a calculation. */
static int asked(const pn_question *q)
{
    return q->type != PN_Q_DATETIME && q->type != PN_Q_CALCULATE;
}

/* The identity's value of @q, or NULL when @q is not part of it. */
static const char *identity(const filler *x, const pn_question *q, const pn_registry_entry *e)
{
    size_t i = (size_t)(q - x->f->q);
    const pn_roles *r = &x->f->roles;
    if ((int)i == r->ident)
        return e->ident;
    if ((int)i == r->name)
        return e->name;
    if ((int)i == r->commune) {
        const pn_choice *c = q->list ? pn_choice_find(q->list, e->commune) : NULL;
        return c ? c->label : e->commune_name;
    }
    return NULL;
}

static pn_status questionnaire(filler *x, const pn_registry_entry *e)
{
    lxw_worksheet *ws = x->q;
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    put(x, ws, 0, 0, x->f->title, x->title);
    if (pn_strbuf_printf(&sb,
                         "Structure : %s (%s). Les r\xc3\xa9ponses se saisissent dans la "
                         "colonne B ; * : r\xc3\xa9ponse obligatoire.",
                         e->name, e->ident) != PN_OK)
        latch(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
    put(x, ws, 1, 0, pn_strbuf_str(&sb), NULL);
    static const char *const heads[] = {"Question", "Votre r\xc3\xa9ponse", "Consigne"};
    for (lxw_col_t c = 0; c < 3; c++)
        put(x, ws, 3, c, heads[c], x->head);
    lxw_row_t row = 4;
    for (size_t i = 0; i < x->f->nq && st == PN_OK; i++) {
        const pn_question *q = &x->f->q[i];
        if (q->repeat >= 0 || !asked(q))
            continue;
        pn_strbuf_reset(&sb);
        if ((st = rule_text(x, q, &sb)) != PN_OK)
            break;
        pn_strbuf label = PN_STRBUF_INIT;
        if (pn_strbuf_printf(&label, "%s%s", q->label, q->required ? " *" : "") != PN_OK)
            latch(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        put(x, ws, row, 0, pn_strbuf_str(&label), x->question);
        pn_strbuf_release(&label);
        put(x, ws, row, 2, pn_strbuf_str(&sb), x->rule);
        if (q->type == PN_Q_NOTE) {
            row++;
            continue;
        }
        const char *fixed = identity(x, q, e);
        if (q->type == PN_Q_SELECT_MULTIPLE && q->list) {
            row++; /* one Oui/Non row per option */
            for (size_t k = 0; k < q->list->n; k++, row++) {
                put(x, ws, row, 0, q->list->items[k].label, x->option);
                put(x, ws, row, 1, "", x->answer);
                yes_no(x, ws, row, 1);
                map(x, "Questionnaire", row, 1, q->name, q->list->items[k].name);
            }
            continue;
        }
        put(x, ws, row, 1, fixed ? fixed : "", fixed ? x->fixed : x->answer);
        if (!fixed && q->type == PN_Q_SELECT_ONE && q->list)
            choices(x, ws, row, 1, q->list, list_column(x, q->list));
        if (q->hint && !fixed)
            latch(x, worksheet_write_comment(ws, row, 1, q->hint));
        map(x, "Questionnaire", row, 1, q->name, NULL);
        row++;
    }
    pn_strbuf_release(&sb);
    latch(x, worksheet_set_column(ws, 0, 0, 55, NULL));
    latch(x, worksheet_set_column(ws, 1, 1, 40, NULL));
    latch(x, worksheet_set_column(ws, 2, 2, 45, NULL));
    return st;
}

/* How many of the first conditions every question of repeat @rep shares (the repeat's own,
 * and its groups'): said once at the top of the partners' sheet. */
static size_t shared_conditions(const filler *x, int rep)
{
    const pn_question *first = NULL;
    size_t k = 0;
    for (size_t i = 0; i < x->f->nq; i++) {
        const pn_question *q = &x->f->q[i];
        if (q->repeat != rep)
            continue;
        if (first == NULL)
            first = q, k = q->nrelevant;
        size_t j = 0;
        while (j < k && j < q->nrelevant &&
               strcmp(pn_expr_text(q->relevant[j]), pn_expr_text(first->relevant[j])) == 0)
            j++;
        k = j;
    }
    return k;
}

/* The partners' sheet: a column per question of the partner repeat, PARTNER_ROWS rows. */
static void partners(filler *x)
{
    lxw_worksheet *ws = x->partners;
    int rep = x->f->roles.links;
    size_t shared = shared_conditions(x, rep);
    pn_strbuf title = PN_STRBUF_INIT;
    const pn_question *any = NULL;
    for (size_t i = 0; i < x->f->nq && any == NULL; i++)
        any = x->f->q[i].repeat == rep ? &x->f->q[i] : NULL;
    if (pn_strbuf_puts(&title, "Une ligne par structure partenaire (identifiant, nom, puis les "
                               "questions sur le lien)") != PN_OK ||
        (shared && any &&
         (pn_strbuf_puts(&title, " \xe2\x80\x94 \xc3\xa0 remplir seulement ") != PN_OK ||
          rule_from(x, any, 0, "si ", &title) != PN_OK)))
        latch(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
    put(x, ws, 0, 0, pn_strbuf_str(&title), x->title);
    pn_strbuf_release(&title);
    lxw_col_t col = 0;
    int any_rule = 0;
    for (size_t i = 0; i < x->f->nq; i++) {
        const pn_question *q = &x->f->q[i];
        if (q->repeat != rep || rep < 0 || !asked(q) || q->type == PN_Q_NOTE)
            continue;
        pn_strbuf head = PN_STRBUF_INIT;
        if (pn_strbuf_printf(&head, "%s%s%s", q->label, q->required ? " *" : "",
                             q->type == PN_Q_SELECT_MULTIPLE ? " (plusieurs r\xc3\xa9ponses : "
                                                               "s\xc3\xa9parez-les par ;)"
                                                             : "") != PN_OK)
            latch(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        put(x, ws, 2, col, pn_strbuf_str(&head), x->head);
        /* the skip rule above its column ("Si réponse « Aucun lien » ...") */
        pn_strbuf_reset(&head);
        if (rule_from(x, q, shared, "Si ", &head) != PN_OK)
            latch(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        else if (head.len)
            any_rule = 1, put(x, ws, 1, col, pn_strbuf_str(&head), x->rule);
        pn_strbuf_release(&head);
        if (q->hint)
            latch(x, worksheet_write_comment(ws, 2, col, q->hint));
        lxw_col_t list_col = q->type == PN_Q_SELECT_ONE && q->list ? list_column(x, q->list) : 0;
        for (lxw_row_t r = 3; r < 3 + PARTNER_ROWS; r++) {
            put(x, ws, r, col, "", x->answer);
            if (q->type == PN_Q_SELECT_ONE && q->list)
                choices(x, ws, r, col, q->list, list_col);
        }
        map(x, "Partenaires", 2, col, q->name, NULL);
        latch(x, worksheet_set_column(ws, col, col, 24, NULL));
        col++;
    }
    if (any_rule)
        latch(x, worksheet_set_row(ws, 1, 60, NULL));
    latch(x, worksheet_set_row(ws, 2, 75, NULL));
}

static int formats(filler *x)
{
    lxw_format **all[] = {&x->title, &x->head, &x->question, &x->answer,
                          &x->fixed, &x->rule, &x->option};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((*all[i] = workbook_add_format(x->lxw)) == NULL)
            return 0;
    format_set_bold(x->title);
    format_set_font_size(x->title, 13);
    format_set_bold(x->head);
    format_set_text_wrap(x->head);
    format_set_bg_color(x->head, 0xDDE5F0);
    format_set_border(x->head, LXW_BORDER_THIN);
    format_set_align(x->head, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(x->question);
    format_set_align(x->question, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(x->option);
    format_set_indent(x->option, 2);
    /* the cells to type in: unlocked on the protected sheet, framed */
    format_set_unlocked(x->answer);
    format_set_border(x->answer, LXW_BORDER_THIN);
    format_set_bg_color(x->answer, 0xFFFDE7);
    format_set_text_wrap(x->answer);
    format_set_num_format(x->answer, "@"); /* text: a code keeps its leading zeros */
    format_set_border(x->fixed, LXW_BORDER_THIN);
    format_set_bg_color(x->fixed, 0xE7E6E6);
    format_set_italic(x->rule);
    format_set_text_wrap(x->rule);
    format_set_font_color(x->rule, 0x595959);
    format_set_align(x->rule, LXW_ALIGN_VERTICAL_TOP);
    return 1;
}

pn_status pn_fillable_write(const pn_form *f, const pn_registry_entry *e, const char *path,
                            pn_error *err)
{
    filler x = {.f = f, .listed = calloc(f->nlists ? f->nlists : 1, 1)};
    pn_status st = PN_OK;
    int ok = x.listed != NULL && (x.lxw = workbook_new(path)) != NULL && formats(&x) &&
             (x.q = workbook_add_worksheet(x.lxw, "Questionnaire")) != NULL;
    if (ok && f->roles.links >= 0)
        ok = (x.partners = workbook_add_worksheet(x.lxw, "Partenaires")) != NULL;
    ok = ok && (x.lists = workbook_add_worksheet(x.lxw, "Listes")) != NULL &&
         (x.map = workbook_add_worksheet(x.lxw, MAP_SHEET)) != NULL;
    if (!ok) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", path);
        goto fail;
    }
    put(&x, x.map, x.map_row, 0, "form_id", NULL);
    put(&x, x.map, x.map_row++, 1, f->id, NULL);
    put(&x, x.map, x.map_row, 0, "version", NULL);
    put(&x, x.map, x.map_row++, 1, f->version, NULL);
    put(&x, x.map, x.map_row, 0, "structure", NULL);
    put(&x, x.map, x.map_row++, 1, e->ident, NULL);
    if ((st = questionnaire(&x, e)) != PN_OK) {
        pn_error_set(err, PN_ENOMEM, "out of memory writing '%s'", path);
        goto fail;
    }
    if (x.partners)
        partners(&x);
    if (x.e != LXW_NO_ERROR) {
        st = pn_error_set(err, x.e == LXW_ERROR_MEMORY_MALLOC_FAILED ? PN_ENOMEM : PN_EINTERNAL,
                          "cannot write '%s': %s", path, lxw_strerror(x.e));
        goto fail;
    }
    lxw_protection prot = {.format_columns = 1, .format_rows = 1};
    worksheet_protect(x.q, NULL, &prot);
    if (x.partners) {
        worksheet_protect(x.partners, NULL, &prot);
        worksheet_set_landscape(x.partners);
    }
    worksheet_set_paper(x.q, PAPER_A4);
    worksheet_fit_to_pages(x.q, 1, 0);
    worksheet_hide(x.lists);
    worksheet_hide(x.map);
    worksheet_activate(x.q);
    lxw_doc_properties props = {.title = f->title, .author = (char *)"panorama"};
    workbook_set_properties(x.lxw, &props);
    st = wb_write_file(x.lxw, path, err);
    x.lxw = NULL;
fail:
    if (x.lxw)
        lxw_workbook_free(x.lxw);
    for (size_t i = 0; i < x.nkept; i++)
        free(x.kept[i]);
    free(x.kept);
    free(x.listed);
    return st;
}
