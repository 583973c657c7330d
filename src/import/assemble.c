/* assemble.c - a row of a file made into a row to store (import_internal.h): the header
 * first (header.c), then for each row its key, the submission a repeat entry belongs to (and
 * that submission's answers, which the entry's checks and calculations see), its cells
 * converted into answers (cells.c), its checks (checks.c), and the row handed to the storing
 * side (pipeline.c). The reading thread's. */
#include "import/import_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/date.h"

static const char *value_of(reader *rd, const char *name)
{
    const char *v = pn_calc_lookup(&rd->calc, name);
    return v ? v : "";
}

/* 64-bit FNV-1a of the row's fields: the key of a row that carries none. */
static void content_key(size_t n, char *const *f, char *out, size_t size)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)f[i]; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        h = (h ^ 0x1F) * 1099511628211ULL;
    }
    snprintf(out, size, "content:%016llx", (unsigned long long)h);
}

/* ---- the submission of a repeat entry ---- */

/* Load the top-level answers of the submission keyed @key into rd->parent_val. Sets
 * rd->parent_id to 0 when there is none. */
static pn_status load_parent(reader *rd, const char *key, pn_error *err)
{
    const pn_form *f = rd->plan->form;
    if (rd->parent_key && strcmp(rd->parent_key, key) == 0)
        return PN_OK;
    free(rd->parent_key);
    rd->parent_key = pn_strdup(key);
    if (rd->parent_key == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    rd->parent_id = 0;
    rd->parent_position = 0;
    for (size_t i = 0; i < f->nq; i++) {
        free(rd->parent_val[i]);
        rd->parent_val[i] = NULL;
    }
    /* the submissions were stored before the repeat files are read, and rows of repeat
     * files change neither them nor their versions: no need to drain the pipeline */
    import_db_enter(rd->pl);
    pn_status st = pn_store_writer_parent(rd->plan->writer, key, &rd->parent_id, &rd->parent_state,
                                          rd->parent_val, err);
    import_db_status(rd->pl, st, err);
    import_db_leave(rd->pl);
    return st;
}

/* A repeat file linked by the structure's identifier (a tool without repeat groups): the
 * latest stored submission of that structure. */
static pn_status find_parent_by_ident(reader *rd, const char *ident, char **key, pn_error *err)
{
    /* the rows of repeat files store no submission, and the partner structures they add
     * answer no form: what is in the pipeline cannot change the answer */
    import_db_enter(rd->pl);
    pn_status st = pn_store_writer_by_ident(rd->plan->writer, ident, key, err);
    import_db_status(rd->pl, st, err);
    import_db_leave(rd->pl);
    return st;
}

/* Whether the submission keyed @key was rejected. */
static pn_status parent_rejected(reader *rd, const char *key, int *rejected, pn_error *err)
{
    /* a row still in the pipeline could record or resolve that reject */
    pn_status st = pipeline_drain(rd->pl, err);
    if (st != PN_OK)
        return st;
    import_db_enter(rd->pl);
    st = pn_store_writer_rejected(rd->plan->writer, key, rejected, err);
    import_db_status(rd->pl, st, err);
    import_db_leave(rd->pl);
    return st;
}

/* ---- cells into answers ---- */

/* The row as it stood in the file (quoted again), for the rejects. */
static pn_status raw_row(file_reader *fr, size_t n, char *const *f)
{
    pn_strbuf_reset(&fr->raw);
    for (size_t i = 0; i < n; i++) {
        if (i && pn_strbuf_append(&fr->raw, &fr->delim, 1) != PN_OK)
            return PN_ENOMEM;
        /* no formula guard: the text as the file had it */
        if (pn_csv_append_field(&fr->raw, f[i], fr->delim) != PN_OK)
            return PN_ENOMEM;
    }
    return PN_OK;
}

/* ODK writes a submission's key "uuid:…", KoboToolbox's _uuid leaves the prefix out: both
 * name the same submission, stored as ODK writes it. */
static const char *odk_key(const char *head, const char *k, char *buf, size_t size)
{
    if ((strcmp(head, "_uuid") != 0 && strcmp(head, "_submission__uuid") != 0) || *k == '\0' ||
        strncmp(k, "uuid:", 5) == 0)
        return k;
    snprintf(buf, size, "uuid:%s", k);
    return buf;
}

/* "choix possibles : a (Label A), b (Label B)…" for a value to map. */
static pn_status choices_note(const pn_question *q, pn_strbuf *note)
{
    pn_strbuf_reset(note);
    pn_status st = pn_strbuf_puts(note, "choix possibles : ");
    for (size_t k = 0; k < q->list->n && st == PN_OK; k++)
        st = pn_strbuf_printf(note, "%s%s (%s)", k ? ", " : "", q->list->items[k].name,
                              q->list->items[k].label);
    return st;
}

/* Put the row's answers in rd->val: cells converted to what the form expects, tick boxes
 * gathered into their select_multiple. Problems go to the reasons. */
static pn_status assign_values(file_reader *fr, size_t n, char *const *f, char *const *head,
                               pn_error *err)
{
    reader *rd = fr->rd;
    const pn_form *form = rd->plan->form;
    int level = fr->stats->repeat;
    for (size_t c = 0; c < n && c < fr->ncols; c++) {
        const pn_col *pc = &fr->cols[c];
        /* LimeSurvey's "N/A": the question was not shown (its relevance was false) */
        const char *cell = fr->dialect == PN_DIALECT_LIME && strcmp(f[c], "N/A") == 0 ? "" : f[c];
        if (pc->kind == PN_COL_TICK) {
            int t = pn_cells_tick(rd->cells, (size_t)pc->q, (size_t)pc->choice, cell);
            if (t == -2)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            if (t < 0 &&
                import_reason(fr, err, head[c],
                              "expected a tick box (1 or 0, Y or empty, oui or non) for choice "
                              "'%s' of '%s', found '%s'",
                              form->q[pc->q].list->items[pc->choice].name, form->q[pc->q].name,
                              cell) != PN_OK)
                return PN_ENOMEM;
            unsigned char *ticks = rd->ticks[pc->q];
            if (!rd->tick_row[pc->q]) {
                memset(ticks, 0, form->q[pc->q].list->n);
                rd->tick_row[pc->q] = 1;
                rd->tick_any[pc->q] = 0;
            }
            if (t == 1)
                ticks[pc->choice] = 1;
            if (*cell)
                rd->tick_any[pc->q] = 1;
            continue;
        }
        if (pc->kind != PN_COL_ANSWER)
            continue;
        const pn_question *q = &form->q[pc->q];
        if (q->repeat != level || q->type == PN_Q_CALCULATE)
            continue;
        pn_strbuf *conv = &rd->conv[pc->q];
        int r = pn_cells_convert(rd->cells, (size_t)pc->q, cell, conv);
        if (fr->has_ticks[pc->q] && (r == PN_CELL_UNMAPPED || r == PN_CELL_BAD)) {
            /* a summary of labels joined by spaces cannot be split; the ticks say it */
            rd->val[pc->q] = NULL;
            continue;
        }
        /* a select's cell converts only to names of its list */
        rd->choices_ok[pc->q] = (r == PN_CELL_CONVERTED || r == PN_CELL_SAME) &&
                                (q->type == PN_Q_SELECT_ONE || q->type == PN_Q_SELECT_MULTIPLE);
        switch (r) {
        case PN_CELL_CONVERTED:
            rd->val[pc->q] = pn_strbuf_str(conv);
            break;
        case PN_CELL_BAD:
            rd->val[pc->q] = cell;
            rd->bad[pc->q] = 1; /* said once: the constraint would say it again */
            if (import_reason(fr, err, head[c], "%s", pn_strbuf_str(conv)) != PN_OK)
                return PN_ENOMEM;
            break;
        case PN_CELL_UNMAPPED:
            rd->val[pc->q] = cell;
            if (rd->unmapped_values < 200) {
                pn_strbuf note = PN_STRBUF_INIT;
                size_t before = rd->map->n;
                pn_status st = choices_note(q, &note);
                if (st == PN_OK)
                    st = pn_map_add(rd->map, PN_MAP_VALUE, cell, q->name, pn_strbuf_str(&note));
                pn_strbuf_release(&note);
                if (st != PN_OK)
                    return pn_error_set(err, PN_ENOMEM, "out of memory");
                rd->unmapped_values += rd->map->n > before;
            }
            break;
        case PN_CELL_SAME:
            rd->val[pc->q] = cell;
            break;
        default:
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    }
    /* tick boxes: they say it unambiguously, so they win over a summary column */
    for (size_t c = 0; c < n && c < fr->ncols; c++) {
        const pn_col *pc = &fr->cols[c];
        if (pc->kind != PN_COL_TICK || !rd->tick_row[pc->q])
            continue;
        const pn_question *q = &form->q[pc->q];
        rd->tick_row[pc->q] = 0;
        rd->choices_ok[pc->q] = 0;
        pn_strbuf *out = &rd->tick_val[pc->q];
        pn_strbuf_reset(out);
        for (size_t k = 0; k < q->list->n; k++)
            if (rd->ticks[pc->q][k] && ((out->len && pn_strbuf_append(out, " ", 1) != PN_OK) ||
                                        pn_strbuf_puts(out, q->list->items[k].name) != PN_OK))
                return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (pn_strbuf_append(out, "", 0) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        const char *summary = rd->val[pc->q];
        if (summary && *summary && strcmp(summary, pn_strbuf_str(out)) != 0 &&
            import_reason(fr, err, q->name,
                          "the answer column says '%s' but the tick-box columns say '%s'", summary,
                          pn_strbuf_str(out)) != PN_OK)
            return PN_ENOMEM;
        rd->val[pc->q] = rd->tick_any[pc->q] ? pn_strbuf_str(out) : (summary ? summary : "");
    }
    return PN_OK;
}

/* ---- a row ---- */

/* The header (import_read_header), then what reading the rows needs of it. */
static pn_status on_header(file_reader *fr, size_t n, char *const *f, pn_error *err)
{
    pn_status st;
    fr->header_done = 1;
    if ((st = import_read_header(fr, n, f, err)) != PN_OK)
        return st;
    /* the header's cells, kept for messages */
    if ((fr->head = calloc(n ? n : 1, sizeof *fr->head)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t c = 0; c < n; c++)
        if ((fr->head[c] = pn_strdup(f[c])) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (fr->unmapped) {
        fr->samples = calloc(n ? n : 1, sizeof *fr->samples);
        fr->nsamples = calloc(n ? n : 1, sizeof *fr->nsamples);
        if (!fr->samples || !fr->nsamples)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        return PN_OK;
    }
    fr->delim = fr->info.delim ? fr->info.delim : ',';
    if (fr->defer_repeats && fr->stats->repeat >= 0) {
        fr->deferred = 1;
        return PN_STOP; /* taken up in the second round */
    }
    return PN_OK;
}

/* A row cut short or with extra cells: the columns no longer line up, so no cell of the file
 * can be trusted (empty cells after the last column are harmless, and dropped from *@n). */
static pn_status check_width(file_reader *fr, size_t line, size_t *n, char *const *f, pn_error *err)
{
    size_t used = *n;
    while (used > fr->ncols && *f[used - 1] == '\0')
        used--;
    if (used != fr->ncols)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: expected %zu fields as in the header (line 1), found %zu: "
                            "a delimiter is missing or extra on this line, or a quote is not "
                            "closed",
                            fr->stats->path, line, fr->ncols, used);
    *n = used;
    return PN_OK;
}

/* An entry of a repeat file linked by the structure's identifier: *@parent becomes the key
 * of that structure's submission, when one is stored. */
static pn_status link_by_ident(file_reader *fr, char *const *f, const char **parent, pn_error *err)
{
    reader *rd = fr->rd;
    const pn_form *form = rd->plan->form;
    const char *ident = f[fr->ident_col];
    int iq = fr->cols[fr->ident_col].q;
    pn_status st;
    if (pn_cells_convert(rd->cells, (size_t)iq, ident, &rd->conv[iq]) == PN_CELL_CONVERTED)
        ident = pn_strbuf_str(&rd->conv[iq]);
    if (*ident == '\0')
        return import_reason(fr, err, fr->head[fr->ident_col],
                             "empty: the entry cannot be linked to its structure's submission");
    if ((st = find_parent_by_ident(rd, ident, &fr->found_parent, err)) != PN_OK)
        return st;
    if (fr->found_parent != NULL) {
        *parent = fr->found_parent;
        return PN_OK;
    }
    return import_reason(fr, err, fr->head[fr->ident_col],
                         "no stored submission of form '%s' has %s '%s'; import the main file "
                         "first",
                         form->id, form->q[iq].name, ident);
}

/* An entry keyed @parent to its submission: its answers beside the entry's, *@position its
 * rank there, *@linked set; or the reason it cannot be linked. */
static pn_status link_to_parent(file_reader *fr, const char *parent, size_t *position, int *linked,
                                pn_error *err)
{
    reader *rd = fr->rd;
    const pn_form *form = rd->plan->form;
    pn_status st;
    if (fr->parent_col >= 0 && *parent == '\0')
        return import_reason(fr, err, fr->head[fr->parent_col],
                             "empty: the entry cannot be linked to its submission");
    if (*parent == '\0')
        return PN_OK;
    if ((st = load_parent(rd, parent, err)) != PN_OK)
        return st;
    if (rd->parent_id == 0) {
        int rejected_parent = 0;
        if ((st = parent_rejected(rd, parent, &rejected_parent, err)) != PN_OK)
            return st;
        return import_reason(fr, err, fr->head[fr->parent_col],
                             rejected_parent ? "its submission '%s' was rejected; correct it "
                                               "and import both files again"
                                             : "no submission of form '%s' has KEY '%s'; "
                                               "import the main file with this one",
                             rejected_parent ? parent : form->id, parent);
    }
    *linked = 1;
    *position = ++rd->parent_position;
    for (size_t i = 0; i < form->nq; i++)
        if (form->q[i].repeat == -1)
            rd->val[i] = rd->parent_val[i];
    return PN_OK;
}

/* Hand the row @r (its @n cells @f) over to the storing side: a reject with its raw text and
 * reasons, or a row with its submission time and the relevance of its answers. */
static pn_status hand_over(file_reader *fr, row *r, size_t n, char *const *f, pn_error *err)
{
    reader *rd = fr->rd;
    const import_plan *plan = rd->plan;
    int repeat = r->repeat;
    if (fr->reasons.len) {
        if (raw_row(fr, n, f) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        r->reject = 1;
        r->raw = pn_strbuf_str(&fr->raw);
        r->reasons = pn_strbuf_str(&fr->reasons);
        return pipeline_push(rd->pl, r, err);
    }
    const char *submitted = fr->submitted_col >= 0 ? f[fr->submitted_col] : NULL;
    if (repeat < 0) {
        if (submitted == NULL || *submitted == '\0')
            submitted = value_of(rd, "end");
        int c = pn_date_to_iso(submitted, 1, &fr->submitted);
        if (c < 0)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (c == 1)
            submitted = pn_strbuf_str(&fr->submitted);
        r->submitted = submitted;
    }
    for (size_t k = 0; k < plan->level_nq[1 + repeat]; k++) {
        size_t i = plan->level_q[1 + repeat][k];
        rd->rel[i] = (unsigned char)(rd->is_relevant[i] != 0);
    }
    return pipeline_push(rd->pl, r, err);
}

pn_status import_on_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    file_reader *fr = ctx;
    reader *rd = fr->rd;
    const pn_form *form = rd->plan->form;
    pn_status st;
    if (!fr->header_done)
        return on_header(fr, n, f, err);
    if (fr->unmapped)
        return import_collect_samples(fr, n, f, err);
    if ((st = check_width(fr, line, &n, f, err)) != PN_OK)
        return st;
    fr->stats->rows++;
    pn_strbuf_reset(&fr->reasons);
    int repeat = fr->stats->repeat;
    char keybuf[64];
    char keyfix[128], parentfix[128];
    const char *key = fr->key_col >= 0
                          ? odk_key(fr->head[fr->key_col], f[fr->key_col], keyfix, sizeof keyfix)
                          : "";
    const char *parent = fr->parent_col >= 0 ? odk_key(fr->head[fr->parent_col], f[fr->parent_col],
                                                       parentfix, sizeof parentfix)
                                             : "";
    size_t position = 0;
    int linked = repeat < 0; /* a repeat entry is linked once its parent is found */
    free(fr->found_parent);
    fr->found_parent = NULL;

    /* answers of this row; for a repeat entry, the parent's answers beside them */
    for (size_t i = 0; i < form->nq; i++) {
        rd->val[i] = NULL;
        rd->is_relevant[i] = 1;
    }
    memset(rd->bad, 0, form->nq);
    memset(rd->choices_ok, 0, form->nq);
    if (repeat >= 0 && fr->ident_col >= 0 && (st = link_by_ident(fr, f, &parent, err)) != PN_OK)
        return st;
    if (repeat >= 0) {
        if ((st = link_to_parent(fr, parent, &position, &linked, err)) != PN_OK)
            return st;
        if (*key == '\0') {
            snprintf(keybuf, sizeof keybuf, "%.40s/%zu", parent, position);
            key = keybuf;
        }
    } else if (*key == '\0') {
        content_key(n, f, keybuf, sizeof keybuf);
        key = keybuf;
    }
    if ((st = assign_values(fr, n, f, fr->head, err)) != PN_OK)
        return st;

    if (repeat >= 0 && linked && rd->parent_state == PN_VERSION_KEPT) {
        /* an entry of a version older than the one stored */
        fr->stats->older++;
        return PN_OK;
    }
    /* an entry that could not be linked has no parent answers to check it against */
    if (linked && (st = import_check_row(fr, repeat, err)) != PN_OK)
        return st;
    row r = {.stats = fr->stats,
             .line = line,
             .repeat = repeat,
             .key = key,
             .parent_id = rd->parent_id,
             .position = position,
             .val = rd->val,
             .rel = rd->rel};
    return hand_over(fr, &r, n, f, err);
}
