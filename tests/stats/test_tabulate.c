/*
 * Unit tests of src/stats/tabulate.c: the counting behind every published figure, on two
 * small forms (a centre's and a school's) and a handful of answers whose tables are worked
 * out by hand below.
 *
 * The answers (plain exports, imported with pn_import_files):
 *   centres  c1  en_qpv oui  freins temps moyens  rep "a"   partners: 0951099D regulier,
 *                                                           0422170F ponctuel
 *            c2  en_qpv non  freins moyens        rep "b"   partner:  0951099D regulier
 *            c3  en_qpv non  freins (none)        rep "a"   no partner
 *   schools  e1  en_qpv oui  freins temps         rep "b"   partner:  73282932000074 regulier
 *            e2  en_qpv ''   freins moyens        rep "a"   no partner
 * Both forms ask en_qpv, freins and rythme alike (same label and list): they are pooled.
 * They ask `rep` under another label: one table per network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "import/import.h"
#include "output/output.h"
#include "stats/tabulate.h"

#define FORM(id, title, ident, ident_label, rep_label)                                             \
    "survey\n"                                                                                     \
    ",type,name,label,required,relevant,personnel\n"                                               \
    ",text," ident "," ident_label ",yes,,\n"                                                      \
    ",select_one oui_non,en_qpv,En QPV ?,,,\n"                                                     \
    ",select_multiple freins,freins,Freins,,,\n"                                                   \
    ",select_one ab,rep," rep_label ",,,\n"                                                        \
    ",text,courriel,Courriel,,,oui\n"                                                              \
    ",begin_repeat,partenaires,Partenaires,,,\n"                                                   \
    ",text,partenaire_id,Partenaire,,,\n"                                                          \
    ",select_one rythme,rythme,Rythme,,,\n"                                                        \
    ",end_repeat,,,,,\n"                                                                           \
    "choices\n"                                                                                    \
    ",list_name,name,label\n"                                                                      \
    ",oui_non,oui,Oui\n"                                                                           \
    ",oui_non,non,Non\n"                                                                           \
    ",freins,temps,Le temps\n"                                                                     \
    ",freins,moyens,Les moyens\n"                                                                  \
    ",ab,a,A\n"                                                                                    \
    ",ab,b,B\n"                                                                                    \
    ",rythme,ponctuel,Ponctuel\n"                                                                  \
    ",rythme,regulier,Régulier\n"                                                                 \
    "settings\n"                                                                                   \
    ",form_id,form_title\n"                                                                        \
    "," id "," title "\n"

static const char centre_form[] =
    FORM("centre_social", "Centres", "siret", "SIRET", "Vos écoles sont-elles en REP ?");
static const char ecole_form[] =
    FORM("ecole", "Écoles", "uai", "UAI", "Votre école est-elle en REP ?");

typedef struct fixture {
    char dir[64];
    pn_store *store;
} fixture;

static const char *write_file(const fixture *fx, const char *name, const char *text)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 128, "%s/%s", fx->dir, name);
    FILE *out = fopen(p, "wb");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    return p;
}

static void import(fixture *fx, const char *text, const char *main_csv, const char *part_csv)
{
    pn_error err = {0};
    pn_form *f = pn_form_load_text("form.csv", text, strlen(text), &err);
    if (f == NULL)
        fail_msg("%s", err.msg);
    const char *paths[2] = {write_file(fx, "main.csv", main_csv),
                            write_file(fx, "part.csv", part_csv)};
    pn_import_result res = {0};
    if (pn_import_files(fx->store, f, text, strlen(text), paths, 2, NULL, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.rejected, 0);
    pn_import_result_release(&res);
    pn_form_destroy(f);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    pn_error err = {0};
    char db[128];
    strcpy(fx->dir, "/tmp/pn_tabulate_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(db, sizeof db, "%s/p.db", fx->dir);
    assert_non_null(fx->store = pn_store_create(db, &err));
    import(fx, centre_form,
           "siret,en_qpv,freins,rep,courriel,KEY\n"
           "73282932000074,oui,temps moyens,a,a@b.fr,c1\n"
           "73282932000074,non,moyens,b,,c2\n"
           "73282932000074,non,,a,,c3\n",
           "PARENT_KEY,KEY,partenaire_id,rythme\n"
           "c1,c1/1,0951099D,regulier\n"
           "c1,c1/2,0422170F,ponctuel\n"
           "c2,c2/1,0951099D,regulier\n");
    import(fx, ecole_form,
           "uai,en_qpv,freins,rep,courriel,KEY\n"
           "0951099D,oui,temps,b,,e1\n"
           "0422170F,,moyens,a,,e2\n",
           "PARENT_KEY,KEY,partenaire_id,rythme\n"
           "e1,e1/1,73282932000074,regulier\n");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];
    pn_store_close(fx->store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

/* Tabulate @var by @by under @where, expecting PN_OK and @kind. */
static void tab(fixture *fx, const char *var, const char *by, const char *where, pn_tab_kind kind,
                pn_tab_result *r)
{
    pn_error err = {0};
    pn_tab_request req = {var, by, where, 0};
    if (pn_tabulate(fx->store, &req, r, &err) != PN_OK)
        fail_msg("tab %s: %s", var, err.msg);
    assert_int_equal(r->kind, kind);
}

/* The count of category @name in @t. */
static double freq_count(const pn_freq *t, const char *name)
{
    for (size_t i = 0; i < t->k; i++)
        if (strcmp(t->cats[i].name, name) == 0)
            return t->count[i];
    fail_msg("no category '%s'", name);
    return -1;
}

static double xt_count(const pn_crosstab *t, const char *row, const char *col)
{
    for (size_t i = 0; i < t->r; i++)
        for (size_t j = 0; j < t->c; j++)
            if (strcmp(t->row_cats[i].name, row) == 0 && strcmp(t->col_cats[j].name, col) == 0)
                return t->count[i * t->c + j];
    fail_msg("no cell '%s' x '%s'", row, col);
    return -1;
}

/* Questionnaires of both networks, pooled; the missing answer apart. */
static void test_frequency_pooled(void **state)
{
    fixture *fx = *state;
    pn_tab_result r = {0};
    tab(fx, "en_qpv", NULL, NULL, PN_TAB_FREQ, &r);
    assert_int_equal(r.nparts, 1);
    assert_null(r.split);
    const pn_freq *t = r.parts[0].freq;
    assert_int_equal(t->k, 2);
    assert_string_equal(t->cats[0].name, "oui"); /* the list's order */
    assert_true(freq_count(t, "oui") == 2);      /* c1, e1 */
    assert_true(freq_count(t, "non") == 2);      /* c2, c3 */
    assert_true(t->missing == 1);                /* e2 */
    assert_true(t->total == 5);
    assert_true(t->valid_pct[0] == 50);
    pn_tab_result_release(&r);
}

/* A select_multiple: units that ticked each option, respondents, non-response. */
static void test_multiple_response(void **state)
{
    fixture *fx = *state;
    pn_tab_result r = {0};
    tab(fx, "freins", NULL, NULL, PN_TAB_MULTI, &r);
    const pn_multi *t = r.parts[0].multi;
    assert_string_equal(t->cats[0].name, "temps");
    assert_true(t->count[0] == 2); /* c1, e1 */
    assert_true(t->count[1] == 3); /* c1, c2, e2 */
    assert_true(t->cases == 4);
    assert_true(t->missing == 1); /* c3 ticked nothing */
    assert_true(t->responses == 5);
    assert_true(t->pct_cases[1] == 75);
    pn_tab_result_release(&r);
}

/* Links of both sides, each seeing its submission's answers; a pair reported by both sides
 * counts twice, so the table's unit is the link. */
static void test_crosstab_of_links(void **state)
{
    fixture *fx = *state;
    pn_tab_result r = {0};
    tab(fx, "rythme", "en_qpv", NULL, PN_TAB_CROSSTAB, &r);
    const pn_crosstab *t = r.parts[0].xt;
    assert_true(xt_count(t, "regulier", "oui") == 2); /* c1's first partner, e1's */
    assert_true(xt_count(t, "ponctuel", "oui") == 1); /* c1's second */
    assert_true(xt_count(t, "regulier", "non") == 1); /* c2's */
    assert_true(xt_count(t, "ponctuel", "non") == 0);
    assert_true(t->n == 4);
    assert_int_equal(t->unit, PN_UNIT_LINK);
    pn_tab_result_release(&r);
    /* the centres' links alone count each pair once */
    tab(fx, "rythme", "en_qpv", "${reseau} = 'centre'", PN_TAB_CROSSTAB, &r);
    assert_true(r.parts[0].xt->n == 3);
    assert_int_equal(r.parts[0].xt->unit, PN_UNIT_QUESTIONNAIRE);
    pn_tab_result_release(&r);
    /* a cross-tab of questionnaires */
    tab(fx, "en_qpv", "reseau", NULL, PN_TAB_CROSSTAB, &r);
    t = r.parts[0].xt;
    assert_true(xt_count(t, "oui", "centre") == 1);
    assert_true(xt_count(t, "non", "centre") == 2);
    assert_true(xt_count(t, "oui", "ecole") == 1);
    assert_true(xt_count(t, "non", "ecole") == 0);
    assert_int_equal(t->unit, PN_UNIT_QUESTIONNAIRE);
    pn_tab_result_release(&r);
}

/* Filters: the network, a question of the entry's submission, no unit at all. */
static void test_filters(void **state)
{
    fixture *fx = *state;
    pn_tab_result r = {0};
    tab(fx, "rythme", NULL, "${reseau} = 'ecole'", PN_TAB_FREQ, &r);
    assert_true(freq_count(r.parts[0].freq, "regulier") == 1);
    assert_true(r.parts[0].freq->total == 1);
    pn_tab_result_release(&r);
    tab(fx, "rythme", NULL, "${en_qpv} = 'non'", PN_TAB_FREQ, &r);
    assert_true(r.parts[0].freq->total == 1); /* c2's partner */
    pn_tab_result_release(&r);
    tab(fx, "freins", NULL, "selected(${freins}, 'temps') and ${en_qpv} = 'non'", PN_TAB_MULTI, &r);
    assert_true(r.parts[0].multi->cases == 0);
    assert_true(r.parts[0].multi->count[0] == 0);
    pn_tab_result_release(&r);
}

/* A select_multiple by the network: per column, each option's units and the column's base. */
static void test_multiple_response_crosstab(void **state)
{
    fixture *fx = *state;
    pn_tab_result r = {0};
    tab(fx, "freins", "reseau", NULL, PN_TAB_MULTI_CROSSTAB, &r);
    const pn_multi_crosstab *t = r.parts[0].mxt;
    assert_int_equal(t->r, 2);
    assert_int_equal(t->c, 2);
    assert_string_equal(t->col_cats[0].name, "centre");
    /* centres: temps c1; moyens c1, c2; base c1, c2; c3 ticked nothing */
    assert_true(t->count[0 * 2 + 0] == 1);
    assert_true(t->count[1 * 2 + 0] == 2);
    assert_true(t->cases[0] == 2);
    assert_true(t->missing[0] == 1);
    assert_true(t->col_pct[1 * 2 + 0] == 100);
    /* schools: temps e1; moyens e2 */
    assert_true(t->count[0 * 2 + 1] == 1);
    assert_true(t->count[1 * 2 + 1] == 1);
    assert_true(t->cases[1] == 2);
    assert_true(t->missing[1] == 0);
    assert_true(t->total_cases == 4);
    pn_tab_result_release(&r);
}

/* A question both forms name alike but ask differently: one table per network, each under
 * its own wording, over its own units. */
static void test_split_by_network(void **state)
{
    fixture *fx = *state;
    pn_tab_result r = {0};
    tab(fx, "rep", NULL, NULL, PN_TAB_FREQ, &r);
    assert_non_null(r.split);
    assert_string_equal(r.split, "rep");
    assert_int_equal(r.nparts, 2);
    assert_string_equal(r.parts[0].network, "centre");
    assert_string_equal(r.parts[0].freq->title, "Vos écoles sont-elles en REP ?");
    assert_true(freq_count(r.parts[0].freq, "a") == 2);
    assert_true(freq_count(r.parts[0].freq, "b") == 1);
    assert_string_equal(r.parts[1].network, "ecole");
    assert_string_equal(r.parts[1].freq->title, "Votre école est-elle en REP ?");
    assert_true(freq_count(r.parts[1].freq, "a") == 1);
    assert_true(freq_count(r.parts[1].freq, "b") == 1);
    pn_tab_result_release(&r);
}

/* What cannot be tabulated, and why: an input error, and which part of the request is at
 * fault (the questions or the filter), so that the caller can name it. */
static void test_refusals(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *var, *by, *where;
        pn_tab_fault fault;
        const char *msg;
    } cases[] = {
        {"nothing", NULL, NULL, PN_TAB_FAULT_QUESTIONS,
         "no question 'nothing' in the stored forms"},
        {"courriel", NULL, NULL, PN_TAB_FAULT_QUESTIONS, "'courriel' holds personal data"},
        {"en_qpv", "courriel", NULL, PN_TAB_FAULT_QUESTIONS, "'courriel' holds personal data"},
        {"en_qpv", NULL, "${courriel} != ''", PN_TAB_FAULT_QUESTIONS,
         "'courriel' holds personal data"},
        {"en_qpv", NULL, "${en_qpv} = 'Oui'", PN_TAB_FAULT_FILTER,
         "the choice labelled 'Oui' is named 'oui': write 'oui'"},
        {"en_qpv", NULL, "${nothing} = 'x'", PN_TAB_FAULT_FILTER, "nothing"},
        {"en_qpv", NULL, "${en_qpv} = ", PN_TAB_FAULT_FILTER, "expression"},
        {"en_qpv", "freins", NULL, PN_TAB_FAULT_QUESTIONS, "freins"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pn_error err = {0};
        pn_tab_request req = {cases[i].var, cases[i].by, cases[i].where, 0};
        pn_tab_result r = {0};
        pn_status st = pn_tabulate(fx->store, &req, &r, &err);
        if (st != PN_EINPUT || r.fault != cases[i].fault || strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu (%s): status %d, fault %d, message '%s'; expected an input error, "
                     "fault %d, with '%s'",
                     i, cases[i].var, (int)st, (int)r.fault, err.msg, (int)cases[i].fault,
                     cases[i].msg);
        assert_int_equal(r.nparts, 0);
    }
}

/* The CSV text of @r (the CSV driver), which the caller frees: every figure of a result. */
static char *result_text(const pn_tab_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    pn_error err = {0};
    assert_non_null(out);
    pn_output csv = pn_output_csv(out);
    if (pn_output_write(&csv, r, &err) != PN_OK)
        fail_msg("%s", err.msg);
    fclose(out);
    return buf;
}

/* The requests of a report, counted together: each result is the one pn_tabulate gives
 * alone, from one scan of each form's submissions and one of its links, where pn_tabulate
 * on each scans once per table and form. */
static void test_all_in_one_pass(void **state)
{
    fixture *fx = *state;
    static const pn_tab_request reqs[] = {
        {"en_qpv", NULL, NULL, 0},
        {"freins", NULL, NULL, 0},
        {"rythme", NULL, NULL, 0},
        {"rythme", "en_qpv", NULL, 0},
        {"freins", "reseau", NULL, 0},
        {"rep", NULL, NULL, 0}, /* one table per network */
        {"rythme", NULL, "${en_qpv} = 'non'", 0},
        {"reseau", NULL, "${reseau} = 'ecole'", 0},
        {"freins", NULL, "selected(${freins}, 'temps')", 0},
    };
    enum { N = sizeof reqs / sizeof reqs[0] };
    pn_tab_result all[N], one;
    pn_error err = {0};
    size_t failed = 99, alone = 0;
    size_t before = pn_store_scans(fx->store);
    if (pn_tabulate_all(fx->store, reqs, N, all, &failed, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(failed, N);
    /* two forms, each read at two levels: its submissions and its partners */
    assert_int_equal(pn_store_scans(fx->store) - before, 4);
    for (size_t i = 0; i < N; i++) {
        before = pn_store_scans(fx->store);
        if (pn_tabulate(fx->store, &reqs[i], &one, &err) != PN_OK)
            fail_msg("%s", err.msg);
        alone += pn_store_scans(fx->store) - before;
        char *a = result_text(&all[i]), *b = result_text(&one);
        assert_string_equal(a, b);
        assert_int_equal(all[i].kind, one.kind);
        assert_int_equal(all[i].nparts, one.nparts);
        free(a);
        free(b);
        pn_tab_result_release(&one);
        pn_tab_result_release(&all[i]);
    }
    assert_int_equal(alone, 2 * N); /* each table scans both forms (rep: one each part) */
}

/* A request that fails stops the pass where pn_tabulate on each in turn would stop: at the
 * first that fails, whether its fault is found before counting (an unknown question) or
 * while counting (a filter that cannot be evaluated on a unit); those before it are
 * counted, with their figures. */
static void test_all_first_failure(void **state)
{
    fixture *fx = *state;
    static const pn_tab_request reqs[] = {
        {"en_qpv", NULL, NULL, 0},
        {"rythme", NULL, "${rythme} = 'regulier'", 0},
        {"freins", NULL, "today() != ''", 0}, /* no date given: fails on the first unit */
        {"nothing", NULL, NULL, 0},
    };
    pn_tab_result out[4], one = {0};
    pn_error err = {0}, alone = {0};
    size_t failed = 99;
    assert_int_equal(pn_tabulate_all(fx->store, reqs, 4, out, &failed, &err), PN_EINPUT);
    assert_int_equal(failed, 2);
    assert_int_equal(out[2].fault, PN_TAB_FAULT_FILTER);
    assert_int_equal(pn_tabulate(fx->store, &reqs[2], &one, &alone), PN_EINPUT);
    assert_string_equal(err.msg, alone.msg);
    assert_true(strstr(err.msg, "today()") != NULL);
    assert_int_equal(out[2].nparts, 0);
    assert_int_equal(out[3].nparts, 0);
    assert_true(out[0].parts[0].freq->total == 5);
    assert_true(freq_count(out[1].parts[0].freq, "regulier") == 3);
    pn_tab_result_release(&out[0]);
    pn_tab_result_release(&out[1]);

    /* the same without the failing filter: the unknown question is the first fault */
    pn_tab_request later[3] = {reqs[0], reqs[3], reqs[1]};
    assert_int_equal(pn_tabulate_all(fx->store, later, 3, out, &failed, &err), PN_EINPUT);
    assert_int_equal(failed, 1);
    assert_int_equal(out[1].fault, PN_TAB_FAULT_QUESTIONS);
    assert_string_equal(err.msg, "no question 'nothing' in the stored forms");
    assert_int_equal(out[2].nparts, 0);
    pn_tab_result_release(&out[0]);
}

/* Inside a read transaction, a second reader of the same snapshot counts the second half of
 * each scan on another thread (pn_store_twin); the tables are those of one scan: the same
 * counts, the categories first seen in the second half after those of the first (a column of
 * partner ids, in the order met), and a filter's failure that only the second half meets. */
static void test_halves_as_one_scan(void **state)
{
    fixture *fx = *state;
    import(fx, centre_form,
           "siret,en_qpv,freins,rep,courriel,KEY\n"
           "73282932000074,oui,temps,b,,c4\n"
           "73282932000074,,moyens,a,,c5\n",
           "PARENT_KEY,KEY,partenaire_id,rythme\n"
           "c4,c4/1,0595555T,ponctuel\n"
           "c4,c4/2,0951099D,\n"
           "c5,c5/1,0596666A,regulier\n"
           "c5,c5/2,0422170F,regulier\n"
           "c5,c5/3,0597777H,ponctuel\n");
    static const pn_tab_request reqs[] = {
        {"en_qpv", NULL, NULL, 0},
        {"freins", NULL, NULL, 0},
        {"rythme", NULL, NULL, 0},
        {"rythme", "partenaire_id", NULL, 0},
        {"freins", "en_qpv", NULL, 0},
        {"partenaire_id", "reseau", NULL, 0},
        {"rep", NULL, NULL, 0},
        {"rythme", "en_qpv", "${en_qpv} != 'oui' and ${rythme} = 'regulier'", 0},
        {"rythme", NULL, NULL, 1}, /* the pairs: the schools' side read on the twin */
        {"en_qpv", NULL, NULL, 1},
    };
    enum { N = sizeof reqs / sizeof reqs[0] };
    pn_tab_result one[N], halves[N];
    pn_error err = {0};
    size_t failed = 0;
    assert_int_equal(pn_tabulate_all(fx->store, reqs, N, one, &failed, &err), PN_OK);
    assert_null(pn_store_twin(fx->store, &err));
    assert_int_equal(err.status, PN_EUSAGE);
    assert_int_equal(pn_store_begin_read(fx->store, &err), PN_OK);
    pn_store *twin = pn_store_twin(fx->store, &err);
    assert_non_null(twin); /* what the counting below gets too */
    pn_store_close(twin);
    assert_int_equal(pn_tabulate_all(fx->store, reqs, N, halves, &failed, &err), PN_OK);
    for (size_t i = 0; i < N; i++) {
        char *a = result_text(&one[i]), *b = result_text(&halves[i]);
        assert_string_equal(a, b);
        free(a);
        free(b);
        pn_tab_result_release(&one[i]);
        pn_tab_result_release(&halves[i]);
    }
    /* c5's partners are in the second half of the centres' links: its new ids come after
     * those of the first half, in the order met */
    pn_tab_result r;
    tab(fx, "rythme", "partenaire_id", NULL, PN_TAB_CROSSTAB, &r);
    const pn_crosstab *t = r.parts[0].xt;
    assert_int_equal(t->c, 6);
    assert_string_equal(t->col_cats[3].name, "0596666A");
    assert_string_equal(t->col_cats[4].name, "0597777H");
    assert_string_equal(t->col_cats[5].name, "73282932000074");
    pn_tab_result_release(&r);
    /* a filter that cannot be evaluated fails the same way */
    pn_tab_request bad = {"rythme", NULL, "${partenaire_id} = '0596666A' and today() != ''", 0};
    pn_error e1 = {0};
    pn_tab_result out;
    assert_int_equal(pn_tabulate(fx->store, &bad, &out, &e1), PN_EINPUT);
    pn_store_end_read(fx->store);
    assert_int_equal(pn_tabulate(fx->store, &bad, &out, &err), PN_EINPUT);
    assert_string_equal(e1.msg, err.msg);
    assert_int_equal(out.fault, PN_TAB_FAULT_FILTER);
}

/* A twin sees the snapshot of its first reader: an import that has begun writing beside them
 * (its changes in its own cache, not yet committed) is not seen, and cannot commit while they
 * read. */
static void test_twin_snapshot(void **state)
{
    fixture *fx = *state;
    char db[128];
    snprintf(db, sizeof db, "%s/p.db", fx->dir);
    sqlite3 *w = NULL;
    assert_int_equal(sqlite3_open(db, &w), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(w, "BEGIN IMMEDIATE; INSERT INTO meta VALUES('twin', 'x')", NULL, NULL, NULL),
        SQLITE_OK);
    pn_error err = {0};
    assert_int_equal(pn_store_begin_read(fx->store, &err), PN_OK);
    pn_store *twin = pn_store_twin(fx->store, &err);
    assert_non_null(twin);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(pn_store_db(twin),
                                        "SELECT count(*) FROM meta WHERE key ="
                                        " 'twin'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    /* the writer cannot commit while they read */
    assert_int_equal(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) & 0xff, SQLITE_BUSY);
    pn_store_close(twin);
    pn_store_end_read(fx->store);
    assert_int_equal(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);
}

/* The agreement of the pairs: a centre and a school that each report their link once, the
 * centre's answer by the school's; a pair a side reports twice is left out and counted; one
 * side unanswered is counted apart. */
static void test_pairs(void **state)
{
    fixture *fx = *state;
    pn_tab_request req = {"rythme", NULL, NULL, 1};
    pn_tab_result r;
    pn_error err = {0};
    /* the centre reports 0951099D twice (c1, c2), which reports it once: no pair counted */
    assert_int_equal(pn_tabulate(fx->store, &req, &r, &err), PN_OK);
    assert_int_equal(r.kind, PN_TAB_AGREEMENT);
    const pn_agreement *t = r.parts[0].agree;
    assert_true(t->n == 0 && t->multiple == 1 && t->missing == 0 && isnan(t->kappa));
    assert_int_equal(t->k, 2);
    assert_string_equal(t->cats[0].name, "ponctuel");
    pn_tab_result_release(&r);
    /* two schools naming the centre, which names them once each: one pair where the centre
     * says regulier and the school ponctuel, one the school left unanswered */
    import(fx, ecole_form,
           "uai,en_qpv,freins,rep,courriel,KEY\n"
           "0595555T,oui,temps,b,,e3\n"
           "0596666A,oui,temps,b,,e4\n",
           "PARENT_KEY,KEY,partenaire_id,rythme\n"
           "e3,e3/1,73282932000074,ponctuel\n"
           "e4,e4/1,73282932000074,\n");
    import(fx, centre_form,
           "siret,en_qpv,freins,rep,courriel,KEY\n"
           "73282932000074,oui,temps,b,,c7\n",
           "PARENT_KEY,KEY,partenaire_id,rythme\n"
           "c7,c7/1,0595555T,regulier\n"
           "c7,c7/2,0596666A,regulier\n");
    assert_int_equal(pn_tabulate(fx->store, &req, &r, &err), PN_OK);
    t = r.parts[0].agree;
    assert_true(t->n == 1 && t->multiple == 1 && t->missing == 1);
    assert_true(t->count[1 * 2 + 0] == 1); /* centre: regulier, school: ponctuel */
    assert_true(t->agree == 0 && t->kappa == 0);
    pn_tab_result_release(&r);
    /* what cannot be compared */
    static const pn_tab_request bad[] = {
        {"freins", NULL, NULL, 1},     /* several choices */
        {"rythme", "en_qpv", NULL, 1}, /* a cross-tab */
        {"rythme", NULL, "${en_qpv} = 'oui'", 1},
        {"rep", NULL, NULL, 1},           /* other labels in the two forms */
        {"partenaire_id", NULL, NULL, 1}, /* no choice list */
        {"nothing", NULL, NULL, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pn_tabulate(fx->store, &bad[i], &r, &err), PN_EINPUT);
        assert_int_equal(r.fault, PN_TAB_FAULT_QUESTIONS);
    }
    /* in a pass with other tables and other pairs (read once for all), the same tables as
     * each alone; en_qpv, a structure's answer, counts both pairs: c7, e3 and e4 say oui */
    pn_tab_request all[3] = {{"rythme", NULL, NULL, 0}, req, {"en_qpv", NULL, NULL, 1}};
    pn_tab_result three[3], one;
    size_t failed = 0;
    assert_int_equal(pn_tabulate_all(fx->store, all, 3, three, &failed, &err), PN_OK);
    assert_true(three[2].parts[0].agree->n == 2 && three[2].parts[0].agree->count[0] == 2);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pn_tabulate(fx->store, &all[i], &one, &err), PN_OK);
        char *a = result_text(&three[i]), *b = result_text(&one);
        assert_string_equal(a, b);
        free(a);
        free(b);
        pn_tab_result_release(&one);
        pn_tab_result_release(&three[i]);
    }
}

/* The cover's counts of links: the links, the distinct centre-school pairs, the pairs both
 * partners report (a dyad). */
static void test_link_counts(void **state)
{
    fixture *fx = *state;
    double counts[PN_NCOUNTS];
    pn_error err = {0};
    if (pn_store_counts(fx->store, counts, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_true(counts[PN_COUNT_LINKS] == 4); /* c1 twice, c2, e1 */
    assert_true(counts[PN_COUNT_PAIRS] == 2); /* with 0951099D (c1, c2, e1), with 0422170F */
    assert_true(counts[PN_COUNT_DYADS] == 1); /* 0951099D reports its centre too */
    assert_true(counts[PN_COUNT_CENTRES] == 1);
    assert_true(counts[PN_COUNT_SCHOOLS] == 2);
    /* as the links view counts them: an entry whose submission has no answers row (its
     * centre read as ''), one whose partner is unanswered, one pair more of each */
    sqlite3 *db = pn_store_db(fx->store);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO submissions(submission_id, form_id, instance_key,"
                                  " import_id, source_file, source_line) VALUES(999,"
                                  " 'centre_social', 'k999', 1, 'x.csv', 2);"
                                  "INSERT INTO data_centre_social__partenaires(submission_id,"
                                  " position, entry_key, partenaire_id) VALUES(999, 1, 'x/1',"
                                  " '0951099D');"
                                  "INSERT INTO data_ecole__partenaires(submission_id, position,"
                                  " entry_key) SELECT submission_id, 9, 'e/9' FROM data_ecole"
                                  " LIMIT 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    if (pn_store_counts(fx->store, counts, &err) != PN_OK)
        fail_msg("%s", err.msg);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT"
                                        " centre_ident, school_ident FROM links)), (SELECT count(*)"
                                        " FROM (SELECT centre_ident, school_ident FROM links GROUP"
                                        " BY 1, 2 HAVING count(DISTINCT reporter_side) = 2)) FROM"
                                        " links",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_true(counts[PN_COUNT_LINKS] == 6 && sqlite3_column_double(q, 0) == 6);
    assert_true(counts[PN_COUNT_PAIRS] == sqlite3_column_double(q, 1));
    assert_true(counts[PN_COUNT_PAIRS] > 2);
    assert_true(counts[PN_COUNT_DYADS] == sqlite3_column_double(q, 2));
    sqlite3_finalize(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frequency_pooled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multiple_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crosstab_of_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multiple_response_crosstab, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_by_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_in_one_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_first_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_halves_as_one_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_twin_snapshot, setup, teardown),
    };
    pn_stats_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
