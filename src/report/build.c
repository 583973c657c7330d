/* build.c - a report spec turned into the workbook: the figures, the cover, the methodology.
 * Every table of the spec is counted in one pass over the store (pn_tabulate_all).
 * May call: stats (tabulate), store (counts, date, forms), the workbook writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "stats/tabulate.h"
#include "util/strbuf.h"

static const char *const count_labels[] = {
    "Centres sociaux répondants",
    "Écoles répondantes",
    "Communes représentées",
    "Liens déclarés",
    "Paires centre social – école distinctes",
    "Dyades (lien déclaré par les deux partenaires)",
    "Réponses rejetées à l'import",
};
_Static_assert(sizeof count_labels / sizeof count_labels[0] == PN_NCOUNTS, "one label per count");

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
        const pn_question *q = pn_form_role(f, f->roles.klass);
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

/* The sheets of the @spec's tables, in its order, all counted in one pass over the store
 * (pn_tabulate_all); the first table that cannot be counted stops it, after the sheets
 * before it, as if each were counted in turn. */
static pn_status add_tables(pn_workbook *wb, pn_store *store, const pn_report_spec *spec,
                            pn_error *err)
{
    pn_tab_request *reqs = calloc(spec->n ? spec->n : 1, sizeof *reqs);
    pn_tab_result *res = calloc(spec->n ? spec->n : 1, sizeof *res);
    pn_error tab_err = {0};
    size_t counted = 0;
    pn_status st = PN_OK, tab_st;
    if (reqs == NULL || res == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < spec->n; i++)
        reqs[i] = (pn_tab_request){spec->items[i].var, spec->items[i].by, spec->items[i].where};
    tab_st = pn_tabulate_all(store, reqs, spec->n, res, &counted, &tab_err);
    for (size_t i = 0; i < counted && st == PN_OK; i++)
        st = pn_workbook_add_result(wb, &spec->items[i], &res[i], err);
    if (st == PN_OK && tab_st != PN_OK && counted < spec->n) {
        const pn_report_item *it = &spec->items[counted];
        *err = tab_err;
        st = tab_st;
        /* a wrong request is the spec's fault: an input error, at its line */
        if (res[counted].fault == PN_TAB_FAULT_FILTER)
            pn_error_prefix(err, "column 'where'");
        pn_error_prefix(err, "%s:%zu: sheet '%s'", spec->path, it->line, it->sheet);
    } else if (st == PN_OK && tab_st != PN_OK) {
        *err = tab_err;
        st = tab_st;
    }
out:
    for (size_t i = 0; res && i < counted; i++)
        pn_tab_result_release(&res[i]);
    free(reqs);
    free(res);
    return st;
}

pn_status pn_report_write(pn_store *store, const pn_report_spec *spec, const char *db_name,
                          const char *out_path, pn_error *err)
{
    pn_workbook *wb = NULL;
    pn_strbuf typo = PN_STRBUF_INIT, units = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    char date[32] = "";
    double counts[PN_NCOUNTS];
    /* Every figure of the workbook from one snapshot of the store, even while an import
     * commits: its cover and its sheets never mix the store before and after it. */
    if ((st = pn_store_begin_read(store, err)) != PN_OK)
        goto out;
    if ((st = pn_store_counts(store, counts, err)) != PN_OK ||
        (st = pn_store_data_date(store, date, sizeof date, err)) != PN_OK)
        goto out;
    {
        /* an empty project file is not the spec's fault: say so before the spec is read */
        char **ids = NULL;
        size_t nids = 0;
        if ((st = pn_store_form_ids(store, &ids, &nids, err)) != PN_OK)
            goto out;
        for (size_t i = 0; i < nids; i++)
            free(ids[i]);
        free(ids);
        if (nids == 0) {
            st = pn_error_set(err, PN_EUSAGE,
                              "the project file '%s' holds no answers yet; run 'panorama import' "
                              "first",
                              db_name);
            goto out;
        }
    }
    if ((wb = pn_workbook_create(out_path, err)) == NULL) {
        st = err->status;
        goto out;
    }
    if ((st = add_tables(wb, store, spec, err)) != PN_OK)
        goto out;
    if ((st = methodology(store, &typo, err)) != PN_OK)
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
                thousands(links, sizeof links, counts[PN_COUNT_LINKS]),
                thousands(pairs, sizeof pairs, counts[PN_COUNT_PAIRS]),
                thousands(dyads, sizeof dyads, counts[PN_COUNT_DYADS])) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
    pn_store_end_read(store); /* everything is read: the file is written outside it */
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
        spec->title,  spec->subtitle, *date ? date : NULL, PN_NCOUNTS,
        count_labels, counts,         typo.len ? 6 : 5,    method,
    };
    st = pn_workbook_close(wb, &info, err);
    wb = NULL;
out:
    pn_store_end_read(store);
    pn_workbook_destroy(wb);
    pn_strbuf_release(&typo);
    pn_strbuf_release(&units);
    return st;
}
