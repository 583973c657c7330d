/* text.c - the text driver: tables for a terminal, French labels, aligned columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "output/output_internal.h"
#include "util/decode.h"
#include "util/strbuf.h"

#define CELL_MAX 64

/*
 * @x with @dec decimals and '.', "-" when undefined. @buf holds CELL_MAX bytes.
 * Halves are rounded away from zero (56.25 -> "56.3"), as SPSS and PSPP display them and
 * as readers round by hand; printf alone would round the exact binary tie to even.
 */
static const char *fixed(char *buf, double x, int dec)
{
    if (pn_is_masked(x))
        return "s"; /* secret statistique */
    if (isnan(x))
        return "-";
    if (!(fabs(x) < 1e15)) {
        snprintf(buf, CELL_MAX, "%.6g", x);
    } else {
        double scale = pow(10, dec);
        double r = round(x * scale) / scale;
        snprintf(buf, CELL_MAX, "%.*f", dec, r == 0 ? 0.0 : r);
    }
    if (!isinf(x))
        out_decimal_point(buf);
    return buf;
}

/* A count: whole numbers without decimals, weighted counts with two. */
static const char *count_str(char *buf, double x)
{
    return fixed(buf, x, x == floor(x) ? 0 : 2);
}

static const char *pct_str(char *buf, double x)
{
    return fixed(buf, x, 1);
}

/*
 * A grid of text cells written with aligned columns. A row of NULL cells is a rule.
 * The first @left columns are aligned left (labels), the others right (numbers).
 */
typedef struct grid {
    size_t ncol, left;
    size_t n, cap; /* cells */
    char **cells;
    pn_status status; /* PN_ENOMEM once an append failed; later appends are no-ops */
} grid;

static void grid_init(grid *g, size_t ncol, size_t left)
{
    memset(g, 0, sizeof *g);
    g->ncol = ncol;
    g->left = left;
}

static void grid_release(grid *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->cells[i]);
    free(g->cells);
    memset(g, 0, sizeof *g);
}

static void grid_push(grid *g, char *owned)
{
    if (g->status != PN_OK)
        goto fail;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 32;
        char **p = realloc(g->cells, cap * sizeof *p);
        if (p == NULL)
            goto fail;
        g->cells = p;
        g->cap = cap;
    }
    g->cells[g->n++] = owned;
    return;
fail:
    free(owned);
    g->status = PN_ENOMEM;
}

/* Append one cell; NULL is written as an empty cell. */
static void grid_add(grid *g, const char *s)
{
    char *copy = pn_strdup(s ? s : "");
    if (copy == NULL) {
        g->status = PN_ENOMEM;
        return;
    }
    grid_push(g, copy);
}

static void grid_rule(grid *g)
{
    for (size_t j = 0; j < g->ncol; j++)
        grid_push(g, NULL);
}

static void pad(pn_strbuf *sb, size_t n, pn_status *st)
{
    for (size_t i = 0; i < n && *st == PN_OK; i++)
        *st = pn_strbuf_append(sb, " ", 1);
}

static pn_status grid_render(const grid *g, pn_strbuf *sb)
{
    if (g->status != PN_OK)
        return g->status;
    size_t *w = calloc(g->ncol, sizeof *w);
    if (w == NULL)
        return PN_ENOMEM;
    for (size_t i = 0; i < g->n; i++) {
        if (g->cells[i] == NULL)
            continue;
        size_t cw = pn_utf8_chars(g->cells[i], strlen(g->cells[i]));
        if (cw > w[i % g->ncol])
            w[i % g->ncol] = cw;
    }
    size_t total = 0;
    for (size_t j = 0; j < g->ncol; j++)
        total += w[j] + (j ? 2 : 0);

    pn_status st = PN_OK;
    for (size_t row = 0; row * g->ncol < g->n && st == PN_OK; row++) {
        char **cells = g->cells + row * g->ncol;
        if (cells[0] == NULL) {
            for (size_t k = 0; k < total && st == PN_OK; k++)
                st = pn_strbuf_append(sb, "-", 1);
            if (st == PN_OK)
                st = pn_strbuf_append(sb, "\n", 1);
            continue;
        }
        /* Trailing empty cells are not padded, so that lines have no trailing blanks. */
        size_t last = g->ncol;
        while (last > 1 && cells[last - 1][0] == '\0')
            last--;
        for (size_t j = 0; j < last && st == PN_OK; j++) {
            size_t gap = w[j] - pn_utf8_chars(cells[j], strlen(cells[j]));
            if (j)
                pad(sb, 2, &st);
            if (j >= g->left)
                pad(sb, gap, &st);
            if (st == PN_OK)
                st = pn_strbuf_puts(sb, cells[j]);
            if (j < g->left && j + 1 < last)
                pad(sb, gap, &st);
        }
        if (st == PN_OK)
            st = pn_strbuf_append(sb, "\n", 1);
    }
    free(w);
    return st;
}

/* "Label (var)", or just one of them when the other is missing or the same. */
static pn_status title_line(pn_strbuf *sb, const char *title, const char *var)
{
    if (title && *title && var && *var && strcmp(title, var) != 0)
        return pn_strbuf_printf(sb, "%s (%s)", title, var);
    if (title && *title)
        return pn_strbuf_puts(sb, title);
    return pn_strbuf_puts(sb, var ? var : "");
}

static pn_status flush_text(FILE *out, pn_strbuf *sb, pn_status st, pn_error *err)
{
    if (st != PN_OK) {
        pn_strbuf_release(sb);
        return pn_error_set(err, st, "out of memory formatting a table");
    }
    size_t len = sb->len;
    int bad = len && fwrite(sb->buf, 1, len, out) != len;
    pn_strbuf_release(sb);
    if (bad || ferror(out))
        return pn_error_set(err, PN_EIO, "cannot write a table");
    return PN_OK;
}

static pn_status freq_text(void *out, const pn_output_part *p, const pn_freq *t, pn_error *err)
{
    (void)p;
    pn_strbuf sb = PN_STRBUF_INIT;
    grid g;
    char a[CELL_MAX], b[CELL_MAX];
    int cum = t->cum_pct != NULL;
    grid_init(&g, cum ? 6 : 5, 1);

    grid_add(&g, "Modalité");
    grid_add(&g, "Effectif");
    grid_add(&g, "%");
    grid_add(&g, "% valide");
    if (cum)
        grid_add(&g, "% cumulé");
    grid_add(&g, "IC 95 % (% valide)");
    grid_rule(&g);
    for (size_t i = 0; i < t->k; i++) {
        grid_add(&g, pn_category_label(&t->cats[i]));
        grid_add(&g, count_str(a, t->count[i]));
        grid_add(&g, pct_str(a, t->pct[i]));
        grid_add(&g, pct_str(a, t->valid_pct[i]));
        if (cum)
            grid_add(&g, pct_str(a, t->cum_pct[i]));
        if (pn_is_masked(t->ci_low[i])) {
            grid_add(&g, "s");
        } else if (isnan(t->ci_low[i])) {
            grid_add(&g, "-");
        } else {
            char ci[3 * CELL_MAX];
            snprintf(ci, sizeof ci, "[%s ; %s]", pct_str(a, t->ci_low[i]),
                     pct_str(b, t->ci_high[i]));
            grid_add(&g, ci);
        }
    }
    grid_add(&g, "Non-réponse");
    grid_add(&g, count_str(a, t->missing));
    grid_add(&g, pct_str(a, t->missing_pct));
    for (size_t j = 3; j < g.ncol; j++)
        grid_add(&g, "");
    grid_rule(&g);
    grid_add(&g, "Total");
    grid_add(&g, count_str(a, t->total));
    grid_add(&g, pct_str(a, t->pct_total));
    grid_add(&g, pct_str(a, t->valid_pct_total));
    for (size_t j = 4; j < g.ncol; j++)
        grid_add(&g, "");

    pn_status st = title_line(&sb, t->title, t->var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n\n");
    if (st == PN_OK)
        st = grid_render(&g, &sb);
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

static pn_status multi_text(void *out, const pn_output_part *p, const pn_multi *t, pn_error *err)
{
    (void)p;
    pn_strbuf sb = PN_STRBUF_INIT;
    grid g;
    char a[CELL_MAX], b[CELL_MAX];
    grid_init(&g, 4, 1);

    grid_add(&g, "Modalité");
    grid_add(&g, "Effectif");
    grid_add(&g, "% des réponses");
    grid_add(&g, "% des répondants");
    grid_rule(&g);
    for (size_t i = 0; i < t->k; i++) {
        grid_add(&g, pn_category_label(&t->cats[i]));
        grid_add(&g, count_str(a, t->count[i]));
        grid_add(&g, pct_str(a, t->pct_responses[i]));
        grid_add(&g, pct_str(a, t->pct_cases[i]));
    }
    grid_rule(&g);
    grid_add(&g, "Total");
    grid_add(&g, count_str(a, t->responses));
    grid_add(&g, pct_str(a, t->pct_responses_total));
    grid_add(&g, pct_str(a, t->pct_cases_total));

    pn_status st = title_line(&sb, t->title, t->var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n\n");
    if (st == PN_OK)
        st = grid_render(&g, &sb);
    if (st == PN_OK)
        st = pn_strbuf_printf(&sb, "Répondants: %s  Non-réponse: %s\n", count_str(a, t->cases),
                              count_str(b, t->missing));
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

/* "p = 0.0123", or "p < 0.0001" below what four decimals can show. */
static const char *p_str(char *buf, double p)
{
    char num[CELL_MAX];
    if (pn_is_masked(p))
        return "p = s";
    if (isnan(p))
        return "p = -";
    if (p < 0.0001)
        return "p < 0.0001";
    snprintf(buf, CELL_MAX, "p = %s", fixed(num, p, 4));
    return buf;
}

/* @text, broken between words into lines of at most @width characters (UTF-8), each ending
 * with a newline. */
static pn_status put_wrapped(pn_strbuf *sb, const char *text, size_t width)
{
    pn_status st = PN_OK;
    size_t col = 0;
    while (*text && st == PN_OK) {
        size_t len = strcspn(text, " "), chars = pn_utf8_chars(text, len);
        if (col > 0 && col + 1 + chars > width) {
            st = pn_strbuf_puts(sb, "\n");
            col = 0;
        } else if (col > 0) {
            st = pn_strbuf_puts(sb, " ");
            col++;
        }
        if (st == PN_OK)
            st = pn_strbuf_append(sb, text, len);
        col += chars;
        text += len;
        text += strspn(text, " ");
    }
    return st == PN_OK ? pn_strbuf_puts(sb, "\n") : st;
}

static pn_status crosstab_tests(pn_strbuf *sb, const pn_crosstab *t)
{
    char a[CELL_MAX], b[CELL_MAX], p[CELL_MAX];
    pn_status st;
    int withheld = pn_is_masked(t->chi2);
    if (withheld) {
        st = pn_strbuf_puts(sb, "Tests non publiés : des cases sont masquées (secret "
                                "statistique), qu'ils permettraient de retrouver\n");
    } else if (isnan(t->chi2)) {
        st = pn_strbuf_puts(sb, "Tests non calculés : il faut au moins deux lignes et deux "
                                "colonnes non vides\n");
    } else {
        st = pn_strbuf_printf(sb, "Khi-deux de Pearson = %s, ddl = %s, %s\n", fixed(a, t->chi2, 3),
                              fixed(b, t->chi2_df, 0), p_str(p, t->chi2_p));
        if (st == PN_OK)
            st = pn_strbuf_printf(sb, "Rapport de vraisemblance = %s, ddl = %s, %s\n",
                                  fixed(a, t->lr, 3), fixed(b, t->chi2_df, 0), p_str(p, t->lr_p));
        if (st == PN_OK)
            st = pn_strbuf_printf(sb, "V de Cramér = %s\n", fixed(a, t->cramer_v, 3));
        if (st == PN_OK && !isnan(t->fisher_p))
            st = pn_strbuf_printf(sb, "Test exact de Fisher (bilatéral) : %s\n",
                                  p_str(p, t->fisher_p));
    }
    /* the expected counts' warning is about tests: none when they are withheld */
    if (st == PN_OK && !withheld && t->low_expected_pct > 20) {
        if (t->low_expected == 1)
            st = pn_strbuf_printf(sb,
                                  "Attention : 1 cellule (%s %%) a un effectif théorique "
                                  "inférieur à 5\n",
                                  fixed(a, t->low_expected_pct, 1));
        else
            st = pn_strbuf_printf(sb,
                                  "Attention : %zu cellules (%s %%) ont un effectif "
                                  "théorique inférieur à 5\n",
                                  t->low_expected, fixed(a, t->low_expected_pct, 1));
    }
    if (st == PN_OK && t->unit == PN_UNIT_LINK)
        st = put_wrapped(sb, PN_LINK_UNIT_WARNING, 90);
    return st;
}

/* A grid of rows by @c columns, with its head row: two empty cells, the columns' labels, @last. */
static void cross_grid(grid *g, const pn_category *cols, size_t c, const char *last)
{
    grid_init(g, c + 3, 2);
    grid_add(g, "");
    grid_add(g, "");
    for (size_t j = 0; j < c; j++)
        grid_add(g, pn_category_label(&cols[j]));
    grid_add(g, last);
    grid_rule(g);
}

/* A row of a rows-by-columns grid: @label, @what, the @c figures @v, then @total; counts, or
 * percentages when @pct. */
static void cross_row(grid *g, const char *label, const char *what, const double *v, size_t c,
                      double total, int pct)
{
    char a[CELL_MAX];
    grid_add(g, label);
    grid_add(g, what);
    for (size_t j = 0; j < c; j++)
        grid_add(g, pct ? pct_str(a, v[j]) : count_str(a, v[j]));
    grid_add(g, pct ? pct_str(a, total) : count_str(a, total));
}

/* "Row title (var) × Column title (var)", a blank line, the grid @g and a blank line. */
static pn_status cross_layout(pn_strbuf *sb, const char *row_title, const char *row_var,
                              const char *col_title, const char *col_var, const grid *g)
{
    pn_status st = title_line(sb, row_title, row_var);
    if (st == PN_OK)
        st = pn_strbuf_puts(sb, " × ");
    if (st == PN_OK)
        st = title_line(sb, col_title, col_var);
    if (st == PN_OK)
        st = pn_strbuf_puts(sb, "\n\n");
    if (st == PN_OK)
        st = grid_render(g, sb);
    return st == PN_OK ? pn_strbuf_puts(sb, "\n") : st;
}

static pn_status crosstab_text(void *out, const pn_output_part *p, const pn_crosstab *t,
                               pn_error *err)
{
    grid g;
    size_t c = t->c;
    (void)p;
    cross_grid(&g, t->col_cats, c, "Total");
    for (size_t i = 0; i < t->r; i++) {
        cross_row(&g, pn_category_label(&t->row_cats[i]), "Effectif", t->count + i * c, c,
                  t->row_total[i], 0);
        cross_row(&g, "", "% en ligne", t->row_pct + i * c, c, t->row_pct_total[i], 1);
        cross_row(&g, "", "% en colonne", t->col_pct + i * c, c, t->row_total_pct[i], 1);
        grid_rule(&g);
    }
    cross_row(&g, "Total", "Effectif", t->col_total, c, t->n, 0);
    cross_row(&g, "", "% en ligne", t->col_total_pct, c, t->n_pct, 1);
    cross_row(&g, "", "% en colonne", t->col_pct_total, c, t->n_pct, 1);

    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st = cross_layout(&sb, t->row_title, t->row_var, t->col_title, t->col_var, &g);
    if (st == PN_OK)
        st = crosstab_tests(&sb, t);
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

static pn_status multi_crosstab_text(void *out, const pn_output_part *p, const pn_multi_crosstab *t,
                                     pn_error *err)
{
    grid g;
    size_t c = t->c;
    (void)p;
    cross_grid(&g, t->col_cats, c, "Ensemble");
    for (size_t i = 0; i < t->r; i++) {
        cross_row(&g, pn_category_label(&t->row_cats[i]), "Effectif", t->count + i * c, c,
                  t->row_total[i], 0);
        cross_row(&g, "", "% des répondants", t->col_pct + i * c, c, t->total_pct[i], 1);
    }
    grid_rule(&g);
    cross_row(&g, "Répondants (base des %)", "Effectif", t->cases, c, t->total_cases, 0);
    cross_row(&g, "Non-réponse (aucune case)", "Effectif", t->missing, c, t->total_missing, 0);

    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st = cross_layout(&sb, t->row_title, t->row_var, t->col_title, t->col_var, &g);
    if (st == PN_OK)
        st = put_wrapped(&sb, PN_MULTI_CROSSTAB_NOTE, 90);
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

/* The agreement table: the centre's answer (rows) by the school's (columns), the pairs
 * counted, the observed and chance agreement and the kappa. */
static pn_status agreement_text(void *out, const pn_output_part *p, const pn_agreement *t,
                                pn_error *err)
{
    grid g;
    size_t k = t->k;
    char a[CELL_MAX], b[CELL_MAX], c[CELL_MAX], d[CELL_MAX], e[CELL_MAX], f[CELL_MAX];
    (void)p;
    grid_init(&g, k + 2, 1);
    grid_add(&g, "Centre social \\ École");
    for (size_t j = 0; j < k; j++)
        grid_add(&g, pn_category_label(&t->cats[j]));
    grid_add(&g, "Total");
    grid_rule(&g);
    for (size_t i = 0; i < k; i++) {
        grid_add(&g, pn_category_label(&t->cats[i]));
        for (size_t j = 0; j < k; j++)
            grid_add(&g, count_str(a, t->count[i * k + j]));
        grid_add(&g, count_str(a, t->row_total[i]));
    }
    grid_rule(&g);
    grid_add(&g, "Total");
    for (size_t j = 0; j < k; j++)
        grid_add(&g, count_str(a, t->col_total[j]));
    grid_add(&g, count_str(a, t->n));

    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st = title_line(&sb, t->title, t->var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, " : les deux points de vue d'un même lien\n\n");
    if (st == PN_OK)
        st = grid_render(&g, &sb);
    if (st == PN_OK)
        st = pn_strbuf_printf(&sb,
                              "\nPaires : %s ; sans réponse d'un côté : %s ; déclarées plus d'une "
                              "fois par un côté (écartées) : %s\n",
                              count_str(a, t->n), count_str(b, t->missing),
                              count_str(c, t->multiple));
    if (st == PN_OK)
        st = pn_strbuf_printf(&sb, "Accord observé : %s %% ; accord attendu par hasard : %s %%\n",
                              pct_str(a, t->agree_pct), pct_str(b, t->chance_pct));
    if (st == PN_OK && pn_is_masked(t->kappa))
        st = pn_strbuf_puts(&sb, "Kappa non publié : des cases sont masquées (secret statistique), "
                                 "qu'il permettrait de retrouver\n");
    else if (st == PN_OK && isnan(t->kappa))
        st = pn_strbuf_puts(
            &sb, "Kappa non calculé : toutes les paires sont dans une même "
                 "modalité, ou il n'y a pas de paire (il faut les réponses des deux réseaux)\n");
    else if (st == PN_OK)
        st = pn_strbuf_printf(&sb,
                              "Kappa de Cohen = %s, erreur type asymptotique = %s, IC 95 %% "
                              "[%s ; %s], T = %s, %s\n",
                              fixed(a, t->kappa, 3), fixed(b, t->ase, 3), fixed(c, t->ci_low, 3),
                              fixed(d, t->ci_high, 3), fixed(e, t->t, 3), p_str(f, t->p));
    if (st == PN_OK)
        st = put_wrapped(&sb, PN_PAIRS_NOTE, 90);
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

/* A split result starts with the note that says why the networks are apart. */
static pn_status text_begin(void *out, const pn_tab_result *r, pn_error *err)
{
    if (r->split == NULL)
        return PN_OK;
    pn_strbuf sb = PN_STRBUF_INIT, note = PN_STRBUF_INIT;
    pn_status st = pn_strbuf_printf(&note, PN_TAB_SPLIT_NOTE, r->split);
    if (st == PN_OK)
        st = put_wrapped(&sb, pn_strbuf_str(&note), 90);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n");
    pn_strbuf_release(&note);
    return flush_text(out, &sb, st, err);
}

/* Under a table with masked cells, what "s" means. */
static pn_status text_part_end(void *out, const pn_output_part *p, pn_error *err)
{
    if (p->part->masked == 0)
        return PN_OK;
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st = pn_strbuf_printf(&sb, PN_SECRET_NOTE "\n", p->result->secret);
    return flush_text(out, &sb, st, err);
}

/* One network's table under its heading. */
static pn_status text_part_begin(void *out, const pn_output_part *p, pn_error *err)
{
    if (p->part->network_label == NULL)
        return PN_OK;
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_status st =
        pn_strbuf_printf(&sb, "%s== %s ==\n", p->index ? "\n" : "", p->part->network_label);
    return flush_text(out, &sb, st, err);
}

static const pn_output_driver text_driver = {
    .name = "text",
    .begin = text_begin,
    .part_begin = text_part_begin,
    .part_end = text_part_end,
    .freq = freq_text,
    .multi = multi_text,
    .crosstab = crosstab_text,
    .multi_crosstab = multi_crosstab_text,
    .agreement = agreement_text,
};

pn_output pn_output_text(FILE *out)
{
    return (pn_output){&text_driver, out};
}
