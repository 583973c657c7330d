/*
 * test_date.c - util/date.c: the days of the calendar (leap years, centuries), day numbers
 * against Python's datetime and walked day by day over five centuries, ISO and French dates
 * read or refused, the rewriting of dates and submission times into ISO form, and the
 * seconds of ISO times with their zones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/date.h"

static void test_is_day(void **state)
{
    (void)state;
    assert_true(pn_date_is_day(2026, 1, 31));
    assert_false(pn_date_is_day(2026, 4, 31));
    assert_false(pn_date_is_day(2026, 0, 1));
    assert_false(pn_date_is_day(2026, 13, 1));
    assert_false(pn_date_is_day(2026, 1, 0));
    assert_true(pn_date_is_day(2024, 2, 29));
    assert_false(pn_date_is_day(2026, 2, 29));
    assert_true(pn_date_is_day(2000, 2, 29));  /* divisible by 400 */
    assert_false(pn_date_is_day(1900, 2, 29)); /* a century */
    assert_false(pn_date_is_day(2024, 2, 30));
}

static void test_days(void **state)
{
    (void)state;
    /* the figures of Python's (date(y, m, d) - date(1970, 1, 1)).days */
    assert_int_equal(pn_date_days(1970, 1, 1), 0);
    assert_int_equal(pn_date_days(1969, 12, 31), -1);
    assert_int_equal(pn_date_days(2026, 3, 15), 20527);
    assert_int_equal(pn_date_days(2000, 2, 29), 11016);
    assert_int_equal(pn_date_days(1900, 3, 1), -25508);
    assert_int_equal(pn_date_days(1600, 1, 1), -135140);
    assert_int_equal(pn_date_days(2400, 12, 31), 157419);
    /* a day past the month's end counts on */
    assert_int_equal(pn_date_days(2026, 2, 30), pn_date_days(2026, 3, 2));
    /* every day from 1800 to 2300 is the day before's number plus one */
    long long prev = pn_date_days(1799, 12, 31);
    for (int y = 1800; y <= 2300; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                if (!pn_date_is_day(y, m, d))
                    continue;
                long long n = pn_date_days(y, m, d);
                if (n != prev + 1)
                    fail_msg("%04d-%02d-%02d is day %lld, after %lld", y, m, d, n, prev);
                prev = n;
            }
}

static void test_read_iso(void **state)
{
    (void)state;
    int y = 0, m = 0, d = 0;
    assert_true(pn_date_read_iso("2026-03-15", &y, &m, &d));
    assert_int_equal(y, 2026);
    assert_int_equal(m, 3);
    assert_int_equal(d, 15);
    /* what follows the date is the caller's */
    assert_true(pn_date_read_iso("2026-03-15T10:22:33+01:00", NULL, NULL, NULL));
    assert_true(pn_date_read_iso("2026-03-15 anything", NULL, NULL, NULL));
    assert_true(pn_date_read_iso("2024-02-29", NULL, NULL, NULL));
    static const char *const bad[] = {"",           "2026",       "2026-03-1",  "2026-3-15",
                                      "2026/03/15", "15/03/2026", "2026-02-29", "2026-02-30",
                                      "2026-13-01", "2026-00-10", "2026-01-00", " 2026-03-15",
                                      "+026-03-15", "2026-03-1x", "1900-02-29"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        y = m = d = -7;
        if (pn_date_read_iso(bad[i], &y, &m, &d))
            fail_msg("'%s' was read as a date", bad[i]);
        assert_int_equal(y, -7); /* untouched */
    }
}

static void test_read_french(void **state)
{
    (void)state;
    int y, m, d;
    size_t len;
    assert_true(pn_date_read_french("15/03/2026", &y, &m, &d, &len));
    assert_int_equal(y, 2026);
    assert_int_equal(m, 3);
    assert_int_equal(d, 15);
    assert_int_equal(len, 10);
    assert_true(pn_date_read_french("1/3/2026 10:22", &y, &m, &d, &len));
    assert_int_equal(d, 1);
    assert_int_equal(m, 3);
    assert_int_equal(len, 8);
    /* only the ranges: the ISO check says 31 February is no day */
    assert_true(pn_date_read_french("31/02/2026", &y, &m, &d, &len));
    static const char *const bad[] = {"",         "15/13/2026", "32/03/2026",  "0/03/2026",
                                      "15/03/26", "15-03-2026", "015/03/2026", "2026-03-15",
                                      "15/03"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (pn_date_read_french(bad[i], &y, &m, &d, &len))
            fail_msg("'%s' was read as a French date", bad[i]);
}

static void test_to_iso(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int with_time;
        int want; /* 1 rewritten, 0 left */
        const char *out;
    } cases[] = {
        {"15/03/2026", 0, 1, "2026-03-15"},
        {"15/03/2026", 1, 1, "2026-03-15"},
        {"1/3/2026", 0, 1, "2026-03-01"},
        {"15/03/2026 10:22", 0, 1, "2026-03-15"},
        {"15/03/2026 10:22", 1, 1, "2026-03-15T10:22:00"},
        {"15/03/2026 10:22:33", 1, 1, "2026-03-15T10:22:33"},
        {"15/03/2026 10:22:33x", 1, 0, NULL},
        {"15/03/2026 midi", 1, 0, NULL},
        {"15/03/2026x", 0, 0, NULL},
        {"15/03/20266", 0, 0, NULL}, /* a year of four digits, then a 6 */
        {"15/13/2026", 0, 0, NULL},  /* left for the check */
        {"31/02/2026", 0, 1, "2026-02-31"},
        {"2026-03-15 10:22:33", 1, 1, "2026-03-15T10:22:33"},
        {"2026-03-15 10:22:33", 0, 1, "2026-03-15"},
        {"2026-03-15T10:22:33", 0, 1, "2026-03-15"},
        {"2026-03-15T10:22:33.000+01:00", 1, 0, NULL},
        {"2026-03-15", 0, 0, NULL},
        {"2026-03-15", 1, 0, NULL},
        {"", 1, 0, NULL},
        {"demain", 0, 0, NULL},
    };
    pn_strbuf out = PN_STRBUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int got = pn_date_to_iso(cases[i].in, cases[i].with_time, &out);
        if (got != cases[i].want)
            fail_msg("'%s' (time %d): %d, expected %d", cases[i].in, cases[i].with_time, got,
                     cases[i].want);
        if (cases[i].out)
            assert_string_equal(pn_strbuf_str(&out), cases[i].out);
        else
            assert_int_equal(out.len, 0); /* reset */
    }
    pn_strbuf_release(&out);
}

static void test_seconds(void **state)
{
    (void)state;
    long long s = 0;
    /* the figures of Python's calendar.timegm */
    assert_true(pn_date_seconds("2026-03-15T10:22:33", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15 10:22:33", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T10:22:33Z", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T10:22:33.250Z", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T11:22:33+01:00", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T11:22:33,5+0100", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T08:52:33-01:30", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T12:22:33+02", &s));
    assert_int_equal(s, 1773570153);
    assert_true(pn_date_seconds("2026-03-15T10:22", &s));
    assert_int_equal(s, 1773570153 - 33);
    assert_true(pn_date_seconds("2026-03-15", &s));
    assert_int_equal(s, 20527LL * 86400);
    assert_true(pn_date_seconds("1970-01-01", &s));
    assert_int_equal(s, 0);
    static const char *const bad[] = {
        "",      "2026-3-15", "15/03/2026", "2026-03-15T", "2026-03-15 10", "2026-03-15T10:22+",
        "demain"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (pn_date_seconds(bad[i], &s))
            fail_msg("'%s' was read as a time", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_day),   cmocka_unit_test(test_days),
        cmocka_unit_test(test_read_iso), cmocka_unit_test(test_read_french),
        cmocka_unit_test(test_to_iso),   cmocka_unit_test(test_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
