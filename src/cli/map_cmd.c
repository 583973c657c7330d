/*
 * map_cmd.c - `panorama map`: the structures and their links as a uMap file, a GeoJSON file
 * and a page (output/carto.h), every file from one read of the store; and the structures'
 * fields the --where of `structures` and `map` name.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "form/expr.h"
#include "report/report.h"
#include "util/file.h"

#ifndef PN_LEAFLET_DIR
#define PN_LEAFLET_DIR "/usr/share/javascript/leaflet"
#endif

const char *cli_structure_field(const pn_structure_row *r, const char *name)
{
    const struct {
        const char *name, *value;
    } f[] = {
        {"reseau", r->e.side},
        {"identifiant", r->e.ident},
        {"nom", r->e.name},
        {"type", r->e.kind},
        {"commune", r->e.commune},
        {"nom_commune", r->e.commune_name},
        {"rep", r->e.rep},
        {"courriel", r->e.email},
        {"repondu", r->responded ? "oui" : "non"},
        {"au_repertoire", r->listed ? "oui" : "non"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strcmp(name, f[i].name) == 0)
            return f[i].value;
    return NULL;
}

typedef struct filter {
    pn_expr *where;
    const pn_structure_row *row;
} filter;

static const char *field(void *ctx, const char *name)
{
    const filter *f = ctx;
    return cli_structure_field(f->row, name);
}

static int keep(void *ctx, const pn_structure_row *r, pn_error *err)
{
    filter *f = ctx;
    f->row = r;
    pn_expr_env env = {field, f, NULL, NULL, 1};
    int yes = 0;
    if (pn_expr_eval_bool(f->where, &env, &yes, err) != PN_OK) {
        pn_error_prefix(err, "--where");
        return -1;
    }
    return yes;
}

/* Whether @path names a folder: it ends with '/' or is one. */
static int is_folder(const char *path)
{
    struct stat sb;
    size_t n = strlen(path);
    return (n && path[n - 1] == '/') || (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

/* Each town's network into @dir: reseau-CODE.png and reseau-CODE.svg, for the towns of the
 * registry's structures. */
static pn_status draw_towns(const pn_carto *c, const char *dir, pn_error *err)
{
    pn_status st = PN_OK;
    size_t towns = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return pn_error_set(err, PN_EIO, "cannot make the folder '%s': %s", dir, strerror(errno));
    pn_carto_drawer *d = pn_carto_drawer_create();
    if (d == NULL)
        return pn_error_set(err, PN_ENOMEM, "cannot start Graphviz");
    for (size_t i = 0; i < c->nplaces && st == PN_OK; i++) {
        const pn_carto_place *p = &c->places[i];
        int first = p->listed && *p->commune;
        for (size_t k = 0; k < i && first; k++)
            first = !(c->places[k].listed && strcmp(c->places[k].commune, p->commune) == 0);
        if (!first)
            continue;
        static const char *const formats[] = {"png", "svg"};
        for (size_t f = 0; f < 2 && st == PN_OK; f++) {
            char *data = NULL, path[4200];
            size_t len = 0;
            snprintf(path, sizeof path, "%s%sreseau-%s.%s", dir,
                     dir[strlen(dir) - 1] == '/' ? "" : "/", p->commune, formats[f]);
            st = pn_carto_draw(d, c, p->commune, formats[f], 1, &data, &len, NULL, err);
            if (st == PN_OK)
                st = pn_file_write_whole(path, data, len, err);
            free(data);
        }
        towns++;
    }
    pn_carto_drawer_destroy(d);
    if (st == PN_OK)
        printf("wrote the network of each of %zu towns into '%s' (reseau-CODE.png and .svg)\n",
               towns, dir);
    return st;
}

static const char *format_word(pn_carto_format f)
{
    return f == PN_CARTO_UMAP ? "uMap" : f == PN_CARTO_GEOJSON ? "GeoJSON" : "page";
}

/* What the map shows, then each structure it cannot place. */
static void print_counts(const pn_carto *c)
{
    pn_carto_counts n;
    pn_carto_count(c, &n);
    printf("%zu structures placed, %zu without coordinates; %zu links drawn (%zu reported by "
           "both sides), %zu not drawn (an end without coordinates)\n",
           n.placed, n.unplaced, n.drawn, n.pairs, n.undrawn);
    if (n.unplaced == 0)
        return;
    printf("not placed: the registry gives no coordinates for\n");
    for (size_t i = 0; i < c->nplaces; i++) {
        const pn_carto_place *p = &c->places[i];
        if (!isnan(p->lat) && !isnan(p->lon))
            continue;
        printf("  %-6s %-14s %s (%s)%s\n", p->side == PN_CARTO_CENTRE ? "centre" : "ecole",
               p->ident, p->name, *p->commune_name ? p->commune_name : p->commune,
               p->listed ? "" : ", not in the registry");
    }
}

pn_status cmd_map(pn_cli *cli, pn_error *err)
{
    const char *where = NULL, *out = NULL, **outs = calloc((size_t)cli->argc + 1, sizeof *outs);
    pn_carto_format *formats = calloc((size_t)cli->argc + 1, sizeof *formats);
    unsigned char *folder = calloc((size_t)cli->argc + 1, 1);
    size_t nout = 0;
    filter f = {0};
    pn_carto *c = NULL;
    pn_status st = PN_OK;
    pn_opts o;
    if (outs == NULL || formats == NULL || folder == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto done;
    }
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "-o", &out) || pn_opts_value(&o, "--output", &out)) {
            if (is_folder(out)) {
                folder[nout] = 1;
            } else if (!pn_carto_format_of(out, &formats[nout])) {
                st = pn_error_set(err, PN_EUSAGE,
                                  "map: '%s': the file's name must end in .umap (uMap), "
                                  ".geojson (QGIS) or .html (a page to open), or name a "
                                  "folder (ending with '/') for each town's network",
                                  out);
                goto done;
            }
            outs[nout++] = out;
        } else if (!pn_opts_value(&o, "--where", &where)) {
            st = pn_opts_fail(&o, err);
            goto done;
        }
    }
    if (o.error) {
        st = pn_opts_fail(&o, err);
        goto done;
    }
    if (nout == 0) {
        st = pn_error_set(err, PN_EUSAGE,
                          "usage: map needs -o FILE (.umap, .geojson or .html; several -o write "
                          "several files from the same data)");
        goto done;
    }
    if (where && (f.where = pn_expr_parse(where, err)) == NULL) {
        pn_error_prefix(err, "--where");
        st = err->status;
        goto done;
    }
    if ((st = pn_carto_build(cli->store, where ? keep : NULL, &f, &c, err)) != PN_OK)
        goto done;
    for (size_t i = 0; i < nout && st == PN_OK; i++) {
        if (folder[i]) {
            st = draw_towns(c, outs[i], err);
            continue;
        }
        st = pn_carto_write(c, formats[i], outs[i], PN_LEAFLET_DIR, err);
        if (st == PN_OK)
            printf("wrote '%s' (%s)\n", outs[i], format_word(formats[i]));
    }
    if (st == PN_OK)
        print_counts(c);
done:
    pn_carto_destroy(c);
    pn_expr_destroy(f.where);
    free(outs);
    free(formats);
    free(folder);
    return st;
}
