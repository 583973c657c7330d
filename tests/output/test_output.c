/*
 * test_output.c - the one driver interface (output/output.h): the walk over a tabulate result
 * that every driver is handed through, checked with a driver of the test's own that records
 * each call, as a new driver (GeoJSON, HTML) will be called. The text and CSV drivers' figures
 * are checked in tests/stats/test_stats.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output/output.h"
#include "util/strbuf.h"

/* A driver that writes one line per call into its pn_strbuf. */
static pn_status rec(void *self, const char *what, const pn_output_part *p)
{
    pn_strbuf *sb = self;
    if (p == NULL)
        return pn_strbuf_printf(sb, "%s\n", what);
    return pn_strbuf_printf(sb, "%s %zu %s\n", what, p->index, p->var);
}
static pn_status rec_begin(void *self, const pn_tab_result *r, pn_error *err)
{
    (void)r, (void)err;
    return rec(self, "begin", NULL);
}
static pn_status rec_part_begin(void *self, const pn_output_part *p, pn_error *err)
{
    (void)err;
    return rec(self, "part", p);
}
static pn_status rec_freq(void *self, const pn_output_part *p, const pn_freq *t, pn_error *err)
{
    assert_ptr_equal(t, p->part->freq);
    if (strcmp(t->var, "boom") == 0)
        return pn_error_set(err, PN_EIO, "cannot write");
    return rec(self, "freq", p);
}
static pn_status rec_part_end(void *self, const pn_output_part *p, pn_error *err)
{
    (void)err;
    return rec(self, "part_end", p);
}
static pn_status rec_end(void *self, const pn_tab_result *r, pn_error *err)
{
    (void)r, (void)err;
    return rec(self, "end", NULL);
}

static const pn_output_driver recorder = {
    .name = "recorder",
    .begin = rec_begin,
    .part_begin = rec_part_begin,
    .freq = rec_freq,
    .part_end = rec_part_end,
    .end = rec_end,
};

static pn_freq *freq_of(const char *var, double a, double b)
{
    pn_freq *t = pn_freq_create(2);
    assert_non_null(t);
    t->var = pn_strdup(var);
    t->count[0] = a;
    t->count[1] = b;
    pn_error err = {0};
    assert_int_equal(pn_freq_compute(t, &err), PN_OK);
    return t;
}

/* Every part in order, between begin and end; one network's table named "var@network". */
static void test_walk(void **state)
{
    (void)state;
    pn_tab_part parts[2] = {{0}, {0}};
    parts[0].network = (char *)"centre";
    parts[0].network_label = (char *)"Centres sociaux";
    parts[0].freq = freq_of("rep", 1, 2);
    parts[1].network = (char *)"ecole";
    parts[1].network_label = (char *)"Écoles";
    parts[1].freq = freq_of("rep", 3, 4);
    pn_tab_result r = {.kind = PN_TAB_FREQ, .parts = parts, .nparts = 2, .split = (char *)"rep"};
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_output o = {&recorder, &sb};
    pn_error err = {0};
    assert_int_equal(pn_output_write(&o, &r, &err), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "begin\n"
                                            "part 0 rep@centre\nfreq 0 rep@centre\n"
                                            "part_end 0 rep@centre\n"
                                            "part 1 rep@ecole\nfreq 1 rep@ecole\n"
                                            "part_end 1 rep@ecole\n"
                                            "end\n");
    /* pooled: the table's own name */
    pn_strbuf_reset(&sb);
    pn_tab_result pooled = {.kind = PN_TAB_FREQ, .parts = parts, .nparts = 1};
    parts[0].network = parts[0].network_label = NULL;
    assert_int_equal(pn_output_write(&o, &pooled, &err), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "begin\npart 0 rep\nfreq 0 rep\npart_end 0 rep\nend\n");
    pn_strbuf_release(&sb);
    pn_freq_destroy(parts[0].freq);
    pn_freq_destroy(parts[1].freq);
}

/* A driver's failure stops the walk, end is not called; a kind the driver has no function for
 * is skipped. */
static void test_driver_fails(void **state)
{
    (void)state;
    pn_tab_part parts[2] = {{.freq = freq_of("boom", 1, 1)}, {.freq = freq_of("after", 1, 1)}};
    pn_tab_result r = {.kind = PN_TAB_FREQ, .parts = parts, .nparts = 2};
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_output o = {&recorder, &sb};
    pn_error err = {0};
    assert_int_equal(pn_output_write(&o, &r, &err), PN_EIO);
    assert_string_equal(pn_strbuf_str(&sb), "begin\npart 0 boom\n");

    pn_multi *m = pn_multi_create(1);
    assert_non_null(m);
    m->var = pn_strdup("freins");
    assert_int_equal(pn_multi_compute(m, &err), PN_OK);
    pn_tab_part mp = {.multi = m};
    pn_tab_result mr = {.kind = PN_TAB_MULTI, .parts = &mp, .nparts = 1};
    pn_strbuf_reset(&sb);
    assert_int_equal(pn_output_write(&o, &mr, &err), PN_OK);
    assert_string_equal(pn_strbuf_str(&sb), "begin\npart 0 freins\npart_end 0 freins\nend\n");
    pn_multi_destroy(m);
    pn_strbuf_release(&sb);
    pn_freq_destroy(parts[0].freq);
    pn_freq_destroy(parts[1].freq);
}

/* A part without its table, or with one not computed, or no part: refused before the driver
 * writes anything. */
static void test_refused_before_writing(void **state)
{
    (void)state;
    pn_freq *raw = pn_freq_create(1); /* not computed */
    assert_non_null(raw);
    pn_tab_part parts[2] = {{.freq = freq_of("q", 1, 1)}, {.freq = raw}};
    pn_tab_result r = {.kind = PN_TAB_FREQ, .parts = parts, .nparts = 2};
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_output o = {&recorder, &sb};
    pn_error err = {0};
    assert_int_equal(pn_output_write(&o, &r, &err), PN_EINTERNAL);
    assert_string_equal(err.msg, "a table of the result was not computed");
    parts[1].freq = NULL;
    assert_int_equal(pn_output_write(&o, &r, &err), PN_EINTERNAL);
    r.kind = PN_TAB_CROSSTAB; /* a part holds a freq, the result says cross-tab */
    r.nparts = 1;
    assert_int_equal(pn_output_write(&o, &r, &err), PN_EINTERNAL);
    r.nparts = 0;
    assert_int_equal(pn_output_write(&o, &r, &err), PN_EINTERNAL);
    assert_int_equal(pn_output_write(&o, NULL, &err), PN_EINTERNAL);
    assert_int_equal(sb.len, 0);
    pn_strbuf_release(&sb);
    pn_freq_destroy(parts[0].freq);
    pn_freq_destroy(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_driver_fails),
        cmocka_unit_test(test_refused_before_writing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
