/*
 * opts.h - a small option reader for subcommands: `--name VALUE`, `--name=VALUE`, and
 * operands, in any order. Embedded by the caller; owns nothing.
 *
 * May call: libc only (src/cli's own helper; the CLI may call every room).
 */
#ifndef PN_CLI_OPTS_H
#define PN_CLI_OPTS_H

#include "util/error.h"

typedef struct pn_opts {
    int argc;
    char **argv;
    int i;
    const char *arg; /* the current argument */
    int error;       /* an option lacked its value */
    const char *cmd;
} pn_opts;

/* Start after argv[0], the subcommand's name. */
void pn_opts_init(pn_opts *o, int argc, char **argv);
/* Step to the next argument; 0 at the end. */
int pn_opts_next(pn_opts *o);
/* If the current argument is option @name, store its value in *@value and return 1. */
int pn_opts_value(pn_opts *o, const char *name, const char **value);
/* A usage error naming the current argument. Returns PN_EUSAGE. */
PN_MUST_USE pn_status pn_opts_fail(const pn_opts *o, pn_error *err);

#endif
