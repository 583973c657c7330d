/*
 * test_strindex.c - util/strindex.c: keys found with their values, absent keys not found,
 * the first value put kept, keys that are not NUL-terminated, the empty key, and enough keys
 * to make the table grow many times (each one still found, nothing found that was not put).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/strindex.h"

static void test_put_get(void **state)
{
    (void)state;
    pn_strindex ix = PN_STRINDEX_INIT;
    size_t v = 99;
    assert_false(pn_strindex_get(&ix, "a", 1, &v)); /* empty */
    assert_null(pn_strindex_value(&ix, "a", 1));
    assert_int_equal(pn_strindex_put(&ix, "oui", 3, 0), PN_OK);
    assert_int_equal(pn_strindex_put(&ix, "non", 3, 1), PN_OK);
    assert_true(pn_strindex_get(&ix, "oui", 3, &v));
    assert_int_equal(v, 0);
    assert_true(pn_strindex_get(&ix, "non", 3, &v));
    assert_int_equal(v, 1);
    assert_false(pn_strindex_get(&ix, "nsp", 3, &v));
    assert_false(pn_strindex_get(&ix, "ou", 2, &v)); /* a prefix is another key */
    assert_false(pn_strindex_get(&ix, "ouii", 4, &v));
    /* the first value stays */
    assert_int_equal(pn_strindex_put(&ix, "oui", 3, 7), PN_OK);
    assert_true(pn_strindex_get(&ix, "oui", 3, &v));
    assert_int_equal(v, 0);
    assert_int_equal(ix.n, 2);
    /* changed in place */
    size_t *p = pn_strindex_value(&ix, "non", 3);
    assert_non_null(p);
    *p = 42;
    assert_true(pn_strindex_get(&ix, "non", 3, NULL));
    assert_true(pn_strindex_get(&ix, "non", 3, &v));
    assert_int_equal(v, 42);
    pn_strindex_release(&ix);
    assert_int_equal(ix.n, 0);
    assert_false(pn_strindex_get(&ix, "oui", 3, &v));
    pn_strindex_release(&ix); /* twice is harmless */
}

static void test_unterminated_and_empty(void **state)
{
    (void)state;
    pn_strindex ix = PN_STRINDEX_INIT;
    const char *line = "manque_temps turnover calendrier";
    size_t v;
    assert_int_equal(pn_strindex_put(&ix, line, 12, 1), PN_OK);      /* manque_temps */
    assert_int_equal(pn_strindex_put(&ix, line + 13, 8, 2), PN_OK);  /* turnover */
    assert_int_equal(pn_strindex_put(&ix, line + 22, 10, 3), PN_OK); /* calendrier */
    assert_true(pn_strindex_get(&ix, "turnover", 8, &v));
    assert_int_equal(v, 2);
    assert_true(pn_strindex_get(&ix, "calendrier!", 10, &v));
    assert_int_equal(v, 3);
    assert_false(pn_strindex_get(&ix, "", 0, &v));
    assert_int_equal(pn_strindex_put(&ix, "", 0, 4), PN_OK);
    assert_true(pn_strindex_get(&ix, "xyz", 0, &v)); /* zero bytes: the empty key */
    assert_int_equal(v, 4);
    assert_int_equal(ix.n, 4);
    pn_strindex_release(&ix);
}

static void test_many(void **state)
{
    (void)state;
    enum { N = 100000 };
    char(*keys)[16] = malloc(N * sizeof *keys);
    assert_non_null(keys);
    pn_strindex ix = PN_STRINDEX_INIT;
    for (size_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "x%05zu", i);
        assert_int_equal(pn_strindex_put(&ix, keys[i], strlen(keys[i]), i), PN_OK);
    }
    assert_int_equal(ix.n, N);
    assert_true(ix.cap >= 2 * N); /* at most half full */
    for (size_t i = 0; i < N; i++) {
        size_t v = 0;
        assert_true(pn_strindex_get(&ix, keys[i], strlen(keys[i]), &v));
        assert_int_equal(v, i);
    }
    char absent[16];
    for (size_t i = 0; i < 1000; i++) {
        snprintf(absent, sizeof absent, "y%05zu", i);
        assert_false(pn_strindex_get(&ix, absent, strlen(absent), NULL));
    }
    pn_strindex_release(&ix);
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_unterminated_and_empty),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
