/* structures_cmd.c - `panorama structures`: the registry of the structures to survey. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "form/expr.h"
#include "import/registry.h"
#include "util/csv.h"
#include "util/strbuf.h"

/* The fields of the changed[] counts of a file's summary, by bit of PN_REG_* (store.h). */
static const char *const field_names[] = {"name",   "type",    "commune", "priority education",
                                          "e-mail", "address", "place"};

static pn_status import_registry(pn_cli *cli, int argc, char **argv, pn_error *err)
{
    if (argc < 1)
        return pn_error_set(err, PN_EUSAGE, "usage: structures import needs at least one FILE");
    pn_registry_result res;
    pn_status st =
        pn_registry_import(cli->store, (const char *const *)argv, (size_t)argc, &res, err);
    for (size_t i = 0; i < res.nissues; i++)
        fprintf(stderr, "%s:%zu: %s%s\n", res.issues[i].file, res.issues[i].line,
                res.issues[i].reason, res.issues[i].kept ? "" : "; the row is left out");
    if (st == PN_OK)
        for (size_t i = 0; i < res.nfiles; i++) {
            const pn_registry_file *f = &res.files[i];
            int qpv = f->kind == PN_REGISTRY_QPV;
            printf("%s: %s, %zu %s: %zu added, %zu updated", f->path,
                   pn_registry_kind_label(f->kind), f->rows, f->rows == 1 ? "row" : "rows",
                   f->added, f->updated);
            const char *sep = " (";
            for (size_t b = 0; b < sizeof field_names / sizeof field_names[0]; b++)
                if (f->changed[b]) {
                    printf("%s%s %zu", sep, field_names[b], f->changed[b]);
                    sep = ", ";
                }
            printf("%s, %zu unchanged", *sep == ',' ? ")" : "", f->unchanged);
            if (f->duplicates)
                printf(", %zu on a line already read (the first kept)", f->duplicates);
            if (f->closed)
                printf(", %zu closed (etat not OUVERT) left aside", f->closed);
            if (f->absent)
                printf(", %zu not in the registry (passed over)", f->absent);
            printf(", %zu rejected%s\n", f->rejected, qpv ? " (QPV rows: one per commune)" : "");
        }
    pn_registry_result_release(&res);
    return st;
}

/* The --where filter's view of one structure: its fields by the names a filter uses. */
typedef struct lister {
    int csv;
    pn_expr *where;
    const pn_structure_row *row;
    char lat[32], lon[32];
    size_t shown, listed, answered, unlisted;
    pn_error filter_err;
} lister;

static const char *field(void *ctx, const char *name)
{
    const lister *l = ctx;
    return cli_structure_field(l->row, name);
}

/* @s in a column @width characters wide: cut at a character (UTF-8), padded with spaces. */
static void put_col(const char *s, int width)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (; *p && n < width; n++) {
        size_t len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        for (size_t k = 0; k < len && *p; k++)
            putchar(*p++);
    }
    for (; n < width; n++)
        putchar(' ');
    putchar(' ');
}

static void put_csv(const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            putchar(';');
        pn_csv_write_field(stdout, cells[i], ';');
    }
    fputs("\r\n", stdout);
}

static pn_status list_one(void *ctx, const pn_structure_row *r, pn_error *err)
{
    lister *l = ctx;
    l->row = r;
    if (l->where) {
        pn_expr_env env = {field, l, NULL, NULL, 1};
        int keep = 0;
        pn_status st = pn_expr_eval_bool(l->where, &env, &keep, err);
        if (st != PN_OK) {
            pn_error_prefix(err, "--where");
            return st;
        }
        if (!keep)
            return PN_OK;
    }
    l->shown++;
    l->listed += r->listed;
    l->unlisted += !r->listed;
    l->answered += r->listed && r->responded;
    const char *net = strcmp(r->e.side, "centre") == 0 ? "centre social"
                                                       : "\xc3\xa9"
                                                         "cole";
    const char *code = r->e.side; /* text: the reseau codes, which keep the columns aligned */
    if (l->csv) {
        snprintf(l->lat, sizeof l->lat, isnan(r->e.latitude) ? "" : "%.6f", r->e.latitude);
        snprintf(l->lon, sizeof l->lon, isnan(r->e.longitude) ? "" : "%.6f", r->e.longitude);
        const char *cells[] = {net,
                               r->e.ident,
                               r->e.name,
                               r->e.kind,
                               r->e.commune,
                               r->e.commune_name,
                               r->e.rep,
                               r->e.email,
                               r->e.address,
                               l->lat,
                               l->lon,
                               r->listed ? "oui" : "non",
                               r->responded ? "oui" : "non",
                               r->answered};
        put_csv(cells, sizeof cells / sizeof cells[0]);
        return PN_OK;
    }
    if (!r->listed && l->unlisted == 1)
        printf("\nNamed in the answers but not in the registry (add them to the registry "
               "files):\n");
    put_col(code, 6);
    put_col(r->e.ident, 14);
    put_col(r->e.name, 40);
    put_col(r->e.commune, 5);
    put_col(r->e.commune_name, 20);
    /* a structure only the answers name has its form's answer: rep, rep_plus, hors_rep */
    const char *rep = r->listed                           ? r->e.rep
                      : strcmp(r->e.rep, "rep_plus") == 0 ? "REP+"
                      : strcmp(r->e.rep, "rep") == 0      ? "REP"
                                                          : "";
    put_col(rep, 4);
    printf("%s\n", r->responded ? (*r->answered ? r->answered : "answered") : "no answer");
    return PN_OK;
}

static pn_status list_registry(pn_cli *cli, pn_error *err)
{
    const char *fmt = NULL, *where = NULL;
    pn_opts o;
    pn_status st;
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o))
        if (!pn_opts_value(&o, "--format", &fmt) && !pn_opts_value(&o, "--where", &where))
            return pn_opts_fail(&o, err);
    if (o.error)
        return pn_opts_fail(&o, err);
    lister l = {0};
    if ((st = cli_parse_format(fmt, &l.csv, err)) != PN_OK)
        return st;
    if (where != NULL && (l.where = pn_expr_parse(where, err)) == NULL) {
        pn_error_prefix(err, "--where");
        return err->status;
    }
    if (l.csv)
        fputs("\xEF\xBB\xBF"
              "r\xc3\xa9seau;identifiant;nom;type;code commune;commune;\xc3\xa9"
              "ducation "
              "prioritaire;courriel;adresse;latitude;longitude;au r\xc3\xa9pertoire;a "
              "r\xc3\xa9pondu;derni\xc3\xa8re r\xc3\xa9ponse\r\n",
              stdout);
    else
        printf("%-6s %-14s %-40s %-5s %-20s %-4s %s\n", "reseau", "identifiant", "nom", "insee",
               "commune", "rep", "answer");
    if ((st = pn_store_begin_read(cli->store, err)) == PN_OK) {
        st = pn_store_each_structure(cli->store, list_one, &l, err);
        pn_store_end_read(cli->store);
    }
    if (st == PN_OK && !l.csv)
        printf("\n%zu structures listed: %zu in the registry, %zu of them answered; %zu named "
               "in the answers but not in the registry\n",
               l.shown, l.listed, l.answered, l.unlisted);
    pn_expr_destroy(l.where);
    return st;
}

pn_status cmd_structures(pn_cli *cli, pn_error *err)
{
    if (cli->argc >= 2 && strcmp(cli->argv[1], "import") == 0)
        return import_registry(cli, cli->argc - 2, cli->argv + 2, err);
    return list_registry(cli, err);
}
