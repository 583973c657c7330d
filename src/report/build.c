/* build.c - a report spec turned into the workbook: the figures, the cover, the methodology.
 * Every table of the spec is counted in one pass over the store (pn_tabulate_all).
 * May call: stats (tabulate), store (counts, date, forms), the workbook writer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/fiches.h"
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

/* The link typology as the methodology gives it: its paragraph, and its rules in words, a
 * class and its condition a row (both owned). */
typedef struct typology {
    pn_strbuf par;
    char **klass, **rule;
    size_t n, cap;
} typology;

static void typology_release(typology *t)
{
    pn_strbuf_release(&t->par);
    for (size_t i = 0; i < t->n; i++) {
        free(t->klass[i]);
        free(t->rule[i]);
    }
    free(t->klass);
    free(t->rule);
    memset(t, 0, sizeof *t);
}

typedef struct branch_ctx {
    typology *t;
    const pn_question *q; /* the class question: its list gives the classes' labels */
} branch_ctx;

static pn_status add_branch(void *ctx, const char *condition, const char *value, pn_error *err)
{
    branch_ctx *b = ctx;
    typology *t = b->t;
    const pn_choice *c = b->q->list ? pn_choice_find(b->q->list, value) : NULL;
    const char *label = c ? c->label : value;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        char **k = realloc(t->klass, cap * sizeof *k);
        if (k == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        t->klass = k;
        char **r = realloc(t->rule, cap * sizeof *r);
        if (r == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        t->rule = r;
        t->cap = cap;
    }
    char *kl = pn_strdup(label);
    char *ru = pn_strdup(condition ? condition : "dans tous les autres cas");
    if (kl == NULL || ru == NULL) {
        free(kl);
        free(ru);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    t->klass[t->n] = kl;
    t->rule[t->n++] = ru;
    return PN_OK;
}

/* The typology of the first stored form that has one: its rules in words when it is a chain
 * of if(), else the rule as the form writes it. */
static pn_status methodology(pn_store *s, typology *typo, pn_error *err)
{
    pn_form *f = NULL;
    char **ids = NULL;
    size_t nids = 0;
    pn_status st = pn_store_form_ids(s, &ids, &nids, err);
    for (size_t i = 0; st == PN_OK && i < nids && typo->par.len == 0; i++) {
        pn_error ignored = {0};
        if ((f = pn_store_get_form(s, ids[i], NULL, NULL, &ignored)) == NULL)
            continue;
        const pn_question *q = pn_form_role(f, f->roles.klass);
        if (q && q->calculation) {
            pn_expr_words w = pn_form_words(f);
            branch_ctx b = {typo, q};
            st = pn_expr_branches(q->calculation, &w, add_branch, &b, err);
            if (st == PN_OK) {
                if (pn_strbuf_printf(&typo->par,
                                     "Typologie des liens : chaque lien déclaré reçoit une classe "
                                     "calculée à partir des réponses, selon la règle du "
                                     "questionnaire « %s », lue dans l'ordre du tableau "
                                     "ci-dessous : la première condition remplie donne la "
                                     "classe.",
                                     f->title) != PN_OK)
                    st = pn_error_set(err, PN_ENOMEM, "out of memory");
            } else if (st == PN_EUSAGE) { /* no chain of if(): the rule as written */
                st = PN_OK;
                if (pn_strbuf_printf(&typo->par,
                                     "Typologie des liens : chaque lien déclaré reçoit une classe "
                                     "calculée à partir des réponses, selon la règle écrite dans "
                                     "le questionnaire (« %s ») : %s.",
                                     f->title, pn_expr_text(q->calculation)) != PN_OK)
                    st = pn_error_set(err, PN_ENOMEM, "out of memory");
            }
        }
        pn_form_destroy(f);
        f = NULL;
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    return st;
}

/* The words of @it's labels column on the @n categories @cats named so. 0 when out of
 * memory. */
static int relabel_cats(pn_category *cats, size_t n, const pn_report_item *it)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < it->nlabels; k++)
            if (strcmp(cats[i].name, it->label_names[k]) == 0) {
                char *label = pn_strdup(it->label_texts[k]);
                if (label == NULL)
                    return 0;
                free(cats[i].label);
                cats[i].label = label;
            }
    return 1;
}

/* The categories of every table of @r shown with @it's words (its labels column). */
static pn_status relabel(pn_tab_result *r, const pn_report_item *it, pn_error *err)
{
    int ok = 1;
    for (size_t p = 0; p < r->nparts && it->nlabels > 0; p++) {
        pn_tab_part *part = &r->parts[p];
        if (part->freq)
            ok &= relabel_cats(part->freq->cats, part->freq->k, it);
        if (part->multi)
            ok &= relabel_cats(part->multi->cats, part->multi->k, it);
        if (part->xt)
            ok &= relabel_cats(part->xt->row_cats, part->xt->r, it) &
                  relabel_cats(part->xt->col_cats, part->xt->c, it);
        if (part->mxt)
            ok &= relabel_cats(part->mxt->row_cats, part->mxt->r, it) &
                  relabel_cats(part->mxt->col_cats, part->mxt->c, it);
        if (part->agree)
            ok &= relabel_cats(part->agree->cats, part->agree->k, it);
    }
    return ok ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* The methodology's last section: what the registry holds, where it comes from, and what the
 * cover's response rates divide. Added to @text (its owner). */
static pn_status registry_paragraph(pn_method_text *text, const double listed[2],
                                    char sources[2][256], pn_error *err)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st = pn_strbuf_puts(&sb, "R\xc3\xa9pertoire des structures : ");
    const char *what[2] = {"centres sociaux", "\xc3\xa9"
                                              "coles et coll\xc3\xa8ges"};
    for (int k = 0; k < 2 && st == PN_OK; k++)
        if (listed[k] > 0)
            st = pn_strbuf_printf(&sb, "%s%.0f %s (%s%s)", k == 1 && listed[0] > 0 ? " et " : "",
                                  listed[k], what[k],
                                  k == 0 ? "liste de la f\xc3\xa9"
                                           "d\xc3\xa9ration, "
                                         : "Annuaire de l'\xc3\xa9"
                                           "ducation, ",
                                  sources[k]);
    if (st == PN_OK)
        st = pn_strbuf_puts(
            &sb, ", import\xc3\xa9s avec panorama (identifiants v\xc3\xa9rifi\xc3\xa9s : "
                 "lettre-cl\xc3\xa9 de l'UAI, cl\xc3\xa9 de Luhn du SIRET ; \xc3\xa9tablissements "
                 "ferm\xc3\xa9s \xc3\xa9"
                 "cart\xc3\xa9s). Le taux de r\xc3\xa9ponse de la couverture "
                 "rapporte les structures du r\xc3\xa9pertoire qui ont r\xc3\xa9pondu (reconnues "
                 "par leur identifiant) \xc3\xa0 toutes celles du r\xc3\xa9pertoire.");
    pn_method_par *pars = st == PN_OK ? realloc(text->pars, (text->n + 2) * sizeof *pars) : NULL;
    if (pars != NULL)
        text->pars = pars;
    char *heading = pn_strdup("R\xc3\xa9pertoire et taux de r\xc3\xa9ponse");
    char *par = pn_strbuf_detach(&sb);
    if (pars == NULL || heading == NULL || par == NULL) {
        free(heading);
        free(par);
        pn_strbuf_release(&sb);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    pars[text->n++] = (pn_method_par){heading, 1, 0};
    pars[text->n++] = (pn_method_par){par, 0, 0};
    return PN_OK;
}

/* ---- categories the most frequent first (the spec's order column) ---- */

/* @perm: the order of the @r rows of @a, @w figures a row. */
static int permute(double *a, size_t r, size_t w, const size_t *perm)
{
    if (a == NULL || r == 0)
        return 1;
    double *tmp = malloc(r * w * sizeof *tmp);
    if (tmp == NULL)
        return 0;
    for (size_t i = 0; i < r; i++)
        memcpy(tmp + i * w, a + perm[i] * w, w * sizeof *tmp);
    memcpy(a, tmp, r * w * sizeof *tmp);
    free(tmp);
    return 1;
}

static int permute_cats(pn_category *cats, size_t r, const size_t *perm)
{
    pn_category *tmp = malloc((r ? r : 1) * sizeof *tmp);
    if (tmp == NULL)
        return 0;
    for (size_t i = 0; i < r; i++)
        tmp[i] = cats[perm[i]];
    memcpy(cats, tmp, r * sizeof *tmp);
    free(tmp);
    return 1;
}

typedef struct ranked {
    double key;
    int masked; /* after every shown one, whatever it is: its place says nothing of it */
    size_t i;
} ranked;

/* The larger count first, masked ones last, the form's order between equals. */
static int by_count(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->masked != y->masked)
        return x->masked - y->masked;
    if (!x->masked && x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The order of @r rows by @key. NULL when out of memory. */
static size_t *frequency_order(const double *key, size_t r)
{
    size_t *perm = malloc((r ? r : 1) * sizeof *perm);
    ranked *rk = malloc((r ? r : 1) * sizeof *rk);
    if (perm == NULL || rk == NULL) {
        free(perm);
        free(rk);
        return NULL;
    }
    for (size_t i = 0; i < r; i++)
        rk[i] = (ranked){key[i], pn_is_masked(key[i]) || !isfinite(key[i]), i};
    qsort(rk, r, sizeof *rk, by_count);
    for (size_t i = 0; i < r; i++)
        perm[i] = rk[i].i;
    free(rk);
    return perm;
}

/* The rows of each table of @r the most frequent first, after the secret statistique (a
 * masked row goes last). An ordered variable's frequencies keep their order (their
 * cumulative percentages read down it). */
static pn_status order_by_frequency(pn_tab_result *r, pn_error *err)
{
    int ok = 1;
    for (size_t p = 0; p < r->nparts && ok; p++) {
        pn_tab_part *part = &r->parts[p];
        size_t *perm = NULL;
        if (part->freq && !part->freq->ordered) {
            pn_freq *t = part->freq;
            ok = (perm = frequency_order(t->count, t->k)) != NULL &&
                 permute_cats(t->cats, t->k, perm) && permute(t->count, t->k, 1, perm) &&
                 permute(t->pct, t->k, 1, perm) && permute(t->valid_pct, t->k, 1, perm) &&
                 permute(t->ci_low, t->k, 1, perm) && permute(t->ci_high, t->k, 1, perm);
        } else if (part->multi) {
            pn_multi *t = part->multi;
            ok = (perm = frequency_order(t->count, t->k)) != NULL &&
                 permute_cats(t->cats, t->k, perm) && permute(t->count, t->k, 1, perm) &&
                 permute(t->pct_cases, t->k, 1, perm) && permute(t->pct_responses, t->k, 1, perm);
        } else if (part->xt) {
            pn_crosstab *t = part->xt;
            size_t c = t->c;
            ok = (perm = frequency_order(t->row_total, t->r)) != NULL &&
                 permute_cats(t->row_cats, t->r, perm) && permute(t->count, t->r, c, perm) &&
                 permute(t->expected, t->r, c, perm) && permute(t->row_pct, t->r, c, perm) &&
                 permute(t->col_pct, t->r, c, perm) && permute(t->total_pct, t->r, c, perm) &&
                 permute(t->adj_resid, t->r, c, perm) && permute(t->row_total, t->r, 1, perm) &&
                 permute(t->row_total_pct, t->r, 1, perm) &&
                 permute(t->row_pct_total, t->r, 1, perm);
        } else if (part->mxt) {
            pn_multi_crosstab *t = part->mxt;
            ok = (perm = frequency_order(t->row_total, t->r)) != NULL &&
                 permute_cats(t->row_cats, t->r, perm) && permute(t->count, t->r, t->c, perm) &&
                 permute(t->col_pct, t->r, t->c, perm) && permute(t->row_total, t->r, 1, perm) &&
                 permute(t->total_pct, t->r, 1, perm);
        }
        free(perm);
    }
    return ok ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* The sheets of the @spec's tables, in its order, all counted in one pass over the store
 * (pn_tabulate_all): one request an item, one a variable of a fiches record; the first table
 * that cannot be counted stops it, after the sheets before it, as if each were counted in
 * turn. */
static pn_status add_tables(pn_workbook *wb, pn_store *store, const pn_report_spec *spec,
                            size_t *fiches, pn_error *err)
{
    size_t nreq = 0;
    for (size_t i = 0; i < spec->n; i++)
        nreq += spec->items[i].fiches ? spec->items[i].nvars : 1;
    size_t *first = calloc(spec->n + 1, sizeof *first); /* each item's first request */
    pn_tab_request *reqs = calloc(nreq ? nreq : 1, sizeof *reqs);
    pn_tab_result *res = calloc(nreq ? nreq : 1, sizeof *res);
    pn_error tab_err = {0};
    size_t counted = 0, done = 0; /* requests counted, items whose requests all are */
    pn_status st = PN_OK, tab_st;
    if (first == NULL || reqs == NULL || res == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0, k = 0; i < spec->n && st == PN_OK; i++) {
        const pn_report_item *it = &spec->items[i];
        first[i] = k;
        if (it->fiches)
            st = wb_fiche_requests(store, it, reqs + k, err);
        else
            reqs[k] = (pn_tab_request){it->var, it->by, it->where, it->pairs};
        k += it->fiches ? it->nvars : 1;
        first[i + 1] = k;
    }
    if (st != PN_OK)
        goto out;
    tab_st = pn_tabulate_all(store, reqs, nreq, res, &counted, &tab_err);
    while (done < spec->n && first[done + 1] <= counted)
        done++;
    for (size_t i = 0; i < done && st == PN_OK; i++)
        for (size_t k = first[i]; k < first[i + 1] && st == PN_OK; k++)
            st = relabel(&res[k], &spec->items[i], err);
    /* the secret statistique: every table protected, as linked tables, before any is written */
    if (first[done] > 0 && st == PN_OK)
        st = pn_tab_results_protect(res, first[done], spec->secret, err);
    for (size_t i = 0; i < done && st == PN_OK; i++)
        if (spec->items[i].by_frequency)
            st = order_by_frequency(&res[first[i]], err);
    for (size_t i = 0; i < done && st == PN_OK; i++)
        st = spec->items[i].fiches
                 ? wb_add_fiches(wb, store, &spec->items[i], &res[first[i]], spec->secret, fiches,
                                 err)
                 : pn_workbook_add_result(wb, &spec->items[i], &res[first[i]], err);
    if (st == PN_OK && tab_st != PN_OK && done < spec->n) {
        const pn_report_item *it = &spec->items[done];
        *err = tab_err;
        st = tab_st;
        /* a wrong request is the spec's fault: an input error, at its line */
        if (res[counted].fault == PN_TAB_FAULT_FILTER)
            pn_error_prefix(err, "column 'where'");
        else if (it->fiches)
            pn_error_prefix(err, "column 'var'");
        pn_error_prefix(err, "%s:%zu: sheet '%s'", spec->path, it->line, it->sheet);
    } else if (st == PN_OK && tab_st != PN_OK) {
        *err = tab_err;
        st = tab_st;
    }
out:
    for (size_t i = 0; res && i < counted; i++)
        pn_tab_result_release(&res[i]);
    free(first);
    free(reqs);
    free(res);
    return st;
}

pn_status pn_report_write(pn_store *store, const pn_report_spec *spec,
                          const pn_report_method *method, const char *db_name, const char *out_path,
                          size_t *fiches, pn_error *err)
{
    size_t nfiches = 0;
    if (fiches)
        *fiches = 0;
    pn_workbook *wb = NULL;
    typology typo = {PN_STRBUF_INIT, NULL, NULL, 0, 0};
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
    if ((st = add_tables(wb, store, spec, &nfiches, err)) != PN_OK)
        goto out;
    if ((st = methodology(store, &typo, err)) != PN_OK)
        goto out;
    double listed[2], answered[2];
    char sources[2][256];
    if ((st = pn_store_registry_summary(store, listed, answered, sources, err)) != PN_OK)
        goto out;
    pn_store_end_read(store); /* everything is read: the file is written outside it */
    char secret[400];
    pn_report_secret_text(secret, sizeof secret, spec->secret);
    if ((st = pn_report_method_fill(method, counts, pn_strbuf_str(&typo.par), secret, &text,
                                    err)) != PN_OK)
        goto out;
    /* the response rates against the registry, on the cover; what the registry is, at the
     * methodology's end */
    static const char *const rate_labels[2] = {"Taux de r\xc3\xa9ponse des centres sociaux "
                                               "(r\xc3\xa9pertoire)",
                                               "Taux de r\xc3\xa9ponse des \xc3\xa9"
                                               "coles (r\xc3\xa9pertoire)"};
    char rates[2][96];
    const char *labels[2], *texts[2];
    size_t nrates = 0;
    for (int k = 0; k < 2; k++) {
        if (listed[k] <= 0)
            continue;
        char pct[32];
        snprintf(pct, sizeof pct, "%.1f", 100 * answered[k] / listed[k]);
        for (char *p = pct; *p; p++)
            if (*p == '.')
                *p = ',';
        snprintf(rates[k], sizeof rates[k], "%.0f sur %.0f, soit %s %%", answered[k], listed[k],
                 pct);
        labels[nrates] = rate_labels[k];
        texts[nrates++] = rates[k];
    }
    if (nrates > 0 && (st = registry_paragraph(&text, listed, sources, err)) != PN_OK)
        goto out;
    pn_workbook_info info = {
        spec->title,
        spec->subtitle,
        *date ? date : NULL,
        PN_NCOUNTS,
        count_labels,
        counts,
        text.n,
        text.pars,
        secret,
        *first ? first : NULL,
        spec->producer,
        typo.n,
        (const char *const *)typo.klass,
        (const char *const *)typo.rule,
        nrates,
        labels,
        texts,
    };
    st = pn_workbook_close(wb, &info, err);
    wb = NULL;
    if (st == PN_OK && fiches)
        *fiches = nfiches;
out:
    pn_store_end_read(store);
    pn_workbook_destroy(wb);
    typology_release(&typo);
    pn_method_text_release(&text);
    return st;
}
