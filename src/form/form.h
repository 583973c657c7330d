/*
 * form.h - the form model: an XLSForm read from pyxform's one-file CSV layout.
 *
 * A form file holds three sheets one after the other: a row whose first cell is `survey`,
 * `choices` or `settings` starts that sheet, the next row is its header (first cell empty),
 * and the rows after it are data rows (first cell empty). The loader checks what the rest of
 * the program relies on and reports the first problem as "file:line: column 'x': ...":
 * unknown question type, a select without its choice list, duplicate names, unbalanced
 * groups and repeats, an expression that does not parse or refers to an unknown ${name}.
 *
 * Conventions of this project (documented in README.md):
 * - a `calculate` whose name is also a choice list name takes that list's labels and
 *   order (the link typology `type_lien` is such a calculate);
 * - a select_one with appearance `likert` is an ordered scale;
 * - a question whose `personnel` column says `oui` holds personal data: it stays in the
 *   project file and is never tabulated or published (pyxform and the collecting tools
 *   ignore a column they do not know);
 * - the column `role` says which project convention a question (or a repeat) carries:
 *   the structure's identifier and its kind (`identifiant_siret`: a centre social's form,
 *   `identifiant_uai`: a school's), `nom_structure`, `commune`, `qpv`, `code_qpv`,
 *   `education_prioritaire`, the repeat of the reported links `partenaires`, in it
 *   `partenaire_identifiant`, `partenaire_nom` and the link's class `classe_lien`. A role a
 *   form does not declare falls to the question of today's name (top-level `siret` or `uai`,
 *   `nom_structure`, `commune`, `en_qpv`, `code_qpv`, `rep`, repeat `partenaires`,
 *   `partenaire_id`, `partenaire_nom`, `type_lien`). Modules outside src/form read the
 *   roles (pn_form.roles), never a question's name.
 *
 * May call: util (src/form's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_FORM_FORM_H
#define PN_FORM_FORM_H

#include <stddef.h>

#include "form/expr.h"
#include "util/error.h"
#include "util/strindex.h"

typedef enum pn_qtype {
    PN_Q_TEXT,
    PN_Q_INTEGER,
    PN_Q_DECIMAL,
    PN_Q_DATE,
    PN_Q_DATETIME, /* start, end: metadata timestamps */
    PN_Q_SELECT_ONE,
    PN_Q_SELECT_MULTIPLE,
    PN_Q_CALCULATE,
    PN_Q_NOTE, /* shows text, holds no answer */
} pn_qtype;

typedef struct pn_choice {
    char *name;
    char *label;
} pn_choice;

typedef struct pn_choice_list {
    char *name;
    pn_choice *items;
    size_t n;
    pn_strindex index; /* each item's name to its index, filled as the form is read */
} pn_choice_list;

/* A question, i.e. a variable. Groups are not variables: their relevance is folded into
 * the questions they hold. */
typedef struct pn_question {
    char *name;
    char *label;      /* the label, or the name when there is none */
    char *path;       /* names of the enclosing groups and repeat, then its own: "g/r/q" */
    char *label_path; /* the same with labels: how KoboToolbox heads a column by label */
    pn_qtype type;
    const pn_choice_list *list; /* select_* and calculates that have a list; lent by the form */
    int required;
    int ordered;        /* an ordered scale: appearance 'likert' (cumulative % makes sense) */
    int multiline;      /* appearance 'multiline': a text of several lines (the paper form
                         * gives it room) */
    int personal;       /* column 'personnel' says 'oui': personal data (a respondent's name,
                         * e-mail, phone), kept in the project file, never tabulated or
                         * published */
    pn_expr **relevant; /* the relevance of the enclosing groups and repeat, then the
                         * question's own; all must hold */
    size_t nrelevant;
    int own_relevant;     /* relevant[nrelevant - 1] is the question's own (its row's relevant
                           * column); the others come from its groups and repeat */
    char *group;          /* the label (else the name) of the innermost group or repeat it is
                           * in; NULL at top level */
    pn_expr *constraint;  /* NULL when none */
    char *constraint_msg; /* NULL when none */
    char *hint;           /* the hint shown under the question; NULL when none */
    pn_expr *calculation; /* calculate only */
    int repeat;           /* index into form->repeats, or -1 at top level */
    size_t line;          /* line in the form file */
} pn_question;

typedef struct pn_repeat {
    char *name;
    char *label;
    size_t line;
} pn_repeat;

typedef enum pn_form_side { PN_SIDE_NONE, PN_SIDE_CENTRE, PN_SIDE_ECOLE } pn_form_side;

/* The questions (indexes into form->q) and the repeat (index into form->repeats) that carry
 * the project's conventions, resolved once when the form is read; -1 when the form has none.
 * A declared role is checked (type and level); one left to its default name is taken as the
 * name finds it. links, partner and partner_name are -1 in a form without a side. */
typedef struct pn_roles {
    int ident;        /* the structure's identifier; its kind gives form->side */
    int name;         /* the structure's name */
    int commune;      /* its commune */
    int qpv;          /* whether it is in (or serves) a QPV */
    int code_qpv;     /* the QPV's code */
    int rep;          /* priority education */
    int links;        /* the repeat whose entries are the links the structure reports */
    int partner;      /* the partner's identifier, in the links repeat */
    int partner_name; /* the partner's name, in the links repeat */
    int klass;        /* the calculate giving the link's class */
} pn_roles;

typedef struct pn_form {
    char *id;      /* settings form_id, else the file name without .csv */
    char *title;   /* settings form_title, else the id */
    char *version; /* settings version, else "" */
    char *path;    /* the file it was read from, for messages */
    pn_question *q;
    size_t nq;
    pn_strindex names; /* each question's name to its index in q, filled as the form is read */
    pn_choice_list *lists;
    size_t nlists;
    pn_repeat *repeats;
    size_t nrepeats;
    pn_form_side side;
    pn_roles roles;
    /* this form's number among the forms the process has loaded, from 1: no two forms share
     * one, so that what is prepared from a form can be kept for it (the store's statements) */
    unsigned long serial;
} pn_form;

/*
 * pn_form_load_path - read a form file.
 * Returns the form (free with pn_form_destroy) or NULL with @err filled: PN_EIO when the
 * file cannot be read, PN_EINPUT with "path:line: ..." when it is not a valid form.
 */
pn_form *pn_form_load_path(const char *path, pn_error *err);

/*
 * pn_form_load_text - the same from @len bytes of @text (a form kept in the store);
 * @name is used in messages.
 */
pn_form *pn_form_load_text(const char *name, const char *text, size_t len, pn_error *err);

void pn_form_destroy(pn_form *f);

/* The question named @name, or NULL. One lookup in f->names, whatever the form's size. */
const pn_question *pn_form_find(const pn_form *f, const char *name);

/* The index in f->q of the question named @name, or -1 (the same lookup). */
int pn_form_question_index(const pn_form *f, const char *name);

/* The question naming the structure that answers @f (its identifier role), or NULL for a
 * form without a side. */
const pn_question *pn_form_side_question(const pn_form *f);

/* The word the store uses for @side: "centre", "ecole", or NULL for PN_SIDE_NONE. */
const char *pn_side_word(pn_form_side side);

/* The index of the repeat named @name, or -1. */
int pn_form_repeat_index(const pn_form *f, const char *name);

/* The repeat whose entries are the links a structure reports (its links role), or -1 for a
 * form without a side or without that repeat. */
int pn_form_links_repeat(const pn_form *f);

/* The question of role index @idx (a member of form->roles), or NULL when it is -1. */
const pn_question *pn_form_role(const pn_form *f, int idx);

/* The choice of @list named @name, or NULL. One lookup in the list's index, whatever its
 * length (a list of the 35,000 communes of France is a real case). */
const pn_choice *pn_choice_find(const pn_choice_list *list, const char *name);

/* The words of @f's questions and choices for pn_expr_describe and pn_expr_branches (expr.h):
 * a question's label, a choice's label in its question's list. */
pn_expr_words pn_form_words(const pn_form *f);

/* The same for a name of @len bytes that need not be NUL-terminated. */
const pn_choice *pn_choice_find_n(const pn_choice_list *list, const char *name, size_t len);

/* Whether the question stores an answer (everything but notes). */
int pn_question_has_value(const pn_question *q);

/* The XLSForm spelling of a type ("select_one", "integer", ...). */
const char *pn_qtype_name(pn_qtype t);

/*
 * The hidden sheet of a fillable workbook (`form sheet`, report/fillable.c) that says which
 * question each answer cell holds, for reading it back (import/fillable.c): rows "form_id",
 * "version" and "structure" with their value in column B, then a row per answer cell: its
 * sheet, its cell ("B12"), the question's name, and a choice's name for the Oui/Non cell of
 * one choice of a multiple choice. On the partners' sheet the cell is the column's head, and
 * each row below it one partner.
 */
#define PN_FILLABLE_MAP "_panorama"

#endif
