/* secret.c - disclosure control of a table of counts (secret.h). May call util. */
#include "stats/secret.h"

#include <gsl/gsl_linalg.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The grid and its mask, with the graph of its masked cells. */
typedef struct grid {
    size_t r, c, w; /* w = c + 1: values a row */
    const double *v;
    unsigned char *mask;
    double n;
    /* the graph: vertices 0..r (rows, when c > 0), r + 1 .. r + 1 + c (columns), and the free
     * vertex g = r + c + 2 for a cell whose row is no equation (c == 0) */
    size_t nv;
    size_t *head, *next, *to; /* adjacency lists over edge ends (2 a masked cell) */
    size_t nends;
    size_t *disc, *low, *stack, *iter, *parent_end, *sub; /* depth-first search */
} grid;

static size_t row_vertex(const grid *g, size_t i)
{
    return g->c > 0 ? i : g->r + g->c + 2;
}

static size_t col_vertex(const grid *g, size_t j)
{
    return g->r + 1 + j;
}

/* The members of line @k: columns 0..c first, then (when c > 0) rows 0..r. */
static size_t line_len(const grid *g, size_t k)
{
    return k <= g->c ? g->r + 1 : g->c + 1;
}

static size_t line_cell(const grid *g, size_t k, size_t m)
{
    return k <= g->c ? m * g->w + k : (k - g->c - 1) * g->w + m;
}

/* Whether member @m of line @k is its margin (the last member). */
static int is_margin(const grid *g, size_t k, size_t m)
{
    return m + 1 == line_len(g, k);
}

/* Rule (2) on every line: a line with masked cells that add up to less than n, or with one
 * masked cell, gets its smallest nonzero published cell masked (a margin last). */
static int lines_pass(grid *g)
{
    size_t nlines = g->c + 1 + (g->c > 0 ? g->r + 1 : 0);
    int changed = 0;
    for (size_t k = 0; k < nlines; k++) {
        size_t len = line_len(g, k), count = 0, best = SIZE_MAX;
        double sum = 0;
        int best_margin = 1;
        for (size_t m = 0; m < len; m++) {
            size_t at = line_cell(g, k, m);
            if (g->mask[at]) {
                count++;
                sum += g->v[at];
            } else if (g->v[at] > 0) {
                int margin = is_margin(g, k, m);
                if (best == SIZE_MAX || (!margin && best_margin) ||
                    (margin == best_margin && g->v[at] < g->v[best])) {
                    best = at;
                    best_margin = margin;
                }
            }
        }
        if (count > 0 && (count == 1 || sum < g->n) && best != SIZE_MAX) {
            g->mask[best] = PN_SECRET_SECONDARY;
            changed = 1;
        }
    }
    return changed;
}

/* The graph of the masked cells. */
static void build_graph(grid *g)
{
    for (size_t x = 0; x < g->nv; x++)
        g->head[x] = SIZE_MAX;
    g->nends = 0;
    for (size_t i = 0; i <= g->r; i++)
        for (size_t j = 0; j <= g->c; j++) {
            size_t at = i * g->w + j;
            if (!g->mask[at])
                continue;
            size_t a = row_vertex(g, i), b = col_vertex(g, j);
            size_t e = g->nends;
            g->to[e] = b, g->next[e] = g->head[a], g->head[a] = e;
            g->to[e + 1] = a, g->next[e + 1] = g->head[b], g->head[b] = e + 1;
            g->nends += 2;
        }
}

/* Whether the graph has a bridge (an edge on no cycle); if so, the vertices on its child's side
 * have sub[x] == 1. An iterative depth-first search (Tarjan's low-link), edges told apart by
 * their end pairs so that two cells between the same row and column make a cycle. */
static int find_bridge(grid *g)
{
    size_t time = 1;
    for (size_t x = 0; x < g->nv; x++)
        g->disc[x] = 0;
    for (size_t root = 0; root < g->nv; root++) {
        if (g->disc[root] || g->head[root] == SIZE_MAX)
            continue;
        size_t top = 0;
        g->stack[top++] = root;
        g->disc[root] = g->low[root] = time++;
        g->iter[root] = g->head[root];
        g->parent_end[root] = SIZE_MAX;
        while (top > 0) {
            size_t x = g->stack[top - 1], e = g->iter[x];
            if (e != SIZE_MAX) {
                g->iter[x] = g->next[e];
                if (g->parent_end[x] != SIZE_MAX && (e ^ 1) == g->parent_end[x])
                    continue; /* the edge it was reached by */
                size_t y = g->to[e];
                if (g->disc[y] == 0) {
                    g->disc[y] = g->low[y] = time++;
                    g->iter[y] = g->head[y];
                    g->parent_end[y] = e;
                    g->stack[top++] = y;
                } else if (g->disc[y] < g->low[x]) {
                    g->low[x] = g->disc[y];
                }
                continue;
            }
            top--;
            if (top == 0)
                break;
            size_t p = g->stack[top - 1];
            if (g->low[x] < g->low[p])
                g->low[p] = g->low[x];
            if (g->low[x] > g->disc[p]) {
                /* the vertices found from x on: disc in [disc[x], time) */
                for (size_t v = 0; v < g->nv; v++)
                    g->sub[v] = g->disc[v] >= g->disc[x] && g->disc[v] < time;
                return 1;
            }
        }
    }
    return 0;
}

/* Rule (3): mask the smallest nonzero published cell joining the two sides of the bridge
 * whose child side is marked in g->sub (a zero when no other joins them: masked, it still
 * lets the bridge move one way). 0 when no cell joins them. */
static int join_sides(grid *g)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i <= g->r; i++)
        for (size_t j = 0; j <= g->c; j++) {
            size_t at = i * g->w + j;
            if (g->mask[at] || g->sub[row_vertex(g, i)] == g->sub[col_vertex(g, j)])
                continue;
            if (best == SIZE_MAX || (g->v[best] == 0 && g->v[at] > 0) ||
                (g->v[at] > 0 && g->v[at] < g->v[best]))
                best = at;
        }
    if (best == SIZE_MAX)
        return 0;
    g->mask[best] = PN_SECRET_SECONDARY;
    return 1;
}

/* Whether the grid's counts are whole, >= 0, and add up along every line. */
static int consistent(const grid *g)
{
    size_t cells = (g->r + 1) * g->w;
    for (size_t at = 0; at < cells; at++)
        if (!(g->v[at] >= 0) || g->v[at] != floor(g->v[at]))
            return 0;
    size_t nlines = g->c + 1 + (g->c > 0 ? g->r + 1 : 0);
    for (size_t k = 0; k < nlines; k++) {
        double sum = 0;
        size_t len = line_len(g, k);
        for (size_t m = 0; m + 1 < len; m++)
            sum += g->v[line_cell(g, k, m)];
        if (sum != g->v[line_cell(g, k, len - 1)])
            return 0;
    }
    return 1;
}

/* Rules (2) and (3) on the grid from its mask as it is, until nothing changes. */
static pn_status protect_grid(grid *g, pn_error *err)
{
    size_t cells = (g->r + 1) * g->w;
    g->nv = g->r + g->c + 3;
    g->head = malloc(g->nv * sizeof *g->head);
    g->disc = malloc(g->nv * sizeof *g->disc);
    g->low = malloc(g->nv * sizeof *g->low);
    g->stack = malloc(g->nv * sizeof *g->stack);
    g->iter = malloc(g->nv * sizeof *g->iter);
    g->parent_end = malloc(g->nv * sizeof *g->parent_end);
    g->sub = malloc(g->nv * sizeof *g->sub);
    g->next = malloc(2 * cells * sizeof *g->next);
    g->to = malloc(2 * cells * sizeof *g->to);
    pn_status st = PN_OK;
    if (!g->head || !g->disc || !g->low || !g->stack || !g->iter || !g->parent_end || !g->sub ||
        !g->next || !g->to) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
        goto out;
    }
    for (;;) {
        while (lines_pass(g))
            ;
        build_graph(g);
        if (!find_bridge(g) || !join_sides(g))
            break;
    }
out:
    free(g->head);
    free(g->disc);
    free(g->low);
    free(g->stack);
    free(g->iter);
    free(g->parent_end);
    free(g->sub);
    free(g->next);
    free(g->to);
    return st;
}

/* Start @g: the mask cleared, the counts checked, the primary cells masked. 0 when nothing is
 * to be masked (n <= 1) or the counts are wrong (*@st set). */
static int start(grid *g, pn_status *st, pn_error *err)
{
    size_t cells = (g->r + 1) * g->w;
    memset(g->mask, PN_SECRET_SHOWN, cells);
    *st = PN_OK;
    if (!consistent(g)) {
        *st = pn_error_set(err, PN_EINTERNAL, "a table's counts do not add up to its margins");
        return 0;
    }
    if (g->n <= 1)
        return 0;
    for (size_t at = 0; at < cells; at++)
        if (g->v[at] >= 1 && g->v[at] < g->n)
            g->mask[at] = PN_SECRET_PRIMARY;
    return 1;
}

pn_status pn_secret_protect(size_t r, size_t c, const double *v, double n, unsigned char *mask,
                            pn_error *err)
{
    return pn_secret_protect_forced(r, c, v, n, NULL, mask, err);
}

pn_status pn_secret_protect_forced(size_t r, size_t c, const double *v, double n,
                                   const unsigned char *forced, unsigned char *mask, pn_error *err)
{
    grid g = {.r = r, .c = c, .w = c + 1, .v = v, .mask = mask, .n = n};
    pn_status st;
    if (!start(&g, &st, err))
        return st;
    for (size_t at = 0; forced && at < (r + 1) * (c + 1); at++)
        if (forced[at] && !mask[at])
            mask[at] = PN_SECRET_SECONDARY;
    return protect_grid(&g, err);
}

/*
 * A masked cell that the equations determine: the lines of the grid and the @nextra rows of
 * @extra (coefficients of the inner cells, r * c each) restricted to the masked cells; a cell
 * is determined when every vector of their null space is 0 there (the singular value
 * decomposition gives the null space). Its index, or SIZE_MAX when none is; *@st PN_ENOMEM.
 */
static size_t determined_cell(const grid *g, const double *extra, size_t nextra, pn_status *st)
{
    size_t cells = (g->r + 1) * g->w, q = 0, nlines = g->c + 1 + (g->c > 0 ? g->r + 1 : 0);
    size_t *var = malloc(cells * sizeof *var), *cell_of = malloc(cells * sizeof *cell_of);
    size_t found = SIZE_MAX;
    *st = PN_OK;
    if (var == NULL || cell_of == NULL) {
        *st = PN_ENOMEM;
        goto out;
    }
    for (size_t at = 0; at < cells; at++)
        if (g->mask[at]) {
            var[at] = q;
            cell_of[q++] = at;
        }
    size_t m = nlines + nextra, rows = m > q ? m : q;
    if (q == 0)
        goto out;
    gsl_matrix *a = gsl_matrix_calloc(rows, q), *vt = gsl_matrix_alloc(q, q);
    gsl_vector *sv = gsl_vector_alloc(q), *work = gsl_vector_alloc(q);
    if (!a || !vt || !sv || !work) {
        *st = PN_ENOMEM;
    } else {
        for (size_t k = 0; k < nlines; k++)
            for (size_t mm = 0, len = line_len(g, k); mm < len; mm++) {
                size_t at = line_cell(g, k, mm);
                if (g->mask[at])
                    gsl_matrix_set(a, k, var[at], is_margin(g, k, mm) ? -1 : 1);
            }
        for (size_t e = 0; e < nextra; e++)
            for (size_t i = 0; i < g->r; i++)
                for (size_t j = 0; j < g->c; j++)
                    if (g->mask[i * g->w + j])
                        gsl_matrix_set(a, nlines + e, var[i * g->w + j],
                                       extra[e * g->r * g->c + i * g->c + j]);
        if (gsl_linalg_SV_decomp(a, vt, sv, work) != 0) {
            *st = PN_ENOMEM;
        } else {
            double top = gsl_vector_get(sv, 0), tol = 1e-9 * (top > 1 ? top : 1);
            for (size_t i = 0; i < q && found == SIZE_MAX; i++) {
                int free_dir = 0;
                for (size_t k = 0; k < q && !free_dir; k++)
                    free_dir =
                        gsl_vector_get(sv, k) <= tol && fabs(gsl_matrix_get(vt, i, k)) > 1e-7;
                if (!free_dir)
                    found = cell_of[i];
            }
        }
    }
    gsl_matrix_free(a);
    gsl_matrix_free(vt);
    gsl_vector_free(sv);
    gsl_vector_free(work);
out:
    free(var);
    free(cell_of);
    return found;
}

/* Mask the smallest nonzero published inner cell of the row or column of cell @at (else of
 * the whole table). 0 when there is none. */
static int mask_near(grid *g, size_t at)
{
    size_t ci = at / g->w, cj = at % g->w, best = SIZE_MAX;
    for (int pass = 0; pass < 2 && best == SIZE_MAX; pass++)
        for (size_t i = 0; i < g->r; i++)
            for (size_t j = 0; j < g->c; j++) {
                size_t x = i * g->w + j;
                if (g->mask[x] || g->v[x] <= 0 || (pass == 0 && i != ci && j != cj))
                    continue;
                if (best == SIZE_MAX || g->v[x] < g->v[best])
                    best = x;
            }
    if (best == SIZE_MAX)
        return 0;
    g->mask[best] = PN_SECRET_SECONDARY;
    return 1;
}

pn_status pn_secret_protect_with(size_t r, size_t c, const double *v, const double *extra,
                                 size_t nextra, double n, unsigned char *mask, int *extra_ok,
                                 pn_error *err)
{
    grid g = {.r = r, .c = c, .w = c + 1, .v = v, .mask = mask, .n = n};
    pn_status st;
    *extra_ok = 1;
    if (!start(&g, &st, err))
        return st;
    for (;;) {
        if ((st = protect_grid(&g, err)) != PN_OK)
            return st;
        size_t at = determined_cell(&g, extra, nextra, &st);
        if (st != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory protecting a table");
        if (at == SIZE_MAX)
            return PN_OK;
        if (!mask_near(&g, at)) {
            /* no count left to mask: the functions cannot be published beside this table,
             * which the rules alone protect */
            *extra_ok = 0;
            return pn_secret_protect(r, c, v, n, mask, err);
        }
    }
}
