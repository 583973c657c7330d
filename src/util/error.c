#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

pn_status pn_error_set(pn_error *err, pn_status status, const char *fmt, ...)
{
    if (err == NULL)
        return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->status = status;
    return status;
}

void pn_error_prefix(pn_error *err, const char *fmt, ...)
{
    if (err == NULL || err->status == PN_OK)
        return;
    char joined[sizeof err->msg * 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(joined, sizeof joined / 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t used = (size_t)n < sizeof joined / 2 ? (size_t)n : sizeof joined / 2 - 1;
    size_t mlen = strnlen(err->msg, sizeof err->msg - 1);
    memcpy(joined + used, ": ", 2);
    memcpy(joined + used + 2, err->msg, mlen);
    joined[used + 2 + mlen] = '\0';
    /* keep the end of a message too long to fit: truncate, never overflow */
    size_t total = used + 2 + mlen;
    if (total >= sizeof err->msg)
        total = sizeof err->msg - 1;
    memcpy(err->msg, joined, total);
    err->msg[total] = '\0';
}

const char *pn_status_name(pn_status status)
{
    switch (status) {
    case PN_OK:
        return "success";
    case PN_EINPUT:
        return "input error";
    case PN_EIO:
        return "i/o error";
    case PN_ESTORE:
        return "store error";
    case PN_ENOMEM:
        return "out of memory";
    case PN_EUSAGE:
        return "usage error";
    case PN_EINTERNAL:
        return "internal error";
    case PN_EBUSY:
        return "project file in use";
    case PN_STOP:
        return "stopped";
    }
    return "unknown error";
}
