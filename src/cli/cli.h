/*
 * cli.h - what the subcommands share. Only the CLI prints, exits or reads the environment.
 *
 * Exit codes (documented in `panorama --help` and README.md):
 *   0 success (an import that rejected rows still succeeds: see `panorama rejects`)
 *   2 usage error (bad option, missing argument, no project file)
 *   3 input error (a form, CSV or spec that is wrong; nothing was changed)
 *   4 file error (cannot open, read or write a file)
 *   5 store error (the project file is damaged or locked)
 *   6 internal error or out of memory
 */
#ifndef PN_CLI_CLI_H
#define PN_CLI_CLI_H

#include "store/store.h"
#include "util/error.h"

enum {
    PN_EXIT_OK = 0,
    PN_EXIT_USAGE = 2,
    PN_EXIT_INPUT = 3,
    PN_EXIT_IO = 4,
    PN_EXIT_STORE = 5,
    PN_EXIT_INTERNAL = 6,
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
pn_status cmd_init(pn_cli *cli, pn_error *err);
pn_status cmd_import(pn_cli *cli, pn_error *err);
pn_status cmd_rejects(pn_cli *cli, pn_error *err);
pn_status cmd_tab(pn_cli *cli, pn_error *err);
pn_status cmd_report(pn_cli *cli, pn_error *err);

/* Read the whole file @path into *@out (NUL-terminated, *@len bytes without the NUL; the
 * caller frees it); "cannot open 'path': reason" (PN_EIO) when it cannot. */
pn_status cli_read_file(const char *path, char **out, size_t *len, pn_error *err);

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

#endif
