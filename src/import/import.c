/* import.c - the orchestration of an import (import/import.h): the import's plan and the
 * state of each thread (import_internal.h), the files in their order (main files, then the
 * repeat files that refer to them), and the transaction around it all. */
#include "import/import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything of one import: what both threads read, each thread's own state, and the pipeline
 * between them (import_internal.h says who touches what). */
typedef struct importer {
    import_plan plan;
    reader rd;
    storer sto;
    pipeline pl;
} importer;

/* The questions that store a value, per level, in the order of the data tables' columns. */
static pn_status index_levels(import_plan *p, pn_error *err)
{
    const pn_form *f = p->form;
    size_t nlevels = 1 + f->nrepeats;
    p->level_q = calloc(nlevels, sizeof *p->level_q);
    p->level_nq = calloc(nlevels, sizeof *p->level_nq);
    if (p->level_q == NULL || p->level_nq == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t l = 0; l < nlevels; l++)
        if ((p->level_q[l] = calloc(f->nq ? f->nq : 1, sizeof(size_t))) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nq; i++)
        if (pn_question_has_value(&f->q[i])) {
            size_t l = (size_t)(1 + f->q[i].repeat);
            p->level_q[l][p->level_nq[l]++] = i;
        }
    return PN_OK;
}

/* The plan of the import of p->form: its levels, and the questions its roles name. */
static pn_status plan_init(import_plan *p, pn_error *err)
{
    const pn_form *f = p->form;
    p->links_repeat = pn_form_links_repeat(f);
    p->q_ident = f->side == PN_SIDE_NONE ? -1 : f->roles.ident;
    p->q_name = f->roles.name;
    p->q_commune = f->roles.commune;
    p->q_en_qpv = f->roles.qpv;
    p->q_code_qpv = f->roles.code_qpv;
    p->q_rep = f->roles.rep;
    p->q_partner = f->roles.partner;
    p->q_partner_name = f->roles.partner_name;
    return index_levels(p, err);
}

static void plan_release(import_plan *p)
{
    pn_store_writer_close(p->writer);
    if (p->level_q)
        for (size_t l = 0; l < 1 + p->form->nrepeats; l++)
            free(p->level_q[l]);
    free(p->level_q);
    free(p->level_nq);
}

/* The reading thread's state: the row's answers and checks, the parent's answers, turning
 * cells into answers. */
static pn_status reader_init(reader *rd, pn_error *err)
{
    const pn_form *f = rd->plan->form;
    pn_status st;
    size_t nq = f->nq ? f->nq : 1;
    if ((st = pn_calc_init(&rd->calc, f, rd->plan->opts->today, err)) != PN_OK)
        return st;
    rd->val = rd->calc.val;
    rd->is_relevant = calloc(nq, sizeof *rd->is_relevant);
    rd->rel = calloc(nq, 1);
    rd->parent_val = calloc(nq, sizeof *rd->parent_val);
    rd->conv = calloc(nq, sizeof *rd->conv);
    rd->tick_val = calloc(nq, sizeof *rd->tick_val);
    rd->ticks = calloc(nq, sizeof *rd->ticks);
    rd->tick_row = calloc(nq, 1);
    rd->tick_any = calloc(nq, 1);
    rd->bad = calloc(nq, 1);
    rd->choices_ok = calloc(nq, 1);
    if (!rd->is_relevant || !rd->rel || !rd->parent_val || !rd->conv || !rd->tick_val ||
        !rd->ticks || !rd->tick_row || !rd->tick_any || !rd->bad || !rd->choices_ok)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nq; i++)
        if (f->q[i].type == PN_Q_SELECT_MULTIPLE &&
            (rd->ticks[i] = calloc(f->q[i].list->n ? f->q[i].list->n : 1, 1)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    rd->map = rd->plan->opts->map ? rd->plan->opts->map : &rd->own_map;
    if (rd->plan->opts->cells) {
        rd->cells = rd->plan->opts->cells;
        pn_cells_set_map(rd->cells, rd->map);
    } else if ((rd->cells = rd->own_cells = pn_cells_new(f, rd->map)) == NULL) {
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    return PN_OK;
}

static void reader_release(reader *rd)
{
    const pn_form *f = rd->plan->form;
    pn_cells_destroy(rd->own_cells);
    for (size_t i = 0; i < f->nq; i++) {
        if (rd->conv)
            pn_strbuf_release(&rd->conv[i]);
        if (rd->tick_val)
            pn_strbuf_release(&rd->tick_val[i]);
        if (rd->ticks)
            free(rd->ticks[i]);
        if (rd->parent_val)
            free(rd->parent_val[i]);
    }
    free(rd->conv);
    free(rd->tick_val);
    free(rd->ticks);
    free(rd->tick_row);
    free(rd->tick_any);
    free(rd->bad);
    free(rd->choices_ok);
    pn_map_release(&rd->own_map);
    free(rd->parent_val);
    free(rd->parent_key);
    pn_calc_release(&rd->calc);
    free(rd->is_relevant);
    free(rd->rel);
}

/* Open the writer (recording the import) and make ready both threads' state; the storing
 * thread is started. */
static pn_status importer_init(importer *im, const char *files, pn_error *err)
{
    pn_status st;
    im->rd.plan = im->sto.plan = im->pl.plan = &im->plan;
    im->rd.pl = &im->pl;
    im->pl.sto = &im->sto;
    if ((im->plan.writer = pn_store_writer_open(im->plan.store, im->plan.form, files, err)) == NULL)
        return err->status ? err->status : PN_ESTORE;
    if ((st = plan_init(&im->plan, err)) != PN_OK || (st = reader_init(&im->rd, err)) != PN_OK)
        return st;
    return pipeline_start(&im->pl, err);
}

/* Stop the storing thread, then free everything (the writer closed, the transaction as it
 * is). A no-op on an importer already released. */
static void importer_release(importer *im)
{
    if (im->plan.form == NULL)
        return;
    pipeline_stop(&im->pl);
    storer_release(&im->sto);
    if (im->rd.plan)
        reader_release(&im->rd);
    plan_release(&im->plan);
    memset(im, 0, sizeof *im);
}

static void progress(void *ctx, unsigned long long done, unsigned long long total)
{
    file_reader *fr = ctx;
    const pn_import_opts *opts = fr->rd->plan->opts;
    if (opts->progress)
        opts->progress(opts->progress_ctx, fr->stats->path, done, total);
}

static pn_status read_file(reader *rd, pn_import_file *stats, int defer_repeats, int *deferred,
                           pn_error *err)
{
    file_reader fr = {.rd = rd,
                      .stats = stats,
                      .defer_repeats = defer_repeats,
                      .reasons = PN_STRBUF_INIT,
                      .raw = PN_STRBUF_INIT};
    pn_csv_opts copts = {.delim = rd->plan->opts->delim,
                         .encoding = rd->plan->opts->encoding,
                         .progress = progress,
                         .progress_ctx = &fr};
    pn_status st;
    stats->repeat = -1;
    if (stats->sheet < 0) {
        st = pn_csv_read_path(stats->path, &copts, import_on_row, &fr, &fr.info, err);
    } else {
        /* a sheet holds text in cells, not in an encoding; its rejected rows are kept as
         * CSV */
        snprintf(fr.info.encoding, sizeof fr.info.encoding, "XLSX");
        fr.info.delim = ',';
        pn_xlsx *x = NULL;
        st = pn_xlsx_open(stats->file, &x, err);
        if (st == PN_OK && stats->fillable)
            st = import_read_fillable(&fr, x, err);
        else if (st == PN_OK)
            st = pn_xlsx_read(x, (size_t)stats->sheet, stats->path, import_on_row, &fr, err);
        pn_xlsx_destroy(x);
    }
    /* what runs after a file sees all its rows stored; a row that could not be stored came
     * before whatever stopped the reading, so its failure is the one to report */
    pn_error store_err = {0};
    pn_status store_st = pipeline_drain(rd->pl, &store_err);
    if (store_st != PN_OK) {
        st = store_st;
        *err = store_err;
        goto out;
    }
    if (st == PN_OK && fr.deferred) {
        st = PN_OK;
        *deferred = 1;
        stats->rows = 0;
        goto out;
    }
    if (fr.unmapped && st == PN_OK) {
        st = import_unmapped_error(&fr, err);
        goto out;
    }
    /* (a sheet of a workbook may be empty: Kobo writes a repeat's sheet with no entry) */
    if (st == PN_OK && fr.stats->rows == 0 && !fr.deferred && stats->sheet < 0)
        st = pn_error_set(err, PN_EINPUT, "%s: the file has a header but no answers", stats->path);
    if (st == PN_OK) {
        stats->dialect = fr.dialect;
        snprintf(stats->encoding, sizeof stats->encoding, "%s", fr.info.encoding);
        stats->delim = fr.info.delim;
    }
out:
    free(fr.cols);
    if (fr.head)
        for (size_t c = 0; c < fr.ncols; c++)
            free(fr.head[c]);
    free(fr.head);
    if (fr.samples)
        for (size_t c = 0; c < fr.ncols; c++)
            pn_strbuf_release(&fr.samples[c]);
    free(fr.samples);
    free(fr.nsamples);
    free(fr.has_ticks);
    free(fr.found_parent);
    pn_strbuf_release(&fr.submitted);
    pn_strbuf_release(&fr.reasons);
    pn_strbuf_release(&fr.raw);
    return st;
}

/* Read the files, main files first, then the repeat files whose entries refer to them. */
static pn_status read_files(importer *im, pn_import_result *res, int *deferred, pn_error *err)
{
    pn_status st;
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < res->nfiles; i++) {
            if (round == 1 && !deferred[i])
                continue;
            if (round == 1) {
                int first = 1; /* the first file of this repeat */
                for (size_t k = 0; k < i; k++)
                    first &= !(deferred[k] && res->files[k].repeat == res->files[i].repeat);
                if (first) {
                    /* the entries of the submissions this import replaced belong to their old
                     * versions, and the repeat file brings the new ones */
                    import_db_enter(&im->pl);
                    st = pn_store_writer_drop_replaced(im->plan.writer, res->files[i].repeat, err);
                    import_db_status(&im->pl, st, err);
                    import_db_leave(&im->pl);
                    if (st != PN_OK)
                        return st;
                }
            }
            pn_import_file *fs = &res->files[i];
            fs->rows = fs->stored = fs->duplicates = fs->rejected = fs->replaced = fs->older = 0;
            if ((st = read_file(&im->rd, fs, round == 0, &deferred[i], err)) != PN_OK)
                return st;
        }
    return PN_OK;
}

/* The import's totals, from each file's, recorded in its row of imports. */
static pn_status count_files(importer *im, pn_import_result *res, pn_error *err)
{
    for (size_t i = 0; i < res->nfiles; i++) {
        res->rows += res->files[i].rows;
        res->stored += res->files[i].stored;
        res->duplicates += res->files[i].duplicates;
        res->rejected += res->files[i].rejected;
        res->replaced += res->files[i].replaced;
        res->older += res->files[i].older;
    }
    res->unmapped_values = im->rd.unmapped_values;
    return pn_store_writer_finish(im->plan.writer, res->rows, res->stored, res->duplicates,
                                  res->rejected, err);
}

/* One more entry of res->files, for @file (its sheet @sheet, named @sheet_name). */
static pn_status add_file(pn_import_result *res, size_t *cap, const char *file, long sheet,
                          const char *sheet_name, int fillable, pn_error *err)
{
    if (res->nfiles == *cap) {
        size_t n = *cap ? 2 * *cap : 4;
        pn_import_file *f = realloc(res->files, n * sizeof *f);
        if (f == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        res->files = f, *cap = n;
    }
    pn_import_file *f = &res->files[res->nfiles++];
    *f = (pn_import_file){.path = file, .file = file, .sheet = sheet, .fillable = fillable};
    if (sheet_name != NULL) {
        pn_strbuf sb = PN_STRBUF_INIT;
        if (pn_strbuf_printf(&sb, "%s[%s]", file, sheet_name) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        f->path = f->own = pn_strbuf_detach(&sb);
    }
    return PN_OK;
}

/* The sheets of the workbook @file to read: a fillable workbook's answers and partners, or
 * every visible sheet (a hidden one is a tool's own: lists of choices, settings). */
static pn_status add_workbook(pn_import_result *res, size_t *cap, const char *file, pn_error *err)
{
    pn_xlsx *x = NULL;
    pn_status st = pn_xlsx_open(file, &x, err);
    if (st != PN_OK)
        return st;
    size_t before = res->nfiles;
    long map = pn_xlsx_sheet_find(x, PN_FILLABLE_MAP);
    for (size_t i = 0; i < pn_xlsx_nsheets(x) && st == PN_OK; i++) {
        const char *name = pn_xlsx_sheet_name(x, i);
        if (map >= 0) {
            if ((long)i == map) /* the answers, then the partners */
                for (int part = 1; part <= 2 && st == PN_OK; part++)
                    st = add_file(res, cap, file, (long)i,
                                  part == 1 ? "Questionnaire" : "Partenaires", part, err);
        } else if (!pn_xlsx_sheet_hidden(x, i)) {
            st = add_file(res, cap, file, (long)i, name, 0, err);
        }
    }
    if (st == PN_OK && res->nfiles == before)
        st = pn_error_set(err, PN_EINPUT, "%s: the workbook has no visible sheet", file);
    pn_xlsx_destroy(x);
    return st;
}

pn_status pn_import_files(pn_store *store, const pn_form *form, const char *source, size_t len,
                          const char *const *paths, size_t npaths, const pn_import_opts *opts,
                          pn_import_result *res, pn_error *err)
{
    static const pn_import_opts defaults = {0};
    importer im = {.plan = {.store = store, .form = form, .opts = opts ? opts : &defaults}};
    pn_strbuf files = PN_STRBUF_INIT;
    int *deferred = NULL;
    pn_status st;
    size_t cap = 0;
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < npaths; i++) {
        st = pn_xlsx_is_zip(paths[i]) ? add_workbook(res, &cap, paths[i], err)
                                      : add_file(res, &cap, paths[i], -1, NULL, 0, err);
        if (st != PN_OK)
            goto out;
        if ((st = pn_strbuf_printf(&files, "%s%s", i ? "\n" : "", paths[i])) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((deferred = calloc(res->nfiles ? res->nfiles : 1, sizeof *deferred)) == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = pn_store_begin(store, err)) != PN_OK)
        goto out;
    pn_form_state state;
    if ((st = pn_store_form_state(store, form->id, source, len, &state, err)) != PN_OK)
        goto out;
    /* a form that changed: the stored answers get its calculations before new ones come */
    if (state == PN_FORM_DIFFERS)
        st = pn_recalc_form(store, form, source, len, im.plan.opts->today, &res->recalc, err);
    else
        st = pn_store_put_form(store, form, source, len, err);
    if (st != PN_OK)
        goto out;
    if ((st = importer_init(&im, pn_strbuf_str(&files), err)) != PN_OK)
        goto out;
    res->import_id = pn_store_writer_import_id(im.plan.writer);
    if ((st = read_files(&im, res, deferred, err)) != PN_OK ||
        (st = count_files(&im, res, err)) != PN_OK)
        goto out;
    /* the partners this import named: their names by a rule that does not depend on order */
    if (im.sto.partners.n && (st = pn_store_name_partners(store, form->side, err)) != PN_OK)
        goto out;
    importer_release(&im);
    st = pn_store_commit(store, err);
out:
    importer_release(&im);
    if (st != PN_OK) {
        pn_store_rollback(store);
        pn_import_result_release(res);
    }
    free(deferred);
    pn_strbuf_release(&files);
    return st;
}

void pn_import_result_release(pn_import_result *res)
{
    for (size_t i = 0; i < res->nfiles; i++)
        free(res->files[i].own);
    free(res->files);
    pn_recalc_result_release(&res->recalc);
    memset(res, 0, sizeof *res);
}
