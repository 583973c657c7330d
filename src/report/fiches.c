/*
 * fiches.c - the network's figures by town and one fiche per town (a spec's fiches record,
 * report.h), for the peer working groups of each département.
 *
 * The figures sheet: for each town of the town variable's list that has a structure in the
 * registry or an answer, then for the whole survey, by network, the structures of the
 * registry, those that answered, those no answer links to a structure of the other network
 * ("sans lien déclaré", and their share), the partners per structure (the mean number of
 * structures of the other network a structure of the registry has a link with), and the
 * schools in priority education (REP, REP+) with no link to any centre. A link counts as soon
 * as either side reports it, whatever its class. None of these figures is masked: they count
 * the registry's structures (public: the Annuaire, the federation's list), their response
 * status and whether a link joins them, which is what the cartography publishes by design
 * (each fiche's drawing shows which of the town's structures have a link, so a masked count
 * of those without one could be counted back off it). They are written with
 * PN_PUBLIC_COUNT_FORMAT, which tells them from the answers' counts.
 *
 * Each fiche, one sheet a town, printed on one A4 page: the registry's structures in a
 * sentence, the town's figures beside the survey's, then for each variable of the record its
 * table: the town's row of the protected cross-tab town x var (the one "Liens par commune"
 * publishes, with the same cells masked) beside the survey's distribution, or, for a
 * multiple-response variable, the town's column of var x town beside the "Ensemble"; on the
 * right, the town's network drawn by Graphviz (pn_carto_draw), then the list of the town's
 * structures with their response status. While the secret statistique is applied, the
 * drawing shows the links without their class: the colour of each link would give back the
 * small counts the class table masks.
 *
 * May call: the workbook's internals, stats (the tables), store (the forms), the
 * map's model and drawing (output/carto.h).
 */
#include "report/fiches.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "report/workbook_internal.h"
#include "util/fold.h"
#include "util/strindex.h"

/* ---- the requests -------------------------------------------------------------------- */

pn_status wb_fiche_requests(pn_store *s, const pn_report_item *it, pn_tab_request *reqs,
                            pn_error *err)
{
    size_t nforms = 0;
    pn_form **forms = NULL;
    pn_status st = pn_report_stored_forms(s, 0, &forms, &nforms, err);
    for (size_t v = 0; v < it->nvars && st == PN_OK; v++) {
        int multi = 0;
        for (size_t i = 0; i < nforms; i++) {
            const pn_question *q = pn_form_find(forms[i], it->vars[v]);
            multi |= q != NULL && q->type == PN_Q_SELECT_MULTIPLE;
        }
        reqs[v] = multi ? (pn_tab_request){it->vars[v], it->by, NULL, 0}
                        : (pn_tab_request){it->by, it->vars[v], NULL, 0};
    }
    pn_report_forms_free(forms, nforms);
    return st;
}

/* ---- the figures ----------------------------------------------------------------------- */

/* A town's counts: its structures in the registry, and whether the answers link them (what
 * the cartography publishes), none of them under the secret statistique. */
enum {
    C_LISTED,    /* centres of the registry */
    C_ANSWERED,  /* of which answered */
    C_UNLINKED,  /* of which no answer links to a school */
    S_LISTED,    /* schools of the registry */
    S_ANSWERED,  /* of which answered */
    S_UNLINKED,  /* of which no answer links to a centre */
    EP_LISTED,   /* schools of the registry in priority education */
    EP_UNLINKED, /* of which no link */
    NCOUNT
};

typedef struct town {
    const pn_category *cat; /* the town variable's category: its code and name */
    double n[NCOUNT];
    double partners[2]; /* the links of its structures of the registry, by network */
    double unlinked_pct[2], mean_partners[2];
    int shown; /* it has a structure in the registry or an answer: a row and a fiche */
} town;

static void derive(town *t)
{
    for (int k = 0; k < 2; k++) {
        double listed = t->n[k ? S_LISTED : C_LISTED], un = t->n[k ? S_UNLINKED : C_UNLINKED];
        t->unlinked_pct[k] = listed <= 0 ? NAN : 100 * un / listed;
        t->mean_partners[k] = listed <= 0 ? NAN : t->partners[k] / listed;
    }
}

/* The towns' figures from the map's model @c: @towns (@nt of them, their categories set),
 * then the total in towns[nt]. */
static pn_status count_towns(const pn_carto *c, town *towns, size_t nt, pn_error *err)
{
    pn_strindex ix = PN_STRINDEX_INIT;
    double other[NCOUNT] = {0}; /* structures of no town of the list (or of none) */
    pn_status st = PN_OK;
    for (size_t i = 0; i < nt && st == PN_OK; i++)
        st = pn_strindex_put(&ix, towns[i].cat->name, strlen(towns[i].cat->name), i);
    if (st != PN_OK) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    town *all = &towns[nt];
    for (size_t p = 0; p < c->nplaces; p++) {
        const pn_carto_place *pl = &c->places[p];
        if (!pl->listed)
            continue;
        size_t at;
        double *n =
            pn_strindex_get(&ix, pl->commune, strlen(pl->commune), &at) ? towns[at].n : other;
        int school = pl->side == PN_CARTO_SCHOOL;
        n[school ? S_LISTED : C_LISTED]++;
        n[school ? S_ANSWERED : C_ANSWERED] += pl->responded != 0;
        n[school ? S_UNLINKED : C_UNLINKED] += pl->links == 0;
        if (school && *pl->rep) {
            n[EP_LISTED]++;
            n[EP_UNLINKED] += pl->links == 0;
        }
        if (n != other)
            towns[at].partners[school] += (double)pl->links;
        all->partners[school] += (double)pl->links;
    }
    for (int k = 0; k < NCOUNT; k++) {
        all->n[k] = other[k];
        for (size_t i = 0; i < nt; i++)
            all->n[k] += towns[i].n[k];
    }
    for (size_t i = 0; i <= nt; i++)
        derive(&towns[i]);
    for (size_t i = 0; i < nt; i++)
        towns[i].shown |= towns[i].n[C_LISTED] + towns[i].n[S_LISTED] > 0;
out:
    pn_strindex_release(&ix);
    return st;
}

/* ---- the figures sheet ----------------------------------------------------------------- */

/* "Source : ..." as the tables' (wb_about), with the registry, into @buf. */
static const char *source_line(const pn_workbook *wb, char *buf, size_t size)
{
    snprintf(buf, size,
             "%s%s%s ; r\xc3\xa9pertoire des structures (liste de la f\xc3\xa9"
             "d\xc3\xa9ration, Annuaire de l'\xc3\xa9"
             "ducation).",
             SOURCE_TEXT, wb->producer ? ", " : "", wb->producer ? wb->producer : "");
    return buf;
}

#define CHAMP_REGISTRY                                                                             \
    "Champ : structures du r\xc3\xa9pertoire (centres sociaux de la liste de la "                  \
    "f\xc3\xa9"                                                                                    \
    "d\xc3\xa9ration, \xc3\xa9"                                                                    \
    "coles et coll\xc3\xa8ges de l'Annuaire de l'\xc3\xa9"                                         \
    "ducation) et liens que les r\xc3\xa9ponses d\xc3\xa9"                                         \
    "clarent entre elles."

#define LINK_DEFINITION                                                                            \
    "Un lien compte d\xc3\xa8s que l'une des deux structures le d\xc3\xa9"                         \
    "clare, quel que soit son type (\xc2\xab\xc2\xa0"                                              \
    "Aucun lien\xc2\xa0\xc2\xbb compris : un lien arr\xc3\xaat\xc3\xa9 ou seulement "              \
    "envisag\xc3\xa9). Partenaires par structure : nombre moyen de structures de l'autre "         \
    "r\xc3\xa9seau avec lesquelles une structure du r\xc3\xa9pertoire a un lien d\xc3\xa9"         \
    "clar\xc3\xa9."

#define PUBLIC_FIGURES                                                                             \
    "Les structures du r\xc3\xa9pertoire, leurs r\xc3\xa9ponses et leurs liens sont ceux que la "  \
    "cartographie montre : ces chiffres ne rel\xc3\xa8vent pas du secret statistique, qui masque " \
    "les petits effectifs des r\xc3\xa9ponses (types de liens, freins, facteurs de "               \
    "r\xc3\xa9ussite)."

/* The sentences under a sheet, one a row from @row, @ncols columns wide; the rows taken. */
static lxw_row_t notes(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                       double width, const char *const *lines, size_t n)
{
    lxw_row_t at = row;
    for (size_t i = 0; i < n; i++)
        if (lines[i] != NULL && lines[i][0] != '\0')
            wb_put_wrapped(wb, ws, at++, ncols, lines[i], width, wb->f.note);
    return at - row;
}

static void put_town_row(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, const char *label,
                         const town *t, int total)
{
    lxw_format *lab = total ? wb->f.total_label : wb->f.label;
    lxw_format *cnt = total ? wb->f.total_public : wb->f.public_count;
    lxw_format *pct = total ? wb->f.total_pct : wb->f.pct;
    wb_put_str(wb, ws, row, 0, label, lab);
    for (int k = 0; k < 2; k++) {
        lxw_col_t c0 = (lxw_col_t)(1 + 5 * k);
        int base = k ? S_LISTED : C_LISTED;
        wb_put_num(wb, ws, row, c0, t->n[base], cnt);
        wb_put_num(wb, ws, row, c0 + 1, t->n[base + 1], cnt);
        wb_put_num(wb, ws, row, c0 + 2, t->n[base + 2], cnt);
        wb_put_num(wb, ws, row, c0 + 3, t->unlinked_pct[k], pct);
        wb_put_num(wb, ws, row, c0 + 4, t->mean_partners[k], pct);
    }
    wb_put_num(wb, ws, row, 11, t->n[EP_LISTED], cnt);
    wb_put_num(wb, ws, row, 12, t->n[EP_UNLINKED], cnt);
}

static pn_status figures_sheet(pn_workbook *wb, const pn_report_item *it, const town *towns,
                               size_t nt, pn_error *err)
{
    lxw_worksheet *ws;
    sheet_entry *se;
    pn_status st = wb_begin_sheet(wb, it,
                                  "Structures du r\xc3\xa9pertoire et liens d\xc3\xa9"
                                  "clar\xc3\xa9s dans les r\xc3\xa9ponses, par commune",
                                  NULL, &ws, &se, err);
    if (st != PN_OK)
        return st;
    static const char *const groups[3] = {"Centres sociaux", "\303\211coles et coll\303\250ges",
                                          "\303\211ducation prioritaire"};
    static const char *const heads[5] = {
        "R\303\251pertoire", "R\303\251pertoire : ont r\303\251pondu",
        "Sans lien d\303\251clar\303\251", "% sans lien", "Partenaires par structure (moyenne)"};
    lxw_row_t top = HEAD_ROW;
    wb_latch(wb, worksheet_merge_range(ws, top, 1, top, 5, groups[0], wb->f.head));
    wb_latch(wb, worksheet_merge_range(ws, top, 6, top, 10, groups[1], wb->f.head));
    wb_latch(wb, worksheet_merge_range(ws, top, 11, top, 12, groups[2], wb->f.head));
    wb_put_str(wb, ws, top, 0, "", wb->f.head_left);
    wb_put_str(wb, ws, top + 1, 0, "Commune", wb->f.head_left);
    for (int k = 0; k < 2; k++)
        for (int h = 0; h < 5; h++)
            wb_put_str(wb, ws, top + 1, (lxw_col_t)(1 + 5 * k + h), heads[h], wb->f.head);
    wb_put_str(wb, ws, top + 1, 11,
               "\xc3\x89"
               "coles du r\xc3\xa9pertoire",
               wb->f.head);
    wb_put_str(wb, ws, top + 1, 12, "dont sans lien avec un centre social", wb->f.head);
    wb_set_row(wb, ws, top + 1, 48);
    wb_head_row(wb, ws, top + 1);
    worksheet_freeze_panes(ws, top + 2, 1);
    lxw_row_t row = top + 2;
    double w0 = 12;
    for (size_t i = 0; i < nt; i++) {
        if (!towns[i].shown)
            continue;
        const char *label = pn_category_label(towns[i].cat);
        put_town_row(wb, ws, row++, label, &towns[i], 0);
        w0 = fmax(w0, (double)wb_text_width(label) + 2);
    }
    put_town_row(wb, ws, row++, "Ensemble", &towns[nt], 1);
    wb_label_width(wb, se, w0);
    wb_set_cols(wb, ws, 1, 12, 12);
    char source[600], lecture[600] = "";
    for (size_t i = 0; i < nt && !*lecture; i++)
        if (towns[i].shown && towns[i].n[C_LISTED] > 0) {
            char pct[32], mean[32];
            wb_french_decimal(pct, sizeof pct, towns[i].unlinked_pct[0]);
            wb_french_decimal(mean, sizeof mean, towns[i].mean_partners[0]);
            snprintf(lecture, sizeof lecture,
                     "Lecture : \xc3\xa0 %s, %.0f des %.0f centres sociaux du r\xc3\xa9pertoire "
                     "n'ont aucun lien d\xc3\xa9"
                     "clar\xc3\xa9 (%s %%) ; un centre social y a en moyenne %s "
                     "partenaires.",
                     pn_category_label(towns[i].cat), towns[i].n[C_UNLINKED], towns[i].n[C_LISTED],
                     pct, mean);
        }
    if (!*lecture)
        snprintf(lecture, sizeof lecture,
                 "Lecture : le r\xc3\xa9pertoire des structures est vide ; \xc2\xab\xc2\xa0"
                 "panorama structures import\xc2\xa0\xc2\xbb le remplit \xc3\xa0 partir de "
                 "l'Annuaire de l'\xc3\xa9"
                 "ducation et de la liste des centres sociaux.");
    const char *lines[] = {CHAMP_REGISTRY, LINK_DEFINITION,
                           PUBLIC_FIGURES, source_line(wb, source, sizeof source),
                           lecture,        it->note};
    row++;
    notes(wb, ws, row, 13, w0 + 12 * 12, lines, sizeof lines / sizeof lines[0]);
    return wb_end_sheet(wb, it->sheet, err);
}

/* ---- a fiche --------------------------------------------------------------------------- */

/* The size of a PNG as a spreadsheet shows it at 100 %, in pixels (at 96 dpi, from its pHYs
 * chunk when it has one). 0 when @png is no PNG. */
static int png_size(const unsigned char *png, size_t len, double *w, double *h)
{
    if (len < 24 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(png + 12, "IHDR", 4) != 0)
        return 0;
#define BE32(p)                                                                                    \
    ((double)((unsigned long)(p)[0] << 24 | (unsigned long)(p)[1] << 16 |                          \
              (unsigned long)(p)[2] << 8 | (unsigned long)(p)[3]))
    *w = BE32(png + 16), *h = BE32(png + 20);
    for (size_t at = 8; at + 12 <= len;) {
        double n = BE32(png + at);
        if (n > (double)(len - at - 12))
            break;
        if (memcmp(png + at + 4, "pHYs", 4) == 0 && n >= 9 && png[at + 16] == 1) {
            double xd = BE32(png + at + 8) * 0.0254, yd = BE32(png + at + 12) * 0.0254;
            if (xd > 0 && yd > 0)
                *w *= 96 / xd, *h *= 96 / yd;
            break;
        }
        if (memcmp(png + at + 4, "IDAT", 4) == 0)
            break;
        at += 12 + (size_t)n;
    }
#undef BE32
    return *w > 0 && *h > 0;
}

/* Find the index of the category named @name among @n, or -1. */
static long cat_index(const pn_category *cats, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cats[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* The fiche's "Lecture :" sentence, about the first category whose share @p in the town and
 * @all in the survey are shown, into @lecture (left as it is once written). */
static void lecture_line(char *lecture, size_t size, const pn_category *where, const char *verb,
                         const pn_category *cat, double p, double all)
{
    if (*lecture || !isfinite(p) || pn_is_masked(p) || !isfinite(all) || pn_is_masked(all) ||
        p <= 0)
        return;
    char a[32], b[32];
    wb_french_decimal(a, sizeof a, p);
    wb_french_decimal(b, sizeof b, all);
    snprintf(
        lecture, size,
        "Lecture : \xc3\xa0 %s, %s %% %s \xc2\xab\xc2\xa0%s\xc2\xa0\xc2\xbb, contre %s %% dans "
        "l'ensemble de l'enqu\xc3\xaate.",
        pn_category_label(where), a, verb, pn_category_label(cat), b);
}

/* The table of one variable for the town @code: its categories, the town's count and share,
 * the survey's share; from @row; returns the row after it. *@masked set when a figure is. */
static lxw_row_t var_table(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row,
                           const pn_tab_part *part, const pn_category *town_cat, int *masked,
                           char *lecture, size_t size)
{
    const char *code = town_cat->name;
    const pn_crosstab *xt = part->xt;
    const pn_multi_crosstab *mxt = part->mxt;
    const char *title = xt ? xt->col_title : mxt ? mxt->row_title : NULL;
    if (title == NULL)
        return row;
    const char *net = part->network_label;
    char heading[600];
    snprintf(heading, sizeof heading, "%s%s%s", title, net ? " \xe2\x80\x94 " : "", net ? net : "");
    wb_put_wrapped(wb, ws, row++, 4, heading, 56, wb->f.section_wrap);
    const char *unit = xt || part->links ? "Liens" : "R\xc3\xa9pondants"; /* what is counted */
    wb_put_str(wb, ws, row, 0, "", wb->f.head_left);
    wb_put_str(wb, ws, row, 1, "Effectif", wb->f.head);
    wb_put_str(wb, ws, row, 2, "% commune", wb->f.head);
    wb_put_str(wb, ws, row, 3, "% ensemble", wb->f.head);
    wb_set_row(wb, ws, row, 30); /* two lines in the wider fonts */
    row++;
    if (xt) {
        long i = cat_index(xt->row_cats, xt->r, code);
        for (size_t j = 0; j < xt->c; j++) {
            double n = i >= 0 ? xt->count[(size_t)i * xt->c + j] : 0;
            double p = i >= 0 ? xt->row_pct[(size_t)i * xt->c + j] : NAN;
            *masked |= pn_is_masked(n) || pn_is_masked(p) || pn_is_masked(xt->col_total_pct[j]);
            wb_put_str(wb, ws, row, 0, pn_category_label(&xt->col_cats[j]), wb->f.label);
            wb_put_num(wb, ws, row, 1, n, wb->f.count);
            wb_put_num(wb, ws, row, 2, p,
                       wb_pct_format(wb, wb->f.pct, i >= 0 ? xt->row_total[i] : 0));
            wb_put_num(wb, ws, row, 3, xt->col_total_pct[j], wb->f.pct);
            lecture_line(lecture, size, town_cat,
                         "des liens d\xc3\xa9"
                         "clar\xc3\xa9s sont de type",
                         &xt->col_cats[j], p, xt->col_total_pct[j]);
            row++;
        }
        double n = i >= 0 ? xt->row_total[i] : 0;
        *masked |= pn_is_masked(n);
        char label[64];
        snprintf(label, sizeof label,
                 "%s d\xc3\xa9"
                 "clar\xc3\xa9s",
                 unit);
        wb_put_str(wb, ws, row, 0, label, wb->f.total_label);
        wb_put_num(wb, ws, row, 1, n, wb->f.total_count);
        wb_put_num(wb, ws, row, 2, n > 0 || pn_is_masked(n) ? 100 : NAN, wb->f.total_pct);
        wb_put_num(wb, ws, row, 3, 100, wb->f.total_pct);
        row++;
    } else {
        long j = cat_index(mxt->col_cats, mxt->c, code);
        double base = j >= 0 ? mxt->cases[j] : 0;
        for (size_t o = 0; o < mxt->r; o++) {
            double n = j >= 0 ? mxt->count[o * mxt->c + (size_t)j] : 0;
            double p = j >= 0 ? mxt->col_pct[o * mxt->c + (size_t)j] : NAN;
            *masked |= pn_is_masked(n) || pn_is_masked(p) || pn_is_masked(mxt->total_pct[o]);
            wb_put_str(wb, ws, row, 0, pn_category_label(&mxt->row_cats[o]), wb->f.label);
            wb_put_num(wb, ws, row, 1, n, wb->f.count);
            wb_put_num(wb, ws, row, 2, p, wb_pct_format(wb, wb->f.pct, base));
            wb_put_num(wb, ws, row, 3, mxt->total_pct[o], wb->f.pct);
            lecture_line(lecture, size, town_cat,
                         part->links ? "des liens d\xc3\xa9"
                                       "clar\xc3\xa9s citent"
                                     : "des r\xc3\xa9pondants citent",
                         &mxt->row_cats[o], p, mxt->total_pct[o]);
            row++;
        }
        *masked |= pn_is_masked(base);
        wb_put_str(wb, ws, row, 0, unit, wb->f.total_label);
        wb_put_num(wb, ws, row, 1, base, wb->f.total_count);
        wb_put_str(wb, ws, row, 2, "", wb->f.total_pct);
        wb_put_num(wb, ws, row, 3, mxt->total_cases, wb->f.total_count);
        row++;
    }
    return row + 1;
}

/* "6 centres sociaux au répertoire, dont 5 ont répondu ; ..." */
static void registry_sentence(const town *t, char *buf, size_t size)
{
    double c = t->n[C_LISTED], ca = t->n[C_ANSWERED], s = t->n[S_LISTED], sa = t->n[S_ANSWERED];
    snprintf(buf, size,
             "Au r\xc3\xa9pertoire : %.0f centre%s socia%s, dont %.0f %s r\xc3\xa9pondu ; %.0f "
             "\xc3\xa9"
             "cole%s et coll\xc3\xa8ge%s, dont %.0f %s r\xc3\xa9pondu.",
             c, c > 1 ? "s" : "", c > 1 ? "ux" : "l", ca, ca > 1 ? "ont" : "a", s, s > 1 ? "s" : "",
             s > 1 ? "s" : "", sa, sa > 1 ? "ont" : "a");
}

static void figure_row(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, const char *label,
                       double here, double all, lxw_format *f)
{
    wb_put_str(wb, ws, row, 0, label, wb->f.label);
    wb_put_num(wb, ws, row, 1, here, f);
    wb_put_num(wb, ws, row, 2, all, f);
}

typedef struct fiche_ctx {
    pn_workbook *wb;
    const pn_report_item *it;
    const pn_tab_result *res;
    const pn_carto *carto;
    pn_carto_drawer *drawer;
    double secret;
    const town *all;
} fiche_ctx;

/* The sheet name of @t's fiche: "Fiche <name>", cut to Excel's 31 characters, the
 * characters Excel refuses replaced; "Fiche <code>" when it is taken. */
static void fiche_name(const pn_workbook *wb, const town *t, char *buf, size_t size)
{
    const char *name = pn_category_label(t->cat);
    snprintf(buf, size, "Fiche %s", name);
    size_t chars = 0, i = 0;
    for (; buf[i]; i++) {
        if ((buf[i] & 0xC0) != 0x80 && ++chars > 31)
            break;
        if (strchr("[]:*?/\\'", buf[i]))
            buf[i] = ' ';
    }
    buf[i] = '\0';
    for (size_t k = 0; k < wb->nsheets; k++)
        if (pn_fold_equal(wb->sheets[k].name, buf)) {
            snprintf(buf, size, "Fiche %s", t->cat->name);
            return;
        }
}

#define FICHE_CHAMP                                                                                \
    "Champ : structures de la commune (r\xc3\xa9pertoire), liens d\xc3\xa9"                        \
    "clar\xc3\xa9s par ses centres sociaux et ses \xc3\xa9"                                        \
    "coles, r\xc3\xa9pondants de la commune pour les autres questions ; ensemble : toutes les "    \
    "communes de l'enqu\xc3\xaate."

/* The left of a fiche: the town's figures beside the survey's, then each variable's table;
 * returns the row under them. */
static lxw_row_t fiche_left(fiche_ctx *x, lxw_worksheet *ws, const town *t, int *masked,
                            char *lecture, size_t size)
{
    pn_workbook *wb = x->wb;
    const town *all = x->all;
    char sentence[400];
    lxw_row_t row = HEAD_ROW;
    wb_put_str(wb, ws, row++, 0, "Le r\xc3\xa9seau de la commune", wb->f.section);
    registry_sentence(t, sentence, sizeof sentence);
    wb_put_wrapped(wb, ws, row++, 4, sentence, 68, wb->f.para);
    wb_put_str(wb, ws, row, 0, "", wb->f.head_left);
    wb_put_str(wb, ws, row, 1, "Commune", wb->f.head);
    wb_put_str(wb, ws, row, 2, "Ensemble", wb->f.head);
    row++;
    static const char *const labels[7] = {
        "Centres sociaux sans lien d\303\251clar\303\251",
        "Part des centres sociaux sans lien (%)",
        "Partenaires par centre social (moyenne)",
        "\303\211coles et coll\303\250ges sans lien d\303\251clar\303\251",
        "Part des \303\251coles et coll\303\250ges sans lien (%)",
        "Partenaires par \303\251cole ou coll\303\250ge (moyenne)",
        "\303\211coles REP ou REP+ sans lien avec un centre social"};
    for (int k = 0; k < 2; k++) {
        int un = k ? S_UNLINKED : C_UNLINKED;
        figure_row(wb, ws, row++, labels[3 * k], t->n[un], all->n[un], wb->f.public_count);
        figure_row(wb, ws, row++, labels[3 * k + 1], t->unlinked_pct[k], all->unlinked_pct[k],
                   wb->f.pct);
        figure_row(wb, ws, row++, labels[3 * k + 2], t->mean_partners[k], all->mean_partners[k],
                   wb->f.pct);
    }
    figure_row(wb, ws, row++, labels[6], t->n[EP_UNLINKED], all->n[EP_UNLINKED],
               wb->f.public_count);
    row++;
    for (size_t v = 0; v < x->it->nvars; v++)
        for (size_t p = 0; p < x->res[v].nparts; p++)
            row = var_table(wb, ws, row, &x->res[v].parts[p], t->cat, masked, lecture, size);
    return row;
}

#define FICHE_RIGHT 5 /* the first column of a fiche's right side */

/* The right of a fiche: the town's network drawn, then its structures; *@end gets the row
 * under them. */
static pn_status fiche_right(fiche_ctx *x, lxw_worksheet *ws, const town *t, char *title,
                             lxw_row_t *end, pn_error *err)
{
    pn_workbook *wb = x->wb;
    const char *code = t->cat->name;
    const lxw_col_t R = FICHE_RIGHT;
    lxw_row_t r = HEAD_ROW;
    wb_put_str(wb, ws, r++, R, "Le r\xc3\xa9seau dessin\xc3\xa9", wb->f.section);
    char *png = NULL;
    size_t len = 0;
    pn_status st =
        pn_carto_draw(x->drawer, x->carto, code, "png", x->secret < 2, &png, &len, NULL, err);
    if (st != PN_OK)
        return st;
    double w, h;
    if (png_size((const unsigned char *)png, len, &w, &h)) {
        double sc = fmin(1, fmin(450 / w, 400 / h)); /* the room the structures' columns give */
        lxw_image_options opt = {.x_offset = 2,
                                 .y_offset = 4,
                                 .x_scale = sc,
                                 .y_scale = sc,
                                 .object_position = LXW_OBJECT_MOVE_DONT_SIZE,
                                 .description = title};
        wb_insert_image(wb, ws, r, R, (const unsigned char *)png, len, w * sc, h * sc, &opt);
        r += (lxw_row_t)ceil((h * sc + 8) / 20.0);
    }
    free(png);
    r++;
    wb_put_str(wb, ws, r++, R, "Les structures de la commune (r\xc3\xa9pertoire)", wb->f.section);
    static const char *const heads[4] = {"Structure", "R\303\251seau", "EP", "R\303\251ponse"};
    for (int k = 0; k < 4; k++)
        wb_put_str(wb, ws, r, (lxw_col_t)(R + k), heads[k], k ? wb->f.head : wb->f.head_left);
    r++;
    double wname = 24;
    for (size_t i = 0; i < x->carto->nplaces; i++) {
        const pn_carto_place *pl = &x->carto->places[i];
        if (!pl->listed || strcmp(pl->commune, code) != 0)
            continue;
        int school = pl->side == PN_CARTO_SCHOOL;
        const char *kind = !school                                   ? "Centre"
                           : strcmp(pl->kind, "Coll\xc3\xa8ge") == 0 ? "Coll\xc3\xa8ge"
                                                                     : "\xc3\x89"
                                                                       "cole";
        wb_put_str(wb, ws, r, R, pl->name, wb->f.label);
        wb_put_str(wb, ws, r, R + 1, kind, wb->f.label);
        wb_put_str(wb, ws, r, R + 2, pl->rep, wb->f.label);
        wb_put_str(wb, ws, r, R + 3, pl->responded ? "A r\xc3\xa9pondu" : "Sans r\xc3\xa9ponse",
                   wb->f.label);
        wname = fmax(wname, (double)wb_text_width(pl->name) + 1);
        r++;
    }
    wb_set_cols(wb, ws, R, R, fmin(wname, 36));
    wb_set_cols(wb, ws, R + 1, R + 1, 9);
    wb_set_cols(wb, ws, R + 2, R + 2, 6);
    wb_set_cols(wb, ws, R + 3, R + 3, 13);
    *end = r;
    return PN_OK;
}

static pn_status fiche(fiche_ctx *x, const town *t, pn_error *err)
{
    pn_workbook *wb = x->wb;
    const char *name = pn_category_label(t->cat);
    char sheet[256], title[400], info[300];
    fiche_name(wb, t, sheet, sizeof sheet);
    snprintf(title, sizeof title, "%s : fiche de la commune", name);
    snprintf(info, sizeof info,
             "Code commune %s \xe2\x80\x94 pour les groupes de travail entre pairs du "
             "d\xc3\xa9partement",
             t->cat->name);
    pn_report_item item = {.sheet = sheet, .title = title, .note = ""};
    lxw_worksheet *ws;
    sheet_entry *se;
    pn_status st = wb_begin_sheet(wb, &item, info, NULL, &ws, &se, err);
    if (st != PN_OK)
        return st;
    ws->panes.type = NO_PANES; /* a page to print, not a table to scroll */
    int masked = 0;
    char lecture[600] = "";
    lxw_row_t left_end = fiche_left(x, ws, t, &masked, lecture, sizeof lecture), right_end;
    if ((st = fiche_right(x, ws, t, title, &right_end, err)) != PN_OK)
        return st;

    /* under both: the drawing's key, the definitions, the sources, the secret, the note */
    char caption[600], secret_line[400] = "";
    snprintf(caption, sizeof caption,
             "Le r\xc3\xa9seau dessin\xc3\xa9 : centres sociaux en rectangles, \xc3\xa9"
             "coles et coll\xc3\xa8ges en ellipses, en gris ceux des autres communes ; trait "
             "plein \xc3\xa9pais : lien d\xc3\xa9"
             "clar\xc3\xa9 par les deux structures, pointill\xc3\xa9 : par l'une d'elles.%s",
             x->secret < 2 ? " Couleur : le type du lien."
                           : " Les liens sont dessin\xc3\xa9s sans leur type : le secret "
                             "statistique masque les petits effectifs des types de liens, que "
                             "la couleur de chaque lien r\xc3\xa9v\xc3\xa9lerait.");
    if (masked)
        snprintf(secret_line, sizeof secret_line, PN_SECRET_NOTE, x->secret);
    char source[600];
    const char *lines[] = {FICHE_CHAMP,
                           caption,
                           LINK_DEFINITION,
                           PUBLIC_FIGURES,
                           source_line(wb, source, sizeof source),
                           lecture,
                           secret_line,
                           x->it->note};
    lxw_row_t end = (left_end > right_end ? left_end : right_end) + 1;
    notes(wb, ws, end, FICHE_RIGHT + 4, 125, lines, sizeof lines / sizeof lines[0]);
    wb_set_cols(wb, ws, 0, 0, 42);
    wb_set_cols(wb, ws, 1, 3, 10);
    wb_set_cols(wb, ws, 4, 4, 2);
    wb_one_page(wb, ws);
    return wb_end_sheet(wb, sheet, err);
}

/* ---- the record ------------------------------------------------------------------------ */

/* The town variable's categories, from the first table of @res: the rows of a cross-tab
 * town x var, the columns of var x town. NULL when none. */
static const pn_category *town_cats(const pn_tab_result *res, size_t *n)
{
    if (res->nparts == 0)
        return NULL;
    const pn_tab_part *p = &res->parts[0];
    if (p->xt)
        return *n = p->xt->r, p->xt->row_cats;
    if (p->mxt)
        return *n = p->mxt->c, p->mxt->col_cats;
    return NULL;
}

/* Whether a table of @res counts units in the town @code. */
static int has_units(const pn_tab_result *res, const char *code)
{
    for (size_t p = 0; p < res->nparts; p++) {
        const pn_tab_part *part = &res->parts[p];
        if (part->xt) {
            long i = cat_index(part->xt->row_cats, part->xt->r, code);
            if (i >= 0 && (pn_is_masked(part->xt->row_total[i]) || part->xt->row_total[i] > 0))
                return 1;
        } else if (part->mxt) {
            long j = cat_index(part->mxt->col_cats, part->mxt->c, code);
            if (j >= 0 && (pn_is_masked(part->mxt->cases[j]) || part->mxt->cases[j] > 0))
                return 1;
        }
    }
    return 0;
}

pn_status wb_add_fiches(pn_workbook *wb, pn_store *s, const pn_report_item *it,
                        const pn_tab_result *res, double secret, size_t *written, pn_error *err)
{
    *written = 0;
    size_t nt = 0;
    const pn_category *cats = it->nvars > 0 ? town_cats(&res[0], &nt) : NULL;
    if (cats == NULL)
        return pn_error_set(err, PN_EINTERNAL, "sheet '%s': the fiches have no town table",
                            it->sheet);
    pn_carto *c = NULL;
    pn_carto_drawer *d = NULL;
    town *towns = calloc(nt + 1, sizeof *towns);
    pn_status st = towns ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
    if (st == PN_OK)
        st = pn_carto_read(s, NULL, NULL, &c, err);
    for (size_t i = 0; i < nt && st == PN_OK; i++) {
        towns[i].cat = &cats[i];
        for (size_t v = 0; v < it->nvars && !towns[i].shown; v++)
            towns[i].shown = has_units(&res[v], cats[i].name);
    }
    if (st == PN_OK)
        st = count_towns(c, towns, nt, err);
    if (st == PN_OK)
        st = figures_sheet(wb, it, towns, nt, err);
    if (st == PN_OK && (d = pn_carto_drawer_create()) == NULL)
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    fiche_ctx x = {wb, it, res, c, d, secret, towns ? &towns[nt] : NULL};
    for (size_t i = 0; i < nt && st == PN_OK; i++)
        if (towns[i].shown && (st = fiche(&x, &towns[i], err)) == PN_OK)
            ++*written;
    pn_carto_drawer_destroy(d);
    pn_carto_destroy(c);
    free(towns);
    return st;
}
