/* cells.c - a cell of an export turned into an answer: folded labels, choices by name or
 * label, yes/no, numbers and dates as French spreadsheets write them, identifiers. */
#include "import/mapping.h"
#include "import/cells_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/csv.h"
#include "util/date.h"
#include "util/fold.h"
#include "util/ident.h"

/* ---- folded labels, prepared once per import ------------------------------------------ */

/* Index @key as choice @k in @ix: the first choice keeps it, marked SHARED when another
 * comes. */
static pn_status index_choice(pn_strindex *ix, const char *key, size_t k)
{
    size_t len = strlen(key), *v = pn_strindex_value(ix, key, len);
    if (v) {
        *v |= SHARED;
        return PN_OK;
    }
    return pn_strindex_put(ix, key, len, k);
}

static const char *const yes_words[] = {"oui", "o", "yes", "y", "1", "true", "vrai", "x"};
static const char *const no_words[] = {"non", "n", "no", "0", "false", "faux"};

static int word_in(const char *folded, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(folded, words[i]) == 0)
            return 1;
    return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void pn_cells_destroy(pn_cells *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->form->nq; i++) {
        free(c->label ? c->label[i] : NULL);
        free(c->label_path ? c->label_path[i] : NULL);
        if (c->choice && c->choice[i] && c->form->q[i].list) {
            for (size_t k = 0; k < c->form->q[i].list->n; k++)
                free(c->choice[i][k]);
            free(c->choice[i]);
        }
        if (c->lower_name && c->lower_name[i] && c->form->q[i].list) {
            for (size_t k = 0; k < c->form->q[i].list->n; k++)
                free(c->lower_name[i][k]);
            free(c->lower_name[i]);
        }
        if (c->by_label)
            pn_strindex_release(&c->by_label[i]);
        if (c->by_lower_name)
            pn_strindex_release(&c->by_lower_name[i]);
    }
    free(c->lower_name);
    free(c->by_label);
    free(c->by_lower_name);
    free(c->label);
    free(c->label_path);
    free(c->choice);
    free(c->ident);
    free(c->yes_no);
    free(c->no_idx);
    free(c->seen);
    pn_header_index_free(c->hx, c->form->nq);
    pn_strbuf_release(&c->fold);
    pn_strbuf_release(&c->part);
    free(c);
}

/* The identifiers the project's forms hold, by the roles of form.h: the structure's own
 * (a SIRET on a centre's form, a UAI on a school's), its partner's (the other side's), a QPV
 * code, a commune typed as text. Returns the pn_ident_kind + 1, or 0. */
static int ident_kind(const pn_form *form, const pn_question *q)
{
    int qi = (int)(q - form->q);
    if (q->type != PN_Q_TEXT)
        return 0;
    if (form->side != PN_SIDE_NONE && qi == form->roles.ident)
        return (form->side == PN_SIDE_CENTRE ? PN_IDENT_SIRET : PN_IDENT_UAI) + 1;
    if (qi == form->roles.code_qpv)
        return PN_IDENT_QPV + 1;
    if (qi == form->roles.commune)
        return PN_IDENT_COMMUNE + 1;
    if (qi == form->roles.partner && form->side != PN_SIDE_NONE)
        return (form->side == PN_SIDE_CENTRE ? PN_IDENT_UAI : PN_IDENT_SIRET) + 1;
    return 0;
}

/* An identifier: typing habits undone, lost leading zeros put back when only one value fits,
 * then checked (check letter, Luhn, format); a value that fails gets the reason. */
static int convert_ident(pn_ident_kind kind, const char *v, pn_strbuf *out)
{
    char norm[256], fixed[PN_IDENT_SIZE], msg[PN_IDENT_MSG_SIZE];
    const char *use = v;
    int changed = 0;
    if (strlen(v) < sizeof norm && pn_ident_normalize(kind, v, norm, sizeof norm) == 1) {
        use = norm;
        changed = 1;
    }
    if (pn_ident_repair(kind, use, fixed, sizeof fixed)) {
        use = fixed;
        changed = 1;
    }
    pn_strbuf_reset(out);
    if (pn_ident_check(kind, use, msg, sizeof msg)) {
        if (!changed)
            return PN_CELL_SAME;
        return pn_strbuf_puts(out, use) == PN_OK ? PN_CELL_CONVERTED : -1;
    }
    return pn_strbuf_puts(out, msg) == PN_OK ? PN_CELL_BAD : -1;
}

pn_cells *pn_cells_new(const pn_form *form, const pn_map *map)
{
    pn_cells *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->form = form;
    c->map = map;
    size_t nq = form->nq ? form->nq : 1;
    c->label = calloc(nq, sizeof *c->label);
    c->label_path = calloc(nq, sizeof *c->label_path);
    c->choice = calloc(nq, sizeof *c->choice);
    c->ident = calloc(nq, sizeof *c->ident);
    c->yes_no = calloc(nq, sizeof *c->yes_no);
    c->no_idx = calloc(nq, sizeof *c->no_idx);
    c->lower_name = calloc(nq, sizeof *c->lower_name);
    c->by_label = calloc(nq, sizeof *c->by_label);
    c->by_lower_name = calloc(nq, sizeof *c->by_lower_name);
    if (!c->label || !c->label_path || !c->choice || !c->yes_no || !c->no_idx || !c->ident ||
        !c->lower_name || !c->by_label || !c->by_lower_name)
        goto fail;
    for (size_t i = 0; i < form->nq; i++) {
        const pn_question *q = &form->q[i];
        c->ident[i] = ident_kind(form, q);
        if ((c->label[i] = pn_fold(q->label)) == NULL ||
            (c->label_path[i] = pn_fold(q->label_path)) == NULL)
            goto fail;
        if (q->list == NULL)
            continue;
        if (q->list->n > c->seen_cap)
            c->seen_cap = q->list->n;
        if ((c->choice[i] = calloc(q->list->n ? q->list->n : 1, sizeof **c->choice)) == NULL ||
            (c->lower_name[i] = calloc(q->list->n ? q->list->n : 1, sizeof **c->lower_name)) ==
                NULL)
            goto fail;
        int yes = -1, no = -1;
        for (size_t k = 0; k < q->list->n; k++) {
            if ((c->choice[i][k] = pn_fold(q->list->items[k].label)) == NULL ||
                (c->lower_name[i][k] = pn_strdup(q->list->items[k].name)) == NULL)
                goto fail;
            for (char *p = c->lower_name[i][k]; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            if (index_choice(&c->by_label[i], c->choice[i][k], k) != PN_OK ||
                index_choice(&c->by_lower_name[i], c->lower_name[i][k], k) != PN_OK)
                goto fail;
            char *name = pn_fold(q->list->items[k].name);
            if (name == NULL)
                goto fail;
            if (word_in(name, yes_words, COUNT(yes_words)))
                yes = (int)k;
            else if (word_in(name, no_words, COUNT(no_words)))
                no = (int)k;
            free(name);
        }
        if (q->list->n == 2 && yes >= 0 && no >= 0) {
            c->yes_no[i] = yes + 1;
            c->no_idx[i] = no + 1;
        }
    }
    if ((c->seen = calloc(c->seen_cap ? c->seen_cap : 1, 1)) == NULL)
        goto fail;
    return c;
fail:
    pn_cells_destroy(c);
    return NULL;
}

void pn_cells_set_map(pn_cells *c, const pn_map *map)
{
    c->map = map;
}

/* ---- cells ---------------------------------------------------------------------------- */

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

int pn_is_integer(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!is_digit(*s))
            return 0;
    return 1;
}

int pn_is_decimal(const char *s)
{
    int digits = 0, dot = 0;
    if (*s == '-' || *s == '+')
        s++;
    for (; *s; s++) {
        if (is_digit(*s))
            digits++;
        else if (*s == '.' && !dot)
            dot = 1;
        else
            return 0;
    }
    return digits > 0;
}

/* The folded @s into c->fold; returns it or NULL when out of memory. */
static const char *fold_into(pn_strbuf *buf, const char *s, size_t len)
{
    pn_strbuf_reset(buf);
    if (pn_fold_append(buf, s, len) != PN_OK)
        return NULL;
    return pn_strbuf_str(buf);
}

/* The map's choice for value @v (@len bytes) of question @q, or NULL. */
static const char *map_value(const pn_cells *c, const pn_question *q, const char *v, size_t len)
{
    const char *first = NULL; /* the file's first entry wins */
    size_t i;
    if (c->map == NULL || !pn_strindex_get(&c->map->by_source, v, len, &i))
        return NULL;
    for (; i != SIZE_MAX; i = c->map->prev[i]) {
        const pn_map_entry *e = &c->map->e[i];
        if (e->kind == PN_MAP_VALUE && *e->choice && strcmp(e->variable, q->name) == 0)
            first = e->choice;
    }
    return first;
}

/*
 * The choice index of one answer @v (@len bytes) of question @qi: by name, the mapping file,
 * folded label, folded name, yes/no spelling, or a code whose leading zeros were dropped.
 * -1 when none (or several) fit; -2 when out of memory.
 */
static int one_choice(pn_cells *c, size_t qi, const char *v, size_t len)
{
    const pn_question *q = &c->form->q[qi];
    const pn_choice_list *list = q->list;
    const pn_choice *ch = pn_choice_find_n(list, v, len);
    if (ch)
        return (int)(ch - list->items);
    const char *mapped = map_value(c, q, v, len);
    if (mapped && (ch = pn_choice_find(list, mapped)) != NULL)
        return (int)(ch - list->items);
    const char *fv = fold_into(&c->part, v, len);
    if (fv == NULL)
        return -2;
    if (*fv == '\0')
        return -1;
    int found = -1;
    size_t at;
    if (pn_strindex_get(&c->by_label[qi], fv, strlen(fv), &at))
        return at & SHARED ? -1 : (int)at; /* -1: two choices share the label */
    /* the name without regard to ASCII case: @fv is case-folded already */
    if (pn_strindex_get(&c->by_lower_name[qi], fv, strlen(fv), &at))
        return at & SHARED ? -1 : (int)at;
    if (c->yes_no[qi]) {
        if (word_in(fv, yes_words, COUNT(yes_words)))
            return c->yes_no[qi] - 1;
        if (word_in(fv, no_words, COUNT(no_words)))
            return c->no_idx[qi] - 1;
    }
    /* a spreadsheet read "01001" as the number 1001: pad with zeros if one code fits */
    int digits = len > 0;
    for (size_t i = 0; i < len && digits; i++)
        digits = is_digit(v[i]);
    if (digits) {
        for (size_t k = 0; k < list->n; k++) {
            const char *name = list->items[k].name;
            size_t nl = strlen(name);
            if (nl <= len || memcmp(name + nl - len, v, len) != 0)
                continue;
            int zeros = 1;
            for (size_t i = 0; i < nl - len && zeros; i++)
                zeros = name[i] == '0';
            if (!zeros)
                continue;
            if (found >= 0)
                return -1;
            found = (int)k;
        }
    }
    return found;
}

/* Write the ticked choices of @q (c->seen) to @out in the list's order. */
static int join_seen(pn_cells *c, const pn_question *q, pn_strbuf *out)
{
    pn_strbuf_reset(out);
    for (size_t k = 0; k < q->list->n; k++)
        if (c->seen[k]) {
            if ((out->len && pn_strbuf_append(out, " ", 1) != PN_OK) ||
                pn_strbuf_puts(out, q->list->items[k].name) != PN_OK)
                return -1;
        }
    if (pn_strbuf_append(out, "", 0) != PN_OK)
        return -1;
    return PN_CELL_CONVERTED;
}

static int convert_multiple(pn_cells *c, size_t qi, const char *v, pn_strbuf *out)
{
    const pn_question *q = &c->form->q[qi];
    memset(c->seen, 0, q->list->n);
    /* names separated by spaces: the XForm value */
    const char *p = v, *name;
    size_t n;
    int all_names = 1, any = 0;
    /* canonical: names in the list's order, each once, one space apart, nothing around them:
     * the value is already what join_seen would make of it (the usual case) */
    int canonical = 1;
    size_t last = 0;
    const char *end = v; /* where the previous name ended */
    while ((name = pn_select_next(&p, &n)) != NULL) {
        const pn_choice *ch = pn_choice_find_n(q->list, name, n);
        if (ch == NULL) {
            all_names = 0;
            break;
        }
        size_t k = (size_t)(ch - q->list->items);
        if (any ? k <= last || *end != ' ' || name != end + 1 : name != v)
            canonical = 0;
        c->seen[k] = 1;
        any = 1;
        last = k;
        end = name + n;
    }
    if (all_names) {
        if (!any)
            return PN_CELL_SAME;
        if (canonical && *end == '\0')
            return PN_CELL_SAME;
        if (join_seen(c, q, out) < 0)
            return -1;
        return strcmp(pn_strbuf_str(out), v) == 0 ? PN_CELL_SAME : PN_CELL_CONVERTED;
    }
    /* labels (or names) joined with ", " (Google Forms); a label may itself hold ", ", so
     * take at each point the longest run of parts that is a choice */
    memset(c->seen, 0, q->list->n);
    const char *parts[256];
    size_t lens[256], np = 0;
    for (const char *s = v;;) {
        const char *sep = strstr(s, ", ");
        if (np == sizeof parts / sizeof parts[0])
            return PN_CELL_UNMAPPED;
        parts[np] = s;
        lens[np++] = sep ? (size_t)(sep - s) : strlen(s);
        if (sep == NULL)
            break;
        s = sep + 2;
    }
    for (size_t i = 0; i < np;) {
        size_t took = 0;
        for (size_t j = np; j > i && !took; j--) {
            size_t len = (size_t)(parts[j - 1] + lens[j - 1] - parts[i]);
            int k = one_choice(c, qi, parts[i], len);
            if (k == -2)
                return -1;
            if (k >= 0) {
                c->seen[k] = 1;
                took = j - i;
            }
        }
        if (!took)
            return PN_CELL_UNMAPPED;
        i += took;
    }
    return join_seen(c, q, out) < 0 ? -1 : PN_CELL_CONVERTED;
}

static int convert_date(const char *v, int with_time, pn_strbuf *out)
{
    int r = pn_date_to_iso(v, with_time, out);
    return r < 0 ? -1 : r ? PN_CELL_CONVERTED : PN_CELL_SAME;
}

/* Numbers as a French spreadsheet writes them: "1 234,5" (space or NBSP between digits). */
static int convert_number(const char *v, int decimal, pn_strbuf *out)
{
    pn_strbuf_reset(out);
    int changed = 0;
    for (const char *p = v; *p; p++) {
        if (*p == ' ') {
            changed = 1;
            continue;
        }
        if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) { /* U+00A0 */
            p++, changed = 1;
            continue;
        }
        if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
            (unsigned char)p[2] == 0xAF) { /* U+202F */
            p += 2, changed = 1;
            continue;
        }
        char ch = *p;
        if (ch == ',' && decimal) {
            ch = '.';
            changed = 1;
        }
        if (pn_strbuf_append(out, &ch, 1) != PN_OK)
            return -1;
    }
    if (!changed || pn_strbuf_append(out, "", 0) != PN_OK)
        return changed ? -1 : PN_CELL_SAME;
    const char *s = pn_strbuf_str(out);
    if (decimal ? pn_is_decimal(s) : pn_is_integer(s))
        return PN_CELL_CONVERTED;
    return PN_CELL_SAME;
}

int pn_cells_convert(pn_cells *c, size_t qi, const char *v, pn_strbuf *out)
{
    const pn_question *q = &c->form->q[qi];
    if (*v == '\0')
        return PN_CELL_SAME;
    switch (q->type) {
    case PN_Q_SELECT_ONE: {
        if (pn_choice_find(q->list, v))
            return PN_CELL_SAME;
        int k = one_choice(c, qi, v, strlen(v));
        if (k == -2)
            return -1;
        if (k < 0)
            return PN_CELL_UNMAPPED;
        pn_strbuf_reset(out);
        return pn_strbuf_puts(out, q->list->items[k].name) == PN_OK ? PN_CELL_CONVERTED : -1;
    }
    case PN_Q_SELECT_MULTIPLE:
        return convert_multiple(c, qi, v, out);
    case PN_Q_INTEGER:
        return pn_is_integer(v) ? PN_CELL_SAME : convert_number(v, 0, out);
    case PN_Q_DECIMAL:
        return pn_is_decimal(v) ? PN_CELL_SAME : convert_number(v, 1, out);
    case PN_Q_DATE:
        return convert_date(v, 0, out);
    case PN_Q_DATETIME:
        return convert_date(v, 1, out);
    case PN_Q_TEXT:
        return c->ident[qi] ? convert_ident((pn_ident_kind)(c->ident[qi] - 1), v, out)
                            : PN_CELL_SAME;
    default:
        return PN_CELL_SAME;
    }
}

int pn_cells_tick(pn_cells *c, size_t qi, size_t choice, const char *v)
{
    if (*v == '\0')
        return 0;
    if (v[1] == '\0') {
        if (*v == '1' || *v == 'Y' || *v == 'y' || *v == 'X' || *v == 'x')
            return 1;
        if (*v == '0' || *v == 'N' || *v == 'n')
            return 0;
    }
    const char *fv = fold_into(&c->part, v, strlen(v));
    if (fv == NULL)
        return -2;
    if (word_in(fv, yes_words, COUNT(yes_words)))
        return 1;
    if (word_in(fv, no_words, COUNT(no_words)))
        return 0;
    if (strcmp(fv, c->choice[qi][choice]) == 0 ||
        strcmp(v, c->form->q[qi].list->items[choice].name) == 0)
        return 1;
    return -1;
}
