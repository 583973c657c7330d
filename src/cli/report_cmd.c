/* report: choose the spec and the methodology text, write the workbook (report/report.h), keep
 * the spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "report/report.h"
#include "stats/tabulate.h"
#include "util/strbuf.h"

/*
 * The spec of a report without SPEC: the copy the last report kept in the project file, else
 * ./reports/demo.csv, else the installed demo spec. Its bytes into *@text (*@len), the name
 * for messages into @name, what was used (for the user) into @used, and *@stored set when it
 * is the kept copy.
 */
static pn_status default_spec(pn_cli *cli, char **text, size_t *len, char *name, size_t namesz,
                              char *used, size_t usedsz, int *stored, pn_error *err)
{
    char *kept = NULL, installed[4200] = "";
    struct stat st;
    pn_status rc = pn_store_get_report_spec(cli->store, &kept, text, len, err);
    if (rc != PN_OK)
        return rc;
    if (*text) {
        *stored = 1;
        snprintf(name, namesz, "%s (the copy in '%s')", kept, cli->db_path);
        snprintf(used, usedsz, "the copy of '%s' kept in '%s' by the last report", kept,
                 cli->db_path);
        free(kept);
        return PN_OK;
    }
    if (stat("reports/demo.csv", &st) == 0) {
        snprintf(name, namesz, "reports/demo.csv");
        snprintf(used, usedsz, "'reports/demo.csv'");
    } else if (cli_data_dir()) {
        snprintf(installed, sizeof installed, "%s/reports/demo.csv", cli_data_dir());
        if (stat(installed, &st) == 0) {
            snprintf(name, namesz, "%s", installed);
            snprintf(used, usedsz, "the bundled demo spec '%s'", installed);
        }
    }
    if (*name == '\0')
        return pn_error_set(err, PN_EUSAGE,
                            "no report spec: none given, none kept in '%s' (no report was written "
                            "from it yet), no 'reports/demo.csv' here%s%s%s; give SPEC",
                            cli->db_path, *installed ? ", nor '" : " and no installed one",
                            installed, *installed ? "'" : "");
    return cli_slurp(name, text, len, err);
}

/*
 * The methodology text: "methodologie.txt" beside the spec file (@spec_file; NULL for the copy
 * kept in the project file), else reports/methodologie.txt here, else the installed one. Says
 * on stderr which one when it is not beside the spec.
 */
static pn_status load_method(const char *spec_file, pn_report_method **out, pn_error *err)
{
    char beside[4400] = "", here[64], installed[4200] = "";
    struct stat st;
    const char *slash = spec_file ? strrchr(spec_file, '/') : NULL;
    if (spec_file != NULL)
        snprintf(beside, sizeof beside, "%.*s%s", slash ? (int)(slash - spec_file + 1) : 0,
                 spec_file, PN_REPORT_METHOD_FILE);
    snprintf(here, sizeof here, "reports/%s", PN_REPORT_METHOD_FILE);
    if (*beside && stat(beside, &st) == 0)
        return pn_report_method_load(beside, out, err);
    if (stat(here, &st) == 0) {
        if (spec_file != NULL)
            fprintf(stderr, "panorama: methodology text: '%s'\n", here);
        return pn_report_method_load(here, out, err);
    }
    if (cli_data_dir())
        snprintf(installed, sizeof installed, "%s/reports/%s", cli_data_dir(),
                 PN_REPORT_METHOD_FILE);
    if (*installed && stat(installed, &st) == 0) {
        fprintf(stderr, "panorama: methodology text: the bundled one '%s'\n", installed);
        return pn_report_method_load(installed, out, err);
    }
    return pn_error_set(err, PN_EUSAGE,
                        "no methodology text: no '%s'%s%s, no '%s' here%s%s%s; copy the bundled "
                        "reports/%s beside the spec",
                        *beside ? beside : PN_REPORT_METHOD_FILE, " beside the spec", "", here,
                        *installed ? ", nor '" : " and no installed one", installed,
                        *installed ? "'" : "", PN_REPORT_METHOD_FILE);
}

pn_status cmd_report(pn_cli *cli, pn_error *err)
{
    const char *spec_path = NULL, *out_path = "panorama.xlsx";
    pn_report_spec *spec = NULL;
    pn_report_method *method = NULL;
    pn_status st = PN_OK;
    pn_opts o;
    char *spec_text = NULL, spec_name[4300] = "", spec_used[4300] = "";
    size_t spec_len = 0;
    int spec_stored = 0;
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "-o", &out_path) || pn_opts_value(&o, "--output", &out_path))
            continue;
        if (o.error || o.arg[0] == '-' || spec_path) {
            st = pn_opts_fail(&o, err);
            goto out;
        }
        spec_path = o.arg;
    }
    if (o.error) {
        st = pn_opts_fail(&o, err);
        goto out;
    }
    if (spec_path) {
        snprintf(spec_name, sizeof spec_name, "%s", spec_path);
        st = cli_slurp(spec_path, &spec_text, &spec_len, err);
    } else {
        st = default_spec(cli, &spec_text, &spec_len, spec_name, sizeof spec_name, spec_used,
                          sizeof spec_used, &spec_stored, err);
    }
    if (st != PN_OK ||
        (st = pn_report_spec_load_text(spec_name, spec_text, spec_len, &spec, err)) != PN_OK)
        goto out;
    if (*spec_used)
        fprintf(stderr, "panorama: report spec: %s\n", spec_used);
    if ((st = load_method(spec_stored ? NULL : spec_name, &method, err)) != PN_OK)
        goto out;
    size_t fiches = 0;
    st = pn_report_write(cli->store, spec, method, cli->db_path, out_path, &fiches, err);
    if (st == PN_OK) {
        size_t tables = spec->n;
        for (size_t i = 0; i < spec->n; i++)
            tables -= spec->items[i].fiches;
        printf("wrote '%s': %zu %s", out_path, tables, tables == 1 ? "table" : "tables");
        if (fiches > 0)
            printf(", %zu town %s", fiches, fiches == 1 ? "fiche" : "fiches");
        printf("\n");
    }
    /* kept for the next report without SPEC; the workbook is written whether or not it is */
    if (st == PN_OK && !spec_stored) {
        pn_error werr = {0};
        if (pn_store_put_report_spec(cli->store, spec_name, spec_text, spec_len, &werr) != PN_OK) {
            fflush(stdout);
            fprintf(stderr, "panorama: warning: the report spec was not kept in '%s': %s\n",
                    cli->db_path, werr.msg);
        }
    }
out:
    free(spec_text);
    pn_report_spec_destroy(spec);
    pn_report_method_destroy(method);
    return st;
}
