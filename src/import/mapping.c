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

/* ---- dialects ------------------------------------------------------------------------- */

static const struct {
    pn_dialect d;
    const char *word, *title;
} dialects[] = {
    {PN_DIALECT_AUTO, "auto", "export"},
    {PN_DIALECT_PLAIN, "plain", "plain export"},
    {PN_DIALECT_KOBO, "kobo", "KoboToolbox export"},
    {PN_DIALECT_ODK, "odk", "ODK Central export"},
    {PN_DIALECT_LIME, "limesurvey", "LimeSurvey export"},
    {PN_DIALECT_GOOGLE, "google", "Google Forms export"},
    {PN_DIALECT_EXCEL, "excel", "spreadsheet saved by Excel"},
};

const char *pn_dialect_word(pn_dialect d)
{
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++)
        if (dialects[i].d == d)
            return dialects[i].word;
    return "auto";
}

const char *pn_dialect_title(pn_dialect d)
{
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++)
        if (dialects[i].d == d)
            return dialects[i].title;
    return "export";
}

int pn_dialect_parse(const char *word, pn_dialect *out)
{
    for (size_t i = 0; i < sizeof dialects / sizeof dialects[0]; i++)
        if (strcasecmp(dialects[i].word, word) == 0) {
            *out = dialects[i].d;
            return 1;
        }
    *out = PN_DIALECT_AUTO;
    return 0;
}

static int has_column(size_t n, char *const *h, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (h[i][0] == name[0] && strcmp(h[i], name) == 0)
            return 1;
    return 0;
}

pn_dialect pn_dialect_detect(size_t n, char *const *h, const char *encoding, char delim)
{
    if (n == 0)
        return PN_DIALECT_PLAIN;
    if (has_column(n, h, "_uuid") || has_column(n, h, "_submission_time") ||
        has_column(n, h, "_submission__uuid") || has_column(n, h, "_parent_index"))
        return PN_DIALECT_KOBO;
    if (strcmp(h[0], "SubmissionDate") == 0 || has_column(n, h, "SubmitterID") ||
        has_column(n, h, "ReviewState") || has_column(n, h, "meta-instanceID"))
        return PN_DIALECT_ODK;
    if (has_column(n, h, "submitdate") &&
        (has_column(n, h, "lastpage") || has_column(n, h, "startlanguage")))
        return PN_DIALECT_LIME;
    /* LimeSurvey with "full question text" headings names its own columns in words too */
    if (has_column(n, h, "ID de la réponse") || has_column(n, h, "Response ID"))
        return PN_DIALECT_LIME;
    if (strcmp(h[0], "Horodateur") == 0 || strcmp(h[0], "Horodatage") == 0 ||
        strcmp(h[0], "Timestamp") == 0)
        return PN_DIALECT_GOOGLE;
    if (encoding &&
        (strncasecmp(encoding, "WINDOWS-1252", 12) == 0 || strncasecmp(encoding, "UTF-16", 6) == 0))
        return PN_DIALECT_EXCEL;
    if (delim == ';' && !has_column(n, h, "KEY") && !has_column(n, h, "PARENT_KEY"))
        return PN_DIALECT_EXCEL;
    return PN_DIALECT_PLAIN;
}

/* Metadata columns: what each tool adds beside the answers. Each by its name, what it holds,
 * and for a key its rank (0 best). */
typedef struct meta_name {
    const char *name;
    pn_col_kind kind;
    int rank;
} meta_name;

/* The columns of every tool. */
static const meta_name meta_common[] = {
    /* keys, best first: ODK's KEY is the logical submission, stable across edits,
     * while meta-instanceID names one version of it */
    {"KEY", PN_COL_KEY, 0},
    {"meta/rootUuid", PN_COL_KEY, 1},
    {"_uuid", PN_COL_KEY, 2},
    {"instanceID", PN_COL_KEY, 3},
    {"meta/instanceID", PN_COL_KEY, 3},
    {"meta-instanceID", PN_COL_KEY, 3},
    {"PARENT_KEY", PN_COL_PARENT, 0},
    {"_submission__uuid", PN_COL_PARENT, 0},
    {"SubmissionDate", PN_COL_SUBMITTED, 0},
    {"_submission_time", PN_COL_SUBMITTED, 0},
    {"submitdate", PN_COL_SUBMITTED, 0},
    {"Horodateur", PN_COL_SUBMITTED, 0},
    {"Horodatage", PN_COL_SUBMITTED, 0},
    {"Timestamp", PN_COL_SUBMITTED, 0},
    /* KoboToolbox */
    {"_id", PN_COL_IGNORED, 0},
    {"_index", PN_COL_IGNORED, 0},
    {"_parent_index", PN_COL_IGNORED, 0},
    {"_parent_table_name", PN_COL_IGNORED, 0},
    {"_submission__id", PN_COL_IGNORED, 0},
    {"_submission__submission_time", PN_COL_IGNORED, 0},
    {"_submission__validation_status", PN_COL_IGNORED, 0},
    {"_submission__notes", PN_COL_IGNORED, 0},
    {"_submission__status", PN_COL_IGNORED, 0},
    {"_submission__submitted_by", PN_COL_IGNORED, 0},
    {"_submission___version__", PN_COL_IGNORED, 0},
    {"_submission__tags", PN_COL_IGNORED, 0},
    {"_validation_status", PN_COL_IGNORED, 0},
    {"_notes", PN_COL_IGNORED, 0},
    {"_status", PN_COL_IGNORED, 0},
    {"_submitted_by", PN_COL_IGNORED, 0},
    {"_tags", PN_COL_IGNORED, 0},
    {"_version_", PN_COL_IGNORED, 0},
    {"__version__", PN_COL_IGNORED, 0},
    {"meta/deprecatedID", PN_COL_IGNORED, 0},
    {"formhub/uuid", PN_COL_IGNORED, 0},
    /* ODK Central */
    {"SubmitterID", PN_COL_IGNORED, 0},
    {"SubmitterName", PN_COL_IGNORED, 0},
    {"AttachmentsPresent", PN_COL_IGNORED, 0},
    {"AttachmentsExpected", PN_COL_IGNORED, 0},
    {"Status", PN_COL_IGNORED, 0},
    {"ReviewState", PN_COL_IGNORED, 0},
    {"DeviceID", PN_COL_IGNORED, 0},
    {"Edits", PN_COL_IGNORED, 0},
    {"FormVersion", PN_COL_IGNORED, 0},
    {"meta-deprecatedID", PN_COL_IGNORED, 0},
};

/* The columns of LimeSurvey's exports. */
static const meta_name meta_lime[] = {
    {"id", PN_COL_KEY, 4},
    {"lastpage", PN_COL_IGNORED, 0},
    {"startlanguage", PN_COL_IGNORED, 0},
    {"seed", PN_COL_IGNORED, 0},
    {"token", PN_COL_IGNORED, 0},
    {"refurl", PN_COL_IGNORED, 0},
    {"ipaddr", PN_COL_IGNORED, 0},
    {"interviewtime", PN_COL_IGNORED, 0},
    /* the same with "full question text" headings: createFieldMap() and
     * createTimingsFieldMap() in LimeSurvey's application/helpers/common_helper.php print
     * gT("Response ID")... in the export's language; the French strings are the msgstr
     * of LimeSurvey's catalogue locale/fr/fr.mo, identical in releases 3.8.1, 3.14.9,
     * 3.28.66, 5.6.33, 6.1.8 and 6.4.2 (the token column is gT("Token"), French "Code",
     * in 3.x, and gT("Access code") from 5.x) */
    {"ID de la réponse", PN_COL_KEY, 4},
    {"Response ID", PN_COL_KEY, 4},
    {"Date de soumission", PN_COL_SUBMITTED, 0},
    {"Date submitted", PN_COL_SUBMITTED, 0},
    {"Dernière page", PN_COL_IGNORED, 0},
    {"Last page", PN_COL_IGNORED, 0},
    {"Langue de départ", PN_COL_IGNORED, 0},
    {"Start language", PN_COL_IGNORED, 0},
    {"Tête de série", PN_COL_IGNORED, 0},
    {"Seed", PN_COL_IGNORED, 0},
    {"Code d'accès", PN_COL_IGNORED, 0},
    {"Access code", PN_COL_IGNORED, 0},
    {"Token", PN_COL_IGNORED, 0},
    {"Date de lancement", PN_COL_IGNORED, 0},
    {"Date started", PN_COL_IGNORED, 0},
    {"Date de la dernière action", PN_COL_IGNORED, 0},
    {"Date last action", PN_COL_IGNORED, 0},
    {"Adresse IP", PN_COL_IGNORED, 0},
    {"IP address", PN_COL_IGNORED, 0},
    {"URL référente", PN_COL_IGNORED, 0},
    {"Referrer URL", PN_COL_IGNORED, 0},
    {"Temps total :", PN_COL_IGNORED, 0},
    {"Total time", PN_COL_IGNORED, 0},
};

/* What the metadata column @h of a file of dialect @d holds, or PN_COL_UNMAPPED. */
static pn_col meta_column(const char *h, pn_dialect d)
{
    pn_col c = {PN_COL_UNMAPPED, -1, -1, 0};
    /* the first byte first: most of a header is the form's own names */
    for (size_t i = 0; i < sizeof meta_common / sizeof meta_common[0]; i++)
        if (h[0] == meta_common[i].name[0] && strcmp(h, meta_common[i].name) == 0) {
            c.kind = meta_common[i].kind;
            c.rank = meta_common[i].rank;
            return c;
        }
    /* the rest of the XForm meta block, and KoboToolbox's copies of the parent submission's
     * metadata in a repeat sheet */
    if (strncmp(h, "meta/", 5) == 0 || strncmp(h, "meta-", 5) == 0 ||
        strncmp(h, "_submission_", 12) == 0) {
        c.kind = PN_COL_IGNORED;
        return c;
    }
    if (d == PN_DIALECT_LIME) {
        for (size_t i = 0; i < sizeof meta_lime / sizeof meta_lime[0]; i++)
            if (h[0] == meta_lime[i].name[0] && strcmp(h, meta_lime[i].name) == 0) {
                c.kind = meta_lime[i].kind;
                c.rank = meta_lime[i].rank;
                return c;
            }
        /* the timings (createTimingsFieldMap()): gT('Group time') . ": " . the group's name,
         * gT('Question time') . ": " . the question's code; French "Durée pour le groupe "
         * and "Durée pour la question" */
        static const char *const timings[] = {"Durée pour le groupe : ", "Durée pour la question: ",
                                              "Group time: ", "Question time: "};
        for (size_t i = 0; i < sizeof timings / sizeof timings[0]; i++)
            if (strncmp(h, timings[i], strlen(timings[i])) == 0)
                c.kind = PN_COL_IGNORED;
    }
    return c;
}

/* ---- the mapping file ----------------------------------------------------------------- */

static const char *const kind_words[] = {"colonne", "ignorer", "valeur"};

static int parse_kind(const char *s, pn_map_kind *k)
{
    static const struct {
        const char *word;
        pn_map_kind kind;
    } words[] = {{"colonne", PN_MAP_COLUMN}, {"column", PN_MAP_COLUMN}, {"ignorer", PN_MAP_IGNORE},
                 {"ignore", PN_MAP_IGNORE},  {"valeur", PN_MAP_VALUE},  {"value", PN_MAP_VALUE}};
    char *f = pn_fold(s);
    int ok = 0;
    for (size_t i = 0; f && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(f, words[i].word) == 0) {
            *k = words[i].kind;
            ok = 1;
        }
    free(f);
    return ok;
}

static void entry_release(pn_map_entry *e)
{
    free(e->source);
    free(e->variable);
    free(e->choice);
    free(e->note);
}

void pn_map_release(pn_map *map)
{
    for (size_t i = 0; i < map->n; i++)
        entry_release(&map->e[i]);
    free(map->e);
    free(map->path);
    free(map->prev);
    pn_strindex_release(&map->by_source);
    memset(map, 0, sizeof *map);
}

static pn_status push_entry(pn_map *map, pn_map_kind kind, const char *source, const char *variable,
                            const char *choice, const char *note, size_t line)
{
    /* the arrays double when the count reaches a power of two: a template of 100,000
     * columns is not copied 100,000 times */
    if ((map->n & (map->n - 1)) == 0) {
        size_t cap = map->n ? 2 * map->n : 1;
        pn_map_entry *e = realloc(map->e, cap * sizeof *e);
        if (e == NULL)
            return PN_ENOMEM;
        map->e = e;
        size_t *prev = realloc(map->prev, cap * sizeof *prev);
        if (prev == NULL)
            return PN_ENOMEM;
        map->prev = prev;
    }
    pn_map_entry *e = &map->e[map->n];
    e->kind = kind;
    e->line = line;
    e->source = pn_strdup(source);
    e->variable = pn_strdup(variable ? variable : "");
    e->choice = pn_strdup(choice ? choice : "");
    e->note = pn_strdup(note ? note : "");
    if (!e->source || !e->variable || !e->choice || !e->note) {
        entry_release(e);
        return PN_ENOMEM;
    }
    /* the new entry becomes the last of its source */
    size_t len = strlen(e->source);
    size_t *last = pn_strindex_value(&map->by_source, e->source, len);
    if (last) {
        map->prev[map->n] = *last;
        *last = map->n;
    } else if (pn_strindex_put(&map->by_source, e->source, len, map->n) != PN_OK) {
        entry_release(e);
        return PN_ENOMEM;
    } else {
        map->prev[map->n] = SIZE_MAX;
    }
    map->n++;
    return PN_OK;
}

typedef struct map_reader {
    pn_map *map;
    const pn_form *form;
    int header_done;
} map_reader;

static const char *cell(size_t n, char *const *f, size_t i)
{
    return i < n ? f[i] : "";
}

static pn_status on_map_row(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    map_reader *mr = ctx;
    const char *path = mr->map->path;
    if (!mr->header_done) {
        static const char *const fr[] = {"type", "dans_le_fichier", "variable", "choix"};
        static const char *const en[] = {"kind", "source", "variable", "choice"};
        mr->header_done = 1;
        for (size_t i = 0; i < 4; i++)
            if (strcasecmp(cell(n, f, i), fr[i]) != 0 && strcasecmp(cell(n, f, i), en[i]) != 0)
                return pn_error_set(err, PN_EINPUT,
                                    "%s:%zu: column %zu: expected the header "
                                    "'type;dans_le_fichier;variable;choix;remarque', found '%s'",
                                    path, line, i + 1, cell(n, f, i));
        return PN_OK;
    }
    /* the ' that pn_csv_write_field put before a text that looks like a formula goes */
    const char *kind = cell(n, f, 0), *source = pn_csv_unguard(cell(n, f, 1)), *var = cell(n, f, 2),
               *choice = cell(n, f, 3), *note = pn_csv_unguard(cell(n, f, 4));
    if (*kind == '\0' && *source == '\0' && *var == '\0' && *choice == '\0')
        return PN_OK;
    pn_map_kind k = PN_MAP_COLUMN;
    if (!parse_kind(kind, &k))
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'type': expected colonne, ignorer or valeur, found "
                            "'%s'",
                            path, line, kind);
    if (*source == '\0')
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'dans_le_fichier': empty; give the %s as it is in "
                            "the export",
                            path, line, k == PN_MAP_VALUE ? "value" : "column header");
    const pn_question *q = NULL;
    if (*var) {
        q = pn_form_find(mr->form, var);
        if (q == NULL || !pn_question_has_value(q))
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'variable': '%s' is not a question of form '%s'",
                                path, line, var, mr->form->id);
    }
    if (k == PN_MAP_VALUE && q && q->type != PN_Q_SELECT_ONE && q->type != PN_Q_SELECT_MULTIPLE)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'variable': '%s' is a %s question; values are mapped "
                            "only for select_one and select_multiple questions",
                            path, line, var, pn_qtype_name(q->type));
    if (k == PN_MAP_VALUE && *var == '\0' && *choice)
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: column 'variable': empty; say which question's value '%s' "
                            "is",
                            path, line, source);
    if (*choice) {
        if (q == NULL)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'variable': empty, but a choice is given", path,
                                line);
        if (k == PN_MAP_COLUMN && q->type != PN_Q_SELECT_MULTIPLE)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'choix': a tick-box column belongs to a "
                                "select_multiple question, and '%s' is a %s",
                                path, line, var, pn_qtype_name(q->type));
        if (q->list == NULL || pn_choice_find(q->list, choice) == NULL)
            return pn_error_set(err, PN_EINPUT,
                                "%s:%zu: column 'choix': '%s' is not a choice of question '%s'",
                                path, line, choice, var);
    }
    if (k == PN_MAP_IGNORE && (*var || *choice))
        return pn_error_set(err, PN_EINPUT,
                            "%s:%zu: an 'ignorer' row takes no variable or choice; use "
                            "'colonne' to import the column",
                            path, line);
    if (push_entry(mr->map, k, source, var, choice, note, line) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

pn_status pn_map_load(pn_map *map, const char *path, const pn_form *form, pn_error *err)
{
    memset(map, 0, sizeof *map);
    if ((map->path = pn_strdup(path)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    map_reader mr = {map, form, 0};
    pn_status st = pn_csv_read_path(path, NULL, on_map_row, &mr, NULL, err);
    if (st != PN_OK) {
        char *keep = map->path;
        map->path = NULL;
        pn_map_release(map);
        free(keep);
    }
    return st;
}

pn_status pn_map_add(pn_map *map, pn_map_kind kind, const char *source, const char *variable,
                     const char *note)
{
    size_t i;
    if (pn_strindex_get(&map->by_source, source, strlen(source), &i))
        for (; i != SIZE_MAX; i = map->prev[i])
            if (map->e[i].kind == kind &&
                (kind != PN_MAP_VALUE || strcmp(map->e[i].variable, variable) == 0))
                return PN_OK;
    return push_entry(map, kind, source, variable, "", note, 0);
}

static int entry_complete(const pn_map_entry *e)
{
    switch (e->kind) {
    case PN_MAP_COLUMN:
        return *e->variable != '\0';
    case PN_MAP_VALUE:
        return *e->variable != '\0' && *e->choice != '\0';
    default:
        return 1;
    }
}

size_t pn_map_incomplete(const pn_map *map)
{
    size_t n = 0;
    for (size_t i = 0; i < map->n; i++)
        n += !entry_complete(&map->e[i]);
    return n;
}

pn_status pn_map_write(const pn_map *map, const char *path, pn_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (tmp == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *out = fopen(tmp, "wb");
    if (out == NULL) {
        pn_status st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    fputs("\xEF\xBB\xBFtype;dans_le_fichier;variable;choix;remarque\r\n", out);
    for (size_t i = 0; i < map->n; i++) {
        const pn_map_entry *e = &map->e[i];
        fputs(kind_words[e->kind], out);
        fputc(';', out);
        pn_csv_write_field(out, e->source, ';');
        fputc(';', out);
        pn_csv_write_field(out, e->variable, ';');
        fputc(';', out);
        pn_csv_write_field(out, e->choice, ';');
        fputc(';', out);
        pn_csv_write_field(out, e->note, ';');
        fputs("\r\n", out);
    }
    int bad = ferror(out);
    if (fclose(out) != 0 || bad || rename(tmp, path) != 0) {
        pn_status st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return PN_OK;
}

/* ---- the header ----------------------------------------------------------------------- */

/* Whether @h equals @path, or a suffix of it that starts after a '/', with '/' written as
 * @sep. */
static int path_match(const char *h, const char *path, char sep)
{
    for (const char *p = path; p; p = strchr(p, '/'), p = p ? p + 1 : NULL) {
        const char *a = h, *b = p;
        while (*a && *b && (*a == *b || (*b == '/' && *a == sep)))
            a++, b++;
        if (*a == '\0' && *b == '\0')
            return 1;
    }
    return 0;
}

/* A tick column `q/choice`, `q-choice`, `q[choice]`, `q_choice` (q a name or path). */
static int tick_by_name(const pn_question *q, const char *h, int *choice)
{
    const char *stems[2] = {q->name, q->path};
    for (int s = 0; s < 2; s++) {
        for (char sep = '/'; sep; sep = sep == '/' ? '-' : 0) {
            /* the stem with '/' spelt as sep */
            size_t len = strlen(stems[s]);
            int ok = 1;
            for (size_t i = 0; i < len && ok; i++)
                ok = h[i] && (h[i] == stems[s][i] || (stems[s][i] == '/' && h[i] == sep));
            if (!ok)
                continue;
            const char *rest = h + len;
            size_t rlen = strlen(rest);
            const char *name = NULL;
            size_t nlen = 0;
            if (*rest == '/' || *rest == '_' || *rest == '-') {
                name = rest + 1;
                nlen = rlen - 1;
            } else if (*rest == '[' && rlen > 2 && rest[rlen - 1] == ']') {
                name = rest + 1;
                nlen = rlen - 2;
            }
            if (name && nlen) {
                const pn_choice *ch = pn_choice_find_n(q->list, name, nlen);
                if (ch) {
                    *choice = (int)(ch - q->list->items);
                    return 1;
                }
            }
        }
    }
    return 0;
}

/* A tick column by labels: `Label/Choice label` (Kobo) or `Label [Choice label]`
 * (LimeSurvey full text), compared folded. @fh is the folded header. */
static int tick_by_label(const pn_cells *c, size_t qi, const char *fh, int *choice)
{
    const char *stems[2] = {c->label[qi], c->label_path[qi]};
    for (int s = 0; s < 2; s++) {
        size_t len = strlen(stems[s]);
        if (strncmp(fh, stems[s], len) != 0)
            continue;
        const char *rest = fh + len;
        size_t rlen = strlen(rest);
        const char *name = NULL;
        size_t nlen = 0;
        if (*rest == '/') {
            name = rest + 1;
            nlen = rlen - 1;
        } else if (rest[0] == ' ' && rest[1] == '[' && rest[rlen - 1] == ']') {
            name = rest + 2;
            nlen = rlen - 3;
        } else if (rest[0] == '[' && rest[rlen - 1] == ']') {
            name = rest + 1;
            nlen = rlen - 2;
        }
        if (name == NULL)
            continue;
        while (nlen && *name == ' ')
            name++, nlen--;
        while (nlen && name[nlen - 1] == ' ')
            nlen--;
        size_t k;
        if (pn_strindex_get(&c->by_label[qi], name, nlen, &k)) {
            *choice = (int)(k & ~SHARED); /* the first choice with that label */
            return 1;
        }
    }
    return 0;
}

static const pn_map_entry *map_column(const pn_map *map, const char *h)
{
    const pn_map_entry *first = NULL; /* the file's first entry for @h wins */
    size_t i;
    if (map == NULL || !pn_strindex_get(&map->by_source, h, strlen(h), &i))
        return NULL;
    for (; i != SIZE_MAX; i = map->prev[i])
        if (map->e[i].kind != PN_MAP_VALUE && entry_complete(&map->e[i]))
            first = &map->e[i];
    return first;
}

/*
 * The form's side of the header match, indexed once per header so that each cell costs a
 * few lookups, not a pass over the form (a form of 1,900 questions against a header of
 * 100,000 columns took 6 s). Each index gives the questions that may match, with '-' read
 * as '/' in paths (a superset of what path_match and tick_by_name accept); the rules above
 * then decide on those alone, in the form's order, so the result is the same as trying every
 * question. A name is looked up in the form's own index (pn_form_question_index).
 */
struct header_index {
    pn_strindex paths;       /* each suffix of a path (from its start or after a '/') */
    pn_strindex stems;       /* a select_multiple's name and path */
    pn_strindex labels;      /* the folded label and label path of a question with an answer */
    pn_strindex label_stems; /* the same of a select_multiple */
    struct hlink {
        size_t q, next; /* a question, and the next link of the same key (SIZE_MAX: none) */
    } * links;
    size_t nlinks, caplinks;
    char **norm_path, **norm_name; /* per question, '-' as '/': the keys of paths and stems */
    size_t max_stem, max_label_stem;
    size_t *cand; /* scratch: the candidates of one cell */
    size_t ncand, capcand;
    pn_strbuf cell; /* scratch: the cell with '-' as '/' */
};

static void header_index_release(header_index *hx, size_t nq)
{
    pn_strindex_release(&hx->paths);
    pn_strindex_release(&hx->stems);
    pn_strindex_release(&hx->labels);
    pn_strindex_release(&hx->label_stems);
    for (size_t i = 0; i < nq; i++) {
        free(hx->norm_path ? hx->norm_path[i] : NULL);
        free(hx->norm_name ? hx->norm_name[i] : NULL);
    }
    free(hx->norm_path);
    free(hx->norm_name);
    free(hx->links);
    free(hx->cand);
    pn_strbuf_release(&hx->cell);
}

void pn_header_index_free(header_index *hx, size_t nq)
{
    if (hx == NULL)
        return;
    header_index_release(hx, nq);
    free(hx);
}

/* Link question @q to the @len bytes at @key; questions are added last to first, so that a
 * key's chain comes in the form's order, each question once. */
static pn_status chain_add(header_index *hx, pn_strindex *ix, const char *key, size_t len, size_t q)
{
    size_t *head = pn_strindex_value(ix, key, len);
    if (head && hx->links[*head].q == q)
        return PN_OK;
    if (hx->nlinks == hx->caplinks) {
        size_t cap = hx->caplinks ? 2 * hx->caplinks : 64;
        struct hlink *p = realloc(hx->links, cap * sizeof *p);
        if (p == NULL)
            return PN_ENOMEM;
        hx->links = p;
        hx->caplinks = cap;
        head = pn_strindex_value(ix, key, len); /* unchanged by realloc, but found again */
    }
    hx->links[hx->nlinks] = (struct hlink){q, head ? *head : SIZE_MAX};
    if (head)
        *head = hx->nlinks;
    else if (pn_strindex_put(ix, key, len, hx->nlinks) != PN_OK)
        return PN_ENOMEM;
    hx->nlinks++;
    return PN_OK;
}

/* A copy of @s with '-' as '/'; NULL when out of memory. */
static char *dash_as_slash(const char *s)
{
    char *d = pn_strdup(s);
    for (char *p = d; p && *p; p++)
        if (*p == '-')
            *p = '/';
    return d;
}

static pn_status header_index_init(header_index *hx, const pn_form *form, const pn_cells *c)
{
    memset(hx, 0, sizeof *hx);
    size_t nq = form->nq;
    if ((hx->norm_path = calloc(nq ? nq : 1, sizeof *hx->norm_path)) == NULL ||
        (hx->norm_name = calloc(nq ? nq : 1, sizeof *hx->norm_name)) == NULL)
        return PN_ENOMEM;
    for (size_t i = nq; i-- > 0;) {
        const pn_question *q = &form->q[i];
        char *np = hx->norm_path[i] = dash_as_slash(q->path);
        char *nn = hx->norm_name[i] = dash_as_slash(q->name);
        if (np == NULL || nn == NULL)
            return PN_ENOMEM;
        /* the suffixes start where the path itself has a '/', not where a name has a '-' */
        for (const char *p = q->path; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
            if (chain_add(hx, &hx->paths, np + (p - q->path), strlen(p), i) != PN_OK)
                return PN_ENOMEM;
        int answer = pn_question_has_value(q) && q->type != PN_Q_CALCULATE;
        int multi = q->type == PN_Q_SELECT_MULTIPLE;
        if (answer &&
            (chain_add(hx, &hx->labels, c->label[i], strlen(c->label[i]), i) != PN_OK ||
             chain_add(hx, &hx->labels, c->label_path[i], strlen(c->label_path[i]), i) != PN_OK))
            return PN_ENOMEM;
        if (!multi)
            continue;
        const char *stems[] = {nn, np}, *lstems[] = {c->label[i], c->label_path[i]};
        for (int k = 0; k < 2; k++) {
            size_t len = strlen(stems[k]), llen = strlen(lstems[k]);
            if (chain_add(hx, &hx->stems, stems[k], len, i) != PN_OK ||
                chain_add(hx, &hx->label_stems, lstems[k], llen, i) != PN_OK)
                return PN_ENOMEM;
            if (len > hx->max_stem)
                hx->max_stem = len;
            if (llen > hx->max_label_stem)
                hx->max_label_stem = llen;
        }
    }
    return PN_OK;
}

/* Put the questions linked to the @len bytes at @key among the candidates. */
static pn_status add_candidates(header_index *hx, const pn_strindex *ix, const char *key,
                                size_t len)
{
    size_t at;
    if (!pn_strindex_get(ix, key, len, &at))
        return PN_OK;
    for (; at != SIZE_MAX; at = hx->links[at].next) {
        if (hx->ncand == hx->capcand) {
            size_t cap = hx->capcand ? 2 * hx->capcand : 16;
            size_t *p = realloc(hx->cand, cap * sizeof *p);
            if (p == NULL)
                return PN_ENOMEM;
            hx->cand = p;
            hx->capcand = cap;
        }
        hx->cand[hx->ncand++] = hx->links[at].q;
    }
    return PN_OK;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The candidates in the form's order, each once. */
static void sort_candidates(header_index *hx)
{
    if (hx->ncand < 2)
        return;
    qsort(hx->cand, hx->ncand, sizeof *hx->cand, cmp_size);
    size_t n = 1;
    for (size_t i = 1; i < hx->ncand; i++)
        if (hx->cand[i] != hx->cand[n - 1])
            hx->cand[n++] = hx->cand[i];
    hx->ncand = n;
}

/* The candidates for a tick column headed @h (with @norm, '-' as '/'), or by label @fh: each
 * prefix that ends where the rest could start (tick_by_name, tick_by_label). */
static pn_status tick_candidates(header_index *hx, const char *norm, const char *fh)
{
    hx->ncand = 0;
    for (size_t p = 0; norm && norm[p] && p <= hx->max_stem; p++)
        if (strchr("/_[", norm[p]) && add_candidates(hx, &hx->stems, norm, p) != PN_OK)
            return PN_ENOMEM;
    for (size_t p = 0; fh && fh[p] && p <= hx->max_label_stem; p++)
        if ((fh[p] == '/' || fh[p] == '[' || (fh[p] == ' ' && fh[p + 1] == '[')) &&
            add_candidates(hx, &hx->label_stems, fh, p) != PN_OK)
            return PN_ENOMEM;
    sort_candidates(hx);
    return PN_OK;
}

pn_status pn_map_header_cells(pn_cells *c, const pn_map *map, pn_dialect dialect, size_t n,
                              char *const *header, pn_col *cols, pn_error *err)
{
    const pn_form *form = c->form;
    /* the form's index is built at the first header and kept with the cells for the others */
    if (c->hx == NULL) {
        header_index *made = calloc(1, sizeof *made);
        if (made == NULL || header_index_init(made, form, c) != PN_OK) {
            pn_header_index_free(made, form->nq);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
        c->hx = made;
    }
    header_index *hx = c->hx;
    for (size_t col = 0; col < n; col++) {
        const char *h = header[col];
        pn_col *out = &cols[col];
        *out = (pn_col){PN_COL_UNMAPPED, -1, -1, 0};
        const pn_map_entry *e = map_column(map, h);
        if (e) {
            if (e->kind == PN_MAP_IGNORE) {
                out->kind = PN_COL_IGNORED;
            } else {
                out->q = pn_form_question_index(form, e->variable);
                const pn_question *q = &form->q[out->q];
                if (*e->choice) {
                    out->kind = PN_COL_TICK;
                    out->choice = (int)(pn_choice_find(q->list, e->choice) - q->list->items);
                } else {
                    out->kind = PN_COL_ANSWER;
                }
            }
            continue;
        }
        *out = meta_column(h, dialect);
        if (out->kind != PN_COL_UNMAPPED)
            continue;
        /* LimeSurvey's own timestamps are the form's start and end */
        if (dialect == PN_DIALECT_LIME &&
            (strcmp(h, "startdate") == 0 || strcmp(h, "datestamp") == 0)) {
            int qi = pn_form_question_index(form, h[0] == 's' ? "start" : "end");
            if (qi >= 0) {
                *out = (pn_col){PN_COL_ANSWER, qi, -1, 0};
                continue;
            }
        }
        /* by name, then group path; a note's column (the tools export one, always empty)
         * is left aside */
        int found = pn_form_question_index(form, h), ambiguous = 0, choice = -1;
        int by_name = found >= 0;
        pn_strbuf_reset(&hx->cell);
        if (pn_strbuf_puts(&hx->cell, h) != PN_OK)
            goto nomem;
        for (char *p = hx->cell.buf; *p; p++)
            if (*p == '-')
                *p = '/';
        const char *norm = pn_strbuf_str(&hx->cell);
        hx->ncand = 0;
        if (!by_name && add_candidates(hx, &hx->paths, norm, strlen(norm)) != PN_OK)
            goto nomem;
        for (size_t k = 0; k < hx->ncand && !by_name; k++) {
            const pn_question *q = &form->q[hx->cand[k]];
            if (path_match(h, q->path, '/') || path_match(h, q->path, '-')) {
                ambiguous |= found >= 0;
                found = (int)hx->cand[k];
            }
        }
        if (found >= 0 && !ambiguous) {
            if (pn_question_has_value(&form->q[found]))
                *out = (pn_col){PN_COL_ANSWER, found, -1, 0};
            else
                *out = (pn_col){PN_COL_IGNORED, -1, -1, 0};
            continue;
        }
        found = -1;
        if (tick_candidates(hx, norm, NULL) != PN_OK)
            goto nomem;
        for (size_t k = 0; k < hx->ncand && found < 0; k++)
            if (tick_by_name(&form->q[hx->cand[k]], h, &choice))
                found = (int)hx->cand[k];
        if (found >= 0) {
            *out = (pn_col){PN_COL_TICK, found, choice, 0};
            continue;
        }
        /* labels, folded */
        pn_strbuf_reset(&c->fold);
        if (pn_fold_append(&c->fold, h, strlen(h)) != PN_OK)
            goto nomem;
        const char *fh = pn_strbuf_str(&c->fold);
        found = -1;
        ambiguous = 0;
        hx->ncand = 0;
        if (*fh && add_candidates(hx, &hx->labels, fh, strlen(fh)) != PN_OK)
            goto nomem;
        for (size_t k = 0; k < hx->ncand; k++) { /* questions with an answer, not calculates */
            ambiguous |= found >= 0;
            found = (int)hx->cand[k];
        }
        if (found >= 0 && !ambiguous) {
            *out = (pn_col){PN_COL_ANSWER, found, -1, 0};
            continue;
        }
        if (ambiguous)
            continue; /* several questions share the label: the mapping file decides */
        if (tick_candidates(hx, NULL, fh) != PN_OK)
            goto nomem;
        for (size_t k = 0; k < hx->ncand && found < 0; k++)
            if (tick_by_label(c, hx->cand[k], fh, &choice))
                found = (int)hx->cand[k];
        if (found >= 0)
            *out = (pn_col){PN_COL_TICK, found, choice, 0};
    }
    return PN_OK;
nomem:
    return pn_error_set(err, PN_ENOMEM, "out of memory");
}

pn_status pn_map_header(const pn_form *form, const pn_map *map, pn_dialect dialect, size_t n,
                        char *const *header, pn_col *cols, pn_error *err)
{
    pn_cells *c = pn_cells_new(form, NULL);
    if (c == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_status st = pn_map_header_cells(c, map, dialect, n, header, cols, err);
    pn_cells_destroy(c);
    return st;
}
