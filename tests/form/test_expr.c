/*
 * test_expr.c - tests for form/expr: a table of cases read from tests/form/expr_cases.txt
 * (its format is described at the top of that file), one cmocka test per case, plus a few
 * tests of the API around it (conversions, locale, lent lookup strings).
 *
 * The case file is found as $PN_SOURCE_DIR/tests/form/expr_cases.txt, or relative to the
 * current directory when PN_SOURCE_DIR is not set.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "form/expr.h"
#include "util/strbuf.h"

enum expect { EXPECT_NONE, EXPECT_VALUE, EXPECT_PARSE_ERROR, EXPECT_EVAL_ERROR };

#define MAX_BINDINGS 16

typedef struct tcase {
    int line;
    char name[160];
    const char *expr;
    const char *vars[MAX_BINDINGS], *vals[MAX_BINDINGS];
    size_t nvars;
    const char *dot, *today;
    const char *refs; /* space-separated, or NULL when not checked */
    int uses_dot;     /* -1 when not checked */
    enum expect expect;
    pn_vtype type;
    const char *want; /* the value's string form, or a substring of the error */
} tcase;

static const char *lookup(void *ctx, const char *name)
{
    const tcase *c = ctx;
    for (size_t i = 0; i < c->nvars; i++)
        if (strcmp(c->vars[i], name) == 0)
            return c->vals[i];
    return NULL;
}

static const char *type_name(pn_vtype t)
{
    return t == PN_V_STRING ? "string" : t == PN_V_NUMBER ? "number" : "bool";
}

static void run_case(void **state)
{
    const tcase *c = *state;
    pn_error err = {0};
    pn_expr *e = pn_expr_parse(c->expr, &err);
    if (c->expect == EXPECT_PARSE_ERROR) {
        if (e != NULL) {
            pn_expr_destroy(e);
            fail_msg("line %d: '%s' parsed, expected error containing \"%s\"", c->line, c->expr,
                     c->want);
        }
        assert_int_equal(err.status, PN_EINPUT);
        if (strstr(err.msg, c->want) == NULL)
            fail_msg("line %d: error \"%s\" does not contain \"%s\"", c->line, err.msg, c->want);
        return;
    }
    if (e == NULL)
        fail_msg("line %d: unexpected parse error: %s", c->line, err.msg);

    char refs[512] = "";
    const char *const *names;
    size_t n;
    pn_expr_refs(e, &names, &n);
    for (size_t i = 0; i < n; i++) {
        strncat(refs, i ? " " : "", sizeof refs - strlen(refs) - 1);
        strncat(refs, names[i], sizeof refs - strlen(refs) - 1);
    }
    int uses_dot = pn_expr_uses_dot(e);
    int text_same = strcmp(pn_expr_text(e), c->expr) == 0;

    pn_expr_env env = {lookup, (void *)c, c->dot, c->today, 0};
    pn_value v = {0};
    pn_status st = pn_expr_eval(e, &env, &v, &err);
    char *got = st == PN_OK ? pn_value_to_string(&v) : NULL;
    pn_vtype type = v.type;
    if (st == PN_OK)
        pn_value_release(&v);
    /* again with a stable lookup, whose answers the evaluator reads in place: the same */
    pn_expr_env stable = {lookup, (void *)c, c->dot, c->today, 1};
    pn_error err2 = {0};
    pn_value v2 = {0};
    pn_status st2 = pn_expr_eval(e, &stable, &v2, &err2);
    pn_expr_destroy(e);
    char *got2 = st2 == PN_OK ? pn_value_to_string(&v2) : NULL;
    int same =
        st2 == st && v2.type == type && !v2.lent &&
        (st != PN_OK ? strcmp(err2.msg, err.msg) == 0 : got && got2 && strcmp(got, got2) == 0);
    if (st2 == PN_OK)
        pn_value_release(&v2);
    free(got2);

    /* compare into a message, so that nothing is left allocated when a check fails */
    char msg[1500] = "";
    if (!text_same)
        snprintf(msg, sizeof msg, "pn_expr_text differs");
    else if (c->refs && strcmp(refs, c->refs) != 0)
        snprintf(msg, sizeof msg, "refs are \"%s\", expected \"%s\"", refs, c->refs);
    else if (c->uses_dot >= 0 && uses_dot != c->uses_dot)
        snprintf(msg, sizeof msg, "uses-dot is %d, expected %d", uses_dot, c->uses_dot);
    else if (c->expect == EXPECT_EVAL_ERROR && st == PN_OK)
        snprintf(msg, sizeof msg, "evaluated to %s '%s', expected error containing \"%s\"",
                 type_name(type), got, c->want);
    else if (c->expect == EXPECT_EVAL_ERROR && st != PN_OK && strstr(err.msg, c->want) == NULL)
        snprintf(msg, sizeof msg, "error \"%s\" does not contain \"%s\"", err.msg, c->want);
    else if (c->expect == EXPECT_EVAL_ERROR && st != PN_EINPUT)
        snprintf(msg, sizeof msg, "status %d, expected PN_EINPUT", (int)st);
    else if (c->expect == EXPECT_VALUE && st != PN_OK)
        snprintf(msg, sizeof msg, "unexpected error: %s", err.msg);
    else if (c->expect == EXPECT_VALUE && got == NULL)
        snprintf(msg, sizeof msg, "pn_value_to_string returned NULL");
    else if (c->expect == EXPECT_VALUE && (type != c->type || strcmp(got, c->want) != 0))
        snprintf(msg, sizeof msg, "got %s '%s', expected %s '%s'", type_name(type), got,
                 type_name(c->type), c->want);
    else if (!same)
        snprintf(msg, sizeof msg, "evaluates differently with a stable lookup");
    free(got);
    if (msg[0])
        fail_msg("line %d: '%s': %s", c->line, c->expr, msg);
}

/* ---- reading the case file ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    pn_strbuf sb = PN_STRBUF_INIT;
    char buf[4096];
    size_t n;
    if (f == NULL)
        return NULL;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (pn_strbuf_append(&sb, buf, n) != PN_OK)
            break;
    fclose(f);
    return pn_strbuf_detach(&sb);
}

/* If @line starts with @key, return what follows it (and one space), else NULL. */
static const char *after(const char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0)
        return NULL;
    line += n;
    return *line == ' ' ? line + 1 : line;
}

/* Parse the case file held in @text (modified in place). Returns the number of cases, or
 * -1 after printing what is wrong. */
static int parse_cases(char *text, tcase **out)
{
    tcase *cases = NULL;
    int n = 0, lineno = 0;
    tcase *c = NULL;
    for (char *line = text, *next; line != NULL; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        const char *v;
        if (line[0] == '\0') {
            c = NULL;
            continue;
        }
        if (line[0] == '#' && c == NULL)
            continue;
        if (c == NULL) {
            tcase *grown = realloc(cases, (size_t)(n + 1) * sizeof *grown);
            if (grown == NULL)
                goto fail;
            cases = grown;
            c = &cases[n++];
            *c = (tcase){.line = lineno, .expr = line, .uses_dot = -1};
            snprintf(c->name, sizeof c->name, "line %d: %s", lineno, line);
        } else if ((v = after(line, "let ")) != NULL) {
            char *eq = strstr(line, " =");
            if (eq == NULL || c->nvars == MAX_BINDINGS)
                goto bad;
            *eq = '\0';
            c->vars[c->nvars] = v;
            c->vals[c->nvars++] = after(eq + 1, "=");
        } else if ((v = after(line, "dot =")) != NULL) {
            c->dot = v;
        } else if ((v = after(line, "today =")) != NULL) {
            c->today = v;
        } else if ((v = after(line, "refs:")) != NULL) {
            c->refs = v;
        } else if ((v = after(line, "uses-dot:")) != NULL) {
            c->uses_dot = strcmp(v, "yes") == 0;
        } else if (c->expect != EXPECT_NONE) {
            goto bad;
        } else if ((v = after(line, "string:")) != NULL) {
            c->expect = EXPECT_VALUE, c->type = PN_V_STRING, c->want = v;
        } else if ((v = after(line, "number:")) != NULL) {
            c->expect = EXPECT_VALUE, c->type = PN_V_NUMBER, c->want = v;
        } else if ((v = after(line, "bool:")) != NULL) {
            c->expect = EXPECT_VALUE, c->type = PN_V_BOOL, c->want = v;
        } else if ((v = after(line, "parse error:")) != NULL) {
            c->expect = EXPECT_PARSE_ERROR, c->want = v;
        } else if ((v = after(line, "eval error:")) != NULL) {
            c->expect = EXPECT_EVAL_ERROR, c->want = v;
        } else {
            goto bad;
        }
    }
    for (int i = 0; i < n; i++)
        if (cases[i].expect == EXPECT_NONE) {
            lineno = cases[i].line;
            goto bad;
        }
    *out = cases;
    return n;
bad:
    fprintf(stderr, "expr_cases.txt:%d: malformed case\n", lineno);
fail:
    free(cases);
    return -1;
}

/* ---- tests of the API around the cases ---- */

static void test_empty_and_null(void **state)
{
    (void)state;
    pn_error err = {0};
    pn_expr_destroy(NULL);
    pn_value_release(NULL);
    assert_null(pn_expr_parse("", &err));
    assert_int_equal(err.status, PN_EINPUT);
    assert_string_equal(err.msg, "expression '': at character 1: expected a value, found the end");
    assert_null(pn_expr_parse("   ", NULL)); /* a NULL error is allowed */

    /* the example of expr.h, to the letter */
    assert_null(pn_expr_parse("${a} = ", &err));
    assert_string_equal(err.msg,
                        "expression '${a} = ': at character 8: expected a value, found the end");
}

static void test_eval_helpers(void **state)
{
    (void)state;
    pn_error err = {0};
    pn_expr *e = pn_expr_parse("concat('a', 1 + 1)", &err);
    assert_non_null(e);
    char *s = NULL;
    int b = -1;
    assert_int_equal(pn_expr_eval_string(e, NULL, &s, &err), PN_OK);
    assert_string_equal(s, "a2");
    free(s);
    assert_int_equal(pn_expr_eval_bool(e, NULL, &b, &err), PN_OK);
    assert_int_equal(b, 1);
    assert_string_equal(pn_expr_text(e), "concat('a', 1 + 1)");
    pn_expr_destroy(e);

    e = pn_expr_parse("${x} = ''", &err);
    assert_non_null(e);
    pn_expr_env env = {0}; /* no lookup function: every reference is unknown */
    assert_int_equal(pn_expr_eval_bool(e, &env, &b, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "unknown variable ${x}"));
    assert_int_equal(pn_expr_eval_string(e, NULL, &s, &err), PN_EINPUT);
    pn_expr_destroy(e);
}

static void test_conversions(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *s;
    } nums[] = {{3, "3"},
                {-3, "-3"},
                {0.25, "0.25"},
                {-0.0, "0"},
                {1e20, "100000000000000000000"},
                {1e-7, "0.0000001"},
                {0.1 + 0.2, "0.3"},
                {1.0 / 3, "0.333333333333333"},
                {123456.789, "123456.789"}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        pn_value v = {.type = PN_V_NUMBER, .num = nums[i].d};
        char *s = pn_value_to_string(&v);
        assert_non_null(s);
        assert_string_equal(s, nums[i].s);
        free(s);
    }
    pn_value nan = {.type = PN_V_NUMBER, .num = NAN};
    pn_value inf = {.type = PN_V_NUMBER, .num = -INFINITY};
    char *s1 = pn_value_to_string(&nan), *s2 = pn_value_to_string(&inf);
    assert_string_equal(s1, "NaN");
    assert_string_equal(s2, "-Infinity");
    free(s1);
    free(s2);
    assert_false(pn_value_truthy(&nan));

    static const struct {
        const char *s;
        double d; /* NAN for "not a number" */
    } strs[] = {{"12", 12},   {" 3.5 ", 3.5}, {"-0.5", -0.5}, {".5", 0.5}, {"5.", 5},
                {"", NAN},    {"abc", NAN},   {"1e3", NAN},   {"+1", NAN}, {"1,5", NAN},
                {"0.1", 0.1}, {"007", 7},     {"-", NAN},     {".", NAN}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        pn_value v = {.type = PN_V_STRING, .str = (char *)strs[i].s};
        double d = pn_value_number(&v);
        if (isnan(strs[i].d))
            assert_true(isnan(d));
        else
            assert_true(d == strs[i].d);
    }
    pn_value t = {.type = PN_V_BOOL, .b = 1};
    assert_true(pn_value_number(&t) == 1);
}

/* Numbers must not follow LC_NUMERIC, even though the program never calls setlocale. */
static void test_locale(void **state)
{
    (void)state;
    if (setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL &&
        setlocale(LC_NUMERIC, "fr_FR.utf8") == NULL &&
        setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL) {
        skip();
    }
    pn_error err = {0};
    char *s = NULL;
    pn_expr *e = pn_expr_parse("3.5 + number('0.25') + 1 div 3", &err);
    pn_status st = e ? pn_expr_eval_string(e, NULL, &s, &err) : PN_EINPUT;
    pn_expr_destroy(e);
    setlocale(LC_NUMERIC, "C");
    assert_int_equal(st, PN_OK);
    assert_string_equal(s, "4.08333333333333");
    free(s);
}

/* The lookup's answer is only lent until the next call: the evaluator must copy it. */
static const char *lookup_reusing(void *ctx, const char *name)
{
    static char buf[64];
    (void)ctx;
    snprintf(buf, sizeof buf, "<%s>", name);
    return buf;
}

static void test_lent_lookup(void **state)
{
    (void)state;
    pn_error err = {0};
    pn_expr *e = pn_expr_parse("concat(${a}, ${b}, ${a})", &err);
    assert_non_null(e);
    pn_expr_env env = {lookup_reusing, NULL, NULL, NULL, 0};
    char *s = NULL;
    assert_int_equal(pn_expr_eval_string(e, &env, &s, &err), PN_OK);
    assert_string_equal(s, "<a><b><a>");
    free(s);
    pn_expr_destroy(e);
}

/* Collects the choice tests pn_expr_choice_tests visits as "name=literal@pos" words. */
static pn_status collect_choice(void *ctx, const char *name, const char *literal, size_t pos,
                                pn_error *err)
{
    char *buf = ctx;
    size_t len = strlen(buf);
    snprintf(buf + len, 512 - len, "%s%s=%s@%zu", len ? " " : "", name, literal, pos);
    if (strcmp(literal, "stop") == 0)
        return pn_error_set(err, PN_EINPUT, "stopped at '%s'", literal);
    return PN_OK;
}

static void test_choice_tests(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"${commune} = 'Argenteuil'", "commune=Argenteuil@14"},
        {"'ecole' = ${reseau}", "reseau=ecole@1"},
        {"${a} != 'x' and (selected(${b}, 'y') or not(${c} = \"z\"))", "a=x@9 b=y@33 c=z@52"},
        /* accents count as one character each */
        {"${é} = 'é' or ${a} = 'b'", "é=é@8 a=b@22"},
        /* not choice tests: numbers, other operators, other functions, two references */
        {"${a} = 3 or ${a} < 'x' or contains(${a}, 'x') or ${a} = ${b} or 'x' = 'y'", ""},
        {"count-selected(${a}) > 1 and selected(., 'x')", ""},
        /* inside any other construct */
        {"if(${a} = 'x', 1, 0) = 1", "a=x@11"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pn_error err = {0};
        char got[512] = "";
        pn_expr *e = pn_expr_parse(cases[i].text, &err);
        assert_non_null(e);
        assert_int_equal(pn_expr_choice_tests(e, collect_choice, got, &err), PN_OK);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("'%s': visited \"%s\", expected \"%s\"", cases[i].text, got, cases[i].want);
        pn_expr_destroy(e);
    }
    /* the first status that is not PN_OK stops the walk and comes back */
    pn_error err = {0};
    char got[512] = "";
    pn_expr *e = pn_expr_parse("${a} = 'stop' or ${b} = 'y'", &err);
    assert_non_null(e);
    assert_int_equal(pn_expr_choice_tests(e, collect_choice, got, &err), PN_EINPUT);
    assert_string_equal(got, "a=stop@8");
    assert_string_equal(err.msg, "stopped at 'stop'");
    pn_expr_destroy(e);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    pn_error err = {0};
    char text[4096];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        text[n++] = '(';
    text[n++] = '1';
    text[n] = '\0';
    assert_null(pn_expr_parse(text, &err));
    assert_non_null(strstr(err.msg, "nested too deeply"));
    /* a long flat sum is a deep tree too: 900 terms are fine, 1200 are not */
    for (int terms = 900; terms <= 1200; terms += 300) {
        n = 0;
        for (int i = 0; i < terms; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "1+");
        text[n - 1] = '\0';
        pn_expr *e = pn_expr_parse(text, &err);
        if (terms == 1200) {
            assert_null(e);
            assert_non_null(strstr(err.msg, "nested too deeply"));
            assert_non_null(strstr(err.msg, "...': at character")); /* the text is cut */
            continue;
        }
        assert_non_null(e);
        char *s = NULL;
        assert_int_equal(pn_expr_eval_string(e, NULL, &s, &err), PN_OK);
        assert_string_equal(s, "900");
        free(s);
        pn_expr_destroy(e);
    }
}

/* Words of a small form: questions r (a select_one), d (a select_multiple). */
static const char *q_words(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "r") == 0 ? "Rythme" : strcmp(name, "d") == 0 ? "Dispositifs" : NULL;
}

static const char *c_words(void *ctx, const char *name, const char *choice)
{
    (void)ctx;
    if (strcmp(name, "r") == 0 && strcmp(choice, "reg") == 0)
        return "R\xc3\xa9gulier";
    if (strcmp(name, "d") == 0 && strcmp(choice, "aucun") == 0)
        return "Aucun dispositif";
    return NULL;
}

static void expect_words(const char *text, const char *want)
{
    pn_error err = {0};
    pn_expr *e = pn_expr_parse(text, &err);
    assert_non_null(e);
    pn_expr_words w = {q_words, c_words, NULL};
    pn_strbuf sb = PN_STRBUF_INIT;
    assert_int_equal(pn_expr_describe(e, &w, &sb), PN_OK);
    if (strcmp(pn_strbuf_str(&sb), want) != 0)
        fail_msg("'%s': expected '%s', found '%s'", text, want, pn_strbuf_str(&sb));
    pn_strbuf_release(&sb);
    pn_expr_destroy(e);
}

static void test_describe(void **state)
{
    (void)state;
    expect_words(
        "${r} = 'reg'",
        "r\xc3\xa9ponse \xc2\xab R\xc3\xa9gulier \xc2\xbb \xc3\xa0 \xc2\xab Rythme \xc2\xbb");
    expect_words("'reg' != ${r}", "r\xc3\xa9ponse autre que \xc2\xab R\xc3\xa9gulier \xc2\xbb "
                                  "\xc3\xa0 \xc2\xab Rythme \xc2\xbb");
    /* a choice without words keeps its name; "ou" inside "et" in parentheses */
    expect_words(
        "(${r} = 'x' or ${r} = 'reg') and not(selected(${d}, 'aucun'))",
        "(r\xc3\xa9ponse \xc2\xab x \xc2\xbb \xc3\xa0 \xc2\xab Rythme \xc2\xbb ou r\xc3\xa9ponse "
        "\xc2\xab R\xc3\xa9gulier \xc2\xbb \xc3\xa0 \xc2\xab Rythme \xc2\xbb) et \xc2\xab Aucun "
        "dispositif \xc2\xbb non coch\xc3\xa9 \xc3\xa0 \xc2\xab Dispositifs \xc2\xbb");
    expect_words("count-selected(${d}) > 0", "au moins une case coch\xc3\xa9"
                                             "e \xc3\xa0 \xc2\xab Dispositifs \xc2\xbb");
    expect_words("count-selected(${d}) = 0", "aucune case coch\xc3\xa9"
                                             "e \xc3\xa0 \xc2\xab Dispositifs \xc2\xbb");
    /* anything else: signs, the names by their words */
    expect_words("${x} + 2 >= 3", "\xc2\xab x \xc2\xbb + 2 \xe2\x89\xa5 3");
    expect_words("string-length(${r}) > 1", "string-length(\xc2\xab Rythme \xc2\xbb) > 1");
}

typedef struct seen {
    char got[512];
} seen;

static pn_status collect(void *ctx, const char *condition, const char *value, pn_error *err)
{
    (void)err;
    seen *s = ctx;
    size_t n = strlen(s->got);
    snprintf(s->got + n, sizeof s->got - n, "[%s -> %s]", condition ? condition : "*", value);
    return PN_OK;
}

static void test_branches(void **state)
{
    (void)state;
    pn_error err = {0};
    pn_expr_words w = {q_words, c_words, NULL};
    pn_expr *e = pn_expr_parse("if(${r} = 'reg', 'a', if(${x} > 1, 'b', 'c'))", &err);
    assert_non_null(e);
    seen s = {""};
    assert_int_equal(pn_expr_branches(e, &w, collect, &s, &err), PN_OK);
    assert_string_equal(
        s.got,
        "[r\xc3\xa9ponse \xc2\xab R\xc3\xa9gulier \xc2\xbb \xc3\xa0 \xc2\xab Rythme \xc2\xbb -> a]"
        "[\xc2\xab x \xc2\xbb > 1 -> b][* -> c]");
    pn_expr_destroy(e);
    /* not a chain of literals: refused before any call */
    const char *no[] = {"if(${r} = 'reg', ${x}, 'c')", "if(${r} = 'reg', 'a', ${x})", "${r}"};
    for (size_t i = 0; i < 3; i++) {
        e = pn_expr_parse(no[i], &err);
        assert_non_null(e);
        seen none = {""};
        assert_int_equal(pn_expr_branches(e, &w, collect, &none, &err), PN_EUSAGE);
        assert_string_equal(none.got, "");
        pn_expr_destroy(e);
    }
    /* a literal alone is a typology of one class */
    e = pn_expr_parse("'a'", &err);
    seen one = {""};
    assert_int_equal(pn_expr_branches(e, &w, collect, &one, &err), PN_OK);
    assert_string_equal(one.got, "[* -> a]");
    pn_expr_destroy(e);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_empty_and_null), cmocka_unit_test(test_eval_helpers),
        cmocka_unit_test(test_conversions),    cmocka_unit_test(test_locale),
        cmocka_unit_test(test_lent_lookup),    cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_choice_tests),   cmocka_unit_test(test_describe),
        cmocka_unit_test(test_branches),
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    const char *dir = getenv("PN_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s%stests/form/expr_cases.txt", dir ? dir : "", dir ? "/" : "");
    int rc = 1;
    tcase *cases = NULL;
    struct CMUnitTest *tests = NULL;
    char *text = read_file(path);
    if (text == NULL) {
        fprintf(stderr, "test_expr: cannot read '%s'\n", path);
        goto out;
    }
    int n = parse_cases(text, &cases);
    if (n < 0)
        goto out;
    tests = calloc(nfixed + (size_t)n, sizeof *tests);
    if (tests == NULL)
        goto out;
    memcpy(tests, fixed, sizeof fixed);
    for (int i = 0; i < n; i++)
        tests[nfixed + (size_t)i] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = run_case, .initial_state = &cases[i]};
    rc = _cmocka_run_group_tests("expr", tests, nfixed + (size_t)n, NULL, NULL);
out:
    free(tests);
    free(cases);
    free(text);
    return rc;
}
