/*
 * network.c - the network of one town drawn with Graphviz (carto.h, pn_carto_draw): its
 * structures that have a link as nodes, centres sociaux as boxes and schools as ellipses in
 * their network's colour, the partners from another town in grey; the links as edges in
 * their class's colour, solid and wide when both sides reported them, dashed when one did.
 * Laid out by neato (a spring model, which suits a network without a direction) from a fixed
 * seed, so the same data give the same drawing; rendered in memory by Graphviz's Cairo
 * plugin (PNG) or its SVG writer. One Graphviz context serves every drawing of a run: Graphviz
 * 2.42's Pango plugin keeps a font name across contexts, and a second context reads it after
 * the first one freed it (AddressSanitizer's heap-use-after-free in textspan_size).
 *
 * May call: util, Graphviz's gvc and cgraph (this room owns <gvc.h> and <cgraph.h>).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gvc.h>

#include "output/carto_internal.h"

/* Whether place @p is in @commune (NULL: everywhere). */
static int in_town(const pn_carto_place *p, const char *commune)
{
    return commune == NULL || strcmp(p->commune, commune) == 0;
}

/* A name for a node's label: on two lines at the space nearest its middle, cut at a space
 * near 44 characters with an ellipsis. */
static void short_name(const char *name, char *out, size_t size)
{
    size_t n = strlen(name), cut = n;
    if (n > 44) {
        cut = 44;
        while (cut > 20 && name[cut] != ' ')
            cut--;
        while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
            cut--;
    }
    snprintf(out, size, "%.*s%s", (int)cut, name, cut < n ? "\xe2\x80\xa6" : "");
    size_t len = strlen(out), mid = len / 2, best = 0;
    for (size_t i = 1; len > 18 && i + 1 < len; i++)
        if (out[i] == ' ' &&
            (best == 0 || (i > mid ? i - mid : mid - i) < (best > mid ? best - mid : mid - best)))
            best = i;
    if (best)
        out[best] = '\n';
}

static Agnode_t *node(Agraph_t *g, const pn_carto *c, size_t i, const char *commune)
{
    const pn_carto_place *p = &c->places[i];
    char key[32], label[128];
    snprintf(key, sizeof key, "n%zu", i);
    Agnode_t *n = agnode(g, key, 0);
    if (n)
        return n;
    n = agnode(g, key, 1);
    short_name(p->name, label, sizeof label);
    int home = in_town(p, commune);
    agsafeset(n, "label", label, "");
    agsafeset(n, "shape", p->side == PN_CARTO_CENTRE ? "box" : "ellipse", "");
    agsafeset(n, "style", p->side == PN_CARTO_CENTRE ? "filled,rounded" : "filled", "");
    agsafeset(n, "fillcolor",
              home ? (p->side == PN_CARTO_CENTRE ? "#e1bee7" : "#b2ebf2") : "#eeeeee", "");
    agsafeset(n, "color", (char *)(home ? carto_side_colour[p->side] : "#9e9e9e"), "");
    agsafeset(n, "fontcolor", home ? "#212121" : "#616161", "");
    return n;
}

struct pn_carto_drawer {
    GVC_t *gvc;
};

pn_carto_drawer *pn_carto_drawer_create(void)
{
    pn_carto_drawer *d = calloc(1, sizeof *d);
    if (d && (d->gvc = gvContext()) == NULL) {
        free(d);
        d = NULL;
    }
    return d;
}

void pn_carto_drawer_destroy(pn_carto_drawer *d)
{
    if (d == NULL)
        return;
    gvFreeContext(d->gvc);
    free(d);
}

pn_status pn_carto_draw(pn_carto_drawer *d, const pn_carto *c, const char *commune,
                        const char *format, int classes, char **data, size_t *len, size_t *nodes,
                        pn_error *err)
{
    *data = NULL, *len = 0;
    GVC_t *gvc = d->gvc;
    Agraph_t *g = agopen((char *)"reseau", Agundirected, NULL);
    pn_status st = PN_OK;
    size_t nn = 0;
    if (g == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "cannot start Graphviz");
        goto out;
    }
    agattr(g, AGRAPH, "layout", "neato");
    agattr(g, AGRAPH, "overlap", "prism");
    agattr(g, AGRAPH, "sep", "+6");
    agattr(g, AGRAPH, "splines", "true");
    agattr(g, AGRAPH, "start", "1"); /* the seed: the same data, the same drawing */
    agattr(g, AGRAPH, "outputorder", "edgesfirst");
    agattr(g, AGRAPH, "size", "7,5");
    agattr(g, AGRAPH, "dpi", "110");
    agattr(g, AGRAPH, "pad", "0.2");
    agattr(g, AGRAPH, "bgcolor", "white");
    agattr(g, AGNODE, "fontname", "DejaVu Sans");
    agattr(g, AGNODE, "fontsize", "8");
    agattr(g, AGNODE, "margin", "0.06,0.03");
    agattr(g, AGNODE, "penwidth", "1.2");
    agattr(g, AGEDGE, "penwidth", "1.5");
    agattr(g, AGEDGE, "style", "solid");
    agattr(g, AGEDGE, "color", "black");
    for (size_t i = 0; i < c->nlinks; i++) {
        const pn_carto_link *l = &c->links[i];
        const pn_carto_place *a = &c->places[l->place[0]], *b = &c->places[l->place[1]];
        if (!in_town(a, commune) && !in_town(b, commune))
            continue;
        Agnode_t *na = node(g, c, l->place[0], commune), *nb = node(g, c, l->place[1], commune);
        Agedge_t *e = agedge(g, na, nb, NULL, 1);
        int both = l->seen[0] && l->seen[1];
        agxset(e, agattr(g, AGEDGE, "color", NULL),
               (char *)(classes ? carto_class_colour(carto_link_class(l)) : "#607d8b"));
        agxset(e, agattr(g, AGEDGE, "penwidth", NULL), both ? "3" : "1.5");
        agxset(e, agattr(g, AGEDGE, "style", NULL), both ? "solid" : "dashed");
    }
    nn = (size_t)agnnodes(g);
    if (nn == 0) { /* no link: a drawing that says so */
        Agnode_t *n = agnode(g, (char *)"vide", 1);
        agsafeset(n, "label",
                  "Aucun lien d\xc3\xa9"
                  "clar\xc3\xa9",
                  "");
        agsafeset(n, "shape", "plaintext", "");
    }
    if (gvLayoutJobs(gvc, g) != 0) {
        st = pn_error_set(err, PN_EINTERNAL, "Graphviz could not lay out the network");
        goto out;
    }
    char *buf = NULL;
    unsigned int n = 0;
    int r = gvRenderData(gvc, g, format, &buf, &n);
    if (r == 0 && buf && n) {
        if ((*data = malloc(n)) != NULL) {
            memcpy(*data, buf, n);
            *len = n;
        } else {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    } else {
        st = pn_error_set(err, PN_EINTERNAL,
                          "Graphviz could not draw the network as %s: is its plugin "
                          "installed (Debian's libgvc6)?",
                          format);
    }
    if (buf)
        gvFreeRenderData(buf);
    gvFreeLayout(gvc, g);
out:
    if (g)
        agclose(g);
    if (nodes)
        *nodes = nn;
    return st;
}
