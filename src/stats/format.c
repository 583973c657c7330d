#include "stats/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/strbuf.h"

/*
 * Make a number printed by snprintf locale-independent: whatever the locale's decimal
 * point is ("," in fr_FR, possibly several bytes elsewhere), a %g or %f conversion of a
 * finite number holds only digits, signs, 'e' and that decimal point; every run of other
 * bytes is the decimal point and becomes '.'.
 */
static void normalize_decimal(char *buf)
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
    normalize_decimal(buf);
    return buf;
}

/* ---------------------------------------------------------------- text */

#define CELL_MAX 64

/*
 * @x with @dec decimals and '.', "-" when undefined. @buf holds CELL_MAX bytes.
 * Halves are rounded away from zero (56.25 -> "56.3"), as SPSS and PSPP display them and
 * as readers round by hand; printf alone would round the exact binary tie to even.
 */
static const char *fixed(char *buf, double x, int dec)
{
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
        normalize_decimal(buf);
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

/* Number of characters (code points) in the UTF-8 string @s: the bytes that do not
 * continue a multi-byte sequence. */
static size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
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
        size_t cw = utf8_width(g->cells[i]);
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
            size_t gap = w[j] - utf8_width(cells[j]);
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

static const char *cat_label(const pn_category *c)
{
    if (c->label && *c->label)
        return c->label;
    return c->name ? c->name : "";
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

static pn_status not_computed(pn_error *err, const char *var)
{
    return pn_error_set(err, PN_EINTERNAL, "table of '%s' written before it was computed",
                        var ? var : "");
}

pn_status pn_freq_write_text(FILE *out, const pn_freq *t, pn_error *err)
{
    if (t->pct == NULL)
        return not_computed(err, t->var);
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
        grid_add(&g, cat_label(&t->cats[i]));
        grid_add(&g, count_str(a, t->count[i]));
        grid_add(&g, pct_str(a, t->pct[i]));
        grid_add(&g, pct_str(a, t->valid_pct[i]));
        if (cum)
            grid_add(&g, pct_str(a, t->cum_pct[i]));
        if (isnan(t->ci_low[i])) {
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
    grid_add(&g, pct_str(a, t->total > 0 ? 100 * t->missing / t->total : NAN));
    for (size_t j = 3; j < g.ncol; j++)
        grid_add(&g, "");
    grid_rule(&g);
    grid_add(&g, "Total");
    grid_add(&g, count_str(a, t->total));
    grid_add(&g, pct_str(a, t->total > 0 ? 100 : NAN));
    grid_add(&g, pct_str(a, t->valid > 0 ? 100 : NAN));
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

pn_status pn_multi_write_text(FILE *out, const pn_multi *t, pn_error *err)
{
    if (t->pct_cases == NULL)
        return not_computed(err, t->var);
    pn_strbuf sb = PN_STRBUF_INIT;
    grid g;
    char a[CELL_MAX], b[CELL_MAX];
    grid_init(&g, 4, 1);

    grid_add(&g, "Modalité");
    grid_add(&g, "Effectif");
    grid_add(&g, "% des réponses");
    grid_add(&g, "% des répondants");
    grid_rule(&g);
    double sum_cases = 0;
    for (size_t i = 0; i < t->k; i++) {
        grid_add(&g, cat_label(&t->cats[i]));
        grid_add(&g, count_str(a, t->count[i]));
        grid_add(&g, pct_str(a, t->pct_responses[i]));
        grid_add(&g, pct_str(a, t->pct_cases[i]));
        sum_cases += t->pct_cases[i];
    }
    grid_rule(&g);
    grid_add(&g, "Total");
    grid_add(&g, count_str(a, t->responses));
    grid_add(&g, pct_str(a, t->responses > 0 ? 100 : NAN));
    grid_add(&g, pct_str(a, t->cases > 0 ? sum_cases : NAN));

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
        size_t len = strcspn(text, " "), chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)text[i] & 0xC0) != 0x80;
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
    if (isnan(t->chi2)) {
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
    if (st == PN_OK && t->low_expected_pct > 20) {
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

pn_status pn_crosstab_write_text(FILE *out, const pn_crosstab *t, pn_error *err)
{
    if (t->expected == NULL)
        return not_computed(err, t->row_var);
    pn_strbuf sb = PN_STRBUF_INIT;
    grid g;
    char a[CELL_MAX];
    size_t r = t->r, c = t->c;
    grid_init(&g, c + 3, 2);

    grid_add(&g, "");
    grid_add(&g, "");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, cat_label(&t->col_cats[j]));
    grid_add(&g, "Total");
    grid_rule(&g);
    for (size_t i = 0; i < r; i++) {
        const double *cnt = t->count + i * c, *rp = t->row_pct + i * c, *cp = t->col_pct + i * c;
        grid_add(&g, cat_label(&t->row_cats[i]));
        grid_add(&g, "Effectif");
        for (size_t j = 0; j < c; j++)
            grid_add(&g, count_str(a, cnt[j]));
        grid_add(&g, count_str(a, t->row_total[i]));
        grid_add(&g, "");
        grid_add(&g, "% en ligne");
        for (size_t j = 0; j < c; j++)
            grid_add(&g, pct_str(a, rp[j]));
        grid_add(&g, pct_str(a, t->row_total[i] > 0 ? 100 : NAN));
        grid_add(&g, "");
        grid_add(&g, "% en colonne");
        for (size_t j = 0; j < c; j++)
            grid_add(&g, pct_str(a, cp[j]));
        grid_add(&g, pct_str(a, t->n > 0 ? 100 * t->row_total[i] / t->n : NAN));
        grid_rule(&g);
    }
    grid_add(&g, "Total");
    grid_add(&g, "Effectif");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, count_str(a, t->col_total[j]));
    grid_add(&g, count_str(a, t->n));
    grid_add(&g, "");
    grid_add(&g, "% en ligne");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, pct_str(a, t->n > 0 ? 100 * t->col_total[j] / t->n : NAN));
    grid_add(&g, pct_str(a, t->n > 0 ? 100 : NAN));
    grid_add(&g, "");
    grid_add(&g, "% en colonne");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, pct_str(a, t->col_total[j] > 0 ? 100 : NAN));
    grid_add(&g, pct_str(a, t->n > 0 ? 100 : NAN));

    pn_status st = title_line(&sb, t->row_title, t->row_var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, " × ");
    if (st == PN_OK)
        st = title_line(&sb, t->col_title, t->col_var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n\n");
    if (st == PN_OK)
        st = grid_render(&g, &sb);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n");
    if (st == PN_OK)
        st = crosstab_tests(&sb, t);
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

pn_status pn_multi_crosstab_write_text(FILE *out, const pn_multi_crosstab *t, pn_error *err)
{
    if (t->col_pct == NULL)
        return not_computed(err, t->row_var);
    pn_strbuf sb = PN_STRBUF_INIT;
    grid g;
    char a[CELL_MAX];
    size_t r = t->r, c = t->c;
    grid_init(&g, c + 3, 2);

    grid_add(&g, "");
    grid_add(&g, "");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, cat_label(&t->col_cats[j]));
    grid_add(&g, "Ensemble");
    grid_rule(&g);
    for (size_t i = 0; i < r; i++) {
        grid_add(&g, cat_label(&t->row_cats[i]));
        grid_add(&g, "Effectif");
        for (size_t j = 0; j < c; j++)
            grid_add(&g, count_str(a, t->count[i * c + j]));
        grid_add(&g, count_str(a, t->row_total[i]));
        grid_add(&g, "");
        grid_add(&g, "% des répondants");
        for (size_t j = 0; j < c; j++)
            grid_add(&g, pct_str(a, t->col_pct[i * c + j]));
        grid_add(&g, pct_str(a, t->total_pct[i]));
    }
    grid_rule(&g);
    grid_add(&g, "Répondants (base des %)");
    grid_add(&g, "Effectif");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, count_str(a, t->cases[j]));
    grid_add(&g, count_str(a, t->total_cases));
    grid_add(&g, "Non-réponse (aucune case)");
    grid_add(&g, "Effectif");
    for (size_t j = 0; j < c; j++)
        grid_add(&g, count_str(a, t->missing[j]));
    grid_add(&g, count_str(a, t->total_missing));

    pn_status st = title_line(&sb, t->row_title, t->row_var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, " × ");
    if (st == PN_OK)
        st = title_line(&sb, t->col_title, t->col_var);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n\n");
    if (st == PN_OK)
        st = grid_render(&g, &sb);
    if (st == PN_OK)
        st = pn_strbuf_puts(&sb, "\n");
    if (st == PN_OK)
        st = put_wrapped(&sb, PN_MULTI_CROSSTAB_NOTE, 90);
    grid_release(&g);
    return flush_text(out, &sb, st, err);
}

/* ---------------------------------------------------------------- csv */

static void csv_row(FILE *out, const char *table, const char *var, const char *by, const char *row,
                    const char *col, const char *measure, double value)
{
    char num[32];
    pn_csv_write_field(out, table, ',');
    fputc(',', out);
    pn_csv_write_field(out, var, ',');
    fputc(',', out);
    pn_csv_write_field(out, by, ',');
    fputc(',', out);
    pn_csv_write_field(out, row, ',');
    fputc(',', out);
    pn_csv_write_field(out, col, ',');
    fprintf(out, ",%s,%s\n", measure, pn_format_number(num, value));
}

static pn_status csv_done(FILE *out, pn_error *err)
{
    if (ferror(out))
        return pn_error_set(err, PN_EIO, "cannot write the statistics CSV");
    return PN_OK;
}

pn_status pn_stats_write_csv_header(FILE *out, pn_error *err)
{
    fputs("table,var,by,row,col,measure,value\n", out);
    return csv_done(out, err);
}

/* The writers below take the name written in the var column: the table's own, or
 * "name@network" for one network's table (see pn_tab_write_csv). */

static pn_status freq_csv(FILE *out, const pn_freq *t, const char *var, pn_error *err)
{
    if (t->pct == NULL)
        return not_computed(err, t->var);
    for (size_t i = 0; i < t->k; i++) {
        const char *row = t->cats[i].name;
        csv_row(out, "freq", var, "", row, "", "n", t->count[i]);
        csv_row(out, "freq", var, "", row, "", "pct", t->pct[i]);
        csv_row(out, "freq", var, "", row, "", "valid_pct", t->valid_pct[i]);
        if (t->cum_pct)
            csv_row(out, "freq", var, "", row, "", "cum_pct", t->cum_pct[i]);
        csv_row(out, "freq", var, "", row, "", "ci_low", t->ci_low[i]);
        csv_row(out, "freq", var, "", row, "", "ci_high", t->ci_high[i]);
    }
    csv_row(out, "freq", var, "", "", "", "missing", t->missing);
    csv_row(out, "freq", var, "", "", "", "valid", t->valid);
    csv_row(out, "freq", var, "", "", "", "total", t->total);
    return csv_done(out, err);
}

static pn_status multi_csv(FILE *out, const pn_multi *t, const char *var, pn_error *err)
{
    if (t->pct_cases == NULL)
        return not_computed(err, t->var);
    for (size_t i = 0; i < t->k; i++) {
        const char *row = t->cats[i].name;
        csv_row(out, "multi", var, "", row, "", "n", t->count[i]);
        csv_row(out, "multi", var, "", row, "", "pct_responses", t->pct_responses[i]);
        csv_row(out, "multi", var, "", row, "", "pct_cases", t->pct_cases[i]);
    }
    csv_row(out, "multi", var, "", "", "", "cases", t->cases);
    csv_row(out, "multi", var, "", "", "", "responses", t->responses);
    csv_row(out, "multi", var, "", "", "", "missing", t->missing);
    return csv_done(out, err);
}

static pn_status crosstab_csv(FILE *out, const pn_crosstab *t, const char *v, pn_error *err)
{
    if (t->expected == NULL)
        return not_computed(err, t->row_var);
    const char *by = t->col_var;
    for (size_t i = 0; i < t->r; i++) {
        for (size_t j = 0; j < t->c; j++) {
            size_t ij = i * t->c + j;
            const char *row = t->row_cats[i].name, *col = t->col_cats[j].name;
            csv_row(out, "crosstab", v, by, row, col, "n", t->count[ij]);
            csv_row(out, "crosstab", v, by, row, col, "expected", t->expected[ij]);
            csv_row(out, "crosstab", v, by, row, col, "row_pct", t->row_pct[ij]);
            csv_row(out, "crosstab", v, by, row, col, "col_pct", t->col_pct[ij]);
            csv_row(out, "crosstab", v, by, row, col, "total_pct", t->total_pct[ij]);
            csv_row(out, "crosstab", v, by, row, col, "adj_resid", t->adj_resid[ij]);
        }
    }
    csv_row(out, "crosstab", v, by, "", "", "n", t->n);
    csv_row(out, "crosstab", v, by, "", "", "chi2", t->chi2);
    csv_row(out, "crosstab", v, by, "", "", "chi2_df", t->chi2_df);
    csv_row(out, "crosstab", v, by, "", "", "chi2_p", t->chi2_p);
    csv_row(out, "crosstab", v, by, "", "", "lr", t->lr);
    csv_row(out, "crosstab", v, by, "", "", "lr_df", t->chi2_df);
    csv_row(out, "crosstab", v, by, "", "", "lr_p", t->lr_p);
    csv_row(out, "crosstab", v, by, "", "", "cramer_v", t->cramer_v);
    csv_row(out, "crosstab", v, by, "", "", "fisher_p", t->fisher_p);
    csv_row(out, "crosstab", v, by, "", "", "low_expected_pct", t->low_expected_pct);
    if (t->unit == PN_UNIT_LINK)
        csv_row(out, "crosstab", v, by, "", "", "link_unit", 1);
    return csv_done(out, err);
}

static pn_status multi_crosstab_csv(FILE *out, const pn_multi_crosstab *t, const char *v,
                                    pn_error *err)
{
    if (t->col_pct == NULL)
        return not_computed(err, t->row_var);
    const char *by = t->col_var, *table = "multi_crosstab";
    for (size_t i = 0; i < t->r; i++) {
        const char *row = t->row_cats[i].name;
        for (size_t j = 0; j < t->c; j++) {
            size_t ij = i * t->c + j;
            const char *col = t->col_cats[j].name;
            csv_row(out, table, v, by, row, col, "n", t->count[ij]);
            csv_row(out, table, v, by, row, col, "pct_cases", t->col_pct[ij]);
        }
        csv_row(out, table, v, by, row, "", "n", t->row_total[i]);
        csv_row(out, table, v, by, row, "", "pct_cases", t->total_pct[i]);
    }
    for (size_t j = 0; j < t->c; j++) {
        csv_row(out, table, v, by, "", t->col_cats[j].name, "cases", t->cases[j]);
        csv_row(out, table, v, by, "", t->col_cats[j].name, "missing", t->missing[j]);
    }
    csv_row(out, table, v, by, "", "", "cases", t->total_cases);
    csv_row(out, table, v, by, "", "", "missing", t->total_missing);
    return csv_done(out, err);
}

pn_status pn_freq_write_csv(FILE *out, const pn_freq *t, pn_error *err)
{
    return freq_csv(out, t, t->var, err);
}

pn_status pn_multi_write_csv(FILE *out, const pn_multi *t, pn_error *err)
{
    return multi_csv(out, t, t->var, err);
}

pn_status pn_crosstab_write_csv(FILE *out, const pn_crosstab *t, pn_error *err)
{
    return crosstab_csv(out, t, t->row_var, err);
}

pn_status pn_multi_crosstab_write_csv(FILE *out, const pn_multi_crosstab *t, pn_error *err)
{
    return multi_crosstab_csv(out, t, t->row_var, err);
}

/* ---------------------------------------------------------------- a tabulate result */

/* The row variable of @p's table, lent. */
static const char *part_var(pn_tab_kind kind, const pn_tab_part *p)
{
    switch (kind) {
    case PN_TAB_FREQ:
        return p->freq ? p->freq->var : NULL;
    case PN_TAB_MULTI:
        return p->multi ? p->multi->var : NULL;
    case PN_TAB_CROSSTAB:
        return p->xt ? p->xt->row_var : NULL;
    case PN_TAB_MULTI_CROSSTAB:
        return p->mxt ? p->mxt->row_var : NULL;
    }
    return NULL;
}

pn_status pn_tab_write_text(FILE *out, const pn_tab_result *r, pn_error *err)
{
    pn_status st = PN_OK;
    if (r->split != NULL) {
        pn_strbuf sb = PN_STRBUF_INIT, note = PN_STRBUF_INIT;
        st = pn_strbuf_printf(&note, PN_TAB_SPLIT_NOTE, r->split);
        if (st == PN_OK)
            st = put_wrapped(&sb, pn_strbuf_str(&note), 90);
        if (st == PN_OK)
            st = pn_strbuf_puts(&sb, "\n");
        pn_strbuf_release(&note);
        if ((st = flush_text(out, &sb, st, err)) != PN_OK)
            return st;
    }
    for (size_t i = 0; i < r->nparts && st == PN_OK; i++) {
        const pn_tab_part *p = &r->parts[i];
        if (p->network_label != NULL) {
            pn_strbuf sb = PN_STRBUF_INIT;
            st = pn_strbuf_printf(&sb, "%s== %s ==\n", i ? "\n" : "", p->network_label);
            if ((st = flush_text(out, &sb, st, err)) != PN_OK)
                return st;
        }
        if (part_var(r->kind, p) == NULL)
            return pn_error_set(err, PN_EINTERNAL, "a part of a table has no table");
        switch (r->kind) {
        case PN_TAB_FREQ:
            st = pn_freq_write_text(out, p->freq, err);
            break;
        case PN_TAB_MULTI:
            st = pn_multi_write_text(out, p->multi, err);
            break;
        case PN_TAB_CROSSTAB:
            st = pn_crosstab_write_text(out, p->xt, err);
            break;
        case PN_TAB_MULTI_CROSSTAB:
            st = pn_multi_crosstab_write_text(out, p->mxt, err);
            break;
        }
    }
    return st;
}

pn_status pn_tab_write_csv(FILE *out, const pn_tab_result *r, pn_error *err)
{
    pn_status st = pn_stats_write_csv_header(out, err);
    for (size_t i = 0; i < r->nparts && st == PN_OK; i++) {
        const pn_tab_part *p = &r->parts[i];
        const char *var = part_var(r->kind, p);
        pn_strbuf name = PN_STRBUF_INIT;
        if (var == NULL)
            return pn_error_set(err, PN_EINTERNAL, "a part of a table has no table");
        if (p->network != NULL) {
            if (pn_strbuf_printf(&name, "%s@%s", var, p->network) != PN_OK)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            var = pn_strbuf_str(&name);
        }
        switch (r->kind) {
        case PN_TAB_FREQ:
            st = freq_csv(out, p->freq, var, err);
            break;
        case PN_TAB_MULTI:
            st = multi_csv(out, p->multi, var, err);
            break;
        case PN_TAB_CROSSTAB:
            st = crosstab_csv(out, p->xt, var, err);
            break;
        case PN_TAB_MULTI_CROSSTAB:
            st = multi_crosstab_csv(out, p->mxt, var, err);
            break;
        }
        pn_strbuf_release(&name);
    }
    return st;
}
