/* checks.c - a request checked against the stored forms before anything is counted: no
 * question of it holds personal data; its filter names questions some form has, and its
 * choice tests use choice names (tabulate_internal.h). May call util, form. */
#include "stats/tabulate_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/fold.h"
#include "util/strbuf.h"

/* PN_EINPUT when a stored form marks @name as personal data (form.h), with why. */
static pn_status refuse_personal(pn_form *const *forms, size_t n, const char *name, pn_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const pn_question *q = pn_form_find(forms[i], name);
        if (q && q->personal)
            return pn_error_set(err, PN_EINPUT,
                                "'%s' holds personal data (column 'personnel' of form '%s'): it "
                                "stays in the project file and is never tabulated or published",
                                name, forms[i]->id);
    }
    return PN_OK;
}

/* Whether the table @req asks for uses a question that holds personal data: as the variable,
 * the --by variable or in the filter. */
pn_status pn_tab_check_personal(pn_form *const *forms, size_t n, const pn_tab_request *req,
                                pn_error *err)
{
    pn_status st = refuse_personal(forms, n, req->var, err);
    if (st == PN_OK && req->by && *req->by)
        st = refuse_personal(forms, n, req->by, err);
    if (st != PN_OK || req->where == NULL || *req->where == '\0')
        return st;
    pn_error ignored = {0};
    pn_expr *filter = pn_expr_parse(req->where, &ignored);
    const char *const *refs = NULL;
    size_t nrefs = 0;
    if (filter) /* a filter that does not parse is reported where it is used */
        pn_expr_refs(filter, &refs, &nrefs);
    for (size_t i = 0; i < nrefs && st == PN_OK; i++)
        st = refuse_personal(forms, n, refs[i], err);
    pn_expr_destroy(filter);
    return st;
}

/* The choices of ${reseau} in a filter (the categories tabulate.c gives it). */
static const pn_choice reseau_items[] = {{(char *)"centre", (char *)"Centres sociaux"},
                                         {(char *)"ecole", (char *)"\xc3\x89"
                                                                   "coles"}};
static const pn_choice_list reseau_list = {(char *)RESEAU, (pn_choice *)reseau_items, 2,
                                           PN_STRINDEX_INIT};

/* The choice list ${@name} has in form @f, NULL when it has none there. */
static const pn_choice_list *list_of(const pn_form *f, const char *name)
{
    const pn_question *q = pn_form_find(f, name);
    if (q != NULL)
        return pn_question_has_value(q) ? q->list : NULL;
    return strcmp(name, RESEAU) == 0 && f->side != PN_SIDE_NONE ? &reseau_list : NULL;
}

/* Whether ${@name} names something in form @f: a question with an answer, or reseau. */
static int names_something(const pn_form *f, const char *name)
{
    const pn_question *q = pn_form_find(f, name);
    if (q != NULL)
        return pn_question_has_value(q);
    return strcmp(name, RESEAU) == 0 && f->side != PN_SIDE_NONE;
}

/* Levenshtein distance between two byte strings (folded texts). SIZE_MAX when out of
 * memory, which ranks last. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (row == NULL)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

/* The forms a filter is checked against, and its text, for check_choice. */
typedef struct choice_check {
    pn_form *const *forms;
    size_t nforms;
    const char *text;
} choice_check;

/* Whether the choice @choice of ${@name} is in the list of a form before form @i: listed
 * once in a message. (A list holds each name once: the form loader refuses a second.) */
static int named_before(const choice_check *cc, const char *name, size_t i, const char *choice)
{
    for (size_t j = 0; j < i; j++) {
        const pn_choice_list *o = list_of(cc->forms[j], name);
        if (o != NULL && pn_choice_find(o, choice) != NULL)
            return 1;
    }
    return 0;
}

#define LIST_ALL_MAX 12 /* a message lists every choice name of a list up to this many */
#define CLOSEST 3       /* else the closest ones */

/* pn_expr_choice_fn: @literal must be a choice name of ${@name} in some form that gives it
 * a choice list; else an input error that says which name the literal is the label of, or
 * which names there are. */
static pn_status check_choice(void *ctx, const char *name, const char *literal, size_t pos,
                              pn_error *err)
{
    const choice_check *cc = ctx;
    int has_list = 0;
    if (literal[0] == '\0')
        return PN_OK; /* ${q} = '' tests for no answer */
    for (size_t i = 0; i < cc->nforms; i++) {
        const pn_choice_list *l = list_of(cc->forms[i], name);
        if (l == NULL)
            continue;
        has_list = 1;
        if (pn_choice_find(l, literal) != NULL)
            return PN_OK;
    }
    if (!has_list)
        return PN_OK; /* a text or number question: any literal may match */

    pn_strbuf msg = PN_STRBUF_INIT;
    char *key = pn_fold(literal), *folded = NULL;
    const pn_choice *match = NULL, *best[CLOSEST] = {NULL};
    size_t bestd[CLOSEST], nnames = 0;
    pn_status st = PN_OK;
    if (key == NULL)
        goto nomem;
    /* a choice whose label (or name, in another case) folds to the literal */
    for (size_t i = 0; i < cc->nforms && match == NULL; i++) {
        const pn_choice_list *l = list_of(cc->forms[i], name);
        for (size_t k = 0; l && k < l->n && match == NULL; k++) {
            if ((folded = pn_fold(l->items[k].label)) == NULL)
                goto nomem;
            if (strcmp(folded, key) == 0 || pn_fold_equal(l->items[k].name, literal))
                match = &l->items[k];
            free(folded);
            folded = NULL;
        }
    }
    if (pn_strbuf_printf(&msg,
                         "expression '%s': at character %zu: '%s' is not a choice name of ${%s}",
                         cc->text, pos, literal, name) != PN_OK)
        goto nomem;
    if (match != NULL) {
        if (pn_strbuf_printf(&msg, "; the choice labelled '%s' is named '%s': write '%s'",
                             match->label, match->name, match->name) != PN_OK)
            goto nomem;
        goto done;
    }
    /* the distinct names, ranked by the distance of their name or label to the literal */
    for (size_t i = 0; i < cc->nforms; i++) {
        const pn_choice_list *l = list_of(cc->forms[i], name);
        for (size_t k = 0; l && k < l->n; k++) {
            const pn_choice *ch = &l->items[k];
            if (named_before(cc, name, i, ch->name))
                continue;
            nnames++;
            if ((folded = pn_fold(ch->label)) == NULL)
                goto nomem;
            size_t d = edit_distance(folded, key);
            free(folded);
            if ((folded = pn_fold(ch->name)) == NULL)
                goto nomem;
            size_t dn = edit_distance(folded, key);
            free(folded);
            folded = NULL;
            if (dn < d)
                d = dn;
            for (size_t j = 0; j < CLOSEST; j++)
                if (best[j] == NULL || d < bestd[j]) {
                    for (size_t m = CLOSEST - 1; m > j; m--) {
                        best[m] = best[m - 1];
                        bestd[m] = bestd[m - 1];
                    }
                    best[j] = ch;
                    bestd[j] = d;
                    break;
                }
        }
    }
    if (nnames <= LIST_ALL_MAX) {
        /* every name, in the forms' order */
        if (pn_strbuf_puts(&msg, ", nor the label of one; its choices are") != PN_OK)
            goto nomem;
        size_t listed = 0;
        for (size_t i = 0; i < cc->nforms; i++) {
            const pn_choice_list *l = list_of(cc->forms[i], name);
            for (size_t k = 0; l && k < l->n; k++) {
                const pn_choice *ch = &l->items[k];
                if (named_before(cc, name, i, ch->name))
                    continue;
                if (pn_strbuf_printf(&msg, "%s '%s' (%s)", listed++ ? "," : "", ch->name,
                                     ch->label) != PN_OK)
                    goto nomem;
            }
        }
    } else {
        if (pn_strbuf_printf(&msg, ", nor the label of one; the closest of its %zu choices are",
                             nnames) != PN_OK)
            goto nomem;
        for (size_t j = 0; j < CLOSEST && best[j]; j++)
            if (pn_strbuf_printf(&msg, "%s '%s' (%s)", j ? "," : "", best[j]->name,
                                 best[j]->label) != PN_OK)
                goto nomem;
    }
done:
    st = pn_error_set(err, PN_EINPUT, "%s", pn_strbuf_str(&msg));
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    free(folded);
    free(key);
    pn_strbuf_release(&msg);
    return st;
}

/* Check the filter @where against every stored form: it parses, each ${name} is a question
 * of some form (or reseau), each choice test uses a choice name. */
pn_status pn_tab_check_filter(pn_form *const *forms, size_t nforms, const char *where,
                              pn_error *err)
{
    pn_expr *filter = pn_expr_parse(where, err);
    pn_status st = PN_OK;
    if (filter == NULL)
        return err ? err->status : PN_EINPUT;
    const char *const *refs;
    size_t nrefs;
    pn_expr_refs(filter, &refs, &nrefs);
    for (size_t i = 0; i < nrefs && st == PN_OK; i++) {
        int known = 0;
        for (size_t k = 0; k < nforms && !known; k++)
            known = names_something(forms[k], refs[i]);
        if (!known)
            st = pn_error_set(err, PN_EINPUT,
                              "expression '%s': ${%s} is not a question of any stored form", where,
                              refs[i]);
    }
    choice_check cc = {forms, nforms, where};
    if (st == PN_OK)
        st = pn_expr_choice_tests(filter, check_choice, &cc, err);
    pn_expr_destroy(filter);
    return st;
}
