/* test_registry.c - the registry of structures read from the Annuaire, the centres' list and
 * the QPV list (import/registry.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "import/registry.h"
#include "support/support.h"

static long long count(pn_store *s, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(pn_store_db(s), sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static char *file(const pn_test_project *p, const char *name, const char *text)
{
    char *path = malloc(strlen(p->dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", p->dir, name);
    pn_test_write_file(path, text, strlen(text));
    return path;
}

static pn_status import1(pn_test_project *p, const char *path, pn_registry_result *r, pn_error *err)
{
    const char *paths[] = {path};
    return pn_registry_import(p->store, paths, 1, r, err);
}

/* The site's export: BOM, ';', CRLF, capitalised names; a school on two lines, a closed one,
 * a wrong check letter, a Corsican commune, a coordinate that is no number. */
static const char ANNUAIRE[] =
    "\xEF\xBB\xBFIdentifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;"
    "Statut_public_prive;Adresse_1;Code_postal;Code_commune;Nom_commune;"
    "Appartenance_Education_Prioritaire;Mail;latitude;longitude;etat\r\n"
    "0951099D;Ecole Jean Jaures;Ecole;Public;1 rue X;95100;95018;Argenteuil;REP+;"
    "ce.0951099d@ac-versailles.fr;48.94;2.25;OUVERT\r\n"
    "0951099D;Ecole Jean Jaures;Ecole;Public;1 rue X;95100;95018;Argenteuil;REP+;;48.94;2.25;"
    "OUVERT\r\n"
    "0951099A;Ecole fausse;Ecole;Public;;;95018;Argenteuil;;;;;OUVERT\r\n"
    "0940176F;Ecole Z;Ecole;Public;;;95018;Argenteuil;;;abc;2.2;OUVERT\r\n"
    "0422170F;College Y;Coll\xc3\xa8ge;Public;;;2A004;Ajaccio;REP;;41,9;8,7;OUVERT\r\n"
    "0010001W;Ecole fermee;Ecole;Public;;;1004;Ambronay;;;;;A FERMER\r\n";

static void test_annuaire(void **state)
{
    (void)state;
    pn_test_project p;
    pn_test_project_open(&p, "pn_registry", NULL);
    pn_error err = {0};
    pn_registry_result r;
    char *path = file(&p, "annuaire.csv", ANNUAIRE);
    assert_int_equal(import1(&p, path, &r, &err), PN_OK);
    const pn_registry_file *f = &r.files[0];
    assert_int_equal(f->kind, PN_REGISTRY_ANNUAIRE);
    assert_int_equal(f->rows, 6);
    assert_int_equal(f->added, 3);
    assert_int_equal(f->duplicates, 1);
    assert_int_equal(f->closed, 1);
    assert_int_equal(f->rejected, 1);
    assert_int_equal(r.nissues, 2); /* the check letter, and the coordinate (the row kept) */
    assert_int_equal(r.issues[0].line, 4);
    assert_non_null(strstr(r.issues[0].reason, "the check letter should be D"));
    assert_false(r.issues[0].kept);
    assert_int_equal(r.issues[1].line, 5);
    assert_true(r.issues[1].kept);
    pn_registry_result_release(&r);
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE side = 'ecole' AND"
                                    " ident = '0951099D' AND rep = 'REP+' AND commune = '95018'"
                                    " AND latitude = 48.94 AND address = '1 rue X, 95100'"
                                    " AND email = 'ce.0951099d@ac-versailles.fr'"),
                     1);
    /* a Corsican code as text, a decimal comma, the school without coordinates kept */
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE ident = '0422170F' AND"
                                    " commune = '2A004' AND rep = 'REP' AND longitude = 8.7"),
                     1);
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE ident = '0940176F' AND"
                                    " latitude IS NULL"),
                     1);

    /* the same file again changes nothing; a newer one says what it changed */
    assert_int_equal(import1(&p, path, &r, &err), PN_OK);
    assert_int_equal(r.files[0].added + r.files[0].updated, 0);
    assert_int_equal(r.files[0].unchanged, 3);
    pn_registry_result_release(&r);
    /* the API's names, lower case and in another order, ',' */
    char *newer = file(&p, "api.csv",
                       "nom_etablissement,identifiant_de_l_etablissement,code_commune,"
                       "appartenance_education_prioritaire\n"
                       "\xc3\x89"
                       "cole \xc3\xa9l\xc3\xa9mentaire Jean Jaur\xc3\xa8s,0951099D,95018,REP+\n"
                       "Ecole Z,0940176F,95019,\n");
    assert_int_equal(import1(&p, newer, &r, &err), PN_OK);
    assert_int_equal(r.files[0].updated, 2);
    assert_int_equal(r.files[0].changed[0], 1); /* name */
    assert_int_equal(r.files[0].changed[2], 1); /* commune */
    pn_registry_result_release(&r);
    /* an empty priority education does not erase nor change it; its e-mail stays */
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE ident = '0951099D' AND"
                                    " email IS NOT NULL AND name LIKE '%l_mentaire%'"),
                     1);
    free(newer);
    free(path);
    assert_int_equal(pn_test_project_close(&p), 0);
}

static void test_centres_and_qpv(void **state)
{
    (void)state;
    pn_test_project p;
    pn_test_project_open(&p, "pn_registry", NULL);
    pn_error err = {0};
    pn_registry_result r;
    /* a SIRET typed with spaces, one with a wrong key, a commune given by its name */
    char *centres = file(&p, "centres.csv",
                         "SIRET;Nom du centre;Commune;Adresse;Courriel\n"
                         "732 829 320 00074;Centre social Les Tilleuls;Argenteuil;2 rue Y;"
                         "contact@tilleuls.fr\n"
                         "73282932000079;Centre faux;95018;;\n");
    char *qpv = file(&p, "qpv.csv",
                     "code_qp;lib_qp;insee_com;lib_com\n"
                     "QN09501M;Val d'Argent;95018;Argenteuil\n"
                     "QN09502A;Cit\xc3\xa9 commune;\"95018; 95063\";\"Argenteuil; Bezons\"\n");
    const char *paths[] = {centres, qpv};
    assert_int_equal(pn_registry_import(p.store, paths, 2, &r, &err), PN_OK);
    assert_int_equal(r.files[0].kind, PN_REGISTRY_CENTRES);
    assert_int_equal(r.files[0].added, 1);
    assert_int_equal(r.files[0].rejected, 1);
    assert_int_equal(r.files[1].kind, PN_REGISTRY_QPV);
    assert_int_equal(r.files[1].added, 3);
    pn_registry_result_release(&r);
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE side = 'centre' AND"
                                    " ident = '73282932000074' AND commune IS NULL AND"
                                    " commune_name = 'Argenteuil'"),
                     1);
    assert_int_equal(count(p.store, "SELECT count(*) FROM qpv WHERE code_qp = 'QN09502A' AND"
                                    " insee_com = '95063' AND lib_com = 'Bezons'"),
                     1);

    /* a file of no known kind, after a good one: nothing is kept of either */
    char *other = file(&p, "other.csv", "a;b\n1;2\n");
    char *more = file(&p, "more.csv", "siret,nom\n35600000000048,La Poste\n");
    const char *bad[] = {more, other};
    assert_int_equal(pn_registry_import(p.store, bad, 2, &r, &err), PN_EINPUT);
    assert_non_null(strstr(err.msg, "other.csv:1: expected the header of the Annuaire"));
    pn_registry_result_release(&r);
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE ident = '35600000000048'"),
                     0);
    /* a file cut off in its last row: its columns no longer line up, nothing is taken */
    char *cut = file(&p, "cut.csv", "siret;nom;commune\n35600000000048;La Poste;95018\n7328293");
    const char *cutp[] = {cut};
    assert_int_equal(pn_registry_import(p.store, cutp, 1, &r, &err), PN_EINPUT);
    assert_non_null(
        strstr(err.msg, "cut.csv:3: expected 3 fields as in the header (line 1), found 1"));
    pn_registry_result_release(&r);
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry WHERE ident = '35600000000048'"),
                     0);
    free(cut);
    /* INSEE's geolocated Sirene file: the places of the registry's centres, from Lambert-93
     * (its false origin is 46.5 N, 3 E); an establishment the registry lacks passed over */
    char *sirene = file(&p, "sirene.csv",
                        "siret;x;y;qualite_xy;epsg;plg_qp24\n"
                        "73282932000074;700000;6600000;11;2154;\n"
                        "35600000000048;652000;6862000;11;2154;\n"
                        "73282932000079;1;1;11;2154;\n");
    const char *one[] = {sirene};
    assert_int_equal(pn_registry_import(p.store, one, 1, &r, &err), PN_OK);
    assert_int_equal(r.files[0].kind, PN_REGISTRY_SIRENE);
    assert_int_equal(r.files[0].updated, 1);
    assert_int_equal(r.files[0].absent, 1);
    assert_int_equal(r.files[0].rejected, 1); /* its Luhn key */
    pn_registry_result_release(&r);
    assert_int_equal(count(p.store,
                           "SELECT count(*) FROM registry WHERE ident = '73282932000074'"
                           " AND abs(latitude - 46.5) < 1e-8 AND abs(longitude - 3) < 1e-8"),
                     1);
    assert_int_equal(count(p.store, "SELECT count(*) FROM registry"), 1); /* none added */
    /* again: nothing changes */
    assert_int_equal(pn_registry_import(p.store, one, 1, &r, &err), PN_OK);
    assert_int_equal(r.files[0].updated, 0);
    assert_int_equal(r.files[0].unchanged, 1);
    pn_registry_result_release(&r);
    free(sirene);
    free(other);
    free(more);
    free(centres);
    free(qpv);
    assert_int_equal(pn_test_project_close(&p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annuaire),
        cmocka_unit_test(test_centres_and_qpv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
