/* header.c - the header of a file (import_internal.h): each column matched to what it holds
 * (import/mapping.h), the file's level (the main form or one repeat), the columns it must have,
 * and the message for columns no rule maps. */
#include "import/import_internal.h"
#include "import/cells_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strindex.h"

/* "column 3 'Q1'" for messages. */
static const char *describe_column(size_t c, const char *head, char *buf, size_t size)
{
    if (*head)
        snprintf(buf, size, "column %zu '%s'", c + 1, head);
    else
        snprintf(buf, size, "column %zu (empty header)", c + 1);
    return buf;
}

/* The first column (*@dup, -1 for none) that holds the same answer or tick box as an earlier
 * one, and the first such earlier column (*@first): through an index of what each column
 * holds, not by comparing each column with every one before it. Returns PN_ENOMEM or PN_OK. */
static pn_status duplicate_column(const pn_col *cols, size_t n, int *dup, int *first)
{
    pn_strindex seen = PN_STRINDEX_INIT;
    int *keys = calloc(n ? 3 * n : 1, sizeof *keys); /* per column: kind, question, choice */
    pn_status st = keys ? PN_OK : PN_ENOMEM;
    *dup = *first = -1;
    for (size_t c = 0; c < n && st == PN_OK && *dup < 0; c++) {
        if (cols[c].kind != PN_COL_ANSWER && cols[c].kind != PN_COL_TICK)
            continue;
        int *key = &keys[3 * c];
        key[0] = (int)cols[c].kind, key[1] = cols[c].q, key[2] = cols[c].choice;
        size_t k;
        if (pn_strindex_get(&seen, (const char *)key, 3 * sizeof *key, &k)) {
            *dup = (int)c;
            *first = (int)k;
        } else {
            st = pn_strindex_put(&seen, (const char *)key, 3 * sizeof *key, c);
        }
    }
    pn_strindex_release(&seen);
    free(keys);
    return st;
}

/* What the columns of a header say of the file's level (classify_columns). */
typedef struct header_scan {
    int ident;   /* the question of the structure's identifier, or -1 */
    int level;   /* the repeat of the columns seen; -2: not known yet */
    int top_col; /* a top-level column other than the identifier and timestamps, or -1 */
} header_scan;

/* Note what each column holds: the key, parent key, submission time and identifier columns,
 * the unmapped ones, and the level of the answers; two columns that hold the same answer, or
 * answers of two levels, are an error. */
static pn_status classify_columns(file_reader *fr, size_t n, char *const *f, header_scan *hs,
                                  pn_error *err)
{
    const pn_form *form = fr->rd->plan->form;
    char col[400];
    int dup, dup_of;
    if (duplicate_column(fr->cols, n, &dup, &dup_of) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t c = 0; c < n; c++) {
        pn_col *pc = &fr->cols[c];
        switch (pc->kind) {
        case PN_COL_UNMAPPED:
            fr->unmapped++;
            continue;
        case PN_COL_KEY:
            if (fr->key_col < 0 || pc->rank < fr->cols[fr->key_col].rank)
                fr->key_col = (int)c;
            continue;
        case PN_COL_PARENT:
            fr->parent_col = (int)c;
            continue;
        case PN_COL_SUBMITTED:
            if (fr->submitted_col < 0)
                fr->submitted_col = (int)c;
            continue;
        case PN_COL_IGNORED:
            continue;
        default:
            break;
        }
        const pn_question *q = &form->q[pc->q];
        size_t k = (size_t)dup_of;
        if ((int)c == dup)
            return pn_error_set(err, PN_EINPUT, "%s:1: %s and column %zu '%s' both hold %s%s%s'%s'",
                                fr->stats->path, describe_column(c, f[c], col, sizeof col), k + 1,
                                f[k], pc->kind == PN_COL_TICK ? "the tick box of '" : "",
                                pc->kind == PN_COL_TICK ? q->list->items[pc->choice].name : "",
                                pc->kind == PN_COL_TICK ? "' of " : "", q->name);
        if (q->type == PN_Q_CALCULATE)
            continue; /* recomputed from the answers, whatever the file says */
        if (q->repeat < 0) {
            if (pc->q == hs->ident) {
                if (fr->ident_col < 0)
                    fr->ident_col = (int)c;
                continue;
            }
            if (q->type == PN_Q_DATETIME)
                continue; /* start, end: a repeat file from a tool may carry them */
            if (hs->top_col < 0)
                hs->top_col = (int)c;
        }
        if (q->repeat >= 0) {
            if (hs->level >= 0 && hs->level != q->repeat)
                return pn_error_set(err, PN_EINPUT,
                                    "%s:1: %s belongs to repeat '%s' while earlier columns "
                                    "belong to repeat '%s': each repeat group comes in its own "
                                    "file",
                                    fr->stats->path, describe_column(c, f[c], col, sizeof col),
                                    form->repeats[q->repeat].name, form->repeats[hs->level].name);
            hs->level = q->repeat;
        }
    }
    return PN_OK;
}

/* The file's level, into fr->stats->repeat, from what its columns hold: a repeat file needs a
 * column that links each entry to its submission. */
static pn_status decide_level(file_reader *fr, char *const *f, header_scan *hs, pn_error *err)
{
    const pn_form *form = fr->rd->plan->form;
    char col[400];
    if (hs->level >= 0 && hs->top_col >= 0)
        return pn_error_set(err, PN_EINPUT,
                            "%s:1: %s belongs to the main form while other columns belong to "
                            "repeat '%s': a repeat group must come in its own file",
                            fr->stats->path,
                            describe_column((size_t)hs->top_col, f[hs->top_col], col, sizeof col),
                            form->repeats[hs->level].name);
    if (hs->level < 0 && fr->parent_col >= 0) {
        if (form->nrepeats == 1 && hs->top_col < 0 && fr->ident_col < 0) {
            hs->level = 0;
        } else {
            return pn_error_set(err, PN_EINPUT,
                                "%s:1: the file has a %s column but no question of a repeat "
                                "group of form '%s'",
                                fr->stats->path, f[fr->parent_col], form->id);
        }
    }
    if (hs->level >= 0) {
        if (fr->parent_col < 0 && fr->ident_col < 0)
            return pn_error_set(err, PN_EINPUT,
                                "%s:1: the columns belong to repeat '%s', so the file needs a "
                                "column linking each entry to its submission: PARENT_KEY (the "
                                "submission's KEY)%s%s%s",
                                fr->stats->path, form->repeats[hs->level].name,
                                hs->ident >= 0 ? " or the question '" : "",
                                hs->ident >= 0 ? form->q[hs->ident].name : "",
                                hs->ident >= 0 ? "'" : "");
        if (fr->parent_col >= 0)
            fr->ident_col = -1; /* the key says it; the identifier is only an answer here */
    } else {
        if (hs->top_col < 0 && fr->ident_col < 0) {
            if (hs->level == -2 && fr->parent_col < 0 && fr->key_col < 0)
                return pn_error_set(err, PN_EINPUT,
                                    "%s:1: no column of the header is a question of form '%s'",
                                    fr->stats->path, form->id);
        }
        hs->level = -1;
        fr->ident_col = -1;
    }
    fr->stats->repeat = hs->level;
    return PN_OK;
}

/* A required question of the file's level with no column would reject every row. */
static pn_status check_required(file_reader *fr, size_t n, pn_error *err)
{
    const pn_form *form = fr->rd->plan->form;
    for (size_t i = 0; i < form->nq; i++) {
        const pn_question *q = &form->q[i];
        if (q->repeat != fr->stats->repeat || !q->required || q->type == PN_Q_CALCULATE)
            continue;
        int found = 0;
        for (size_t c = 0; c < n && !found; c++)
            found = (fr->cols[c].kind == PN_COL_ANSWER || fr->cols[c].kind == PN_COL_TICK) &&
                    fr->cols[c].q == (int)i;
        if (!found)
            return pn_error_set(err, PN_EINPUT,
                                "%s:1: no column for the required question '%s' (\"%s\") of form "
                                "'%s'",
                                fr->stats->path, q->name, q->label, form->id);
    }
    return PN_OK;
    return PN_OK;
}

pn_status import_read_header(file_reader *fr, size_t n, char *const *f, pn_error *err)
{
    reader *rd = fr->rd;
    const pn_form *form = rd->plan->form;
    pn_status st = PN_OK;
    fr->ncols = n;
    fr->cols = calloc(n ? n : 1, sizeof *fr->cols);
    if (fr->cols == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    fr->dialect = rd->plan->opts->dialect;
    if (fr->dialect == PN_DIALECT_AUTO)
        fr->dialect = pn_dialect_detect(n, f, fr->info.encoding, fr->info.delim);
    if ((st = pn_map_header_cells(rd->cells, rd->map, fr->dialect, n, f, fr->cols, err)) != PN_OK)
        return st;
    fr->key_col = fr->parent_col = fr->submitted_col = fr->ident_col = -1;
    if ((fr->has_ticks = calloc(form->nq ? form->nq : 1, 1)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t c = 0; c < n; c++)
        if (fr->cols[c].kind == PN_COL_TICK)
            fr->has_ticks[fr->cols[c].q] = 1;
    const pn_question *side_q = pn_form_side_question(form);
    header_scan hs = {.ident = side_q ? (int)(side_q - form->q) : -1, .level = -2, .top_col = -1};
    if ((st = classify_columns(fr, n, f, &hs, err)) != PN_OK)
        return st;
    if (fr->unmapped)
        return PN_OK; /* the rows are read for samples of the unmapped columns */
    if ((st = decide_level(fr, f, &hs, err)) != PN_OK)
        return st;
    return check_required(fr, n, err);
}

/* A file with columns no rule maps: keep a few distinct values of each, for the message and
 * the mapping template. */
pn_status import_collect_samples(file_reader *fr, size_t n, char *const *f, pn_error *err)
{
    if (fr->sample_rows++ >= 2000)
        return PN_STOP; /* enough to show */
    for (size_t c = 0; c < n && c < fr->ncols; c++) {
        pn_strbuf *sb = &fr->samples[c];
        if (fr->cols[c].kind != PN_COL_UNMAPPED || *f[c] == '\0' || fr->nsamples[c] >= 4)
            continue;
        char quoted[96];
        snprintf(quoted, sizeof quoted, "« %.60s »", f[c]);
        if (sb->len && strstr(pn_strbuf_str(sb), quoted))
            continue;
        if ((sb->len && pn_strbuf_puts(sb, ", ") != PN_OK) || pn_strbuf_puts(sb, quoted) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        fr->nsamples[c]++;
    }
    return PN_OK;
}

/* The error for a header with unmapped columns; each is added to the mapping template. */
pn_status import_unmapped_error(file_reader *fr, pn_error *err)
{
    reader *rd = fr->rd;
    char *const *head = fr->head;
    pn_strbuf list = PN_STRBUF_INIT, note = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    size_t shown = 0;
    for (size_t c = 0; c < fr->ncols && st == PN_OK; c++) {
        if (fr->cols[c].kind != PN_COL_UNMAPPED)
            continue;
        pn_strbuf_reset(&note);
        if (fr->samples[c].len)
            st = pn_strbuf_printf(&note, "valeurs vues : %s", pn_strbuf_str(&fr->samples[c]));
        else
            st = pn_strbuf_puts(&note, "colonne vide dans ce fichier");
        if (st == PN_OK)
            st = pn_map_add(rd->map, PN_MAP_COLUMN, head[c], "", pn_strbuf_str(&note));
        if (st == PN_OK && shown < 8) {
            shown++;
            st = pn_strbuf_printf(&list, "\n  column %zu '%s' (%s)", c + 1, head[c],
                                  fr->samples[c].len ? pn_strbuf_str(&fr->samples[c])
                                                     : "always empty");
        }
    }
    if (st == PN_OK && fr->unmapped > shown)
        st = pn_strbuf_printf(&list, "\n  and %zu more", fr->unmapped - shown);
    if (st == PN_OK)
        st = pn_error_set(err, PN_EINPUT,
                          "%s:1: %zu %s of this %s cannot be matched to a question of form '%s' "
                          "by name, group path or label:%s\nSay what each holds in a mapping "
                          "file (--map FILE): the program writes the template for you",
                          fr->stats->path, fr->unmapped, fr->unmapped == 1 ? "column" : "columns",
                          pn_dialect_title(fr->dialect), rd->plan->form->id, pn_strbuf_str(&list));
    else
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
    rd->unmapped_columns += fr->unmapped;
    pn_strbuf_release(&list);
    pn_strbuf_release(&note);
    return st;
}
