/* build.c - a report spec turned into the workbook: the figures, the cover, the methodology.
 * Every table of the spec is counted in one pass over the store (pn_tabulate_all).
 * May call: stats (tabulate), store (counts, date, forms), the workbook writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "stats/protect.h"
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

/* The typology paragraph of the methodology, French: the rule as the stored form writes it. */
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
        reqs[i] = (pn_tab_request){spec->items[i].var, spec->items[i].by, spec->items[i].where,
                                   spec->items[i].pairs};
    tab_st = pn_tabulate_all(store, reqs, spec->n, res, &counted, &tab_err);
    /* the secret statistique: every table protected, as linked tables, before any is written */
    if (counted > 0)
        st = pn_tab_results_protect(res, counted, spec->secret, err);
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

pn_status pn_report_write(pn_store *store, const pn_report_spec *spec,
                          const pn_report_method *method, const char *db_name, const char *out_path,
                          pn_error *err)
{
    pn_workbook *wb = NULL;
    pn_strbuf typo = PN_STRBUF_INIT;
    pn_method_text text = {0};
    pn_status st = PN_OK;
    char date[32] = "", first[32] = "";
    double counts[PN_NCOUNTS];
    /* Every figure of the workbook from one snapshot of the store, even while an import
     * commits: its cover and its sheets never mix the store before and after it. */
    if ((st = pn_store_begin_read(store, err)) != PN_OK)
        goto out;
    if ((st = pn_store_counts(store, counts, err)) != PN_OK ||
        (st = pn_store_data_date(store, date, sizeof date, err)) != PN_OK ||
        (st = pn_store_first_date(store, first, sizeof first, err)) != PN_OK)
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
    pn_workbook_set_small_base(wb, spec->small_base);
    if (pn_workbook_set_producer(wb, spec->producer) != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = add_tables(wb, store, spec, err)) != PN_OK)
        goto out;
    if ((st = methodology(store, &typo, err)) != PN_OK)
        goto out;
    pn_store_end_read(store); /* everything is read: the file is written outside it */
    char secret[400];
    pn_report_secret_text(secret, sizeof secret, spec->secret);
    if ((st = pn_report_method_fill(method, counts, pn_strbuf_str(&typo), secret, &text, err)) !=
        PN_OK)
        goto out;
    pn_workbook_info info = {
        spec->title,    spec->subtitle, *date ? date : NULL, PN_NCOUNTS, count_labels,
        counts,         text.n,         text.pars,           secret,     *first ? first : NULL,
        spec->producer,
    };
    st = pn_workbook_close(wb, &info, err);
    wb = NULL;
out:
    pn_store_end_read(store);
    pn_workbook_destroy(wb);
    pn_strbuf_release(&typo);
    pn_method_text_release(&text);
    return st;
}
