/*
 * import.h - import exports into the store, as each collecting tool writes them.
 *
 * A file is a CSV export or an Excel workbook (.xlsx, read through util/xlsx.h): each visible
 * sheet of a workbook is read as a file of its own (KoboToolbox's .xlsx export puts a repeat
 * group on a sheet of its own), except a fillable workbook that `form sheet` wrote, whose
 * answers are read back through the map of its cells (import/fillable.c).
 *
 * Each file is read through util/csv.h (any encoding and delimiter, detected) and mapped to
 * the form through import/mapping.h (the tool's dialect: names, group paths or labels, tick-box
 * columns, labels for choices, French numbers and dates). A repeat group comes in its own
 * file, linked to its submission by PARENT_KEY (ODK), _submission__uuid (KoboToolbox) or the
 * structure's own identifier (a tool without repeat groups). Main files are read before repeat
 * files, whatever their order on the command line.
 *
 * Each row is checked against the form (type, choice list, required, constraint, relevance,
 * identifiers); the form's calculations (the link typology among them) are computed; then the
 * row is stored, or recorded in the rejects with its file, line, raw text and every reason.
 * A row is keyed by its KEY, _uuid, instanceID (or LimeSurvey id) column, else by a hash of its
 * content. A key already stored with the same answers is a duplicate; with other answers, a
 * new version: the newer by submission time replaces the older (a replaced submission's
 * repeat entries are replaced by those of the repeat files of the same import), the older is
 * left aside. Every rejected row is recorded (the same row from an earlier import is replaced,
 * not listed twice); a row stored later resolves the rejects of its form, its level
 * (submission or entry of the same repeat) and its key.
 *
 * When @form's text differs from the form stored under its id, the new form is recorded and
 * every stored answer of it recalculated first (import/recalc.h), in the same transaction.
 *
 * Everything happens in one transaction: a file that cannot be read as CSV, a row whose cells
 * do not line up with the header, or a header column that cannot be mapped stops the import
 * and leaves the store as it was.
 *
 * May call: util, form, and the store through store/store.h and its writer store/writer.h
 * (no SQL here). The parts of the import and which thread owns what: import_internal.h.
 */
#ifndef PN_IMPORT_IMPORT_H
#define PN_IMPORT_IMPORT_H

#include <stddef.h>

#include "form/form.h"
#include "import/mapping.h"
#include "import/recalc.h"
#include "store/store.h"
#include "util/error.h"

/* Called as a file is read: @done of @total bytes (0 when unknown). */
typedef void (*pn_import_progress_fn)(void *ctx, const char *path, unsigned long long done,
                                      unsigned long long total);

typedef struct pn_import_opts {
    char delim;           /* ',', ';', '\t', or 0 to detect */
    const char *today;    /* "YYYY-MM-DD" for today() in calculations; NULL: none */
    const char *encoding; /* an encoding name, or NULL to detect */
    pn_dialect dialect;   /* PN_DIALECT_AUTO to detect from each header */
    /* the mapping file, or NULL. What the import cannot map is added to it as entries to
     * complete (the caller decides whether to write it) */
    pn_map *map;
    pn_import_progress_fn progress;
    void *progress_ctx;
    /* 1: store the rows in the calling thread, without the second thread (the path an import
     * takes when the thread cannot be started; tests force it with this) */
    int one_thread;
    /* the form's cells (pn_cells_new(form, NULL)), made once for several imports of the same
     * form and lent to each, which sets its mapping in them (a test, the fuzzer); NULL: made
     * for this import */
    pn_cells *cells;
} pn_import_opts;

/* Counts for one file, or one sheet of a workbook. */
typedef struct pn_import_file {
    /* the name in messages and in the rejects: the file as given, or "file.xlsx[sheet]" for
     * a sheet of a workbook */
    const char *path;
    const char *file; /* the file as given, lent from the caller's paths */
    long sheet;       /* the sheet's index in the workbook, -1 for a CSV file */
    int fillable;     /* a fillable workbook's (form sheet): 1 its answers, 2 its partners */
    char *own;        /* path when this module made it */
    int repeat;       /* -1 for a main file, else the repeat's index in the form */
    size_t rows, stored, duplicates, rejected;
    size_t replaced;    /* stored rows replaced by a newer version of the same submission */
    size_t older;       /* rows left aside: the stored version of the submission is newer */
    pn_dialect dialect; /* the tool that wrote it */
    char encoding[32];  /* as the reader found it */
    char delim;
} pn_import_file;

typedef struct pn_import_result {
    long long import_id;
    /* one entry per CSV file and per sheet read of a workbook, in the order of the paths;
     * owned: free with pn_import_result_release */
    pn_import_file *files;
    size_t nfiles;
    size_t rows, stored, duplicates, rejected, replaced, older;
    size_t unmapped_columns; /* columns no rule maps (the import then failed) */
    size_t unmapped_values;  /* distinct choice values no rule maps (their rows rejected) */
    /* when the form differed from the one stored under its id: the stored answers were
     * recalculated with it first, in the import's transaction (recalc.form_id is set) */
    pn_recalc_result recalc;
} pn_import_result;

/*
 * pn_import_files - import @npaths files for @form into @store in one transaction.
 * @source, @len: the form's XLSForm text, recorded in the store with it.
 * On success *@res holds the counts (release with pn_import_result_release). On failure
 * nothing was changed in the store and @err says why ("file:line: ...").
 * Rows are read and checked in the calling thread and stored by a second thread, started
 * and joined within the call (when it cannot be started, everything runs in the caller's):
 * @store must not be used from another thread meanwhile. @opts->progress is called from the
 * calling thread.
 */
PN_MUST_USE pn_status pn_import_files(pn_store *store, const pn_form *form, const char *source,
                                      size_t len, const char *const *paths, size_t npaths,
                                      const pn_import_opts *opts, pn_import_result *res,
                                      pn_error *err);

void pn_import_result_release(pn_import_result *res);

#endif
