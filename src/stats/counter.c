/* counter.c - the categories of a table and its counts, as a table's units are counted
 * (tabulate_internal.h). May call util. */
#include "stats/tabulate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static size_t quick_slot(const char *name, size_t len)
{
    if (len == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)name;
    return (len * 31u + u[0] * 7u + u[len / 2] * 13u + u[len - 1]) & (QUICK - 1);
}

/* Find or add the category named by the @len bytes at @name; its index into *@idx. */
pn_status cat_add_n(catset *cs, const char *name, size_t len, const char *label, size_t *idx)
{
    size_t at, q = quick_slot(name, len);
    if (cs->quick[q] && cs->quick_len[q] == len) {
        if (memcmp(cs->cats[cs->quick[q] - 1].name, name, len) == 0) {
            if (idx)
                *idx = cs->quick[q] - 1;
            return PN_OK;
        }
    }
    if (pn_strindex_get(&cs->index, name, len, &at)) {
        cs->quick[q] = at + 1;
        cs->quick_len[q] = len;
        if (idx)
            *idx = at;
        return PN_OK;
    }
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 16;
        pn_category *p = realloc(cs->cats, cap * sizeof *p);
        if (p == NULL)
            return PN_ENOMEM;
        cs->cats = p;
        cs->cap = cap;
    }
    pn_category *c = &cs->cats[cs->n];
    c->name = malloc(len + 1);
    c->label = NULL;
    if (c->name != NULL) {
        memcpy(c->name, name, len);
        c->name[len] = '\0';
        c->label = pn_strdup(label ? label : c->name);
    }
    if (c->name == NULL || c->label == NULL ||
        pn_strindex_put(&cs->index, c->name, len, cs->n) != PN_OK) {
        free(c->name);
        free(c->label);
        return PN_ENOMEM;
    }
    if (idx)
        *idx = cs->n;
    cs->quick[q] = ++cs->n;
    cs->quick_len[q] = len;
    return PN_OK;
}

pn_status cat_add(catset *cs, const char *name, const char *label, size_t *idx)
{
    return cat_add_n(cs, name, strlen(name), label, idx);
}

void catset_release(catset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->cats[i].name);
        free(cs->cats[i].label);
    }
    free(cs->cats);
    pn_strindex_release(&cs->index);
    memset(cs, 0, sizeof *cs);
}

pn_status counter_add(counter *c, size_t r, size_t col, double w)
{
    if (r >= c->nrows_alloc || col >= c->stride) {
        size_t stride = c->stride ? c->stride : 16;
        while (stride <= col)
            stride *= 2;
        size_t nrows = c->nrows_alloc ? c->nrows_alloc : 16;
        while (nrows <= r)
            nrows *= 2;
        double *cell = calloc(stride * nrows, sizeof *cell);
        if (cell == NULL)
            return PN_ENOMEM;
        for (size_t i = 0; i < c->nrows_alloc; i++)
            for (size_t j = 0; j < c->stride; j++)
                cell[i * stride + j] = c->cell[i * c->stride + j];
        free(c->cell);
        c->cell = cell;
        c->stride = stride;
        c->nrows_alloc = nrows;
    }
    c->cell[r * c->stride + col] += w;
    return PN_OK;
}

double counter_get(const counter *c, size_t r, size_t col)
{
    if (r >= c->nrows_alloc || col >= c->stride)
        return 0;
    return c->cell[r * c->stride + col];
}

/* Find or add in @to each category of @from, its index in @to into @map[i]. */
static pn_status map_categories(catset *to, const catset *from, size_t *map)
{
    for (size_t i = 0; i < from->n; i++)
        if (cat_add(to, from->cats[i].name, from->cats[i].label, &map[i]) != PN_OK)
            return PN_ENOMEM;
    return PN_OK;
}

pn_status counter_merge(counter *to, const counter *from, counter *to_base,
                        const counter *from_base)
{
    /* a table without columns counts in column 0 */
    size_t ncols = from->cols.n ? from->cols.n : 1;
    size_t *rows = malloc((from->rows.n + 1) * sizeof *rows);
    size_t *cols = malloc(ncols * sizeof *cols);
    pn_status st = rows && cols ? PN_OK : PN_ENOMEM;
    if (st == PN_OK) {
        cols[0] = 0;
        st = map_categories(&to->rows, &from->rows, rows);
    }
    if (st == PN_OK)
        st = map_categories(&to->cols, &from->cols, cols);
    for (size_t r = 0; st == PN_OK && r < from->rows.n; r++)
        for (size_t c = 0; st == PN_OK && c < ncols; c++) {
            double w = counter_get(from, r, c);
            if (w != 0)
                st = counter_add(to, rows[r], cols[c], w);
        }
    /* the base has two rows (respondents, non-response), by the table's columns */
    for (size_t r = 0; to_base && st == PN_OK && r < 2; r++)
        for (size_t c = 0; st == PN_OK && c < ncols; c++) {
            double w = counter_get(from_base, r, c);
            if (w != 0)
                st = counter_add(to_base, r, cols[c], w);
        }
    if (st == PN_OK) {
        to->missing += from->missing;
        to->cases += from->cases;
        to->units += from->units;
    }
    free(rows);
    free(cols);
    return st;
}

static int cmp_cat(const void *a, const void *b)
{
    const pn_category *x = a, *y = b;
    char *ex, *ey;
    double dx = strtod(x->name, &ex), dy = strtod(y->name, &ey);
    if (*ex == '\0' && *ey == '\0' && *x->name && *y->name)
        return dx < dy ? -1 : dx > dy;
    return strcmp(x->name, y->name);
}

/* Put the @c->rows.n categories of @c, values outside any choice list (text, numbers), in
 * sorted order, the counts of its @ncol columns with them. */
pn_status counter_sort_rows(counter *c, size_t ncol, pn_error *err)
{
    /* sort a copy of the categories and remap the counts */
    size_t n = c->rows.n;
    pn_category *sorted = malloc(n * sizeof *sorted);
    size_t *from = malloc(n * sizeof *from);
    counter tmp = {0};
    pn_status st = PN_OK;
    if (sorted == NULL || from == NULL) {
        free(sorted);
        free(from);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    memcpy(sorted, c->rows.cats, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_cat);
    for (size_t i = 0; i < n; i++)
        pn_strindex_get(&c->rows.index, sorted[i].name, strlen(sorted[i].name), &from[i]);
    for (size_t i = 0; i < n && st == PN_OK; i++)
        for (size_t j = 0; j < ncol; j++)
            if (counter_add(&tmp, i, j, counter_get(c, from[i], j)) != PN_OK)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK) {
        memcpy(c->rows.cats, sorted, n * sizeof *sorted);
        for (size_t i = 0; i < n; i++) /* the index follows the new order */
            *pn_strindex_value(&c->rows.index, sorted[i].name, strlen(sorted[i].name)) = i;
        memset(c->rows.quick, 0, sizeof c->rows.quick);
        free(c->cell);
        c->cell = tmp.cell;
        c->stride = tmp.stride;
        c->nrows_alloc = tmp.nrows_alloc;
    } else {
        free(tmp.cell);
    }
    free(sorted);
    free(from);
    return st;
}
