#include "import/import.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <stdarg.h>

#include "util/csv.h"
#include "util/strbuf.h"

/* Columns that tools add beside the answers: recognised, not stored as answers. */
enum meta_role { META_NONE, META_KEY, META_PARENT_KEY, META_SUBMITTED, META_IGNORED };

static enum meta_role meta_role(const char *head)
{
    static const char *const keys[] = {"KEY", "_uuid", "instanceID", "meta/instanceID",
                                       "meta-instanceID"};
    static const char *const submitted[] = {"SubmissionDate", "_submission_time", "submitdate"};
    static const char *const ignored[] = {"_id",
                                          "_index",
                                          "_parent_index",
                                          "_parent_table_name",
                                          "_submission__id",
                                          "_validation_status",
                                          "_notes",
                                          "_status",
                                          "_submitted_by",
                                          "_tags",
                                          "_version_",
                                          "__version__",
                                          "SubmitterID",
                                          "SubmitterName",
                                          "AttachmentsPresent",
                                          "AttachmentsExpected",
                                          "Status",
                                          "ReviewState",
                                          "DeviceID",
                                          "Edits",
                                          "FormVersion"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(head, keys[i]) == 0)
            return META_KEY;
    if (strcmp(head, "PARENT_KEY") == 0)
        return META_PARENT_KEY;
    for (size_t i = 0; i < sizeof submitted / sizeof submitted[0]; i++)
        if (strcmp(head, submitted[i]) == 0)
            return META_SUBMITTED;
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        if (strcmp(head, ignored[i]) == 0)
            return META_IGNORED;
    return META_NONE;
}

/* A name -> question index entry, sorted by name for bsearch. */
typedef struct name_index {
    const char *name;
    size_t q;
} name_index;

static int cmp_name_index(const void *a, const void *b)
{
    return strcmp(((const name_index *)a)->name, ((const name_index *)b)->name);
}

/* Everything prepared once per import. */
typedef struct importer {
    pn_store *store;
    sqlite3 *db;
    const pn_form *form;
    const pn_import_opts *opts;
    long long import_id;
    name_index *index; /* form->nq entries */
    /* values of the row being checked, one per question of the form */
    const char **val;
    char **owned; /* calculated values, freed per row */
    int *is_relevant;
    /* prepared statements */
    sqlite3_stmt *find_sub, *insert_sub, *insert_reject, *resolve_reject, *find_reject;
    sqlite3_stmt *upsert_structure, *insert_partner, *insert_link;
    int has_rejects;            /* the form has rejects a stored row may resolve */
    sqlite3_stmt **insert_data; /* 1 + nrepeats: top level then each repeat */
    sqlite3_stmt **find_entry;  /* per repeat */
    sqlite3_stmt *load_parent;
    /* the parent whose values are loaded, for repeat rows */
    long long parent_id;
    char *parent_key;
    char **parent_val; /* form->nq entries, top-level questions only */
    size_t parent_position;
} importer;

/* The state of reading one file. */
typedef struct file_reader {
    importer *im;
    pn_import_file *stats;
    char delim;
    int header_done;
    int defer_repeats; /* first round: stop at the header of a repeat file */
    int deferred;      /* this file is a repeat file left for the second round */
    size_t ncols;
    int *col_q;               /* column -> question index, or -1 */
    enum meta_role *col_role; /* column -> metadata role */
    int key_col, parent_col, submitted_col;
    pn_strbuf reasons;
    pn_strbuf raw;
} file_reader;

static const char *lookup(void *ctx, const char *name)
{
    importer *im = ctx;
    name_index probe = {name, 0};
    name_index *hit = bsearch(&probe, im->index, im->form->nq, sizeof *im->index, cmp_name_index);
    if (hit == NULL)
        return NULL;
    const char *v = im->val[hit->q];
    return v ? v : "";
}

static int is_integer(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int is_decimal(const char *s)
{
    int digits = 0, dot = 0;
    if (*s == '-' || *s == '+')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '.' && !dot)
            dot = 1;
        else
            return 0;
    }
    return digits > 0;
}

static int is_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) < 3)
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

/* Append "column 'x': <message>" to the reasons. */
static pn_status reason(file_reader *fr, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pn_status reason(file_reader *fr, const char *col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (fr->reasons.len && pn_strbuf_puts(&fr->reasons, "; ") != PN_OK)
        return PN_ENOMEM;
    if (col)
        return pn_strbuf_printf(&fr->reasons, "column '%s': %s", col, msg);
    return pn_strbuf_puts(&fr->reasons, msg);
}

/* The choices of @list as "a, b, c" (at most 12), into @buf. */
static void choice_names(const pn_choice_list *list, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < list->n && used + 4 < size; i++) {
        if (i == 12) {
            snprintf(buf + used, size - used, ", ...");
            break;
        }
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", list->items[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Check the value of question @i, already in im->val[i] and relevant. */
static pn_status check_value(file_reader *fr, size_t i, pn_error *err)
{
    importer *im = fr->im;
    const pn_question *q = &im->form->q[i];
    const char *v = im->val[i];
    char names[512];
    pn_status st = PN_OK;
    if (*v == '\0') {
        if (q->required)
            return reason(fr, q->name, "an answer is required, found an empty cell");
        return PN_OK;
    }
    switch (q->type) {
    case PN_Q_INTEGER:
        if (!is_integer(v))
            return reason(fr, q->name, "expected a whole number, found '%s'", v);
        break;
    case PN_Q_DECIMAL:
        if (!is_decimal(v))
            return reason(fr, q->name, "expected a number (with '.' for decimals), found '%s'", v);
        break;
    case PN_Q_DATE:
    case PN_Q_DATETIME:
        if (!is_date(v))
            return reason(fr, q->name, "expected a date as YYYY-MM-DD, found '%s'", v);
        break;
    case PN_Q_SELECT_ONE:
        if (pn_choice_find(q->list, v) == NULL) {
            choice_names(q->list, names, sizeof names);
            return reason(fr, q->name, "'%s' is not a choice of list '%s' (expected one of: %s)", v,
                          q->list->name, names);
        }
        break;
    case PN_Q_SELECT_MULTIPLE: {
        const char *p = v, *name;
        size_t n;
        while ((name = pn_select_next(&p, &n)) != NULL)
            if (pn_choice_find_n(q->list, name, n) == NULL) {
                choice_names(q->list, names, sizeof names);
                return reason(fr, q->name,
                              "'%.*s' is not a choice of list '%s' (expected names separated "
                              "by spaces among: %s)",
                              (int)n, name, q->list->name, names);
            }
        break;
    }
    default:
        break;
    }
    if (q->constraint) {
        pn_expr_env env = {lookup, im, v, im->opts->today};
        int ok = 0;
        pn_error e = {0};
        st = pn_expr_eval_bool(q->constraint, &env, &ok, &e);
        if (st == PN_ENOMEM)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        if (st != PN_OK)
            return reason(fr, q->name, "the constraint cannot be checked: %s", e.msg);
        if (!ok)
            return reason(fr, q->name, "'%s' does not meet the constraint: %s", v,
                          q->constraint_msg ? q->constraint_msg : pn_expr_text(q->constraint));
    }
    return PN_OK;
}

/*
 * Check the row's answers at level @repeat (-1: top level) and compute its calculations.
 * im->val holds the answers; reasons are appended to fr->reasons.
 */
static pn_status check_row(file_reader *fr, int repeat, pn_error *err)
{
    importer *im = fr->im;
    const pn_form *f = im->form;
    pn_status st = PN_OK;
    for (size_t i = 0; i < f->nq; i++) {
        const pn_question *q = &f->q[i];
        if (q->repeat != repeat)
            continue;
        int relevant = 1;
        pn_expr_env env = {lookup, im, NULL, im->opts->today};
        for (size_t k = 0; k < q->nrelevant && relevant; k++) {
            pn_error e = {0};
            st = pn_expr_eval_bool(q->relevant[k], &env, &relevant, &e);
            if (st == PN_ENOMEM)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            if (st != PN_OK) {
                if ((st = reason(fr, q->name, "relevance cannot be evaluated: %s", e.msg)))
                    return st;
                relevant = 0;
            }
        }
        im->is_relevant[i] = relevant;
        if (q->type == PN_Q_CALCULATE) {
            free(im->owned[i]);
            im->owned[i] = NULL;
            im->val[i] = "";
            if (!relevant)
                continue;
            pn_error e = {0};
            st = pn_expr_eval_string(q->calculation, &env, &im->owned[i], &e);
            if (st == PN_ENOMEM)
                return pn_error_set(err, PN_ENOMEM, "out of memory");
            if (st != PN_OK) {
                if ((st = reason(fr, q->name, "cannot be calculated: %s", e.msg)))
                    return st;
                continue;
            }
            im->val[i] = im->owned[i];
            continue;
        }
        if (!relevant) {
            if (im->val[i] && *im->val[i]) {
                const pn_expr *own = q->nrelevant ? q->relevant[q->nrelevant - 1] : NULL;
                if ((st = reason(fr, q->name,
                                 "answered '%s', but the question does not apply to this "
                                 "respondent (relevant: %s)",
                                 im->val[i], own ? pn_expr_text(own) : "")))
                    return st;
            }
            im->val[i] = "";
            continue;
        }
        if (im->val[i] == NULL)
            im->val[i] = "";
        if ((st = check_value(fr, i, err)) != PN_OK)
            return st;
    }
    return PN_OK;
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

static pn_status db_fail(importer *im, pn_error *err, const char *what)
{
    return pn_store_error(im->store, err, what);
}

static pn_status record_reject(file_reader *fr, size_t line, const char *key, pn_error *err)
{
    importer *im = fr->im;
    sqlite3_stmt *q = im->insert_reject;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, im->import_id);
    sqlite3_bind_text(q, 2, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, fr->stats->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)line);
    sqlite3_bind_text(q, 6, pn_strbuf_str(&fr->raw), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, pn_strbuf_str(&fr->reasons), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot record a rejected row");
    fr->stats->rejected++;
    im->has_rejects = 1;
    return PN_OK;
}

static pn_status resolve_reject(importer *im, const char *key, pn_error *err)
{
    if (!im->has_rejects)
        return PN_OK;
    sqlite3_stmt *q = im->resolve_reject;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, im->form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot update the rejects");
    return PN_OK;
}

/* Bind the values of level @repeat into the data insert, from parameter @first on. */
static void bind_values(importer *im, sqlite3_stmt *q, int repeat, int first)
{
    int p = first;
    for (size_t i = 0; i < im->form->nq; i++) {
        const pn_question *qq = &im->form->q[i];
        if (qq->repeat != repeat || !pn_question_has_value(qq))
            continue;
        /* not applicable is NULL; applicable but unanswered is '' */
        if (!im->is_relevant[i])
            sqlite3_bind_null(q, p);
        else
            sqlite3_bind_text(q, p, im->val[i] ? im->val[i] : "", -1, SQLITE_STATIC);
        p++;
    }
}

static const char *value_of(importer *im, const char *name)
{
    const char *v = lookup(im, name);
    return v ? v : "";
}

static pn_status store_main(file_reader *fr, size_t line, const char *key, const char *submitted,
                            pn_error *err)
{
    importer *im = fr->im;
    const pn_form *f = im->form;
    sqlite3_stmt *q;
    long long structure_id = 0;
    if (f->side != PN_SIDE_NONE) {
        q = im->upsert_structure;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, f->side == PN_SIDE_CENTRE ? "centre" : "ecole", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, value_of(im, f->side == PN_SIDE_CENTRE ? "siret" : "uai"), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(q, 3, value_of(im, "nom_structure"), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, value_of(im, "commune"), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, value_of(im, "en_qpv"), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, value_of(im, "code_qpv"), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, value_of(im, "rep"), -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW)
            return db_fail(im, err, "cannot record the structure");
        structure_id = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
    }
    q = im->insert_sub;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, im->import_id);
    sqlite3_bind_text(q, 4, fr->stats->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)line);
    if (structure_id)
        sqlite3_bind_int64(q, 6, structure_id);
    else
        sqlite3_bind_null(q, 6);
    if (submitted && *submitted)
        sqlite3_bind_text(q, 7, submitted, 10 < strlen(submitted) ? 10 : -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 7);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot store a submission");
    long long id = sqlite3_last_insert_rowid(im->db);
    q = im->insert_data[0];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, id);
    bind_values(im, q, -1, 2);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot store the answers");
    fr->stats->stored++;
    return resolve_reject(im, key, err);
}

/* Load the top-level answers of the submission keyed @key into im->parent_val. Sets
 * im->parent_id to 0 when there is none. */
static pn_status load_parent(importer *im, const char *key, pn_error *err)
{
    const pn_form *f = im->form;
    if (im->parent_key && strcmp(im->parent_key, key) == 0)
        return PN_OK;
    free(im->parent_key);
    im->parent_key = pn_strdup(key);
    if (im->parent_key == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    im->parent_id = 0;
    im->parent_position = 0;
    for (size_t i = 0; i < f->nq; i++) {
        free(im->parent_val[i]);
        im->parent_val[i] = NULL;
    }
    sqlite3_stmt *q = im->find_sub;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return PN_OK;
    if (rc != SQLITE_ROW)
        return db_fail(im, err, "cannot look up a submission");
    im->parent_id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    q = im->load_parent;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, im->parent_id);
    if (sqlite3_step(q) != SQLITE_ROW)
        return db_fail(im, err, "cannot read a submission's answers");
    int col = 0;
    for (size_t i = 0; i < f->nq; i++) {
        if (f->q[i].repeat != -1 || !pn_question_has_value(&f->q[i]))
            continue;
        const unsigned char *v = sqlite3_column_text(q, col++);
        if (v && (im->parent_val[i] = pn_strdup((const char *)v)) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    }
    sqlite3_reset(q);
    return PN_OK;
}

static pn_status store_entry(file_reader *fr, int repeat, const char *key, size_t position,
                             pn_error *err)
{
    importer *im = fr->im;
    const pn_form *f = im->form;
    sqlite3_stmt *q = im->insert_data[1 + repeat];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, im->parent_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)position);
    sqlite3_bind_text(q, 3, key, -1, SQLITE_TRANSIENT);
    bind_values(im, q, repeat, 4);
    if (sqlite3_step(q) != SQLITE_DONE)
        return db_fail(im, err, "cannot store a repeat entry");
    long long entry_id = sqlite3_last_insert_rowid(im->db);
    if (f->side != PN_SIDE_NONE && strcmp(f->repeats[repeat].name, "partenaires") == 0) {
        const char *own = value_of(im, f->side == PN_SIDE_CENTRE ? "siret" : "uai");
        const char *partner = value_of(im, "partenaire_id");
        const char *klass = lookup(im, "type_lien");
        q = im->insert_link;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, im->parent_id);
        sqlite3_bind_int64(q, 3, entry_id);
        sqlite3_bind_text(q, 4, f->side == PN_SIDE_CENTRE ? "centre" : "ecole", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, f->side == PN_SIDE_CENTRE ? own : partner, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, f->side == PN_SIDE_CENTRE ? partner : own, -1, SQLITE_STATIC);
        if (klass && *klass)
            sqlite3_bind_text(q, 7, klass, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 7);
        if (sqlite3_step(q) != SQLITE_DONE)
            return db_fail(im, err, "cannot store a link");
        if (*partner) {
            q = im->insert_partner;
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, f->side == PN_SIDE_CENTRE ? "ecole" : "centre", -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(q, 2, partner, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, value_of(im, "partenaire_nom"), -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE)
                return db_fail(im, err, "cannot record a partner structure");
        }
    }
    fr->stats->stored++;
    return resolve_reject(im, key, err);
}

/* The header: map columns to questions, find the file's level. */
static pn_status read_header(file_reader *fr, size_t n, char *const *f, pn_error *err)
{
    importer *im = fr->im;
    const pn_form *form = im->form;
    pn_strbuf unknown = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    fr->ncols = n;
    fr->col_q = malloc(n * sizeof *fr->col_q);
    fr->col_role = malloc(n * sizeof *fr->col_role);
    if (fr->col_q == NULL || fr->col_role == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    fr->key_col = fr->parent_col = fr->submitted_col = -1;
    int level = -2; /* not known yet */
    for (size_t c = 0; c < n; c++) {
        fr->col_q[c] = -1;
        fr->col_role[c] = meta_role(f[c]);
        if (fr->col_role[c] == META_KEY && fr->key_col < 0)
            fr->key_col = (int)c;
        else if (fr->col_role[c] == META_PARENT_KEY)
            fr->parent_col = (int)c;
        else if (fr->col_role[c] == META_SUBMITTED && fr->submitted_col < 0)
            fr->submitted_col = (int)c;
        if (fr->col_role[c] != META_NONE)
            continue;
        const pn_question *q = pn_form_find(form, f[c]);
        if (q == NULL || !pn_question_has_value(q)) {
            if (*f[c] == '\0')
                st = pn_strbuf_printf(&unknown, "%scolumn %zu has an empty header",
                                      unknown.len ? "; " : "", c + 1);
            else
                st = pn_strbuf_printf(&unknown, "%scolumn %zu '%s' is not a question of form '%s'",
                                      unknown.len ? "; " : "", c + 1, f[c], form->id);
            if (st != PN_OK)
                goto out;
            continue;
        }
        for (size_t k = 0; k < c; k++)
            if (fr->col_q[k] == (int)(q - form->q)) {
                st = pn_error_set(err, PN_EINPUT, "%s:1: column %zu '%s' appears twice",
                                  fr->stats->path, c + 1, f[c]);
                goto out;
            }
        fr->col_q[c] = (int)(q - form->q);
        if (q->type == PN_Q_CALCULATE)
            continue; /* recomputed from the answers, whatever the file says */
        if (level == -2)
            level = q->repeat;
        else if (level != q->repeat) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:1: column %zu '%s' belongs to %s%s%s while earlier columns "
                              "belong to %s%s%s: a repeat group must come in its own file",
                              fr->stats->path, c + 1, f[c],
                              q->repeat < 0 ? "the main form" : "repeat '",
                              q->repeat < 0 ? "" : form->repeats[q->repeat].name,
                              q->repeat < 0 ? "" : "'", level < 0 ? "the main form" : "repeat '",
                              level < 0 ? "" : form->repeats[level].name, level < 0 ? "" : "'");
            goto out;
        }
    }
    if (unknown.len) {
        st =
            pn_error_set(err, PN_EINPUT, "%s:1: %s; the header must hold the form's variable names",
                         fr->stats->path, pn_strbuf_str(&unknown));
        goto out;
    }
    if (fr->parent_col >= 0) {
        if (level == -2 && form->nrepeats == 1)
            level = 0;
        if (level < 0) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:1: the file has a PARENT_KEY column but no question of a repeat "
                              "group of form '%s'",
                              fr->stats->path, form->id);
            goto out;
        }
    } else {
        if (level >= 0) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:1: the columns belong to repeat '%s', so the file needs a "
                              "PARENT_KEY column linking each entry to its submission's KEY",
                              fr->stats->path, form->repeats[level].name);
            goto out;
        }
        if (level == -2) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:1: no column of the header is a question of form '%s'",
                              fr->stats->path, form->id);
            goto out;
        }
        level = -1;
    }
    fr->stats->repeat = level;
    /* a required question of this level with no column would reject every row */
    for (size_t i = 0; i < form->nq; i++) {
        const pn_question *q = &form->q[i];
        if (q->repeat != level || !q->required || q->type == PN_Q_CALCULATE)
            continue;
        int found = 0;
        for (size_t c = 0; c < n; c++)
            if (fr->col_q[c] == (int)i)
                found = 1;
        if (!found) {
            st = pn_error_set(err, PN_EINPUT,
                              "%s:1: no column for the required question '%s' of form '%s'",
                              fr->stats->path, q->name, form->id);
            goto out;
        }
    }
out:
    pn_strbuf_release(&unknown);
    return st;
}

/* The row as it stood in the file (quoted again), for the rejects. */
static pn_status raw_row(file_reader *fr, size_t n, char *const *f)
{
    pn_strbuf_reset(&fr->raw);
    for (size_t i = 0; i < n; i++) {
        if (i && pn_strbuf_append(&fr->raw, &fr->delim, 1) != PN_OK)
            return PN_ENOMEM;
        int quote = strchr(f[i], fr->delim) || strpbrk(f[i], "\"\r\n");
        if (!quote) {
            if (pn_strbuf_puts(&fr->raw, f[i]) != PN_OK)
                return PN_ENOMEM;
            continue;
        }
        if (pn_strbuf_puts(&fr->raw, "\"") != PN_OK)
            return PN_ENOMEM;
        for (const char *p = f[i]; *p;) {
            size_t run = strcspn(p, "\"");
            if (pn_strbuf_append(&fr->raw, p, run) != PN_OK)
                return PN_ENOMEM;
            p += run;
            if (*p == '"') {
                if (pn_strbuf_puts(&fr->raw, "\"\"") != PN_OK)
                    return PN_ENOMEM;
                p++;
            }
        }
        if (pn_strbuf_puts(&fr->raw, "\"") != PN_OK)
            return PN_ENOMEM;
    }
    return PN_OK;
}

static pn_status on_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    file_reader *fr = ctx;
    importer *im = fr->im;
    const pn_form *form = im->form;
    pn_status st;
    if (!fr->header_done) {
        fr->header_done = 1;
        if ((st = read_header(fr, n, f, err)) != PN_OK)
            return st;
        if (fr->defer_repeats && fr->stats->repeat >= 0) {
            fr->deferred = 1;
            return PN_EINTERNAL; /* stop reading; taken up in the second round */
        }
        return PN_OK;
    }
    fr->stats->rows++;
    pn_strbuf_reset(&fr->reasons);
    int repeat = fr->stats->repeat;
    char keybuf[64];
    const char *key = fr->key_col >= 0 && (size_t)fr->key_col < n ? f[fr->key_col] : "";
    const char *parent = fr->parent_col >= 0 && (size_t)fr->parent_col < n ? f[fr->parent_col] : "";
    size_t position = 0;

    /* answers of this row; for a repeat entry, the parent's answers beside them */
    for (size_t i = 0; i < form->nq; i++) {
        im->val[i] = NULL;
        im->is_relevant[i] = 1;
    }
    if (repeat >= 0) {
        if (*parent == '\0') {
            reason(fr, "PARENT_KEY", "empty: the entry cannot be linked to its submission");
        } else {
            if ((st = load_parent(im, parent, err)) != PN_OK)
                return st;
            if (im->parent_id == 0) {
                sqlite3_stmt *q = im->find_reject;
                sqlite3_reset(q);
                sqlite3_bind_text(q, 1, form->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(q, 2, parent, -1, SQLITE_STATIC);
                int rejected_parent = sqlite3_step(q) == SQLITE_ROW;
                sqlite3_reset(q);
                reason(fr, "PARENT_KEY",
                       rejected_parent ? "its submission '%s' was rejected; correct it and import "
                                         "both files again"
                                       : "no submission of form '%s' has KEY '%s'; import the main "
                                         "file with this one",
                       rejected_parent ? parent : form->id, parent);
            } else {
                position = ++im->parent_position;
                for (size_t i = 0; i < form->nq; i++)
                    if (form->q[i].repeat == -1)
                        im->val[i] = im->parent_val[i];
            }
        }
        if (*key == '\0') {
            snprintf(keybuf, sizeof keybuf, "%.40s/%zu", parent, position);
            key = keybuf;
        }
    } else if (*key == '\0') {
        content_key(n, f, keybuf, sizeof keybuf);
        key = keybuf;
    }
    if (n != fr->ncols)
        reason(fr, NULL, "expected %zu fields as in the header, found %zu", fr->ncols, n);
    for (size_t c = 0; c < n && c < fr->ncols; c++)
        if (fr->col_q[c] >= 0)
            im->val[fr->col_q[c]] = f[c];

    /* already stored? */
    if (fr->reasons.len == 0) {
        sqlite3_stmt *q = repeat < 0 ? im->find_sub : im->find_entry[repeat];
        sqlite3_reset(q);
        if (repeat < 0) {
            sqlite3_bind_text(q, 1, form->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
        }
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc == SQLITE_ROW) {
            fr->stats->duplicates++;
            return PN_OK;
        }
        if (rc != SQLITE_DONE)
            return db_fail(im, err, "cannot look up a key");
    }
    if (fr->reasons.len == 0 && (st = check_row(fr, repeat, err)) != PN_OK)
        return st;
    if (fr->reasons.len) {
        if (raw_row(fr, n, f) != PN_OK)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        return record_reject(fr, line, key, err);
    }
    const char *submitted =
        fr->submitted_col >= 0 && (size_t)fr->submitted_col < n ? f[fr->submitted_col] : NULL;
    if (repeat < 0) {
        if (submitted == NULL || *submitted == '\0')
            submitted = value_of(im, "end");
        return store_main(fr, line, key, submitted, err);
    }
    return store_entry(fr, repeat, key, position, err);
}

static pn_status prepare(importer *im, sqlite3_stmt **q, const char *sql, pn_error *err)
{
    if (sqlite3_prepare_v2(im->db, sql, -1, q, NULL) != SQLITE_OK)
        return db_fail(im, err, "cannot prepare the import");
    return PN_OK;
}

static pn_status prepare_data(importer *im, int repeat, pn_error *err)
{
    char table[256];
    pn_store_table_name(im->form, repeat, table, sizeof table);
    pn_strbuf cols = PN_STRBUF_INIT, params = PN_STRBUF_INIT;
    pn_status st = PN_OK;
    char *sql = NULL;
    for (size_t i = 0; i < im->form->nq; i++) {
        const pn_question *q = &im->form->q[i];
        if (q->repeat != repeat || !pn_question_has_value(q))
            continue;
        char *quoted = sqlite3_mprintf(", \"%w\"", q->name);
        if (quoted == NULL || pn_strbuf_puts(&cols, quoted) != PN_OK ||
            pn_strbuf_puts(&params, ", ?") != PN_OK) {
            sqlite3_free(quoted);
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        sqlite3_free(quoted);
    }
    if (repeat < 0)
        sql = sqlite3_mprintf("INSERT INTO \"%w\"(submission_id%s) VALUES(?%s)", table,
                              pn_strbuf_str(&cols), pn_strbuf_str(&params));
    else
        sql = sqlite3_mprintf("INSERT INTO \"%w\"(submission_id, position, entry_key%s)"
                              " VALUES(?, ?, ?%s)",
                              table, pn_strbuf_str(&cols), pn_strbuf_str(&params));
    if (sql == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = prepare(im, &im->insert_data[1 + repeat], sql, err)) != PN_OK)
        goto out;
    sqlite3_free(sql);
    if (repeat < 0) {
        sql = sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE submission_id=?",
                              cols.len ? pn_strbuf_str(&cols) + 2 : "NULL", table);
        if (sql == NULL || (st = prepare(im, &im->load_parent, sql, err)) != PN_OK) {
            if (sql == NULL)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    } else {
        sql = sqlite3_mprintf("SELECT entry_id FROM \"%w\" WHERE entry_key=?", table);
        if (sql == NULL || (st = prepare(im, &im->find_entry[repeat], sql, err)) != PN_OK) {
            if (sql == NULL)
                st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
out:
    sqlite3_free(sql);
    pn_strbuf_release(&cols);
    pn_strbuf_release(&params);
    return st;
}

static pn_status importer_init(importer *im, pn_error *err)
{
    const pn_form *f = im->form;
    pn_status st;
    size_t nq = f->nq ? f->nq : 1;
    im->index = calloc(nq, sizeof *im->index);
    im->val = calloc(nq, sizeof *im->val);
    im->owned = calloc(nq, sizeof *im->owned);
    im->is_relevant = calloc(nq, sizeof *im->is_relevant);
    im->parent_val = calloc(nq, sizeof *im->parent_val);
    im->insert_data = calloc(1 + f->nrepeats, sizeof *im->insert_data);
    im->find_entry = calloc(f->nrepeats + 1, sizeof *im->find_entry);
    if (!im->index || !im->val || !im->owned || !im->is_relevant || !im->parent_val ||
        !im->insert_data || !im->find_entry)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nq; i++)
        im->index[i] = (name_index){f->q[i].name, i};
    qsort(im->index, f->nq, sizeof *im->index, cmp_name_index);
    if ((st = prepare(im, &im->find_sub,
                      "SELECT submission_id FROM submissions WHERE form_id=? AND instance_key=?",
                      err)) ||
        (st = prepare(im, &im->insert_sub,
                      "INSERT INTO submissions(form_id, instance_key, import_id, source_file,"
                      " source_line, structure_id, submitted) VALUES(?, ?, ?, ?, ?, ?, ?)",
                      err)) ||
        (st = prepare(im, &im->insert_reject,
                      "INSERT INTO rejects(import_id, form_id, instance_key, file, line, raw,"
                      " reasons) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(form_id, instance_key)"
                      " DO UPDATE SET import_id=excluded.import_id, file=excluded.file,"
                      " line=excluded.line, raw=excluded.raw, reasons=excluded.reasons",
                      err)) ||
        (st = prepare(im, &im->resolve_reject,
                      "DELETE FROM rejects WHERE form_id=? AND instance_key=?", err)) ||
        (st = prepare(im, &im->find_reject,
                      "SELECT 1 FROM rejects WHERE form_id=? AND instance_key=?", err)) ||
        (st = prepare(im, &im->upsert_structure,
                      "INSERT INTO structures(side, ident, name, commune, en_qpv, code_qpv, rep,"
                      " responded) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)"
                      " ON CONFLICT(side, ident) DO UPDATE SET name=?3, commune=?4, en_qpv=?5,"
                      " code_qpv=?6, rep=?7, responded=1 RETURNING structure_id",
                      err)) ||
        (st = prepare(im, &im->insert_partner,
                      "INSERT INTO structures(side, ident, name) VALUES(?, ?, ?)"
                      " ON CONFLICT(side, ident) DO NOTHING",
                      err)) ||
        (st = prepare(im, &im->insert_link,
                      "INSERT INTO links(form_id, submission_id, entry_id, reporter_side,"
                      " centre_ident, school_ident, class) VALUES(?, ?, ?, ?, ?, ?, ?)",
                      err)))
        return st;
    for (int r = -1; r < (int)f->nrepeats; r++)
        if ((st = prepare_data(im, r, err)) != PN_OK)
            return st;
    sqlite3_stmt *q = NULL;
    if ((st = prepare(im, &q, "SELECT EXISTS(SELECT 1 FROM rejects WHERE form_id=?)", err)))
        return st;
    sqlite3_bind_text(q, 1, f->id, -1, SQLITE_STATIC);
    im->has_rejects = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return PN_OK;
}

static void importer_release(importer *im)
{
    const pn_form *f = im->form;
    sqlite3_finalize(im->find_sub);
    sqlite3_finalize(im->insert_sub);
    sqlite3_finalize(im->insert_reject);
    sqlite3_finalize(im->resolve_reject);
    sqlite3_finalize(im->find_reject);
    sqlite3_finalize(im->upsert_structure);
    sqlite3_finalize(im->insert_partner);
    sqlite3_finalize(im->insert_link);
    sqlite3_finalize(im->load_parent);
    if (im->insert_data)
        for (size_t i = 0; i < 1 + f->nrepeats; i++)
            sqlite3_finalize(im->insert_data[i]);
    if (im->find_entry)
        for (size_t i = 0; i < f->nrepeats; i++)
            sqlite3_finalize(im->find_entry[i]);
    free(im->insert_data);
    free(im->find_entry);
    if (im->owned)
        for (size_t i = 0; i < f->nq; i++)
            free(im->owned[i]);
    if (im->parent_val)
        for (size_t i = 0; i < f->nq; i++)
            free(im->parent_val[i]);
    free(im->owned);
    free(im->parent_val);
    free(im->parent_key);
    free(im->index);
    free(im->val);
    free(im->is_relevant);
}

static pn_status read_file(importer *im, pn_import_file *stats, int defer_repeats, int *deferred,
                           pn_error *err)
{
    file_reader fr = {.im = im,
                      .stats = stats,
                      .defer_repeats = defer_repeats,
                      .reasons = PN_STRBUF_INIT,
                      .raw = PN_STRBUF_INIT};
    pn_csv_opts copts = {im->opts->delim};
    FILE *in = fopen(stats->path, "rb");
    pn_status st;
    if (in == NULL) {
        st = pn_error_set(err, PN_EIO, "cannot open '%s': %s", stats->path, strerror(errno));
        goto out;
    }
    /* the delimiter is known before the first callback: detect it from the first line */
    char first[4096];
    size_t got = fread(first, 1, sizeof first - 1, in);
    first[got] = '\0';
    rewind(in);
    if (copts.delim == 0)
        copts.delim = pn_csv_detect_delim(first, strcspn(first, "\n"));
    fr.delim = copts.delim;
    stats->repeat = -1;
    st = pn_csv_read(in, stats->path, &copts, on_row, &fr, NULL, err);
    if (st == PN_EINTERNAL && fr.deferred) {
        st = PN_OK;
        *deferred = 1;
        stats->rows = 0;
        goto out;
    }
    if (st == PN_OK && fr.stats->rows == 0 && !fr.deferred)
        st = pn_error_set(err, PN_EINPUT, "%s: the file has a header but no answers", stats->path);
out:
    if (in)
        fclose(in);
    free(fr.col_q);
    free(fr.col_role);
    pn_strbuf_release(&fr.reasons);
    pn_strbuf_release(&fr.raw);
    return st;
}

pn_status pn_import_files(pn_store *store, const pn_form *form, const char *source, size_t len,
                          const char *const *paths, size_t npaths, const pn_import_opts *opts,
                          pn_import_result *res, pn_error *err)
{
    static const pn_import_opts defaults = {0, NULL};
    importer im = {
        .store = store, .db = pn_store_db(store), .form = form, .opts = opts ? opts : &defaults};
    pn_strbuf files = PN_STRBUF_INIT;
    int *deferred = NULL;
    sqlite3_stmt *q = NULL;
    pn_status st;
    memset(res, 0, sizeof *res);
    res->files = calloc(npaths ? npaths : 1, sizeof *res->files);
    deferred = calloc(npaths ? npaths : 1, sizeof *deferred);
    if (res->files == NULL || deferred == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    res->nfiles = npaths;
    for (size_t i = 0; i < npaths; i++) {
        res->files[i].path = paths[i];
        if ((st = pn_strbuf_printf(&files, "%s%s", i ? "\n" : "", paths[i])) != PN_OK) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((st = pn_store_begin(store, err)) != PN_OK)
        goto out;
    if ((st = pn_store_put_form(store, form, source, len, err)) != PN_OK)
        goto out;
    if ((st = prepare(&im, &q, "INSERT INTO imports(form_id, files) VALUES(?, ?)", err)))
        goto out;
    sqlite3_bind_text(q, 1, form->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, pn_strbuf_str(&files), -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = db_fail(&im, err, "cannot record the import");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    im.import_id = sqlite3_last_insert_rowid(im.db);
    res->import_id = im.import_id;
    if ((st = importer_init(&im, err)) != PN_OK)
        goto out;
    /* main files first, then the repeat files whose entries refer to them */
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < npaths; i++) {
            if (round == 1 && !deferred[i])
                continue;
            pn_import_file *fs = &res->files[i];
            fs->rows = fs->stored = fs->duplicates = fs->rejected = 0;
            if ((st = read_file(&im, fs, round == 0, &deferred[i], err)) != PN_OK)
                goto out;
        }
    for (size_t i = 0; i < npaths; i++) {
        res->rows += res->files[i].rows;
        res->stored += res->files[i].stored;
        res->duplicates += res->files[i].duplicates;
        res->rejected += res->files[i].rejected;
    }
    if ((st = prepare(&im, &q,
                      "UPDATE imports SET rows_read=?, stored=?, duplicates=?, rejected=?"
                      " WHERE import_id=?",
                      err)))
        goto out;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)res->rows);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)res->stored);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)res->duplicates);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)res->rejected);
    sqlite3_bind_int64(q, 5, im.import_id);
    if (sqlite3_step(q) != SQLITE_DONE) {
        st = db_fail(&im, err, "cannot record the import");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    importer_release(&im);
    memset(&im, 0, sizeof im);
    st = pn_store_commit(store, err);
out:
    sqlite3_finalize(q);
    if (im.form)
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
    free(res->files);
    memset(res, 0, sizeof *res);
}
