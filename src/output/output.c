/* output.c - the one walk over a tabulate result that every driver is handed through, and
 * the locale-independent numbers the drivers share. */
#include "output/output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_internal.h"
#include "util/strbuf.h"

/*
 * Make a number printed by snprintf locale-independent: whatever the locale's decimal
 * point is ("," in fr_FR, possibly several bytes elsewhere), a %g or %f conversion of a
 * finite number holds only digits, signs, 'e' and that decimal point; every run of other
 * bytes is the decimal point and becomes '.'.
 */
void out_decimal_point(char *buf)
{
    char *w = buf;
    for (const char *s = buf; *s;) {
        if (strchr("0123456789+-eE", *s)) {
            *w++ = *s++;
            continue;
        }
        *w++ = '.';
        while (*s && !strchr("0123456789+-eE", *s))
            s++;
    }
    *w = '\0';
}

char *pn_format_number(char *buf, double x)
{
    if (pn_is_masked(x)) {
        strcpy(buf, "s"); /* secret statistique */
        return buf;
    }
    if (isnan(x)) {
        buf[0] = '\0';
        return buf;
    }
    if (isinf(x)) {
        strcpy(buf, x > 0 ? "inf" : "-inf");
        return buf;
    }
    /* The shortest of the two that reads back as the same double. strtod runs in the
     * same locale as snprintf, so the check holds before normalisation. */
    snprintf(buf, 32, "%.15g", x);
    if (strtod(buf, NULL) != x)
        snprintf(buf, 32, "%.17g", x);
    out_decimal_point(buf);
    return buf;
}

/* The row variable of @p's table when it holds a computed table of @kind, else NULL. */
static const char *computed_var(pn_tab_kind kind, const pn_tab_part *p)
{
    switch (kind) {
    case PN_TAB_FREQ:
        return p->freq && p->freq->pct && p->freq->valid_pct ? p->freq->var : NULL;
    case PN_TAB_MULTI:
        return p->multi && p->multi->pct_cases && p->multi->pct_responses ? p->multi->var : NULL;
    case PN_TAB_CROSSTAB:
        return p->xt && p->xt->expected && p->xt->row_total_pct ? p->xt->row_var : NULL;
    case PN_TAB_MULTI_CROSSTAB:
        return p->mxt && p->mxt->col_pct && p->mxt->row_total && p->mxt->total_pct ? p->mxt->row_var
                                                                                   : NULL;
    case PN_TAB_AGREEMENT:
        return p->agree && p->agree->row_total && p->agree->col_total ? p->agree->var : NULL;
    }
    return NULL;
}

/* The table of @p's kind through the driver's function of that kind. */
static pn_status write_table(const pn_output *o, const pn_output_part *p, pn_error *err)
{
    const pn_output_driver *d = o->driver;
    switch (p->result->kind) {
    case PN_TAB_FREQ:
        return d->freq ? d->freq(o->self, p, p->part->freq, err) : PN_OK;
    case PN_TAB_MULTI:
        return d->multi ? d->multi(o->self, p, p->part->multi, err) : PN_OK;
    case PN_TAB_CROSSTAB:
        return d->crosstab ? d->crosstab(o->self, p, p->part->xt, err) : PN_OK;
    case PN_TAB_MULTI_CROSSTAB:
        return d->multi_crosstab ? d->multi_crosstab(o->self, p, p->part->mxt, err) : PN_OK;
    case PN_TAB_AGREEMENT:
        return d->agreement ? d->agreement(o->self, p, p->part->agree, err) : PN_OK;
    }
    return pn_error_set(err, PN_EINTERNAL, "a table of no known kind");
}

pn_status pn_output_write(const pn_output *o, const pn_tab_result *r, pn_error *err)
{
    const pn_output_driver *d = o->driver;
    pn_strbuf name = PN_STRBUF_INIT;
    pn_status st = PN_OK;

    if (r == NULL || r->nparts == 0)
        return pn_error_set(err, PN_EINTERNAL, "no table");
    for (size_t i = 0; i < r->nparts; i++)
        if (computed_var(r->kind, &r->parts[i]) == NULL)
            return pn_error_set(err, PN_EINTERNAL, "a table of the result was not computed");
    if (d->begin && (st = d->begin(o->self, r, err)) != PN_OK)
        return st;
    for (size_t i = 0; i < r->nparts && st == PN_OK; i++) {
        pn_output_part p = {r, i, &r->parts[i], computed_var(r->kind, &r->parts[i])};
        pn_strbuf_reset(&name);
        if (p.part->network != NULL) {
            if (pn_strbuf_printf(&name, "%s@%s", p.var, p.part->network) != PN_OK) {
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
                break;
            }
            p.var = pn_strbuf_str(&name);
        }
        if (d->part_begin && (st = d->part_begin(o->self, &p, err)) != PN_OK)
            break;
        if ((st = write_table(o, &p, err)) != PN_OK)
            break;
        if (d->part_end)
            st = d->part_end(o->self, &p, err);
    }
    if (st == PN_OK && d->end)
        st = d->end(o->self, r, err);
    pn_strbuf_release(&name);
    return st;
}
