/* init, import, rejects, tab: the subcommands that read and write the store. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "import/import.h"
#include "import/mapping.h"
#include "output/output.h"
#include "stats/protect.h"
#include "stats/tabulate.h"
#include "util/csv.h"
#include "util/strbuf.h"
#include "util/xlsx.h"

pn_status cmd_init(pn_cli *cli, pn_error *err)
{
    if (cli->argc > 1)
        return pn_error_set(err, PN_EUSAGE, "usage: init takes no argument, found '%s'",
                            cli->argv[1]);
    pn_store *s = pn_store_create(cli->db_path, err);
    if (s == NULL)
        return err->status;
    pn_store_close(s);
    printf("created '%s' (schema version %d)\n", cli->db_path, PN_STORE_VERSION);
    return PN_OK;
}

/* Read a whole file into a string the caller frees. */
pn_status cli_slurp(const char *path, char **out, size_t *len, pn_error *err)
{
    FILE *in = fopen(path, "rb");
    pn_strbuf sb = PN_STRBUF_INIT;
    char buf[8192];
    size_t n;
    if (in == NULL)
        return pn_error_set(err, PN_EIO, "cannot open '%s': %s", path, strerror(errno));
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (pn_strbuf_append(&sb, buf, n) != PN_OK) {
            fclose(in);
            pn_strbuf_release(&sb);
            return pn_error_set(err, PN_ENOMEM, "out of memory");
        }
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        pn_strbuf_release(&sb);
        return pn_error_set(err, PN_EIO, "cannot read '%s'", path);
    }
    *len = sb.len;
    *out = pn_strbuf_detach(&sb);
    return *out ? PN_OK : pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* The header of a CSV file, for choosing its form. */
typedef struct header {
    char **names;
    size_t n;
} header;

static pn_status grab_header(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    header *h = ctx;
    (void)line;
    h->names = calloc(n ? n : 1, sizeof *h->names);
    if (h->names == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if ((h->names[h->n++] = pn_strdup(f[i])) == NULL)
            return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_STOP; /* the header is all that is needed */
}

/* The form_id row of a fillable workbook's map sheet. */
static pn_status grab_form_id(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    char **id = ctx;
    (void)line;
    if (n < 2 || strcmp(f[0], "form_id") != 0)
        return PN_OK;
    return (*id = pn_strdup(f[1])) ? PN_STOP : pn_error_set(err, PN_ENOMEM, "out of memory");
}

/* The header of @file: its first line, or the first row of a workbook's first visible sheet;
 * *@id the form a fillable workbook names, its header then left empty. */
static pn_status read_header(const char *file, const pn_csv_opts *copts, header *h, char **id,
                             pn_error *err)
{
    if (!pn_xlsx_is_zip(file))
        return pn_csv_read_path(file, copts, grab_header, h, NULL, err);
    pn_xlsx *x = NULL;
    pn_status st = pn_xlsx_open(file, &x, err);
    long map = st == PN_OK ? pn_xlsx_sheet_find(x, PN_FILLABLE_MAP) : -1;
    if (map >= 0) {
        st = pn_xlsx_read(x, (size_t)map, file, grab_form_id, id, err);
        if (st == PN_OK && *id == NULL)
            st = pn_error_set(err, PN_EINPUT, "%s: the fillable workbook names no form", file);
    }
    for (size_t i = 0; st == PN_OK && map < 0 && i < pn_xlsx_nsheets(x) && !h->names; i++)
        if (!pn_xlsx_sheet_hidden(x, i))
            st = pn_xlsx_read(x, i, file, grab_header, h, err);
    pn_xlsx_destroy(x);
    return st;
}

static void header_release(header *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->names[i]);
    free(h->names);
}

/* How many of @h's columns hold answers to questions of @f (by name, group path or label). */
static size_t matches(const pn_form *f, const header *h)
{
    pn_col *cols = calloc(h->n ? h->n : 1, sizeof *cols);
    pn_error ignored = {0};
    size_t n = 0;
    if (cols && pn_map_header(f, NULL, PN_DIALECT_AUTO, h->n, h->names, cols, &ignored) == PN_OK)
        for (size_t i = 0; i < h->n; i++)
            n += cols[i].kind == PN_COL_ANSWER || cols[i].kind == PN_COL_TICK;
    free(cols);
    return n;
}

/* Where import looks for a form, in this order: @dir/<id>.csv (--forms DIR, else ./forms when
 * that folder exists), the copy stored in the project file, then @installed/<id>.csv (the
 * installed forms, cli_data_dir(); not when --forms was given). */
typedef struct form_dirs {
    const char *dir;       /* NULL when none */
    const char *installed; /* NULL when none */
} form_dirs;

pn_form *cli_load_form_file(const char *path, const char *id, char **src, size_t *len,
                            pn_error *err)
{
    if (cli_slurp(path, src, len, err) != PN_OK)
        return NULL;
    pn_form *f = pn_form_load_text(path, *src, *len, err);
    if (f && strcmp(f->id, id) != 0) {
        pn_error_set(err, PN_EINPUT, "%s: the settings give form_id '%s', not '%s'", path, f->id,
                     id);
        pn_form_destroy(f);
        f = NULL;
    }
    if (f == NULL) {
        free(*src);
        *src = NULL;
    }
    return f;
}

/* Append to @sb the places @p[0..n-1] that are not NULL, as "a", "a @conj b" or
 * "a, b @conj c". PN_ENOMEM when @sb cannot grow. */
static pn_status join_places(pn_strbuf *sb, const char *const *p, size_t n, const char *conj)
{
    size_t total = 0, done = 0;
    for (size_t i = 0; i < n; i++)
        total += p[i] != NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == NULL)
            continue;
        const char *sep = done == 0 ? "" : done + 1 == total ? conj : ", ";
        if (pn_strbuf_printf(sb, "%s%s", sep, p[i]) != PN_OK)
            return PN_ENOMEM;
        done++;
    }
    return PN_OK;
}

/* Load form @id from the first place of @fd that has it. Source text into *src; when @from is
 * not NULL, it receives where the form came from when that was not @fd->dir ("" when it
 * was), for the user to know. */
static pn_form *load_form(pn_cli *cli, const form_dirs *fd, const char *id, char **src, size_t *len,
                          char *from, size_t fromsz, pn_error *err)
{
    char path[4096], installed[4096] = "";
    struct stat st;
    if (from)
        *from = '\0';
    if (fd->dir) {
        snprintf(path, sizeof path, "%s/%s.csv", fd->dir, id);
        if (stat(path, &st) == 0)
            return cli_load_form_file(path, id, src, len, err);
    }
    pn_form *f = pn_store_get_form(cli->store, id, src, len, err);
    if (f && from)
        snprintf(from, fromsz, "the copy stored in '%s'", cli->db_path);
    if (f || err->status != PN_EUSAGE)
        return f;
    if (fd->installed) {
        snprintf(installed, sizeof installed, "%s/%s.csv", fd->installed, id);
        if (stat(installed, &st) == 0) {
            if (from)
                snprintf(from, fromsz, "the bundled form '%s'", installed);
            return cli_load_form_file(installed, id, src, len, err);
        }
    }
    char qpath[4200], qdb[4200], qinst[4200];
    snprintf(qpath, sizeof qpath, "'%s'", path);
    snprintf(qdb, sizeof qdb, "the project file '%s'", cli->db_path);
    snprintf(qinst, sizeof qinst, "'%s'", installed);
    const char *places[] = {fd->dir ? qpath : NULL, qdb, *installed ? qinst : NULL};
    pn_strbuf where = PN_STRBUF_INIT;
    if (join_places(&where, places, 3, " and ") != PN_OK ||
        (fd->dir == NULL &&
         pn_strbuf_printf(&where, " (there is no 'forms' folder here%s)",
                          *installed ? "" : " and no installed forms") != PN_OK)) {
        pn_strbuf_release(&where);
        pn_error_set(err, PN_ENOMEM, "out of memory");
        return NULL;
    }
    pn_error_set(err, PN_EUSAGE, "no form '%s': looked in %s; give --forms DIR", id,
                 pn_strbuf_str(&where));
    pn_strbuf_release(&where);
    return NULL;
}

/* The ids of the forms in @dir (its *.csv files), appended to *@ids. */
static pn_status list_forms(const char *dir, char ***ids, size_t *nids, pn_error *err)
{
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    pn_status st = PN_OK;
    while (d && st == PN_OK && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".csv") != 0)
            continue;
        char **p = realloc(*ids, (*nids + 1) * sizeof *p);
        if (p)
            *ids = p;
        if (p == NULL || (p[*nids] = pn_strdup(e->d_name)) == NULL)
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
        else
            p[(*nids)++][n - 4] = '\0';
    }
    if (d)
        closedir(d);
    return st;
}

/* Choose the form whose questions best match the first file's header. */
static pn_status detect_form(pn_cli *cli, const form_dirs *fd, const char *file,
                             const pn_csv_opts *copts, char **id, pn_error *err)
{
    header h = {0};
    *id = NULL;
    pn_status st = read_header(file, copts, &h, id, err);
    size_t best = 0, second = 0;
    char **ids = NULL;
    size_t nids = 0;
    if (st == PN_OK && *id != NULL)
        return PN_OK; /* a fillable workbook says its form */
    if (st != PN_OK || h.names == NULL) {
        header_release(&h);
        return st == PN_OK ? pn_error_set(err, PN_EINPUT, "%s: no header", file) : st;
    }
    *id = NULL;
    /* candidates: the forms folder, the forms in the store, the installed forms */
    if ((st = list_forms(fd->dir, &ids, &nids, err)) != PN_OK ||
        (st = list_forms(fd->installed, &ids, &nids, err)) != PN_OK)
        goto out;
    char **stored = NULL;
    size_t nstored = 0;
    if ((st = pn_store_form_ids(cli->store, &stored, &nstored, err)) != PN_OK)
        goto out;
    for (size_t i = 0; i < nstored; i++) {
        char **p = realloc(ids, (nids + 1) * sizeof *p);
        if (p == NULL) {
            for (size_t k = i; k < nstored; k++)
                free(stored[k]);
            free(stored);
            goto nomem;
        }
        ids = p;
        ids[nids++] = stored[i];
    }
    free(stored);
    for (size_t i = 0; i < nids; i++) {
        char *src = NULL;
        size_t len = 0;
        pn_error ignored = {0};
        pn_form *f = load_form(cli, fd, ids[i], &src, &len, NULL, 0, &ignored);
        free(src);
        if (f == NULL)
            continue;
        size_t m = matches(f, &h);
        pn_form_destroy(f);
        if (m > best) {
            second = best;
            best = m;
            free(*id);
            if ((*id = pn_strdup(ids[i])) == NULL)
                goto nomem;
        } else if (m > second && (*id == NULL || strcmp(*id, ids[i]) != 0)) {
            second = m;
        }
    }
    if (best == 0) {
        char qdir[4200], qinst[4200];
        snprintf(qdir, sizeof qdir, "'%s'", fd->dir ? fd->dir : "");
        snprintf(qinst, sizeof qinst, "'%s'", fd->installed ? fd->installed : "");
        const char *places[] = {fd->dir ? qdir : NULL, "the project file",
                                fd->installed ? qinst : NULL};
        pn_strbuf where = PN_STRBUF_INIT;
        join_places(&where, places, 3, " or ");
        st = pn_error_set(err, PN_EUSAGE, "%s: no form in %s matches the header; give --form ID",
                          file, pn_strbuf_str(&where));
        pn_strbuf_release(&where);
    } else if (best == second)
        st =
            pn_error_set(err, PN_EUSAGE, "%s: the header fits several forms; give --form ID", file);
    goto out;
nomem:
    st = pn_error_set(err, PN_ENOMEM, "out of memory");
out:
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    header_release(&h);
    if (st != PN_OK) {
        free(*id);
        *id = NULL;
    }
    return st;
}

/* The progress bar on stderr, when it is a terminal. */
typedef struct progress_bar {
    const char *path;
    int shown; /* the last percentage drawn, -1 before */
} progress_bar;

static void draw_progress(void *ctx, const char *path, unsigned long long done,
                          unsigned long long total)
{
    progress_bar *pb = ctx;
    if (pb->path != path) {
        pb->path = path;
        pb->shown = -1;
    }
    if (total == 0)
        return;
    int pct = (int)(done * 100 / total);
    if (pct == pb->shown)
        return;
    pb->shown = pct;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    const char *base = strrchr(path, '/');
    fprintf(stderr, "\r\033[K[%s] %3d %% %.40s", bar, pct, base ? base + 1 : path);
    fflush(stderr);
}

static pn_status parse_delimiter(const char *delim, char *out, pn_error *err)
{
    *out = 0;
    if (delim == NULL)
        return PN_OK;
    if (strcmp(delim, ",") == 0 || strcmp(delim, ";") == 0)
        *out = delim[0];
    else if (strcmp(delim, "tab") == 0 || strcmp(delim, "\t") == 0)
        *out = '\t';
    else
        return pn_error_set(err, PN_EUSAGE, "--delimiter: expected ',', ';' or 'tab', found '%s'",
                            delim);
    return PN_OK;
}

/* "UTF-8, ';'" for the summary. */
static const char *describe_delim(char d)
{
    return d == '\t' ? "tab" : d == ';' ? "';'" : "','";
}

/* What `import` was given. */
typedef struct import_args {
    const char *form_id, *dir, *map_path;
    const char **files; /* the FILE arguments, lent by argv; the array is the caller's */
    size_t nfiles;
} import_args;

/* The options and files of `import` into @a and @io (its delimiter, encoding and dialect). */
static pn_status parse_import_args(pn_cli *cli, import_args *a, pn_import_opts *io, pn_error *err)
{
    const char *delim = NULL, *encoding = NULL, *dialect = NULL;
    pn_status st;
    pn_opts o;
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--form", &a->form_id) || pn_opts_value(&o, "--forms", &a->dir) ||
            pn_opts_value(&o, "--delimiter", &delim) ||
            pn_opts_value(&o, "--encoding", &encoding) ||
            pn_opts_value(&o, "--dialect", &dialect) || pn_opts_value(&o, "--map", &a->map_path))
            continue;
        if (o.error || o.arg[0] == '-')
            return pn_opts_fail(&o, err);
        a->files[a->nfiles++] = o.arg;
    }
    if (o.error)
        return pn_opts_fail(&o, err);
    if (a->nfiles == 0)
        return pn_error_set(err, PN_EUSAGE, "usage: import needs at least one FILE");
    if ((st = parse_delimiter(delim, &io->delim, err)) != PN_OK)
        return st;
    if (encoding && strcasecmp(encoding, "auto") != 0)
        io->encoding = encoding;
    if (dialect && !pn_dialect_parse(dialect, &io->dialect))
        return pn_error_set(err, PN_EUSAGE, "--dialect: expected one of %s, found '%s'",
                            PN_DIALECT_WORDS, dialect);
    return PN_OK;
}

/* The mapping file of --map @path into @map: read when it exists (*@exists), else only named,
 * to be written as a template. */
static pn_status open_map(const char *path, const pn_form *form, pn_map *map, int *exists,
                          pn_error *err)
{
    struct stat sb;
    *exists = stat(path, &sb) == 0;
    if (*exists)
        return pn_map_load(map, path, form, err);
    if ((map->path = pn_strdup(path)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    return PN_OK;
}

/* What could not be mapped goes to the mapping file @path for the coordinator to complete, when
 * the import added entries to @map (it had @before incomplete ones); the note that says so
 * ends the message of @err when the import failed (@st), else goes to stderr. */
static void update_map_file(pn_map *map, const char *path, int existed, size_t before, pn_status st,
                            pn_error *err)
{
    if (pn_map_incomplete(map) <= before)
        return;
    pn_error werr = {0};
    if (pn_map_write(map, path, &werr) != PN_OK) {
        fprintf(stderr, "panorama: %s\n", werr.msg);
        return;
    }
    char note[1024];
    size_t left = pn_map_incomplete(map);
    snprintf(note, sizeof note,
             "%s '%s': %zu %s to complete (empty 'variable' or 'choix'), then import "
             "again with --map %s",
             existed ? "added to the mapping file" : "wrote a mapping template", path, left,
             left == 1 ? "entry" : "entries", path);
    if (st != PN_OK) {
        size_t used = strlen(err->msg);
        snprintf(err->msg + used, sizeof err->msg - used, "\n%s", note);
    } else {
        fprintf(stderr, "panorama: %s\n", note);
    }
}

/* What an import did: the recalculation of stored answers on stderr, a line per file on
 * stdout, then the rejected rows and the values no choice matches (@have_map: --map given). */
static void print_import_result(const pn_cli *cli, const pn_form *form, const pn_import_result *res,
                                int have_map)
{
    if (res->recalc.form_id) {
        fprintf(stderr,
                "panorama: form '%s' differs from the one stored in '%s': stored the new version "
                "and applied its calculations to the stored answers first\n",
                form->id, cli->db_path);
        cli_print_recalc(stderr, "panorama: ", form, &res->recalc);
    }
    for (size_t i = 0; i < res->nfiles; i++) {
        const pn_import_file *f = &res->files[i];
        if (f->fillable)
            printf("%s: fillable workbook", f->path);
        else if (f->sheet >= 0)
            printf("%s: %s, sheet of a workbook", f->path, pn_dialect_title(f->dialect));
        else
            printf("%s: %s, %s, %s", f->path, pn_dialect_title(f->dialect), f->encoding,
                   describe_delim(f->delim));
        printf(": %zu %s (%s): %zu stored, %zu already in the store, %zu rejected", f->rows,
               f->rows == 1 ? "row" : "rows",
               f->repeat < 0 ? "submissions" : form->repeats[f->repeat].name, f->stored,
               f->duplicates, f->rejected);
        if (f->replaced)
            printf(", %zu replaced the older version stored", f->replaced);
        if (f->older)
            printf(", %zu left aside (the stored version is newer)", f->older);
        putchar('\n');
    }
    fflush(stdout); /* the summary before the warning, also when both go to one file */
    if (res->rejected)
        fprintf(stderr,
                "panorama: %zu %s rejected; 'panorama rejects' lists them with every reason\n",
                res->rejected, res->rejected == 1 ? "row was" : "rows were");
    if (res->unmapped_values && !have_map)
        fprintf(stderr,
                "panorama: %zu answer %s no choice of the form by name or label; if your tool "
                "wrote its own codes or labels, run again with --map FILE to get them in a "
                "mapping template\n",
                res->unmapped_values, res->unmapped_values == 1 ? "value matches" : "values match");
}

pn_status cmd_import(pn_cli *cli, pn_error *err)
{
    import_args a = {0};
    pn_import_opts io = {0};
    char *detected = NULL, *src = NULL, from[4200], installed[4200];
    form_dirs fd = {0};
    size_t len = 0;
    pn_form *form = NULL;
    pn_import_result res = {0};
    pn_map map = {0};
    int map_exists = 0;
    progress_bar bar = {NULL, -1};
    pn_status st = PN_OK;
    if ((a.files = calloc((size_t)cli->argc, sizeof *a.files)) == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if ((st = parse_import_args(cli, &a, &io, err)) != PN_OK)
        goto out;
    struct stat dst;
    fd.dir = a.dir ? a.dir : stat("forms", &dst) == 0 && S_ISDIR(dst.st_mode) ? "forms" : NULL;
    if (a.dir == NULL && cli_data_dir()) {
        snprintf(installed, sizeof installed, "%s/forms", cli_data_dir());
        fd.installed = installed;
    }
    if (a.form_id == NULL) {
        pn_csv_opts copts = {.delim = io.delim, .encoding = io.encoding};
        if ((st = detect_form(cli, &fd, a.files[0], &copts, &detected, err)) != PN_OK)
            goto out;
        a.form_id = detected;
    }
    if ((form = load_form(cli, &fd, a.form_id, &src, &len, from, sizeof from, err)) == NULL) {
        st = err->status;
        goto out;
    }
    cli_warn_stale_forms(cli, fd.dir, form->id);
    if (*from)
        fprintf(stderr, "panorama: form '%s': %s\n", a.form_id, from);
    if (a.map_path) {
        if ((st = open_map(a.map_path, form, &map, &map_exists, err)) != PN_OK)
            goto out;
        io.map = &map;
    }
    if (isatty(STDERR_FILENO)) {
        io.progress = draw_progress;
        io.progress_ctx = &bar;
    }
    size_t incomplete_before = a.map_path ? pn_map_incomplete(&map) : 0;
    st = pn_import_files(cli->store, form, src, len, a.files, a.nfiles, &io, &res, err);
    if (bar.path) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    if (a.map_path)
        update_map_file(&map, a.map_path, map_exists, incomplete_before, st, err);
    if (st == PN_OK)
        print_import_result(cli, form, &res, a.map_path != NULL);
out:
    pn_import_result_release(&res);
    pn_map_release(&map);
    pn_form_destroy(form);
    free(src);
    free(detected);
    free(a.files);
    return st;
}

pn_status cli_parse_format(const char *fmt, int *csv, pn_error *err)
{
    if (fmt == NULL || strcmp(fmt, "text") == 0)
        *csv = 0;
    else if (strcmp(fmt, "csv") == 0)
        *csv = 1;
    else
        return pn_error_set(err, PN_EUSAGE, "--format: expected 'text' or 'csv', found '%s'", fmt);
    return PN_OK;
}

/* How `rejects` writes them, and how many it wrote. */
typedef struct rejects_out {
    int csv;
    size_t n;
} rejects_out;

static pn_status put_reject(void *ctx, const pn_reject *r, pn_error *err)
{
    rejects_out *ro = ctx;
    (void)err; /* stdout is checked once, at exit */
    ro->n++;
    if (ro->csv) {
        char num[32];
        snprintf(num, sizeof num, "%lld", r->line);
        const char *cells[] = {r->form_id, r->file, num, r->key, r->reasons, r->raw};
        for (size_t i = 0; i < 6; i++) {
            if (i)
                putchar(';');
            pn_csv_write_field(stdout, cells[i], ';');
        }
        fputs("\r\n", stdout);
    } else {
        printf("%s:%lld: form '%s': %s\n    %s\n", r->file, r->line, r->form_id, r->reasons,
               r->raw);
    }
    return PN_OK;
}

pn_status cmd_rejects(pn_cli *cli, pn_error *err)
{
    const char *fmt = NULL;
    int csv = 0;
    pn_opts o;
    pn_status st;
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o))
        if (!pn_opts_value(&o, "--format", &fmt))
            return pn_opts_fail(&o, err);
    if (o.error)
        return pn_opts_fail(&o, err);
    if ((st = cli_parse_format(fmt, &csv, err)) != PN_OK)
        return st;
    /* For people: opens right by double-click in a French Excel (UTF-8 with a byte order
     * mark, ';', CRLF), like the mapping template. */
    if (csv)
        fputs("\xEF\xBB\xBF"
              "formulaire;fichier;ligne;cl\xC3\xA9;motifs;ligne d'origine\r\n",
              stdout);
    rejects_out ro = {csv, 0};
    st = pn_store_each_reject(cli->store, put_reject, &ro, err);
    size_t n = ro.n;
    if (st == PN_OK && !csv)
        printf("%zu rejected %s\n", n, n == 1 ? "row" : "rows");
    return st;
}

/* The threshold of --secret: a whole number from 0 (none) to 1000. */
static pn_status parse_secret(const char *text, double *n, pn_error *err)
{
    char *end = NULL;
    long v = text ? strtol(text, &end, 10) : 0;
    if (text == NULL || *text == '\0' || *end != '\0' || v < 0 || v > 1000)
        return pn_error_set(err, PN_EUSAGE,
                            "--secret: expected a whole number of units from 0 (no masking) to "
                            "1000, found '%s'",
                            text ? text : "");
    *n = (double)v;
    return PN_OK;
}

pn_status cmd_tab(pn_cli *cli, pn_error *err)
{
    pn_tab_request req = {0};
    const char *fmt = NULL, *secret = NULL;
    double threshold = 0;
    int csv = 0;
    pn_opts o;
    pn_status st;
    pn_tab_result res = {0};
    pn_opts_init(&o, cli->argc, cli->argv);
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--by", &req.by) || pn_opts_value(&o, "--where", &req.where) ||
            pn_opts_value(&o, "--format", &fmt) || pn_opts_value(&o, "--secret", &secret))
            continue;
        if (strcmp(o.arg, "--pairs") == 0) {
            req.pairs = 1;
            continue;
        }
        if (o.error || o.arg[0] == '-' || req.var != NULL)
            return pn_opts_fail(&o, err);
        req.var = o.arg;
    }
    if (o.error)
        return pn_opts_fail(&o, err);
    if (req.var == NULL)
        return pn_error_set(err, PN_EUSAGE, "usage: tab needs a variable name");
    if ((st = cli_parse_format(fmt, &csv, err)) != PN_OK ||
        (secret && (st = parse_secret(secret, &threshold, err)) != PN_OK))
        return st;
    /* one snapshot, even while an import commits */
    if ((st = pn_store_begin_read(cli->store, err)) != PN_OK)
        return st;
    st = pn_tabulate(cli->store, &req, &res, err);
    pn_store_end_read(cli->store);
    /* the request is the command line: a question it names is a usage error (exit 2), a bad
     * filter an input error (exit 3) said as --where's */
    if (st == PN_EINPUT && res.fault == PN_TAB_FAULT_QUESTIONS)
        st = err->status = PN_EUSAGE;
    else if (res.fault == PN_TAB_FAULT_FILTER)
        pn_error_prefix(err, "--where");
    if (st != PN_OK)
        return st;
    if ((st = pn_tab_result_protect(&res, threshold, err)) != PN_OK) {
        pn_tab_result_release(&res);
        return st;
    }
    pn_output driver = csv ? pn_output_csv(stdout) : pn_output_text(stdout);
    st = pn_output_write(&driver, &res, err);
    pn_tab_result_release(&res);
    return st;
}
