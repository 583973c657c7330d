/* file.c - a file written as a whole or not at all (file.h). */
#define _XOPEN_SOURCE 700 /* fsync */

#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/strbuf.h"

pn_status pn_file_begin(pn_file_out *o, const char *path, pn_error *err)
{
    pn_strbuf tmp = PN_STRBUF_INIT;
    *o = (pn_file_out){path, NULL, -1, 0};
    if (pn_strbuf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid()) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    o->tmp = pn_strbuf_detach(&tmp);
    if (o->tmp == NULL)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    if ((o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666)) < 0) {
        pn_status st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return st;
    }
    return PN_OK;
}

pn_status pn_file_put(pn_file_out *o, const char *data, size_t len)
{
    for (size_t done = 0; done < len && o->bad == 0;) {
        ssize_t n = write(o->fd, data + done, len - done);
        if (n < 0 && errno != EINTR)
            o->bad = errno;
        else if (n > 0)
            done += (size_t)n;
    }
    return o->bad ? PN_EIO : PN_OK;
}

void pn_file_abandon(pn_file_out *o)
{
    if (o->fd >= 0)
        close(o->fd);
    if (o->tmp)
        remove(o->tmp);
    free(o->tmp);
    *o = (pn_file_out){o->path, NULL, -1, 0};
}

pn_status pn_file_commit(pn_file_out *o, pn_error *err)
{
    int bad = o->bad;
    if (bad == 0 && fsync(o->fd) != 0)
        bad = errno;
    if (close(o->fd) != 0 && bad == 0)
        bad = errno;
    o->fd = -1;
    if (bad == 0 && rename(o->tmp, o->path) != 0)
        bad = errno;
    if (bad == 0) {
        free(o->tmp);
        o->tmp = NULL;
        return PN_OK;
    }
    pn_file_abandon(o);
    return pn_error_set(err, PN_EIO, "cannot write '%s': %s", o->path, strerror(bad));
}

pn_status pn_file_write_whole(const char *path, const char *data, size_t len, pn_error *err)
{
    pn_file_out o;
    pn_status st = pn_file_begin(&o, path, err);
    if (st != PN_OK)
        return st;
    pn_status put = pn_file_put(&o, data, len); /* a failure is kept and said by the commit */
    (void)put;
    return pn_file_commit(&o, err);
}
