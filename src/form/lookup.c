/* lookup.c - reading a loaded form: questions by name, roles, repeats, choices, types
 * (form.h). */
#include "form/form.h"

#include <string.h>

const pn_question *pn_form_find(const pn_form *f, const char *name)
{
    int i = pn_form_question_index(f, name);
    return i < 0 ? NULL : &f->q[i];
}

int pn_form_question_index(const pn_form *f, const char *name)
{
    size_t at;
    return pn_strindex_get(&f->names, name, strlen(name), &at) ? (int)at : -1;
}

const pn_question *pn_form_side_question(const pn_form *f)
{
    return f->side == PN_SIDE_NONE ? NULL : pn_form_role(f, f->roles.ident);
}

const char *pn_side_word(pn_form_side side)
{
    return side == PN_SIDE_CENTRE ? "centre" : side == PN_SIDE_ECOLE ? "ecole" : NULL;
}

int pn_form_repeat_index(const pn_form *f, const char *name)
{
    for (size_t i = 0; i < f->nrepeats; i++)
        if (strcmp(f->repeats[i].name, name) == 0)
            return (int)i;
    return -1;
}

int pn_form_links_repeat(const pn_form *f)
{
    return f->side != PN_SIDE_NONE ? f->roles.links : -1;
}

const pn_question *pn_form_role(const pn_form *f, int idx)
{
    return idx >= 0 && (size_t)idx < f->nq ? &f->q[idx] : NULL;
}

const pn_choice *pn_choice_find(const pn_choice_list *list, const char *name)
{
    return pn_choice_find_n(list, name, strlen(name));
}

const pn_choice *pn_choice_find_n(const pn_choice_list *list, const char *name, size_t len)
{
    if (list == NULL)
        return NULL;
    size_t at;
    if (list->index.n == list->n && list->n) /* a list the loader read */
        return pn_strindex_get(&list->index, name, len, &at) ? &list->items[at] : NULL;
    for (size_t i = 0; i < list->n; i++) {
        const char *c = list->items[i].name;
        if (len > 0 && c[0] != name[0])
            continue; /* most names differ at once: spare the call */
        if (strncmp(c, name, len) == 0 && c[len] == '\0')
            return &list->items[i];
    }
    return NULL;
}

int pn_question_has_value(const pn_question *q)
{
    return q->type != PN_Q_NOTE;
}

const char *pn_qtype_name(pn_qtype t)
{
    switch (t) {
    case PN_Q_TEXT:
        return "text";
    case PN_Q_INTEGER:
        return "integer";
    case PN_Q_DECIMAL:
        return "decimal";
    case PN_Q_DATE:
        return "date";
    case PN_Q_DATETIME:
        return "datetime";
    case PN_Q_SELECT_ONE:
        return "select_one";
    case PN_Q_SELECT_MULTIPLE:
        return "select_multiple";
    case PN_Q_CALCULATE:
        return "calculate";
    case PN_Q_NOTE:
        return "note";
    }
    return "unknown";
}

static const char *question_words(void *ctx, const char *name)
{
    const pn_question *q = pn_form_find(ctx, name);
    return q ? q->label : NULL;
}

static const char *choice_words(void *ctx, const char *name, const char *choice)
{
    const pn_question *q = pn_form_find(ctx, name);
    const pn_choice *c = q && q->list ? pn_choice_find(q->list, choice) : NULL;
    return c ? c->label : NULL;
}

pn_expr_words pn_form_words(const pn_form *f)
{
    return (pn_expr_words){question_words, choice_words, (void *)f};
}
