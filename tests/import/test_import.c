/* Unit tests of src/import: plain exports of the real centre social form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <unistd.h>

#include "import/import.h"
#include "support/support.h"
#include "util/strbuf.h"

/* dir, db, store, and the real centre social form with its text (form, source, len) */
typedef pn_test_project fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    pn_test_project_open(fx, "pn_import", "centre_social.csv");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    int rc = pn_test_project_close(fx);
    free(fx);
    return rc;
}

/* Write @text to DIR/@name; returns the path in a static buffer slot. */
static const char *put(fixture *fx, const char *name, const char *text)
{
    return pn_test_put(fx->dir, name, text);
}

static long long scalar(fixture *fx, const char *sql)
{
    return pn_test_scalar(fx->store, sql);
}

static char *text(fixture *fx, const char *sql)
{
    return pn_test_text(fx->store, sql);
}

/* Every row of every table, as one number: the store "as it was" check. */
static long long fingerprint(fixture *fx)
{
    return scalar(fx, "SELECT (SELECT count(*) FROM submissions) * 1000000 + (SELECT count(*) "
                      "FROM links) * 10000 + (SELECT count(*) FROM rejects) * 100 + (SELECT "
                      "count(*) FROM imports) + (SELECT count(*) FROM structures) * 7");
}

/* Every table's rows, column by column, and the schema: the store "as it was" check where a
 * count is not enough. The caller frees the result. */
static char *dump(fixture *fx)
{
    sqlite3 *db = pn_store_db(fx->store);
    sqlite3_stmt *tables = NULL, *q = NULL;
    pn_strbuf sb = PN_STRBUF_INIT;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name, sql FROM sqlite_master WHERE type='table'"
                                        " ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        assert_int_equal(pn_strbuf_printf(&sb, "%s\n", sqlite3_column_text(tables, 1)), PN_OK);
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
        sqlite3_free(sql);
        while (sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                const unsigned char *v = sqlite3_column_text(q, c);
                assert_int_equal(
                    pn_strbuf_printf(&sb, "%s%s", c ? "|" : "", v ? (const char *)v : "NULL"),
                    PN_OK);
            }
            assert_int_equal(pn_strbuf_puts(&sb, "\n"), PN_OK);
        }
        sqlite3_finalize(q);
    }
    sqlite3_finalize(tables);
    return pn_strbuf_detach(&sb);
}

static pn_status run(fixture *fx, const char **paths, size_t n, pn_import_result *res,
                     pn_error *err)
{
    return pn_import_files(fx->store, fx->form, fx->source, fx->len, paths, n, NULL, res, err);
}

static const char *MAIN_HEAD = "nom_structure,siret,commune,en_qpv,code_qpv,rep,travaille_avec,"
                               "raisons_non,freins,facteurs,end,KEY\n";
static const char *PART_HEAD = "PARENT_KEY,KEY,partenaire_id,partenaire_nom,rythme,frequence,"
                               "formalisation,profondeur,dispositifs,objets,annee_debut\n";

static void main_and_repeat(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[2048], part_csv[2048];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,oui,QP095001,rep,oui,,manque_temps turnover,"
             "interlocuteur,2026-03-01T10:00:00,uuid:a\n"
             "Centre B,73282932000074,95127,non,,hors_rep,non,,,,2026-03-04T10:00:00,uuid:b\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[1],0951099D,École 1,regulier,mensuelle,convention,partenariat,"
             "clas,parentalite,2019\n"
             "uuid:a,uuid:a/p[2],0422170F,École 2,ponctuel,annuelle,aucune,information,,"
             "culture,2024\n"
             "uuid:a,uuid:a/p[3],0940176F,École 3,regulier,hebdomadaire,accord_oral,cooperation,"
             "pre rep,,2020\n"
             "uuid:a,uuid:a/p[4],0951099D,École 1,regulier,hebdomadaire,aucune,coordination,,,"
             "2021\n",
             PART_HEAD);
    /* the repeat file first: main files are read first whatever the order */
    const char *paths[2] = {put(fx, "part.csv", part_csv), put(fx, "main.csv", main_csv)};
    pn_status st = run(fx, paths, 2, &res, &err);
    if (st != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.stored, 6);
    assert_int_equal(res.rejected, 0);
    assert_int_equal(res.files[0].repeat, 0);
    assert_int_equal(res.files[1].repeat, -1);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM links"), 4);
    /* the typology, computed from the form's calculate row */
    char *c1 = text(fx, "SELECT class FROM links WHERE entry_id = 1");
    char *c2 = text(fx, "SELECT class FROM links WHERE entry_id = 2");
    char *c3 = text(fx, "SELECT class FROM links WHERE entry_id = 3");
    char *c4 = text(fx, "SELECT class FROM links WHERE entry_id = 4");
    assert_string_equal(c1, "partenariat_formalise");
    assert_string_equal(c2, "ponctuel");
    assert_string_equal(c3, "dispositif");
    assert_string_equal(c4, "cooperation_reguliere");
    free(c1), free(c2), free(c3), free(c4);
    /* not applicable is NULL, applicable but unanswered is '' */
    char *qpv = text(fx, "SELECT quote(code_qpv) FROM data_centre_social d JOIN submissions s "
                         "USING(submission_id) WHERE s.instance_key = 'uuid:b'");
    assert_string_equal(qpv, "NULL");
    free(qpv);
    char *freins = text(fx, "SELECT quote(freins) FROM data_centre_social d JOIN submissions s "
                            "USING(submission_id) WHERE s.instance_key = 'uuid:b'");
    assert_string_equal(freins, "''");
    free(freins);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM structures WHERE side='centre' AND "
                                "responded=1"),
                     1);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM structures WHERE side='ecole'"), 3);
    char *date = text(fx, "SELECT max(submitted) FROM submissions");
    assert_string_equal(date, "2026-03-04");
    free(date);

    /* the same files again add nothing */
    long long before = fingerprint(fx);
    st = run(fx, paths, 2, &res, &err);
    assert_int_equal(st, PN_OK);
    assert_int_equal(res.stored, 0);
    assert_int_equal(res.duplicates, 6);
    pn_import_result_release(&res);
    assert_int_equal(fingerprint(fx) - 1, before); /* one more import log row, nothing else */
}

/* A newer version of a submission (same KEY, later time, other answers) replaces the stored
 * one, and its repeat file replaces the old version's entries; an older one is left aside. */
static void newer_version_replaces(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[1024];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01T10:00:00+01:00,uuid:a\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[1],0951099D,École 1,ponctuel,,,,,,2020\n"
             "uuid:a,uuid:a/p[2],0940176F,École 3,regulier,mensuelle,convention,partenariat,,,"
             "2019\n",
             PART_HEAD);
    const char *v1[2] = {put(fx, "v1.csv", main_csv), put(fx, "v1-p.csv", part_csv)};
    assert_int_equal(run(fx, v1, 2, &res, &err), PN_OK);
    assert_int_equal(res.stored, 3);
    pn_import_result_release(&res);

    /* edited an hour later, in another time zone's notation: QPV now, one partner left,
     * whose link became regular */
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,oui,QP095001,rep,oui,,,,2026-03-01T10:00:00Z,"
             "uuid:a\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[1],0951099D,École 1,regulier,hebdomadaire,aucune,coordination,"
             ",,2020\n",
             PART_HEAD);
    const char *v2[2] = {put(fx, "v2.csv", main_csv), put(fx, "v2-p.csv", part_csv)};
    if (run(fx, v2, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.files[0].replaced, 1);
    assert_int_equal(res.files[0].stored, 0);
    assert_int_equal(res.files[1].stored, 1); /* the new version's entry */
    assert_int_equal(res.older, 0);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM submissions"), 1);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM data_centre_social WHERE en_qpv='oui' AND"
                                " code_qpv='QP095001'"),
                     1);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM data_centre_social__partenaires"), 1);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM links"), 1);
    char *klass = text(fx, "SELECT class FROM links");
    assert_string_equal(klass, "cooperation_reguliere");
    free(klass);
    char *at = text(fx, "SELECT submitted_at FROM submissions");
    assert_string_equal(at, "2026-03-01T10:00:00Z");
    free(at);

    /* the first version again: 09:00 UTC is older than 10:00 UTC, so it is left aside with
     * its entries */
    if (run(fx, v1, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.files[0].older, 1);
    assert_int_equal(res.files[1].older, 2);
    assert_int_equal(res.stored + res.replaced, 0);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM data_centre_social__partenaires"), 1);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM data_centre_social WHERE en_qpv='oui'"), 1);

    /* the newer version again: nothing to do */
    assert_int_equal(run(fx, v2, 2, &res, &err), PN_OK);
    assert_int_equal(res.duplicates, 2);
    assert_int_equal(res.stored + res.replaced + res.older, 0);
    pn_import_result_release(&res);
}

static void rejects_with_every_reason(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char csv[2048];
    snprintf(csv, sizeof csv,
             "%sCentre C,123,99999,peut-etre,,rep,oui,,,,2026-03-01,uuid:c\n"
             "\"=D \"\"x\"\", y\",73282932000074,95018,non,QP095001,rep,oui,,,,2026-03-01,uuid:d\n"
             ",73282932000074,95018,non,,rep,,,,,2026-03-01,uuid:e\n",
             MAIN_HEAD);
    const char *paths[1] = {put(fx, "bad.csv", csv)};
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.rejected, 3);
    assert_int_equal(res.stored, 0);
    pn_import_result_release(&res);
    char *r = text(fx, "SELECT line || ' ' || reasons FROM rejects WHERE instance_key='uuid:c'");
    assert_non_null(strstr(r, "2 column 'siret': '123' is not a valid SIRET"));
    assert_null(strstr(r, "does not meet the constraint")); /* said once, not twice */
    assert_non_null(strstr(r, "column 'commune': '99999' is not a choice of list 'communes'"));
    assert_non_null(strstr(r, "column 'en_qpv': 'peut-etre' is not a choice of list 'oui_non'"));
    free(r);
    r = text(fx, "SELECT line || ' ' || reasons FROM rejects WHERE instance_key='uuid:d'");
    assert_non_null(strstr(r, "3 column 'code_qpv': answered 'QP095001', but the question does "
                              "not apply"));
    free(r);
    r = text(fx, "SELECT reasons FROM rejects WHERE instance_key='uuid:e'");
    assert_non_null(strstr(r, "column 'nom_structure': an answer is required"));
    assert_non_null(strstr(r, "column 'travaille_avec': an answer is required"));
    free(r);
    r = text(fx, "SELECT raw FROM rejects WHERE instance_key='uuid:c'");
    assert_string_equal(r, "Centre C,123,99999,peut-etre,,rep,oui,,,,2026-03-01,uuid:c");
    free(r);
    /* quoted again as the file had it, with no formula guard (a reject is not for people) */
    r = text(fx, "SELECT raw FROM rejects WHERE instance_key='uuid:d'");
    assert_string_equal(
        r, "\"=D \"\"x\"\", y\",73282932000074,95018,non,QP095001,rep,oui,,,,2026-03-01,uuid:d");
    free(r);

    /* the corrected row, under the same key, resolves its reject */
    snprintf(csv, sizeof csv, "%sCentre C,73282932000074,95018,oui,,rep,non,,,,2026-03-01,uuid:c\n",
             MAIN_HEAD);
    paths[0] = put(fx, "fixed.csv", csv);
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.stored, 1);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects"), 2);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects WHERE instance_key='uuid:c'"), 0);
}

/* Every rejected row is kept, whatever its key: 1,000 rows sharing three keys are 1,000
 * rejects; the same file again lists them once. */
static void every_reject_kept(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    pn_strbuf csv = PN_STRBUF_INIT;
    assert_int_equal(pn_strbuf_puts(&csv, MAIN_HEAD), PN_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(pn_strbuf_printf(&csv,
                                          "Centre %d,123,95018,non,,rep,non,,,,2026-03-01,"
                                          "uuid:k%d\n",
                                          i, i % 3),
                         PN_OK);
    const char *paths[1] = {put(fx, "many.csv", pn_strbuf_str(&csv))};
    pn_strbuf_release(&csv);
    if (run(fx, paths, 1, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.rejected, 1000);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects"), 1000);
    assert_int_equal(scalar(fx, "SELECT count(DISTINCT line) FROM rejects"), 1000);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects WHERE raw LIKE 'Centre 999,%'"), 1);
    /* the same file again: the same rows, recorded once */
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.rejected, 1000);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects"), 1000);
    assert_int_equal(scalar(fx, "SELECT count(DISTINCT import_id) FROM rejects"), 1);
}

/* A reject is resolved by a row of the same form and level with its key only: a tool without
 * repeat groups numbers the partner survey's responses from 1 as it does the main survey's. */
static void reject_resolved_at_its_level(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[1024];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01,8\n"
             "Centre B,123,95018,non,,rep,non,,,,2026-03-01,7\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%s8,7,0951099D,École 1,regulier,mensuelle,convention,partenariat,,,2019\n"
             "8,9,0951099A,École 2,regulier,mensuelle,convention,partenariat,,,2019\n",
             PART_HEAD);
    const char *paths[2] = {put(fx, "main.csv", main_csv), put(fx, "part.csv", part_csv)};
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.stored, 2);
    assert_int_equal(res.rejected, 2);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects WHERE instance_key='7' AND"
                                " level=''"),
                     1);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects WHERE instance_key='9' AND"
                                " level='partenaires'"),
                     1);
    /* a submission keyed 9 does not resolve the entry's reject 9 */
    snprintf(main_csv, sizeof main_csv,
             "%sCentre C,73282932000074,95018,non,,rep,non,,,,2026-03-01,9\n", MAIN_HEAD);
    paths[0] = put(fx, "main9.csv", main_csv);
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.stored, 1);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects"), 2);
    /* the corrected entry does */
    snprintf(part_csv, sizeof part_csv,
             "%s8,9,0422170F,École 2,regulier,mensuelle,convention,partenariat,,,2019\n",
             PART_HEAD);
    const char *both[2] = {put(fx, "main.csv", main_csv), put(fx, "part9.csv", part_csv)};
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01,8\n", MAIN_HEAD);
    both[0] = put(fx, "main8.csv", main_csv);
    if (run(fx, both, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects WHERE instance_key='9'"), 0);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM rejects WHERE instance_key='7'"), 1);
}

/* The name kept for a structure that did not answer itself: the name its partners give it
 * most often, then the first in byte order; whatever the order of the rows. */
static void partner_name_by_rule(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[2048];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01,a\n"
             "Centre B,73282932000074,95018,non,,rep,oui,,,,2026-03-02,b\n"
             "Centre C,73282932000074,95018,non,,rep,oui,,,,2026-03-03,c\n",
             MAIN_HEAD);
    /* newest first, as ODK Central exports: 0951099D is "École Jaurès" twice, "Ecole Jaures"
     * once; 0422170F and 0940176F are named once each way, in both orders */
    snprintf(part_csv, sizeof part_csv,
             "%sc,c1,0951099D,École Jaurès,ponctuel,,,,,,2020\n"
             "c,c2,0422170F,Zola,ponctuel,,,,,,2020\n"
             "c,c3,0940176F,Hugo,ponctuel,,,,,,2020\n"
             "b,b1,0951099D,École Jaurès,ponctuel,,,,,,2020\n"
             "b,b2,0422170F,Hugo,ponctuel,,,,,,2020\n"
             "b,b3,0940176F,Zola,ponctuel,,,,,,2020\n"
             "a,a1,0951099D,Ecole Jaures,ponctuel,,,,,,2020\n",
             PART_HEAD);
    const char *paths[2] = {put(fx, "main.csv", main_csv), put(fx, "part.csv", part_csv)};
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.rejected, 0);
    pn_import_result_release(&res);
    char *n1 = text(fx, "SELECT name FROM structures WHERE ident='0951099D'");
    char *n2 = text(fx, "SELECT name FROM structures WHERE ident='0422170F'");
    char *n3 = text(fx, "SELECT name FROM structures WHERE ident='0940176F'");
    assert_string_equal(n1, "École Jaurès");
    assert_string_equal(n2, "Hugo");
    assert_string_equal(n3, "Hugo");
    free(n1), free(n2), free(n3);
    /* a later import of other centres' answers counts with the stored ones */
    snprintf(main_csv, sizeof main_csv,
             "%sCentre D,73282932000074,95018,non,,rep,oui,,,,2026-03-04,d\n"
             "Centre E,73282932000074,95018,non,,rep,oui,,,,2026-03-05,e\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%sd,d1,0951099D,Ecole Jaures,ponctuel,,,,,,2020\n"
             "e,e1,0951099D,Ecole Jaures,ponctuel,,,,,,2020\n",
             PART_HEAD);
    paths[0] = put(fx, "main2.csv", main_csv);
    paths[1] = put(fx, "part2.csv", part_csv);
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_import_result_release(&res);
    n1 = text(fx, "SELECT name FROM structures WHERE ident='0951099D'");
    assert_string_equal(n1, "Ecole Jaures");
    free(n1);
}

static void orphan_and_ragged_entries(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[1024];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01,uuid:a\n", MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:zzz,,0951099D,École 1,regulier,mensuelle,convention,partenariat,,,2019\n"
             "uuid:a,,0951099D,École 1,regulier,mensuelle,convention,partenariat,,,2031\n"
             "uuid:a,,0951099D,École 1,regulier,mensuelle,convention,partenariat,,,2019,,,\n",
             PART_HEAD);
    const char *paths[2] = {put(fx, "main.csv", main_csv), put(fx, "part.csv", part_csv)};
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_OK);
    assert_int_equal(res.files[1].rejected, 2);
    assert_int_equal(res.files[1].stored, 1); /* empty cells after the last column are harmless */
    pn_import_result_release(&res);
    char *r = text(fx, "SELECT reasons FROM rejects WHERE line = 2 AND file LIKE '%part.csv'");
    assert_non_null(strstr(r, "no submission of form 'centre_social' has KEY 'uuid:zzz'"));
    free(r);
    r = text(fx, "SELECT reasons FROM rejects WHERE line = 3 AND file LIKE '%part.csv'");
    assert_non_null(strstr(r, "column 'annee_debut': '2031' does not meet the constraint"));
    free(r);

    /* a row cut short: the columns no longer line up, so the whole file is refused */
    long long before = fingerprint(fx);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,,0940176F,École 3,regulier,mensuelle,convention,partenariat,,,2019\n"
             "uuid:a,,0951099D,École 1,regulier\n",
             PART_HEAD);
    paths[1] = put(fx, "ragged.csv", part_csv);
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "ragged.csv:3: expected 11 fields as in the header (line 1), "
                                    "found 5"));
    assert_int_equal(fingerprint(fx), before);
}

/* An allocation that fails on purpose (test_import is linked with -Wl,--wrap=realloc): once,
 * the first call of the thread that armed it that grows a block of less than 256 bytes to
 * fail_size bytes. Only that thread counts, so that the store thread of the import does not
 * change which call fails. */
void *__real_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size);
static _Thread_local size_t fail_size;
void *__wrap_realloc(void *p, size_t size)
{
    if (fail_size != 0 && p != NULL && size == fail_size && malloc_usable_size(p) < 256) {
        fail_size = 0;
        return NULL;
    }
    return __real_realloc(p, size);
}

/* A row whose only fault cannot be recorded for want of memory stops the import with
 * PN_ENOMEM: it is not stored as a valid entry. Line 2 is rejected with a short reason, which
 * leaves the reasons' buffer small; line 3's only fault is an orphan entry whose parent KEY is
 * long enough that its reason grows that buffer to 1024 bytes at once, the one growth of that
 * kind the reading of line 3 makes (line 2's long name grew the record buffer already). */
static void reason_out_of_memory_stops(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[4096], parent[701], name[1201];
    memset(parent, 'z', 700);
    parent[700] = '\0';
    memset(name, 'n', 1200);
    name[1200] = '\0';
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01,uuid:a\n", MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,,0951099D,%s,regulier,mensuelle,convention,partenariat,,,2031\n"
             "%s,,0951099D,École 1,regulier,mensuelle,convention,partenariat,,,2019\n",
             PART_HEAD, name, parent);
    const char *paths[2] = {put(fx, "main.csv", main_csv), put(fx, "part.csv", part_csv)};
    long long before = fingerprint(fx);
    fail_size = 1024;
    pn_status st = run(fx, paths, 2, &res, &err);
    size_t left = fail_size;
    fail_size = 0;
    pn_import_result_release(&res);
    assert_int_equal(left, 0); /* the allocation did fail */
    /* (when the reason was dropped, the entry went to the store as valid, with no parent,
     * and the store refused it: PN_ESTORE) */
    assert_int_equal(st, PN_ENOMEM);
    assert_int_equal(err.status, PN_ENOMEM);
    assert_string_equal(err.msg, "out of memory");
    assert_int_equal(fingerprint(fx), before);

    /* with memory, both entries are rejects, each with its reason */
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_OK);
    assert_int_equal(res.files[1].rejected, 2);
    assert_int_equal(res.files[1].stored, 0);
    pn_import_result_release(&res);
}

static void malformed_file_changes_nothing(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,non,,,,2026-03-01,uuid:a\n", MAIN_HEAD);
    const char *good = put(fx, "good.csv", main_csv);
    const char *paths[2] = {good, NULL};
    long long before = fingerprint(fx);

    /* an unterminated quote in the second file: the first file's rows are rolled back */
    char quoted[1024];
    snprintf(quoted, sizeof quoted, "%s\"Centre B,73282932000074,95018\n", MAIN_HEAD);
    paths[1] = put(fx, "quote.csv", quoted);
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "quote.csv:2: unterminated quoted field"));
    assert_int_equal(fingerprint(fx), before);

    /* a column that is not in the form */
    paths[1] = put(fx, "unknown.csv", "nom_structure,siret,couleur,KEY\nA,73282932000074,x,k\n");
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "unknown.csv:1: 1 column of this plain export cannot be "
                                    "matched to a question of form 'centre_social' by name, "
                                    "group path or label:\n  column 3 'couleur' (« x »)"));
    assert_int_equal(fingerprint(fx), before);

    /* a binary file */
    paths[1] = put(fx, "bin.csv",
                   "\x7f"
                   "ELF\x02\x01");
    FILE *out = fopen(paths[1], "ab");
    fputc('\0', out);
    fclose(out);
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "bin.csv:1: NUL byte"));
    assert_int_equal(fingerprint(fx), before);

    /* a file that does not exist */
    paths[1] = "/nonexistent/reponses.csv";
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EIO);
    assert_string_equal(err.msg, "cannot open '/nonexistent/reponses.csv': No such file or "
                                 "directory");
    assert_int_equal(fingerprint(fx), before);

    /* a header only */
    paths[1] = put(fx, "header.csv", MAIN_HEAD);
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "header.csv: the file has a header but no answers"));
    assert_int_equal(fingerprint(fx), before);

    /* a required question without a column */
    paths[1] = put(fx, "noreq.csv", "nom_structure,KEY\nA,k\n");
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "no column for the required question 'siret'"));
    assert_int_equal(fingerprint(fx), before);
}

static void semicolon_bom_and_content_key(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    /* no KEY column: rows are keyed by their content, so a second import adds nothing */
    const char *csv = "\xEF\xBB\xBFnom_structure;siret;commune;en_qpv;rep;travaille_avec\r\n"
                      "\"Centre; le Phare\";73282932000074;95018;non;rep;non\r\n";
    const char *paths[1] = {put(fx, "semi.csv", csv)};
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.stored, 1);
    pn_import_result_release(&res);
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.stored, 0);
    assert_int_equal(res.duplicates, 1);
    pn_import_result_release(&res);
    char *name = text(fx, "SELECT nom_structure FROM data_centre_social");
    assert_string_equal(name, "Centre; le Phare");
    free(name);
}

static void select_multiple_tokens(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char csv[2048], longname[301];
    memset(longname, 'x', 300);
    longname[300] = '\0';
    /* a tab between choices is a separator, as selected() sees it; a long bad name is
     * reported whole */
    snprintf(csv, sizeof csv,
             "%sCentre A,73282932000074,95018,non,,rep,non,,\"manque_temps\tturnover\",,"
             "2026-03-01,uuid:t\n"
             "Centre B,73282932000074,95018,non,,rep,non,,manque_temps %s,,2026-03-01,uuid:u\n",
             MAIN_HEAD, longname);
    const char *paths[1] = {put(fx, "tokens.csv", csv)};
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_OK);
    assert_int_equal(res.stored, 1);
    assert_int_equal(res.rejected, 1);
    pn_import_result_release(&res);
    char *r = text(fx, "SELECT reasons FROM rejects WHERE instance_key='uuid:u'");
    char want[400];
    snprintf(want, sizeof want, "column 'freins': '%s' is not a choice of list 'freins'", longname);
    assert_non_null(strstr(r, want));
    free(r);
}

/* The bundled centres' answers and their partner entries (examples/), into @main_path and
 * @part_path of 512 bytes each. */
static void example_paths(char *main_path, char *part_path)
{
    pn_test_source_path("examples/centre_social.csv", main_path, 512);
    pn_test_source_path("examples/centre_social-partenaires.csv", part_path, 512);
}

/* Every row of every table of @db, in order, as one string the caller frees. */
static char *store_text(sqlite3 *db)
{
    pn_strbuf all = PN_STRBUF_INIT;
    sqlite3_stmt *t = NULL, *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_schema WHERE type='table' AND"
                                        " name NOT LIKE 'sqlite_%' ORDER BY name",
                                        -1, &t, NULL),
                     SQLITE_OK);
    while (sqlite3_step(t) == SQLITE_ROW) {
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1", sqlite3_column_text(t, 0));
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
        sqlite3_free(sql);
        assert_int_equal(pn_strbuf_printf(&all, "%s\n", sqlite3_column_text(t, 0)), PN_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                const unsigned char *v = sqlite3_column_text(q, c);
                assert_int_equal(pn_strbuf_printf(&all, "%s|", v ? (const char *)v : "NULL"),
                                 PN_OK);
            }
            assert_int_equal(pn_strbuf_puts(&all, "\n"), PN_OK);
        }
        sqlite3_finalize(q);
    }
    sqlite3_finalize(t);
    return pn_strbuf_detach(&all);
}

/* The import stored in the calling thread, as when the second thread cannot be started,
 * gives the very store the two threads give: the bundled examples, rejects included. */
static void one_thread_same_store(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char db[160];
    char main_path[512], part_path[512];
    example_paths(main_path, part_path);
    const char *paths[2] = {main_path, part_path};
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    size_t stored = res.stored, rejected = res.rejected;
    pn_import_result_release(&res);
    assert_true(rejected > 0);
    snprintf(db, sizeof db, "%s/one.db", fx->dir);
    pn_store *one = pn_store_create(db, &err);
    assert_non_null(one);
    pn_import_opts opts = {.one_thread = 1};
    if (pn_import_files(one, fx->form, fx->source, fx->len, paths, 2, &opts, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.stored, stored);
    assert_int_equal(res.rejected, rejected);
    pn_import_result_release(&res);
    char *a = store_text(pn_store_db(fx->store)), *b = store_text(pn_store_db(one));
    assert_string_equal(a, b);
    free(a);
    free(b);
    pn_store_close(one);
}

/* Cells made once and lent to several imports of the form (pn_import_opts.cells, what the
 * fuzzer does) give the store that imports making their own give: the header index they keep
 * from one import to the next matches the next header as a new one would. */
static void lent_cells_same_store(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char db[160];
    char main_path[512], part_path[512];
    example_paths(main_path, part_path);
    const char *both[2] = {main_path, part_path}, *part_first[2] = {part_path, main_path};
    snprintf(db, sizeof db, "%s/lent.db", fx->dir);
    pn_store *lent = pn_store_create(db, &err);
    assert_non_null(lent);
    pn_cells *cells = pn_cells_new(fx->form, NULL);
    assert_non_null(cells);
    pn_import_opts opts = {.cells = cells};
    for (int round = 0; round < 2; round++) {
        const char **paths = round ? part_first : both;
        if (run(fx, paths, 2, &res, &err) != PN_OK)
            fail_msg("%s", err.msg);
        size_t stored = res.stored, duplicates = res.duplicates, rejected = res.rejected;
        pn_import_result_release(&res);
        if (pn_import_files(lent, fx->form, fx->source, fx->len, paths, 2, &opts, &res, &err) !=
            PN_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(res.stored, stored);
        assert_int_equal(res.duplicates, duplicates);
        assert_int_equal(res.rejected, rejected);
        pn_import_result_release(&res);
    }
    char *a = store_text(pn_store_db(fx->store)), *b = store_text(pn_store_db(lent));
    assert_string_equal(a, b);
    free(a);
    free(b);
    pn_cells_destroy(cells);
    pn_store_close(lent);
}

/* The scan's rows, "a|b|c" each (NULL as "-"), one per line: its @nparts parts read in
 * turn (pn_store_scan_open_part), or the whole scan (pn_store_scan_open) for @nparts 0. */
static char *scan_text(fixture *fx, int level, const pn_question *const *cols, size_t n,
                       size_t nparts)
{
    pn_error err = {0};
    pn_strbuf all = PN_STRBUF_INIT;
    for (size_t part = 0; part < (nparts ? nparts : 1); part++) {
        pn_store_scan *sc = nparts ? pn_store_scan_open_part(fx->store, fx->form, level, cols, n,
                                                             part, nparts, &err)
                                   : pn_store_scan_open(fx->store, fx->form, level, cols, n, &err);
        if (sc == NULL)
            fail_msg("%s", err.msg);
        const char *v[8];
        int more = 1;
        while (more) {
            assert_int_equal(pn_store_scan_next(sc, v, &more, &err), PN_OK);
            for (size_t i = 0; more && i < n; i++)
                assert_int_equal(pn_strbuf_printf(&all, "%s%s", i ? "|" : "", v[i] ? v[i] : "-"),
                                 PN_OK);
            if (more)
                assert_int_equal(pn_strbuf_puts(&all, "\n"), PN_OK);
        }
        pn_store_scan_close(sc);
    }
    return pn_strbuf_detach(&all);
}

/* The parts of a scan, read in turn, give the whole scan, whatever their number; and each
 * part has some of the units when there are enough of them. */
static void check_parts(fixture *fx, int level, const pn_question *const *cols, size_t n,
                        const char *want)
{
    static const size_t counts[] = {1, 2, 3, 7};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        char *got = scan_text(fx, level, cols, n, counts[k]);
        assert_string_equal(got, want);
        free(got);
    }
    pn_error err = {0};
    pn_store_scan *sc = pn_store_scan_open_part(fx->store, fx->form, level, cols, n, 1, 2, &err);
    assert_non_null(sc);
    const char *v[8];
    int more = 0;
    assert_int_equal(pn_store_scan_next(sc, v, &more, &err), PN_OK);
    assert_true(more); /* the second half is not empty */
    pn_store_scan_close(sc);
    assert_null(pn_store_scan_open_part(fx->store, fx->form, level, cols, n, 2, 2, &err));
}

/* The same rows by SQL: each entry joined to its submission, in the entries' order. */
static char *join_text(fixture *fx)
{
    pn_strbuf all = PN_STRBUF_INIT;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(pn_store_db(fx->store),
                                        "SELECT t.rythme, p.commune, NULL FROM"
                                        " data_centre_social__partenaires t JOIN data_centre_social"
                                        " p ON p.submission_id = t.submission_id ORDER BY"
                                        " t.entry_id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW)
        for (int i = 0; i < 3; i++) {
            const char *v = (const char *)sqlite3_column_text(q, i);
            assert_int_equal(pn_strbuf_printf(&all, "%s%s", i ? "|" : "", v ? v : "-"), PN_OK);
            if (i == 2)
                assert_int_equal(pn_strbuf_puts(&all, "\n"), PN_OK);
        }
    sqlite3_finalize(q);
    return pn_strbuf_detach(&all);
}

/* A scan of the partner entries gives each entry with its submission's answers, as the join
 * of the two tables does: read apart (the submissions' answers first, by id) when the ids are
 * dense, through the join when they are scattered. */
static void scan_reads_entries_as_the_join(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_path[512], part_path[512];
    example_paths(main_path, part_path);
    const char *paths[2] = {main_path, part_path};
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_import_result_release(&res);
    const pn_question *rythme = pn_form_find(fx->form, "rythme");
    const pn_question *cols[3] = {rythme, pn_form_find(fx->form, "commune"), NULL};
    assert_true(rythme->repeat >= 0 && cols[1]->repeat < 0);
    char *want = join_text(fx), *got = scan_text(fx, rythme->repeat, cols, 3, 0);
    assert_true(strlen(want) > 1000);
    assert_string_equal(got, want);
    free(got);
    check_parts(fx, rythme->repeat, cols, 3, want);
    /* the submissions, whole and in parts */
    const pn_question *top[2] = {cols[1], pn_form_find(fx->form, "siret")};
    got = scan_text(fx, -1, top, 2, 0);
    assert_true(strlen(got) > 100);
    check_parts(fx, -1, top, 2, got);
    free(got);
    /* a submission far beyond the others: its ids are now too scattered for a table by id */
    assert_int_equal(sqlite3_exec(pn_store_db(fx->store),
                                  "INSERT INTO submissions(submission_id, form_id, instance_key,"
                                  " import_id, source_file, source_line) VALUES(50000000,"
                                  " 'centre_social', 'uuid:far', 1, 'x.csv', 2);"
                                  "INSERT INTO data_centre_social(submission_id, commune)"
                                  " VALUES(50000000, '95018')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    got = scan_text(fx, rythme->repeat, cols, 3, 0);
    assert_string_equal(got, want);
    free(got);
    check_parts(fx, rythme->repeat, cols, 3, want);
    free(want);
}

/* Imports of two forms in turn on one connection (the store keeps the statements of the last
 * form's levels, writer.c) give the store that imports each on a connection of its own give. */
static void two_forms_in_turn(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char centre[2][512], ecole[2][512], db[160];
    example_paths(centre[0], centre[1]);
    pn_test_source_path("examples/ecole.csv", ecole[0], sizeof ecole[0]);
    pn_test_source_path("examples/ecole-partenaires.csv", ecole[1], sizeof ecole[1]);
    const char *cp[2] = {centre[0], centre[1]}, *ep[2] = {ecole[0], ecole[1]};
    char *esrc = NULL;
    size_t elen = 0;
    pn_form *ef = pn_test_load_form("ecole.csv", &esrc, &elen);
    snprintf(db, sizeof db, "%s/apart.db", fx->dir);
    pn_store *apart = pn_store_create(db, &err);
    assert_non_null(apart);
    pn_store_close(apart);
    for (int k = 0; k < 3; k++) {
        const pn_form *f = k == 1 ? ef : fx->form;
        const char *src = k == 1 ? esrc : fx->source;
        size_t len = k == 1 ? elen : fx->len;
        const char **paths = k == 1 ? ep : cp;
        if (pn_import_files(fx->store, f, src, len, paths, 2, NULL, &res, &err) != PN_OK)
            fail_msg("%s", err.msg);
        pn_import_result_release(&res);
        apart = pn_store_open(db, &err);
        assert_non_null(apart);
        if (pn_import_files(apart, f, src, len, paths, 2, NULL, &res, &err) != PN_OK)
            fail_msg("%s", err.msg);
        pn_import_result_release(&res);
        if (k < 2)
            pn_store_close(apart);
    }
    char *a = store_text(pn_store_db(fx->store)), *b = store_text(pn_store_db(apart));
    assert_string_equal(a, b);
    free(a);
    free(b);
    pn_store_close(apart);
    pn_form_destroy(ef);
    free(esrc);
}

/* The statements prepared on the store's connection. */
static int prepared_statements(fixture *fx)
{
    int n = 0;
    for (sqlite3_stmt *q = sqlite3_next_stmt(pn_store_db(fx->store), NULL); q;
         q = sqlite3_next_stmt(pn_store_db(fx->store), q))
        n++;
    return n;
}

/* An import's statements are prepared once per store connection (kept by the store's writer,
 * writer.h) and reused by the next imports on it, whether they stored rows or failed: the
 * fixed cost of an import is not the compilation of its statements again. */
static void statements_prepared_once(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[1024];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01T10:00:00,uuid:a\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[1],0951099D,École 1,ponctuel,annuelle,aucune,information,,,"
             "2024\n",
             PART_HEAD);
    const char *paths[2] = {put(fx, "m.csv", main_csv), put(fx, "p.csv", part_csv)};
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_OK);
    pn_import_result_release(&res);
    int first = prepared_statements(fx);
    assert_true(first >= 20);
    /* the same files again (duplicates), a failed import, then one more */
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_OK);
    assert_int_equal(res.duplicates, 2);
    pn_import_result_release(&res);
    assert_int_equal(prepared_statements(fx), first);
    const char *ragged = put(fx, "r.csv", "nom_structure,siret\nCentre,1,2,3\n");
    assert_int_equal(run(fx, &ragged, 1, &res, &err), PN_EINPUT);
    assert_int_equal(run(fx, paths, 2, &res, &err), PN_OK);
    assert_int_equal(res.duplicates, 2);
    pn_import_result_release(&res);
    assert_int_equal(prepared_statements(fx), first);
}

/* An entry met again in the file that brought it: a new version replaces it, and its link
 * has the last answers; the same answers again are a duplicate. A later import updates the
 * links it finds and adds the others after them. */
static void entry_again_in_its_file(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[2048];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01T10:00:00,uuid:a\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[1],0951099D,École 1,ponctuel,annuelle,aucune,information,,,"
             "2024\n"
             "uuid:a,uuid:a/p[2],0940176F,École 3,regulier,mensuelle,convention,partenariat,,,"
             "2019\n"
             "uuid:a,uuid:a/p[1],0951099D,École 1,regulier,hebdomadaire,aucune,coordination,,,"
             "2021\n"
             "uuid:a,uuid:a/p[1],0951099D,École 1,regulier,hebdomadaire,aucune,coordination,,,"
             "2021\n",
             PART_HEAD);
    const char *paths[2] = {put(fx, "m.csv", main_csv), put(fx, "p.csv", part_csv)};
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.files[1].stored, 2);
    assert_int_equal(res.files[1].replaced, 1);
    assert_int_equal(res.files[1].duplicates, 1);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM links"), 2);
    char *l1 = text(fx, "SELECT entry_id || ' ' || submission_id || ' ' || reporter_side || ' ' "
                        "|| centre_ident || ' ' || school_ident || ' ' || class FROM links WHERE "
                        "entry_id = 1");
    char *l2 = text(fx, "SELECT entry_id || ' ' || class FROM links WHERE entry_id = 2");
    assert_string_equal(l1, "1 1 centre 73282932000074 0951099D cooperation_reguliere");
    assert_string_equal(l2, "2 partenariat_formalise");
    free(l1), free(l2);

    /* later: p[2] became occasional, p[3] is new */
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[2],0940176F,École 3,ponctuel,annuelle,aucune,information,,,"
             "2019\n"
             "uuid:a,uuid:a/p[3],0422170F,École 2,ponctuel,,,,,,\n",
             PART_HEAD);
    const char *again[1] = {put(fx, "p2.csv", part_csv)};
    if (run(fx, again, 1, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.stored, 1);
    assert_int_equal(res.replaced, 1);
    pn_import_result_release(&res);
    l2 = text(fx, "SELECT entry_id || ' ' || class FROM links WHERE entry_id = 2");
    char *l3 = text(fx, "SELECT entry_id || ' ' || school_ident || ' ' || class FROM links WHERE "
                        "entry_id = 3");
    assert_string_equal(l2, "2 ponctuel");
    assert_string_equal(l3, "3 0422170F ponctuel");
    free(l2), free(l3);
}

/* A link is its entry seen through the view links: a new version of the submission alone
 * (no repeat file) that corrects the centre's SIRET moves every link it reported, with
 * nothing else to keep in step. */
static void links_follow_their_submission(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[1024], part_csv[1024];
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,73282932000074,95018,non,,rep,oui,,,,2026-03-01T10:00:00,uuid:a\n",
             MAIN_HEAD);
    snprintf(part_csv, sizeof part_csv,
             "%suuid:a,uuid:a/p[1],0951099D,École 1,ponctuel,annuelle,aucune,information,,,"
             "2024\n"
             "uuid:a,uuid:a/p[2],0940176F,École 3,regulier,mensuelle,convention,partenariat,,,"
             "2019\n",
             PART_HEAD);
    const char *paths[2] = {put(fx, "m.csv", main_csv), put(fx, "p.csv", part_csv)};
    if (run(fx, paths, 2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM links WHERE centre_ident='73282932000074'"),
                     2);
    /* a day later, the same submission with the SIRET corrected */
    snprintf(main_csv, sizeof main_csv,
             "%sCentre A,44306184100005,95018,non,,rep,oui,,,,2026-03-02T10:00:00,uuid:a\n",
             MAIN_HEAD);
    const char *again[1] = {put(fx, "m2.csv", main_csv)};
    if (run(fx, again, 1, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.replaced, 1);
    pn_import_result_release(&res);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM links"), 2);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM links WHERE centre_ident='44306184100005'"
                                " AND reporter_side='centre' AND form_id='centre_social'"),
                     2);
    char *classes = text(fx, "SELECT group_concat(school_ident || ' ' || class, ', ') FROM"
                             " (SELECT * FROM links ORDER BY entry_id)");
    assert_string_equal(classes, "0951099D ponctuel, 0940176F partenariat_formalise");
    free(classes);
}

/* Import @paths with 0, 1, 2 ... pages of room left in the project file (PRAGMA
 * max_page_count on the import's own connection), until it succeeds. Each failure must be
 * the full disk itself, with nothing left open and every byte of the file as it was. Returns
 * how many imports failed. */
static size_t import_until_room(fixture *fx, const char **paths, size_t n)
{
    pn_error err = {0};
    pn_import_result res = {0};
    sqlite3 *db = pn_store_db(fx->store);
    size_t fails = 0;
    char *dump_before = dump(fx);
    long long before = fingerprint(fx), pages = scalar(fx, "PRAGMA page_count");
    for (long long room = 0;; room++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA max_page_count=%lld", pages + room);
        assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
        pn_error_clear(&err);
        pn_status st = run(fx, paths, n, &res, &err);
        if (st == PN_OK) {
            pn_import_result_release(&res);
            break;
        }
        fails++;
        if (st != PN_ESTORE || strstr(err.msg, "database or disk is full") == NULL)
            fail_msg("with %lld pages of room: status %d, '%s'", room, (int)st, err.msg);
        assert_int_equal(sqlite3_get_autocommit(db), 1); /* nothing left open */
        assert_int_equal(fingerprint(fx), before);
        char *now = dump(fx);
        if (strcmp(now, dump_before) != 0)
            fail_msg("with %lld pages of room: the store changed", room);
        free(now);
    }
    assert_int_equal(sqlite3_exec(db, "PRAGMA max_page_count=1073741823", NULL, NULL, NULL),
                     SQLITE_OK);
    free(dump_before);
    return fails;
}

/* A full disk, made deterministic by capping the file's pages: SQLite stops with SQLITE_FULL
 * at some statement of the import, whichever the cap, and may roll the whole transaction
 * back at once. The import reports that cause (not the error of a statement run after it,
 * outside any transaction), stops reading, and leaves the store as it was; with room again,
 * the same import succeeds. Once for new submissions and entries, once for newer versions of
 * them (replacements, the versions table, entries dropped and stored again), and once with
 * the repeat file first. */
static void full_disk_reports_the_first_cause(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    char main_csv[512], part_csv[512];
    pn_test_source_path("examples/centre_social.csv", main_csv, sizeof main_csv);
    pn_test_source_path("examples/centre_social-partenaires.csv", part_csv, sizeof part_csv);
    /* something stored first, so that "as it was" is not just empty */
    char first[1024];
    snprintf(first, sizeof first,
             "%sCentre A,73282932000074,95018,non,,rep,non,,,,2026-03-01,uuid:a\n", MAIN_HEAD);
    const char *one[1] = {put(fx, "first.csv", first)};
    if (run(fx, one, 1, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_import_result_release(&res);
    const char *paths[2] = {part_csv, main_csv};
    assert_true(import_until_room(fx, paths, 2) > 10);
    /* every submission a year later: each replaces the stored one */
    size_t len;
    char *text_v2 = pn_test_read_file(main_csv, &len);
    assert_non_null(text_v2);
    for (char *p = text_v2; (p = strstr(p, "2026-")) != NULL; p += 5)
        p[3] = '7';
    /* and longer, so that storing them needs room: a name (the third cell of each line
     * after the header) gets a prefix */
    pn_strbuf v2 = PN_STRBUF_INIT;
    for (const char *line = text_v2; *line;) {
        const char *end = strchr(line, '\n');
        end = end ? end + 1 : line + strlen(line);
        const char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (line == text_v2 || c2 == NULL || c2 > end) {
            assert_int_equal(pn_strbuf_append(&v2, line, (size_t)(end - line)), PN_OK);
        } else {
            size_t head = (size_t)(c2 + 1 - line) + (c2[1] == '"');
            assert_int_equal(pn_strbuf_append(&v2, line, head), PN_OK);
            assert_int_equal(pn_strbuf_puts(&v2, "Fiche mise à jour après la réunion du réseau : "),
                             PN_OK);
            assert_int_equal(pn_strbuf_append(&v2, line + head, (size_t)(end - line - head)),
                             PN_OK);
        }
        line = end;
    }
    paths[0] = put(fx, "v2.csv", pn_strbuf_str(&v2));
    pn_strbuf_release(&v2);
    paths[1] = part_csv;
    free(text_v2);
    assert_true(import_until_room(fx, paths, 2) > 0);
    assert_true(scalar(fx, "SELECT count(*) FROM submissions WHERE submitted_at LIKE '2027-%'") >
                100);
}

/* Two columns that hold the same answer or tick box: the first such pair in the header,
 * named by both columns, and nothing stored. */
static void duplicate_columns(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_import_result res = {0};
    long long before = fingerprint(fx);
    const char *paths[1] = {put(fx, "dup.csv",
                                "nom_structure,siret,freins/turnover,Numéro SIRET du centre "
                                "social,freins[turnover],KEY\n"
                                "A,73282932000074,1,73282932000074,1,k\n")};
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "dup.csv:1: column 4 'Numéro SIRET du centre social' and "
                                    "column 2 'siret' both hold 'siret'"));
    paths[0] = put(fx, "dup2.csv",
                   "nom_structure,siret,freins/turnover,freins[turnover],siret,KEY\n"
                   "A,73282932000074,1,1,73282932000074,k\n");
    assert_int_equal(run(fx, paths, 1, &res, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "dup2.csv:1: column 4 'freins[turnover]' and column 3 "
                                    "'freins/turnover' both hold the tick box of 'turnover' of "
                                    "'freins'"));
    assert_int_equal(fingerprint(fx), before);
}

/* ---- a disk that fills up: a VFS over the default one whose files cannot grow past a
 * budget of bytes, as on a real full disk (overwriting a page in place still works, so a
 * rollback can put the file back). A journal that cannot grow makes SQLite roll the whole
 * transaction back at once, unlike PRAGMA max_page_count. ---- */

typedef struct full_file {
    sqlite3_file base;
    sqlite3_file *real; /* right after this struct */
} full_file;

static sqlite3_vfs *base_vfs;
static sqlite3_vfs full_vfs;
static long long grow_budget = -1; /* bytes files may still grow by; -1: no limit */

#define REAL(f) (((full_file *)(f))->real)
static int full_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int full_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int full_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    sqlite3_int64 size = 0;
    if (grow_budget >= 0 && REAL(f)->pMethods->xFileSize(REAL(f), &size) == SQLITE_OK &&
        off + n > size) {
        if (off + n - size > grow_budget)
            return SQLITE_FULL;
        grow_budget -= off + n - size;
    }
    return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int full_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int full_sync(sqlite3_file *f, int flags)
{
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int full_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int full_lock(sqlite3_file *f, int lock)
{
    return REAL(f)->pMethods->xLock(REAL(f), lock);
}
static int full_unlock(sqlite3_file *f, int lock)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}
static int full_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int full_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int full_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int full_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static const sqlite3_io_methods full_methods = {
    1,
    full_close,
    full_read,
    full_write,
    full_truncate,
    full_sync,
    full_file_size,
    full_lock,
    full_unlock,
    full_check_lock,
    full_control,
    full_sector,
    full_device,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};
static int full_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    full_file *ff = (full_file *)f;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = base_vfs->xOpen(base_vfs, name, ff->real, flags, out);
    ff->base.pMethods = rc == SQLITE_OK ? &full_methods : NULL;
    return rc;
}

/* Make the filling disk the default VFS and open the fixture's store on it again. */
static void use_full_vfs(fixture *fx)
{
    pn_error err = {0};
    if (base_vfs == NULL) {
        base_vfs = sqlite3_vfs_find(NULL);
        full_vfs = *base_vfs;
        full_vfs.zName = "pn_full";
        full_vfs.szOsFile = (int)sizeof(full_file) + base_vfs->szOsFile;
        full_vfs.xOpen = full_open;
        assert_int_equal(sqlite3_vfs_register(&full_vfs, 1), SQLITE_OK);
    }
    pn_store_close(fx->store);
    fx->store = pn_store_open(fx->db, &err);
    if (fx->store == NULL)
        fail_msg("%s", err.msg);
}

/* The same as import_until_room with a disk that lets the files grow by 0, 4 KiB, 8 KiB ...
 * Returns how many imports failed. */
static size_t import_until_disk_room(fixture *fx, const char **paths, size_t n)
{
    pn_error err = {0};
    pn_import_result res = {0};
    sqlite3 *db = pn_store_db(fx->store);
    size_t fails = 0;
    char *dump_before = dump(fx);
    long long before = fingerprint(fx);
    for (long long room = 0;; room += 512) {
        grow_budget = room;
        pn_error_clear(&err);
        pn_status st = run(fx, paths, n, &res, &err);
        grow_budget = -1;
        if (st == PN_OK) {
            pn_import_result_release(&res);
            break;
        }
        fails++;
        if (st != PN_ESTORE || strstr(err.msg, "database or disk is full") == NULL)
            fail_msg("with %lld bytes of room: status %d, '%s'", room, (int)st, err.msg);
        assert_int_equal(sqlite3_get_autocommit(db), 1);
        assert_int_equal(fingerprint(fx), before);
        char *now = dump(fx);
        if (strcmp(now, dump_before) != 0)
            fail_msg("with %lld bytes of room: the store changed", room);
        free(now);
    }
    free(dump_before);
    return fails;
}

static void full_disk_rolls_back_everything(void **state)
{
    fixture *fx = *state;
    char main_csv[512], part_csv[512];
    pn_test_source_path("examples/centre_social.csv", main_csv, sizeof main_csv);
    pn_test_source_path("examples/centre_social-partenaires.csv", part_csv, sizeof part_csv);
    use_full_vfs(fx);
    /* a small page cache spills to the file in the middle of the import, as a large import
     * does: a write that fails then leaves SQLite no choice but to roll everything back */
    assert_int_equal(sqlite3_exec(pn_store_db(fx->store), "PRAGMA cache_size=10", NULL, NULL, NULL),
                     SQLITE_OK);
    const char *paths[2] = {main_csv, part_csv};
    assert_true(import_until_disk_room(fx, paths, 2) > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(main_and_repeat, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_version_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_with_every_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(every_reject_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(reject_resolved_at_its_level, setup, teardown),
        cmocka_unit_test_setup_teardown(partner_name_by_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(orphan_and_ragged_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_file_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(semicolon_bom_and_content_key, setup, teardown),
        cmocka_unit_test_setup_teardown(select_multiple_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(entry_again_in_its_file, setup, teardown),
        cmocka_unit_test_setup_teardown(one_thread_same_store, setup, teardown),
        cmocka_unit_test_setup_teardown(lent_cells_same_store, setup, teardown),
        cmocka_unit_test_setup_teardown(two_forms_in_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_reads_entries_as_the_join, setup, teardown),
        cmocka_unit_test_setup_teardown(statements_prepared_once, setup, teardown),
        cmocka_unit_test_setup_teardown(links_follow_their_submission, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(reason_out_of_memory_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(full_disk_reports_the_first_cause, setup, teardown),
        cmocka_unit_test_setup_teardown(full_disk_rolls_back_everything, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
