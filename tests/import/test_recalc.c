/*
 * Unit tests of src/import/recalc.c: a form's calculations applied again to its stored
 * answers, by pn_recalc_form and by an import that reads a changed form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/import.h"
#include "import/recalc.h"
#include "support/support.h"

/* dir, db and store (no form: each test reads its own) */
typedef pn_test_project fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    pn_test_project_open(fx, "pn_recalc", NULL);
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

static const char *put(fixture *fx, const char *name, const char *text)
{
    return pn_test_put(fx->dir, name, text);
}

/* The rows @sql selects, one column, as "a|b|NULL|...". */
static char *rows(fixture *fx, const char *sql)
{
    sqlite3_stmt *q = NULL;
    static char buf[4096];
    size_t used = 0;
    buf[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(pn_store_db(fx->store), sql, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 0);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? "|" : "",
                                 v ? v : "NULL");
    }
    sqlite3_finalize(q);
    return buf;
}

static pn_form *form_of(const char *text)
{
    pn_error err = {0};
    pn_form *f = pn_form_load_text("t.csv", text, strlen(text), &err);
    if (f == NULL)
        fail_msg("%s", err.msg);
    return f;
}

/* Import @files with the form @text. */
static void import(fixture *fx, const char *text, const char **paths, size_t n,
                   pn_import_result *res)
{
    pn_error err = {0};
    pn_form *f = form_of(text);
    if (pn_import_files(fx->store, f, text, strlen(text), paths, n, NULL, res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    pn_form_destroy(f);
}

/* pn_recalc_form in its own transaction. */
static pn_status recalc(fixture *fx, const char *text, pn_recalc_result *res, pn_error *err)
{
    pn_form *f = form_of(text);
    pn_status st = pn_store_begin(fx->store, err);
    if (st == PN_OK)
        st = pn_recalc_form(fx->store, f, text, strlen(text), NULL, res, err);
    if (st == PN_OK)
        st = pn_store_commit(fx->store, err);
    else
        pn_store_rollback(fx->store);
    pn_form_destroy(f);
    return st;
}

/*
 * A form without a side: a top-level calculate (zone) that takes the list 'zone', and a
 * calculate in the repeat (cl) that reads it, with a relevance of its own. ZONE_IF and
 * CL_RELEVANT, CL_CALC are the parts the tests change.
 */
#define FORM(ZONE_IF, CL_RELEVANT, CL_CALC)                                                        \
    "survey\n"                                                                                     \
    ",type,name,label,relevant,calculation\n"                                                      \
    ",select_one yn,en_qpv,QPV,,\n"                                                                \
    ",calculate,zone,,,\"" ZONE_IF "\"\n"                                                          \
    ",begin_repeat,r,R,,\n"                                                                        \
    ",text,x,X,,\n"                                                                                \
    ",calculate,cl,,\"" CL_RELEVANT "\",\"" CL_CALC "\"\n"                                         \
    ",end_repeat,,,,\n"                                                                            \
    "choices\n"                                                                                    \
    ",list_name,name,label\n"                                                                      \
    ",yn,oui,Oui\n"                                                                                \
    ",yn,non,Non\n"                                                                                \
    ",zone,prioritaire,Quartier prioritaire\n"                                                     \
    ",zone,autre,Autre quartier\n"                                                                 \
    "settings\n"                                                                                   \
    ",form_id\n"                                                                                   \
    ",t\n"

static const char *const V1 = FORM("if(${en_qpv} = 'oui', 'prioritaire', 'autre')", "${x} != ''",
                                   "concat(${zone}, '-', ${x})");
/* the rule turned round, and cl only for x = 'a' */
static const char *const V2 = FORM("if(${en_qpv} = 'non', 'prioritaire', 'autre')", "${x} = 'a'",
                                   "concat(${zone}, '-', ${x})");
/* V2's zone, and a cl that cannot be calculated for the last entry only (x = 'b': a
 * regular expression made at run time that does not compile) */
static const char *const BROKEN =
    FORM("if(${en_qpv} = 'non', 'prioritaire', 'autre')", "${x} != ''",
         "if(${x} = 'b', regex(${x}, concat('(', ${x})), 'ok')");

static const char *ZONES = "SELECT zone FROM data_t ORDER BY submission_id";
static const char *CLS = "SELECT cl FROM data_t__r ORDER BY entry_id";

static void import_v1(fixture *fx)
{
    pn_import_result res = {0};
    const char *paths[2] = {put(fx, "m.csv", "en_qpv,KEY\noui,k1\nnon,k2\n"),
                            put(fx, "r.csv", "PARENT_KEY,KEY,x\nk1,k1/1,a\nk1,k1/2,\nk2,k2/1,b\n")};
    import(fx, V1, paths, 2, &res);
    assert_int_equal(res.stored, 5);
    assert_null(res.recalc.form_id); /* a new form: nothing stored to recalculate */
    pn_import_result_release(&res);
    assert_string_equal(rows(fx, ZONES), "prioritaire|autre");
    assert_string_equal(rows(fx, CLS), "prioritaire-a|NULL|autre-b");
}

/* The new rule is applied to every stored submission, then to every entry, which sees its
 * submission's new values; a calculate that no longer applies becomes NULL. */
static void applies_the_new_rule(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_recalc_result res = {0};
    import_v1(fx);
    if (recalc(fx, V2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_string_equal(rows(fx, ZONES), "autre|prioritaire");
    assert_string_equal(rows(fx, CLS), "autre-a|NULL|NULL");
    assert_string_equal(res.form_id, "t");
    assert_int_equal(res.nvars, 2);
    const pn_recalc_var *zone = &res.vars[0], *cl = &res.vars[1];
    assert_string_equal(zone->name, "zone");
    assert_int_equal(zone->repeat, -1);
    assert_true(zone->has_list);
    assert_int_equal(zone->rows, 2);
    assert_int_equal(zone->changed, 2);
    /* each change of class, the most frequent first, then by name */
    assert_int_equal(zone->nchanges, 2);
    assert_string_equal(zone->changes[0].from, "autre");
    assert_string_equal(zone->changes[0].to, "prioritaire");
    assert_int_equal(zone->changes[0].n, 1);
    assert_string_equal(zone->changes[1].from, "prioritaire");
    assert_string_equal(zone->changes[1].to, "autre");
    assert_string_equal(cl->name, "cl");
    assert_int_equal(cl->repeat, 0);
    assert_false(cl->has_list);
    assert_false(cl->links);
    assert_int_equal(cl->rows, 3);
    assert_int_equal(cl->changed, 2);
    assert_int_equal(cl->nchanges, 0);
    assert_int_equal(pn_recalc_changed(&res), 4);
    pn_recalc_result_release(&res);
    /* the new form is the stored one */
    pn_form_state fs;
    assert_int_equal(pn_store_form_state(fx->store, "t", V2, strlen(V2), &fs, &err), PN_OK);
    assert_int_equal(fs, PN_FORM_SAME);

    /* again with the same form: nothing changes */
    if (recalc(fx, V2, &res, &err) != PN_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pn_recalc_changed(&res), 0);
    assert_int_equal(res.vars[1].rows, 3);
    pn_recalc_result_release(&res);
    assert_string_equal(rows(fx, CLS), "autre-a|NULL|NULL");
}

/* A calculation that fails on a stored row stops everything: the rows before it, already
 * updated, and the form are as they were once the caller rolls back. */
static void failure_changes_nothing(void **state)
{
    fixture *fx = *state;
    pn_error err = {0};
    pn_recalc_result res = {0};
    import_v1(fx);
    pn_status st = recalc(fx, BROKEN, &res, &err);
    pn_recalc_result_release(&res);
    assert_int_equal(st, PN_EINPUT);
    if (strstr(err.msg, "form 't': entry 1 of repeat 'r' of stored submission 'k2': column "
                        "'cl': cannot be calculated: ") == NULL ||
        strstr(err.msg, "invalid regular expression '(b'") == NULL)
        fail_msg("message: %s", err.msg);
    assert_string_equal(rows(fx, ZONES), "prioritaire|autre");
    assert_string_equal(rows(fx, CLS), "prioritaire-a|NULL|autre-b");
    pn_form_state fs;
    assert_int_equal(pn_store_form_state(fx->store, "t", V1, strlen(V1), &fs, &err), PN_OK);
    assert_int_equal(fs, PN_FORM_SAME);
}

/* An import that reads a form other than the stored one recalculates the stored answers
 * first, in its transaction, and says what changed; with the same form it does not. */
static void import_of_a_changed_form(void **state)
{
    fixture *fx = *state;
    pn_import_result res = {0};
    import_v1(fx);
    const char *more[1] = {put(fx, "m3.csv", "en_qpv,KEY\nnon,k3\n")};
    import(fx, V2, more, 1, &res);
    assert_int_equal(res.stored, 1);
    assert_string_equal(res.recalc.form_id, "t");
    assert_int_equal(pn_recalc_changed(&res.recalc), 4);
    pn_import_result_release(&res);
    assert_string_equal(rows(fx, ZONES), "autre|prioritaire|prioritaire");
    assert_string_equal(rows(fx, CLS), "autre-a|NULL|NULL");

    const char *again[1] = {put(fx, "m4.csv", "en_qpv,KEY\noui,k4\n")};
    import(fx, V2, again, 1, &res);
    assert_null(res.recalc.form_id);
    pn_import_result_release(&res);

    /* a failed recalculation fails the import, and nothing of it is stored */
    const char *last[1] = {put(fx, "m5.csv", "en_qpv,KEY\noui,k5\n")};
    pn_error err = {0};
    pn_form *f = form_of(BROKEN);
    assert_int_equal(
        pn_import_files(fx->store, f, BROKEN, strlen(BROKEN), last, 1, NULL, &res, &err),
        PN_EINPUT);
    pn_form_destroy(f);
    assert_string_equal(rows(fx, ZONES), "autre|prioritaire|prioritaire|autre");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(applies_the_new_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(failure_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(import_of_a_changed_form, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
