/*
 * print.c - the printable questionnaire of a form (report.h, pn_form_print), for those who
 * answer on paper: a PDF on A4 portrait, laid out with Pango in DejaVu Sans and drawn with
 * Cairo, in French.
 *
 * Page 1 begins with the form's title, a box with the structure's identity (pre-printed, or
 * lines to write on), the form's opening notes and how to fill the form in. Then each question
 * asked on paper (not the metadata, nor a calculation), numbered, in the form's order, under
 * the heading of its group: its skip rule in words, in italics ("Si réponse « Oui » à « … »"),
 * its label in bold with "*" when an answer is required, its hint in smaller grey italics,
 * then where to answer: a square box before each choice ("Une seule réponse", "Plusieurs
 * réponses possibles"), a framed box to write in (ruled lines for a long text, one cell per
 * character for a SIRET or a UAI), the structure's own identity pre-printed in grey. The
 * partners' repeat comes as PARTNER_SHEETS sheets, each on pages of its own, to photocopy when
 * there are more partners, under the repeat's rule and the notes that lead into it. A rule
 * that the questions after it share is said once, with their numbers ("(questions 4 à 9)"),
 * and again at the top of a page that goes on with them. Every page has a footer: the form's
 * title (the structure's name and identifier when printed for one) and "Page k sur N".
 *
 * French typography: a no-break space before ':' and a narrow one before ';', '!', '?' and
 * inside « », whether the form's text has a space there or not. A question is never split
 * across two pages when it fits on one, nor a heading left at the foot of a page: each block
 * is laid out once to be measured (nothing drawn), then where it fits. The pages are laid out
 * twice, the first time only to count them for the footers. Nothing depends on the locale:
 * the text is French whatever LANG says, and the PDF's date is the form version's.
 *
 * Pango's metrics are taken at 72 dpi without hinting (a point is a unit), from a font map of
 * our own, so that both passes, and every machine with the DejaVu fonts, lay out alike.
 */
#include "report/report.h"
#include "report/workbook_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "form/expr.h"
#include "util/strbuf.h"

#define PAGE_W 595.276 /* A4, in points */
#define PAGE_H 841.89
#define MARGIN 56.693 /* 2 cm */
#define TOP MARGIN
#define BOTTOM (PAGE_H - MARGIN)
#define LEFT MARGIN
#define WIDTH (PAGE_W - 2 * MARGIN)
#define NUM_W 28.0   /* the question's number, left of its label */
#define BOX 8.5      /* side of a choice's box */
#define BOX_GAP 5.0  /* between a box and its label */
#define FIELD_H 20.0 /* a box to write one line in */
#define LINES 4      /* the lines of a long text */
#define GAP 11.0     /* after a question */
#define PARTNER_SHEETS 3
#define FONT "DejaVu Sans"

#define NBSP "\xc2\xa0"         /* U+00A0 no-break space, before ':' */
#define NNBSP "\xe2\x80\xaf"    /* U+202F narrow no-break space, before ; ! ? and in « » */
#define LAQUO "\xc2\xab"        /* « */
#define RAQUO "\xc2\xbb"        /* » */
#define EACUTE "\xc3\xa9"       /* é */
#define AGRAVE "\xc3\xa0"       /* à */
#define DASH " \xe2\x80\x93 "   /* " – " */
#define ELLIPSIS "\xe2\x80\xa6" /* … */

enum { F_BODY, F_BOLD, F_HINT, F_RULE, F_TITLE, F_HEAD, F_SMALL, F_COUNT };
static const struct {
    double size;
    PangoWeight weight;
    PangoStyle style;
} fonts[F_COUNT] = {
    [F_BODY] = {10, PANGO_WEIGHT_NORMAL, PANGO_STYLE_NORMAL},
    [F_BOLD] = {10, PANGO_WEIGHT_BOLD, PANGO_STYLE_NORMAL},
    [F_HINT] = {8.5, PANGO_WEIGHT_NORMAL, PANGO_STYLE_ITALIC},
    [F_RULE] = {9, PANGO_WEIGHT_NORMAL, PANGO_STYLE_ITALIC},
    [F_TITLE] = {16, PANGO_WEIGHT_BOLD, PANGO_STYLE_NORMAL},
    [F_HEAD] = {12, PANGO_WEIGHT_BOLD, PANGO_STYLE_NORMAL},
    [F_SMALL] = {8, PANGO_WEIGHT_NORMAL, PANGO_STYLE_NORMAL},
};

enum {
    INK = 0x000000,
    GREY = 0x595959,   /* hints, footers */
    RULE = 0x1f3a5f,   /* skip rules */
    LINE = 0x7f7f7f,   /* lines to write on */
    FAINT = 0xbfbfbf,  /* the ruled lines inside a box */
    BAND = 0xdde5f0,   /* a heading's band */
    FIXED = 0xe7e6e6,  /* a pre-printed answer */
    NOTE_BG = 0xf2f2f2 /* a note of the form */
};

typedef struct printer {
    const pn_form *f;
    const pn_registry_entry *e; /* NULL: a blank questionnaire */
    PangoFontMap *map;
    PangoContext *ctx;
    PangoLayout *lay; /* the one layout, set again for each text */
    PangoFontDescription *font[F_COUNT];
    cairo_t *cr;           /* NULL on the first pass, which only counts the pages */
    int dry;               /* > 0: measuring a block: nothing drawn, no page begun */
    double y;              /* top of what comes next */
    int page, npages;      /* the page being laid out, from 1; the pages of the first pass */
    int num;               /* the number of the last question */
    const char *prefix;    /* before a question's number ("P" on a partner's sheet) */
    size_t lead;           /* the opening notes, printed under the title: questions 0 .. lead-1 */
    const char *last_rule; /* the own skip rule of the question laid out last, NULL: none */
    pn_strbuf text;        /* a text with French typography, lent to the layout */
    pn_status st;          /* PN_ENOMEM once out of memory */
} printer;

static int ink(const printer *p)
{
    return p->cr != NULL && p->dry == 0;
}

static void oom(printer *p, pn_status st)
{
    if (st != PN_OK && p->st == PN_OK)
        p->st = st;
}

static void colour(printer *p, unsigned rgb)
{
    cairo_set_source_rgb(p->cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                         (rgb & 0xff) / 255.0);
}

/* ---- French typography ---------------------------------------------------------------- */

/* The space a French text wants before @c (a no-break space before ':', a narrow one before
 * ';', '!', '?' and '»'), or NULL when @c is none of them. */
static const char *space_before(const char *c)
{
    if (*c == ':')
        return NBSP;
    if (*c == ';' || *c == '!' || *c == '?' || strncmp(c, RAQUO, 2) == 0)
        return NNBSP;
    return NULL;
}

/* Whether the sign at @c (@n bytes) stands after a word as punctuation: followed by a space, a
 * closing sign or the end ("10:30", "?st=", "http://" are left alone). */
static int ends_phrase(const char *c, size_t n)
{
    char next = c[n];
    return next == '\0' || next == ' ' || next == '\n' || next == ')' || next == ',' ||
           next == '.' || strncmp(c + n, RAQUO, 2) == 0 || strncmp(c + n, NBSP, 2) == 0 ||
           strncmp(c + n, NNBSP, 3) == 0;
}

/* Whether the text before @c (from @s) ends with a no-break space already. */
static int after_nbsp(const char *s, const char *c)
{
    return (c - s >= 2 && strncmp(c - 2, NBSP, 2) == 0) ||
           (c - s >= 3 && strncmp(c - 3, NNBSP, 3) == 0);
}

/* @s with French typography (the header says which), in p->text, lent until the next call;
 * text that is not UTF-8 is mended first, since Pango takes only UTF-8. */
static const char *french(printer *p, const char *s)
{
    char *valid = g_utf8_validate(s, -1, NULL) ? NULL : g_utf8_make_valid(s, -1);
    const char *in = valid ? valid : s;
    pn_strbuf *b = &p->text;
    pn_status st = PN_OK;
    pn_strbuf_reset(b);
    for (const char *c = in; *c && st == PN_OK;) {
        const char *sp;
        size_t n = strncmp(c, RAQUO, 2) == 0 ? 2 : 1;
        if (*c == ' ' && (sp = space_before(c + 1)) != NULL &&
            ends_phrase(c + 1, strncmp(c + 1, RAQUO, 2) == 0 ? 2 : 1)) {
            st = pn_strbuf_puts(b, sp); /* the space there becomes a no-break one */
            c++;
            continue;
        }
        if (c > in && c[-1] != ' ' && c[-1] != '\n' && !after_nbsp(in, c) &&
            (sp = space_before(c)) != NULL && ends_phrase(c, n) &&
            (n == 2 || (c[-1] != ':' && c[-1] != '!' && c[-1] != '?')))
            st = pn_strbuf_puts(b, sp); /* none there: one added */
        if (st == PN_OK && strncmp(c, LAQUO, 2) == 0) {
            st = pn_strbuf_puts(b, LAQUO NNBSP);
            c += 2;
            while (*c == ' ' || strncmp(c, NBSP, 2) == 0 || strncmp(c, NNBSP, 3) == 0)
                c += *c == ' ' ? 1 : strncmp(c, NBSP, 2) == 0 ? 2 : 3; /* the one space there */
            continue;
        }
        if (st == PN_OK)
            st = pn_strbuf_append(b, c, n);
        c += n;
    }
    g_free(valid);
    oom(p, st);
    return st == PN_OK ? pn_strbuf_str(b) : "";
}

/* ---- Text and shapes --------------------------------------------------------------------- */

/* Lay @s out in @font, wrapped at words to @width points (<= 0: on one line); returns its
 * height in points. The layout stays set for show() and baseline(). */
static double lay(printer *p, int font, const char *s, double width)
{
    pango_layout_set_font_description(p->lay, p->font[font]);
    pango_layout_set_width(p->lay, width > 0 ? pango_units_from_double(width) : -1);
    pango_layout_set_text(p->lay, french(p, s), -1);
    PangoRectangle r;
    pango_layout_get_extents(p->lay, NULL, &r);
    return pango_units_to_double(r.height);
}

/* The width of the text laid out last. */
static double lay_width(const printer *p)
{
    PangoRectangle r;
    pango_layout_get_extents(p->lay, NULL, &r);
    return pango_units_to_double(r.width);
}

/* Where the first line of the text laid out last sits, from its top. */
static double baseline(const printer *p)
{
    return pango_units_to_double(pango_layout_get_baseline(p->lay));
}

static void show(printer *p, double x, double y, unsigned rgb)
{
    if (!ink(p))
        return;
    colour(p, rgb);
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, p->lay);
}

/* @s drawn at @x, p->y, @width wide; returns its height. */
static double text(printer *p, int font, const char *s, double x, double width, unsigned rgb)
{
    double h = lay(p, font, s, width);
    show(p, x, p->y, rgb);
    return h;
}

/* A rectangle outlined in @line, filled with @fill (INK: not filled). */
static void rect(printer *p, double x, double y, double w, double h, unsigned fill, unsigned line)
{
    if (!ink(p))
        return;
    cairo_rectangle(p->cr, x, y, w, h);
    if (fill != INK) {
        colour(p, fill);
        cairo_fill_preserve(p->cr);
    }
    colour(p, line);
    cairo_set_line_width(p->cr, 0.7);
    cairo_stroke(p->cr);
}

static void hline(printer *p, double x0, double x1, double y, unsigned rgb, double width)
{
    if (!ink(p))
        return;
    colour(p, rgb);
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x0, y);
    cairo_line_to(p->cr, x1, y);
    cairo_stroke(p->cr);
}

/* A choice's empty box, standing on the baseline @base of its label's first line. */
static void box(printer *p, double x, double base)
{
    if (!ink(p))
        return;
    cairo_rectangle(p->cr, x, base - BOX + 0.8, BOX, BOX);
    colour(p, INK);
    cairo_set_line_width(p->cr, 0.8);
    cairo_stroke(p->cr);
}

/* ---- Pages ------------------------------------------------------------------------------- */

static void footer(printer *p)
{
    if (!ink(p))
        return;
    char right[64], *left = NULL;
    snprintf(right, sizeof right, "Page %d sur %d", p->page, p->npages);
    if (p->e)
        left = g_strdup_printf("%s (%s)", p->e->name, p->e->ident);
    double y = p->y;
    p->y = BOTTOM + 14;
    hline(p, LEFT, LEFT + WIDTH, BOTTOM + 9, FAINT, 0.5);
    pango_layout_set_ellipsize(p->lay, PANGO_ELLIPSIZE_END);
    text(p, F_SMALL, left ? left : p->f->title, LEFT, WIDTH * 0.75, GREY);
    pango_layout_set_ellipsize(p->lay, PANGO_ELLIPSIZE_NONE);
    double w = (lay(p, F_SMALL, right, -1), lay_width(p));
    show(p, LEFT + WIDTH - w, p->y, GREY);
    p->y = y;
    g_free(left);
}

/* Ends the page being laid out (its footer), begins the next. */
static void new_page(printer *p)
{
    if (p->page > 0) {
        footer(p);
        if (p->cr)
            cairo_show_page(p->cr);
    }
    p->page++;
    p->y = TOP;
}

/* Room for @h points on this page, else a new page (not while measuring, nor at the top of a
 * page already). */
static void room(printer *p, double h)
{
    if (p->dry == 0 && p->y + h > BOTTOM && p->y > TOP + 1)
        new_page(p);
}

typedef void (*block_fn)(printer *p, const void *arg);

/* The height @fn then @next (NULL: none) take when laid out, measured without drawing
 * anything nor changing what comes next. */
static double measure(printer *p, block_fn fn, const void *arg, block_fn next, const void *next_arg)
{
    double y = p->y;
    int num = p->num;
    const char *last_rule = p->last_rule;
    p->dry++;
    p->y = 0;
    fn(p, arg);
    if (next)
        next(p, next_arg);
    double h = p->y;
    p->dry--;
    p->y = y;
    p->num = num;
    p->last_rule = last_rule;
    return h;
}

/* @fn, then @next (NULL: none), laid out on a new page unless both fit on this one (or as
 * much of them as a page holds). */
static void place(printer *p, block_fn fn, const void *arg, block_fn next, const void *next_arg)
{
    room(p, fmin(measure(p, fn, arg, next, next_arg), BOTTOM - TOP));
    fn(p, arg);
    if (next)
        next(p, next_arg);
}

/* ---- What a question says ---------------------------------------------------------------- */

/* Whether @q is asked on paper: not the metadata, nor a calculation. */
static int asked(const pn_question *q)
{
    return q->type != PN_Q_DATETIME && q->type != PN_Q_CALCULATE;
}

/* The length of the groups' part of a question's path ("g/r/" of "g/r/q"). */
static size_t groups_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path + 1) : 0;
}

/* How many of @q's relevance conditions are its groups' (and repeat's), not its own. */
static size_t group_rules(const pn_question *q)
{
    return q->nrelevant - (q->own_relevant ? 1 : 0);
}

/* "Si ..." for @q's relevance conditions @from .. @to - 1, into @sb (emptied first); empty
 * when there is none. */
static void rule_text(printer *p, const pn_question *q, size_t from, size_t to, pn_strbuf *sb)
{
    pn_expr_words w = pn_form_words(p->f);
    pn_status st = PN_OK;
    pn_strbuf_reset(sb);
    for (size_t i = from; i < to && st == PN_OK; i++) {
        st = pn_strbuf_puts(sb, i == from ? "Si " : " et si ");
        if (st == PN_OK)
            st = pn_expr_describe(q->relevant[i], &w, sb);
    }
    oom(p, st);
}

/* The structure's own answer to @q, pre-printed, or NULL when @q is not its identity (or the
 * questionnaire is blank). */
static const char *identity(const printer *p, const pn_question *q)
{
    size_t i = (size_t)(q - p->f->q);
    const pn_roles *r = &p->f->roles;
    if (p->e == NULL)
        return NULL;
    if ((int)i == r->ident)
        return p->e->ident;
    if ((int)i == r->name)
        return p->e->name;
    if ((int)i == r->commune) {
        const pn_choice *c = q->list ? pn_choice_find(q->list, p->e->commune) : NULL;
        return c ? c->label : p->e->commune_name;
    }
    return NULL;
}

/* The characters of an identifier @q asks, one cell each (14 for a SIRET, 8 for a UAI), or 0. */
static int cells(const printer *p, const pn_question *q)
{
    int i = (int)(q - p->f->q);
    pn_form_side side = p->f->side;
    if (i == p->f->roles.partner) /* the other network's */
        side = side == PN_SIDE_CENTRE  ? PN_SIDE_ECOLE
               : side == PN_SIDE_ECOLE ? PN_SIDE_CENTRE
                                       : PN_SIDE_NONE;
    else if (i != p->f->roles.ident)
        return 0;
    return side == PN_SIDE_CENTRE ? 14 : side == PN_SIDE_ECOLE ? 8 : 0;
}

/* ---- Answers ----------------------------------------------------------------------------- */

/* The boxes of @list at @x, @w wide: on one line when they fit, else in up to three columns,
 * read down each column. */
static void choices(printer *p, const pn_choice_list *list, double x, double w)
{
    double widest = 0, line = 0, h = 0, step = BOX + BOX_GAP;
    for (size_t k = 0; k < list->n; k++) {
        h = fmax(h, lay(p, F_BODY, list->items[k].label, -1));
        widest = fmax(widest, lay_width(p));
        line += step + lay_width(p) + 18;
    }
    if (line - 18 <= w) { /* one line */
        double at = x;
        room(p, h);
        for (size_t k = 0; k < list->n; k++) {
            text(p, F_BODY, list->items[k].label, at + step, -1, INK);
            box(p, at, p->y + baseline(p));
            at += step + lay_width(p) + 18;
        }
        p->y += h;
        return;
    }
    size_t cols = widest + step + 12 <= w / 3 ? 3 : widest + step + 12 <= w / 2 ? 2 : 1;
    size_t rows = (list->n + cols - 1) / cols;
    double colw = w / (double)cols;
    for (size_t r = 0; r < rows; r++) {
        h = 0;
        for (size_t c = 0; c < cols; c++)
            if (c * rows + r < list->n)
                h = fmax(h, lay(p, F_BODY, list->items[c * rows + r].label, colw - step - 10));
        room(p, h);
        for (size_t c = 0; c < cols; c++) {
            size_t k = c * rows + r;
            if (k >= list->n)
                continue;
            double cx = x + (double)c * colw;
            text(p, F_BODY, list->items[k].label, cx + step, colw - step - 10, INK);
            box(p, cx, p->y + baseline(p));
        }
        p->y += h + 3;
    }
}

/* A box to write in at @x, @w wide: one line, LINES ruled lines for a long text, one cell per
 * character of an identifier, "jj / mm / aaaa" for a date, a short one for a number. */
static void field(printer *p, const pn_question *q, double x, double w)
{
    int n = cells(p, q);
    double h = q->multiline ? FIELD_H * LINES : FIELD_H;
    room(p, h);
    if (n > 0) {
        for (int i = 0; i < n; i++)
            rect(p, x + i * 15.0, p->y, 15.0, FIELD_H, INK, LINE);
    } else if (q->type == PN_Q_DATE) {
        rect(p, x, p->y, 120, FIELD_H, INK, LINE);
        double t = lay(p, F_SMALL, "jj / mm / aaaa", 110);
        show(p, x + 6, p->y + (FIELD_H - t) / 2, FAINT);
    } else if (q->type == PN_Q_INTEGER || q->type == PN_Q_DECIMAL) {
        rect(p, x, p->y, 90, FIELD_H, INK, LINE);
    } else {
        rect(p, x, p->y, w, h, INK, LINE);
        for (int i = 1; q->multiline && i < LINES; i++)
            hline(p, x + 4, x + w - 4, p->y + i * FIELD_H, FAINT, 0.5);
    }
    p->y += h;
}

/* The structure's own answer @v, pre-printed in a grey box. */
static void fixed(printer *p, const char *v, double x, double w)
{
    double t = lay(p, F_BOLD, v, w - 12);
    room(p, t + 8);
    rect(p, x, p->y, w, t + 8, FIXED, LINE);
    show(p, x + 6, p->y + 4, INK);
    p->y += t + 8;
}

/* ---- Blocks ------------------------------------------------------------------------------ */

/* The line under a question's label: what to tick, then its hint. */
static void hint(printer *p, const pn_question *q, double x, double w)
{
    const char *how = NULL;
    if (q->type == PN_Q_SELECT_ONE && q->list && !identity(p, q))
        how = "Une seule r" EACUTE "ponse.";
    else if (q->type == PN_Q_SELECT_MULTIPLE && q->list &&
             (!q->hint || !strstr(q->hint, "lusieurs r" EACUTE "ponses possibles")))
        how = "Plusieurs r" EACUTE "ponses possibles.";
    if (!how && !q->hint)
        return;
    char *s = g_strconcat(how ? how : "", how && q->hint ? " " : "", q->hint ? q->hint : "", NULL);
    p->y += text(p, F_HINT, s, x, w, GREY) + 1;
    g_free(s);
}

/* The source text of @q's own skip rule, NULL when it has none. */
static const char *own_rule(const pn_question *q)
{
    return q->own_relevant ? pn_expr_text(q->relevant[q->nrelevant - 1]) : NULL;
}

/* How many questions from @q on, one after the other in its group, have the same own skip rule
 * (calculations and the metadata, which are not printed, set aside). */
static int same_rule(const printer *p, const pn_question *q)
{
    const char *rule = own_rule(q);
    size_t len = groups_len(q->path);
    int n = 1;
    for (const pn_question *r = q + 1; rule && r < p->f->q + p->f->nq; r++) {
        if (!asked(r))
            continue;
        if (r->type == PN_Q_NOTE || !own_rule(r) || strcmp(own_rule(r), rule) != 0 ||
            groups_len(r->path) != len || strncmp(r->path, q->path, len) != 0)
            break;
        n++;
    }
    return n;
}

/* @q's own skip rule, once for the questions after it that share it ("(questions 4 à 9)"),
 * again at the top of a page that goes on with them ("(suite)"). */
static void own_rule_line(printer *p, const pn_question *q, double x, double w)
{
    const char *own = own_rule(q);
    int more = own && p->last_rule && strcmp(own, p->last_rule) == 0;
    if (own == NULL || (more && (p->dry || p->y > TOP + 1)))
        return;
    pn_strbuf sb = PN_STRBUF_INIT;
    rule_text(p, q, q->nrelevant - 1, q->nrelevant, &sb);
    int n = more ? 0 : same_rule(p, q);
    if (more)
        oom(p, pn_strbuf_puts(&sb, " (suite)"));
    else if (n > 1)
        oom(p, pn_strbuf_printf(&sb, " (questions %s%d " AGRAVE " %s%d)", p->prefix, p->num + 1,
                                p->prefix, p->num + n));
    p->y += text(p, F_RULE, pn_strbuf_str(&sb), x, w, RULE) + 2;
    pn_strbuf_release(&sb);
}

/* One question: its own skip rule, number, label, hint and where to answer. */
static void question(printer *p, const void *arg)
{
    const pn_question *q = arg;
    double x = LEFT + NUM_W, w = WIDTH - NUM_W;
    own_rule_line(p, q, x, w);
    pn_strbuf sb = PN_STRBUF_INIT;
    char num[32];
    snprintf(num, sizeof num, "%s%d.", p->prefix, ++p->num);
    text(p, F_BOLD, num, LEFT, NUM_W, INK);
    oom(p, pn_strbuf_printf(&sb, "%s%s", q->label, q->required ? NBSP "*" : ""));
    p->y += text(p, F_BOLD, pn_strbuf_str(&sb), x, w, INK) + 1;
    pn_strbuf_release(&sb);
    hint(p, q, x, w);
    p->y += 4;
    const char *v = identity(p, q);
    if (v)
        fixed(p, v, x, fmin(w, 300));
    else if ((q->type == PN_Q_SELECT_ONE || q->type == PN_Q_SELECT_MULTIPLE) && q->list)
        choices(p, q->list, x, w);
    else
        field(p, q, x, w);
    p->y += GAP;
    p->last_rule = own_rule(q);
}

/* A note of the form (not an opening one): its skip rule, its text on a grey ground. */
static void note(printer *p, const void *arg)
{
    const pn_question *q = arg;
    pn_strbuf sb = PN_STRBUF_INIT;
    if (q->own_relevant) {
        rule_text(p, q, q->nrelevant - 1, q->nrelevant, &sb);
        p->y += text(p, F_RULE, pn_strbuf_str(&sb), LEFT + NUM_W, WIDTH - NUM_W, RULE) + 4;
    }
    pn_strbuf_release(&sb);
    double h = lay(p, F_BODY, q->label, WIDTH - NUM_W - 12);
    rect(p, LEFT + NUM_W, p->y, WIDTH - NUM_W, h + 10, NOTE_BG, NOTE_BG);
    show(p, LEFT + NUM_W + 6, p->y + 5, INK);
    p->y += h + 10 + GAP;
    p->last_rule = NULL;
}

static void item(printer *p, const void *arg)
{
    const pn_question *q = arg;
    (q->type == PN_Q_NOTE ? note : question)(p, q);
}

/* A heading: its words on a band, then the rule of its group in words (NULL: none). */
typedef struct heading {
    const char *title, *rule, *more; /* more: a sentence under it, NULL when none */
    int font;
} heading;

static void head(printer *p, const void *arg)
{
    const heading *h = arg;
    p->last_rule = NULL;
    if (p->y > TOP + 1)
        p->y += 6;
    double t = lay(p, h->font, h->title, WIDTH - 12);
    rect(p, LEFT, p->y, WIDTH, t + 8, BAND, BAND);
    show(p, LEFT + 6, p->y + 4, INK);
    p->y += t + 8 + 6;
    if (h->rule && *h->rule)
        p->y += text(p, F_RULE, h->rule, LEFT, WIDTH, RULE) + 4;
    if (h->more)
        p->y += text(p, F_BODY, h->more, LEFT, WIDTH, INK) + 4;
    p->y += 4;
}

/* ---- Page 1 ------------------------------------------------------------------------------ */

/* The structure's identity in a frame: pre-printed, or lines to write on. */
static void identity_box(printer *p)
{
    const pn_question *cq = pn_form_role(p->f, p->f->roles.commune);
    const char *kind = p->f->side == PN_SIDE_CENTRE  ? "SIRET"
                       : p->f->side == PN_SIDE_ECOLE ? "UAI"
                                                     : "Identifiant";
    const char *commune = NULL;
    if (p->e) {
        const pn_choice *c = cq && cq->list ? pn_choice_find(cq->list, p->e->commune) : NULL;
        commune = c ? c->label : p->e->commune_name;
    }
    const char *labels[] = {"Structure :", kind, "Commune :"};
    const char *values[] = {p->e ? p->e->name : NULL, p->e ? p->e->ident : NULL, commune};
    double top = p->y, col = LEFT + 100, row = 20;
    char ident[32];
    snprintf(ident, sizeof ident, "%s :", kind);
    labels[1] = ident;
    p->y += 8;
    for (int i = 0; i < 3; i++) {
        double h = text(p, F_BODY, labels[i], LEFT + 8, 90, INK);
        double b = baseline(p);
        if (values[i] && *values[i])
            h = fmax(h, text(p, F_BOLD, values[i], col, LEFT + WIDTH - 8 - col, INK));
        else
            hline(p, col, LEFT + WIDTH - 8, p->y + b + 3, LINE, 0.6);
        p->y += fmax(h, row - 4) + 4;
    }
    p->y += 4;
    rect(p, LEFT, top, WIDTH, p->y - top, INK, LINE);
    p->y += 10;
}

/* The title, the structure, the form's opening notes and how to fill the form in. */
static void front(printer *p)
{
    const char *version = p->f->version ? p->f->version : "";
    p->y += text(p, F_TITLE, p->f->title, LEFT, WIDTH, INK) + 3;
    char *v = g_strconcat("Questionnaire papier", *version ? DASH "version " : "", version, NULL);
    p->y += text(p, F_SMALL, v, LEFT, WIDTH, GREY) + 10;
    g_free(v);
    identity_box(p);
    for (size_t i = 0; i < p->lead; i++)
        if (p->f->q[i].type == PN_Q_NOTE)
            p->y += text(p, F_BODY, p->f->q[i].label, LEFT, WIDTH, INK) + 8;
    double h = lay(p, F_HINT,
                   "Mode d'emploi : cochez la case de la r" EACUTE "ponse choisie (plusieurs cases "
                   "quand c'est indiqu" EACUTE ") et " EACUTE "crivez lisiblement dans les "
                   "cadres. Une consigne en italique, " LAQUO " Si " ELLIPSIS " " RAQUO
                   ", dit quand r" EACUTE "pondre " AGRAVE " la question qui la suit : "
                   "sinon, passez-la. * : r" EACUTE "ponse obligatoire.",
                   WIDTH - 12);
    rect(p, LEFT, p->y, WIDTH, h + 10, NOTE_BG, NOTE_BG);
    show(p, LEFT + 6, p->y + 5, INK);
    p->y += h + 10 + 8;
}

/* The opening notes: the notes asked of everyone before the first question. */
static size_t leading_notes(const pn_form *f)
{
    size_t i = 0;
    while (i < f->nq && (!asked(&f->q[i]) || (f->q[i].type == PN_Q_NOTE && f->q[i].nrelevant == 0 &&
                                              f->q[i].group == NULL)))
        i++;
    return i;
}

/* ---- The whole ---------------------------------------------------------------------------- */

/* Whether @q is a note that leads into the partners' repeat @rep: the asked questions after it
 * up to the repeat's first are notes too. The partners' sheets print it (each sheet holds
 * what it takes to fill it in). */
static int leads_to_partners(const pn_form *f, const pn_question *q, int rep)
{
    if (rep < 0 || q->type != PN_Q_NOTE || q->repeat == rep)
        return 0;
    for (const pn_question *r = q + 1; r < f->q + f->nq; r++)
        if (asked(r) && r->type != PN_Q_NOTE)
            return r->repeat == rep;
    return 0;
}

/* The partners' repeat @rep: PARTNER_SHEETS sheets, each on pages of its own, its questions
 * numbered P1, P2... Under each sheet's heading: the repeat's rule, the notes that lead to it,
 * and how many sheets there are. */
static void partner_sheets(printer *p, int rep)
{
    const pn_form *f = p->f;
    const pn_question *first = NULL;
    pn_strbuf rule = PN_STRBUF_INIT, more = PN_STRBUF_INIT;
    for (size_t i = 0; i < f->nq && first == NULL; i++) {
        if (leads_to_partners(f, &f->q[i], rep))
            oom(p, pn_strbuf_printf(&more, "%s ", f->q[i].label));
        if (f->q[i].repeat == rep && asked(&f->q[i]))
            first = &f->q[i];
    }
    if (first == NULL)
        goto out;
    rule_text(p, first, 0, group_rules(first), &rule);
    oom(p, pn_strbuf_printf(&more,
                            "%d fiches sont pr" EACUTE "vues : si vous avez plus de %d "
                            "partenaires, photocopiez une fiche vierge avant de la remplir.",
                            PARTNER_SHEETS, PARTNER_SHEETS));
    int num = p->num;
    for (int s = 1; s <= PARTNER_SHEETS; s++) {
        char *title = g_strdup_printf("%s" DASH "fiche n\xc2\xb0 %d", f->repeats[rep].label, s);
        heading h = {title, pn_strbuf_str(&rule), pn_strbuf_str(&more), F_HEAD};
        if (p->y > TOP + 1)
            new_page(p);
        p->prefix = "P";
        p->num = 0;
        place(p, head, &h, item, first);
        for (const pn_question *q = first + 1; q < f->q + f->nq; q++)
            if (q->repeat == rep && asked(q))
                place(p, item, q, NULL, NULL);
        g_free(title);
    }
    p->prefix = "";
    p->num = num;
out:
    pn_strbuf_release(&rule);
    pn_strbuf_release(&more);
}

/* Every page, from the first: on the first pass (p->cr NULL) only to count them. */
static void pages(printer *p)
{
    const pn_form *f = p->f;
    int rep = pn_form_links_repeat(f), partners_done = 0, fresh = 0;
    const char *section = NULL; /* the path of the question under the last heading */
    pn_strbuf rule = PN_STRBUF_INIT;
    p->page = p->num = 0;
    p->last_rule = NULL;
    p->prefix = "";
    new_page(p);
    front(p);
    for (size_t i = p->lead; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if (!asked(q) || leads_to_partners(f, q, rep))
            continue;
        if (rep >= 0 && q->repeat == rep) {
            if (!partners_done)
                partner_sheets(p, rep);
            partners_done = fresh = 1;
            section = NULL;
            continue;
        }
        if (fresh && p->y > TOP + 1)
            new_page(p); /* the partners' sheets have pages of their own */
        fresh = 0;
        size_t len = groups_len(q->path);
        if (q->group && (section == NULL || groups_len(section) != len ||
                         strncmp(section, q->path, len) != 0)) {
            section = q->path;
            rule_text(p, q, 0, group_rules(q), &rule);
            heading h = {q->group, pn_strbuf_str(&rule), NULL, F_HEAD};
            place(p, head, &h, item, q);
        } else {
            if (q->group == NULL)
                section = NULL;
            place(p, item, q, NULL, NULL);
        }
    }
    footer(p);
    if (p->cr)
        cairo_show_page(p->cr);
    pn_strbuf_release(&rule);
}

static void printer_init(printer *p, const pn_form *f, const pn_registry_entry *e)
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->e = e;
    p->prefix = "";
    p->lead = leading_notes(f);
    p->map = pango_cairo_font_map_new();
    p->ctx = pango_font_map_create_context(p->map);
    /* points as Pango's units, no hinting: the same metrics on every pass and machine */
    pango_cairo_context_set_resolution(p->ctx, 72);
    cairo_font_options_t *o = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(p->ctx, o);
    cairo_font_options_destroy(o);
    pango_context_set_language(p->ctx, pango_language_from_string("fr-fr"));
    pango_context_set_base_dir(p->ctx, PANGO_DIRECTION_LTR);
    p->lay = pango_layout_new(p->ctx);
    pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD);
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE)); /* words stay whole */
    pango_layout_set_attributes(p->lay, attrs);
    pango_attr_list_unref(attrs);
    for (int i = 0; i < F_COUNT; i++) {
        p->font[i] = pango_font_description_new();
        pango_font_description_set_family(p->font[i], FONT);
        pango_font_description_set_size(p->font[i], pango_units_from_double(fonts[i].size));
        pango_font_description_set_weight(p->font[i], fonts[i].weight);
        pango_font_description_set_style(p->font[i], fonts[i].style);
    }
}

static void printer_release(printer *p)
{
    for (int i = 0; i < F_COUNT; i++)
        if (p->font[i])
            pango_font_description_free(p->font[i]);
    if (p->lay)
        g_object_unref(p->lay);
    if (p->ctx)
        g_object_unref(p->ctx);
    if (p->map)
        g_object_unref(p->map);
    pn_strbuf_release(&p->text);
}

/* The PDF's creation date: the form version's when it starts with one (2026112401: the 24th
 * of November 2026, as the bundled forms number their versions), else a fixed one, so that
 * the file depends only on the form. */
static void pdf_date(const char *version, char *buf, size_t size)
{
    unsigned y = 0, m = 0, d = 0;
    if (version && strlen(version) >= 8 && strspn(version, "0123456789") >= 8 &&
        sscanf(version, "%4u%2u%2u", &y, &m, &d) == 3 && y >= 1990 && m >= 1 && m <= 12 && d >= 1 &&
        d <= 31)
        snprintf(buf, size, "%04u-%02u-%02uT12:00:00", y, m, d);
    else
        snprintf(buf, size, "2000-01-01T12:00:00");
}

pn_status pn_form_print(const pn_form *f, const pn_registry_entry *e, const char *path,
                        pn_error *err)
{
    printer p;
    char *target = NULL, *tmp = NULL, date[32];
    cairo_surface_t *pdf = NULL;
    pn_status st = PN_OK;
    printer_init(&p, f, e);
    pages(&p); /* the first pass counts the pages for the footers */
    p.npages = p.page;
    if ((st = wb_make_temp(path, "questionnaire.pdf", &target, &tmp, err)) != PN_OK)
        goto out;
    pdf = cairo_pdf_surface_create(tmp, PAGE_W, PAGE_H);
    if (cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS) {
        st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", path,
                          cairo_status_to_string(cairo_surface_status(pdf)));
        goto out;
    }
    pdf_date(f->version, date, sizeof date);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, f->title);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "panorama");
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    if (e)
        cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_SUBJECT, e->name);
    p.cr = cairo_create(pdf);
    pages(&p);
    cairo_status_t cs = cairo_status(p.cr);
    cairo_destroy(p.cr);
    p.cr = NULL;
    cairo_surface_finish(pdf); /* writes the file */
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(pdf);
    if (p.st != PN_OK) {
        st = pn_error_set(err, p.st, "out of memory writing '%s'", path);
        goto out;
    }
    if (cs != CAIRO_STATUS_SUCCESS) {
        st = pn_error_set(err, cs == CAIRO_STATUS_NO_MEMORY ? PN_ENOMEM : PN_EIO,
                          "cannot write '%s': %s", path, cairo_status_to_string(cs));
        goto out;
    }
    if (p.page != p.npages) { /* the two passes must lay the pages out alike */
        st = pn_error_set(err, PN_EINTERNAL, "'%s': %d pages laid out, %d counted", path, p.page,
                          p.npages);
        goto out;
    }
    if ((st = wb_commit_temp(tmp, target, path, err)) != PN_OK)
        goto out;
    free(tmp);
    tmp = NULL;
out:
    if (pdf)
        cairo_surface_destroy(pdf); /* closes the file before it is removed */
    if (tmp)
        remove(tmp);
    free(tmp);
    free(target);
    printer_release(&p);
    return st;
}
