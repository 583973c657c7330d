/*
 * carto.c - the map's model and its GeoJSON and uMap files (carto.h); the page is
 * carto_html.c's.
 */
#include "output/carto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/carto_internal.h"
#include "util/file.h"

/* The classes' colours, in the order of the form's list of classes (ColorBrewer's Paired and
 * Set1, dark enough on a light map), then again. */
static const char *const palette[] = {"#757575", "#1f78b4", "#33a02c", "#ff7f00",
                                      "#e31a1c", "#6a3d9a", "#b15928", "#00897b"};
#define NO_CLASS_COLOUR "#424242"

const char *carto_class_colour(int klass)
{
    return klass < 0 ? NO_CLASS_COLOUR
                     : palette[(size_t)klass % (sizeof palette / sizeof *palette)];
}

const char *const carto_side_colour[2] = {"#8e24aa", "#00838f"};
const char *const carto_side_icon[2] = {"Drop", "Circle"};
const char *const carto_side_code[2] = {"centre", "ecole"};
const char *const carto_side_word[2] = {"Centre social", "\xc3\x89"
                                                         "cole"};

/* ---- the model ------------------------------------------------------------------------ */

pn_carto *pn_carto_create(const char *title, const char *class_title)
{
    pn_carto *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->place_index = (pn_strindex)PN_STRINDEX_INIT;
    c->link_index = (pn_strindex)PN_STRINDEX_INIT;
    if ((c->title = pn_strdup(title)) == NULL ||
        (c->class_title = pn_strdup(class_title)) == NULL) {
        pn_carto_destroy(c);
        return NULL;
    }
    return c;
}

void pn_carto_destroy(pn_carto *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nplaces; i++) {
        pn_carto_place *p = &c->places[i];
        free(p->ident), free(p->name), free(p->kind), free(p->commune), free(p->commune_name);
        free(p->rep);
    }
    for (size_t i = 0; i < c->nlinks; i++)
        free(c->links[i].view[0]), free(c->links[i].view[1]);
    for (size_t i = 0; i < c->nclasses; i++)
        free(c->classes[i].name), free(c->classes[i].label);
    free(c->places);
    free(c->links);
    free(c->classes);
    pn_strindex_release(&c->place_index);
    pn_strindex_release(&c->link_index);
    for (size_t i = 0; i < c->nkey_blocks; i++)
        free(c->key_blocks[i]);
    free(c->key_blocks);
    free(c->title);
    free(c->class_title);
    free(c);
}

pn_status pn_carto_add_class(pn_carto *c, const char *name, const char *label)
{
    pn_carto_class *k = realloc(c->classes, (c->nclasses + 1) * sizeof *k);
    if (k == NULL)
        return PN_ENOMEM;
    c->classes = k;
    k += c->nclasses;
    k->name = pn_strdup(name);
    k->label = pn_strdup(label && *label ? label : name);
    if (k->name == NULL || k->label == NULL) {
        free(k->name), free(k->label);
        return PN_ENOMEM;
    }
    c->nclasses++;
    return PN_OK;
}

int pn_carto_class_index(const pn_carto *c, const char *name)
{
    for (size_t i = 0; i < c->nclasses; i++)
        if (strcmp(c->classes[i].name, name) == 0)
            return (int)i;
    return -1;
}

#define KEY_BLOCK 65536

/* A copy of the @n bytes of @key that stays where it is while @c lives (the indexes lend
 * their keys); NULL when out of memory. */
static const char *keep_key(pn_carto *c, const char *key, size_t n)
{
    if (n > KEY_BLOCK)
        return NULL;
    if (c->nkey_blocks == 0 || c->key_used + n > KEY_BLOCK) {
        char **b = realloc(c->key_blocks, (c->nkey_blocks + 1) * sizeof *b);
        if (b == NULL)
            return NULL;
        c->key_blocks = b;
        if ((b[c->nkey_blocks] = malloc(KEY_BLOCK)) == NULL)
            return NULL;
        c->nkey_blocks++;
        c->key_used = 0;
    }
    char *at = c->key_blocks[c->nkey_blocks - 1] + c->key_used;
    memcpy(at, key, n);
    c->key_used += n;
    return at;
}

/* The index key of a structure: its side's digit and its identifier. */
static int place_key(char *buf, size_t size, int side, const char *ident)
{
    return snprintf(buf, size, "%d%s", side, ident);
}

long pn_carto_find_place(const pn_carto *c, int side, const char *ident)
{
    char key[128];
    int n = place_key(key, sizeof key, side, ident);
    size_t at;
    if (n < 0 || (size_t)n >= sizeof key || !pn_strindex_get(&c->place_index, key, (size_t)n, &at))
        return -1;
    return (long)at;
}

static char *copy(const char *s)
{
    return pn_strdup(s ? s : "");
}

pn_status pn_carto_add_place(pn_carto *c, const pn_carto_place *p, size_t *index, pn_error *err)
{
    long at = pn_carto_find_place(c, p->side, p->ident);
    if (at >= 0) {
        if (index)
            *index = (size_t)at;
        return PN_OK;
    }
    if (c->nplaces == c->places_cap) {
        size_t n = c->places_cap ? 2 * c->places_cap : 64;
        pn_carto_place *np = realloc(c->places, n * sizeof *np);
        if (np == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        c->places = np, c->places_cap = n;
    }
    pn_carto_place *q = &c->places[c->nplaces];
    *q = *p;
    q->links = 0;
    q->ident = copy(p->ident), q->name = copy(p->name), q->kind = copy(p->kind);
    q->commune = copy(p->commune), q->commune_name = copy(p->commune_name);
    q->rep = copy(p->rep ? p->rep : "");
    char key[128];
    int n = place_key(key, sizeof key, p->side, p->ident);
    const char *kept = n > 0 && (size_t)n < sizeof key ? keep_key(c, key, (size_t)n) : NULL;
    if (!q->ident || !q->name || !q->kind || !q->commune || !q->commune_name || !q->rep ||
        kept == NULL || pn_strindex_put(&c->place_index, kept, (size_t)n, c->nplaces) != PN_OK) {
        free(q->ident), free(q->name), free(q->kind), free(q->commune), free(q->commune_name);
        free(q->rep);
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    if (index)
        *index = c->nplaces;
    c->nplaces++;
    return PN_OK;
}

pn_status pn_carto_add_view(pn_carto *c, size_t centre, size_t school, int side, int klass,
                            const char *view, pn_error *err)
{
    char key[64];
    int n = snprintf(key, sizeof key, "%zu,%zu", centre, school);
    size_t at;
    if (!pn_strindex_get(&c->link_index, key, (size_t)n, &at)) {
        if (c->nlinks == c->links_cap) {
            size_t cap = c->links_cap ? 2 * c->links_cap : 64;
            pn_carto_link *nl = realloc(c->links, cap * sizeof *nl);
            if (nl == NULL)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            c->links = nl, c->links_cap = cap;
        }
        const char *kept = keep_key(c, key, (size_t)n);
        if (kept == NULL || pn_strindex_put(&c->link_index, kept, (size_t)n, c->nlinks) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        at = c->nlinks++;
        c->links[at] = (pn_carto_link){{centre, school}, {0, 0}, {-1, -1}, {NULL, NULL}};
        c->places[centre].links++;
        c->places[school].links++;
    }
    pn_carto_link *l = &c->links[at];
    if (l->seen[side]++ == 0) {
        l->klass[side] = klass;
        if ((l->view[side] = copy(view)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    return PN_OK;
}

int pn_carto_format_of(const char *path, pn_carto_format *out)
{
    const char *dot = strrchr(path, '.');
    if (dot == NULL || strchr(dot, '/') != NULL)
        return 0;
    if (strcasecmp(dot, ".geojson") == 0 || strcasecmp(dot, ".json") == 0)
        *out = PN_CARTO_GEOJSON;
    else if (strcasecmp(dot, ".umap") == 0)
        *out = PN_CARTO_UMAP;
    else if (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0)
        *out = PN_CARTO_HTML;
    else
        return 0;
    return 1;
}

static int placed(const pn_carto_place *p)
{
    return !isnan(p->lat) && !isnan(p->lon);
}

int carto_link_drawn(const pn_carto *c, const pn_carto_link *l)
{
    return placed(&c->places[l->place[0]]) && placed(&c->places[l->place[1]]);
}

/* The class a link is drawn in: the centre's view's, else the school's. */
int carto_link_class(const pn_carto_link *l)
{
    return l->seen[0] ? l->klass[0] : l->klass[1];
}

void pn_carto_count(const pn_carto *c, pn_carto_counts *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < c->nplaces; i++) {
        if (placed(&c->places[i]))
            out->placed++;
        else
            out->unplaced++;
    }
    for (size_t i = 0; i < c->nlinks; i++) {
        const pn_carto_link *l = &c->links[i];
        if (!carto_link_drawn(c, l)) {
            out->undrawn++;
            continue;
        }
        out->drawn++;
        out->pairs += l->seen[0] && l->seen[1];
    }
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* @s as a JSON string; '<', '>' and '&' escaped too, so that the text can sit inside an
 * HTML <script> as it is. */
pn_status carto_json_str(pn_strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    pn_status st = pn_strbuf_append(sb, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && st == PN_OK; p++) {
        size_t run = 0; /* the bytes that go as they are, at once */
        while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\' && p[run] != '<' &&
               p[run] != '>' && p[run] != '&')
            run++;
        if (run) {
            st = pn_strbuf_append(sb, (const char *)p, run);
            p += run - 1;
            continue;
        }
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            st = pn_strbuf_append(sb, e, 2);
        } else if (*p == '\n') {
            st = pn_strbuf_append(sb, "\\n", 2);
        } else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
            char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            st = pn_strbuf_append(sb, e, 6);
        } else {
            st = pn_strbuf_append(sb, (const char *)p, 1);
        }
    }
    return st == PN_OK ? pn_strbuf_append(sb, "\"", 1) : st;
}

/* "name": "value" (a comma before unless @first). */
static pn_status member(pn_strbuf *sb, const char *name, const char *value, int first)
{
    pn_status st = pn_strbuf_puts(sb, first ? "\"" : ", \"");
    if (st == PN_OK && (st = pn_strbuf_puts(sb, name)) == PN_OK)
        st = pn_strbuf_append(sb, "\": ", 3);
    return st == PN_OK ? carto_json_str(sb, value) : st;
}

/* ---- the descriptions (uMap's popup text: **bold**, a line each) ----------------------- */

static pn_status place_text(const pn_carto_place *p, pn_strbuf *sb)
{
    pn_status st = pn_strbuf_printf(sb, "**%s**\n%s %s%s%s\n", p->name, carto_side_word[p->side],
                                    p->ident, *p->kind ? " \xc2\xb7 " : "", p->kind);
    if (st == PN_OK && (*p->commune_name || *p->commune))
        st = pn_strbuf_printf(sb, "Commune\xc2\xa0: %s\n",
                              *p->commune_name ? p->commune_name : p->commune);
    if (st == PN_OK)
        st = pn_strbuf_printf(sb,
                              "A r\xc3\xa9pondu \xc3\xa0 l'enqu\xc3\xaa"
                              "te\xc2\xa0: %s\nLiens d\xc3\xa9"
                              "clar\xc3\xa9s\xc2\xa0: %zu",
                              p->responded ? "oui" : "non", p->links);
    if (st == PN_OK && !p->listed)
        st = pn_strbuf_puts(sb, "\nAbsente du r\xc3\xa9pertoire (nomm\xc3\xa9"
                                "e par une r\xc3\xa9ponse)");
    return st;
}

static const char *const by_side[2] = {"Selon le centre social", "Selon l'\xc3\xa9"
                                                                 "cole"};

pn_status carto_link_text(const pn_carto *c, const pn_carto_link *l, pn_strbuf *sb)
{
    const pn_carto_place *a = &c->places[l->place[0]], *b = &c->places[l->place[1]];
    const char *ta = *a->commune_name ? a->commune_name : a->commune;
    const char *tb = *b->commune_name ? b->commune_name : b->commune;
    pn_status st =
        pn_strbuf_printf(sb, "**%s \xe2\x80\x93 %s**\n%s%s%s\n", a->name, b->name, ta,
                         strcmp(ta, tb) ? " \xe2\x80\x93 " : "", strcmp(ta, tb) ? tb : "");
    if (st == PN_OK)
        st = pn_strbuf_puts(sb, l->seen[0] && l->seen[1] ? "Lien d\xc3\xa9"
                                                           "clar\xc3\xa9 par les deux structures"
                                : l->seen[0]             ? "Lien d\xc3\xa9"
                                                           "clar\xc3\xa9 par le centre social seulement"
                                                         : "Lien d\xc3\xa9"
                                                           "clar\xc3\xa9 par l'\xc3\xa9"
                                                           "cole seulement");
    for (int s = 0; s < 2 && st == PN_OK; s++) {
        if (!l->seen[s])
            continue;
        const char *k = l->klass[s] >= 0 ? c->classes[l->klass[s]].label : "non class\xc3\xa9";
        st = pn_strbuf_printf(sb, "\n\n**%s\xc2\xa0:** %s%s%s", by_side[s], k,
                              *l->view[s] ? "\n" : "", l->view[s]);
        if (st == PN_OK && l->seen[s] > 1)
            st = pn_strbuf_printf(sb,
                                  "\n(d\xc3\xa9"
                                  "clar\xc3\xa9 %d fois\xc2\xa0: la premi\xc3\xa8re "
                                  "d\xc3\xa9"
                                  "claration est montr\xc3\xa9"
                                  "e)",
                                  l->seen[s]);
    }
    return st;
}

/* ---- features ------------------------------------------------------------------------- */

static pn_status point(const pn_carto_place *p, pn_strbuf *sb, pn_strbuf *text)
{
    pn_strbuf_reset(text);
    pn_status st = place_text(p, text);
    if (st == PN_OK)
        st = pn_strbuf_printf(sb,
                              "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
                              "\"coordinates\": [%.6f, %.6f]}, \"properties\": {",
                              p->lon, p->lat);
    if (st == PN_OK && (st = member(sb, "name", p->name, 1)) == PN_OK &&
        (st = member(sb, "description", pn_strbuf_str(text), 0)) == PN_OK &&
        (st = member(sb, "reseau", carto_side_code[p->side], 0)) == PN_OK &&
        (st = member(sb, "identifiant", p->ident, 0)) == PN_OK &&
        (st = member(sb, "type", p->kind, 0)) == PN_OK &&
        (st = member(sb, "commune", p->commune, 0)) == PN_OK &&
        (st = member(sb, "nom_commune", p->commune_name, 0)) == PN_OK &&
        (st = member(sb, "repondu", p->responded ? "oui" : "non", 0)) == PN_OK &&
        (st = member(sb, "au_repertoire", p->listed ? "oui" : "non", 0)) == PN_OK &&
        (st = member(sb, "couleur", carto_side_colour[p->side], 0)) == PN_OK)
        st = pn_strbuf_printf(sb,
                              ", \"liens\": %zu, \"_umap_options\": {\"color\": \"%s\", "
                              "\"iconClass\": \"%s\"}}}",
                              p->links, carto_side_colour[p->side], carto_side_icon[p->side]);
    return st;
}

static pn_status line(const pn_carto *c, const pn_carto_link *l, pn_strbuf *sb, pn_strbuf *text)
{
    const pn_carto_place *a = &c->places[l->place[0]], *b = &c->places[l->place[1]];
    int k = carto_link_class(l), both = l->seen[0] && l->seen[1];
    pn_strbuf_reset(text);
    pn_status st = carto_link_text(c, l, text);
    if (st == PN_OK)
        st = pn_strbuf_printf(sb,
                              "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", "
                              "\"coordinates\": [[%.6f, %.6f], [%.6f, %.6f]]}, \"properties\": {",
                              a->lon, a->lat, b->lon, b->lat);
    pn_strbuf name = PN_STRBUF_INIT;
    if (st == PN_OK)
        st = pn_strbuf_printf(&name, "%s \xe2\x80\x93 %s", a->name, b->name);
    const char *kn = k >= 0 ? c->classes[k].name : "", *kl = k >= 0 ? c->classes[k].label : "";
    if (st == PN_OK && (st = member(sb, "name", pn_strbuf_str(&name), 1)) == PN_OK &&
        (st = member(sb, "description", pn_strbuf_str(text), 0)) == PN_OK &&
        (st = member(sb, "classe", kn, 0)) == PN_OK &&
        (st = member(sb, "classe_libelle", kl, 0)) == PN_OK &&
        (st = member(sb, "classe_centre",
                     l->seen[0] && l->klass[0] >= 0 ? c->classes[l->klass[0]].name : "", 0)) ==
            PN_OK &&
        (st = member(sb, "classe_ecole",
                     l->seen[1] && l->klass[1] >= 0 ? c->classes[l->klass[1]].name : "", 0)) ==
            PN_OK &&
        (st = member(sb, "vues",
                     both         ? "deux"
                     : l->seen[0] ? "centre"
                                  : "ecole",
                     0)) == PN_OK &&
        (st = member(sb, "centre", a->ident, 0)) == PN_OK &&
        (st = member(sb, "ecole", b->ident, 0)) == PN_OK &&
        (st = member(sb, "commune", a->commune, 0)) == PN_OK &&
        (st = member(sb, "commune_ecole", b->commune, 0)) == PN_OK &&
        (st = member(sb, "couleur", carto_class_colour(k), 0)) == PN_OK)
        st = pn_strbuf_printf(sb, ", \"_umap_options\": {\"color\": \"%s\", \"weight\": %d%s}}}",
                              carto_class_colour(k), both ? 6 : 3,
                              both ? "" : ", \"dashArray\": \"8,6\"");
    pn_strbuf_release(&name);
    return st;
}

/* The features of layer @layer: -2 every structure placed, -1 every link drawn, else the
 * links drawn in class @layer (or without a class when @layer is c->nclasses). *@n: how many. */
/* The text of @sb to @spill (when not NULL) once it is long enough. */
static pn_status spill_out(pn_strbuf *sb, pn_file_out *spill)
{
    if (spill == NULL || sb->len < CARTO_SPILL)
        return PN_OK;
    pn_status st = pn_file_put(spill, sb->buf, sb->len);
    pn_strbuf_reset(sb);
    return st;
}

/* How many links of layer @layer are drawn (carto_features' @layer, -2 aside). */
static size_t layer_links(const pn_carto *c, long layer)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nlinks; i++) {
        const pn_carto_link *l = &c->links[i];
        int k = carto_link_class(l);
        n +=
            carto_link_drawn(c, l) && (layer < 0 || (k < 0 ? (long)c->nclasses : (long)k) == layer);
    }
    return n;
}

pn_status carto_features(const pn_carto *c, long layer, pn_strbuf *sb, pn_file_out *spill,
                         size_t *n)
{
    pn_strbuf text = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    *n = 0;
    if (layer == -2)
        for (size_t i = 0; i < c->nplaces && st == PN_OK; i++) {
            if (!placed(&c->places[i]))
                continue;
            if ((*n)++ && (st = pn_strbuf_puts(sb, ",\n")) != PN_OK)
                break;
            if ((st = point(&c->places[i], sb, &text)) == PN_OK)
                st = spill_out(sb, spill);
        }
    for (size_t i = 0; layer != -2 && i < c->nlinks && st == PN_OK; i++) {
        const pn_carto_link *l = &c->links[i];
        int k = carto_link_class(l);
        if (!carto_link_drawn(c, l) ||
            (layer >= 0 && (k < 0 ? (long)c->nclasses : (long)k) != layer))
            continue;
        if ((*n)++ && (st = pn_strbuf_puts(sb, ",\n")) != PN_OK)
            break;
        if ((st = line(c, l, sb, &text)) == PN_OK)
            st = spill_out(sb, spill);
    }
    pn_strbuf_release(&text);
    return st;
}

/* ---- the files ------------------------------------------------------------------------ */

pn_status carto_all_features(const pn_carto *c, pn_strbuf *sb, pn_file_out *spill)
{
    size_t places, links;
    pn_status st = carto_features(c, -2, sb, spill, &places);
    if (st == PN_OK && places && layer_links(c, -1) > 0) /* a comma between, none after */
        st = pn_strbuf_puts(sb, ",\n");
    if (st == PN_OK)
        st = carto_features(c, -1, sb, spill, &links);
    return st;
}

static pn_status geojson(const pn_carto *c, pn_strbuf *sb, pn_file_out *spill)
{
    pn_status st = pn_strbuf_puts(sb, "{\"type\": \"FeatureCollection\", \"name\": ");
    if (st == PN_OK)
        st = carto_json_str(sb, c->title);
    if (st == PN_OK)
        st = pn_strbuf_puts(sb, ", \"features\": [\n");
    if (st == PN_OK)
        st = carto_all_features(c, sb, spill);
    return st == PN_OK ? pn_strbuf_puts(sb, "\n]}\n") : st;
}

/* The map's centre and a zoom that shows every placed structure on a screen. */
void carto_view(const pn_carto *c, double *lat, double *lon, int *zoom)
{
    double lo[2] = {90, 180}, hi[2] = {-90, -180};
    for (size_t i = 0; i < c->nplaces; i++) {
        const pn_carto_place *p = &c->places[i];
        if (!placed(p))
            continue;
        lo[0] = fmin(lo[0], p->lat), hi[0] = fmax(hi[0], p->lat);
        lo[1] = fmin(lo[1], p->lon), hi[1] = fmax(hi[1], p->lon);
    }
    if (lo[0] > hi[0]) { /* nothing placed: metropolitan France */
        *lat = 46.6, *lon = 2.4, *zoom = 6;
        return;
    }
    *lat = (lo[0] + hi[0]) / 2, *lon = (lo[1] + hi[1]) / 2;
    double span = fmax(hi[0] - lo[0], (hi[1] - lo[1]) * cos(*lat * 3.14159265358979323846 / 180));
    /* a screen of about 1,400 pixels shows 360 degrees x 1400 / (256 x 2^zoom) */
    int z = span > 0 ? (int)floor(log2(1400.0 / span)) : 15;
    *zoom = z < 3 ? 3 : z > 16 ? 16 : z;
}

static pn_status umap(const pn_carto *c, pn_strbuf *sb, pn_file_out *spill)
{
    double lat, lon;
    int zoom;
    size_t n;
    carto_view(c, &lat, &lon, &zoom);
    pn_status st = pn_strbuf_puts(sb, "{\"type\": \"umap\", \"properties\": {");
    if (st == PN_OK && (st = member(sb, "name", c->title, 1)) == PN_OK)
        st = member(sb, "description",
                    "Les structures (centres sociaux et \xc3\xa9"
                    "coles) et leurs liens, un calque par type de lien. Trait plein et large\xc2"
                    "\xa0: lien d\xc3\xa9"
                    "clar\xc3\xa9 par les deux structures\xc2\xa0; tirets\xc2\xa0: par une "
                    "seule.",
                    0);
    if (st == PN_OK)
        st = pn_strbuf_printf(sb,
                              ", \"zoom\": %d, \"miniMap\": false, \"displayPopupFooter\": "
                              "false, \"captionBar\": true, \"onLoadPanel\": \"caption\"}, "
                              "\"geometry\": {\"type\": \"Point\", \"coordinates\": [%.6f, "
                              "%.6f]}, \"layers\": [\n{\"type\": \"FeatureCollection\", "
                              "\"features\": [\n",
                              zoom, lon, lat);
    if (st == PN_OK)
        st = carto_features(c, -2, sb, spill, &n);
    if (st == PN_OK)
        st = pn_strbuf_printf(sb,
                              "], \"_umap_options\": {\"name\": \"Structures\", \"color\": "
                              "\"%s\", \"displayOnLoad\": true, \"description\": \"Centres "
                              "sociaux (gouttes) et \\u00e9coles (cercles)\"}}",
                              carto_side_colour[0]);
    for (size_t k = 0; k <= c->nclasses && st == PN_OK; k++) {
        if (layer_links(c, (long)k) == 0) /* a class without a link drawn: no layer */
            continue;
        if ((st = pn_strbuf_puts(sb, ",\n{\"type\": \"FeatureCollection\", \"features\": [\n")) !=
                PN_OK ||
            (st = carto_features(c, (long)k, sb, spill, &n)) != PN_OK)
            break;
        const char *label = k < c->nclasses ? c->classes[k].label : "Non class\xc3\xa9";
        st = pn_strbuf_puts(sb, "], \"_umap_options\": {");
        if (st == PN_OK)
            st = member(sb, "name", label, 1);
        if (st == PN_OK)
            st = pn_strbuf_printf(sb,
                                  ", \"color\": \"%s\", \"weight\": 3, \"displayOnLoad\": "
                                  "true}}",
                                  carto_class_colour(k < c->nclasses ? (int)k : -1));
    }
    return st == PN_OK ? pn_strbuf_puts(sb, "\n]}\n") : st;
}

/* The file of @format into @out, its text going on to @spill as it is made (NULL: all of it
 * kept in @out); @spill's failure is its own (PN_EIO), said by its commit. */
static pn_status render(const pn_carto *c, pn_carto_format format, const char *leaflet_dir,
                        pn_strbuf *out, pn_file_out *spill, pn_error *err)
{
    pn_status st;
    switch (format) {
    case PN_CARTO_GEOJSON:
        st = geojson(c, out, spill);
        break;
    case PN_CARTO_UMAP:
        st = umap(c, out, spill);
        break;
    default:
        return carto_html(c, leaflet_dir, out, err);
    }
    return st == PN_OK || st == PN_EIO ? st : pn_error_set(err, st, "out of memory");
}

pn_status pn_carto_render(const pn_carto *c, pn_carto_format format, const char *leaflet_dir,
                          pn_strbuf *out, pn_error *err)
{
    return render(c, format, leaflet_dir, out, NULL, err);
}

pn_status pn_carto_write(const pn_carto *c, pn_carto_format format, const char *path,
                         const char *leaflet_dir, pn_error *err)
{
    pn_strbuf sb = PN_STRBUF_INIT;
    pn_file_out f;
    pn_status st = pn_file_begin(&f, path, err);
    if (st != PN_OK)
        return st;
    st = render(c, format, leaflet_dir, &sb, &f, err);
    if (st == PN_OK || st == PN_EIO) { /* the rest; a write's failure said by the commit */
        pn_status put = pn_file_put(&f, sb.buf ? sb.buf : "", sb.len);
        (void)put;
        st = pn_file_commit(&f, err);
    } else {
        pn_file_abandon(&f);
    }
    pn_strbuf_release(&sb);
    return st;
}
