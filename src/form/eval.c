/* eval.c - the tree-walking evaluator of the expression language (expr.h; the choices it
 * makes are listed at the top of expr.c). */
#include "form/expr_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* ---- the evaluator ---- */

typedef struct evaluator {
    const pn_expr *e;
    const pn_expr_env *env;
    pn_error *err;
} evaluator;

static pn_status eval_error(evaluator *ev, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pn_status eval_error(evaluator *ev, const node *n, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return expr_set_error(ev->err, ev->e->text, n->pos, what);
}

static pn_status nomem(evaluator *ev)
{
    return pn_error_set(ev->err, PN_ENOMEM, "out of memory");
}

static pn_status eval_node(evaluator *ev, const node *n, pn_value *out);

/* Evaluate @n into a string value *@out. */
static pn_status eval_string(evaluator *ev, const node *n, pn_value *out)
{
    pn_status st = eval_node(ev, n, out);
    if (st == PN_OK && expr_make_string(out) != PN_OK) {
        pn_value_release(out);
        st = nomem(ev);
    }
    return st;
}

const char *pn_select_next(const char **s, size_t *len)
{
    const char *p = *s, *start;
    while (expr_is_space(*p))
        p++;
    if (*p == '\0')
        return NULL;
    for (start = p; *p && !expr_is_space(*p); p++)
        ;
    *len = (size_t)(p - start);
    *s = p;
    return start;
}

/* Byte offset of character @k (counted from 0, clamped to the end) in UTF-8 @s. */
static size_t char_offset(const char *s, double k)
{
    size_t i = 0;
    if (!(k > 0)) /* NaN too */
        return 0;
    for (; s[i] && k >= 1; k--)
        for (i++; ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

/* XPath 1.0 comparison of @a and @b with operator @op. */
static int compare(enum tok op, const pn_value *a, const pn_value *b)
{
    if (op == T_EQ || op == T_NE) {
        int eq;
        if (a->type == PN_V_BOOL || b->type == PN_V_BOOL)
            eq = pn_value_truthy(a) == pn_value_truthy(b);
        else if (a->type == PN_V_NUMBER || b->type == PN_V_NUMBER)
            eq = pn_value_number(a) == pn_value_number(b);
        else
            eq = strcmp(a->str, b->str) == 0;
        return op == T_EQ ? eq : !eq;
    }
    double x = pn_value_number(a), y = pn_value_number(b);
    if (a->type == PN_V_STRING && b->type == PN_V_STRING && (isnan(x) || isnan(y))) {
        /* two strings that are not both numbers (e.g. dates): compare them as text */
        int c = strcmp(a->str, b->str);
        x = c;
        y = 0;
    }
    return op == T_LT ? x < y : op == T_LE ? x <= y : op == T_GT ? x > y : x >= y;
}

/* round(x[, places]): half away from zero, like JavaRosa's two-argument round. */
static double round_half_away(double x, double places)
{
    double p = isnan(places) ? 0 : trunc(fmax(-300, fmin(300, places)));
    double scale = pow(10, fabs(p));
    double r = p >= 0 ? round(x * scale) / scale : round(x / scale) * scale;
    return isfinite(r) ? r : x;
}

/* if(), coalesce() and concat(): the calls that evaluate their arguments themselves (if() only
 * the branch it takes, coalesce() the second only when the first is empty). */
static pn_status eval_lazy_call(evaluator *ev, const node *n, pn_value *out)
{
    pn_status st = PN_OK;
    pn_value v = {.type = PN_V_NUMBER};
    pn_strbuf sb = PN_STRBUF_INIT;
    char *joined;

    switch ((enum fn)n->op) {
    case F_IF:
        if ((st = eval_node(ev, n->kids[0], &v)) == PN_OK)
            st = eval_node(ev, n->kids[pn_value_truthy(&v) ? 1 : 2], out);
        break;
    case F_COALESCE:
        if ((st = eval_string(ev, n->kids[0], out)) != PN_OK || out->str[0] != '\0')
            break;
        pn_value_release(out);
        st = eval_node(ev, n->kids[1], out);
        break;
    default: /* F_CONCAT */
        for (size_t i = 0; i < n->nkids; i++) {
            if ((st = eval_string(ev, n->kids[i], &v)) != PN_OK)
                goto out;
            st = pn_strbuf_puts(&sb, v.str);
            pn_value_release(&v);
            if (st != PN_OK) {
                st = nomem(ev);
                goto out;
            }
        }
        joined = pn_strbuf_detach(&sb);
        if (joined == NULL) {
            st = nomem(ev);
            goto out;
        }
        *out = (pn_value){.type = PN_V_STRING, .str = joined};
        break;
    }
out:
    pn_value_release(&v);
    pn_strbuf_release(&sb);
    return st;
}

/* The arguments of any other call, into @av: each evaluated, the ones taken as text made
 * strings. */
static pn_status eval_args(evaluator *ev, const node *n, pn_value av[3])
{
    pn_status st;
    for (size_t i = 0; i < n->nkids; i++)
        if ((st = eval_node(ev, n->kids[i], &av[i])) != PN_OK)
            return st;
    switch ((enum fn)n->op) {
    case F_SELECTED:
    case F_CONTAINS:
    case F_STARTS_WITH:
    case F_ENDS_WITH:
    case F_REGEX:
    case F_SELECTED_AT:
        if (expr_make_string(&av[1]) != PN_OK)
            return nomem(ev);
        /* fall through */
    case F_COUNT_SELECTED:
    case F_STRING_LENGTH:
    case F_SUBSTR:
    case F_STRING:
        if (expr_make_string(&av[0]) != PN_OK)
            return nomem(ev);
        break;
    default:
        break;
    }
    return PN_OK;
}

/* selected(), count-selected() and selected-at(), over the answers of a select_multiple: the
 * space-separated list @av[0]. */
static pn_status call_select(evaluator *ev, const node *n, const pn_value *av, pn_value *out)
{
    const char *tok, *list = av[0].str;
    size_t len;
    if (n->op == F_SELECTED) {
        size_t want = strlen(av[1].str);
        int found = 0;
        while (!found && (tok = pn_select_next(&list, &len)) != NULL)
            found = len == want && memcmp(tok, av[1].str, len) == 0;
        expr_set_bool(out, found);
    } else if (n->op == F_COUNT_SELECTED) {
        size_t k = 0;
        while (pn_select_next(&list, &len) != NULL)
            k++;
        expr_set_num(out, (double)k);
    } else { /* F_SELECTED_AT */
        double k = trunc(pn_value_number(&av[1]));
        tok = NULL;
        if (k >= 0)
            while ((tok = pn_select_next(&list, &len)) != NULL && k-- >= 1)
                ;
        if (expr_set_str(out, tok ? tok : "", tok ? len : 0) != PN_OK)
            return nomem(ev);
    }
    return PN_OK;
}

/* regex(s, pattern): the pattern compiled once when it is a literal (n->re), else here. */
static pn_status call_regex(evaluator *ev, const node *n, const pn_value *av, pn_value *out)
{
    regex_t re, *rp = n->re;
    if (rp == NULL) {
        int rc = regcomp(&re, av[1].str, REG_EXTENDED | REG_NOSUB);
        if (rc == REG_ESPACE)
            return nomem(ev);
        if (rc != 0)
            return eval_error(ev, n->kids[1], "invalid regular expression '%s'", av[1].str);
        rp = &re;
    }
    int rc = regexec(rp, av[0].str, 0, NULL, 0);
    if (rp == &re)
        regfree(&re);
    if (rc == REG_ESPACE)
        return nomem(ev);
    expr_set_bool(out, rc == 0);
    return PN_OK;
}

/* string-length(), contains(), starts-with(), ends-with(), substr() and string(), on the
 * strings of @av (string() takes @av[0] over). */
static pn_status call_string(evaluator *ev, const node *n, pn_value *av, pn_value *out)
{
    size_t l0, l1, from, to;
    switch ((enum fn)n->op) {
    case F_STRING_LENGTH:
        expr_set_num(out, (double)expr_utf8_len(av[0].str));
        break;
    case F_CONTAINS:
        expr_set_bool(out, strstr(av[0].str, av[1].str) != NULL);
        break;
    case F_STARTS_WITH:
        expr_set_bool(out, strncmp(av[0].str, av[1].str, strlen(av[1].str)) == 0);
        break;
    case F_ENDS_WITH:
        l0 = strlen(av[0].str);
        l1 = strlen(av[1].str);
        expr_set_bool(out, l1 <= l0 && strcmp(av[0].str + l0 - l1, av[1].str) == 0);
        break;
    case F_SUBSTR:
        from = char_offset(av[0].str, trunc(pn_value_number(&av[1])));
        to = n->nkids == 3 ? char_offset(av[0].str, trunc(pn_value_number(&av[2])))
                           : strlen(av[0].str);
        if (expr_set_str(out, av[0].str + from, to > from ? to - from : 0) != PN_OK)
            return nomem(ev);
        break;
    default: /* F_STRING */
        *out = av[0];
        av[0] = (pn_value){.type = PN_V_NUMBER};
        break;
    }
    return PN_OK;
}

/* not(), true(), false(), boolean(), number(), int(), round() and today(). */
static pn_status call_scalar(evaluator *ev, const node *n, const pn_value *av, pn_value *out)
{
    switch ((enum fn)n->op) {
    case F_NOT:
        expr_set_bool(out, !pn_value_truthy(&av[0]));
        break;
    case F_TRUE:
    case F_FALSE:
        expr_set_bool(out, n->op == F_TRUE);
        break;
    case F_BOOLEAN:
        expr_set_bool(out, pn_value_truthy(&av[0]));
        break;
    case F_NUMBER:
        expr_set_num(out, pn_value_number(&av[0]));
        break;
    case F_INT:
        expr_set_num(out, trunc(pn_value_number(&av[0])));
        break;
    case F_ROUND:
        expr_set_num(out, round_half_away(pn_value_number(&av[0]),
                                          n->nkids == 2 ? pn_value_number(&av[1]) : 0));
        break;
    case F_TODAY:
        if (ev->env->today == NULL)
            return eval_error(ev, n, "today() is not available here (no date given)");
        expr_set_lent(out, ev->env->today);
        break;
    default: /* each other function has its own call_ */
        break;
    }
    return PN_OK;
}

/* A call of function n->op: its arguments, then the function by its kind. */
static pn_status eval_call(evaluator *ev, const node *n, pn_value *out)
{
    pn_value av[3] = {{.type = PN_V_NUMBER}, {.type = PN_V_NUMBER}, {.type = PN_V_NUMBER}};
    pn_status st;

    switch ((enum fn)n->op) {
    case F_IF:
    case F_COALESCE:
    case F_CONCAT:
        return eval_lazy_call(ev, n, out);
    default:
        break;
    }
    if ((st = eval_args(ev, n, av)) == PN_OK) {
        switch ((enum fn)n->op) {
        case F_SELECTED:
        case F_COUNT_SELECTED:
        case F_SELECTED_AT:
            st = call_select(ev, n, av, out);
            break;
        case F_REGEX:
            st = call_regex(ev, n, av, out);
            break;
        case F_STRING_LENGTH:
        case F_CONTAINS:
        case F_STARTS_WITH:
        case F_ENDS_WITH:
        case F_SUBSTR:
        case F_STRING:
            st = call_string(ev, n, av, out);
            break;
        default:
            st = call_scalar(ev, n, av, out);
            break;
        }
    }
    for (size_t i = 0; i < 3; i++)
        pn_value_release(&av[i]);
    return st;
}

static pn_status eval_node(evaluator *ev, const node *n, pn_value *out)
{
    pn_status st = PN_OK;
    pn_value a = {.type = PN_V_NUMBER}, b = {.type = PN_V_NUMBER};
    const char *s;

    *out = (pn_value){.type = PN_V_NUMBER};
    switch (n->kind) {
    case N_NUM:
        expr_set_num(out, n->num);
        break;
    case N_STR:
        expr_set_lent(out, n->str);
        break;
    case N_REF:
        s = ev->env->lookup ? ev->env->lookup(ev->env->ctx, n->str) : NULL;
        if (s == NULL)
            st = eval_error(ev, n, "unknown variable ${%s}", n->str);
        else if (ev->env->stable)
            expr_set_lent(out, s);
        else if (expr_set_str(out, s, strlen(s)) != PN_OK)
            st = nomem(ev);
        break;
    case N_DOT:
        if (ev->env->dot == NULL)
            st = eval_error(ev, n, "'.' is only allowed in a constraint");
        else
            expr_set_lent(out, ev->env->dot);
        break;
    case N_NEG:
        if ((st = eval_node(ev, n->kids[0], &a)) == PN_OK)
            expr_set_num(out, -pn_value_number(&a));
        break;
    case N_CALL:
        st = eval_call(ev, n, out);
        break;
    case N_BIN:
        if ((st = eval_node(ev, n->kids[0], &a)) != PN_OK)
            break;
        if (n->op == T_OR || n->op == T_AND) { /* short-circuit */
            int left = pn_value_truthy(&a);
            if (left == (n->op == T_OR)) {
                expr_set_bool(out, left);
                break;
            }
            if ((st = eval_node(ev, n->kids[1], &b)) == PN_OK)
                expr_set_bool(out, pn_value_truthy(&b));
            break;
        }
        if ((st = eval_node(ev, n->kids[1], &b)) != PN_OK)
            break;
        enum tok op = (enum tok)n->op;
        if (op == T_PLUS || op == T_MINUS || op == T_STAR || op == T_DIV || op == T_MOD) {
            double x = pn_value_number(&a), y = pn_value_number(&b);
            expr_set_num(out, op == T_PLUS    ? x + y
                              : op == T_MINUS ? x - y
                              : op == T_STAR  ? x * y
                              : op == T_DIV   ? x / y
                                              : fmod(x, y));
        } else {
            expr_set_bool(out, compare(op, &a, &b)); /* converts only what it compares as numbers */
        }
        break;
    }
    pn_value_release(&a);
    pn_value_release(&b);
    return st;
}

/* Evaluate @e into *@out, which may be lent. */
static pn_status eval_root(const pn_expr *e, const pn_expr_env *env, pn_value *out, pn_error *err)
{
    static const pn_expr_env no_env = {0};
    evaluator ev = {.e = e, .env = env ? env : &no_env, .err = err};
    return eval_node(&ev, e->root, out);
}

pn_status pn_expr_eval(const pn_expr *e, const pn_expr_env *env, pn_value *out, pn_error *err)
{
    pn_status st = eval_root(e, env, out, err);
    if (st == PN_OK && out->type == PN_V_STRING && out->lent) {
        char *s = pn_strdup(out->str);
        if (s == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        *out = (pn_value){.type = PN_V_STRING, .str = s};
    }
    return st;
}

pn_status pn_expr_eval_bool(const pn_expr *e, const pn_expr_env *env, int *out, pn_error *err)
{
    pn_value v;
    pn_status st = eval_root(e, env, &v, err);
    if (st == PN_OK) {
        *out = pn_value_truthy(&v);
        pn_value_release(&v);
    }
    return st;
}

pn_status pn_expr_eval_string(const pn_expr *e, const pn_expr_env *env, char **out, pn_error *err)
{
    pn_value v;
    pn_status st = eval_root(e, env, &v, err);
    if (st != PN_OK)
        return st;
    *out = pn_value_to_string(&v);
    pn_value_release(&v);
    if (*out == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}
