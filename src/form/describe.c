/*
 * describe.c - an expression in French words, for the people who read the workbook rather
 * than the form: "réponse « Régulier » à « Aujourd'hui, comment qualifieriez-vous ce lien ? »"
 * for ${rythme} = 'regulier'. The words of the questions and choices come from the caller
 * (pn_expr_words); a construct without words of its own is written with the operators'
 * signs, the names still replaced by their labels.
 */
#include "form/expr_internal.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

typedef struct describer {
    const pn_expr_words *w;
    pn_strbuf *out;
} describer;

static const char *question_words(const describer *d, const char *name)
{
    const char *label = d->w->question ? d->w->question(d->w->ctx, name) : NULL;
    return label && *label ? label : name;
}

static const char *choice_words(const describer *d, const char *question, const char *choice)
{
    const char *label = d->w->choice ? d->w->choice(d->w->ctx, question, choice) : NULL;
    return label && *label ? label : choice;
}

static pn_status describe(const describer *d, const node *n, int parent_op);

static pn_status quoted(const describer *d, const char *s)
{
    return pn_strbuf_printf(d->out, "\xc2\xab %s \xc2\xbb", s);
}

/* The choice test ${q} op 'x' (or 'x' op ${q}, selected(${q}, 'x')) under @n, in words, or
 * 0 when @n is none. */
static int choice_test(const describer *d, const node *n, int negated, pn_status *st)
{
    const node *ref = NULL, *lit = NULL;
    int selected = n->kind == N_CALL && n->op == F_SELECTED;
    if (n->nkids == 2 && ((n->kind == N_BIN && (n->op == T_EQ || n->op == T_NE)) || selected)) {
        const node *a = n->kids[0], *b = n->kids[1];
        if (a->kind == N_REF && b->kind == N_STR)
            ref = a, lit = b;
        else if (!selected && a->kind == N_STR && b->kind == N_REF)
            ref = b, lit = a;
    }
    if (ref == NULL)
        return 0;
    const char *q = question_words(d, ref->str), *x = choice_words(d, ref->str, lit->str);
    if (selected)
        *st = pn_strbuf_printf(d->out,
                               "\xc2\xab %s \xc2\xbb %scoch\xc3\xa9 \xc3\xa0 \xc2\xab %s \xc2\xbb",
                               x, negated ? "non " : "", q);
    else if ((n->op == T_NE) != negated)
        *st = pn_strbuf_printf(
            d->out, "r\xc3\xa9ponse autre que \xc2\xab %s \xc2\xbb \xc3\xa0 \xc2\xab %s \xc2\xbb",
            x, q);
    else
        *st = pn_strbuf_printf(
            d->out, "r\xc3\xa9ponse \xc2\xab %s \xc2\xbb \xc3\xa0 \xc2\xab %s \xc2\xbb", x, q);
    return 1;
}

/* count-selected(${q}) > 0, = 0 and the like under @n, in words, or 0 when @n is none. */
static int count_test(const describer *d, const node *n, pn_status *st)
{
    if (n->kind != N_BIN || n->nkids != 2)
        return 0;
    const node *c = n->kids[0], *k = n->kids[1];
    if (c->kind != N_CALL || c->op != F_COUNT_SELECTED || c->kids[0]->kind != N_REF ||
        k->kind != N_NUM)
        return 0;
    const char *q = question_words(d, c->kids[0]->str);
    if ((n->op == T_GT && k->num == 0) || (n->op == T_GE && k->num == 1))
        *st = pn_strbuf_printf(d->out,
                               "au moins une case coch\xc3\xa9"
                               "e \xc3\xa0 \xc2\xab %s \xc2\xbb",
                               q);
    else if ((n->op == T_EQ || n->op == T_LE) && k->num == 0)
        *st = pn_strbuf_printf(d->out,
                               "aucune case coch\xc3\xa9"
                               "e \xc3\xa0 \xc2\xab %s \xc2\xbb",
                               q);
    else
        return 0;
    return 1;
}

static const char *op_sign(int op)
{
    switch (op) {
    case T_EQ:
        return " = ";
    case T_NE:
        return " \xe2\x89\xa0 ";
    case T_LT:
        return " < ";
    case T_LE:
        return " \xe2\x89\xa4 ";
    case T_GT:
        return " > ";
    case T_GE:
        return " \xe2\x89\xa5 ";
    case T_PLUS:
        return " + ";
    case T_MINUS:
        return " \xe2\x88\x92 ";
    case T_STAR:
        return " \xc3\x97 ";
    case T_DIV:
        return " / ";
    case T_MOD:
        return " modulo ";
    case T_AND:
        return " et ";
    case T_OR:
        return " ou ";
    }
    return " ? ";
}

/* @n in words; @parent_op the operator of the node above (parentheses around an "ou" inside
 * an "et"). */
static pn_status describe(const describer *d, const node *n, int parent_op)
{
    pn_status st = PN_OK;
    if (choice_test(d, n, 0, &st) || count_test(d, n, &st))
        return st;
    switch (n->kind) {
    case N_NUM: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.15g", n->num);
        return pn_strbuf_puts(d->out, buf);
    }
    case N_STR:
        return quoted(d, n->str);
    case N_REF:
        return quoted(d, question_words(d, n->str));
    case N_DOT:
        return pn_strbuf_puts(d->out, "la r\xc3\xa9ponse");
    case N_NEG:
        if ((st = pn_strbuf_puts(d->out, "\xe2\x88\x92")) != PN_OK)
            return st;
        return describe(d, n->kids[0], T_MINUS);
    case N_BIN: {
        int paren = n->op == T_OR && parent_op == T_AND;
        if (paren && (st = pn_strbuf_puts(d->out, "(")) != PN_OK)
            return st;
        if ((st = describe(d, n->kids[0], n->op)) == PN_OK &&
            (st = pn_strbuf_puts(d->out, op_sign(n->op))) == PN_OK)
            st = describe(d, n->kids[1], n->op);
        if (st == PN_OK && paren)
            st = pn_strbuf_puts(d->out, ")");
        return st;
    }
    case N_CALL:
        break;
    }
    if (n->op == F_NOT && n->nkids == 1) {
        if (choice_test(d, n->kids[0], 1, &st))
            return st;
        if ((st = pn_strbuf_puts(d->out, "non (")) == PN_OK &&
            (st = describe(d, n->kids[0], -1)) == PN_OK)
            st = pn_strbuf_puts(d->out, ")");
        return st;
    }
    if (n->op == F_TRUE || n->op == F_FALSE)
        return pn_strbuf_puts(d->out, n->op == F_TRUE ? "toujours" : "jamais");
    /* any other function: its name and its arguments in words */
    const char *name = "?";
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (functions[i].fn == (enum fn)n->op)
            name = functions[i].name;
    if ((st = pn_strbuf_printf(d->out, "%s(", name)) != PN_OK)
        return st;
    for (size_t i = 0; i < n->nkids && st == PN_OK; i++)
        if ((i == 0 || (st = pn_strbuf_puts(d->out, ", ")) == PN_OK))
            st = describe(d, n->kids[i], -1);
    return st == PN_OK ? pn_strbuf_puts(d->out, ")") : st;
}

pn_status pn_expr_describe(const pn_expr *e, const pn_expr_words *w, pn_strbuf *out)
{
    describer d = {w, out};
    return describe(&d, e->root, -1);
}

pn_status pn_expr_branches(const pn_expr *e, const pn_expr_words *w, pn_expr_branch_fn fn,
                           void *ctx, pn_error *err)
{
    /* a chain if(c1, 'v1', if(c2, 'v2', ... 'vn')) only */
    for (const node *n = e->root;; n = n->kids[2]) {
        if (n->kind == N_STR)
            break;
        if (n->kind != N_CALL || n->op != F_IF || n->kids[1]->kind != N_STR)
            return PN_EUSAGE;
    }
    pn_strbuf words = PN_STRBUF_INIT;
    describer d = {w, &words};
    pn_status st = PN_OK;
    const node *n = e->root;
    for (; st == PN_OK && n->kind == N_CALL; n = n->kids[2]) {
        pn_strbuf_reset(&words);
        if ((st = describe(&d, n->kids[0], -1)) != PN_OK)
            st = pn_error_set(err, st, "out of memory");
        else
            st = fn(ctx, pn_strbuf_str(&words), n->kids[1]->str, err);
    }
    if (st == PN_OK)
        st = fn(ctx, NULL, n->str, err);
    pn_strbuf_release(&words);
    return st;
}
