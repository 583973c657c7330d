/*
 * carto.c - the map's model from the store (report.h, pn_carto_build): the structures of the
 * registry and those the answers name, and each link a form's links repeat reports, with the
 * reporting side's class and its answers to the repeat's choice questions, in words.
 */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "form/expr.h"
#include "util/strbuf.h"

typedef struct builder {
    pn_carto *c;
    pn_carto_keep_fn keep;
    void *keep_ctx;
    pn_status st;
} builder;

static pn_status add_structure(void *ctx, const pn_structure_row *r, pn_error *err)
{
    builder *b = ctx;
    if (b->keep) {
        int k = b->keep(b->keep_ctx, r, err);
        if (k < 0)
            return err->status ? err->status : PN_EINPUT;
        if (k == 0)
            return PN_OK;
    }
    pn_carto_place p = {.side =
                            strcmp(r->e.side, "centre") == 0 ? PN_CARTO_CENTRE : PN_CARTO_SCHOOL,
                        .ident = (char *)r->e.ident,
                        .name = (char *)(*r->e.name ? r->e.name : r->e.ident),
                        .kind = (char *)r->e.kind,
                        .commune = (char *)r->e.commune,
                        .commune_name = (char *)r->e.commune_name,
                        .rep = (char *)(r->e.rep ? r->e.rep : ""),
                        .lat = r->e.latitude,
                        .lon = r->e.longitude,
                        .listed = r->listed,
                        .responded = r->responded};
    return pn_carto_add_place(b->c, &p, NULL, err);
}

/* Whether @name is among the @n names @names. */
static int named(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* The questions a link's description gives: the links repeat's choice questions that its
 * class is computed from (the link's rhythm, formalisation, schemes: what characterises it),
 * in the form's order; every choice question of the repeat when the class has no rule. */
static size_t describe_questions(const pn_form *f, int rep, const pn_question **out)
{
    const pn_question *k = pn_form_role(f, f->roles.klass);
    const char *const *refs = NULL;
    size_t nrefs = 0, n = 0;
    if (k && k->calculation)
        pn_expr_refs(k->calculation, &refs, &nrefs);
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if (q->repeat == rep && q->list &&
            (q->type == PN_Q_SELECT_ONE || q->type == PN_Q_SELECT_MULTIPLE) &&
            (int)i != f->roles.partner && (int)i != f->roles.klass &&
            (nrefs == 0 || named(refs, nrefs, q->name)))
            out[n++] = q;
    }
    return n;
}

/* "Question : choix, choix" for each answer given, a line each. */
static pn_status view_text(const pn_question *const *qs, size_t n, const char *const *vals,
                           pn_strbuf *sb)
{
    pn_status st = PN_OK;
    pn_strbuf_reset(sb);
    for (size_t i = 0; i < n && st == PN_OK; i++) {
        const char *v = vals[i], *name;
        size_t len;
        if (v == NULL || *v == '\0')
            continue;
        st = pn_strbuf_printf(sb, "%s%s\xc2\xa0: ", sb->len ? "\n" : "", qs[i]->label);
        int first = 1;
        while (st == PN_OK && (name = pn_select_next(&v, &len)) != NULL) {
            const pn_choice *ch = pn_choice_find_n(qs[i]->list, name, len);
            if (!first)
                st = pn_strbuf_puts(sb, ", ");
            if (st == PN_OK)
                st = ch ? pn_strbuf_puts(sb, ch->label) : pn_strbuf_append(sb, name, len);
            first = 0;
        }
    }
    return st;
}

/* The links form @f reports. */
static pn_status add_links(pn_store *s, const pn_form *f, pn_carto *c, pn_error *err)
{
    int rep = pn_form_links_repeat(f);
    const pn_question *ident = pn_form_role(f, f->roles.ident);
    const pn_question *partner = pn_form_role(f, f->roles.partner);
    if (rep < 0 || ident == NULL || partner == NULL)
        return PN_OK;
    const pn_question **cols = calloc(f->nq + 3, sizeof *cols);
    const char **vals = calloc(f->nq + 3, sizeof *vals);
    pn_strbuf view = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    if (cols == NULL || vals == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    cols[0] = ident, cols[1] = partner, cols[2] = pn_form_role(f, f->roles.klass);
    size_t nd = describe_questions(f, rep, cols + 3);
    int side = f->side == PN_SIDE_CENTRE ? PN_CARTO_CENTRE : PN_CARTO_SCHOOL;
    pn_store_scan *sc = pn_store_scan_open(s, f, rep, cols, nd + 3, err);
    if (sc == NULL) {
        st = err->status ? err->status : PN_ESTORE;
        goto out;
    }
    for (int more = 1; st == PN_OK;) {
        if ((st = pn_store_scan_next(sc, vals, &more, err)) != PN_OK || !more)
            break;
        if (vals[0] == NULL || vals[1] == NULL || !*vals[0] || !*vals[1])
            continue;
        long me = pn_carto_find_place(c, side, vals[0]);
        long other = pn_carto_find_place(c, 1 - side, vals[1]);
        if (me < 0 || other < 0)
            continue; /* a structure the filter left out */
        int klass = vals[2] ? pn_carto_class_index(c, vals[2]) : -1;
        if (view_text(cols + 3, nd, vals + 3, &view) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            break;
        }
        size_t centre = (size_t)(side == PN_CARTO_CENTRE ? me : other);
        size_t school = (size_t)(side == PN_CARTO_CENTRE ? other : me);
        st = pn_carto_add_view(c, centre, school, side, klass, pn_strbuf_str(&view), err);
    }
    pn_store_scan_close(sc);
out:
    free(cols);
    free(vals);
    pn_strbuf_release(&view);
    return st;
}

/* The classes of the first form that has them, the centres' first. */
static pn_status add_classes(pn_carto *c, pn_form *const *forms, size_t n)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            const pn_question *k = pn_form_role(forms[i], forms[i]->roles.klass);
            if (k == NULL || k->list == NULL || (pass == 0 && forms[i]->side != PN_SIDE_CENTRE))
                continue;
            free(c->class_title);
            if ((c->class_title = pn_strdup(k->label)) == NULL)
                return PN_ENOMEM;
            for (size_t j = 0; j < k->list->n; j++)
                if (pn_carto_add_class(c, k->list->items[j].name, k->list->items[j].label) != PN_OK)
                    return PN_ENOMEM;
            return PN_OK;
        }
    return PN_OK;
}

pn_status pn_report_stored_forms(pn_store *s, int sided, pn_form ***out, size_t *n, pn_error *err)
{
    char **ids = NULL;
    size_t nids = 0;
    *out = NULL, *n = 0;
    pn_status st = pn_store_form_ids(s, &ids, &nids, err);
    pn_form **forms = st == PN_OK ? calloc(nids ? nids : 1, sizeof *forms) : NULL;
    if (st == PN_OK && forms == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < nids && st == PN_OK; i++) {
        pn_error ignored = {0}; /* a form the store cannot read back is left out */
        pn_form *f = pn_store_get_form(s, ids[i], NULL, NULL, &ignored);
        if (f && (!sided || f->side != PN_SIDE_NONE))
            forms[(*n)++] = f;
        else
            pn_form_destroy(f);
    }
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    if (st == PN_OK)
        *out = forms;
    else
        pn_report_forms_free(forms, *n), *n = 0;
    return st;
}

void pn_report_forms_free(pn_form **forms, size_t n)
{
    for (size_t i = 0; forms && i < n; i++)
        pn_form_destroy(forms[i]);
    free(forms);
}

pn_status pn_carto_read(pn_store *s, pn_carto_keep_fn keep, void *keep_ctx, pn_carto **out,
                        pn_error *err)
{
    size_t nforms = 0;
    pn_form **forms = NULL;
    *out = NULL;
    pn_carto *c = pn_carto_create("Cartographie des liens entre \xc3\xa9"
                                  "coles et centres sociaux",
                                  "Type de lien");
    if (c == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_status st = pn_report_stored_forms(s, 1, &forms, &nforms, err);
    if (st == PN_OK && add_classes(c, forms, nforms) != PN_OK)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    builder b = {c, keep, keep_ctx, PN_OK};
    if (st == PN_OK)
        st = pn_store_each_structure(s, add_structure, &b, err);
    for (size_t i = 0; i < nforms && st == PN_OK; i++)
        st = add_links(s, forms[i], c, err);
    pn_report_forms_free(forms, nforms);
    if (st == PN_OK)
        *out = c;
    else
        pn_carto_destroy(c);
    return st;
}

pn_status pn_carto_build(pn_store *s, pn_carto_keep_fn keep, void *keep_ctx, pn_carto **out,
                         pn_error *err)
{
    *out = NULL;
    /* one read transaction: the structures and the links of the same moment */
    pn_status st = pn_store_begin_read(s, err);
    if (st != PN_OK)
        return st;
    st = pn_carto_read(s, keep, keep_ctx, out, err);
    pn_store_end_read(s);
    return st;
}
