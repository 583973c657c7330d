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
#include "form/expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* Limits that keep the parser (nesting of parentheses, calls and unary minus), the evaluator
 * and pn_expr_destroy (height of the tree) from running out of stack. Real forms nest a
 * dozen levels and sum a few dozen terms at most. */
#define MAX_NESTING 100
#define MAX_DEPTH 1000

/* ---- tokens ---- */

/* T_OR to T_MOD are the keyword operators, recognised from a T_NAME in operator position. */
// clang-format off
enum tok {
    T_END, T_NUM, T_STR, T_REF, T_DOT, T_NAME, T_LPAREN, T_RPAREN, T_COMMA, T_EQ, T_NE, T_LT, T_LE,
    T_GT, T_GE, T_PLUS, T_MINUS, T_STAR, T_OR, T_AND, T_DIV, T_MOD
};
// clang-format on

/* ---- functions ---- */

// clang-format off
enum fn {
    F_SELECTED, F_COUNT_SELECTED, F_IF, F_NOT, F_TRUE, F_FALSE, F_STRING_LENGTH, F_CONCAT,
    F_CONTAINS, F_STARTS_WITH, F_ENDS_WITH, F_SUBSTR, F_COALESCE, F_REGEX, F_NUMBER, F_INT,
    F_ROUND, F_STRING, F_BOOLEAN, F_SELECTED_AT, F_TODAY
};
// clang-format on

static const struct {
    const char *name;
    enum fn fn;
    int min, max; /* max -1: any number */
} functions[] = {
    {"selected", F_SELECTED, 2, 2},
    {"count-selected", F_COUNT_SELECTED, 1, 1},
    {"if", F_IF, 3, 3},
    {"not", F_NOT, 1, 1},
    {"true", F_TRUE, 0, 0},
    {"false", F_FALSE, 0, 0},
    {"string-length", F_STRING_LENGTH, 1, 1},
    {"concat", F_CONCAT, 1, -1},
    {"contains", F_CONTAINS, 2, 2},
    {"starts-with", F_STARTS_WITH, 2, 2},
    {"ends-with", F_ENDS_WITH, 2, 2},
    {"substr", F_SUBSTR, 2, 3},
    {"coalesce", F_COALESCE, 2, 2},
    {"regex", F_REGEX, 2, 2},
    {"number", F_NUMBER, 1, 1},
    {"int", F_INT, 1, 1},
    {"round", F_ROUND, 1, 2},
    {"string", F_STRING, 1, 1},
    {"boolean", F_BOOLEAN, 1, 1},
    {"selected-at", F_SELECTED_AT, 2, 2},
    {"today", F_TODAY, 0, 0},
};

/* ---- the tree ---- */

enum kind { N_NUM, N_STR, N_REF, N_DOT, N_NEG, N_BIN, N_CALL };

typedef struct node {
    enum kind kind;
    int op;     /* N_BIN: an enum tok; N_CALL: an enum fn */
    size_t pos; /* byte offset in the source, for messages */
    int depth;  /* height of this subtree */
    double num; /* N_NUM */
    char *str;  /* N_STR: the text; N_REF: the name */
    struct node **kids;
    size_t nkids;
    regex_t *re; /* N_CALL regex() with a literal pattern: compiled once */
} node;

struct pn_expr {
    char *text;
    node *root;
    char **refs;
    size_t nrefs;
    int uses_dot;
};

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

static int is_space(char c)
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

static size_t utf8_len(const char *s)
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
    while (is_space(*s))
        s++;
    int neg = *s == '-';
    s += neg;
    double d;
    size_t used = scan_number(s, &d);
    if (used == 0)
        return NAN;
    s += used;
    while (is_space(*s))
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

static void set_num(pn_value *v, double d)
{
    *v = (pn_value){.type = PN_V_NUMBER, .num = d};
}

static void set_bool(pn_value *v, int b)
{
    *v = (pn_value){.type = PN_V_BOOL, .b = b != 0};
}

/* Make *@v a string holding a copy of @s. */
static pn_status set_str(pn_value *v, const char *s, size_t len)
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
static void set_lent(pn_value *v, const char *s)
{
    *v = (pn_value){.type = PN_V_STRING, .str = (char *)s, .lent = 1};
}

/* Convert *@v to a string value in place. */
static pn_status make_string(pn_value *v)
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
static pn_status set_error(pn_error *err, const char *text, size_t off, const char *what)
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
    return set_error(p->err, p->text, off, what);
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
    while (is_space(t[i]))
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
    return set_error(ev->err, ev->e->text, n->pos, what);
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
    if (st == PN_OK && make_string(out) != PN_OK) {
        pn_value_release(out);
        st = nomem(ev);
    }
    return st;
}

const char *pn_select_next(const char **s, size_t *len)
{
    const char *p = *s, *start;
    while (is_space(*p))
        p++;
    if (*p == '\0')
        return NULL;
    for (start = p; *p && !is_space(*p); p++)
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

static pn_status eval_call(evaluator *ev, const node *n, pn_value *out)
{
    pn_status st = PN_OK;
    pn_value av[3] = {{.type = PN_V_NUMBER}, {.type = PN_V_NUMBER}, {.type = PN_V_NUMBER}};
    pn_strbuf sb = PN_STRBUF_INIT;
    regex_t re, *rp = NULL;
    int compiled = 0;
    size_t len;
    const char *s;
    char *joined;

    switch ((enum fn)n->op) {
    case F_IF: /* only the chosen branch is evaluated */
        if ((st = eval_node(ev, n->kids[0], &av[0])) == PN_OK)
            st = eval_node(ev, n->kids[pn_value_truthy(&av[0]) ? 1 : 2], out);
        goto out;
    case F_COALESCE:
        if ((st = eval_string(ev, n->kids[0], out)) != PN_OK || out->str[0] != '\0')
            goto out;
        pn_value_release(out);
        st = eval_node(ev, n->kids[1], out);
        goto out;
    case F_CONCAT:
        for (size_t i = 0; i < n->nkids; i++) {
            if ((st = eval_string(ev, n->kids[i], &av[0])) != PN_OK)
                goto out;
            st = pn_strbuf_puts(&sb, av[0].str);
            pn_value_release(&av[0]);
            if (st != PN_OK)
                goto nomem;
        }
        joined = pn_strbuf_detach(&sb);
        if (joined == NULL)
            goto nomem;
        *out = (pn_value){.type = PN_V_STRING, .str = joined};
        goto out;
    default:
        break;
    }

    for (size_t i = 0; i < n->nkids; i++)
        if ((st = eval_node(ev, n->kids[i], &av[i])) != PN_OK)
            goto out;
    /* the string arguments */
    switch ((enum fn)n->op) {
    case F_SELECTED:
    case F_CONTAINS:
    case F_STARTS_WITH:
    case F_ENDS_WITH:
    case F_REGEX:
    case F_SELECTED_AT:
        if (make_string(&av[1]) != PN_OK)
            goto nomem;
        /* fall through */
    case F_COUNT_SELECTED:
    case F_STRING_LENGTH:
    case F_SUBSTR:
    case F_STRING:
        if (make_string(&av[0]) != PN_OK)
            goto nomem;
        break;
    default:
        break;
    }

    switch ((enum fn)n->op) {
    case F_SELECTED: {
        const char *tok, *list = av[0].str;
        size_t want = strlen(av[1].str);
        int found = 0;
        while (!found && (tok = pn_select_next(&list, &len)) != NULL)
            found = len == want && memcmp(tok, av[1].str, len) == 0;
        set_bool(out, found);
        break;
    }
    case F_COUNT_SELECTED: {
        const char *list = av[0].str;
        size_t k = 0;
        while (pn_select_next(&list, &len) != NULL)
            k++;
        set_num(out, (double)k);
        break;
    }
    case F_SELECTED_AT: {
        const char *list = av[0].str;
        double k = trunc(pn_value_number(&av[1]));
        s = NULL;
        if (k >= 0)
            while ((s = pn_select_next(&list, &len)) != NULL && k-- >= 1)
                ;
        if (set_str(out, s ? s : "", s ? len : 0) != PN_OK)
            goto nomem;
        break;
    }
    case F_NOT:
        set_bool(out, !pn_value_truthy(&av[0]));
        break;
    case F_TRUE:
    case F_FALSE:
        set_bool(out, n->op == F_TRUE);
        break;
    case F_BOOLEAN:
        set_bool(out, pn_value_truthy(&av[0]));
        break;
    case F_STRING_LENGTH:
        set_num(out, (double)utf8_len(av[0].str));
        break;
    case F_CONTAINS:
        set_bool(out, strstr(av[0].str, av[1].str) != NULL);
        break;
    case F_STARTS_WITH:
        set_bool(out, strncmp(av[0].str, av[1].str, strlen(av[1].str)) == 0);
        break;
    case F_ENDS_WITH: {
        size_t l0 = strlen(av[0].str), l1 = strlen(av[1].str);
        set_bool(out, l1 <= l0 && strcmp(av[0].str + l0 - l1, av[1].str) == 0);
        break;
    }
    case F_SUBSTR: {
        size_t from = char_offset(av[0].str, trunc(pn_value_number(&av[1])));
        size_t to = n->nkids == 3 ? char_offset(av[0].str, trunc(pn_value_number(&av[2])))
                                  : strlen(av[0].str);
        if (set_str(out, av[0].str + from, to > from ? to - from : 0) != PN_OK)
            goto nomem;
        break;
    }
    case F_REGEX: {
        rp = n->re;
        if (rp == NULL) {
            int rc = regcomp(&re, av[1].str, REG_EXTENDED | REG_NOSUB);
            if (rc == REG_ESPACE)
                goto nomem;
            if (rc != 0) {
                st = eval_error(ev, n->kids[1], "invalid regular expression '%s'", av[1].str);
                goto out;
            }
            compiled = 1;
            rp = &re;
        }
        int rc = regexec(rp, av[0].str, 0, NULL, 0);
        if (rc == REG_ESPACE)
            goto nomem;
        set_bool(out, rc == 0);
        break;
    }
    case F_NUMBER:
        set_num(out, pn_value_number(&av[0]));
        break;
    case F_INT:
        set_num(out, trunc(pn_value_number(&av[0])));
        break;
    case F_ROUND:
        set_num(out, round_half_away(pn_value_number(&av[0]),
                                     n->nkids == 2 ? pn_value_number(&av[1]) : 0));
        break;
    case F_STRING:
        *out = av[0];
        av[0] = (pn_value){.type = PN_V_NUMBER};
        break;
    case F_TODAY:
        if (ev->env->today == NULL) {
            st = eval_error(ev, n, "today() is not available here (no date given)");
            goto out;
        }
        set_lent(out, ev->env->today);
        break;
    default: /* handled above */
        break;
    }
    goto out;
nomem:
    st = nomem(ev);
out:
    if (compiled)
        regfree(&re);
    for (size_t i = 0; i < 3; i++)
        pn_value_release(&av[i]);
    pn_strbuf_release(&sb);
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
        set_num(out, n->num);
        break;
    case N_STR:
        set_lent(out, n->str);
        break;
    case N_REF:
        s = ev->env->lookup ? ev->env->lookup(ev->env->ctx, n->str) : NULL;
        if (s == NULL)
            st = eval_error(ev, n, "unknown variable ${%s}", n->str);
        else if (ev->env->stable)
            set_lent(out, s);
        else if (set_str(out, s, strlen(s)) != PN_OK)
            st = nomem(ev);
        break;
    case N_DOT:
        if (ev->env->dot == NULL)
            st = eval_error(ev, n, "'.' is only allowed in a constraint");
        else
            set_lent(out, ev->env->dot);
        break;
    case N_NEG:
        if ((st = eval_node(ev, n->kids[0], &a)) == PN_OK)
            set_num(out, -pn_value_number(&a));
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
                set_bool(out, left);
                break;
            }
            if ((st = eval_node(ev, n->kids[1], &b)) == PN_OK)
                set_bool(out, pn_value_truthy(&b));
            break;
        }
        if ((st = eval_node(ev, n->kids[1], &b)) != PN_OK)
            break;
        enum tok op = (enum tok)n->op;
        if (op == T_PLUS || op == T_MINUS || op == T_STAR || op == T_DIV || op == T_MOD) {
            double x = pn_value_number(&a), y = pn_value_number(&b);
            set_num(out, op == T_PLUS    ? x + y
                         : op == T_MINUS ? x - y
                         : op == T_STAR  ? x * y
                         : op == T_DIV   ? x / y
                                         : fmod(x, y));
        } else {
            set_bool(out, compare(op, &a, &b)); /* converts only what it compares as numbers */
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
