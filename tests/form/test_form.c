/*
 * test_form.c - the form model of form/form.c: the project's two real questionnaires
 * (forms/centre_social.csv and forms/ecole.csv) load with the structure the rest of the
 * program relies on, and a table of broken forms each fails with the message a person
 * needs ("file:line: column 'x': ...").
 *
 * PN_SOURCE_DIR (set by ctest) is the repository root; without it the test assumes it runs
 * from build/<something> and looks in ../..
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "form/form.h"
#include "support/support.h"
#include "util/strbuf.h"

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (strstr((hay), (needle)) == NULL)                                                       \
            fail_msg("'%s' does not contain '%s'", (hay), (needle));                               \
    } while (0)

static pn_form *load_text(const char *name, const char *text)
{
    pn_error err = {0};
    pn_form *f = pn_form_load_text(name, text, strlen(text), &err);
    if (f == NULL)
        fail_msg("cannot load %s: %s", name, err.msg);
    return f;
}

static const pn_question *must_find(const pn_form *f, const char *name)
{
    const pn_question *q = pn_form_find(f, name);
    if (q == NULL)
        fail_msg("form '%s' has no question '%s'", f->id, name);
    return q;
}

/* What both real forms share. */
static void check_common(const pn_form *f)
{
    assert_non_null(f->title);
    assert_true(strlen(f->title) > 0);
    assert_string_not_equal(f->title, f->id); /* the settings title, not the fallback */
    assert_string_equal(f->version, "2026112401");

    int rep = pn_form_repeat_index(f, "partenaires");
    assert_int_equal(rep, 0);
    assert_int_equal(f->nrepeats, 1);
    assert_int_equal(pn_form_repeat_index(f, "no_such_repeat"), -1);

    /* personal data: the respondent's name and e-mail, and nothing else */
    size_t personal = 0;
    for (size_t i = 0; i < f->nq; i++)
        personal += f->q[i].personal != 0;
    assert_int_equal(personal, 2);
    assert_true(must_find(f, "nom_repondant")->personal);
    assert_true(must_find(f, "courriel")->personal);
    assert_false(must_find(f, "nom_structure")->personal);

    /* the link typology: a calculate that takes its list's labels and order */
    const pn_question *tl = must_find(f, "type_lien");
    assert_int_equal(tl->type, PN_Q_CALCULATE);
    assert_non_null(tl->calculation);
    assert_non_null(tl->list);
    assert_string_equal(tl->list->name, "type_lien");
    assert_int_equal(tl->list->n, 5);
    assert_string_equal(tl->list->items[0].name, "aucun");
    assert_string_equal(tl->list->items[4].name, "partenariat_formalise");
    assert_int_equal(tl->repeat, rep);

    const pn_question *commune = must_find(f, "commune");
    assert_int_equal(commune->type, PN_Q_SELECT_ONE);
    assert_non_null(commune->list);
    assert_string_equal(commune->list->name, "communes");
    assert_int_equal(commune->list->n, 32);
    const pn_choice *arg = pn_choice_find(commune->list, "95018");
    assert_non_null(arg);
    assert_string_equal(arg->label, "Argenteuil");
    assert_null(pn_choice_find(commune->list, "75056"));
    assert_int_equal(commune->required, 1);
    assert_int_equal(commune->repeat, -1);

    const pn_question *qpv = must_find(f, "code_qpv");
    assert_int_equal(qpv->type, PN_Q_TEXT);
    assert_int_equal(qpv->nrelevant, 1);
    assert_string_equal(pn_expr_text(qpv->relevant[0]), "${en_qpv} = 'oui'");
    assert_non_null(qpv->constraint);
    assert_non_null(qpv->constraint_msg);
    assert_int_equal(qpv->required, 0);

    /* ordered scales: appearance likert, and not the plain select_one next to it */
    const pn_question *prof = must_find(f, "profondeur");
    assert_int_equal(prof->type, PN_Q_SELECT_ONE);
    assert_int_equal(prof->ordered, 1);
    assert_int_equal(must_find(f, "rythme")->ordered, 0);
    assert_int_equal(must_find(f, "perspective")->ordered, 0);

    /* inside the repeat: the repeat's relevance first, then the question's own */
    assert_int_equal(prof->repeat, rep);
    assert_int_equal(prof->nrelevant, 2);
    assert_string_equal(pn_expr_text(prof->relevant[0]), "${travaille_avec} = 'oui'");
    assert_string_equal(pn_expr_text(prof->relevant[1]), "${rythme} != 'aucun'");
    assert_true(prof->own_relevant);
    assert_string_equal(prof->group, f->repeats[rep].label);
    const pn_question *pid = must_find(f, "partenaire_id");
    assert_int_equal(pid->repeat, rep);
    assert_int_equal(pid->nrelevant, 1);
    assert_string_equal(pn_expr_text(pid->relevant[0]), "${travaille_avec} = 'oui'");
    assert_false(pid->own_relevant); /* the repeat's relevance, not its own */
    assert_int_equal(pid->required, 1);
    /* every question of the repeat carries the repeat's relevance */
    size_t in_repeat = 0;
    for (size_t i = 0; i < f->nq; i++) {
        if (f->q[i].repeat != rep)
            continue;
        in_repeat++;
        assert_true(f->q[i].nrelevant >= 1);
        assert_string_equal(pn_expr_text(f->q[i].relevant[0]), "${travaille_avec} = 'oui'");
    }
    assert_int_equal(in_repeat, 14);

    /* after the repeat, back at top level */
    assert_int_equal(must_find(f, "freins")->repeat, -1);
    assert_int_equal(must_find(f, "commentaire")->nrelevant, 0);
    /* the paper form's hints: a long text (appearance multiline), the group a question is in */
    assert_true(must_find(f, "commentaire")->multiline);
    assert_false(must_find(f, "freins_autre")->multiline);
    assert_null(must_find(f, "commentaire")->group);
    assert_true(strncmp(must_find(f, "nom_structure")->group, "Identification d", 16) == 0);
    assert_true(qpv->own_relevant);

    const pn_question *intro = must_find(f, "intro");
    assert_int_equal(intro->type, PN_Q_NOTE);
    assert_false(pn_question_has_value(intro));
    assert_true(pn_question_has_value(commune));
    assert_int_equal(must_find(f, "start")->type, PN_Q_DATETIME);
    assert_int_equal(must_find(f, "raisons_non")->type, PN_Q_SELECT_MULTIPLE);
    assert_int_equal(must_find(f, "annee_debut")->type, PN_Q_INTEGER);
    assert_null(pn_form_find(f, "identification")); /* a group is not a question */
    assert_null(pn_form_find(f, "partenaires"));    /* nor is a repeat */
    /* the name index gives each question its place */
    for (size_t i = 0; i < f->nq; i++) {
        assert_int_equal(pn_form_question_index(f, f->q[i].name), (int)i);
        assert_ptr_equal(pn_form_find(f, f->q[i].name), &f->q[i]);
    }
    assert_int_equal(pn_form_question_index(f, "commun"), -1); /* a prefix is another name */
    assert_int_equal(pn_form_question_index(f, "partenaires"), -1);
    assert_int_equal(pn_form_question_index(f, ""), -1);
}

/* A form of 3,000 questions: each found at its place by its name, the index grown many
 * times; a name used twice is still refused. */
static void test_question_index(void **state)
{
    (void)state;
    pn_strbuf sb = PN_STRBUF_INIT;
    assert_int_equal(pn_strbuf_puts(&sb, "survey\n,type,name,label\n"), PN_OK);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(pn_strbuf_printf(&sb, ",text,q%d,Q %d\n", i, i), PN_OK);
    pn_form *f = load_text("big.csv", pn_strbuf_str(&sb));
    assert_int_equal(f->nq, 3000);
    char name[16];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "q%d", i);
        assert_int_equal(pn_form_question_index(f, name), i);
    }
    assert_int_equal(pn_form_question_index(f, "q3000"), -1);
    pn_form_destroy(f);
    assert_int_equal(pn_strbuf_puts(&sb, ",integer,q1234,Again\n"), PN_OK);
    pn_error err = {0};
    assert_null(pn_form_load_text("big.csv", pn_strbuf_str(&sb), sb.len, &err));
    assert_contains(err.msg, "big.csv:3003: column 'name': 'q1234' is used twice");
    pn_strbuf_release(&sb);
}

static void test_centre_social(void **state)
{
    (void)state;
    pn_form *f = pn_test_load_form("centre_social.csv", NULL, NULL);
    assert_string_equal(f->id, "centre_social");
    assert_int_equal(f->side, PN_SIDE_CENTRE);
    assert_contains(f->path, "forms/centre_social.csv");
    check_common(f);
    assert_int_equal(must_find(f, "siret")->repeat, -1);
    assert_ptr_equal(pn_form_side_question(f), must_find(f, "siret"));
    pn_form_destroy(f);
}

static void test_ecole(void **state)
{
    (void)state;
    pn_form *f = pn_test_load_form("ecole.csv", NULL, NULL);
    assert_string_equal(f->id, "ecole");
    assert_int_equal(f->side, PN_SIDE_ECOLE);
    check_common(f);
    assert_int_equal(must_find(f, "uai")->repeat, -1);
    pn_form_destroy(f);
}

static void test_load_path_missing(void **state)
{
    (void)state;
    pn_error err = {0};
    pn_form *f = pn_form_load_path("/nonexistent/dir/form.csv", &err);
    assert_null(f);
    assert_int_equal(err.status, PN_EIO);
    assert_string_equal(err.msg,
                        "cannot open form '/nonexistent/dir/form.csv': No such file or directory");
}

static void test_minimal_with_settings(void **state)
{
    (void)state;
    pn_form *f = load_text("forms/whatever.csv", "survey\n"
                                                 ",type,name,label::French (fr),required\n"
                                                 ",select_one yn,q1,Premier,yes\n"
                                                 "\n"
                                                 ",integer,n,,\n"
                                                 "choices\n"
                                                 ",list_name,name,label\n"
                                                 ",yn,yes,Oui\n"
                                                 ",yn,no,\n"
                                                 "settings\n"
                                                 ",form_id,form_title,version\n"
                                                 ",my_form,My title,3\n");
    assert_string_equal(f->id, "my_form");
    assert_string_equal(f->title, "My title");
    assert_string_equal(f->version, "3");
    assert_string_equal(f->path, "forms/whatever.csv");
    assert_int_equal(f->side, PN_SIDE_NONE);
    assert_int_equal(f->nq, 2);
    assert_int_equal(f->nrepeats, 0);
    assert_int_equal(f->nlists, 1);
    const pn_question *q1 = must_find(f, "q1");
    assert_string_equal(q1->label, "Premier"); /* label::lang is the label column */
    assert_int_equal(q1->required, 1);
    assert_int_equal(q1->line, 3);
    assert_ptr_equal(q1->list, &f->lists[0]);
    assert_int_equal(q1->list->n, 2);
    assert_string_equal(q1->list->items[1].label, "no"); /* no label: the name */
    const pn_question *n = must_find(f, "n");
    assert_string_equal(n->label, "n");
    assert_int_equal(n->line, 5);
    assert_int_equal(n->required, 0);
    assert_int_equal(n->repeat, -1);
    assert_int_equal(n->nrelevant, 0);
    assert_null(n->constraint);
    assert_null(n->calculation);
    pn_form_destroy(f);
}

static void test_minimal_without_settings(void **state)
{
    (void)state;
    pn_form *f = load_text("some/dir/enquete.v2.csv", "survey\n"
                                                      ",type,name\n"
                                                      ",text,a\n");
    assert_string_equal(f->id, "enquete");
    assert_string_equal(f->title, "enquete");
    assert_string_equal(f->version, "");
    assert_int_equal(f->nq, 1);
    assert_int_equal(f->nlists, 0);
    pn_form_destroy(f);
}

/* Group relevance is folded into each question's relevant array, outer group first. */
static void test_group_relevance_folded(void **state)
{
    (void)state;
    pn_form *f = load_text("g.csv", "survey\n"
                                    ",type,name,relevant\n"
                                    ",integer,age,\n"
                                    ",begin group,outer,${age} > 10\n"
                                    ",text,a,\n"
                                    ",begin_group,inner,${age} < 60\n"
                                    ",text,b,${a} = 'x'\n"
                                    ",end group,,\n"
                                    ",text,c,\n"
                                    ",end_group,,\n"
                                    ",text,d,\n");
    const pn_question *a = must_find(f, "a");
    assert_int_equal(a->nrelevant, 1);
    assert_string_equal(pn_expr_text(a->relevant[0]), "${age} > 10");
    const pn_question *b = must_find(f, "b");
    assert_int_equal(b->nrelevant, 3);
    assert_string_equal(pn_expr_text(b->relevant[0]), "${age} > 10");
    assert_string_equal(pn_expr_text(b->relevant[1]), "${age} < 60");
    assert_string_equal(pn_expr_text(b->relevant[2]), "${a} = 'x'");
    const pn_question *c = must_find(f, "c");
    assert_int_equal(c->nrelevant, 1);
    assert_string_equal(pn_expr_text(c->relevant[0]), "${age} > 10");
    assert_int_equal(must_find(f, "d")->nrelevant, 0);
    pn_form_destroy(f);
}

/* A broken form and what its message must hold. */
typedef struct bad_case {
    const char *what;
    const char *text;
    const char *msg; /* a substring of the message */
} bad_case;

#define HEAD "survey\n,type,name,label,relevant,constraint,calculation\n"
#define YN "choices\n,list_name,name,label\n,yn,yes,Yes\n,yn,no,No\n"

static const bad_case bad_cases[] = {
    {"unknown type", HEAD ",text,a,A,,,\n,texte,b,B,,,\n",
     "bad.csv:4: column 'type': unknown question type 'texte'"},
    {"select_one without its list", HEAD ",select_one nolist,a,A,,,\n" YN,
     "bad.csv:3: column 'type': choice list 'nolist' is not in the choices sheet"},
    {"select_multiple without its list", HEAD ",select_multiple  yn2,a,A,,,\n" YN,
     "bad.csv:3: column 'type': choice list 'yn2' is not in the choices sheet"},
    {"duplicate name", HEAD ",text,a,A,,,\n,integer,b,B,,,\n,integer,a,A2,,,\n",
     "bad.csv:5: column 'name': 'a' is used twice"},
    {"duplicate choice", HEAD ",select_one yn,a,A,,,\n" YN ",yn,yes,Encore\n",
     "bad.csv:8: column 'name': choice 'yes' appears twice in list 'yn'"},
    {"choice without list name", HEAD ",text,a,A,,,\n" YN ",,maybe,Maybe\n",
     "bad.csv:8: column 'list_name': expected a value, found an empty cell"},
    {"unclosed group", HEAD ",text,a,A,,,\n,begin_group,g,G,,,\n,text,b,B,,,\n",
     "bad.csv:4: 'g' is never closed (expected 'end group')"},
    {"unclosed repeat", HEAD ",begin repeat,r,R,,,\n,text,b,B,,,\n",
     "bad.csv:3: 'r' is never closed (expected 'end repeat')"},
    {"end_group without begin", HEAD ",text,a,A,,,\n,end_group,,,,,\n",
     "bad.csv:4: column 'type': 'end_group' without a matching 'begin group'"},
    {"end repeat closing a group", HEAD ",begin_group,g,G,,,\n,text,a,A,,,\n,end repeat,,,,,\n",
     "bad.csv:5: column 'type': 'end_repeat' without a matching 'begin repeat'"},
    {"nested repeat",
     HEAD ",begin_repeat,r1,R1,,,\n,begin_group,g,G,,,\n,begin_repeat,r2,R2,,,\n"
          ",text,a,A,,,\n,end_repeat,,,,,\n,end_group,,,,,\n,end_repeat,,,,,\n",
     "bad.csv:5: repeat 'r2' inside another repeat: not supported"},
    {"calculate without calculation", HEAD ",text,a,A,,,\n,calculate,c,,,,\n",
     "bad.csv:4: column 'calculation': calculate 'c' has no calculation"},
    {"bad expression in relevant", HEAD ",text,a,A,,,\n,text,b,B,${a} = = 'x',,\n",
     "bad.csv:4: column 'relevant': expression '${a} = = 'x'': at character 8"},
    {"bad expression in a group's relevant",
     HEAD ",text,a,A,,,\n,begin_group,g,G,${a} and,,\n,text,b,B,,,\n,end_group,,,,,\n",
     "bad.csv:4: column 'relevant': expression '${a} and': at character"},
    {"bad expression in constraint", HEAD ",integer,a,A,,. >,\n",
     "bad.csv:3: column 'constraint': expression '. >': at character"},
    {"bad expression in calculation", HEAD ",calculate,c,,,,1 +* 2\n",
     "bad.csv:3: column 'calculation': expression '1 +* 2': at character"},
    {"calculate giving a class not in its list",
     HEAD ",text,a,A,,,\n,calculate,yn,,,,\"if(${a} = 'x', 'yes', if(${a} = 'y', 'no', "
          "'peut-etre'))\"\n" YN,
     "bad.csv:4: column 'calculation': 'peut-etre' is not a choice of list 'yn'"},
    {"calculate giving a bare literal not in its list", HEAD ",calculate,yn,,,,'oui'\n" YN,
     "bad.csv:3: column 'calculation': 'oui' is not a choice of list 'yn'"},
    {"calculate giving a class not in its list through coalesce()",
     HEAD ",text,a,A,,,\n,calculate,yn,,,,\"coalesce(${a}, 'non')\"\n" YN,
     "bad.csv:4: column 'calculation': 'non' is not a choice of list 'yn'"},
    {"unknown reference in relevant", HEAD ",text,a,A,,,\n,text,b,B,${zzz} = 'x',,\n",
     "bad.csv:4: column 'relevant': ${zzz} is not a question of this form"},
    {"unknown reference in calculation",
     HEAD ",text,a,A,,,\n,calculate,c,,,,\"concat(${a}, ${b})\"\n",
     "bad.csv:4: column 'calculation': ${b} is not a question of this form"},
    {"unknown reference in constraint", HEAD ",integer,a,A,,. < ${max},\n",
     "bad.csv:3: column 'constraint': ${max} is not a question of this form"},
    {"name starting with a digit", HEAD ",text,1a,A,,,\n",
     "bad.csv:3: column 'name': '1a' is not a valid XML name"},
    {"name with a space", HEAD ",text,a b,A,,,\n",
     "bad.csv:3: column 'name': 'a b' is not a valid XML name"},
    {"question without a name", HEAD ",text,,A,,,\n",
     "bad.csv:3: column 'name': a text question needs a name"},
    {"question without a type", HEAD ",text,a,A,,,\n,,b,B,,,\n",
     "bad.csv:4: column 'type': question 'b' has no type"},
    {"data before any survey row", ",type,name\nsurvey\n,type,name\n,text,a\n",
     "bad.csv:1: expected a row starting with 'survey' before any data"},
    {"unknown sheet word", HEAD ",text,a,A,,,\nchoix\n,list_name,name,label\n",
     "bad.csv:4: column 1: expected 'survey', 'choices', 'settings' or an empty cell, found "
     "'choix'"},
    {"no type column", "survey\n,kind,name,label\n,text,a,A\n",
     "bad.csv:2: the header has no column 'type'"},
    {"no name column", "\nsurvey\n,type,label\n,text,A\n",
     "bad.csv:3: the header has no column 'name'"},
    {"no list_name column in choices", HEAD ",text,a,A,,,\nchoices\n,list,name,label\n",
     "bad.csv:5: the header has no column 'list_name'"},
    {"survey with no question", HEAD YN, "bad.csv: the survey sheet has no question"},
    {"survey with only a group", HEAD ",begin_group,g,G,,,\n,end_group,,,,,\n",
     "bad.csv: the survey sheet has no question"},
    {"not CSV at all", "survey\n,type,\"name\n", "bad.csv:2: unterminated quoted field"},
    {"unknown role", "survey\n,type,name,role\n,text,a,identifiant\n",
     "bad.csv:3: column 'role': unknown role 'identifiant' (expected one of identifiant_siret, "
     "identifiant_uai, nom_structure,"},
    {"role given twice",
     "survey\n,type,name,role\n,text,a,identifiant_siret\n,text,n1,nom_structure\n"
     ",text,n2,nom_structure\n",
     "bad.csv:5: column 'role': role 'nom_structure' is given twice (role 'nom_structure' on line "
     "4 already)"},
    {"both identifiers",
     "survey\n,type,name,role\n,text,a,identifiant_siret\n"
     ",text,b,identifiant_uai\n",
     "bad.csv:4: column 'role': role 'identifiant_uai' is given twice (role 'identifiant_siret' "
     "on line 3 already)"},
    {"identifier of the wrong type", "survey\n,type,name,role\n,integer,num,identifiant_siret\n",
     "bad.csv:3: column 'role': role 'identifiant_siret' goes on a top-level text question, "
     "found integer 'num' at top level"},
    {"identifier inside a repeat",
     "survey\n,type,name,role\n,begin_repeat,r,\n,text,num,identifiant_uai\n,end_repeat,,\n",
     "bad.csv:4: column 'role': role 'identifiant_uai' goes on a top-level text question, found "
     "text 'num' in repeat 'r'"},
    {"partner identifier outside the partner repeat",
     "survey\n,type,name,role\n,text,num,identifiant_siret\n,text,pid,partenaire_identifiant\n"
     ",begin_repeat,p,partenaires\n,text,x,\n,end_repeat,,\n",
     "bad.csv:4: column 'role': role 'partenaire_identifiant' goes on a text question inside the "
     "repeat of the links (role 'partenaires'), found text 'pid' at top level"},
    {"partner identifier in another repeat",
     "survey\n,type,name,role\n,text,num,identifiant_siret\n,begin_repeat,p,partenaires\n"
     ",text,x,\n,end_repeat,,\n,begin_repeat,autres,\n,text,pid,partenaire_identifiant\n"
     ",end_repeat,,\n",
     "found text 'pid' in repeat 'autres'"},
    {"link class not a calculate",
     "survey\n,type,name,role\n,text,num,identifiant_uai\n,begin_repeat,p,partenaires\n"
     ",text,classe,classe_lien\n,end_repeat,,\n",
     "bad.csv:5: column 'role': role 'classe_lien' goes on a calculate inside the repeat of the "
     "links (role 'partenaires'), found text 'classe' in repeat 'p'"},
    {"links repeat without an identifier",
     "survey\n,type,name,role\n,begin_repeat,p,partenaires\n,text,x,\n,end_repeat,,\n",
     "bad.csv:3: column 'role': the repeat of the links (role 'partenaires') needs the "
     "structure's identifier"},
    {"links role on a question", "survey\n,type,name,role\n,text,a,partenaires\n",
     "bad.csv:3: column 'role': role 'partenaires' goes on the begin_repeat row of the repeat of "
     "the links"},
    {"question role on a repeat",
     "survey\n,type,name,role\n,begin_repeat,p,commune\n,text,x,\n,end_repeat,,\n",
     "bad.csv:3: column 'role': role 'commune' goes on a question, not on a repeat"},
    {"role on a group", "survey\n,type,name,role\n,begin_group,g,commune\n,text,x,\n,end_group,,\n",
     "bad.csv:3: column 'role': a begin_group row takes no role (role 'commune')"},
    {"personal data flag neither yes nor no",
     "survey\n,type,name,label,personnel\n,text,a,A,peut-etre\n",
     "bad.csv:3: column 'personnel': expected 'oui' (the answer is personal data) or nothing, "
     "found 'peut-etre'"},
};

static void test_bad_forms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        pn_error err = {0};
        pn_form *f = pn_form_load_text("bad.csv", c->text, strlen(c->text), &err);
        if (f != NULL) {
            pn_form_destroy(f);
            fail_msg("%s: the form loaded", c->what);
        }
        if (err.status != PN_EINPUT)
            fail_msg("%s: status %d (%s), expected an input error", c->what, (int)err.status,
                     err.msg);
        if (strstr(err.msg, c->msg) == NULL)
            fail_msg("%s:\n  message  '%s'\n  expected '%s'", c->what, err.msg, c->msg);
    }
}

/* @depth groups nested around one question, as a form's text; the caller frees it. */
static char *nested_groups(int depth)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    assert_int_equal(pn_strbuf_puts(&sb, HEAD), PN_OK);
    for (int i = 0; i < depth; i++)
        assert_int_equal(pn_strbuf_printf(&sb, ",begin_group,g%d,G,,,\n", i), PN_OK);
    assert_int_equal(pn_strbuf_puts(&sb, ",text,a,A,,,\n"), PN_OK);
    for (int i = 0; i < depth; i++)
        assert_int_equal(pn_strbuf_puts(&sb, ",end_group,,,,,\n"), PN_OK);
    return pn_strbuf_detach(&sb);
}

/* Groups nest 64 deep, not more: the 65th is refused on its row, with nothing leaked. */
static void test_nesting_depth(void **state)
{
    (void)state;
    char *text = nested_groups(64);
    pn_form *f = load_text("deep.csv", text);
    assert_int_equal(must_find(f, "a")->repeat, -1);
    pn_form_destroy(f);
    free(text);
    text = nested_groups(65);
    pn_error err = {0};
    assert_null(pn_form_load_text("deep.csv", text, strlen(text), &err));
    assert_int_equal(err.status, PN_EINPUT);
    assert_string_equal(err.msg, "deep.csv:67: groups nested too deep");
    free(text);
}

/*
 * A calculate named like a choice list gives that list's choices: the literals its result
 * can be are checked, not those of its conditions, and '' (no class) is allowed.
 */
static void test_calculate_classes(void **state)
{
    (void)state;
    pn_form *f =
        load_text("ok.csv", HEAD ",text,a,A,,,\n"
                                 ",calculate,yn,,,,\"if(${a} = 'peut-etre', 'yes', "
                                 "if(${a} = '', '', 'no'))\"\n"
                                 ",calculate,other,,,,\"if(${a} = 'x', 'libre', '')\"\n" YN);
    assert_non_null(must_find(f, "yn")->list);
    assert_null(must_find(f, "other")->list);
    pn_form_destroy(f);
}

/*
 * A group's or repeat's relevance is folded into each question inside it; its ${name}
 * references are checked at the group's own line, whether or not the question has a
 * relevance of its own.
 */
static void test_bad_group_relevance_reference(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"unknown reference in a group's relevance, question with its own",
         HEAD ",text,a,A,,,\n,begin_group,g,G,${zzz} = 1,,\n,text,b,B,${a} = 'x',,\n"
              ",end_group,,,,,\n",
         "bad.csv:4: column 'relevant': ${zzz} is not a question of this form"},
        {"unknown reference in a repeat's relevance, question with its own",
         HEAD ",text,a,A,,,\n,begin_repeat,r,R,${zzz} = 1,,\n,text,b,B,${a} = 'x',,\n"
              ",end_repeat,,,,,\n",
         "bad.csv:4: column 'relevant': ${zzz} is not a question of this form"},
        {"unknown reference in a group's relevance, question without its own",
         HEAD ",text,a,A,,,\n,begin_group,g,G,${zzz} = 1,,\n,text,b,B,,,\n,end_group,,,,,\n",
         "bad.csv:4: column 'relevant': ${zzz} is not a question of this form"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        pn_error err = {0};
        pn_form *f = pn_form_load_text("bad.csv", c->text, strlen(c->text), &err);
        if (f != NULL) {
            pn_form_destroy(f);
            fail_msg("%s: the form loaded", c->what);
        }
        assert_int_equal(err.status, PN_EINPUT);
        if (strstr(err.msg, c->msg) == NULL)
            fail_msg("%s:\n  message  '%s'\n  expected '%s'", c->what, err.msg, c->msg);
    }
}

/* The roles of both real forms, as their column 'role' marks them. */
static void test_roles_of_real_forms(void **state)
{
    (void)state;
    const char *files[] = {"centre_social.csv", "ecole.csv"};
    for (int i = 0; i < 2; i++) {
        pn_form *f = pn_test_load_form(files[i], NULL, NULL);
        const pn_roles *r = &f->roles;
        assert_string_equal(pn_form_role(f, r->ident)->name, i ? "uai" : "siret");
        assert_string_equal(pn_form_role(f, r->name)->name, "nom_structure");
        assert_string_equal(pn_form_role(f, r->commune)->name, "commune");
        assert_string_equal(pn_form_role(f, r->qpv)->name, "en_qpv");
        assert_string_equal(pn_form_role(f, r->code_qpv)->name, "code_qpv");
        assert_string_equal(pn_form_role(f, r->rep)->name, "rep");
        assert_int_equal(r->links, pn_form_repeat_index(f, "partenaires"));
        assert_true(r->links >= 0);
        assert_string_equal(pn_form_role(f, r->partner)->name, "partenaire_id");
        assert_string_equal(pn_form_role(f, r->partner_name)->name, "partenaire_nom");
        assert_string_equal(pn_form_role(f, r->klass)->name, "type_lien");
        pn_form_destroy(f);
    }
}

/* Roles come from the column whatever the names; a role not declared falls to today's name,
 * unless that question already plays another role; a form without roles nor those names has
 * none. */
static void test_roles_declared_and_defaults(void **state)
{
    (void)state;
    pn_form *f =
        load_text("roles.csv", "survey\n"
                               ",type,name,role\n"
                               ",text,num_siret,identifiant_siret\n"
                               ",text,uai,\n" /* a top-level uai no longer makes it a school's */
                               ",text,nom,nom_structure\n"
                               ",text,nom_structure,commune\n"
                               ",select_one yn,en_qpv,\n"
                               ",begin_repeat,liens,partenaires\n"
                               ",text,ecole_uai,partenaire_identifiant\n"
                               ",text,partenaire_nom,\n"
                               ",end_repeat,,\n"
                               ",begin_repeat,partenaires,\n"
                               ",text,partenaire_id,\n"
                               ",end_repeat,,\n"
                               "choices\n,list_name,name,label\n,yn,yes,Oui\n,yn,no,Non\n");
    const pn_roles *r = &f->roles;
    assert_int_equal(f->side, PN_SIDE_CENTRE);
    assert_ptr_equal(pn_form_side_question(f), must_find(f, "num_siret"));
    assert_ptr_equal(pn_form_role(f, r->name), must_find(f, "nom"));
    assert_ptr_equal(pn_form_role(f, r->commune), must_find(f, "nom_structure"));
    assert_ptr_equal(pn_form_role(f, r->qpv), must_find(f, "en_qpv")); /* default */
    assert_int_equal(r->code_qpv, -1);
    assert_int_equal(r->rep, -1);
    assert_int_equal(r->links, pn_form_repeat_index(f, "liens"));
    assert_int_equal(pn_form_links_repeat(f), r->links);
    assert_ptr_equal(pn_form_role(f, r->partner), must_find(f, "ecole_uai"));
    assert_ptr_equal(pn_form_role(f, r->partner_name), must_find(f, "partenaire_nom"));
    assert_int_equal(r->klass, -1); /* neither declared nor a type_lien */
    pn_form_destroy(f);

    /* no role column: today's names */
    f = load_text("defaults.csv", "survey\n"
                                  ",type,name\n"
                                  ",text,siret\n"
                                  ",text,uai\n"
                                  ",begin_repeat,partenaires\n"
                                  ",text,partenaire_id\n"
                                  ",end_repeat\n");
    assert_int_equal(f->side, PN_SIDE_ECOLE); /* uai wins, as before roles */
    assert_ptr_equal(pn_form_side_question(f), must_find(f, "uai"));
    assert_int_equal(f->roles.links, 0);
    assert_ptr_equal(pn_form_role(f, f->roles.partner), must_find(f, "partenaire_id"));
    assert_int_equal(f->roles.name, -1);
    pn_form_destroy(f);

    /* a siret inside a repeat names no structure; without a side there is no links repeat */
    f = load_text("none.csv", "survey\n"
                              ",type,name\n"
                              ",begin_repeat,partenaires\n"
                              ",text,siret\n"
                              ",end_repeat\n");
    assert_int_equal(f->side, PN_SIDE_NONE);
    assert_null(pn_form_side_question(f));
    assert_int_equal(f->roles.ident, -1);
    assert_int_equal(f->roles.links, -1);
    assert_int_equal(pn_form_links_repeat(f), -1);
    pn_form_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_centre_social),
        cmocka_unit_test(test_ecole),
        cmocka_unit_test(test_question_index),
        cmocka_unit_test(test_load_path_missing),
        cmocka_unit_test(test_minimal_with_settings),
        cmocka_unit_test(test_minimal_without_settings),
        cmocka_unit_test(test_group_relevance_folded),
        cmocka_unit_test(test_bad_forms),
        cmocka_unit_test(test_nesting_depth),
        cmocka_unit_test(test_calculate_classes),
        cmocka_unit_test(test_bad_group_relevance_reference),
        cmocka_unit_test(test_roles_of_real_forms),
        cmocka_unit_test(test_roles_declared_and_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
