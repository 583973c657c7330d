/*
 * test_fold.c - util/fold.c: labels as coordinators type them fold to one key (case, accents,
 * apostrophes, spacing, French spaces before : ; ? !), and the fast path for printable ASCII
 * gives, for every such byte and for mixed texts, what utf8proc's mapping gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "util/fold.h"

static void assert_folds(const char *text, const char *want)
{
    char *got = pn_fold(text);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_labels(void **state)
{
    (void)state;
    assert_folds("Numéro SIRET  du centre social", "numero siret du centre social");
    assert_folds("  numero siret du centre social ", "numero siret du centre social");
    assert_folds("Écoles partenaires", "ecoles partenaires");
    assert_folds("L’école", "l'ecole");
    assert_folds("En QPV ?", "en qpv?");
    assert_folds("En QPV\u00a0?", "en qpv?");
    assert_folds("Type : lien", "type: lien");
    assert_folds("Rythme\t\tdu\nlien", "rythme du lien");
    assert_folds("ABC-xyz_09", "abc-xyz_09");
    assert_folds("", "");
    assert_folds("   ", "");
    assert_true(pn_fold_equal("Salariés", "SALARIES"));
    assert_false(pn_fold_equal("Salariés", "Salarie"));
}

/* utf8proc's folding of one code point, as pn_fold would do it without its ASCII path. */
static char *utf8proc_fold(const char *s)
{
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s),
                                      &mapped,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                          UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                                          UTF8PROC_LUMP | UTF8PROC_STRIPCC);
    assert_true(n >= 0);
    return (char *)mapped;
}

static void test_ascii_path_is_utf8proc(void **state)
{
    (void)state;
    /* every printable ASCII byte but the space (which folding collapses) */
    for (int c = 0x21; c <= 0x7e; c++) {
        char one[2] = {(char)c, '\0'};
        char *want = utf8proc_fold(one);
        char *got = pn_fold(one);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
    /* a text that is ASCII but for one letter takes utf8proc's path: the same key */
    assert_true(pn_fold_equal("Ecole Jules-Ferry", "École Jules-Ferry"));
    assert_true(pn_fold_equal("KELVIN", "\u212aelvin")); /* the Kelvin sign folds to k */
    /* control characters are not printable: utf8proc strips them */
    assert_folds("a\x01" "b", "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_ascii_path_is_utf8proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
