/* file.c - a file written as a whole or not at all (file.h). */
#define _XOPEN_SOURCE 700 /* fsync */

#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/strbuf.h"

pn_status pn_file_write_whole(const char *path, const char *data, size_t len, pn_error *err)
{
    pn_strbuf tmp = PN_STRBUF_INIT;
    if (pn_strbuf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid()) != PN_OK)
        return pn_error_set(err, PN_ENOMEM, "out of memory");
    int fd = open(pn_strbuf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL, 0666);
    pn_status st = PN_OK;
    if (fd < 0) {
        st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        done += (size_t)n;
    }
    int bad = done < len || fsync(fd) != 0 ? errno : 0;
    if (close(fd) != 0 && bad == 0)
        bad = errno;
    if (bad == 0 && rename(pn_strbuf_str(&tmp), path) != 0)
        bad = errno;
    if (bad != 0) {
        remove(pn_strbuf_str(&tmp));
        st = pn_error_set(err, PN_EIO, "cannot write '%s': %s", path, strerror(bad));
    }
out:
    pn_strbuf_release(&tmp);
    return st;
}
