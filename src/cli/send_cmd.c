/*
 * send_cmd.c - `panorama send` (the mail-merge file of a form's sending, each structure with
 * its personal link) and `panorama status` (who answered, by town and network; the reminders'
 * mail-merge file). The files are for people: UTF-8 with BOM, ';', CRLF, a French header, no
 * cell a spreadsheet would run as a formula, written beside their target then renamed.
 */
#define _XOPEN_SOURCE 700 /* fdopen, fsync */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "stats/stats.h"
#include "util/csv.h"
#include "util/file.h"
#include "util/fold.h"
#include "util/strbuf.h"
#include "util/strindex.h"

/* ---- what both write ---------------------------------------------------------------------- */

/* One record of @n cells into @sb, ';' between them, CRLF after. */
static pn_status put_record(pn_strbuf *sb, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && pn_strbuf_puts(sb, ";") != PN_OK)
            return PN_ENOMEM;
        if (pn_csv_append_field(sb, cells[i], ';') != PN_OK)
            return PN_ENOMEM;
    }
    return pn_strbuf_puts(sb, "\r\n");
}

/* Now, UTC, "YYYY-MM-DDTHH:MM:SS". */
static void now_text(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* @s percent-encoded for a URL's query (RFC 3986's unreserved characters kept). */
static pn_status url_encode(pn_strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char c[4] = {(char)*p, 0, 0, 0};
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == '~')) {
            c[0] = '%';
            c[1] = hex[*p >> 4];
            c[2] = hex[*p & 15];
        }
        if (pn_strbuf_puts(sb, c) != PN_OK)
            return PN_ENOMEM;
    }
    return PN_OK;
}

/* ---- send --------------------------------------------------------------------------------- */

typedef struct sender {
    const pn_form *form;
    const char *side, *url, *root;
    const char *paths[3]; /* the XForm paths of the identifier, name and commune; NULL none */
    pn_strbuf out;
    char **idents, **links; /* the structures written, to record */
    size_t n, cap, with_email;
} sender;

/* The personal link of @r: @x->url with the structure's identity as Enketo's default answers,
 * d[/data/path]=value (DOMAIN.md §9). */
static pn_status personal_link(const sender *x, const pn_structure_row *r, pn_strbuf *link)
{
    const char *values[3] = {r->e.ident, r->e.name, r->e.commune};
    char sep = strchr(x->url, '?') ? '&' : '?';
    pn_status st = pn_strbuf_puts(link, x->url);
    for (int i = 0; i < 3 && st == PN_OK; i++) {
        if (x->paths[i] == NULL || values[i] == NULL || values[i][0] == '\0')
            continue;
        pn_strbuf key = PN_STRBUF_INIT;
        st = pn_strbuf_printf(&key, "d[/%s/%s]", x->root, x->paths[i]);
        if (st == PN_OK)
            st = pn_strbuf_printf(link, "%c", sep);
        if (st == PN_OK)
            st = url_encode(link, pn_strbuf_str(&key));
        if (st == PN_OK)
            st = pn_strbuf_puts(link, "=");
        if (st == PN_OK)
            st = url_encode(link, values[i]);
        pn_strbuf_release(&key);
        sep = '&';
    }
    return st;
}

static pn_status send_one(void *ctx, const pn_structure_row *r, pn_error *err)
{
    sender *x = ctx;
    if (!r->listed || strcmp(r->e.side, x->side) != 0)
        return PN_OK;
    pn_strbuf link = PN_STRBUF_INIT;
    if (personal_link(x, r, &link) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    const char *commune = r->e.commune_name[0] ? r->e.commune_name : r->e.commune;
    char book[64]; /* the name `form sheet` gives its fillable workbook */
    snprintf(book, sizeof book, "%s-%s.xlsx", x->form->id, r->e.ident);
    const char *cells[] = {r->e.ident,           r->e.name,   commune, r->e.email,
                           pn_strbuf_str(&link), x->form->id, book};
    pn_status st = put_record(&x->out, cells, 7);
    if (st == PN_OK && x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 256;
        char **a = realloc(x->idents, cap * sizeof *a), **b = NULL;
        if (a != NULL)
            x->idents = a;
        if (a != NULL && (b = realloc(x->links, cap * sizeof *b)) != NULL)
            x->links = b;
        if (a == NULL || b == NULL)
            st = PN_ENOMEM;
        else
            x->cap = cap;
    }
    if (st == PN_OK) {
        x->idents[x->n] = pn_strdup(r->e.ident);
        x->links[x->n] = pn_strbuf_detach(&link);
        if (x->idents[x->n] == NULL || x->links[x->n] == NULL) {
            free(x->idents[x->n]);
            free(x->links[x->n]);
            st = PN_ENOMEM;
        } else {
            x->with_email += r->e.email[0] != '\0';
            x->n++;
        }
    }
    pn_strbuf_release(&link);
    return st == PN_OK ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
}

pn_status cmd_send(pn_cli *cli, pn_error *err)
{
    const char *dir = "forms", *url = NULL, *out = NULL, *id = NULL, *root = "data";
    pn_opts o;
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--url", &url) || pn_opts_value(&o, "-o", &out) ||
            pn_opts_value(&o, "--forms", &dir) || pn_opts_value(&o, "--root", &root))
            continue;
        if (o.error || o.arg[0] == '-' || id != NULL)
            return pn_opts_fail(&o, err);
        id = o.arg;
    }
    if (o.error)
        return pn_opts_fail(&o, err);
    if (id == NULL || url == NULL)
        return pn_error_set(err, PN_EUSAGE,
                            "usage: send needs a FORM and --url URL (the form's "
                            "public link on KoboToolbox or ODK Central)");
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return pn_error_set(err, PN_EUSAGE,
                            "--url: expected the form's web address (https://...), "
                            "found '%s'",
                            url);
    pn_form *form = NULL;
    char *src = NULL, from[4200], def[4200];
    size_t len = 0;
    pn_status st = cli_find_form(cli, dir, id, &form, &src, &len, from, sizeof from, err);
    free(src);
    if (st != PN_OK)
        return st;
    sender x = {.form = form, .url = url, .root = root, .out = PN_STRBUF_INIT};
    x.side = pn_side_word(form->side);
    if (x.side == NULL) {
        st = pn_error_set(err, PN_EUSAGE,
                          "form '%s' is neither the centres' nor the schools' (its identifier is "
                          "no SIRET or UAI): no network of the registry to send it to",
                          id);
        goto out;
    }
    const int roles[3] = {form->roles.ident, form->roles.name, form->roles.commune};
    for (int i = 0; i < 3; i++) {
        const pn_question *q = pn_form_role(form, roles[i]);
        x.paths[i] = q ? q->path : NULL;
    }
    if (out == NULL) {
        snprintf(def, sizeof def, "envoi-%s.csv", id);
        out = def;
    }
    if (pn_strbuf_puts(&x.out,
                       "\xEF\xBB\xBF"
                       "identifiant;nom;commune;courriel;lien;formulaire;classeur\r\n") != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = pn_store_begin_read(cli->store, err)) == PN_OK) {
        st = pn_store_each_structure(cli->store, send_one, &x, err);
        pn_store_end_read(cli->store);
    }
    if (st == PN_OK && x.n == 0)
        st = pn_error_set(err, PN_EUSAGE,
                          "the registry of '%s' has no %s: run 'panorama structures import' first",
                          cli->db_path, strcmp(x.side, "centre") == 0 ? "centre social" : "school");
    if (st == PN_OK)
        st = pn_file_write_whole(out, x.out.buf, x.out.len, err);
    /* the file is written: each structure's sending recorded, in one transaction */
    char at[32];
    now_text(at, sizeof at);
    if (st == PN_OK && (st = pn_store_begin(cli->store, err)) == PN_OK) {
        for (size_t i = 0; i < x.n && st == PN_OK; i++)
            st = pn_store_send_put(cli->store, id, x.side, x.idents[i], "envoi", at, x.links[i],
                                   err);
        if (st == PN_OK)
            st = pn_store_commit(cli->store, err);
        else
            pn_store_rollback(cli->store);
    }
    if (st == PN_OK)
        printf("wrote '%s': %zu %s of the registry (%zu with an e-mail), each with its personal "
               "link to the form '%s'; recorded as sent on %.10s\n",
               out, x.n, strcmp(x.side, "centre") == 0 ? "centres sociaux" : "schools",
               x.with_email, id, at);
out:
    for (size_t i = 0; i < x.n; i++) {
        free(x.idents[i]);
        free(x.links[i]);
    }
    free(x.idents);
    free(x.links);
    pn_strbuf_release(&x.out);
    pn_form_destroy(form);
    return st;
}

/* ---- status ------------------------------------------------------------------------------- */

typedef struct group {
    char *commune, *side; /* commune NULL: by network */
    size_t listed, sent, answered, reminded;
    char last[32];
} group;

typedef struct status {
    int by_network, csv, remind;
    pn_strindex index; /* "side\tcommune" -> group */
    char **keys;
    group *g;
    size_t n, cap;
    pn_strbuf out; /* --remind's file */
    char **r_side, **r_ident, **r_link, **r_form;
    size_t nr, capr;
} status;

static group *group_of(status *x, const pn_structure_row *r)
{
    const char *commune = x->by_network          ? ""
                          : r->e.commune_name[0] ? r->e.commune_name
                                                 : r->e.commune;
    pn_strbuf key = PN_STRBUF_INIT;
    if (pn_strbuf_printf(&key, "%s\t%s", r->e.side, commune) != PN_OK)
        return NULL;
    size_t at;
    if (pn_strindex_get(&x->index, key.buf, key.len, &at)) {
        pn_strbuf_release(&key);
        return &x->g[at];
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        group *g = realloc(x->g, cap * sizeof *g);
        char **k = g ? realloc(x->keys, cap * sizeof *k) : NULL;
        if (g)
            x->g = g;
        if (k)
            x->keys = k;
        if (!g || !k) {
            pn_strbuf_release(&key);
            return NULL;
        }
        x->cap = cap;
    }
    group *g = &x->g[x->n];
    memset(g, 0, sizeof *g);
    g->side = pn_strdup(r->e.side);
    g->commune = x->by_network ? NULL : pn_strdup(commune);
    x->keys[x->n] = pn_strbuf_detach(&key);
    if (g->side == NULL || (!x->by_network && g->commune == NULL) || x->keys[x->n] == NULL ||
        pn_strindex_put(&x->index, x->keys[x->n], strlen(x->keys[x->n]), x->n) != PN_OK) {
        free(g->side);
        free(g->commune);
        free(x->keys[x->n]);
        return NULL;
    }
    x->n++;
    return g;
}

static pn_status status_one(void *ctx, const pn_structure_row *r, pn_error *err)
{
    status *x = ctx;
    if (!r->listed)
        return PN_OK;
    group *g = group_of(x, r);
    if (g == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    g->listed++;
    g->sent += r->sent > 0;
    g->answered += r->responded;
    g->reminded += r->reminders > 0;
    if (r->responded && strcmp(r->answered, g->last) > 0)
        snprintf(g->last, sizeof g->last, "%s", r->answered);
    if (!x->remind || r->responded)
        return PN_OK;
    /* the reminders' mail-merge file: those who have not answered, with their last link */
    char count[16];
    snprintf(count, sizeof count, "%d", r->reminders + 1);
    const char *commune = r->e.commune_name[0] ? r->e.commune_name : r->e.commune;
    const char *net = strcmp(r->e.side, "centre") == 0 ? "centre social"
                                                       : "\xc3\xa9"
                                                         "cole";
    const char *cells[] = {net, r->e.ident, r->e.name, commune, r->e.email, r->link, count};
    if (put_record(&x->out, cells, 7) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (x->nr == x->capr) {
        size_t cap = x->capr ? 2 * x->capr : 256;
        char **a = realloc(x->r_side, cap * sizeof *a);
        if (a)
            x->r_side = a;
        char **b = a ? realloc(x->r_ident, cap * sizeof *b) : NULL;
        if (b)
            x->r_ident = b;
        char **c = b ? realloc(x->r_link, cap * sizeof *c) : NULL;
        if (c)
            x->r_link = c;
        char **d = c ? realloc(x->r_form, cap * sizeof *d) : NULL;
        if (d)
            x->r_form = d;
        if (!d)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        x->capr = cap;
    }
    x->r_side[x->nr] = pn_strdup(r->e.side);
    x->r_ident[x->nr] = pn_strdup(r->e.ident);
    x->r_link[x->nr] = r->link[0] ? pn_strdup(r->link) : NULL;
    x->r_form[x->nr] = pn_strdup(r->form);
    if (!x->r_side[x->nr] || !x->r_ident[x->nr] || (r->link[0] && !x->r_link[x->nr]) ||
        !x->r_form[x->nr]) {
        free(x->r_side[x->nr]);
        free(x->r_ident[x->nr]);
        free(x->r_link[x->nr]);
        free(x->r_form[x->nr]);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    x->nr++;
    return PN_OK;
}

/* "45,2" */
static void pct(char *buf, size_t size, double x)
{
    if (isnan(x)) {
        snprintf(buf, size, "%s", "");
        return;
    }
    snprintf(buf, size, "%.1f", x);
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = ',';
}

static void print_group(const status *x, const group *g, pn_strbuf *csv)
{
    double n = (double)g->listed, k = (double)g->answered, lo = NAN, hi = NAN;
    if (n > 0)
        pn_wilson(k, n, &lo, &hi);
    char rate[16], l[16], h[16];
    pct(rate, sizeof rate, n > 0 ? 100 * k / n : NAN);
    pct(l, sizeof l, 100 * lo);
    pct(h, sizeof h, 100 * hi);
    const char *net = strcmp(g->side, "centre") == 0 ? "centres sociaux"
                                                     : "\xc3\xa9"
                                                       "coles";
    if (x->csv) {
        char a[4][24];
        snprintf(a[0], sizeof a[0], "%zu", g->listed);
        snprintf(a[1], sizeof a[1], "%zu", g->sent);
        snprintf(a[2], sizeof a[2], "%zu", g->answered);
        snprintf(a[3], sizeof a[3], "%zu", g->reminded);
        const char *cells[] = {
            g->commune ? g->commune : "", net, a[0], a[1], a[2], rate, l, h, a[3], g->last};
        (void)put_record(csv, cells + (x->by_network ? 1 : 0), x->by_network ? 9 : 10);
        return;
    }
    if (!x->by_network) {
        /* the town's name in 24 characters (UTF-8), or the totals' label */
        const char *name = g->commune ? g->commune : "all towns";
        int w = 0;
        for (const unsigned char *p = (const unsigned char *)name; *p && w < 24; w++) {
            size_t len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
            for (size_t b = 0; b < len && *p; b++)
                putchar(*p++);
        }
        printf("%*s ", 24 - w, "");
    }
    printf("%-8s %8zu %6zu %8zu %7s %%  [%s ; %s]  %8zu  %s\n", g->side, g->listed, g->sent,
           g->answered, rate, l, h, g->reminded, g->last[0] ? g->last : "-");
}

/* By town as a person reads the names (Éragny after Enghien), then by network. */
static int by_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    char *fx = pn_fold(x->commune ? x->commune : ""), *fy = pn_fold(y->commune ? y->commune : "");
    int c = fx && fy ? strcmp(fx, fy) : 0;
    free(fx);
    free(fy);
    return c ? c : strcmp(x->side, y->side);
}

/* --remind: the reminders' file to @out (NULL: relance.csv), then each reminder recorded. */
static pn_status write_reminders(pn_cli *cli, const status *x, const char *out, pn_error *err)
{
    char at[32];
    if (out == NULL)
        out = "relance.csv";
    pn_status st = pn_file_write_whole(out, x->out.buf, x->out.len, err);
    if (st != PN_OK)
        return st;
    now_text(at, sizeof at);
    if ((st = pn_store_begin(cli->store, err)) != PN_OK)
        return st;
    for (size_t i = 0; i < x->nr && st == PN_OK; i++)
        st = pn_store_send_put(cli->store, x->r_form[i], x->r_side[i], x->r_ident[i], "relance", at,
                               x->r_link[i], err);
    if (st == PN_OK)
        st = pn_store_commit(cli->store, err);
    else
        pn_store_rollback(cli->store);
    if (st == PN_OK)
        fprintf(x->csv ? stderr : stdout,
                "wrote '%s': %zu structures of the registry without an answer; recorded as "
                "reminded on %.10s\n",
                out, x->nr, at);
    return st;
}

pn_status cmd_status(pn_cli *cli, pn_error *err)
{
    const char *by = NULL, *fmt = NULL, *out = NULL;
    status x = {.index = PN_STRINDEX_INIT, .out = PN_STRBUF_INIT};
    pn_strbuf csv = PN_STRBUF_INIT;
    pn_opts o;
    pn_status st;
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--by", &by) || pn_opts_value(&o, "--format", &fmt) ||
            pn_opts_value(&o, "-o", &out))
            continue;
        if (strcmp(o.arg, "--remind") == 0) {
            x.remind = 1;
            continue;
        }
        return pn_opts_fail(&o, err);
    }
    if (o.error)
        return pn_opts_fail(&o, err);
    if (by != NULL && strcmp(by, "commune") != 0 && strcmp(by, "reseau") != 0)
        return pn_error_set(err, PN_EUSAGE, "--by: expected 'commune' or 'reseau', found '%s'", by);
    if (out != NULL && !x.remind)
        return pn_error_set(err, PN_EUSAGE, "-o names the reminders' file: give --remind too");
    x.by_network = by != NULL && strcmp(by, "reseau") == 0;
    if ((st = cli_parse_format(fmt, &x.csv, err)) != PN_OK)
        return st;
    if (x.remind && pn_strbuf_puts(&x.out, "\xEF\xBB\xBF"
                                           "r\xc3\xa9seau;identifiant;nom;commune;courriel;lien;"
                                           "relance\r\n") != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if ((st = pn_store_begin_read(cli->store, err)) == PN_OK) {
        st = pn_store_each_structure(cli->store, status_one, &x, err);
        pn_store_end_read(cli->store);
    }
    if (st == PN_OK && x.n == 0)
        st = pn_error_set(err, PN_EUSAGE,
                          "the registry of '%s' is empty: run 'panorama structures import' first",
                          cli->db_path);
    if (st != PN_OK)
        goto out;
    qsort(x.g, x.n, sizeof *x.g, by_group);
    /* the totals by network, after the groups */
    group tot[2] = {{NULL, (char *)"centre", 0, 0, 0, 0, ""},
                    {NULL, (char *)"ecole", 0, 0, 0, 0, ""}};
    for (size_t i = 0; i < x.n; i++) {
        group *t = &tot[strcmp(x.g[i].side, "centre") == 0 ? 0 : 1];
        t->listed += x.g[i].listed;
        t->sent += x.g[i].sent;
        t->answered += x.g[i].answered;
        t->reminded += x.g[i].reminded;
        if (strcmp(x.g[i].last, t->last) > 0)
            snprintf(t->last, sizeof t->last, "%s", x.g[i].last);
    }
    if (x.csv)
        st = pn_strbuf_puts(
            &csv, x.by_network ? "\xEF\xBB\xBFr\xc3\xa9seau;au r\xc3\xa9pertoire;"
                                 "envoy\xc3\xa9s;r\xc3\xa9ponses;taux (%);IC 95 % bas;"
                                 "IC 95 % haut;relanc\xc3\xa9s;derni\xc3\xa8re r\xc3\xa9ponse\r\n"
                               : "\xEF\xBB\xBF"
                                 "commune;r\xc3\xa9seau;au r\xc3\xa9pertoire;"
                                 "envoy\xc3\xa9s;r\xc3\xa9ponses;taux (%);IC 95 % bas;"
                                 "IC 95 % haut;relanc\xc3\xa9s;derni\xc3\xa8re r\xc3\xa9ponse\r\n");
    else
        printf("%s%-8s %8s %6s %8s %9s  %-15s %8s  %s\n",
               x.by_network ? "" : "commune                  ", "network", "registry", "sent",
               "answered", "rate", "95 % interval", "reminded", "last answer");
    if (!x.by_network)
        for (size_t i = 0; i < x.n; i++)
            print_group(&x, &x.g[i], &csv);
    if (!x.csv && !x.by_network)
        printf("\n");
    for (int k = 0; k < 2; k++)
        if (tot[k].listed > 0) {
            if (x.csv && !x.by_network)
                tot[k].commune = (char *)"ensemble";
            print_group(&x, &tot[k], &csv);
        }
    if (x.csv)
        fwrite(csv.buf, 1, csv.len, stdout);
    if (x.remind)
        st = write_reminders(cli, &x, out, err);
out:
    for (size_t i = 0; i < x.n; i++) {
        free(x.g[i].side);
        free(x.g[i].commune);
        free(x.keys[i]);
    }
    free(x.g);
    free(x.keys);
    pn_strindex_release(&x.index);
    for (size_t i = 0; i < x.nr; i++) {
        free(x.r_side[i]);
        free(x.r_ident[i]);
        free(x.r_link[i]);
        free(x.r_form[i]);
    }
    free(x.r_form);
    free(x.r_side);
    free(x.r_ident);
    free(x.r_link);
    pn_strbuf_release(&x.out);
    pn_strbuf_release(&csv);
    return st;
}
