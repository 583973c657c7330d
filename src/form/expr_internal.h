/*
 * expr_internal.h - what the parser (expr.c) and the evaluator (eval.c) of the expression
 * language share: tokens, functions, the tree, and the number helpers. Not a public header.
 */
#ifndef PN_FORM_EXPR_INTERNAL_H
#define PN_FORM_EXPR_INTERNAL_H

#include <regex.h>
#include <stddef.h>

#include "form/expr.h"
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

/* Shared by the parser and the evaluator (expr.c). */
pn_status expr_set_error(pn_error *err, const char *text, size_t off, const char *what);
PN_MUST_USE pn_status expr_make_string(pn_value *v);
int expr_is_space(char c);
void expr_set_bool(pn_value *v, int b);
void expr_set_num(pn_value *v, double d);
PN_MUST_USE pn_status expr_set_str(pn_value *v, const char *s, size_t len);
size_t expr_utf8_len(const char *s);
void expr_set_lent(pn_value *v, const char *s);

#endif
