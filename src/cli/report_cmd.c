/* report: tabulate each item of a spec and write the workbook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "report/report.h"
#include "stats/tabulate.h"
#include "util/strbuf.h"

/* One number from the store (0 when the query returns nothing). */
static pn_status count(pn_store *s, const char *sql, double *out, pn_error *err)
{
    sqlite3_stmt *q = NULL;
    *out = 0;
    if (sqlite3_prepare_v2(pn_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return pn_store_error(s, err, "cannot count");
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? PN_OK : pn_store_error(s, err, "cannot count");
}

static const char *const count_labels[] = {
    "Centres sociaux répondants",
    "Écoles répondantes",
    "Communes représentées",
    "Liens déclarés",
    "Paires centre social – école distinctes",
    "Dyades (lien déclaré par les deux partenaires)",
    "Réponses rejetées à l'import",
};
/* The positions in count_sql of the links, the pairs and the pairs reported by both sides. */
enum { COUNT_LINKS = 3, COUNT_PAIRS = 4, COUNT_DYADS = 5 };
static const char *const count_sql[] = {
    "SELECT count(*) FROM structures WHERE side='centre' AND responded=1",
    "SELECT count(*) FROM structures WHERE side='ecole' AND responded=1",
    "SELECT count(DISTINCT commune) FROM structures WHERE responded=1 AND commune <> ''",
    "SELECT count(*) FROM links",
    "SELECT count(*) FROM (SELECT 1 FROM links GROUP BY centre_ident, school_ident)",
    ("SELECT count(*) FROM (SELECT 1 FROM links GROUP BY centre_ident, school_ident"
     " HAVING count(DISTINCT reporter_side) = 2)"),
    "SELECT count(*) FROM rejects",
};
_Static_assert(sizeof count_labels / sizeof count_labels[0] ==
                   sizeof count_sql / sizeof count_sql[0],
               "one label per count");

/* @x, a whole count, with a no-break space between thousands ("12 345"), into @buf. */
static const char *thousands(char *buf, size_t size, double x)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", x);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 3 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            buf[o++] = '\xc2';
            buf[o++] = '\xa0';
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* Methodology paragraphs, French; the typology rule is read from the stored form. */
static pn_status methodology(pn_store *s, pn_strbuf *typo, pn_error *err)
{
    pn_form *f = NULL;
    char **ids = NULL;
    size_t nids = 0;
    pn_status st = pn_store_form_ids(s, &ids, &nids, err);
    for (size_t i = 0; st == PN_OK && i < nids && typo->len == 0; i++) {
        pn_error ignored = {0};
        if ((f = pn_store_get_form(s, ids[i], NULL, NULL, &ignored)) == NULL)
            continue;
        const pn_question *q = pn_form_find(f, "type_lien");
        if (q && q->calculation) {
            if (pn_strbuf_printf(typo,
                                 "Typologie des liens : chaque lien déclaré reçoit une classe "
                                 "calculée à partir des réponses, selon la règle écrite dans le "
                                 "questionnaire (« %s ») : %s.",
                                 f->title, pn_expr_text(q->calculation)) != PN_OK)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            if (q->list)
                for (size_t k = 0; k < q->list->n && st == PN_OK; k++)
                    if (pn_strbuf_printf(typo, "%s %s = « %s »", k ? ";" : " Classes :",
                                         q->list->items[k].name, q->list->items[k].label) != PN_OK)
                        st = pn_error_set(err, PN_ENOMEM, "out of memory");
            if (q->list && st == PN_OK && pn_strbuf_puts(typo, ".") != PN_OK)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
        }
        pn_form_destroy(f);
        f = NULL;
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    return st;
}

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

pn_status cmd_report(pn_cli *cli, pn_error *err)
{
    const char *spec_path = NULL, *out_path = "panorama.xlsx";
    pn_report_spec *spec = NULL;
    pn_workbook *wb = NULL;
    pn_strbuf typo = PN_STRBUF_INIT, units = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    pn_opts o;
    char *spec_text = NULL, spec_name[4300] = "", spec_used[4300] = "";
    size_t spec_len = 0;
    int spec_stored = 0;
    char date[32] = "";
    double counts[sizeof count_sql / sizeof count_sql[0]];
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
    /* Every figure of the workbook from one snapshot of the store, even while an import
     * commits: its cover and its sheets never mix the store before and after it. */
    if ((st = pn_store_begin_read(cli->store, err)) != PN_OK)
        goto out;
    if (*spec_used)
        fprintf(stderr, "panorama: report spec: %s\n", spec_used);
    for (size_t i = 0; i < sizeof count_sql / sizeof count_sql[0]; i++)
        if ((st = count(cli->store, count_sql[i], &counts[i], err)) != PN_OK)
            goto out;
    {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(pn_store_db(cli->store), "SELECT max(submitted) FROM submissions",
                               -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            snprintf(date, sizeof date, "%s", (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    {
        /* an empty project file is not the spec's fault: say so before the spec is read */
        char **ids = NULL;
        size_t nids = 0;
        if ((st = pn_store_form_ids(cli->store, &ids, &nids, err)) != PN_OK)
            goto out;
        for (size_t i = 0; i < nids; i++)
            free(ids[i]);
        free(ids);
        if (nids == 0) {
            st = pn_error_set(err, PN_EUSAGE,
                              "the project file '%s' holds no answers yet; run 'panorama import' "
                              "first",
                              cli->db_path);
            goto out;
        }
    }
    if ((wb = pn_workbook_create(out_path, err)) == NULL) {
        st = err->status;
        goto out;
    }
    for (size_t i = 0; i < spec->n; i++) {
        const pn_report_item *it = &spec->items[i];
        pn_tab_request req = {it->var, it->by, it->where};
        pn_tab_result res = {0};
        if ((st = pn_tabulate(cli->store, &req, &res, err)) != PN_OK) {
            /* a wrong request is the spec's fault: an input error, at its line */
            if (res.fault == PN_TAB_FAULT_FILTER)
                pn_error_prefix(err, "column 'where'");
            pn_error_prefix(err, "%s:%zu: sheet '%s'", spec->path, it->line, it->sheet);
            goto out;
        }
        st = pn_workbook_add_result(wb, it, &res, err);
        pn_tab_result_release(&res);
        if (st != PN_OK)
            goto out;
    }
    if ((st = methodology(cli->store, &typo, err)) != PN_OK)
        goto out;
    {
        char links[48], pairs[48], dyads[48];
        if (pn_strbuf_printf(
                &units,
                "Unités : les tableaux sur les structures portent sur les questionnaires reçus ; "
                "les tableaux sur les liens portent sur les liens déclarés. Les %s liens déclarés "
                "relient %s paires distinctes d'un centre social et d'une école, dont %s "
                "déclarées par les deux partenaires (des dyades) : une dyade compte deux fois "
                "dans les tableaux sur les liens, une fois pour chaque point de vue. Ses deux "
                "déclarations ne sont pas indépendantes ; les tests du khi-deux des tris croisés "
                "sur les liens, qui supposent des observations indépendantes, sont donc à lire "
                "avec prudence (une mise en garde l'indique sous chacun d'eux).",
                thousands(links, sizeof links, counts[COUNT_LINKS]),
                thousands(pairs, sizeof pairs, counts[COUNT_PAIRS]),
                thousands(dyads, sizeof dyads, counts[COUNT_DYADS])) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
    pn_store_end_read(cli->store); /* everything is read: the file is written outside it */
    const char *method[] = {
        "Source : questionnaires adressés aux centres sociaux et aux écoles des communes de "
        "l'enquête ; réponses collectées avec les outils des structures puis importées dans "
        "panorama. Chaque réponse est contrôlée contre le questionnaire (type, liste de choix, "
        "réponse obligatoire, contrainte, question applicable) ; les réponses non conformes sont "
        "écartées et comptées sur la couverture.",
        pn_strbuf_str(&units),
        "Non-réponse : une question sans objet pour un répondant (par exemple les partenaires "
        "d'une structure qui ne travaille pas avec l'autre réseau) n'entre pas dans la base ; "
        "une question applicable restée sans réponse est comptée en non-réponse et exclue du "
        "pourcentage valide.",
        "Questions à choix multiples : le pourcentage des réponses rapporte chaque modalité au "
        "total des modalités cochées (somme 100 %) ; le pourcentage des répondants la rapporte "
        "au nombre de répondants ayant coché au moins une modalité (la somme peut dépasser "
        "100 %).",
        "Tris croisés : khi-deux de Pearson et rapport de vraisemblance avec leurs degrés de "
        "liberté et probabilités, V de Cramér, test exact de Fisher pour les tableaux 2 × 2 ; "
        "une mise en garde s'affiche quand plus de 20 % des effectifs théoriques sont "
        "inférieurs à 5.",
        pn_strbuf_str(&typo),
    };
    pn_workbook_info info = {
        spec->title,  spec->subtitle, *date ? date : NULL, sizeof count_sql / sizeof count_sql[0],
        count_labels, counts,         typo.len ? 6 : 5,    method,
    };
    st = pn_workbook_close(wb, &info, err);
    wb = NULL;
    if (st == PN_OK)
        printf("wrote '%s': %zu %s\n", out_path, spec->n, spec->n == 1 ? "table" : "tables");
    /* kept for the next report without SPEC; the workbook is written whether or not it is */
    pn_store_end_read(cli->store); /* a write, after the snapshot the workbook was read from */
    if (st == PN_OK && !spec_stored) {
        pn_error werr = {0};
        if (pn_store_put_report_spec(cli->store, spec_name, spec_text, spec_len, &werr) != PN_OK) {
            fflush(stdout);
            fprintf(stderr, "panorama: warning: the report spec was not kept in '%s': %s\n",
                    cli->db_path, werr.msg);
        }
    }
out:
    pn_store_end_read(cli->store);
    free(spec_text);
    pn_workbook_destroy(wb);
    pn_report_spec_destroy(spec);
    pn_strbuf_release(&typo);
    pn_strbuf_release(&units);
    return st;
}
