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
    char prefix[512];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
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
    }
    return "unknown error";
}
