/*
 * cli.h - what the subcommands share. Only the CLI prints, exits or reads the environment.
 *
 * Exit codes (documented in `panorama --help` and README.md):
 *   0 success (an import that rejected rows still succeeds: see `panorama rejects`)
 *   2 usage error (bad option, missing argument, no project file)
 *   3 input error (a form, CSV or spec that is wrong; nothing was changed)
 *   4 file error (cannot open, read or write a file)
 *   5 store error (the project file is damaged or not a panorama project file)
 *   6 internal error or out of memory
 *   7 project file in use (another panorama is writing to it; nothing was changed: run
 *     the command again when that one has finished)
 *
 * May call: every room (docs/architecture.md); only src/cli prints, exits or reads the
 * environment.
 */
#ifndef PN_CLI_CLI_H
#define PN_CLI_CLI_H

#include <stdio.h>

#include "import/recalc.h"
#include "store/store.h"
#include "util/error.h"

enum {
    PN_EXIT_OK = 0,
    PN_EXIT_USAGE = 2,
    PN_EXIT_INPUT = 3,
    PN_EXIT_IO = 4,
    PN_EXIT_STORE = 5,
    PN_EXIT_INTERNAL = 6,
    PN_EXIT_BUSY = 7,
};

/* What a subcommand receives: its own arguments (argv[0] is its name) and the store when
 * the command table says it needs one. */
typedef struct pn_cli {
    int argc;
    char **argv;
    const char *db_path;
    pn_store *store; /* NULL unless the command needs the store */
} pn_cli;

/* Each returns a pn_status and fills @err; main prints and maps to an exit code. */
PN_MUST_USE pn_status cmd_init(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_import(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_rejects(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_tab(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_report(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_form(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_structures(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_send(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_status(pn_cli *cli, pn_error *err);
PN_MUST_USE pn_status cmd_map(pn_cli *cli, pn_error *err);

/* The form @id: DIR/ID.csv, else the one stored in cli->store (when open), else the installed
 * one; *@form (pn_form_destroy), *@src and *@len its text (free), *@from which it was (a path or
 * "the form stored in DB"). PN_EUSAGE when none; a form file's own errors. */
PN_MUST_USE pn_status cli_find_form(pn_cli *cli, const char *dir, const char *id, pn_form **form,
                                    char **src, size_t *len, char *from, size_t size,
                                    pn_error *err);

/* --format's value: text (or none) or csv, into *@csv; a usage error otherwise. */
PN_MUST_USE pn_status cli_parse_format(const char *fmt, int *csv, pn_error *err);

/*
 * cli_data_dir - the folder of the installed data files: forms/<id>.csv and reports/demo.csv.
 * Looked for once: the source tree for the program of the build tree (so that build/panorama
 * works from any folder), else <the program's folder>/../share/panorama (wherever
 * `make install PREFIX=...` put it), else the PN_DATADIR it was built for. NULL when none of
 * them exists. The string is static.
 */
const char *cli_data_dir(void);

/* Whether argv[i] asks for help. */
int cli_wants_help(int argc, char **argv);

/* Read the whole file @path into *@out (NUL-terminated, *@len bytes without the NUL; the
 * caller frees it); "cannot open 'path': reason" (PN_EIO) when it cannot. */
PN_MUST_USE pn_status cli_slurp(const char *path, char **out, size_t *len, pn_error *err);

/*
 * cli_load_form_file - read the form @id from the file @path, whose settings must give that
 * id ("path: the settings give form_id 'x', not 'id'", PN_EINPUT). Returns the form (free it
 * with pn_form_destroy) and its text in *@src (*@len bytes; the caller frees it), or NULL with
 * @err filled and *@src NULL.
 */
pn_form *cli_load_form_file(const char *path, const char *id, char **src, size_t *len,
                            pn_error *err);

/*
 * cli_warn_stale_forms - say on stderr which files of the forms folder @dir (NULL: none) differ
 * from the form stored under the same id (dir/ID.csv against form ID), and the command that applies
 * them. Compares the files' content with the stored text; changes nothing. @except: a form
 * id to leave out (the one a command is applying), or NULL.
 */
void cli_warn_stale_forms(pn_cli *cli, const char *dir, const char *except);

/* Print what recalculating a form changed (@res, of @form), one line per calculate, each
 * line starting with @prefix: "form 'ecole': 37 of 432 links changed class: 20 ponctuel ->
 * partenariat_formalise, ...". */
void cli_print_recalc(FILE *out, const char *prefix, const pn_form *form,
                      const pn_recalc_result *res);

/* The field @name of the structure @r, as the --where of `structures` and `map` names them
 * (reseau, identifiant, nom, type, commune, nom_commune, rep, courriel, repondu,
 * au_repertoire); NULL for another name. */
const char *cli_structure_field(const pn_structure_row *r, const char *name);

#endif
