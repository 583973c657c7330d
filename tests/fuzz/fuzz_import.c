/*
 * fuzz_import.c - libFuzzer target for a whole row import (import/import.h).
 *
 * A small fixed form (a centre social's, with every kind of question, relevance, constraints,
 * calculations and a repeat) is loaded once from the text below, and a store is made once in
 * memory: the form and a baseline import of two submissions, two partner entries and one
 * reject, so that duplicates, parents and rejects already exist. Each import of an input runs
 * inside a transaction of this harness (the import is then a savepoint of it: pn_store_begin),
 * rolled back afterwards, so that every input meets the same store and a crash reproduces,
 * and nothing is prepared again from one input to the next. Each input is imported three ways:
 *   1. as the rows of a main file, after a fixed valid header line;
 *   2. as the rows of the repeat file, after its header, beside a main file;
 *   3. as a whole file, header included (encoding, delimiter and header detection).
 * Contract checked after each import (a broken one aborts, and libFuzzer keeps the input):
 * - the status is PN_OK or PN_EINPUT: whatever the bytes, the importer turns bad input into an
 *   input error, never a store, I/O or internal error;
 * - on failure, the message is set and the store is as it was (every table counted);
 * - on success, each of a file's rows is counted once: stored, duplicate, rejected, replacing
 *   a stored version, or older than the stored version; one import is recorded; the
 *   submissions and answer rows added are the main files' stored rows.
 *
 * Built by `make fuzz` (CMake option PN_FUZZ, clang). The corpus is tests/fuzz/corpus/import.
 * Temporary files live in a directory under /dev/shm (else /tmp) made once per process and
 * removed at exit.
 * With PN_FUZZ_VERBOSE=1 in the environment, each import prints its status and message, to
 * see what an input does: PN_FUZZ_VERBOSE=1 build-fuzz/fuzz_import INPUT.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "form/form.h"
#include "import/import.h"
#include "store/store.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_import: %s:%d: contract broken: %s\n", __FILE__, __LINE__,       \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Set-up failures are not findings: say what went wrong and stop. */
#define SETUP(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_import: cannot set up: %s\n", (what));                           \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

static const char form_text[] =
    "survey\n"
    ",type,name,label,required,relevant,constraint,constraint_message,calculation,appearance\n"
    ",start,start,,,,,,,\n"
    ",end,end,,,,,,,\n"
    ",text,nom_structure,Nom du centre,yes,,,,,\n"
    ",text,siret,SIRET,yes,,\"regex(., '^[0-9]{14}$')\",14 chiffres,,\n"
    ",select_one communes,commune,Commune,yes,,,,,minimal\n"
    ",select_one oui_non,en_qpv,En QPV ?,yes,,,,,\n"
    ",text,code_qpv,Code QPV,,${en_qpv} = 'oui',\"regex(., '^Q[NP][0-9A-Z]{6}$')\",,,\n"
    ",select_one oui_non,travaille_avec,Travaille avec une école ?,yes,,,,,\n"
    ",select_multiple freins,freins,Freins,,,\"not(selected(., 'aucun') and count-selected(.) > "
    "1)\",« Aucun » seul,,\n"
    ",text,freins_autre,Autre frein,,\"selected(${freins}, 'autre')\",,,,\n"
    ",integer,salaries,Salariés,,,. >= 0 and . <= 500,,,\n"
    ",decimal,budget,Budget (k€),,,. >= 0,,,\n"
    ",date,ouverture,Date d'ouverture,,,,,,\n"
    ",select_one satisfaction,satisfaction,Satisfaction,,,,,,likert\n"
    ",begin_repeat,partenaires,Écoles partenaires,,${travaille_avec} = 'oui',,,,\n"
    ",text,partenaire_id,UAI,yes,,\"regex(., '^[0-9]{7}[A-Z]$')\",,,\n"
    ",select_one rythme,rythme,Rythme,yes,,,,,\n"
    ",select_multiple dispositifs,dispositifs,Dispositifs,,${rythme} != 'aucun',,,,\n"
    ",integer,annee_debut,Depuis,,,. >= 1970 and . <= 2026,,,\n"
    ",calculate,type_lien,,,,,,\"if(${rythme} = 'aucun', 'aucun', "
    "if(count-selected(${dispositifs}) > 0, 'dispositif', 'ponctuel'))\",\n"
    ",end_repeat,,,,,,,,\n"
    ",calculate,score,,,,,,\"if(${travaille_avec} = 'oui', ${salaries} + 1, 0)\",\n"
    "choices\n"
    ",list_name,name,label\n"
    ",oui_non,oui,Oui\n"
    ",oui_non,non,Non\n"
    ",communes,95018,Argenteuil\n"
    ",communes,2A004,Ajaccio\n"
    ",freins,temps,Manque de temps\n"
    ",freins,aucun,Aucun\n"
    ",freins,autre,Autre\n"
    ",satisfaction,1,Pas du tout\n"
    ",satisfaction,2,Plutôt non\n"
    ",satisfaction,3,Plutôt oui\n"
    ",satisfaction,4,Tout à fait\n"
    ",rythme,aucun,Aucun lien\n"
    ",rythme,ponctuel,Ponctuel\n"
    ",rythme,regulier,Régulier\n"
    ",dispositifs,clas,CLAS\n"
    ",dispositifs,rep,REP\n"
    ",type_lien,aucun,Aucun lien\n"
    ",type_lien,ponctuel,Lien ponctuel\n"
    ",type_lien,dispositif,Lien par un dispositif\n"
    "settings\n"
    ",form_id,form_title,version\n"
    ",fuzz_centre,Formulaire du fuzz,1\n";

static const char main_header[] = "nom_structure,siret,commune,en_qpv,code_qpv,travaille_avec,"
                                  "freins,freins_autre,salaries,budget,ouverture,satisfaction,"
                                  "end,KEY\n";

static const char repeat_header[] = "PARENT_KEY,KEY,partenaire_id,rythme,dispositifs,annee_debut\n";

/* Baseline: uuid:a and uuid:b are stored, uuid:r is rejected (commune 95100 is not a choice). */
static const char base_main[] =
    "Centre A,73282932000074,95018,oui,QN09501M,oui,temps autre,le calendrier,12,150.5,"
    "2001-09-01,3,2026-03-01T10:00:00,uuid:a\n"
    "Centre B,35600000000048,2A004,non,,oui,aucun,,3,,,4,2026-03-02T10:00:00,uuid:b\n"
    "Centre R,73282932000074,95100,non,,non,,,1,,,,2026-03-03T10:00:00,uuid:r\n";

static const char base_repeat[] = "uuid:a,uuid:a/p[1],0951099D,regulier,clas rep,2019\n"
                                  "uuid:b,uuid:b/p[1],0422170F,aucun,,\n";

/* Row counts of every table of the store, answers included. */
typedef struct counts {
    long long forms, imports, structures, submissions, links, rejects, answers, entries;
} counts;

/* State made once per process. */
static struct {
    char dir[64];
    char main_path[96], repeat_path[96], whole_path[96], base_main_path[96];
    pn_form *form;
    /* the form and the baseline import; each input's imports run inside a transaction of
     * the harness (the import is then a savepoint of it) that is rolled back after them */
    pn_store *work;
    sqlite3_stmt *count; /* count_sql, prepared once */
    sqlite3_stmt *begin, *rollback;
    pn_cells *cells; /* the form's, made once and lent to every import */
    counts baseline; /* the baseline store's counts, taken once */
    int verbose;     /* PN_FUZZ_VERBOSE=1 */
} fx;

static void write_file(const char *path, const char *head, const uint8_t *data, size_t size)
{
    FILE *out = fopen(path, "wb");
    SETUP(out != NULL, path);
    if (head != NULL)
        SETUP(fputs(head, out) >= 0, path);
    if (size > 0)
        SETUP(fwrite(data, 1, size, out) == size, path);
    SETUP(fclose(out) == 0, path);
}

static const char count_sql[] =
    "SELECT (SELECT count(*) FROM forms), (SELECT count(*) FROM imports),"
    " (SELECT count(*) FROM structures), (SELECT count(*) FROM submissions),"
    " (SELECT count(*) FROM links), (SELECT count(*) FROM rejects),"
    " (SELECT count(*) FROM data_fuzz_centre), (SELECT count(*) FROM "
    "data_fuzz_centre__partenaires)";

static counts count_all(void)
{
    sqlite3_stmt *q = fx.count;
    SETUP(sqlite3_step(q) == SQLITE_ROW, sqlite3_errmsg(pn_store_db(fx.work)));
    counts c = {
        .forms = sqlite3_column_int64(q, 0),
        .imports = sqlite3_column_int64(q, 1),
        .structures = sqlite3_column_int64(q, 2),
        .submissions = sqlite3_column_int64(q, 3),
        .links = sqlite3_column_int64(q, 4),
        .rejects = sqlite3_column_int64(q, 5),
        .answers = sqlite3_column_int64(q, 6),
        .entries = sqlite3_column_int64(q, 7),
    };
    sqlite3_reset(q);
    return c;
}

/* Run @q, one of the harness's statements prepared once (fx.begin, fx.rollback). */
static void run_work(sqlite3_stmt *q)
{
    SETUP(sqlite3_step(q) == SQLITE_DONE, sqlite3_errmsg(pn_store_db(fx.work)));
    sqlite3_reset(q);
}

static void cleanup(void)
{
    sqlite3_finalize(fx.count);
    sqlite3_finalize(fx.begin);
    sqlite3_finalize(fx.rollback);
    pn_cells_destroy(fx.cells);
    pn_store_close(fx.work);
    pn_form_destroy(fx.form);
    unlink(fx.main_path);
    unlink(fx.repeat_path);
    unlink(fx.whole_path);
    unlink(fx.base_main_path);
    rmdir(fx.dir);
}

static void setup_once(void)
{
    pn_error err = {0};
    /* in memory when the system has it: rewriting a file on a disk three times per input
     * costs more than the imports */
    strcpy(fx.dir, "/dev/shm/pn-fuzz-import-XXXXXX");
    if (mkdtemp(fx.dir) == NULL) {
        strcpy(fx.dir, "/tmp/pn-fuzz-import-XXXXXX");
        SETUP(mkdtemp(fx.dir) != NULL, "mkdtemp");
    }
    snprintf(fx.main_path, sizeof fx.main_path, "%s/main.csv", fx.dir);
    snprintf(fx.repeat_path, sizeof fx.repeat_path, "%s/partenaires.csv", fx.dir);
    snprintf(fx.whole_path, sizeof fx.whole_path, "%s/whole.csv", fx.dir);
    snprintf(fx.base_main_path, sizeof fx.base_main_path, "%s/base.csv", fx.dir);
    atexit(cleanup);
    const char *v = getenv("PN_FUZZ_VERBOSE");
    fx.verbose = v != NULL && strcmp(v, "1") == 0;

    fx.form = pn_form_load_text("fuzz_centre.csv", form_text, sizeof form_text - 1, &err);
    SETUP(fx.form != NULL, err.msg);
    fx.cells = pn_cells_new(fx.form, NULL);
    SETUP(fx.cells != NULL, "out of memory");
    fx.work = pn_store_create(":memory:", &err);
    SETUP(fx.work != NULL, err.msg);

    write_file(fx.base_main_path, main_header, (const uint8_t *)base_main, sizeof base_main - 1);
    write_file(fx.repeat_path, repeat_header, (const uint8_t *)base_repeat, sizeof base_repeat - 1);
    const char *paths[2] = {fx.base_main_path, fx.repeat_path};
    pn_import_result res;
    pn_status st = pn_import_files(fx.work, fx.form, form_text, sizeof form_text - 1, paths, 2,
                                   NULL, &res, &err);
    SETUP(st == PN_OK, err.msg);
    SETUP(res.stored == 4 && res.rejected == 1, "the baseline import should store 4, reject 1");
    pn_import_result_release(&res);
    SETUP(sqlite3_prepare_v2(pn_store_db(fx.work), count_sql, -1, &fx.count, NULL) == SQLITE_OK,
          sqlite3_errmsg(pn_store_db(fx.work)));
    SETUP(sqlite3_prepare_v2(pn_store_db(fx.work), "BEGIN", -1, &fx.begin, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(pn_store_db(fx.work), "ROLLBACK", -1, &fx.rollback, NULL) ==
                  SQLITE_OK,
          sqlite3_errmsg(pn_store_db(fx.work)));
    fx.baseline = count_all();
}

/* Imports @paths into the working store (reset first) and checks the contract. */
static void import_and_check(const char *const *paths, size_t npaths)
{
    run_work(fx.begin);
    counts before = fx.baseline; /* every import meets the baseline store */
    pn_import_result res;
    pn_error err = {0};
    /* rows are stored in this thread: what the bytes do is the same on both paths (test_import
     * one_thread_same_store), the hand-over between threads is checked by the ThreadSanitizer
     * build of make test, and starting a thread per import would be most of the time here */
    const pn_import_opts opts = {.one_thread = 1, .cells = fx.cells};
    pn_status st = pn_import_files(fx.work, fx.form, form_text, sizeof form_text - 1, paths, npaths,
                                   &opts, &res, &err);
    counts after = count_all();
    if (fx.verbose && st == PN_OK)
        fprintf(stderr,
                "fuzz_import: %s%s: rows %zu: stored %zu, duplicates %zu, rejected %zu, replaced "
                "%zu, older %zu\n",
                paths[0], npaths > 1 ? " (+ main file)" : "", res.rows, res.stored, res.duplicates,
                res.rejected, res.replaced, res.older);
    else if (fx.verbose)
        fprintf(stderr, "fuzz_import: %s: %s\n", pn_status_name(st), err.msg);
    if (st != PN_OK && st != PN_EINPUT)
        fprintf(stderr, "fuzz_import: status %d (%s): %s\n", (int)st, pn_status_name(st), err.msg);
    REQUIRE(st == PN_OK || st == PN_EINPUT);
    if (st != PN_OK) {
        REQUIRE(err.status == st && err.msg[0] != '\0');
        REQUIRE(memcmp(&before, &after, sizeof before) == 0);
        run_work(fx.rollback);
        return;
    }
    size_t main_stored = 0;
    REQUIRE(res.nfiles == npaths);
    for (size_t i = 0; i < res.nfiles; i++) {
        const pn_import_file *f = &res.files[i];
        REQUIRE(f->rows == f->stored + f->duplicates + f->rejected + f->replaced + f->older);
        if (f->repeat < 0)
            main_stored += f->stored;
    }
    REQUIRE(after.imports == before.imports + 1);
    REQUIRE(after.submissions == before.submissions + (long long)main_stored);
    REQUIRE(after.answers == before.answers + (long long)main_stored);
    pn_import_result_release(&res);
    run_work(fx.rollback);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fx.form == NULL)
        setup_once();
    /* the rows of a main file */
    write_file(fx.main_path, main_header, data, size);
    const char *one[1] = {fx.main_path};
    import_and_check(one, 1);
    /* the rows of the repeat file, given before its main file (read after it all the same) */
    write_file(fx.repeat_path, repeat_header, data, size);
    const char *two[2] = {fx.repeat_path, fx.base_main_path};
    import_and_check(two, 2);
    /* a whole file */
    write_file(fx.whole_path, NULL, data, size);
    const char *whole[1] = {fx.whole_path};
    import_and_check(whole, 1);
    return 0;
}
