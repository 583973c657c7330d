/*
 * import.h - import a plain export into the store.
 *
 * A plain export is a CSV file (',' or ';', UTF-8 with or without BOM) whose header row
 * holds the form's variable names. A repeat group comes in its own file, as ODK Central
 * writes it: a PARENT_KEY column holding the KEY of the submission it belongs to (and
 * optionally its own KEY). Main files are read before repeat files, whatever their order on
 * the command line.
 *
 * Each row is checked against the form (type, choice list, required, constraint,
 * relevance); the form's calculations (the link typology among them) are computed; then the
 * row is stored, or recorded in the rejects with its file, line, raw text and every reason.
 * A row whose key (KEY, _uuid or instanceID column; else a hash of its content) is already in
 * the store is counted as a duplicate and not stored again. A row stored later under the key
 * of a reject resolves that reject.
 *
 * Everything happens in one transaction: a file that cannot be read as CSV (or a header that
 * does not fit the form) stops the import and leaves the store as it was.
 */
#ifndef PN_IMPORT_IMPORT_H
#define PN_IMPORT_IMPORT_H

#include <stddef.h>

#include "form/form.h"
#include "store/store.h"
#include "util/error.h"

typedef struct pn_import_opts {
    char delim;        /* ',', ';', '\t', or 0 to detect */
    const char *today; /* "YYYY-MM-DD" for today() in calculations; NULL: none */
} pn_import_opts;

/* Counts for one file. */
typedef struct pn_import_file {
    const char *path; /* lent from the caller's paths */
    int repeat;       /* -1 for a main file, else the repeat's index in the form */
    size_t rows, stored, duplicates, rejected;
} pn_import_file;

typedef struct pn_import_result {
    long long import_id;
    pn_import_file *files; /* npaths entries, owned: free with pn_import_result_release */
    size_t nfiles;
    size_t rows, stored, duplicates, rejected;
} pn_import_result;

/*
 * pn_import_files - import @npaths files for @form into @store in one transaction.
 * @source, @len: the form's XLSForm text, recorded in the store with it.
 * On success *@res holds the counts (release with pn_import_result_release). On failure
 * nothing was changed in the store and @err says why ("file:line: ...").
 */
pn_status pn_import_files(pn_store *store, const pn_form *form, const char *source, size_t len,
                          const char *const *paths, size_t npaths, const pn_import_opts *opts,
                          pn_import_result *res, pn_error *err);

void pn_import_result_release(pn_import_result *res);

#endif
