#include "cli/opts.h"

#include <string.h>

void pn_opts_init(pn_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    o->i = 0;
    o->cmd = argv[0];
}

int pn_opts_next(pn_opts *o)
{
    if (o->error || ++o->i >= o->argc)
        return 0;
    o->arg = o->argv[o->i];
    return 1;
}

int pn_opts_value(pn_opts *o, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(o->arg, name, n) != 0)
        return 0;
    if (o->arg[n] == '=') {
        *value = o->arg + n + 1;
        return 1;
    }
    if (o->arg[n] != '\0')
        return 0;
    if (o->i + 1 >= o->argc) {
        o->error = 1;
        return 0;
    }
    *value = o->argv[++o->i];
    return 1;
}

pn_status pn_opts_fail(const pn_opts *o, pn_error *err)
{
    if (o->error)
        return pn_error_set(err, PN_EUSAGE, "usage: %s: option '%s' needs a value", o->cmd, o->arg);
    if (o->arg && o->arg[0] == '-')
        return pn_error_set(err, PN_EUSAGE, "usage: %s: unknown option '%s'", o->cmd, o->arg);
    return pn_error_set(err, PN_EUSAGE, "usage: %s: unexpected argument '%s'", o->cmd,
                        o->arg ? o->arg : "");
}
