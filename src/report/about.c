/* about.c - the lines under every table of the workbook, as INSEE's tables have them:
 * "Champ :" (which units: links reported by centres, by schools, by both; structures; the
 * pairs), "Source :", "Lecture :" (a sentence on the table's first shown figure), and how many
 * units a cross-tab left out for non-response. */
#include "report/workbook_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "form/form.h"
#include "output/output.h"
#include "util/strbuf.h"

/* Whether @x is a figure the table shows (not masked, not undefined). */
static int shown(double x)
{
    return !pn_is_masked(x) && isfinite(x);
}

/* What the units of the table being drawn are, as a plural noun ("liens déclarés",
 * "centres sociaux", "structures"). */
static const char *unit_noun(const pn_workbook *wb)
{
    const pn_tab_part *part = wb->part ? wb->part->part : NULL;
    unsigned both = 1u << PN_SIDE_CENTRE | 1u << PN_SIDE_ECOLE;
    if (part && part->links)
        return "liens d\xc3\xa9"
               "clar\xc3\xa9s";
    if (part && part->sides == 1u << PN_SIDE_CENTRE)
        return "centres sociaux";
    if (part && part->sides == 1u << PN_SIDE_ECOLE)
        return "\xc3\xa9"
               "coles";
    return part && (part->sides & both) ? "structures" : "questionnaires";
}

/* The "Champ :" line of the table being drawn into @sb. */
static pn_status champ_text(const pn_workbook *wb, pn_strbuf *sb)
{
    const pn_tab_part *part = wb->part ? wb->part->part : NULL;
    unsigned centre = 1u << PN_SIDE_CENTRE, ecole = 1u << PN_SIDE_ECOLE;
    if (part != NULL && part->agree != NULL)
        return pn_strbuf_puts(sb, "Champ : liens d\xc3\xa9"
                                  "clar\xc3\xa9s par chacune des deux "
                                  "structures qu'ils relient, un centre social et une \xc3\xa9"
                                  "cole "
                                  "(les paires), une fois.");
    if (part == NULL || !(part->sides & (centre | ecole)))
        return pn_strbuf_puts(sb, "Champ : questionnaires re\xc3\xa7us.");
    int both = (part->sides & centre) && (part->sides & ecole);
    const char *who = both                   ? "les centres sociaux et les \xc3\xa9"
                                               "coles"
                      : part->sides & centre ? "les centres sociaux"
                                             : "les \xc3\xa9"
                                               "coles";
    if (part->links)
        return pn_strbuf_printf(sb,
                                "Champ : liens d\xc3\xa9"
                                "clar\xc3\xa9s par %s%s.",
                                who,
                                both ? " (un lien d\xc3\xa9"
                                       "clar\xc3\xa9 des deux c\xc3\xb4t\xc3\xa9s "
                                       "compte deux fois)"
                                     : "");
    return pn_strbuf_printf(sb, "Champ : %s ayant r\xc3\xa9pondu \xc3\xa0 l'enqu\xc3\xaate.",
                            who + 4 /* without "les " */);
}

lxw_row_t wb_about(pn_workbook *wb, lxw_worksheet *ws, lxw_row_t row, lxw_col_t ncols,
                   double width_chars, const char *lecture, const char *left_out)
{
    pn_strbuf champ = PN_STRBUF_INIT, source = PN_STRBUF_INIT;
    lxw_row_t at = row;
    if (champ_text(wb, &champ) != PN_OK ||
        pn_strbuf_printf(&source, "%s%s%s.", SOURCE_TEXT, wb->producer ? ", " : "",
                         wb->producer ? wb->producer : "") != PN_OK) {
        wb_latch(wb, LXW_ERROR_MEMORY_MALLOC_FAILED);
        goto out;
    }
    const char *lines[] = {pn_strbuf_str(&champ), left_out, pn_strbuf_str(&source), lecture};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (lines[i] != NULL && lines[i][0] != '\0')
            wb_put_wrapped(wb, ws, at++, ncols, lines[i], width_chars * 1.2, wb->f.info);
out:
    pn_strbuf_release(&champ);
    pn_strbuf_release(&source);
    return at - row + 1;
}

/* "8,1" for a percentage, whatever the locale. */
static const char *pct_text(char *buf, size_t size, double x)
{
    wb_french_decimal(buf, size, x);
    return buf;
}

/* The "Lecture :" sentence of each kind, about its first shown figure, into @buf ("" when
 * none is shown). */
const char *wb_freq_lecture(const pn_workbook *wb, const pn_freq *t, char *buf, size_t size)
{
    char pct[32];
    buf[0] = '\0';
    for (size_t i = 0; i < t->k; i++)
        if (shown(t->count[i]) && shown(t->valid_pct[i])) {
            snprintf(buf, size,
                     "Lecture : \xc2\xab %s \xc2\xbb repr\xc3\xa9sente %s %% des r\xc3\xa9ponses "
                     "valides (%s).",
                     pn_category_label(&t->cats[i]), pct_text(pct, sizeof pct, t->valid_pct[i]),
                     unit_noun(wb));
            break;
        }
    return buf;
}

const char *wb_multi_lecture(const pn_workbook *wb, const pn_multi *t, char *buf, size_t size)
{
    char pct[32];
    buf[0] = '\0';
    for (size_t i = 0; i < t->k; i++)
        if (shown(t->count[i]) && shown(t->pct_cases[i])) {
            snprintf(
                buf, size,
                "Lecture : %s %% des r\xc3\xa9pondants (%s) ont coch\xc3\xa9 \xc2\xab %s \xc2\xbb.",
                pct_text(pct, sizeof pct, t->pct_cases[i]), unit_noun(wb),
                pn_category_label(&t->cats[i]));
            break;
        }
    return buf;
}

const char *wb_crosstab_lecture(const pn_workbook *wb, const pn_crosstab *t, char *buf, size_t size)
{
    char pct[32];
    buf[0] = '\0';
    for (size_t i = 0; i < t->r; i++)
        for (size_t j = 0; j < t->c; j++)
            if (shown(t->count[i * t->c + j]) && shown(t->row_pct[i * t->c + j])) {
                snprintf(buf, size,
                         "Lecture : sur 100 %s de la ligne \xc2\xab %s \xc2\xbb, %s "
                         "rel\xc3\xa8vent de la "
                         "colonne \xc2\xab %s \xc2\xbb (pourcentages en ligne).",
                         unit_noun(wb), pn_category_label(&t->row_cats[i]),
                         pct_text(pct, sizeof pct, t->row_pct[i * t->c + j]),
                         pn_category_label(&t->col_cats[j]));
                return buf;
            }
    return buf;
}

const char *wb_multi_crosstab_lecture(const pn_workbook *wb, const pn_multi_crosstab *t, char *buf,
                                      size_t size)
{
    char pct[32];
    buf[0] = '\0';
    for (size_t i = 0; i < t->r; i++)
        for (size_t j = 0; j < t->c; j++)
            if (shown(t->count[i * t->c + j]) && shown(t->col_pct[i * t->c + j])) {
                snprintf(buf, size,
                         "Lecture : %s %% des r\xc3\xa9pondants (%s) de la colonne \xc2\xab %s "
                         "\xc2\xbb ont "
                         "coch\xc3\xa9 \xc2\xab %s \xc2\xbb.",
                         pct_text(pct, sizeof pct, t->col_pct[i * t->c + j]), unit_noun(wb),
                         pn_category_label(&t->col_cats[j]), pn_category_label(&t->row_cats[i]));
                return buf;
            }
    return buf;
}

const char *wb_agreement_lecture(const pn_agreement *t, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < t->k; i++) {
        double v = t->count[i * t->k + i];
        if (shown(v) && v > 0 && shown(t->n)) {
            snprintf(buf, size,
                     "Lecture : pour %.0f des %.0f paires compar\xc3\xa9"
                     "es, le centre social et "
                     "l'\xc3\xa9"
                     "cole r\xc3\xa9pondent tous deux \xc2\xab %s \xc2\xbb.",
                     v, t->n, pn_category_label(&t->cats[i]));
            break;
        }
    }
    return buf;
}

/* How many units the cross-tab @t left out, unanswered in its row or its column: "moins de N"
 * for 1 to N-1 of them under the secret statistique's threshold N; not said when its total is
 * masked. */
void wb_left_out_text(const pn_workbook *wb, const pn_crosstab *t, char *buf, size_t size)
{
    double n = wb->part ? wb->part->result->secret : 0;
    char count[48];
    if (n > 0 && t->missing > 0 && t->missing < n)
        snprintf(count, sizeof count, "moins de %.0f", n);
    else
        snprintf(count, sizeof count, "%.0f", t->missing);
    int one = strcmp(count, "1") == 0;
    if (pn_is_masked(t->n)) /* with the units counted (the cover's), it would give the total */
        snprintf(buf, size,
                 "Non-r\xc3\xa9ponse : non publi\xc3\xa9"
                 "e (secret statistique).");
    else if (t->missing == 0)
        snprintf(buf, size,
                 "Non-r\xc3\xa9ponse : aucune unit\xc3\xa9 \xc3\xa9"
                 "cart\xc3\xa9"
                 "e du tableau.");
    else
        snprintf(
            buf, size,
            "Non-r\xc3\xa9ponse : %s unit\xc3\xa9%s (%s) sans r\xc3\xa9ponse \xc3\xa0 l'une des "
            "deux questions, \xc3\xa9"
            "cart\xc3\xa9"
            "e%s du tableau.",
            count, one ? "" : "s", unit_noun(wb), one ? "" : "s");
}
