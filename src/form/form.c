#include "form/form.h"

#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#include "util/csv.h"
#include "util/strbuf.h"

enum sheet { SHEET_NONE, SHEET_SURVEY, SHEET_CHOICES, SHEET_SETTINGS };

/* Columns of the survey sheet the model uses. */
enum scol {
    S_TYPE,
    S_NAME,
    S_LABEL,
    S_HINT,
    S_REQUIRED,
    S_RELEVANT,
    S_CONSTRAINT,
    S_CMSG,
    S_CALC,
    S_APPEARANCE,
    S_PERSONAL,
    S_ROLE,
    S_NCOL
};
static const char *const survey_heads[S_NCOL] = {
    "type",        "name",       "label",      "hint",
    "required",    "relevant",   "constraint", "constraint_message",
    "calculation", "appearance", "personnel",  "role",
};
enum ccol { C_LIST, C_NAME, C_LABEL, C_NCOL };
static const char *const choice_heads[C_NCOL] = {"list_name", "name", "label"};

/* A survey row kept until the choices are known. */
typedef struct row {
    size_t line;
    char *cell[S_NCOL];
} row;

/* The roles a form declares in its column 'role' (form.h), and the names that stand for them
 * when it declares none. */
enum role {
    R_IDENT_SIRET,
    R_IDENT_UAI,
    R_NAME,
    R_COMMUNE,
    R_QPV,
    R_CODE_QPV,
    R_REP,
    R_LINKS,
    R_PARTNER,
    R_PARTNER_NAME,
    R_CLASS,
    R_NROLE
};
static const char *const role_words[R_NROLE] = {
    "identifiant_siret",
    "identifiant_uai",
    "nom_structure",
    "commune",
    "qpv",
    "code_qpv",
    "education_prioritaire",
    "partenaires",
    "partenaire_identifiant",
    "partenaire_nom",
    "classe_lien",
};
static const char *const role_defaults[R_NROLE] = {
    "siret", "uai",         "nom_structure", "commune",        "en_qpv",    "code_qpv",
    "rep",   "partenaires", "partenaire_id", "partenaire_nom", "type_lien",
};

/* A role declared on a survey row: the question (or, for R_LINKS, the repeat) it names. */
typedef struct declared {
    int idx; /* -1 when not declared */
    size_t line;
} declared;

typedef struct loader {
    const char *name;
    enum sheet sheet;
    int expect_header;
    int col[(int)S_NCOL > (int)C_NCOL ? (int)S_NCOL
                                      : (int)C_NCOL]; /* field index of each column, -1 if absent */
    row *rows;
    size_t nrows, caprows;
    pn_form *form;
    int settings_id_col, settings_title_col, settings_version_col;
    declared roles[R_NROLE];
} loader;

static int head_matches(const char *head, const char *want)
{
    if (strcasecmp(head, want) == 0)
        return 1;
    /* label::French (fr), constraint_message::fr ... : take the first language */
    size_t n = strlen(want);
    return strncasecmp(head, want, n) == 0 && head[n] == ':' && head[n + 1] == ':';
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
}

static const char *cell(size_t n, char *const *f, int idx)
{
    return (idx >= 0 && (size_t)idx < n) ? f[idx] : "";
}

static pn_status add_choice(loader *ld, size_t line, const char *list, const char *name,
                            const char *label, pn_error *err)
{
    pn_form *f = ld->form;
    if (*list == '\0' && *name == '\0')
        return PN_OK;
    if (*list == '\0' || *name == '\0')
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column '%s': expected a value, found an empty cell", ld->name,
                            line, *list ? "name" : "list_name");
    pn_choice_list *cl = NULL;
    for (size_t i = 0; i < f->nlists; i++)
        if (strcmp(f->lists[i].name, list) == 0)
            cl = &f->lists[i];
    if (cl == NULL) {
        pn_choice_list *p = realloc(f->lists, (f->nlists + 1) * sizeof *p);
        if (p == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        f->lists = p;
        cl = &f->lists[f->nlists];
        memset(cl, 0, sizeof *cl);
        if ((cl->name = pn_strdup(list)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        f->nlists++;
    }
    if (pn_choice_find(cl, name) != NULL)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'name': choice '%s' appears twice in list '%s'",
                            ld->name, line, name, list);
    /* the array doubles when the count reaches a power of two: a list of 40,000 communes
     * is not copied 40,000 times */
    pn_choice *items = cl->items;
    if ((cl->n & (cl->n - 1)) == 0) {
        items = realloc(cl->items, (cl->n ? 2 * cl->n : 1) * sizeof *items);
        if (items == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        cl->items = items;
    }
    items[cl->n].name = pn_strdup(name);
    items[cl->n].label = pn_strdup(*label ? label : name);
    cl->n++;
    if (items[cl->n - 1].name == NULL || items[cl->n - 1].label == NULL ||
        pn_strindex_put(&cl->index, items[cl->n - 1].name, strlen(name), cl->n - 1) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

static pn_status on_record(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    loader *ld = ctx;
    for (size_t i = 0; i < n; i++)
        trim(f[i]);
    const char *first = n ? f[0] : "";
    if (*first) {
        if (strcasecmp(first, "survey") == 0)
            ld->sheet = SHEET_SURVEY;
        else if (strcasecmp(first, "choices") == 0)
            ld->sheet = SHEET_CHOICES;
        else if (strcasecmp(first, "settings") == 0)
            ld->sheet = SHEET_SETTINGS;
        else
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 1: expected 'survey', 'choices', 'settings' or "
                                "an empty cell, found '%s'",
                                ld->name, line, first);
        ld->expect_header = 1;
        return PN_OK;
    }
    int blank = 1;
    for (size_t i = 0; i < n; i++)
        if (*f[i])
            blank = 0;
    if (blank)
        return PN_OK;
    if (ld->sheet == SHEET_NONE)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: expected a row starting with 'survey' before any data",
                            ld->name, line);
    if (ld->expect_header) {
        ld->expect_header = 0;
        for (size_t c = 0; c < sizeof ld->col / sizeof ld->col[0]; c++)
            ld->col[c] = -1;
        const char *const *heads = NULL;
        size_t nheads = 0;
        if (ld->sheet == SHEET_SURVEY)
            heads = survey_heads, nheads = S_NCOL;
        else if (ld->sheet == SHEET_CHOICES)
            heads = choice_heads, nheads = C_NCOL;
        for (size_t i = 1; i < n; i++) {
            for (size_t c = 0; c < nheads; c++)
                if (ld->col[c] < 0 && head_matches(f[i], heads[c]))
                    ld->col[c] = (int)i;
            if (ld->sheet == SHEET_CHOICES && ld->col[C_LIST] < 0 &&
                strcasecmp(f[i], "list name") == 0)
                ld->col[C_LIST] = (int)i;
            if (ld->sheet == SHEET_SETTINGS) {
                if (strcasecmp(f[i], "form_id") == 0)
                    ld->settings_id_col = (int)i;
                else if (strcasecmp(f[i], "form_title") == 0)
                    ld->settings_title_col = (int)i;
                else if (strcasecmp(f[i], "version") == 0)
                    ld->settings_version_col = (int)i;
            }
        }
        const char *missing = NULL;
        if (ld->sheet == SHEET_SURVEY && ld->col[S_TYPE] < 0)
            missing = "type";
        else if (ld->sheet == SHEET_SURVEY && ld->col[S_NAME] < 0)
            missing = "name";
        else if (ld->sheet == SHEET_CHOICES && ld->col[C_LIST] < 0)
            missing = "list_name";
        else if (ld->sheet == SHEET_CHOICES && ld->col[C_NAME] < 0)
            missing = "name";
        if (missing)
            return pn_error_set(err, PN_EINPUT, "%s:%zu: the header has no column '%s'", ld->name,
                                line, missing);
        return PN_OK;
    }
    if (ld->sheet == SHEET_SURVEY) {
        if (ld->nrows == ld->caprows) {
            size_t cap = ld->caprows ? ld->caprows * 2 : 64;
            row *p = realloc(ld->rows, cap * sizeof *p);
            if (p == NULL)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            ld->rows = p;
            ld->caprows = cap;
        }
        row *r = &ld->rows[ld->nrows++];
        r->line = line;
        for (int c = 0; c < S_NCOL; c++) {
            r->cell[c] = pn_strdup(cell(n, f, ld->col[c]));
            if (r->cell[c] == NULL) {
                for (int k = 0; k < c; k++)
                    free(r->cell[k]);
                ld->nrows--;
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            }
        }
        return PN_OK;
    }
    if (ld->sheet == SHEET_CHOICES)
        return add_choice(ld, line, cell(n, f, ld->col[C_LIST]), cell(n, f, ld->col[C_NAME]),
                          cell(n, f, ld->col[C_LABEL]), err);
    /* settings: the first data row */
    pn_form *fm = ld->form;
    const char *id = cell(n, f, ld->settings_id_col);
    const char *title = cell(n, f, ld->settings_title_col);
    const char *version = cell(n, f, ld->settings_version_col);
    if (*id && fm->id == NULL && (fm->id = pn_strdup(id)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (*title && fm->title == NULL && (fm->title = pn_strdup(title)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (*version && fm->version == NULL && (fm->version = pn_strdup(version)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

/* An open group or repeat while walking the survey rows, of at most MAX_DEPTH nested. */
enum { MAX_DEPTH = 64 };
typedef struct frame {
    int is_repeat;
    int repeat;        /* repeat index in effect inside this frame */
    pn_expr *relevant; /* lent: owned by the question that copies it, see below */
    size_t line;
    char *name;
    char *label; /* the label, or the name when there is none */
} frame;

static int parse_required(const char *s)
{
    return strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
           strcasecmp(s, "true()") == 0 || strcasecmp(s, "oui") == 0;
}

/* A yes/no cell: yes, oui, true, 1 are yes; empty, no, non, false, 0 are no. Returns 0 for
 * anything else. */
static int parse_flag(const char *s, int *out)
{
    if (parse_required(s))
        return *out = 1;
    *out = 0;
    return *s == '\0' || strcasecmp(s, "no") == 0 || strcasecmp(s, "non") == 0 ||
           strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcasecmp(s, "false()") == 0;
}

/* Maps an XLSForm type word to a model type; returns 0 when unknown. */
static int simple_type(const char *t, pn_qtype *out)
{
    static const struct {
        const char *word;
        pn_qtype type;
    } map[] = {
        {"text", PN_Q_TEXT},           {"string", PN_Q_TEXT},      {"integer", PN_Q_INTEGER},
        {"int", PN_Q_INTEGER},         {"decimal", PN_Q_DECIMAL},  {"range", PN_Q_DECIMAL},
        {"date", PN_Q_DATE},           {"today", PN_Q_DATE},       {"datetime", PN_Q_DATETIME},
        {"start", PN_Q_DATETIME},      {"end", PN_Q_DATETIME},     {"time", PN_Q_TEXT},
        {"calculate", PN_Q_CALCULATE}, {"note", PN_Q_NOTE},        {"geopoint", PN_Q_TEXT},
        {"barcode", PN_Q_TEXT},        {"deviceid", PN_Q_TEXT},    {"username", PN_Q_TEXT},
        {"email", PN_Q_TEXT},          {"phonenumber", PN_Q_TEXT}, {"audit", PN_Q_NOTE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(t, map[i].word) == 0) {
            *out = map[i].type;
            return 1;
        }
    return 0;
}

static pn_status parse_expr(const loader *ld, size_t line, const char *col, const char *text,
                            pn_expr **out, pn_error *err)
{
    *out = NULL;
    if (*text == '\0')
        return PN_OK;
    *out = pn_expr_parse(text, err);
    if (*out == NULL) {
        pn_error_prefix(err, "%s:%zu: column '%s'", ld->name, line, col);
        return err ? err->status : PN_EINPUT;
    }
    return PN_OK;
}

static const pn_choice_list *find_list(const pn_form *f, const char *name)
{
    for (size_t i = 0; i < f->nlists; i++)
        if (strcmp(f->lists[i].name, name) == 0)
            return &f->lists[i];
    return NULL;
}

static pn_status push_question(pn_form *f, pn_question *q, pn_error *err)
{
    pn_question *p = realloc(f->q, (f->nq + 1) * sizeof *p);
    if (p == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    f->q = p;
    f->q[f->nq++] = *q;
    memset(q, 0, sizeof *q);
    /* the name is the question's own copy, kept until pn_form_destroy */
    const char *name = f->q[f->nq - 1].name;
    if (pn_strindex_put(&f->names, name, strlen(name), f->nq - 1) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

/* "g1/g2/leaf": the names (or labels) of the enclosing groups and repeat, then @leaf. */
static char *group_path(const frame *stack, size_t depth, const char *leaf, int labels)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    for (size_t i = 0; i < depth; i++)
        if (pn_strbuf_puts(&sb, labels ? stack[i].label : stack[i].name) != PN_OK ||
            pn_strbuf_puts(&sb, "/") != PN_OK) {
            pn_strbuf_release(&sb);
            return NULL;
        }
    if (pn_strbuf_puts(&sb, leaf) != PN_OK) {
        pn_strbuf_release(&sb);
        return NULL;
    }
    return pn_strbuf_detach(&sb);
}

static void question_release(pn_question *q)
{
    free(q->name);
    free(q->label);
    free(q->path);
    free(q->label_path);
    free(q->group);
    /* relevant[0 .. nrelevant-2] may be shared with groups: only the last is the question's
     * own when it has one. Ownership is tracked by rebuilding: every question owns a
     * private copy of each expression (parsed again), so all are freed here. */
    for (size_t i = 0; i < q->nrelevant; i++)
        pn_expr_destroy(q->relevant[i]);
    free(q->relevant);
    pn_expr_destroy(q->constraint);
    free(q->constraint_msg);
    free(q->hint);
    pn_expr_destroy(q->calculation);
}

/* Every ${name} in @e must be a question of the form (all questions are known by then, except
 * for group relevance, which the form's later rows may also satisfy: see build()). */
static pn_status check_refs(const loader *ld, size_t line, const char *col, const pn_expr *e,
                            pn_error *err)
{
    if (e == NULL)
        return PN_OK;
    const char *const *names;
    size_t n;
    pn_expr_refs(e, &names, &n);
    for (size_t j = 0; j < n; j++) {
        int found = pn_form_find(ld->form, names[j]) != NULL;
        for (size_t k = 0; k < ld->nrows && !found; k++)
            if (strcmp(ld->rows[k].cell[S_NAME], names[j]) == 0 &&
                strncmp(ld->rows[k].cell[S_TYPE], "begin", 5) != 0 &&
                strncmp(ld->rows[k].cell[S_TYPE], "end", 3) != 0)
                found = 1;
        if (!found)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column '%s': ${%s} is not a question of this form",
                                ld->name, line, col, names[j]);
    }
    return PN_OK;
}

/* What check_classes() hands to the callback. */
typedef struct class_check {
    const pn_choice_list *list;
    const char *bad; /* the first literal that is not a choice, lent by the expression */
} class_check;

static int not_a_choice(void *ctx, const char *text, size_t pos)
{
    class_check *c = ctx;
    (void)pos;
    if (*text == '\0' || pn_choice_find(c->list, text) != NULL)
        return 0; /* '' is no value at all, not a class */
    c->bad = text;
    return 1;
}

/* A calculate that takes the labels of @list (it has the list's name) gives one of its choices:
 * each string literal @e can return must be a name of @list. */
static pn_status check_classes(const loader *ld, size_t line, const pn_choice_list *list,
                               const pn_expr *e, pn_error *err)
{
    class_check c = {list, NULL};
    if (pn_expr_result_literals(e, not_a_choice, &c) == 0)
        return PN_OK;
    return pn_error_set(err, PN_EINPUT,
                        "%s:%zu: column 'calculation': '%s' is not a choice of list '%s'", ld->name,
                        line, c.bad, list->name);
}

/* Record role @word of the survey row at @line, on question or repeat @idx (@is_repeat). */
static pn_status declare_role(loader *ld, size_t line, const char *word, int is_repeat, int idx,
                              pn_error *err)
{
    if (*word == '\0')
        return PN_OK;
    int k = 0;
    while (k < R_NROLE && strcmp(word, role_words[k]) != 0)
        k++;
    if (k == R_NROLE) {
        pn_strbuf all = PN_STRBUF_INIT;
        for (int j = 0; j < R_NROLE; j++)
            if (pn_strbuf_printf(&all, "%s%s", j ? ", " : "", role_words[j]) != PN_OK) {
                pn_strbuf_release(&all);
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            }
        pn_status st = pn_error_set(err, PN_EINPUT,
                                    "%s:%zu: column 'role': unknown role '%s' (expected one of %s)",
                                    ld->name, line, word, pn_strbuf_str(&all));
        pn_strbuf_release(&all);
        return st;
    }
    if ((k == R_LINKS) != is_repeat)
        return pn_error_set(err, PN_EINPUT,
                            k == R_LINKS ? "%s:%zu: column 'role': role '%s' goes on the "
                                           "begin_repeat row of the repeat of the links"
                                         : "%s:%zu: column 'role': role '%s' goes on a "
                                           "question, not on a repeat",
                            ld->name, line, word);
    int other = k == R_IDENT_SIRET ? R_IDENT_UAI : k == R_IDENT_UAI ? R_IDENT_SIRET : k;
    for (int j = 0; j < 2; j++) {
        const declared *d = &ld->roles[j ? other : k];
        if (d->idx >= 0)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'role': role '%s' is given twice (role '%s' on "
                                "line %zu already)",
                                ld->name, line, word, role_words[j ? other : k], d->line);
    }
    ld->roles[k].idx = idx;
    ld->roles[k].line = line;
    return PN_OK;
}

/* A begin_repeat row at @r, in the frame @fr just opened: the form's next repeat, which may
 * carry a role (the links). */
static pn_status add_repeat(loader *ld, const row *r, frame *fr, pn_error *err)
{
    pn_form *f = ld->form;
    const char *name = r->cell[S_NAME];
    if (fr->repeat >= 0)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: repeat '%s' inside another repeat: not supported", ld->name,
                            r->line, name);
    pn_repeat *rp = realloc(f->repeats, (f->nrepeats + 1) * sizeof *rp);
    if (rp == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    f->repeats = rp;
    rp[f->nrepeats].name = pn_strdup(name);
    rp[f->nrepeats].label = pn_strdup(*r->cell[S_LABEL] ? r->cell[S_LABEL] : name);
    rp[f->nrepeats].line = r->line;
    fr->repeat = (int)f->nrepeats++;
    if (rp[fr->repeat].name == NULL || rp[fr->repeat].label == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return declare_role(ld, r->line, r->cell[S_ROLE], 1, fr->repeat, err);
}

/* A begin_group or begin_repeat row at @r: a frame pushed on @stack (*@depth open), once the
 * references of its relevance are checked (the questions inside parse it again). */
static pn_status open_group(loader *ld, row *r, int begin_repeat, frame *stack, size_t *depth,
                            pn_error *err)
{
    if (*depth == MAX_DEPTH)
        return pn_error_set(err, PN_EINPUT, "%s:%zu: groups nested too deep", ld->name, r->line);
    if (*r->cell[S_NAME] == '\0')
        return pn_error_set(err, PN_EINPUT, "%s:%zu: column 'name': a %s needs a name", ld->name,
                            r->line, begin_repeat ? "repeat" : "group");
    frame *fr = &stack[*depth];
    fr->is_repeat = begin_repeat;
    fr->repeat = *depth ? stack[*depth - 1].repeat : -1;
    fr->relevant = NULL;
    fr->line = r->line;
    fr->name = r->cell[S_NAME];
    fr->label = *r->cell[S_LABEL] ? r->cell[S_LABEL] : r->cell[S_NAME];
    pn_status st;
    if ((st = parse_expr(ld, r->line, "relevant", r->cell[S_RELEVANT], &fr->relevant, err)) !=
        PN_OK)
        return st;
    /* parsed again for each question inside; this copy checks its references */
    st = check_refs(ld, r->line, "relevant", fr->relevant, err);
    pn_expr_destroy(fr->relevant);
    fr->relevant = NULL;
    if (st != PN_OK)
        return st;
    if (begin_repeat && (st = add_repeat(ld, r, fr, err)) != PN_OK)
        return st;
    (*depth)++;
    return PN_OK;
}

/* An end_group or end_repeat row at @r (@type): the frame on top of @stack closed. */
static pn_status close_group(const loader *ld, const row *r, const char *type, const frame *stack,
                             size_t *depth, pn_error *err)
{
    int is_repeat = type[4] == 'r';
    if (*depth == 0 || stack[*depth - 1].is_repeat != is_repeat)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'type': '%s' without a matching 'begin %s'", ld->name,
                            r->line, type, is_repeat ? "repeat" : "group");
    (*depth)--;
    return PN_OK;
}

/* The type of the question of row @r (@type, spaces made underscores but in select_...) and,
 * for a select, its choice list. */
static pn_status question_type(const loader *ld, const row *r, const char *type, pn_question *q,
                               pn_error *err)
{
    if (strncmp(type, "select_one ", 11) == 0 || strncmp(type, "select_multiple ", 16) == 0) {
        q->type = type[7] == 'o' ? PN_Q_SELECT_ONE : PN_Q_SELECT_MULTIPLE;
        const char *list_name = strchr(type, ' ') + 1;
        while (*list_name == ' ')
            list_name++;
        if ((q->list = find_list(ld->form, list_name)) == NULL)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'type': choice list '%s' is not in the "
                                "choices sheet",
                                ld->name, r->line, list_name);
    } else if (!simple_type(type, &q->type)) {
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'type': unknown question type '%s' (expected "
                            "text, integer, decimal, date, select_one LIST, select_multiple "
                            "LIST, calculate, note, begin group, begin repeat, ...)",
                            ld->name, r->line, type);
    }
    return PN_OK;
}

/* The name of the question of row @r (of type @type): there, a valid XML name, not used before. */
static pn_status check_name(const loader *ld, const row *r, const char *type, pn_error *err)
{
    const char *name = r->cell[S_NAME];
    if (*name == '\0')
        return pn_error_set(err, PN_EINPUT, "%s:%zu: column 'name': a %s question needs a name",
                            ld->name, r->line, type);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9' && p != name) || *p == '_' ||
              ((*p == '-' || *p == '.') && p != name)))
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'name': '%s' is not a valid XML name (letters, "
                                "digits, '_', '-', '.'; not starting with a digit)",
                                ld->name, r->line, name);
    if (pn_form_find(ld->form, name) != NULL)
        return pn_error_set(err, PN_EINPUT, "%s:%zu: column 'name': '%s' is used twice", ld->name,
                            r->line, name);
    return PN_OK;
}

/* The relevance of the question of row @r inside the @depth frames of @stack: each enclosing
 * group's, parsed again from its row, then the question's own. */
static pn_status question_relevance(const loader *ld, const row *r, const frame *stack,
                                    size_t depth, pn_question *q, pn_error *err)
{
    q->relevant = calloc(depth + 1, sizeof *q->relevant);
    if (q->relevant == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t d = 0; d <= depth; d++) {
        size_t rline = d < depth ? stack[d].line : r->line;
        const char *text = NULL;
        for (size_t k = 0; k < ld->nrows && d < depth; k++)
            if (ld->rows[k].line == rline)
                text = ld->rows[k].cell[S_RELEVANT];
        if (d == depth)
            text = r->cell[S_RELEVANT];
        pn_expr *e = NULL;
        pn_status st;
        if ((st = parse_expr(ld, rline, "relevant", text, &e, err)) != PN_OK)
            return st;
        if (e)
            q->relevant[q->nrelevant++] = e;
        if (d == depth)
            q->own_relevant = e != NULL;
    }
    return PN_OK;
}

/* The question of row @r (@type), inside the @depth frames of @stack, into @q, which the caller
 * releases (question_release) whatever the result. */
static pn_status read_question(loader *ld, const row *r, const char *type, const frame *stack,
                               size_t depth, pn_question *q, pn_error *err)
{
    const char *name = r->cell[S_NAME];
    pn_status st;
    memset(q, 0, sizeof *q);
    q->line = r->line;
    q->repeat = depth ? stack[depth - 1].repeat : -1;
    if ((st = question_type(ld, r, type, q, err)) != PN_OK ||
        (st = check_name(ld, r, type, err)) != PN_OK)
        return st;
    if (q->type == PN_Q_CALCULATE) {
        if (*r->cell[S_CALC] == '\0')
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'calculation': calculate '%s' has no "
                                "calculation",
                                ld->name, r->line, name);
        q->list = find_list(ld->form, name);
    }
    q->name = pn_strdup(name);
    q->label = pn_strdup(*r->cell[S_LABEL] ? r->cell[S_LABEL] : name);
    q->path = group_path(stack, depth, name, 0);
    q->label_path = group_path(stack, depth, q->label ? q->label : name, 1);
    if (q->name == NULL || q->label == NULL || q->path == NULL || q->label_path == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    q->required = parse_required(r->cell[S_REQUIRED]);
    if (!parse_flag(r->cell[S_PERSONAL], &q->personal))
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'personnel': expected 'oui' (the answer is personal "
                            "data) or nothing, found '%s'",
                            ld->name, r->line, r->cell[S_PERSONAL]);
    q->ordered = strstr(r->cell[S_APPEARANCE], "likert") != NULL || q->type == PN_Q_INTEGER;
    q->multiline = strstr(r->cell[S_APPEARANCE], "multiline") != NULL;
    if (depth && (q->group = pn_strdup(stack[depth - 1].label)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if ((st = question_relevance(ld, r, stack, depth, q, err)) != PN_OK)
        return st;
    if ((st = parse_expr(ld, r->line, "constraint", r->cell[S_CONSTRAINT], &q->constraint, err)) !=
        PN_OK)
        return st;
    if (*r->cell[S_CMSG] && (q->constraint_msg = pn_strdup(r->cell[S_CMSG])) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (*r->cell[S_HINT] && (q->hint = pn_strdup(r->cell[S_HINT])) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (q->type == PN_Q_CALCULATE && (st = parse_expr(ld, r->line, "calculation", r->cell[S_CALC],
                                                      &q->calculation, err)) != PN_OK)
        return st;
    if (q->list && q->calculation &&
        (st = check_classes(ld, r->line, q->list, q->calculation, err)) != PN_OK)
        return st;
    return PN_OK;
}

/* Every ${name} of a question's own expressions must be a question of the form. */
static pn_status check_question_refs(const loader *ld, pn_error *err)
{
    const pn_form *f = ld->form;
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *qq = &f->q[i];
        const row *own = NULL;
        for (size_t k = 0; k < ld->nrows && own == NULL; k++)
            if (ld->rows[k].line == qq->line)
                own = &ld->rows[k];
        const pn_expr *all[3] = {qq->constraint, qq->calculation,
                                 own && *own->cell[S_RELEVANT] && qq->nrelevant
                                     ? qq->relevant[qq->nrelevant - 1]
                                     : NULL};
        const char *cols[3] = {"constraint", "calculation", "relevant"};
        pn_status st;
        for (int k = 0; k < 3; k++)
            if ((st = check_refs(ld, qq->line, cols[k], all[k], err)) != PN_OK)
                return st;
    }
    return PN_OK;
}

/* Builds the questions from the survey rows, row by row: a group or repeat opens or closes a
 * frame, any other row is a question. Group relevance is parsed again for each question it
 * covers, so that every question owns all its expressions. */
static pn_status build(loader *ld, pn_error *err)
{
    pn_form *f = ld->form;
    frame stack[MAX_DEPTH];
    size_t depth = 0;
    pn_question q = {0};
    pn_status st = PN_OK;

    for (size_t i = 0; i < ld->nrows; i++) {
        row *r = &ld->rows[i];
        char *type = r->cell[S_TYPE];
        const char *name = r->cell[S_NAME];
        if (*type == '\0') {
            if (*name == '\0')
                continue;
            st = pn_error_set(err, PN_EINPUT, "%s:%zu: column 'type': question '%s' has no type",
                              ld->name, r->line, name);
            goto out;
        }
        /* "begin group" and "begin_group" are the same */
        for (char *p = type; *p; p++)
            if (*p == ' ' && strncmp(type, "select", 6) != 0)
                *p = '_';
        int begin_group = strcmp(type, "begin_group") == 0;
        int begin_repeat = strcmp(type, "begin_repeat") == 0;
        int end = strcmp(type, "end_group") == 0 || strcmp(type, "end_repeat") == 0;
        if (*r->cell[S_ROLE] && (begin_group || end)) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:%zu: column 'role': a %s row takes no role (role '%s')", ld->name,
                              r->line, type, r->cell[S_ROLE]);
            goto out;
        }
        if (begin_group || begin_repeat)
            st = open_group(ld, r, begin_repeat, stack, &depth, err);
        else if (end)
            st = close_group(ld, r, type, stack, &depth, err);
        else if ((st = read_question(ld, r, type, stack, depth, &q, err)) == PN_OK &&
                 (st = push_question(f, &q, err)) == PN_OK)
            st = declare_role(ld, r->line, r->cell[S_ROLE], 0, (int)f->nq - 1, err);
        if (st != PN_OK)
            goto out;
    }
    if (depth > 0) {
        st = pn_error_set(err, PN_EINPUT, "%s:%zu: '%s' is never closed (expected 'end %s')",
                          ld->name, stack[depth - 1].line, stack[depth - 1].name,
                          stack[depth - 1].is_repeat ? "repeat" : "group");
        goto out;
    }
    if ((st = check_question_refs(ld, err)) != PN_OK)
        goto out;
    if (f->nq == 0)
        st = pn_error_set(err, PN_EINPUT, "%s: the survey sheet has no question", ld->name);
out:
    question_release(&q);
    return st;
}

/* Whether a role is declared on question @qi. */
static int declared_on(const loader *ld, int qi)
{
    for (int k = 0; k < R_NROLE; k++)
        if (k != R_LINKS && ld->roles[k].idx == qi)
            return 1;
    return 0;
}

/* Whether question @q may carry role @k of a form whose links repeat is @links; else what it
 * should be. */
static const char *role_misfit(int k, const pn_question *q, int links)
{
    int top = q->repeat < 0;
    switch (k) {
    case R_IDENT_SIRET:
    case R_IDENT_UAI:
    case R_CODE_QPV:
        return top && q->type == PN_Q_TEXT ? NULL : "a top-level text question";
    case R_NAME:
        return top && pn_question_has_value(q) ? NULL : "a top-level question with an answer";
    case R_COMMUNE:
        return top && (q->type == PN_Q_TEXT || q->type == PN_Q_SELECT_ONE)
                   ? NULL
                   : "a top-level select_one or text question";
    case R_QPV:
    case R_REP:
        return top && q->type == PN_Q_SELECT_ONE ? NULL : "a top-level select_one question";
    case R_PARTNER:
        return links >= 0 && q->repeat == links && q->type == PN_Q_TEXT
                   ? NULL
                   : "a text question inside the repeat of the links (role 'partenaires')";
    case R_PARTNER_NAME:
        return links >= 0 && q->repeat == links && pn_question_has_value(q)
                   ? NULL
                   : "a question with an answer inside the repeat of the links (role "
                     "'partenaires')";
    default: /* R_CLASS */
        return links >= 0 && q->repeat == links && q->type == PN_Q_CALCULATE
                   ? NULL
                   : "a calculate inside the repeat of the links (role 'partenaires')";
    }
}

/* Fill form->roles and form->side: the declared roles, checked, then today's names for the
 * roles the form does not declare. */
static pn_status resolve_roles(const loader *ld, pn_error *err)
{
    pn_form *f = ld->form;
    int got[R_NROLE];
    for (int k = 0; k < R_NROLE; k++)
        got[k] = ld->roles[k].idx;
    int ident_declared = got[R_IDENT_SIRET] >= 0 || got[R_IDENT_UAI] >= 0;
    for (int k = 0; k < R_NROLE; k++) {
        if (got[k] >= 0 || k == R_LINKS ||
            ((k == R_IDENT_SIRET || k == R_IDENT_UAI) && ident_declared))
            continue;
        const pn_question *q = pn_form_find(f, role_defaults[k]);
        if (q && !declared_on(ld, (int)(q - f->q)) &&
            (q->repeat < 0 || (k != R_IDENT_SIRET && k != R_IDENT_UAI)))
            got[k] = (int)(q - f->q);
    }
    /* a form with both a top-level uai and siret (and no role) is a school's, as before */
    if (!ident_declared && got[R_IDENT_UAI] >= 0)
        got[R_IDENT_SIRET] = -1;
    f->side = got[R_IDENT_UAI] >= 0     ? PN_SIDE_ECOLE
              : got[R_IDENT_SIRET] >= 0 ? PN_SIDE_CENTRE
                                        : PN_SIDE_NONE;
    if (got[R_LINKS] >= 0 && f->side == PN_SIDE_NONE)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'role': the repeat of the links (role 'partenaires') "
                            "needs the structure's identifier (role 'identifiant_siret' or "
                            "'identifiant_uai')",
                            ld->name, ld->roles[R_LINKS].line);
    if (got[R_LINKS] < 0 && f->side != PN_SIDE_NONE)
        got[R_LINKS] = pn_form_repeat_index(f, role_defaults[R_LINKS]);
    for (int k = 0; k < R_NROLE; k++) {
        if (k == R_LINKS || ld->roles[k].idx < 0)
            continue;
        const pn_question *q = &f->q[ld->roles[k].idx];
        const char *want = role_misfit(k, q, got[R_LINKS]);
        if (want)
            return pn_error_set(
                err, PN_EINPUT, "%s:%zu: column 'role': role '%s' goes on %s, found %s '%s' %s%s%s",
                ld->name, ld->roles[k].line, role_words[k], want, pn_qtype_name(q->type), q->name,
                q->repeat < 0 ? "at top level" : "in repeat '",
                q->repeat < 0 ? "" : f->repeats[q->repeat].name, q->repeat < 0 ? "" : "'");
    }
    pn_roles *ro = &f->roles;
    ro->ident = f->side == PN_SIDE_ECOLE ? got[R_IDENT_UAI] : got[R_IDENT_SIRET];
    ro->name = got[R_NAME];
    ro->commune = got[R_COMMUNE];
    ro->qpv = got[R_QPV];
    ro->code_qpv = got[R_CODE_QPV];
    ro->rep = got[R_REP];
    ro->links = got[R_LINKS];
    ro->partner = got[R_PARTNER];
    ro->partner_name = got[R_PARTNER_NAME];
    ro->klass = got[R_CLASS];
    return PN_OK;
}

static pn_form *load(FILE *in, const char *name, pn_error *err)
{
    loader ld = {
        .name = name, .settings_id_col = -1, .settings_title_col = -1, .settings_version_col = -1};
    pn_status st = PN_OK;
    for (int k = 0; k < R_NROLE; k++)
        ld.roles[k].idx = -1;
    ld.form = calloc(1, sizeof *ld.form);
    if (ld.form == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    static _Atomic unsigned long serials;
    ld.form->serial = atomic_fetch_add(&serials, 1) + 1;
    ld.form->path = pn_strdup(name);
    if (ld.form->path == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = pn_csv_read(in, name, NULL, on_record, &ld, NULL, err)) != PN_OK)
        goto out;
    if ((st = build(&ld, err)) != PN_OK)
        goto out;
    pn_form *f = ld.form;
    if (f->id == NULL) {
        /* the file name without folder and extension */
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        size_t n = strcspn(base, ".");
        f->id = malloc(n + 1);
        if (f->id == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        memcpy(f->id, base, n);
        f->id[n] = '\0';
    }
    if (f->title == NULL)
        f->title = pn_strdup(f->id);
    if (f->version == NULL)
        f->version = pn_strdup("");
    if (f->title == NULL || f->version == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = resolve_roles(&ld, err)) != PN_OK)
        goto out;
out:
    for (size_t i = 0; i < ld.nrows; i++)
        for (int c = 0; c < S_NCOL; c++)
            free(ld.rows[i].cell[c]);
    free(ld.rows);
    if (st != PN_OK) {
        pn_form_destroy(ld.form);
        return NULL;
    }
    return ld.form;
}

pn_form *pn_form_load_path(const char *path, pn_error *err)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        pn_error_set(err, PN_EIO, "cannot open form '%s': %s", path, strerror(errno));
        return NULL;
    }
    pn_form *f = load(in, path, err);
    fclose(in);
    return f;
}

pn_form *pn_form_load_text(const char *name, const char *text, size_t len, pn_error *err)
{
    FILE *in = fmemopen((void *)text, len, "rb");
    if (in == NULL) {
        pn_error_set(err, PN_ENOMEM, "out of memory");
        return NULL;
    }
    pn_form *f = load(in, name, err);
    fclose(in);
    return f;
}

void pn_form_destroy(pn_form *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nq; i++)
        question_release(&f->q[i]);
    free(f->q);
    pn_strindex_release(&f->names);
    for (size_t i = 0; i < f->nlists; i++) {
        for (size_t j = 0; j < f->lists[i].n; j++) {
            free(f->lists[i].items[j].name);
            free(f->lists[i].items[j].label);
        }
        free(f->lists[i].items);
        free(f->lists[i].name);
        pn_strindex_release(&f->lists[i].index);
    }
    free(f->lists);
    for (size_t i = 0; i < f->nrepeats; i++) {
        free(f->repeats[i].name);
        free(f->repeats[i].label);
    }
    free(f->repeats);
    free(f->id);
    free(f->title);
    free(f->version);
    free(f->path);
    free(f);
}
