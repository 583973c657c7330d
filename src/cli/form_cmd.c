/* form: the subcommands on the forms themselves (update), and what the other commands say
 * about the forms folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "import/recalc.h"
#include "report/report.h"

/* "forms/ecole.csv" into @buf. */
static void form_path(const char *dir, const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.csv", dir, id);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void cli_warn_stale_forms(pn_cli *cli, const char *dir, const char *except)
{
    char **ids = NULL;
    size_t n = 0;
    pn_error ignored = {0};
    if (dir == NULL) /* no forms folder */
        return;
    if (pn_store_form_ids(cli->store, &ids, &n, &ignored) != PN_OK)
        return; /* the command itself will say what is wrong with the store */
    for (size_t i = 0; i < n; i++) {
        char path[4096], *src = NULL;
        size_t len = 0;
        pn_form_state state = PN_FORM_SAME;
        form_path(dir, ids[i], path, sizeof path);
        if ((except == NULL || strcmp(ids[i], except) != 0) && file_exists(path) &&
            cli_slurp(path, &src, &len, &ignored) == PN_OK &&
            pn_store_form_state(cli->store, ids[i], src, len, &state, &ignored) == PN_OK &&
            state == PN_FORM_DIFFERS) {
            char db[4200] = "", forms[4200] = "";
            if (strcmp(cli->db_path, "panorama.db") != 0)
                snprintf(db, sizeof db, " --db %s", cli->db_path);
            if (strcmp(dir, "forms") != 0)
                snprintf(forms, sizeof forms, " --forms %s", dir);
            fprintf(stderr,
                    "panorama: %s differs from the form stored in %s; run 'panorama%s form "
                    "update%s %s' to apply it\n",
                    path, cli->db_path, db, forms, ids[i]);
        }
        free(src);
        free(ids[i]);
    }
    free(ids);
}

/* A stored value as the summary shows it. */
static const char *shown(const char *v)
{
    return v == NULL ? "(not applicable)" : *v == '\0' ? "(empty)" : v;
}

void cli_print_recalc(FILE *out, const char *prefix, const pn_form *form,
                      const pn_recalc_result *res)
{
    if (res->nvars == 0)
        fprintf(out, "%sform '%s': no calculation to apply\n", prefix, res->form_id);
    for (size_t i = 0; i < res->nvars; i++) {
        const pn_recalc_var *v = &res->vars[i];
        char unit[300];
        if (v->links)
            snprintf(unit, sizeof unit, "%s", v->rows == 1 ? "link" : "links");
        else if (v->repeat < 0)
            snprintf(unit, sizeof unit, "%s", v->rows == 1 ? "submission" : "submissions");
        else
            snprintf(unit, sizeof unit, "%s of '%s'", v->rows == 1 ? "entry" : "entries",
                     form->repeats[v->repeat].name);
        fprintf(out, "%sform '%s': %zu of %zu %s changed ", prefix, res->form_id, v->changed,
                v->rows, unit);
        if (v->links && v->has_list)
            fputs("class", out);
        else
            fprintf(out, "'%s'", v->name);
        for (size_t k = 0; k < v->nchanges; k++)
            fprintf(out, "%s%zu %s \u2192 %s", k ? ", " : ": ", v->changes[k].n,
                    shown(v->changes[k].from), shown(v->changes[k].to));
        fputc('\n', out);
    }
}

/* One form to update: its file, its model and its text. */
typedef struct update {
    char path[4096];
    pn_form *form;
    char *src;
    size_t len;
    pn_form_state state;
    pn_recalc_result res;
} update;

/* Read @u->path, the form @id. */
static pn_status read_update(pn_cli *cli, const char *id, update *u, pn_error *err)
{
    pn_status st;
    if (!file_exists(u->path))
        return pn_error_set(err, PN_EIO,
                            "no file '%s': 'form update' reads the edited form from the forms "
                            "folder (forms/ here, or --forms DIR)%s%s%s",
                            u->path, cli_data_dir() ? "; copy the bundled form from " : "",
                            cli_data_dir() ? cli_data_dir() : "", cli_data_dir() ? "/forms" : "");
    if ((u->form = cli_load_form_file(u->path, id, &u->src, &u->len, err)) == NULL)
        return err->status;
    if ((st = pn_store_form_state(cli->store, id, u->src, u->len, &u->state, err)) != PN_OK)
        return st;
    if (u->state == PN_FORM_ABSENT)
        return pn_error_set(err, PN_EUSAGE,
                            "form '%s' is not in '%s', so it has no answers to update; "
                            "'panorama import' stores it with its answers",
                            id, cli->db_path);
    return PN_OK;
}

static pn_status form_update(pn_cli *cli, int argc, char **argv, pn_error *err)
{
    const char *dir = "forms";
    const char **names = calloc((size_t)argc, sizeof *names);
    char **ids = NULL;
    size_t nnames = 0, nids = 0, nu = 0;
    update *u = NULL;
    pn_status st = PN_OK;
    pn_opts o;
    if (names == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if (cli->store == NULL && (cli->store = pn_store_open(cli->db_path, err)) == NULL) {
        free(names);
        return err->status; /* no project file: the message says what to do */
    }
    pn_opts_init(&o, argc, argv);
    o.cmd = "form update";
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--forms", &dir))
            continue;
        if (o.error || o.arg[0] == '-') {
            st = pn_opts_fail(&o, err);
            goto out;
        }
        names[nnames++] = o.arg;
    }
    if (o.error) {
        st = pn_opts_fail(&o, err);
        goto out;
    }
    if (nnames == 0) {
        /* every stored form that has a file in the folder */
        if ((st = pn_store_form_ids(cli->store, &ids, &nids, err)) != PN_OK)
            goto out;
        const char **p = realloc(names, (nids ? nids : 1) * sizeof *p);
        if (p == NULL) {
            st = pn_error_set(err, PN_ENOMEM, "out of memory");
            goto out;
        }
        names = p;
        for (size_t i = 0; i < nids; i++) {
            char path[4096];
            form_path(dir, ids[i], path, sizeof path);
            if (file_exists(path))
                names[nnames++] = ids[i];
        }
        if (nnames == 0) {
            st = pn_error_set(err, PN_EUSAGE, "no form of '%s' has a file in '%s'%s", cli->db_path,
                              dir, nids ? "" : " (the project file has no form)");
            goto out;
        }
    }
    if ((u = calloc(nnames, sizeof *u)) == NULL) {
        st = pn_error_set(err, PN_ENOMEM, "out of memory");
        goto out;
    }
    for (; nu < nnames; nu++) {
        form_path(dir, names[nu], u[nu].path, sizeof u[nu].path);
        if ((st = read_update(cli, names[nu], &u[nu], err)) != PN_OK) {
            nu++;
            goto out;
        }
    }
    /* every form in one transaction: all are applied, or none */
    if ((st = pn_store_begin(cli->store, err)) != PN_OK)
        goto out;
    for (size_t i = 0; i < nu && st == PN_OK; i++)
        st = pn_recalc_form(cli->store, u[i].form, u[i].src, u[i].len, NULL, &u[i].res, err);
    if (st == PN_OK)
        st = pn_store_commit(cli->store, err);
    else
        pn_store_rollback(cli->store);
    if (st != PN_OK)
        goto out;
    for (size_t i = 0; i < nu; i++) {
        printf("form '%s': %s %s\n", u[i].form->id,
               u[i].state == PN_FORM_DIFFERS ? "stored the new version from"
                                             : "the stored form is the same as",
               u[i].path);
        cli_print_recalc(stdout, "", u[i].form, &u[i].res);
    }
out:
    for (size_t i = 0; u && i < nu; i++) {
        pn_recalc_result_release(&u[i].res);
        pn_form_destroy(u[i].form);
        free(u[i].src);
    }
    free(u);
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    free(names);
    return st;
}

pn_status cli_find_form(pn_cli *cli, const char *dir, const char *id, pn_form **form, char **src,
                        size_t *len, char *from, size_t size, pn_error *err)
{
    char path[4096];
    form_path(dir, id, path, sizeof path);
    *src = NULL;
    *form = NULL;
    if (file_exists(path)) {
        if ((*form = cli_load_form_file(path, id, src, len, err)) == NULL)
            return err->status;
        snprintf(from, size, "%s", path);
        return PN_OK;
    }
    if (cli->store != NULL) {
        pn_error ignored = {0};
        if ((*form = pn_store_get_form(cli->store, id, src, len, &ignored)) != NULL) {
            snprintf(from, size, "the form stored in %s", cli->db_path);
            return PN_OK;
        }
    }
    if (cli_data_dir() != NULL) {
        char installed[2048];
        snprintf(installed, sizeof installed, "%s/forms", cli_data_dir());
        form_path(installed, id, path, sizeof path);
        if (file_exists(path)) {
            if ((*form = cli_load_form_file(path, id, src, len, err)) == NULL)
                return err->status;
            snprintf(from, size, "%s", path);
            return PN_OK;
        }
    }
    return pn_error_set(err, PN_EUSAGE,
                        "no form '%s': no file %s/%s.csv, none in the project file%s", id, dir, id,
                        cli_data_dir() ? ", none installed" : "");
}

static pn_status form_export(pn_cli *cli, int argc, char **argv, pn_error *err)
{
    const char *dir = "forms", *out = NULL, *id = NULL;
    pn_opts o;
    pn_opts_init(&o, argc, argv);
    o.cmd = "form export";
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--forms", &dir) || pn_opts_value(&o, "-o", &out))
            continue;
        if (o.error || o.arg[0] == '-' || id != NULL)
            return pn_opts_fail(&o, err);
        id = o.arg;
    }
    if (o.error)
        return pn_opts_fail(&o, err);
    if (id == NULL)
        return pn_error_set(err, PN_EUSAGE,
                            "usage: form export needs a FORM (its id: ecole, "
                            "centre_social)");
    char *src = NULL, from[4200], def[4200];
    size_t len = 0;
    pn_form *form = NULL;
    pn_status st = cli_find_form(cli, dir, id, &form, &src, &len, from, sizeof from, err);
    if (st != PN_OK)
        return st;
    pn_form_destroy(form);
    if (out == NULL) {
        snprintf(def, sizeof def, "%s.xlsx", id);
        out = def;
    }
    st = pn_xlsform_write(from, src, len, out, err);
    free(src);
    if (st == PN_OK)
        printf("wrote '%s': the XLSForm of '%s' from %s\n", out, id, from);
    return st;
}

/* form sheet: the registry's structures of @ctx's network (or those named), a workbook each. */
typedef struct sheets {
    const pn_form *form;
    const char *side, *dir;
    const char **only; /* --structure IDs; NULL: all */
    size_t nonly, written;
    pn_status st;
} sheets;

static pn_status sheet_one(void *ctx, const pn_structure_row *r, pn_error *err)
{
    sheets *x = ctx;
    if (!r->listed || strcmp(r->e.side, x->side) != 0)
        return PN_OK;
    if (x->only) {
        size_t i = 0;
        while (i < x->nonly && strcmp(x->only[i], r->e.ident) != 0)
            i++;
        if (i == x->nonly)
            return PN_OK;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%s.xlsx", x->dir, x->form->id, r->e.ident);
    pn_status st = pn_fillable_write(x->form, &r->e, path, err);
    x->written += st == PN_OK;
    return st;
}

static pn_status form_sheet(pn_cli *cli, int argc, char **argv, pn_error *err)
{
    const char *dir = "forms", *out = NULL, *id = NULL, *one = NULL;
    const char **only = calloc((size_t)argc + 1, sizeof *only);
    size_t nonly = 0;
    pn_status st = PN_OK;
    pn_form *form = NULL;
    char *src = NULL;
    if (only == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    pn_opts o;
    pn_opts_init(&o, argc, argv);
    o.cmd = "form sheet";
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--forms", &dir) || pn_opts_value(&o, "-o", &out))
            continue;
        if (pn_opts_value(&o, "--structure", &one)) {
            only[nonly++] = one;
            continue;
        }
        if (o.error || o.arg[0] == '-' || id != NULL) {
            st = pn_opts_fail(&o, err);
            goto out;
        }
        id = o.arg;
    }
    if (o.error || id == NULL) {
        st = o.error ? pn_opts_fail(&o, err)
                     : pn_error_set(err, PN_EUSAGE, "usage: form sheet needs a FORM");
        goto out;
    }
    if (cli->store == NULL && (cli->store = pn_store_open(cli->db_path, err)) == NULL) {
        st = err->status; /* the registry is in the project file */
        goto out;
    }
    char from[4200], def[4200];
    size_t len = 0;
    if ((st = cli_find_form(cli, dir, id, &form, &src, &len, from, sizeof from, err)) != PN_OK)
        goto out;
    const char *side = pn_side_word(form->side);
    if (side == NULL) {
        st = pn_error_set(err, PN_EUSAGE, "form '%s' is neither the centres' nor the schools'", id);
        goto out;
    }
    if (out == NULL) {
        snprintf(def, sizeof def, "classeurs-%s", id);
        out = def;
    }
    if (mkdir(out, 0777) != 0 && !file_exists(out)) {
        st = pn_error_set(err, PN_EIO, "cannot make the folder '%s'", out);
        goto out;
    }
    sheets x = {form, side, out, nonly ? only : NULL, nonly, 0, PN_OK};
    if ((st = pn_store_begin_read(cli->store, err)) == PN_OK) {
        st = pn_store_each_structure(cli->store, sheet_one, &x, err);
        pn_store_end_read(cli->store);
    }
    if (st == PN_OK && x.written == 0)
        st = pn_error_set(err, PN_EUSAGE, "no structure of the registry %s: nothing written",
                          nonly ? "has the identifiers given" : "is in this form's network");
    if (st == PN_OK)
        printf("wrote %zu fillable %s of the form '%s' into '%s' (%s-IDENTIFIER.xlsx)\n", x.written,
               x.written == 1 ? "workbook" : "workbooks", id, out, id);
out:
    pn_form_destroy(form);
    free(src);
    free(only);
    return st;
}

/* form print --structure: the structure of the registry to print the questionnaire for. */
typedef struct print_for {
    const pn_form *form;
    const char *side, *ident, *out;
    int found;      /* the registry has it, in the form's network */
    char other[16]; /* the network it is in, when not the form's */
} print_for;

static pn_status print_one(void *ctx, const pn_structure_row *r, pn_error *err)
{
    print_for *x = ctx;
    if (!r->listed || x->found || strcmp(r->e.ident, x->ident) != 0)
        return PN_OK;
    if (strcmp(r->e.side, x->side) != 0) {
        snprintf(x->other, sizeof x->other, "%s", r->e.side);
        return PN_OK;
    }
    x->found = 1;
    return pn_form_print(x->form, &r->e, x->out, err);
}

static pn_status form_print(pn_cli *cli, int argc, char **argv, pn_error *err)
{
    const char *dir = "forms", *out = NULL, *id = NULL, *ident = NULL;
    pn_opts o;
    pn_opts_init(&o, argc, argv);
    o.cmd = "form print";
    while (pn_opts_next(&o)) {
        if (pn_opts_value(&o, "--forms", &dir) || pn_opts_value(&o, "-o", &out) ||
            pn_opts_value(&o, "--structure", &ident))
            continue;
        if (o.error || o.arg[0] == '-' || id != NULL)
            return pn_opts_fail(&o, err);
        id = o.arg;
    }
    if (o.error)
        return pn_opts_fail(&o, err);
    if (id == NULL)
        return pn_error_set(err, PN_EUSAGE,
                            "usage: form print needs a FORM (its id: ecole, centre_social)");
    if (ident && cli->store == NULL && (cli->store = pn_store_open(cli->db_path, err)) == NULL)
        return err->status; /* the registry is in the project file */
    char *src = NULL, from[4200], def[4200];
    size_t len = 0;
    pn_form *form = NULL;
    pn_status st = cli_find_form(cli, dir, id, &form, &src, &len, from, sizeof from, err);
    free(src);
    if (st != PN_OK)
        return st;
    if (out == NULL) {
        snprintf(def, sizeof def, "%s.pdf", id);
        out = def;
    }
    if (ident == NULL) {
        st = pn_form_print(form, NULL, out, err);
    } else if (pn_side_word(form->side) == NULL) {
        st = pn_error_set(err, PN_EUSAGE,
                          "form '%s' is neither the centres' nor the schools': it has no "
                          "structure to print it for",
                          id);
    } else {
        print_for x = {form, pn_side_word(form->side), ident, out, 0, ""};
        if ((st = pn_store_begin_read(cli->store, err)) == PN_OK) {
            st = pn_store_each_structure(cli->store, print_one, &x, err);
            pn_store_end_read(cli->store);
        }
        if (st == PN_OK && !x.found && *x.other)
            st = pn_error_set(err, PN_EUSAGE,
                              "structure '%s' is of the network '%s'; form '%s' is for the "
                              "network '%s': nothing written",
                              ident, x.other, id, x.side);
        else if (st == PN_OK && !x.found)
            st = pn_error_set(err, PN_EUSAGE,
                              "no structure '%s' in the registry of '%s': nothing written (see "
                              "'panorama structures')",
                              ident, cli->db_path);
    }
    if (st == PN_OK)
        printf("wrote '%s': the printable questionnaire of '%s'%s%s from %s\n", out, id,
               ident ? " for " : "", ident ? ident : "", from);
    pn_form_destroy(form);
    return st;
}

/* The verbs of `panorama form`. */
static const struct {
    const char *name;
    pn_status (*run)(pn_cli *, int, char **, pn_error *);
} verbs[] = {
    {"update", form_update},
    {"export", form_export},
    {"sheet", form_sheet},
    {"print", form_print},
};

pn_status cmd_form(pn_cli *cli, pn_error *err)
{
    if (cli->argc < 2)
        return pn_error_set(err, PN_EUSAGE,
                            "usage: form needs a verb: update, export, sheet or print");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(cli->argv[1], verbs[i].name) == 0)
            return verbs[i].run(cli, cli->argc - 1, cli->argv + 1, err);
    return pn_error_set(
        err, PN_EUSAGE,
        "usage: '%s' is not a verb of 'form' (expected update, export, sheet or print)",
        cli->argv[1]);
}
