/* panorama - survey collection and statistical reporting for schools and centres sociaux. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "stats/stats.h"

/* CHECKS_FORMS: says which files of forms/ differ from the stored forms (changes nothing) */
/* OPTIONAL_STORE: the project file opened when there is one (form export works without) */
enum { NEEDS_STORE = 1, CHECKS_FORMS = 2, OPTIONAL_STORE = 4 };

typedef struct command {
    const char *name;
    pn_status (*run)(pn_cli *, pn_error *);
    int flags;
    const char *usage;
    const char *help;
} command;

static const command commands[] = {
    {"init", cmd_init, 0, "panorama [--db FILE] init",
     "Create an empty project file (default panorama.db)."},
    {"import", cmd_import, NEEDS_STORE,
     "panorama [--db FILE] import [--form ID] [--forms DIR] [--dialect D] [--encoding E] "
     "[--delimiter C] [--map FILE] FILE...",
     "Import the answers as KoboToolbox, ODK Central, LimeSurvey, Google Forms or a "
     "spreadsheet exported them, without editing. --form ID reads DIR/ID.csv (--forms DIR, "
     "else ./forms), else the form already in the project file, else the installed form "
     "(without --forms); without --form, "
     "the form whose questions match the header is chosen. Columns are matched to questions "
     "by name, group path or label (case, accents and spacing ignored), answers to choices by "
     "name or label. A repeat group comes in its own file, linked by PARENT_KEY (ODK), "
     "_submission__uuid (KoboToolbox) or the structure's identifier column. A FILE may be an "
     "Excel workbook (.xlsx): each visible sheet is read as a file (KoboToolbox's .xlsx export "
     "puts each repeat group on a sheet of its own), and a fillable workbook written by 'form "
     "sheet' and filled in is read back cell by cell. --dialect is "
     "auto, plain, kobo, odk, limesurvey, google or excel (default: detected from the "
     "header); --encoding is utf-8, windows-1252, utf-16, latin1... (default: detected); "
     "--delimiter is ',', ';' or 'tab' (default: detected). What cannot be matched is "
     "reported, never guessed: with --map FILE, the program writes it to FILE as a template "
     "to complete, and reads FILE on the next import. Rows that do not fit the form are kept "
     "aside with every reason: see 'panorama rejects'."},
    {"rejects", cmd_rejects, NEEDS_STORE | CHECKS_FORMS,
     "panorama [--db FILE] rejects [--format text|csv]",
     "List the rows that were rejected, with file, line, every reason and the raw row. "
     "--format csv writes them for a spreadsheet: UTF-8 with BOM, ';', CRLF (a French Excel "
     "opens it by double-click)."},
    {"tab", cmd_tab, NEEDS_STORE | CHECKS_FORMS,
     "panorama [--db FILE] tab VAR [--by VAR] [--where EXPR] [--pairs] [--secret N] "
     "[--format text|csv]",
     "Frequency table of VAR (a multiple-response table for a select_multiple), or the "
     "cross-tab of VAR by the --by variable with chi-square tests. --where keeps the units "
     "for which the XLSForm expression is true, e.g. --where \"${en_qpv} = 'oui'\". The "
     "pseudo-variable 'reseau' is the respondent's network. --pairs compares the two views of "
     "the links that both the centre and the school report (a pair: the centre's SIRET and "
     "the school's UAI): the centre's answer to VAR by the school's, with Cohen's kappa. "
     "--secret N masks, as 's', every count of 1 to N-1 units and what would give one back "
     "(the secret statistique; a workbook applies it, N = 3 unless its spec says otherwise)."},
    {"report", cmd_report, NEEDS_STORE | CHECKS_FORMS,
     "panorama [--db FILE] report [SPEC] [-o FILE.xlsx]",
     "Write the Excel workbook that SPEC describes to FILE.xlsx (default panorama.xlsx). "
     "Without SPEC: the spec of the last report (kept in the project file), else "
     "./reports/demo.csv, else the installed demo spec. The methodology sheet's text is "
     "methodologie.txt beside the spec, else ./reports/methodologie.txt, else the installed "
     "one. A spec's 'fiches' row adds the network's figures by town and one fiche per town "
     "(its structures, its links by type, its obstacles and success factors beside the whole "
     "survey's, its network drawn), each printed on one A4 page."},
    {"structures", cmd_structures, NEEDS_STORE,
     "panorama [--db FILE] structures import FILE... | structures [--where EXPR] "
     "[--format text|csv]",
     "The registry of the structures to survey. 'structures import' reads the Annuaire de "
     "l'education's export (its schools, by UAI; closed ones left aside), the federation's "
     "list of centres sociaux (a siret and a nom column; commune, adresse, courriel, latitude, "
     "longitude when given) and the QPV list (code_qp, lib_qp, insee_com, lib_com): columns by "
     "name, in any case and order, any encoding and delimiter, or the first visible sheet of "
     "an Excel workbook (.xlsx). A row with a wrong UAI, SIRET "
     "or commune code is left out and listed; reading a file again changes nothing, a newer "
     "one says what it changed. 'structures' lists the registry with each structure's answer "
     "(and its date), then the structures the answers name that the registry lacks. --where "
     "keeps those for which the expression is true, over reseau (centre, ecole), identifiant, "
     "nom, type, commune, nom_commune, rep, courriel, repondu and au_repertoire (oui, non): "
     "e.g. --where \"${repondu} = 'non'\". --format csv writes them for a spreadsheet: UTF-8 "
     "with BOM, ';', CRLF."},
    {"send", cmd_send, NEEDS_STORE,
     "panorama [--db FILE] send FORM --url URL [--root NAME] [--forms DIR] [-o FILE.csv]",
     "Write the mail-merge file of the sending of FORM (default envoi-FORM.csv) for a mail "
     "tool or a French Excel (UTF-8 with BOM, ';', CRLF): one row per structure of the "
     "registry in FORM's network, its identifier, name, commune, contact e-mail and personal "
     "link: URL, the form's public link on KoboToolbox or ODK Central, with the structure's "
     "identity pre-filled as Enketo's d[/data/...]=value parameters (--root NAME when the "
     "form's root is not 'data'). Each sending is recorded in the project file."},
    {"status", cmd_status, NEEDS_STORE,
     "panorama [--db FILE] status [--by commune|reseau] [--format text|csv] [--remind [-o "
     "FILE.csv]]",
     "Who answered: per town and network (--by reseau: per network), the structures of the "
     "registry, how many were sent the form, how many answered (matched by identifier), the "
     "response rate with its 95 % interval (Wilson), how many were reminded and the date of "
     "the last answer. --remind also writes the mail-merge file of those who have not "
     "answered (default relance.csv), each with its last personal link, and records the "
     "reminders. --format csv writes the table for a spreadsheet."},
    {"map", cmd_map, NEEDS_STORE | CHECKS_FORMS,
     "panorama [--db FILE] map [--where EXPR] -o FILE.umap|FILE.geojson|FILE.html|DIR/ "
     "[-o ...]",
     "The map of the structures and their links. Each -o writes one file, all from the same "
     "read of the project file, by its extension: .umap, a file uMap imports as it is (a layer "
     "of structures, centres and schools with their own icon and colour, and a layer per type "
     "of link, each feature with its name and a French description); .geojson, for QGIS "
     "(WGS 84, longitude then latitude, flat properties: reseau, identifiant, commune, classe, "
     "couleur, vues...); .html, a page that opens from the disk without a server (Leaflet "
     "inlined), with a legend and filters by type of link, network and town, a base map when "
     "online; DIR/ (a folder), each town's network drawn by Graphviz, reseau-CODE.png and "
     "reseau-CODE.svg: its structures that have a link and their partners, centres as boxes "
     "and schools as ellipses, the links as edges. A link is coloured by its type; dashed when one "
     "side only reported it, wider "
     "when both did. A structure whose place the registry does not give is listed, never "
     "placed; a link is drawn when both its ends are placed. --where keeps the structures for "
     "which the expression is true, over the fields 'structures' filters on (reseau, "
     "commune, nom_commune, rep, repondu, ...), and the links between two kept structures."},
    {"form", cmd_form, OPTIONAL_STORE,
     "panorama [--db FILE] form update [--forms DIR] [FORM...] | form export FORM [--forms DIR] "
     "[-o FILE.xlsx] | form sheet FORM [--structure ID]... [-o DIR] | form print FORM "
     "[--structure ID] [-o FILE.pdf]",
     "Work on the stored forms. 'form update' reads each FORM from DIR/FORM.csv (DIR is "
     "'forms' unless --forms says otherwise; without FORM, every stored form that has a file "
     "there), stores it in place of the stored version (adding the questions it adds), and "
     "applies its calculations, the link typology among them, to every stored answer of that "
     "form, all in one transaction; then it says how many values changed (for a class, from "
     "which to which). 'import' does the same when the form it reads differs from the "
     "stored one, and the other commands say when a file in forms/ differs. 'form export' "
     "writes FORM as the XLSForm workbook KoboToolbox and ODK Central upload (sheets survey, "
     "choices, settings; every cell text) to FILE.xlsx (default FORM.xlsx), from DIR/FORM.csv "
     "(DIR: --forms, else ./forms), else the form stored in the project file, else the "
     "installed one. 'form sheet' writes, per structure of the registry in FORM's network (or "
     "those --structure names), a fillable Excel workbook DIR/FORM-ID.xlsx (DIR default "
     "classeurs-FORM): the questions with drop-down lists, hints as comments, skip rules in "
     "words, a sheet of partners, the structure's identity filled in and locked. 'form print' "
     "writes FORM as a questionnaire to print and fill in by hand, a PDF of A4 pages "
     "(default FORM.pdf): each question with its skip rule in words and a box per choice, "
     "the partners' questions on 3 sheets to photocopy; with --structure ID, that structure "
     "of the registry's name, identifier and commune pre-printed."},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: panorama [--db FILE] COMMAND [ARGS]\n"
                 "       panorama --version | --help | COMMAND --help\n\n"
                 "Survey collection and statistical reporting on the links between schools and\n"
                 "centres sociaux.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %s\n", commands[i].usage);
    fprintf(out, "\noptions:\n"
                 "  --db FILE   the project file (default: panorama.db in the current folder)\n"
                 "\nexit codes: 0 success, 2 usage error, 3 input error (nothing changed),\n"
                 "4 file error, 5 store error (damaged project file), 6 internal error,\n"
                 "7 project file in use (another panorama is writing to it; nothing changed)\n");
}

static int exit_code(pn_status st)
{
    switch (st) {
    case PN_OK:
        return PN_EXIT_OK;
    case PN_EUSAGE:
        return PN_EXIT_USAGE;
    case PN_EINPUT:
        return PN_EXIT_INPUT;
    case PN_EIO:
        return PN_EXIT_IO;
    case PN_ESTORE:
        return PN_EXIT_STORE;
    case PN_ENOMEM:
    case PN_EINTERNAL:
    case PN_STOP: /* a callback's stop never leaves its walk: if it did, it is a bug */
        return PN_EXIT_INTERNAL;
    case PN_EBUSY:
        return PN_EXIT_BUSY;
    }
    return PN_EXIT_INTERNAL;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    /* No setlocale(): every output is the same whatever LANG or LC_ALL say. */
    const char *db_path = "panorama.db";
    int i = 1;
    pn_error err = {0};
    pn_status st = PN_OK;
    pn_cli cli = {0};

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            goto flush;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("panorama %s\n", PN_VERSION);
            goto flush;
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db_path = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db_path = argv[i] + 5;
        } else {
            fprintf(stderr, "panorama: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return PN_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return PN_EXIT_USAGE;
    }
    const command *cmd = NULL;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(argv[i], commands[k].name) == 0)
            cmd = &commands[k];
    if (cmd == NULL) {
        fprintf(stderr, "panorama: '%s' is not a panorama command; see 'panorama --help'\n",
                argv[i]);
        return PN_EXIT_USAGE;
    }
    cli.argc = argc - i;
    cli.argv = argv + i;
    cli.db_path = db_path;
    if (cli_wants_help(cli.argc, cli.argv)) {
        printf("usage: %s\n\n%s\n", cmd->usage, cmd->help);
        goto flush;
    }
    pn_stats_init();
    if ((cmd->flags & NEEDS_STORE) ||
        ((cmd->flags & OPTIONAL_STORE) && access(db_path, F_OK) == 0)) {
        cli.store = pn_store_open(db_path, &err);
        if (cli.store == NULL) {
            st = err.status;
            goto done;
        }
    }
    if (cmd->flags & CHECKS_FORMS)
        cli_warn_stale_forms(&cli, "forms", NULL);
    st = cmd->run(&cli, &err);
done:
    pn_store_close(cli.store);
    if (st != PN_OK) {
        fflush(stdout);
        fprintf(stderr, "panorama: %s\n", err.msg);
        if (st == PN_EUSAGE && strncmp(err.msg, "usage", 5) == 0)
            fprintf(stderr, "usage: %s\n", cmd->usage);
        return exit_code(st);
    }
flush:
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("panorama: cannot write the output");
        return PN_EXIT_IO;
    }
    return PN_EXIT_OK;
}
