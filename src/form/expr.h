/*
 * expr.h - the XLSForm expression language: one parser, one evaluator.
 *
 * Used for `relevant` (skip logic), `constraint` (checks on import), `calculation`
 * (derived variables, among them the link typology) and the `--where` filters of
 * `panorama tab` and report specs.
 *
 * The language is the subset of ODK XPath that XLSForms use:
 *   literals      'text' "text" 12 3.5
 *   references    ${name}   . (the current answer, in a constraint)
 *   operators     or and = != < <= > >= + - * div mod, unary -, parentheses
 *   functions     selected(s, 'x') count-selected(s) if(c, a, b) not(x) true() false()
 *                 string-length(s) concat(a, ...) contains(s, t) starts-with(s, t)
 *                 ends-with(s, t) substr(s, start[, end]) coalesce(a, b) regex(s, re)
 *                 number(x) int(x) round(x[, n]) string(x) boolean(x)
 *                 selected-at(s, n) today() (from the context, so results are reproducible)
 * Precedence, lowest first: or; and; = !=; < <= > >=; + -; * div mod; unary -.
 * Comparison follows XPath 1.0: if either side is a number the other is converted to a
 * number (an empty string is NaN, so '' = 0 is false and '' != 0 is true); if either side is
 * a boolean, both are compared as booleans; otherwise as strings. An empty answer is ''.
 *
 * Values are locale-independent: numbers are parsed and printed with '.' whatever LC_NUMERIC.
 *
 * May call: util (src/form's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_FORM_EXPR_H
#define PN_FORM_EXPR_H

#include <stddef.h>

#include "util/error.h"

typedef struct pn_expr pn_expr;

typedef enum pn_vtype { PN_V_STRING, PN_V_NUMBER, PN_V_BOOL } pn_vtype;

/* A value. A string value owns .str (free with pn_value_release). */
typedef struct pn_value {
    pn_vtype type;
    double num; /* PN_V_NUMBER */
    int b;      /* PN_V_BOOL */
    char *str;  /* PN_V_STRING, owned, never NULL for a string */
    int lent;   /* only inside the evaluator: .str is lent, not owned (pn_value_release leaves
                 * it). The values this API hands out are never lent. */
} pn_value;

void pn_value_release(pn_value *v);

/* XPath conversions. pn_value_to_string returns a string the caller frees (NULL only when
 * out of memory); numbers print as integers when integral ("3"), else with up to 15
 * significant digits ("0.25"), NaN as "NaN"; booleans as "true"/"false". */
int pn_value_truthy(const pn_value *v);
double pn_value_number(const pn_value *v);
char *pn_value_to_string(const pn_value *v);

/*
 * Resolves ${name}. Returns the current answer as a string lent to the evaluator until
 * the next call ("" for no answer), or NULL when there is no such variable (an error).
 */
typedef const char *(*pn_expr_lookup_fn)(void *ctx, const char *name);

typedef struct pn_expr_env {
    pn_expr_lookup_fn lookup; /* may be NULL when the expression has no reference */
    void *ctx;
    const char *dot;   /* the value of '.', or NULL when '.' is not allowed here */
    const char *today; /* "YYYY-MM-DD" for today(); NULL makes today() an error */
    /* nonzero when the strings lookup returns stay valid until the evaluation ends, not only
     * until the next call: the evaluator then reads them in place instead of copying each */
    int stable;
} pn_expr_env;

/*
 * pn_expr_parse - parse @text.
 * Returns the expression (free with pn_expr_destroy), or NULL with @err filled: a message
 * that quotes the expression and gives the 1-based character position, e.g.
 *   "expression '${a} = ': at character 8: expected a value, found the end".
 * PN_EINPUT for a syntax error (unknown function, wrong argument count included),
 * PN_ENOMEM when out of memory.
 */
pn_expr *pn_expr_parse(const char *text, pn_error *err);

/* pn_expr_destroy(NULL) is a no-op. */
void pn_expr_destroy(pn_expr *e);

/*
 * pn_expr_eval - evaluate @e in @env into *@out (release it with pn_value_release).
 * Returns PN_OK, or PN_EINPUT with @err filled (unknown variable, '.' outside a
 * constraint, today() without a date), or PN_ENOMEM.
 */
PN_MUST_USE pn_status pn_expr_eval(const pn_expr *e, const pn_expr_env *env, pn_value *out,
                                   pn_error *err);

/* Evaluate and convert to a boolean (XPath boolean()). */
PN_MUST_USE pn_status pn_expr_eval_bool(const pn_expr *e, const pn_expr_env *env, int *out,
                                        pn_error *err);

/* Evaluate and convert to a string the caller frees. */
PN_MUST_USE pn_status pn_expr_eval_string(const pn_expr *e, const pn_expr_env *env, char **out,
                                          pn_error *err);

/*
 * The names referenced as ${name} in @e, in order of first appearance, without
 * duplicates. *@names is an array lent by @e (valid while @e lives).
 */
void pn_expr_refs(const pn_expr *e, const char *const **names, size_t *n);

/*
 * pn_expr_choice_tests - visit the places where @e tests a reference against a text literal
 * as a choice name: ${q} = 'x', 'x' = ${q}, ${q} != 'x', 'x' != ${q} and selected(${q}, 'x')
 * (the literal is quoted; a number such as ${q} = 3 is not visited, nor are other uses of a
 * literal: <, contains(), a computed value). Calls @fn once per place, in the order of the
 * text, with the name q, the literal x (both lent for the call) and the 1-based character
 * position of the literal in pn_expr_text(@e). Stops at the first status @fn returns that
 * is not PN_OK and returns it; PN_OK when every call returned PN_OK. Allocates nothing.
 * A caller that knows the questions uses it to catch a label given for a choice name
 * ("${commune} = 'Argenteuil'" where the name is '95018'), which would match nothing.
 */
typedef pn_status (*pn_expr_choice_fn)(void *ctx, const char *name, const char *literal, size_t pos,
                                       pn_error *err);
PN_MUST_USE pn_status pn_expr_choice_tests(const pn_expr *e, pn_expr_choice_fn fn, void *ctx,
                                           pn_error *err);

/* Whether @e uses '.'. */
int pn_expr_uses_dot(const pn_expr *e);

/*
 * pn_select_next - step through the choice names of a select_multiple answer, as
 * selected() and count-selected() see them: separated by spaces, tabs or line breaks.
 * Returns the next name (not NUL-terminated; *@len bytes) and moves *@s past it, or NULL at
 * the end. Lends pointers into the answer.
 */
const char *pn_select_next(const char **s, size_t *len);

/*
 * pn_expr_result_literals - the string literals @e can give as its value: @e itself when it
 * is a literal, else those of the result branches of if() and of both arguments of
 * coalesce(), recursively (not the conditions, nor the arguments of other functions).
 * Calls @fn for each, in order, with the literal's text (lent) and its 1-based character
 * position; stops at the first nonzero return of @fn and returns it, else 0.
 */
typedef int (*pn_expr_literal_fn)(void *ctx, const char *text, size_t pos);
int pn_expr_result_literals(const pn_expr *e, pn_expr_literal_fn fn, void *ctx);

/*
 * pn_expr_describe - @e in French words appended to @out (util/strbuf.h): a choice test as
 * "réponse « Régulier » à « Rythme »" (or "réponse autre que", "« X » coché à", "non coché"),
 * count-selected(${q}) > 0 as "au moins une case cochée à « Q »", and and or as "et", "ou";
 * anything else with the operators' signs, each ${name} by its words. @w gives the words:
 * question(ctx, name) a question's label, choice(ctx, name, choice) a choice's label of that
 * question, either NULL (or returning NULL or "") for the name itself. PN_OK, PN_ENOMEM.
 */
struct pn_strbuf;
typedef struct pn_expr_words {
    const char *(*question)(void *ctx, const char *name);
    const char *(*choice)(void *ctx, const char *name, const char *choice);
    void *ctx;
} pn_expr_words;
PN_MUST_USE pn_status pn_expr_describe(const pn_expr *e, const pn_expr_words *w,
                                       struct pn_strbuf *out);

/*
 * pn_expr_branches - for @e a chain of if() whose results are literals, if(c1, 'v1', if(c2,
 * 'v2', ... 'vn')), as a typology is written: calls @fn for each branch in order with its
 * condition in words (pn_expr_describe; lent) and its literal, then once with NULL and the
 * last literal (every other case). PN_EUSAGE, without a call, when @e is no such chain;
 * else the first status @fn returns that is not PN_OK, or PN_ENOMEM; PN_OK.
 */
typedef pn_status (*pn_expr_branch_fn)(void *ctx, const char *condition, const char *value,
                                       pn_error *err);
PN_MUST_USE pn_status pn_expr_branches(const pn_expr *e, const pn_expr_words *w,
                                       pn_expr_branch_fn fn, void *ctx, pn_error *err);

/* The source text @e was parsed from (lent). */
const char *pn_expr_text(const pn_expr *e);

#endif
