/*
 * expr.c - the XLSForm expression language: a recursive-descent parser into a small AST
 * and a tree-walking evaluator. See expr.h for the language.
 *
 * Choices expr.h leaves open:
 * - Positions in messages count characters (UTF-8 code points), not bytes.
 * - < <= > >= on two strings compare them as numbers when both are numbers, else as text
 *   (byte order), so that ISO dates and today() compare; XPath 1.0 would give false.
 * - and, or, if() and coalesce() evaluate only what they need: an unknown variable in a
 *   branch not taken is not reported (pn_expr_refs lets callers check names up front).
 * - selected-at() and substr() count from 0; substr's end is exclusive and both are
 *   clamped; string-length() and substr() count characters. A list's tokens are separated
 *   by spaces, tabs or newlines. round() rounds half away from zero; places may be
 *   negative. int() truncates. concat() takes one argument or more.
 * - A literal regex() pattern is compiled at parse time (a bad one is a parse error); a
 *   computed one at each evaluation. Patterns are POSIX extended and match anywhere.
 * - Numbers: literals and number() take digits with an optional '.', no exponent; number()
 *   also allows surrounding white space and a leading '-'. Printing never uses an exponent.
 * - A NULL env acts as an empty one; a NULL env->lookup makes every ${name} unknown.
 * - Nesting beyond MAX_NESTING and trees deeper than MAX_DEPTH are parse errors.
 */
#include "form/expr_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static void node_free(node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->str);
    if (n->re) {
        regfree(n->re);
        free(n->re);
    }
    free(n);
}
/* ---- numbers, without the locale ---- */

int expr_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The 1-based character (not byte) position of byte @off in @text: UTF-8 aware. */
static size_t char_pos(const char *text, size_t off)
{
    size_t n = 1;
    for (size_t i = 0; i < off && text[i]; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            n++;
    return n;
}

size_t expr_utf8_len(const char *s)
{
    return char_pos(s, strlen(s)) - 1;
}

/*
 * Parse digits [. digits] or . digits at @s; returns the number of bytes used (0 if none).
 * The digits are handed to strtod as "<digits>e<exponent>", which has no decimal point, so
 * the conversion is exact and independent of LC_NUMERIC.
 */
static size_t scan_number(const char *s, double *out)
{
    char buf[512];
    size_t n = 0, i = 0, ndig = 0;
    long exp = 0;
    int seen_dot = 0;
    for (;; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            ndig++;
            if (n == 0 && s[i] == '0') { /* a leading zero adds nothing */
                if (seen_dot)
                    exp--;
                continue;
            }
            if (n < sizeof buf - 32) {
                buf[n++] = s[i];
                if (seen_dot)
                    exp--;
            } else if (!seen_dot) {
                exp++; /* digits past the buffer's end only scale the value */
            }
        } else if (s[i] == '.' && !seen_dot) {
            seen_dot = 1;
        } else {
            break;
        }
    }
    if (ndig == 0)
        return 0;
    if (n == 0) {
        *out = 0;
        return i;
    }
    /* Clinger's fast path: up to 15 digits make an integer that a double holds exactly, and
     * so does 10^k up to k = 22, so one multiplication or division, correctly rounded, gives
     * what strtod gives, without formatting and parsing again (the import converts answers
     * to numbers for every constraint like ". >= 1970") */
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (n <= 15 && exp >= -22 && exp <= 22) {
        uint64_t m = 0;
        for (size_t k = 0; k < n; k++)
            m = m * 10 + (uint64_t)(buf[k] - '0');
        *out = exp < 0 ? (double)m / pow10[-exp] : (double)m * pow10[exp];
        return i;
    }
    snprintf(buf + n, sizeof buf - n, "e%ld", exp);
    *out = strtod(buf, NULL);
    return i;
}

double pn_value_number(const pn_value *v)
{
    if (v->type == PN_V_NUMBER)
        return v->num;
    if (v->type == PN_V_BOOL)
        return v->b ? 1 : 0;
    const char *s = v->str;
    while (expr_is_space(*s))
        s++;
    int neg = *s == '-';
    s += neg;
    double d;
    size_t used = scan_number(s, &d);
    if (used == 0)
        return NAN;
    s += used;
    while (expr_is_space(*s))
        s++;
    if (*s)
        return NAN;
    return neg ? -d : d;
}

/* Write @d into @buf (at least 400 bytes) the XPath way, never with an exponent. */
static void format_number(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == 0) { /* also -0 */
        snprintf(buf, size, "0");
        return;
    }
    int decimals = 0;
    if (d != trunc(d)) {
        /* 15 significant digits, as %.15g would give, but in fixed notation */
        decimals = 15 - ((int)floor(log10(fabs(d))) + 1);
        if (decimals < 0)
            decimals = 0;
        if (decimals > 340)
            decimals = 340;
    }
    char tmp[720];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, d);
    /* copy, turning whatever the locale uses as a decimal point into '.' */
    size_t o = 0;
    int in_point = 0, has_point = 0;
    for (const char *p = tmp; *p && o + 2 < size; p++) {
        if ((*p >= '0' && *p <= '9') || *p == '-') {
            buf[o++] = *p;
            in_point = 0;
        } else if (!in_point) {
            buf[o++] = '.';
            in_point = has_point = 1;
        }
    }
    if (has_point) {
        while (o > 0 && buf[o - 1] == '0')
            o--;
        if (o > 0 && buf[o - 1] == '.')
            o--;
    }
    buf[o] = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, size, "0");
}

/* ---- values ---- */

void pn_value_release(pn_value *v)
{
    if (v == NULL)
        return;
    if (v->type == PN_V_STRING && !v->lent)
        free(v->str);
    v->str = NULL;
}

int pn_value_truthy(const pn_value *v)
{
    switch (v->type) {
    case PN_V_BOOL:
        return v->b != 0;
    case PN_V_NUMBER:
        return v->num != 0 && !isnan(v->num);
    case PN_V_STRING:
        return v->str[0] != '\0';
    }
    return 0;
}

char *pn_value_to_string(const pn_value *v)
{
    char buf[400];
    switch (v->type) {
    case PN_V_STRING:
        return pn_strdup(v->str);
    case PN_V_BOOL:
        return pn_strdup(v->b ? "true" : "false");
    case PN_V_NUMBER:
        format_number(v->num, buf, sizeof buf);
        return pn_strdup(buf);
    }
    return NULL;
}

void expr_set_num(pn_value *v, double d)
{
    *v = (pn_value){.type = PN_V_NUMBER, .num = d};
}

void expr_set_bool(pn_value *v, int b)
{
    *v = (pn_value){.type = PN_V_BOOL, .b = b != 0};
}

/* Make *@v a string holding a copy of @s. */
pn_status expr_set_str(pn_value *v, const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p == NULL)
        return PN_ENOMEM;
    memcpy(p, s, len);
    p[len] = '\0';
    *v = (pn_value){.type = PN_V_STRING, .str = p};
    return PN_OK;
}

/* Make *@v a string lent by @s, which outlives the evaluation: literals of the tree, '.',
 * today(), and the answers of a stable lookup. Copying each would cost a malloc per
 * reference, and an import evaluates a few dozen per row. */
void expr_set_lent(pn_value *v, const char *s)
{
    *v = (pn_value){.type = PN_V_STRING, .str = (char *)s, .lent = 1};
}

/* Convert *@v to a string value in place. */
pn_status expr_make_string(pn_value *v)
{
    if (v->type == PN_V_STRING)
        return PN_OK;
    char *s = pn_value_to_string(v);
    if (s == NULL)
        return PN_ENOMEM;
    *v = (pn_value){.type = PN_V_STRING, .str = s};
    return PN_OK;
}

/* Fill @err with "expression '<text>': at character N: <what>". A long expression is cut
 * (at a character boundary) so that the reason always fits in the message. */
pn_status expr_set_error(pn_error *err, const char *text, size_t off, const char *what)
{
    size_t len = strlen(text), max = 400;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    return pn_error_set(err, PN_EINPUT, "expression '%.*s%s': at character %zu: %s", (int)len, text,
                        text[len] ? "..." : "", char_pos(text, off), what);
}

/* ---- the parser ---- */

typedef struct parser {
    const char *text;
    size_t pos; /* byte offset of the next unread character */
    /* the current token */
    enum tok tok;
    size_t tstart, tlen;
    double tnum;
    pn_expr *e;
    int depth; /* nesting of parentheses, calls and unary minus */
    pn_error *err;
} parser;

static pn_status parse_error(parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pn_status parse_error(parser *p, size_t off, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return expr_set_error(p->err, p->text, off, what);
}

/* "expected X, found 'y'" / "..., found the end", for the current token. */
static pn_status parse_error_found(parser *p, const char *expected)
{
    if (p->tok == T_END)
        return parse_error(p, p->tstart, "expected %s, found the end", expected);
    size_t len = p->tlen;
    if (len > 40) { /* keep messages short, without cutting a UTF-8 character */
        len = 40;
        while (len > 0 && ((unsigned char)p->text[p->tstart + len] & 0xC0) == 0x80)
            len--;
    }
    return parse_error(p, p->tstart, "expected %s, found '%.*s%s'", expected, (int)len,
                       p->text + p->tstart, len < p->tlen ? "..." : "");
}

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Characters of an XLSForm question name inside ${...}: ASCII word characters, '-', '.',
 * and any non-ASCII byte (names may hold accented letters). */
static int is_ref_char(char c)
{
    return is_name_char(c) || c == '-' || c == '.' || (unsigned char)c >= 0x80;
}

static pn_status next(parser *p)
{
    const char *t = p->text;
    size_t i = p->pos;
    while (expr_is_space(t[i]))
        i++;
    p->tstart = i;
    char c = t[i];
    size_t len = 1;
    enum tok tok;
    if (c == '\0') {
        tok = T_END;
        len = 0;
    } else if ((c >= '0' && c <= '9') || (c == '.' && t[i + 1] >= '0' && t[i + 1] <= '9')) {
        tok = T_NUM;
        len = scan_number(t + i, &p->tnum);
    } else if (c == '\'' || c == '"') {
        const char *end = strchr(t + i + 1, c);
        if (end == NULL)
            return parse_error(p, i, "unterminated string");
        tok = T_STR;
        len = (size_t)(end - (t + i)) + 1;
    } else if (c == '$') {
        if (t[i + 1] != '{')
            return parse_error(p, i, "expected '{' after '$'");
        size_t j = i + 2;
        while (is_ref_char(t[j]))
            j++;
        if (t[j] != '}')
            return parse_error(p, i, "unterminated or malformed reference");
        if (j == i + 2)
            return parse_error(p, i, "empty reference ${}");
        tok = T_REF;
        len = j + 1 - i;
    } else if (is_name_start(c)) {
        /* a '-' belongs to the name only between letters: count-selected, but 5 div-1 */
        while (is_name_char(t[i + len]) || (t[i + len] == '-' && is_name_start(t[i + len + 1])))
            len++;
        tok = T_NAME;
    } else {
        /* operators: two-character ones first */
        static const struct {
            const char *text;
            enum tok tok;
        } ops[] = {{"!=", T_NE},    {"<=", T_LE},   {">=", T_GE},   {"<", T_LT},   {">", T_GT},
                   {"=", T_EQ},     {"+", T_PLUS},  {"-", T_MINUS}, {"*", T_STAR}, {"(", T_LPAREN},
                   {")", T_RPAREN}, {",", T_COMMA}, {".", T_DOT}};
        size_t k = 0, nops = sizeof ops / sizeof ops[0];
        while (k < nops && strncmp(t + i, ops[k].text, strlen(ops[k].text)) != 0)
            k++;
        if (k == nops) {
            while (((unsigned char)t[i + len] & 0xC0) == 0x80)
                len++;
            return parse_error(p, i, "unexpected character '%.*s'", (int)len, t + i);
        }
        tok = ops[k].tok;
        len = strlen(ops[k].text);
    }
    p->tok = tok;
    p->tlen = len;
    p->pos = i + len;
    return PN_OK;
}

/* Turn a T_NAME that spells or/and/div/mod into its operator token. */
static enum tok op_tok(const parser *p)
{
    static const struct {
        const char *word;
        enum tok tok;
    } words[] = {{"or", T_OR}, {"and", T_AND}, {"div", T_DIV}, {"mod", T_MOD}};
    if (p->tok != T_NAME)
        return p->tok;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == p->tlen &&
            memcmp(words[i].word, p->text + p->tstart, p->tlen) == 0)
            return words[i].tok;
    return T_NAME;
}

static node *new_node(enum kind kind, size_t pos)
{
    node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->pos = pos;
        n->depth = 1;
    }
    return n;
}

static pn_status add_kid(parser *p, node *n, node *kid)
{
    node **k = realloc(n->kids, (n->nkids + 1) * sizeof *k);
    if (k == NULL) {
        node_free(kid);
        return pn_error_set(p->err, PN_ENOMEM, "out of memory");
    }
    n->kids = k;
    n->kids[n->nkids++] = kid;
    if (kid->depth + 1 > n->depth)
        n->depth = kid->depth + 1;
    if (n->depth > MAX_DEPTH)
        return parse_error(p, n->pos, "expression nested too deeply");
    return PN_OK;
}

static pn_status add_ref(parser *p, const char *name)
{
    pn_expr *e = p->e;
    for (size_t i = 0; i < e->nrefs; i++)
        if (strcmp(e->refs[i], name) == 0)
            return PN_OK;
    char **r = realloc(e->refs, (e->nrefs + 1) * sizeof *r);
    if (r == NULL)
        return pn_error_set(p->err, PN_ENOMEM, "out of memory");
    e->refs = r;
    if ((e->refs[e->nrefs] = pn_strdup(name)) == NULL)
        return pn_error_set(p->err, PN_ENOMEM, "out of memory");
    e->nrefs++;
    return PN_OK;
}

static pn_status parse_binary(parser *p, int level, node **out);

/* After a call's arguments are parsed: check them, compile a literal regex. */
static pn_status finish_call(parser *p, node *n, size_t idx, size_t name_len)
{
    int min = functions[idx].min, max = functions[idx].max;
    if ((int)n->nkids < min || (max >= 0 && (int)n->nkids > max)) {
        char what[100];
        if (min == max)
            snprintf(what, sizeof what, "%d argument%s", min, min == 1 ? "" : "s");
        else if (max < 0)
            snprintf(what, sizeof what, "at least %d argument%s", min, min == 1 ? "" : "s");
        else
            snprintf(what, sizeof what, "%d or %d arguments", min, max);
        return parse_error(p, n->pos, "%.*s() takes %s, found %zu", (int)name_len, p->text + n->pos,
                           what, n->nkids);
    }
    if (n->op == F_REGEX && n->kids[1]->kind == N_STR) {
        n->re = calloc(1, sizeof *n->re);
        if (n->re == NULL)
            return pn_error_set(p->err, PN_ENOMEM, "out of memory");
        int rc = regcomp(n->re, n->kids[1]->str, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            free(n->re);
            n->re = NULL;
            if (rc == REG_ESPACE)
                return pn_error_set(p->err, PN_ENOMEM, "out of memory");
            return parse_error(p, n->kids[1]->pos, "invalid regular expression %.*s",
                               (int)strlen(n->kids[1]->str) + 2, p->text + n->kids[1]->pos);
        }
    }
    return PN_OK;
}

static pn_status parse_primary(parser *p, node **out)
{
    pn_status st = PN_OK;
    node *n = NULL;
    size_t start = p->tstart;
    if (++p->depth > MAX_NESTING) {
        st = parse_error(p, start, "expression nested too deeply");
        goto out;
    }
    switch (op_tok(p)) {
    case T_NUM:
    case T_STR:
    case T_REF:
    case T_DOT:
        if ((n = new_node(N_NUM, start)) == NULL)
            goto nomem;
        if (p->tok == T_NUM) {
            n->num = p->tnum;
        } else if (p->tok == T_DOT) {
            n->kind = N_DOT;
            p->e->uses_dot = 1;
        } else {
            /* 'text' or ${name}: drop the quotes or the ${ } */
            size_t skip = p->tok == T_STR ? 1 : 2;
            n->kind = p->tok == T_STR ? N_STR : N_REF;
            if ((n->str = malloc(p->tlen)) == NULL)
                goto nomem;
            memcpy(n->str, p->text + start + skip, p->tlen - skip - 1);
            n->str[p->tlen - skip - 1] = '\0';
            if (n->kind == N_REF && (st = add_ref(p, n->str)) != PN_OK)
                goto out;
        }
        st = next(p);
        break;
    case T_MINUS:
        if ((n = new_node(N_NEG, start)) == NULL)
            goto nomem;
        node *operand = NULL;
        if ((st = next(p)) != PN_OK || (st = parse_primary(p, &operand)) != PN_OK ||
            (st = add_kid(p, n, operand)) != PN_OK)
            goto out;
        break;
    case T_LPAREN:
        if ((st = next(p)) != PN_OK || (st = parse_binary(p, 0, &n)) != PN_OK)
            goto out;
        if (p->tok != T_RPAREN) {
            st = parse_error_found(p, "')'");
            goto out;
        }
        st = next(p);
        break;
    case T_NAME: {
        size_t len = p->tlen, idx;
        if ((st = next(p)) != PN_OK)
            goto out;
        if (p->tok != T_LPAREN) {
            st = parse_error(p, start, "expected a value, found '%.*s'", (int)len, p->text + start);
            goto out;
        }
        for (idx = 0; idx < sizeof functions / sizeof functions[0]; idx++)
            if (strlen(functions[idx].name) == len &&
                memcmp(functions[idx].name, p->text + start, len) == 0)
                break;
        if (idx == sizeof functions / sizeof functions[0]) {
            st = parse_error(p, start, "unknown function '%.*s'", (int)len, p->text + start);
            goto out;
        }
        if ((n = new_node(N_CALL, start)) == NULL)
            goto nomem;
        n->op = (int)functions[idx].fn;
        if ((st = next(p)) != PN_OK)
            goto out;
        while (p->tok != T_RPAREN) {
            node *arg = NULL;
            if (n->nkids > 0) {
                if (p->tok != T_COMMA) {
                    st = parse_error_found(p, "',' or ')'");
                    goto out;
                }
                if ((st = next(p)) != PN_OK)
                    goto out;
            }
            if ((st = parse_binary(p, 0, &arg)) != PN_OK || (st = add_kid(p, n, arg)) != PN_OK)
                goto out;
        }
        if ((st = finish_call(p, n, idx, len)) != PN_OK)
            goto out;
        st = next(p);
        break;
    }
    default:
        st = parse_error_found(p, "a value");
        break;
    }
    goto out;
nomem:
    st = pn_error_set(p->err, PN_ENOMEM, "out of memory");
out:
    p->depth--;
    if (st != PN_OK) {
        node_free(n);
        n = NULL;
    }
    *out = n;
    return st;
}

/* Binary operators by level, lowest precedence first; all are left-associative. */
static const enum tok levels[][4] = {
    {T_OR},
    {T_AND},
    {T_EQ, T_NE},
    {T_LT, T_LE, T_GT, T_GE},
    {T_PLUS, T_MINUS},
    {T_STAR, T_DIV, T_MOD},
};
#define NLEVELS (int)(sizeof levels / sizeof levels[0])

static int at_level(enum tok t, int level)
{
    for (int i = 0; i < 4; i++)
        if (levels[level][i] == t && t != T_END)
            return 1;
    return 0;
}

static pn_status parse_binary(parser *p, int level, node **out)
{
    if (level == NLEVELS)
        return parse_primary(p, out);
    node *left = NULL, *bin = NULL;
    pn_status st = parse_binary(p, level + 1, &left);
    while (st == PN_OK && at_level(op_tok(p), level)) {
        node *right = NULL;
        if ((bin = new_node(N_BIN, p->tstart)) == NULL) {
            st = pn_error_set(p->err, PN_ENOMEM, "out of memory");
            break;
        }
        bin->op = (int)op_tok(p);
        st = add_kid(p, bin, left);
        left = NULL; /* owned by bin now, even on failure */
        if (st != PN_OK || (st = next(p)) != PN_OK ||
            (st = parse_binary(p, level + 1, &right)) != PN_OK ||
            (st = add_kid(p, bin, right)) != PN_OK)
            break;
        left = bin;
        bin = NULL;
    }
    node_free(bin);
    if (st != PN_OK) {
        node_free(left);
        left = NULL;
    }
    *out = left;
    return st;
}

pn_expr *pn_expr_parse(const char *text, pn_error *err)
{
    parser p = {.text = text, .err = err};
    pn_status st = PN_OK;
    pn_expr *e = calloc(1, sizeof *e);
    if (e == NULL || (e->text = pn_strdup(text)) == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    p.e = e;
    if ((st = next(&p)) != PN_OK || (st = parse_binary(&p, 0, &e->root)) != PN_OK)
        goto out;
    if (p.tok != T_END)
        st = parse_error_found(&p, "an operator or the end");
out:
    if (st != PN_OK) {
        pn_expr_destroy(e);
        e = NULL;
    }
    return e;
}

void pn_expr_destroy(pn_expr *e)
{
    if (e == NULL)
        return;
    node_free(e->root);
    for (size_t i = 0; i < e->nrefs; i++)
        free(e->refs[i]);
    free(e->refs);
    free(e->text);
    free(e);
}

void pn_expr_refs(const pn_expr *e, const char *const **names, size_t *n)
{
    *names = (const char *const *)e->refs;
    *n = e->nrefs;
}

int pn_expr_uses_dot(const pn_expr *e)
{
    return e->uses_dot;
}

const char *pn_expr_text(const pn_expr *e)
{
    return e->text;
}

static int result_literals(const pn_expr *e, const node *n, pn_expr_literal_fn fn, void *ctx)
{
    int rc = 0;
    if (n->kind == N_STR)
        return fn(ctx, n->str, char_pos(e->text, n->pos));
    if (n->kind == N_CALL && n->op == F_IF)
        for (size_t i = 1; i < n->nkids && rc == 0; i++)
            rc = result_literals(e, n->kids[i], fn, ctx);
    else if (n->kind == N_CALL && n->op == F_COALESCE)
        for (size_t i = 0; i < n->nkids && rc == 0; i++)
            rc = result_literals(e, n->kids[i], fn, ctx);
    return rc;
}

int pn_expr_result_literals(const pn_expr *e, pn_expr_literal_fn fn, void *ctx)
{
    return result_literals(e, e->root, fn, ctx);
}

/* The choice tests under @n, in the order of the text (see pn_expr_choice_tests). */
static pn_status choice_tests(const pn_expr *e, const node *n, pn_expr_choice_fn fn, void *ctx,
                              pn_error *err)
{
    const node *ref = NULL, *lit = NULL;
    if (n->nkids == 2 && ((n->kind == N_BIN && (n->op == T_EQ || n->op == T_NE)) ||
                          (n->kind == N_CALL && n->op == F_SELECTED))) {
        const node *a = n->kids[0], *b = n->kids[1];
        if (a->kind == N_REF && b->kind == N_STR) {
            ref = a;
            lit = b;
        } else if (n->kind == N_BIN && a->kind == N_STR && b->kind == N_REF) {
            ref = b;
            lit = a;
        }
    }
    if (ref != NULL)
        return fn(ctx, ref->str, lit->str, char_pos(e->text, lit->pos), err);
    for (size_t i = 0; i < n->nkids; i++) {
        pn_status st = choice_tests(e, n->kids[i], fn, ctx, err);
        if (st != PN_OK)
            return st;
    }
    return PN_OK;
}

pn_status pn_expr_choice_tests(const pn_expr *e, pn_expr_choice_fn fn, void *ctx, pn_error *err)
{
    return e->root ? choice_tests(e, e->root, fn, ctx, err) : PN_OK;
}
