/*
 * error.h - error values shared by every module.
 *
 * Library modules never print, exit or abort: they return a pn_status and fill a
 * pn_error with a message a person can act on. Input errors carry their location
 * in the message itself ("file:line: column 'x': expected ..., found ...").
 * Only the CLI prints the message (as "panorama: <msg>") and maps the status to an
 * exit code.
 *
 * May call: libc only (src/util's room; docs/architecture.md, enforced by the build).
 */
#ifndef PN_UTIL_ERROR_H
#define PN_UTIL_ERROR_H

#include <stddef.h>

typedef enum pn_status {
    PN_OK = 0,
    PN_EINPUT,    /* a user's file is wrong: form, CSV, spec, expression */
    PN_EIO,       /* a file cannot be opened, read or written */
    PN_ESTORE,    /* the SQLite store failed or is not a panorama store */
    PN_ENOMEM,    /* out of memory */
    PN_EUSAGE,    /* a bad argument on the command line */
    PN_EINTERNAL, /* a library returned something it should not have */
    PN_EBUSY,     /* the project file is being written by another program (another panorama) */
    /* Not an error: what a callback returns to end a walk early because it has what it needs
     * (pn_csv_record_fn). The function that walks takes it as a success and returns PN_OK;
     * it never reaches a caller as a status, nor a pn_error. */
    PN_STOP,
} pn_status;

/* Put before the declaration of a function whose pn_status (or other result) a caller must
 * look at: dropping it is a compile error under -Werror. pn_error_set is not marked, since
 * its result is the status it was given. */
#define PN_MUST_USE __attribute__((warn_unused_result))

/* Embedded by the caller (pn_error err = {0};); no heap memory, nothing to release. */
typedef struct pn_error {
    pn_status status;
    char msg[1024];
} pn_error;

/* Make @err empty, as `= {0}` does, without writing its whole message buffer: for the
 * paths run once per row or per answer, where clearing a kilobyte each time shows. */
static inline void pn_error_clear(pn_error *err)
{
    err->status = PN_OK;
    err->msg[0] = '\0';
}

/*
 * pn_error_set - record an error.
 * @err: where to record it; may be NULL (then nothing is recorded).
 * @status: the status to record and return.
 * @fmt: printf-style message, lower case, no final full stop.
 * Returns @status, so that callers can write `return pn_error_set(err, ...)`.
 */
pn_status pn_error_set(pn_error *err, pn_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * pn_error_prefix - put "prefix: " before the message already in @err, e.g. a file
 * name or "file:line". Does nothing when @err is NULL or holds no error.
 */
void pn_error_prefix(pn_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A short English name for a status ("input error", ...). Never NULL. */
const char *pn_status_name(pn_status status);

#endif
