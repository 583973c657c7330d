/*
 * test_report.c - report spec loading and the xlsx writer.
 *
 * Tables are built by hand here (every computed array filled by the test), so that these
 * tests depend on the writer only, not on stats/stats.c. The written workbooks are checked
 * by tests/report/check_xlsx.py (openpyxl and zipfile), found through $PN_SOURCE_DIR.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/report.h"
#include "support/support.h"
#include "util/strbuf.h"

static char tmpdir[] = "/tmp/pn_test_report_XXXXXX";

static int setup_dir(void **state)
{
    (void)state;
    pn_test_dir_create(tmpdir, sizeof tmpdir, "pn_test_report");
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    return pn_test_dir_remove(tmpdir);
}

/* Path of @name in the temp dir; the caller frees it. */
static char *tmp_path(const char *name)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    assert_int_equal(pn_strbuf_printf(&sb, "%s/%s", tmpdir, name), PN_OK);
    return pn_strbuf_detach(&sb);
}

static char *write_tmp(const char *name, const char *content)
{
    char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* ---- spec ---------------------------------------------------------------------------- */

static void test_spec_good(void **state)
{
    (void)state;
    /* BOM, ';', columns in another order, head case, an empty head, an empty record. */
    char *path =
        write_tmp("good.csv", "\xEF\xBB\xBF"
                              "Sheet;KIND;var;chart;title;by;where;note;\n"
                              ";workbook;;;Panorama test;;;Sous-titre \xc3\xa0 lire;\n"
                              "Liens;table;type_lien;pie;Types de liens;;;Une note.;\n"
                              "Par commune;table;type_lien;stacked;Liens par commune;commune;;;\n"
                              "Rythme;table;rythme;;;;${type_lien} != 'aucun';;\n"
                              ";;;;;;;;\n"
                              "\xc3\x89"
                              "coles;TABLE; freins ;BAR;Freins;;;;\n"
                              "Communes crois\xc3\xa9"
                              "es;table;type_lien;;;commune;;;\n"
                              "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89"
                              "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89"
                              "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89"
                              "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89"
                              ";table;x;none;;;;;\n");
    pn_report_spec *s = NULL;
    pn_error err = {0};
    pn_status st = pn_report_spec_load(path, &s, &err);
    assert_int_equal(st, PN_OK);
    assert_non_null(s);
    assert_string_equal(s->path, path);
    assert_string_equal(s->title, "Panorama test");
    assert_string_equal(s->subtitle, "Sous-titre \xc3\xa0 lire");
    assert_null(s->producer); /* not said */
    assert_true(s->small_base == PN_REPORT_SMALL_BASE);
    assert_int_equal(s->n, 6);

    pn_report_item *it = &s->items[0];
    assert_string_equal(it->sheet, "Liens");
    assert_string_equal(it->title, "Types de liens");
    assert_string_equal(it->var, "type_lien");
    assert_null(it->by);
    assert_null(it->where);
    assert_string_equal(it->note, "Une note.");
    assert_int_equal(it->chart, PN_CHART_PIE);
    assert_int_equal(it->line, 3);

    it = &s->items[1];
    assert_string_equal(it->by, "commune");
    assert_int_equal(it->chart, PN_CHART_STACKED);
    assert_string_equal(it->note, "");

    it = &s->items[2];
    assert_string_equal(it->title, "Rythme");  /* the sheet name when no title */
    assert_int_equal(it->chart, PN_CHART_BAR); /* the default without 'by' */
    assert_string_equal(it->where, "${type_lien} != 'aucun'");
    assert_int_equal(it->line, 5);

    it = &s->items[3];
    assert_string_equal(it->sheet, "\xc3\x89"
                                   "coles");
    assert_string_equal(it->var, "freins");
    assert_int_equal(it->chart, PN_CHART_BAR);
    assert_int_equal(it->line, 7);

    assert_int_equal(s->items[4].chart, PN_CHART_STACKED); /* the default with 'by' */
    assert_int_equal(s->items[5].chart, PN_CHART_NONE);    /* 31 characters, 62 bytes */
    pn_report_spec_destroy(s);
    free(path);

    /* the labels column: words for categories, trimmed */
    path = write_tmp("labels.csv", "kind,sheet,var,by,labels\n"
                                   "table,QPV,type_lien,en_qpv, oui = En QPV ;non=Hors QPV\n");
    assert_int_equal(pn_report_spec_load(path, &s, &err), PN_OK);
    assert_int_equal(s->items[0].nlabels, 2);
    assert_string_equal(s->items[0].label_names[0], "oui");
    assert_string_equal(s->items[0].label_texts[0], "En QPV");
    assert_string_equal(s->items[0].label_names[1], "non");
    assert_string_equal(s->items[0].label_texts[1], "Hors QPV");
    assert_false(s->items[0].expected || s->items[0].residuals || s->items[0].by_frequency);
    pn_report_spec_destroy(s);
    free(path);
    path = write_tmp("cells.csv", "kind,sheet,var,by,cells,order\n"
                                  "table,QPV,type_lien,en_qpv,\"residuals, expected\",Frequency\n"
                                  "table,R,rythme,,,form\n");
    assert_int_equal(pn_report_spec_load(path, &s, &err), PN_OK);
    assert_true(s->items[0].expected && s->items[0].residuals && s->items[0].by_frequency);
    assert_false(s->items[1].expected || s->items[1].residuals || s->items[1].by_frequency);
    pn_report_spec_destroy(s);
    free(path);

    /* a fiches record: its variables split at spaces and commas; a spec of fiches alone */
    path = write_tmp("fiches.csv", "kind,sheet,var,by,note\n"
                                   "fiches,R\xc3\xa9seaux,\" type_lien  freins,facteurs \","
                                   "commune,Une note.\n");
    assert_int_equal(pn_report_spec_load(path, &s, &err), PN_OK);
    assert_int_equal(s->n, 1);
    assert_true(s->items[0].fiches);
    assert_int_equal(s->items[0].nvars, 3);
    assert_string_equal(s->items[0].vars[0], "type_lien");
    assert_string_equal(s->items[0].vars[1], "freins");
    assert_string_equal(s->items[0].vars[2], "facteurs");
    assert_string_equal(s->items[0].by, "commune");
    assert_string_equal(s->items[0].title, "R\xc3\xa9seaux");
    assert_string_equal(s->items[0].note, "Une note.");

    pn_report_spec_destroy(s);
    pn_report_spec_destroy(NULL);
    free(path);
}

typedef struct bad_case {
    const char *content;
    pn_status status;
    const char *want[3]; /* substrings of the message, after "bad.csv:" */
} bad_case;

static const bad_case bad_cases[] = {
    {"kind,sheet,var,chart\ntable,A,x,camembert\n",
     PN_EINPUT,
     {":2: column 'chart': expected bar, column, pie, stacked or none", "found 'camembert'"}},
    {"kind,sheet,var\ntable,Liens,x\ntable,liens,y\n",
     PN_EINPUT,
     {":3: column 'sheet':", "found 'liens'", "line 2"}},
    {"kind,sheet,var\ntable,\xc3\x89"
     "coles,x\ntable,\xc3\xa9"
     "coles,y\n",
     PN_EINPUT,
     {":3: column 'sheet':", "line 2"}},
    {"kind,sheet,var\ntable,Une feuille au nom bien trop long,x\n",
     PN_EINPUT,
     {":2: column 'sheet': expected at most 31 characters",
      "found 'Une feuille au nom bien trop long' (33 characters)"}},
    {"kind,sheet,chart\ntable,A,bar\n", PN_EINPUT, {":1: column 'var': expected a column"}},
    {"kind,sheet,var,couleur\ntable,A,x,rouge\n",
     PN_EINPUT,
     {":1: column 'couleur': expected a column head among", "found 'couleur'"}},
    {"kind,sheet,var,by\npairs,A,x,y\n",
     PN_EINPUT,
     {":2: column 'by': a 'pairs' record compares the two views of each link", "found 'y'"}},
    {"kind,sheet,var,where\npairs,A,x,${y} = 'a'\n", PN_EINPUT, {":2: column 'where': a 'pairs'"}},
    {"kind,sheet,var,chart\npairs,A,x,pie\n",
     PN_EINPUT,
     {":2: column 'chart': a 'pairs' record has no chart", "found 'pie'"}},
    {"kind,sheet,var\ntableau,A,x\n",
     PN_EINPUT,
     {":2: column 'kind': expected 'workbook', 'table', 'pairs' or 'fiches', found 'tableau'"}},
    {"kind,sheet,var,chart\ntable,A,,bar\n",
     PN_EINPUT,
     {":2: column 'var': expected a variable name, found ''"}},
    {"kind,sheet,var\ntable,A,type lien\n",
     PN_EINPUT,
     {":2: column 'var': expected a variable name", "found 'type lien'"}},
    {"kind,sheet,var\ntable,a/b,x\n", PN_EINPUT, {":2: column 'sheet':", "found 'a/b'"}},
    {"kind,sheet,var\ntable,,x\n", PN_EINPUT, {":2: column 'sheet': expected a sheet name"}},
    {"kind,sheet,var\ntable,sommaire,x\n",
     PN_EINPUT,
     {":2: column 'sheet': expected a name other than", "found 'sommaire'"}},
    {"kind,sheet,var,by,chart\ntable,A,x,y,pie\n",
     PN_EINPUT,
     {":2: column 'chart':", "for a cross-tab", "found 'pie'"}},
    {"kind,sheet,var,chart\ntable,A,x,stacked\n",
     PN_EINPUT,
     {":2: column 'chart':", "without 'by'", "found 'stacked'"}},
    {"kind,sheet,var,var\ntable,A,x,y\n", PN_EINPUT, {":1: column 'var': expected each"}},
    {"kind,sheet,var\nworkbook,,\nworkbook,,\ntable,A,x\n",
     PN_EINPUT,
     {":3: column 'kind': expected one 'workbook' record", "line 2"}},
    {"kind,sheet,var\nworkbook,,\n", PN_EINPUT, {": column 'kind': expected at least one"}},
    {"kind,sheet,var\ntable,A,x,extra\n", PN_EINPUT, {":2: column 4:", "found 'extra'"}},
    {"kind,sheet,var,labels\ntable,A,x,oui=En QPV;non\n",
     PN_EINPUT,
     {":2: column 'labels': expected choice=words pairs", "found 'oui=En QPV;non'"}},
    {"kind,sheet,var,labels\ntable,A,x,=Vide\n", PN_EINPUT, {":2: column 'labels':"}},
    {"kind,sheet,var,by,cells\ntable,A,x,y,expected khi2\n",
     PN_EINPUT,
     {":2: column 'cells': expected 'expected'", "found 'khi2'"}},
    {"kind,sheet,var,cells\ntable,A,x,residuals\n",
     PN_EINPUT,
     {":2: column 'cells':", "a cross-tab's: give a 'by' variable"}},
    {"kind,sheet,var,order\ntable,A,x,alphabetique\n",
     PN_EINPUT,
     {":2: column 'order': expected form", "found 'alphabetique'"}},
    {"kind,sheet,var,small_base\nworkbook,,,trente\ntable,A,x\n",
     PN_EINPUT,
     {":2: column 'small_base': expected a whole number", "found 'trente'"}},
    {"kind,sheet,var,producer\ntable,A,x,F\xc3\xa9"
     "d\xc3\xa9ration\n",
     PN_EINPUT,
     {":2: column 'producer': it is the workbook's", "on a 'table' record"}},
    {"kind,sheet,var,by\nfiches,R\xc3\xa9seaux,,commune\n",
     PN_EINPUT,
     {":2: column 'var': expected the variables of each town's fiche"}},
    {"kind,sheet,var,by\nfiches,R,type_lien freins type_lien,commune\n",
     PN_EINPUT,
     {":2: column 'var': expected each variable once", "'type_lien' twice"}},
    {"kind,sheet,var,by\nfiches,R,type_lien fr/eins,commune\n",
     PN_EINPUT,
     {":2: column 'var': expected a variable name", "found 'fr/eins'"}},
    {"kind,sheet,var\nfiches,R,type_lien\n", PN_EINPUT, {":2: column 'by': expected the town"}},
    {"kind,sheet,var,by,where\nfiches,R,type_lien,commune,${rep} = 'REP'\n",
     PN_EINPUT,
     {":2: column 'where': a 'fiches' record takes sheet, title, var, by, note and labels only"}},
    {"kind,sheet,var,by\nfiches,R,a,commune\nfiches,S,b,commune\n",
     PN_EINPUT,
     {":3: column 'kind': expected one 'fiches' record", "line 2"}},
};

static void test_spec_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char *path = write_tmp("bad.csv", c->content);
        pn_report_spec *s = (pn_report_spec *)&s; /* must be set to NULL on failure */
        pn_error err = {0};
        pn_status st = pn_report_spec_load(path, &s, &err);
        if (st != c->status)
            fail_msg("case %zu: status %d, message '%s'", i, (int)st, err.msg);
        assert_null(s);
        for (size_t k = 0; k < 3 && c->want[k]; k++) {
            pn_strbuf want = PN_STRBUF_INIT;
            assert_int_equal(pn_strbuf_printf(&want, "%s%s", k == 0 ? path : "", c->want[k]),
                             PN_OK);
            if (strstr(err.msg, pn_strbuf_str(&want)) == NULL)
                fail_msg("case %zu: expected '%s' in '%s'", i, pn_strbuf_str(&want), err.msg);
            pn_strbuf_release(&want);
        }
        free(path);
    }
}

static void test_spec_missing_file(void **state)
{
    (void)state;
    char *path = tmp_path("absent.csv");
    pn_report_spec *s = NULL;
    pn_error err = {0};
    assert_int_equal(pn_report_spec_load(path, &s, &err), PN_EIO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "cannot open"));
    free(path);
}

/* A spec of one @kind record whose column @col holds @n copies of @unit (with a table after
 * a workbook record); the caller frees the path. */
static char *long_text_spec(const char *kind, const char *col, const char *unit, size_t n)
{
    pn_strbuf sb = PN_STRBUF_INIT, text = PN_STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pn_strbuf_puts(&text, unit), PN_OK);
    int title = strcmp(col, "title") == 0;
    const char *t = title ? pn_strbuf_str(&text) : "", *note = title ? "" : pn_strbuf_str(&text);
    if (strcmp(kind, "workbook") == 0)
        assert_int_equal(pn_strbuf_printf(&sb,
                                          "kind,sheet,title,var,note\nworkbook,,%s,,%s\n"
                                          "table,Liens,,type_lien,\n",
                                          t, note),
                         PN_OK);
    else
        assert_int_equal(
            pn_strbuf_printf(&sb, "kind,sheet,title,var,note\ntable,Liens,%s,type_lien,%s\n", t,
                             note),
            PN_OK);
    char *path = write_tmp("long.csv", pn_strbuf_str(&sb));
    pn_strbuf_release(&sb);
    pn_strbuf_release(&text);
    return path;
}

/* A title or note is written in a cell: longer than Excel's 32,767 characters, it is an error
 * of the spec, at its line and column, counted in characters, not bytes. */
static void test_spec_long_text(void **state)
{
    (void)state;
    static const char *const kinds[] = {"table", "workbook"}, *const cols[] = {"title", "note"};
    for (size_t k = 0; k < 2; k++)
        for (size_t c = 0; c < 2; c++) {
            pn_report_spec *s = NULL;
            pn_error err = {0};
            /* 32,767 characters of two bytes each fit */
            char *path = long_text_spec(kinds[k], cols[c], "\xc3\xa9", 32767);
            if (pn_report_spec_load(path, &s, &err) != PN_OK)
                fail_msg("%s %s of 32767 characters: %s", kinds[k], cols[c], err.msg);
            pn_report_spec_destroy(s);
            free(path);
            path = long_text_spec(kinds[k], cols[c], "T", 32768);
            assert_int_equal(pn_report_spec_load(path, &s, &err), PN_EINPUT);
            assert_null(s);
            pn_strbuf want = PN_STRBUF_INIT;
            assert_int_equal(pn_strbuf_printf(&want,
                                              "%s:2: column '%s': expected at most 32767 "
                                              "characters (what an Excel cell holds), found "
                                              "32768 characters",
                                              path, cols[c]),
                             PN_OK);
            assert_string_equal(err.msg, pn_strbuf_str(&want));
            pn_strbuf_release(&want);
            free(path);
        }
}

static void test_demo_spec(void **state)
{
    (void)state;
    char path[1024];
    pn_test_source_path("reports/demo.csv", path, sizeof path);
    pn_report_spec *s = NULL;
    pn_error err = {0};
    if (pn_report_spec_load(path, &s, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_non_null(s->title);
    assert_int_equal(s->n, 16); /* 11 tables, 4 pairs, the fiches */
    assert_true(!s->items[10].pairs && s->items[11].pairs && s->items[14].pairs);
    assert_true(s->items[15].fiches && s->items[15].nvars == 3);
    pn_report_spec_destroy(s);
}

/* ---- tables built by hand ---------------------------------------------------------------- */

static void set_cats(pn_category *cats, size_t k, const char *const *names,
                     const char *const *labels)
{
    for (size_t i = 0; i < k; i++) {
        cats[i].name = pn_strdup(names[i]);
        cats[i].label = labels ? pn_strdup(labels[i]) : NULL;
    }
}

static double *dalloc(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    assert_non_null(p);
    return p;
}

static pn_freq *make_freq(const char *var, const char *title, size_t k, const char *const *names,
                          const char *const *labels, const double *counts, double missing,
                          int ordered, int ci)
{
    pn_freq *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->var = pn_strdup(var);
    t->title = pn_strdup(title);
    t->k = k;
    t->cats = calloc(k, sizeof *t->cats);
    set_cats(t->cats, k, names, labels);
    t->count = dalloc(k);
    t->pct = dalloc(k);
    t->valid_pct = dalloc(k);
    t->missing = missing;
    t->ordered = ordered;
    for (size_t i = 0; i < k; i++)
        t->valid += t->count[i] = counts[i];
    t->total = t->valid + missing;
    double cum = 0;
    if (ordered)
        t->cum_pct = dalloc(k);
    if (ci) {
        t->ci_low = dalloc(k);
        t->ci_high = dalloc(k);
    }
    for (size_t i = 0; i < k; i++) {
        t->pct[i] = 100 * counts[i] / t->total;
        t->valid_pct[i] = 100 * counts[i] / t->valid;
        cum += t->valid_pct[i];
        if (ordered)
            t->cum_pct[i] = cum;
        if (ci) {
            t->ci_low[i] = t->valid_pct[i] * 0.6;
            t->ci_high[i] = fmin(100, t->valid_pct[i] * 1.4);
        }
    }
    t->missing_pct = t->total > 0 ? 100 * missing / t->total : NAN;
    t->pct_total = t->total > 0 ? 100 : NAN;
    t->valid_pct_total = t->valid > 0 ? 100 : NAN;
    return t;
}

static pn_multi *make_multi(void)
{
    static const char *const names[] = {"temps", "turnover", "connaissance", "moyens"};
    static const char *const labels[] = {"Manque de temps", "Rotation des \xc3\xa9quipes",
                                         "Ne pas se conna\xc3\xaetre", "Manque de moyens"};
    static const double counts[] = {12, 9, 5, 2};
    pn_multi *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->var = pn_strdup("freins");
    t->title = pn_strdup("Freins \xc3\xa0 la coop\xc3\xa9ration");
    t->k = 4;
    t->cats = calloc(4, sizeof *t->cats);
    set_cats(t->cats, 4, names, labels);
    t->count = dalloc(4);
    t->pct_cases = dalloc(4);
    t->pct_responses = dalloc(4);
    t->cases = 20;
    t->missing = 3;
    for (size_t i = 0; i < 4; i++)
        t->responses += t->count[i] = counts[i];
    for (size_t i = 0; i < 4; i++) {
        t->pct_cases[i] = 100 * counts[i] / t->cases;
        t->pct_responses[i] = 100 * counts[i] / t->responses;
        t->pct_cases_total += t->pct_cases[i];
    }
    t->pct_responses_total = 100;
    return t;
}

static pn_crosstab *make_crosstab(size_t r, size_t c, const char *const *rnames,
                                  const char *const *cnames, const double *counts)
{
    pn_crosstab *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->row_var = pn_strdup("type_lien");
    t->col_var = pn_strdup(c == 2 ? "en_qpv" : "commune");
    t->row_title = pn_strdup("Type de lien");
    t->col_title = pn_strdup(c == 2 ? "En QPV" : "Commune");
    t->r = r;
    t->c = c;
    t->row_cats = calloc(r, sizeof *t->row_cats);
    t->col_cats = calloc(c, sizeof *t->col_cats);
    set_cats(t->row_cats, r, rnames, NULL);
    set_cats(t->col_cats, c, cnames, NULL);
    t->count = dalloc(r * c);
    t->row_total = dalloc(r);
    t->col_total = dalloc(c);
    t->expected = dalloc(r * c);
    t->row_pct = dalloc(r * c);
    t->col_pct = dalloc(r * c);
    t->total_pct = dalloc(r * c);
    t->adj_resid = dalloc(r * c);
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            t->count[i * c + j] = counts[i * c + j];
            t->row_total[i] += counts[i * c + j];
            t->col_total[j] += counts[i * c + j];
            t->n += counts[i * c + j];
        }
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            size_t x = i * c + j;
            t->expected[x] = t->row_total[i] * t->col_total[j] / t->n;
            t->row_pct[x] = 100 * t->count[x] / t->row_total[i];
            t->col_pct[x] = 100 * t->count[x] / t->col_total[j];
            t->total_pct[x] = 100 * t->count[x] / t->n;
            t->adj_resid[x] = NAN;
        }
    t->row_total_pct = dalloc(r);
    t->row_pct_total = dalloc(r);
    t->col_total_pct = dalloc(c);
    t->col_pct_total = dalloc(c);
    for (size_t i = 0; i < r; i++) {
        t->row_total_pct[i] = 100 * t->row_total[i] / t->n;
        t->row_pct_total[i] = t->row_total[i] > 0 ? 100 : NAN;
    }
    for (size_t j = 0; j < c; j++) {
        t->col_total_pct[j] = 100 * t->col_total[j] / t->n;
        t->col_pct_total[j] = t->col_total[j] > 0 ? 100 : NAN;
    }
    t->n_pct = t->n > 0 ? 100 : NAN;
    /* Test figures: the writer lays them out, it does not check them. */
    t->chi2 = 4.25;
    t->chi2_df = (double)((r - 1) * (c - 1));
    t->chi2_p = 0.1194329;
    t->lr = 4.4;
    t->lr_p = 0.1108032;
    t->cramer_v = 0.45;
    t->fisher_p = r == 2 && c == 2 ? 0.3512 : NAN;
    t->low_expected = r == 2 && c == 2 ? 0 : 3;
    t->low_expected_pct = r == 2 && c == 2 ? 0 : 50;
    return t;
}

/* ---- workbook ---------------------------------------------------------------------------- */

typedef struct fixture {
    pn_freq *liens, *rythme;
    pn_multi *freins;
    pn_crosstab *communes, *qpv;
} fixture;

static void fixture_init(fixture *fx)
{
    static const char *const lnames[] = {"aucun", "ponctuel", "regulier", "formalise",
                                         "dispositif"};
    static const char *const llabels[] = {"Aucun lien", "Lien ponctuel",
                                          "Coop\xc3\xa9ration r\xc3\xa9guli\xc3\xa8re",
                                          "Partenariat formalis\xc3\xa9", "Lien par un dispositif"};
    static const double lcounts[] = {4, 7, 10, 3, 6};
    static const char *const rnames[] = {"hebdo", "mensuel", "trimestre", "annuel"};
    static const double rcounts[] = {3, 8, 6, 2};
    static const char *const xr[] = {"ponctuel", "regulier"};
    static const char *const xc[] = {"Argenteuil", "Bezons", "Sarcelles"};
    static const double xcounts[] = {5, 3, 2, 1, 4, 6};
    static const char *const qc[] = {"oui", "non"};
    static const double qcounts[] = {8, 3, 4, 6};

    fx->liens = make_freq("type_lien", "Type de lien", 5, lnames, llabels, lcounts, 2, 0, 1);
    fx->rythme = make_freq("rythme", "Rythme des rencontres", 4, rnames, NULL, rcounts, 1, 1, 0);
    fx->freins = make_multi();
    fx->communes = make_crosstab(2, 3, xr, xc, xcounts);
    fx->qpv = make_crosstab(2, 2, xr, qc, qcounts);
}

static void fixture_release(fixture *fx)
{
    pn_freq_destroy(fx->liens);
    pn_freq_destroy(fx->rythme);
    pn_multi_destroy(fx->freins);
    pn_crosstab_destroy(fx->communes);
    pn_crosstab_destroy(fx->qpv);
}

static const char *const count_labels[] = {"Centres sociaux r\xc3\xa9pondants",
                                           "\xc3\x89"
                                           "coles r\xc3\xa9pondantes",
                                           "Liens d\xc3\xa9"
                                           "clar\xc3\xa9s"};
static const double counts[] = {28, 61, 143};
static const pn_method_par method[] = {{"Enqu\xc3\xaate, champ et traitements", 1, 0},
                                       {"Enqu\xc3\xaate men\xc3\xa9"
                                        "e au printemps 2025.",
                                        0, 1},
                                       {"Les r\xc3\xa9ponses en double ont \xc3\xa9t\xc3\xa9 "
                                        "retir\xc3\xa9"
                                        "es.",
                                        0, 0}};
static const char *const typo_class[] = {"Aucun lien", "Lien ponctuel"};
static const char *const typo_rule[] = {
    "r\xc3\xa9ponse \xc2\xab Aucun \xc2\xbb \xc3\xa0 \xc2\xab Rythme \xc2\xbb",
    "dans tous les autres cas"};

/* @t alone on the sheet of @it: a pooled result of one table, through the xlsx driver. */
static pn_status add_freq(pn_workbook *wb, const pn_report_item *it, const pn_freq *t,
                          pn_error *err)
{
    pn_tab_part part = {.freq = (pn_freq *)t}; /* lent: the result is not released */
    pn_tab_result r = {.kind = PN_TAB_FREQ, .parts = &part, .nparts = 1};
    return pn_workbook_add_result(wb, it, &r, err);
}
static pn_status add_multi(pn_workbook *wb, const pn_report_item *it, pn_multi *t, pn_error *err)
{
    pn_tab_part part = {.multi = t};
    pn_tab_result r = {.kind = PN_TAB_MULTI, .parts = &part, .nparts = 1};
    return pn_workbook_add_result(wb, it, &r, err);
}
static pn_status add_crosstab(pn_workbook *wb, const pn_report_item *it, pn_crosstab *t,
                              pn_error *err)
{
    pn_tab_part part = {.xt = t};
    pn_tab_result r = {.kind = PN_TAB_CROSSTAB, .parts = &part, .nparts = 1};
    return pn_workbook_add_result(wb, it, &r, err);
}

static pn_status write_workbook(const char *path, const fixture *fx, pn_error *err)
{
    pn_report_item liens = {"Liens",
                            "Types de liens",
                            "type_lien",
                            NULL,
                            NULL,
                            "Source : questionnaires des centres sociaux.",
                            PN_CHART_PIE,
                            3,
                            0,
                            NULL,
                            NULL,
                            0,
                            0,
                            0,
                            0,
                            0,
                            NULL,
                            0};
    pn_report_item rythme = {"Rythme",
                             "Rythme des rencontres",
                             "rythme",
                             NULL,
                             "${type_lien} != 'aucun'",
                             "",
                             PN_CHART_COLUMN,
                             4,
                             0,
                             NULL,
                             NULL,
                             0,
                             0,
                             0,
                             0,
                             0,
                             NULL,
                             0};
    pn_report_item freins = {"Freins",
                             "Freins \xc3\xa0 la coop\xc3\xa9ration",
                             "freins",
                             NULL,
                             NULL,
                             "Plusieurs r\xc3\xa9ponses possibles.",
                             PN_CHART_BAR,
                             5,
                             0,
                             NULL,
                             NULL,
                             0,
                             0,
                             0,
                             0,
                             0,
                             NULL,
                             0};
    pn_report_item communes = {"Par commune",
                               "Liens par commune",
                               "type_lien",
                               "commune",
                               NULL,
                               "",
                               PN_CHART_STACKED,
                               6,
                               0,
                               NULL,
                               NULL,
                               0,
                               0,
                               0,
                               0,
                               0,
                               NULL,
                               0};
    pn_report_item qpv = {"Par QPV",
                          "Liens selon le QPV",
                          "type_lien",
                          "en_qpv",
                          NULL,
                          "",
                          PN_CHART_COLUMN,
                          7,
                          0,
                          NULL,
                          NULL,
                          0,
                          0,
                          0,
                          0,
                          0,
                          NULL,
                          0};
    pn_workbook_info info = {"Panorama des liens",
                             "Test",
                             "2025-03-14",
                             3,
                             count_labels,
                             counts,
                             3,
                             method,
                             NULL,
                             "2025-01-06",
                             "F\xc3\xa9"
                             "d\xc3\xa9ration test",
                             2,
                             typo_class,
                             typo_rule,
                             0,
                             NULL,
                             NULL};
    pn_status st = PN_OK;
    pn_workbook *wb = pn_workbook_create(path, err);
    if (wb == NULL)
        return err->status;
    if ((st = add_freq(wb, &liens, fx->liens, err)) != PN_OK ||
        (st = add_freq(wb, &rythme, fx->rythme, err)) != PN_OK ||
        (st = add_multi(wb, &freins, fx->freins, err)) != PN_OK ||
        (st = add_crosstab(wb, &communes, fx->communes, err)) != PN_OK ||
        (st = add_crosstab(wb, &qpv, fx->qpv, err)) != PN_OK) {
        pn_workbook_destroy(wb);
        return st;
    }
    return pn_workbook_close(wb, &info, err);
}

/* Append @s to @sb as one shell word. */
static void shell_word(pn_strbuf *sb, const char *s)
{
    assert_int_equal(pn_strbuf_puts(sb, " '"), PN_OK);
    for (; *s; s++)
        assert_int_equal(*s == '\'' ? pn_strbuf_puts(sb, "'\\''") : pn_strbuf_append(sb, s, 1),
                         PN_OK);
    assert_int_equal(pn_strbuf_puts(sb, "'"), PN_OK);
}

/* When set, check_xlsx() hides the script's messages (for failures expected on purpose). */
static int check_quiet;

/* Run check_xlsx.py on @file with the NULL-terminated arguments; returns its exit status. */
static int check_xlsx(const char *file, ...)
{
    pn_strbuf cmd = PN_STRBUF_INIT;
    char script[1024];
    pn_test_source_path("tests/report/check_xlsx.py", script, sizeof script);
    if (access(script, R_OK) != 0)
        fail_msg("cannot find %s: set PN_SOURCE_DIR to the repository", script);
    assert_int_equal(pn_strbuf_puts(&cmd, "/usr/bin/python3"), PN_OK);
    shell_word(&cmd, script);
    shell_word(&cmd, file);
    va_list ap;
    va_start(ap, file);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *))
        shell_word(&cmd, a);
    va_end(ap);
    if (check_quiet)
        assert_int_equal(pn_strbuf_puts(&cmd, " 2>/dev/null"), PN_OK);
    int rc = system(pn_strbuf_str(&cmd));
    pn_strbuf_release(&cmd);
    return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_workbook(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    char *path = tmp_path("panorama.xlsx");
    pn_error err = {0};
    if (write_workbook(path, &fx, &err) != PN_OK)
        fail_msg("%s", err.msg);
    /* PN_REPORT_KEEP=DIR keeps a copy of the workbook there, to look at it. */
    const char *keep_dir = getenv("PN_REPORT_KEEP");
    if (keep_dir != NULL) {
        pn_strbuf kept = PN_STRBUF_INIT;
        assert_int_equal(pn_strbuf_printf(&kept, "%s/test_report.xlsx", keep_dir), PN_OK);
        if (write_workbook(pn_strbuf_str(&kept), &fx, &err) != PN_OK)
            fail_msg("%s", err.msg);
        pn_strbuf_release(&kept);
    }

    int rc = check_xlsx(
        path, "--sheets", "7", "--sheet", "Sommaire", "--sheet", "M\xc3\xa9thodologie", "--charts",
        "5", "--chart-on", "Liens=pie", "--chart-on", "Rythme=column", "--chart-on", "Freins=bar",
        "--chart-on", "Par commune=stacked", "--chart-on", "Par QPV=column",
        /* cover */
        "--cell", "Sommaire!A1=Panorama des liens", "--cell", "Sommaire!A2=Test", "--cell",
        "Sommaire!A4=R\xc3\xa9"
        "alisation",
        "--cell",
        "Sommaire!B4=F\xc3\xa9"
        "d\xc3\xa9ration test",
        "--cell", "Sommaire!B5=du 6 janvier 2025 au 14 mars 2025", "--cell",
        "Sommaire!B6=2025-03-14T00:00:00", "--cell",
        "Sommaire!A9=Centres sociaux r\xc3\xa9pondants", "--cell", "Sommaire!B9=28", "--cell",
        "Sommaire!B11=143", "--cell", "Sommaire!A15=Liens", "--cell", "Sommaire!B15=Types de liens",
        "--cell", "Sommaire!A20=M\xc3\xa9thodologie",
        /* frequency table: unrounded numbers */
        "--cell", "Liens!A1=Types de liens", "--cell", "Liens!A4=Modalit\xc3\xa9", "--cell",
        "Liens!A5=Aucun lien", "--cell", "Liens!B5=4", "--cell", "Liens!C5=12.5", "--cell",
        "Liens!D5=13.333333333333334", "--cell", "Liens!A10=Non-r\xc3\xa9ponse", "--cell",
        "Liens!B10=2", "--cell", "Liens!C10=6.25", "--cell", "Liens!D10=", "--cell",
        "Liens!A11=Total", "--cell", "Liens!B11=32", "--cell", "Liens!C11=100", "--cell",
        "Liens!D11=100", "--cell", "Liens!A13=Champ : questionnaires re\xc3\xa7us.", "--cell",
        "Liens!A14=Source : enqu\xc3\xaate \xc3\xa9"
        "coles \xe2\x80\x93 centres sociaux.",
        "--cell",
        "Liens!A15=Lecture : \xc2\xab Aucun lien \xc2\xbb repr\xc3\xa9sente 13,3 % des "
        "r\xc3\xa9ponses "
        "valides (questionnaires).",
        "--cell", "Liens!A17=Source : questionnaires des centres sociaux.", "--cell",
        "Liens!E4=IC 95 % : borne basse",
        /* ordered: cumulative %, no interval */
        "--cell", "Rythme!A3=Filtre : ${type_lien} != 'aucun'", "--cell",
        "Rythme!E4=% cumul\xc3\xa9 (r\xc3\xa9ponses valides)", "--cell", "Rythme!E8=100", "--cell",
        "Rythme!A5=hebdo", "--cell", "Rythme!F4=",
        /* multiple response */
        "--cell", "Freins!B5=12", "--cell", "Freins!C5=60", "--cell",
        "Freins!D5=42.857142857142854", "--cell", "Freins!B9=28", "--cell", "Freins!C9=140",
        "--cell", "Freins!D9=100", "--cell", "Freins!B11=20", "--cell", "Freins!B12=3",
        /* cross-tab: counts, row %, column %, tests */
        "--cell", "Par commune!A4=Effectifs", "--cell", "Par commune!B5=Argenteuil", "--cell",
        "Par commune!E5=Total", "--cell", "Par commune!B6=5", "--cell", "Par commune!E6=10",
        "--cell", "Par commune!E8=21", "--cell", "Par commune!A10=Pourcentages en ligne (%)",
        "--cell", "Par commune!B12=50", "--cell", "Par commune!B18=83.33333333333333", "--cell",
        "Par commune!E20=100", "--cell", "Par commune!A24=Khi-deux de Pearson", "--cell",
        "Par commune!B24=4.25", "--cell", "Par commune!C24=2", "--cell",
        "Par commune!D24=0.1194329", "--cell", "Par commune!A26=V de Cram\xc3\xa9r", "--cell",
        "Par commune!A27=Effectif total", "--cell",
        "Par commune!A29=Attention : 50,0 % des cases (3) ont un effectif th\xc3\xa9orique "
        "inf\xc3\xa9rieur \xc3\xa0 5. Au-del\xc3\xa0 de 20 %, le khi-deux et le rapport de "
        "vraisemblance sont peu fiables : regrouper des modalit\xc3\xa9s.",
        "--cell", "Par QPV!A27=Test exact de Fisher (bilat\xc3\xa9ral)", "--cell",
        "Par QPV!D27=0.3512", "--cell", "Par QPV!A30=Champ : questionnaires re\xc3\xa7us.",
        "--cell",
        "Par QPV!A31=Non-r\xc3\xa9ponse : aucune unit\xc3\xa9 \xc3\xa9"
        "cart\xc3\xa9"
        "e du tableau.",
        "--cell",
        "Par QPV!A35=En italique : pourcentage calcul\xc3\xa9 sur moins de 30 unit\xc3\xa9s, "
        "\xc3\xa0 interpr\xc3\xa9ter avec prudence.",
        "--cell", "Par QPV!A37=",
        /* properties: a fixed creation date */
        "--prop", "created=2025-03-14", "--prop",
        "creator=F\xc3\xa9"
        "d\xc3\xa9ration test",
        "--prop", "title=Panorama des liens", (const char *)NULL);
    assert_int_equal(rc, 0);

    /* The file depends on its inputs only. */
    char *again = tmp_path("again.xlsx");
    if (write_workbook(again, &fx, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_strbuf cmd = PN_STRBUF_INIT;
    assert_int_equal(pn_strbuf_printf(&cmd, "cmp -s '%s' '%s'", path, again), PN_OK);
    assert_int_equal(system(pn_strbuf_str(&cmd)), 0);
    pn_strbuf_release(&cmd);

    free(again);
    free(path);
    fixture_release(&fx);
}

static void test_check_script_fails(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    char *path = tmp_path("check.xlsx");
    pn_error err = {0};
    if (write_workbook(path, &fx, &err) != PN_OK)
        fail_msg("%s", err.msg);
    /* The script must see a wrong value, a number expected where it is text, a chart
     * type, a sheet count. */
    check_quiet = 1;
    assert_int_equal(check_xlsx(path, "--cell", "Liens!B5=5", (const char *)NULL), 1);
    assert_int_equal(check_xlsx(path, "--cell", "Liens!A5=4", (const char *)NULL), 1);
    assert_int_equal(check_xlsx(path, "--chart-on", "Liens=bar", (const char *)NULL), 1);
    assert_int_equal(check_xlsx(path, "--sheets", "3", (const char *)NULL), 1);
    check_quiet = 0;
    free(path);
    fixture_release(&fx);
}

static void test_workbook_errors(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    pn_error err = {0};
    pn_report_item it = {"Liens", "Liens", "type_lien", NULL, NULL, "", PN_CHART_BAR, 2, 0, NULL,
                         NULL,    0,       0,           0,    0,    0,  NULL,         0};

    /* A directory that does not exist: the error comes at close, with the reason. */
    pn_workbook *wb = pn_workbook_create("/nonexistent-dir/out.xlsx", &err);
    assert_non_null(wb);
    assert_int_equal(add_freq(wb, &it, fx.liens, &err), PN_OK);
    assert_int_equal(pn_workbook_close(wb, NULL, &err), PN_EIO);
    assert_non_null(strstr(err.msg, "cannot write '/nonexistent-dir/out.xlsx': "));
    assert_non_null(strstr(err.msg, "No such file"));

    /* A sheet name used twice, an item naming the cover, a table not computed. */
    char *path = tmp_path("errors.xlsx");
    wb = pn_workbook_create(path, &err);
    assert_non_null(wb);
    assert_int_equal(add_freq(wb, &it, fx.liens, &err), PN_OK);
    it.sheet = "LIENS";
    assert_int_equal(add_multi(wb, &it, fx.freins, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "sheet 'LIENS'"));
    it.sheet = "Sommaire";
    assert_int_equal(add_freq(wb, &it, fx.rythme, &err), PN_EINPUT);
    it.sheet = "Autre";
    double *pct = fx.rythme->pct;
    fx.rythme->pct = NULL;
    assert_int_equal(add_freq(wb, &it, fx.rythme, &err), PN_EINTERNAL);
    fx.rythme->pct = pct;
    pn_workbook_destroy(wb);
    pn_workbook_destroy(NULL);
    assert_int_equal(pn_workbook_close(NULL, NULL, &err), PN_OK);
    assert_int_equal(access(path, F_OK), -1); /* destroy writes nothing */

    /* A bad data date: nothing written, the workbook freed. */
    wb = pn_workbook_create(path, &err);
    assert_non_null(wb);
    pn_workbook_info info = {.title = "T", .data_date = "2025-02-30"};
    assert_int_equal(pn_workbook_close(wb, &info, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "expected a date YYYY-MM-DD, found '2025-02-30'"));
    assert_int_equal(access(path, F_OK), -1);

    /* No info at all, an empty table: still a valid workbook. */
    static const char *const none[] = {"x"};
    static const double zero[] = {0};
    pn_freq *empty = make_freq("vide", "", 1, none, NULL, zero, 0, 0, 0);
    wb = pn_workbook_create(path, &err);
    assert_non_null(wb);
    it.sheet = "Vide";
    assert_int_equal(add_freq(wb, &it, empty, &err), PN_OK);
    assert_int_equal(pn_workbook_close(wb, NULL, &err), PN_OK);
    assert_int_equal(check_xlsx(path, "--sheets", "3", "--cell", "Vide!B5=0", "--cell",
                                "Vide!C5=", (const char *)NULL),
                     0);
    pn_freq_destroy(empty);
    free(path);
    fixture_release(&fx);
}

/* Whether the temp dir holds a file whose name contains ".tmp" (a temporary file left). */
static int temp_left(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q '\\.tmp$'", tmpdir);
    return system(cmd) == 0;
}

/* A workbook with one sheet, closed to @path: the status of close. */
static pn_status write_one(const char *path, const pn_freq *t, pn_error *err)
{
    pn_report_item it = {"Liens", "Liens", "type_lien", NULL, NULL, "", PN_CHART_BAR, 2, 0, NULL,
                         NULL,    0,       0,           0,    0,    0,  NULL,         0};
    pn_workbook *wb = pn_workbook_create(path, err);
    assert_non_null(wb);
    assert_int_equal(add_freq(wb, &it, t, err), PN_OK);
    return pn_workbook_close(wb, NULL, err);
}

/*
 * A workbook is written beside its target and renamed over it when whole: a write that
 * fails (here: the file size limit, as a full disk would) leaves the previous workbook
 * byte for byte, and no temporary file. A target that is not a regular file is refused,
 * and neither it nor a link to it is removed.
 */
static void test_workbook_replaced_only_when_whole(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    pn_error err = {0};
    char *path = tmp_path("old.xlsx");
    assert_int_equal(write_one(path, fx.liens, &err), PN_OK);
    size_t len = 0, len2 = 0;
    char *before = pn_test_read_file(path, &len);
    assert_non_null(before);
    assert_true(len > 4096);

    /* a write that fails midway: no more than 4 KiB per file */
    struct rlimit old, small = {4096, 4096};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    small.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    pn_status st = write_one(path, fx.rythme, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    assert_int_equal(st, PN_EIO);
    assert_non_null(strstr(err.msg, "cannot write '"));
    char *after = pn_test_read_file(path, &len2);
    if (after == NULL)
        fail_msg("a failed write removed the previous workbook");
    assert_int_equal(len2, len);
    assert_memory_equal(after, before, len);
    free(after);
    assert_false(temp_left());

    /* a device: refused, not removed (as root, the old writer deleted /dev/full) */
    pn_error e2 = {0};
    assert_int_equal(write_one("/dev/full", fx.liens, &e2), PN_EIO);
    assert_non_null(
        strstr(e2.msg, "cannot write '/dev/full': it exists and is not a regular file"));
    struct stat sb;
    assert_int_equal(stat("/dev/full", &sb), 0);
    assert_true(S_ISCHR(sb.st_mode));
    /* a link to it, in a folder of ours (no root needed): the link stays */
    char *link = tmp_path("full.xlsx");
    assert_int_equal(symlink("/dev/full", link), 0);
    assert_int_equal(write_one(link, fx.liens, &e2), PN_EIO);
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    remove(link);
    /* a folder */
    assert_int_equal(write_one(tmpdir, fx.liens, &e2), PN_EIO);
    assert_non_null(strstr(e2.msg, "is not a regular file"));

    /* a link to a workbook: the workbook it points to is replaced, the link stays */
    char *via = tmp_path("via.xlsx");
    assert_int_equal(symlink(path, via), 0);
    assert_int_equal(write_one(via, fx.rythme, &e2), PN_OK);
    assert_int_equal(lstat(via, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    after = pn_test_read_file(path, &len2);
    assert_non_null(after);
    assert_true(len2 != len || memcmp(after, before, len) != 0);
    free(after);
    remove(via);
    assert_false(temp_left());

    free(via);
    free(link);
    free(before);
    free(path);
    fixture_release(&fx);
}

/* A text longer than a cell holds, handed to the writer all the same (a spec is checked
 * first; a choice label of a form is not): the input is wrong, not the program. */
static void test_workbook_long_text(void **state)
{
    (void)state;
    fixture fx;
    fixture_init(&fx);
    pn_error err = {0};
    char *title = malloc(40001);
    assert_non_null(title);
    memset(title, 'T', 40000);
    title[40000] = '\0';
    pn_report_item it = {"Liens", title, "type_lien", NULL, NULL, "", PN_CHART_BAR, 2, 0, NULL,
                         NULL,    0,     0,           0,    0,    0,  NULL,         0};
    char *path = tmp_path("long.xlsx");
    pn_workbook *wb = pn_workbook_create(path, &err);
    assert_non_null(wb);
    assert_int_equal(add_freq(wb, &it, fx.liens, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "sheet 'Liens': a text is longer than an Excel cell holds"));
    pn_workbook_destroy(wb);
    free(path);
    free(title);
    fixture_release(&fx);
}

/* The methodology text is the coordinator's file: its sections and paragraphs, with the
 * report's figures in its placeholders, are the methodology sheet's cells. */
static void test_method_text(void **state)
{
    (void)state;
    static const char text[] = "# a comment\n"
                               "== Notre enqu\xc3\xaate\n"
                               "Les {liens} liens\n  d\xc3\xa9"
                               "clar\xc3\xa9s, {{pas un champ}.\r\n"
                               "\n"
                               "{typologie}\n"
                               "== Arrondis\n"
                               "Une d\xc3\xa9"
                               "cimale.\n";
    const double figures[PN_NCOUNTS] = {28, 61, 32, 12345, 900, 40, 3};
    pn_report_method *m = NULL;
    pn_method_text filled = {0};
    pn_error err = {0};
    assert_int_equal(pn_report_method_load_text("m.txt", text, strlen(text), &m, &err), PN_OK);
    assert_int_equal(pn_report_method_fill(m, figures, "", NULL, &filled, &err), PN_OK);
    assert_int_equal(filled.n, 4); /* the typology paragraph, empty, is dropped */
    assert_string_equal(filled.pars[0].text, "Notre enqu\xc3\xaate");
    assert_true(filled.pars[0].heading);
    assert_string_equal(filled.pars[1].text, "Les 12\xc2\xa0"
                                             "345 liens d\xc3\xa9"
                                             "clar\xc3\xa9s, {pas un champ}.");
    assert_false(filled.pars[1].heading);
    assert_true(filled.pars[2].heading);
    pn_method_text_release(&filled);
    assert_int_equal(pn_report_method_fill(m, figures, "Typologie : r.", NULL, &filled, &err),
                     PN_OK);
    assert_int_equal(filled.n, 5);
    assert_string_equal(filled.pars[2].text, "Typologie : r.");

    /* in the workbook: the headings and paragraphs, a blank row between the sections */
    fixture fx;
    fixture_init(&fx);
    char *path = tmp_path("method.xlsx");
    pn_report_item it = {"Liens", "Liens", "type_lien", NULL, NULL, "", PN_CHART_BAR, 2, 0, NULL,
                         NULL,    0,       0,           0,    0,    0,  NULL,         0};
    pn_workbook *wb = pn_workbook_create(path, &err);
    assert_non_null(wb);
    assert_int_equal(add_freq(wb, &it, fx.liens, &err), PN_OK);
    pn_workbook_info info = {.title = "T", .nmethod = filled.n, .method = filled.pars};
    assert_int_equal(pn_workbook_close(wb, &info, &err), PN_OK);
    assert_int_equal(check_xlsx(path, "--cell", "M\xc3\xa9thodologie!A3=Notre enqu\xc3\xaate",
                                "--cell", "M\xc3\xa9thodologie!A5=Typologie : r.", "--cell",
                                "M\xc3\xa9thodologie!A7=Arrondis", "--cell",
                                "M\xc3\xa9thodologie!A8=Une d\xc3\xa9"
                                "cimale.",
                                (const char *)NULL),
                     0);
    pn_method_text_release(&filled);
    pn_report_method_destroy(m);
    free(path);
    fixture_release(&fx);
}

/* A bad methodology text is an input error at its line. */
static void test_method_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"== T\nLes {liens} et {lien} ici\n",
         "m.txt:2: expected a placeholder among {centres}, {ecoles}, {communes}, {liens}, "
         "{paires}, {dyades}, {rejets}, {typologie}, {secret} (or '{{' for a brace), found "
         "'{lien}'"},
        {"Un\n\nDeux {liens\n", "m.txt:3: expected a placeholder among"},
        {"ok\nLatin-1 : \xe9t\xe9\n",
         "m.txt:2: expected UTF-8 text, found the byte 0xE9 at column 11"},
        {"# rien\n== Titre seul\n\n", "m.txt:3: expected at least one paragraph, found none"},
        {"== Les {lien}\nTexte.\n", "m.txt:1: expected a placeholder among"},
        {"Texte.\n==  \n", "m.txt:2: expected a section title after '==', found none"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pn_report_method *m = NULL;
        pn_error err = {0};
        assert_int_equal(
            pn_report_method_load_text("m.txt", cases[i].text, strlen(cases[i].text), &m, &err),
            PN_EINPUT);
        assert_null(m);
        if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: %s", i, err.msg);
    }
    pn_report_method *m = NULL;
    pn_error err = {0};
    assert_int_equal(pn_report_method_load("/nonexistent/methodologie.txt", &m, &err), PN_EIO);
    assert_non_null(strstr(err.msg, "cannot open '/nonexistent/methodologie.txt'"));
}

/* The bundled text gives the methodology the report always wrote: the placeholders it names
 * are known, and its sections are the sheet's two. */
static void test_method_bundled(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/reports/methodologie.txt",
             getenv("PN_SOURCE_DIR") ? getenv("PN_SOURCE_DIR") : "../..");
    pn_report_method *m = NULL;
    pn_method_text filled = {0};
    pn_error err = {0};
    const double figures[PN_NCOUNTS] = {0};
    assert_int_equal(pn_report_method_load(path, &m, &err), PN_OK);
    assert_int_equal(pn_report_method_fill(m, figures, "T.", "S.", &filled, &err), PN_OK);
    assert_int_equal(filled.n, 12);
    assert_true(strncmp(filled.pars[11].text, "S. Chaque case masqu", 20) == 0); /* {secret} */
    assert_string_equal(filled.pars[0].text, "Enqu\xc3\xaate, champ et traitements");
    assert_non_null(strstr(filled.pars[6].text, "SIRET")); /* the two views of a link */
    assert_string_equal(filled.pars[7].text, "T.");
    assert_string_equal(filled.pars[8].text, "Pourcentages et arrondis");
    pn_method_text_release(&filled);
    pn_report_method_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_good),
        cmocka_unit_test(test_spec_bad),
        cmocka_unit_test(test_spec_missing_file),
        cmocka_unit_test(test_demo_spec),
        cmocka_unit_test(test_workbook),
        cmocka_unit_test(test_check_script_fails),
        cmocka_unit_test(test_workbook_errors),
        cmocka_unit_test(test_workbook_replaced_only_when_whole),
        cmocka_unit_test(test_spec_long_text),
        cmocka_unit_test(test_workbook_long_text),
        cmocka_unit_test(test_method_text),
        cmocka_unit_test(test_method_bad),
        cmocka_unit_test(test_method_bundled),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
