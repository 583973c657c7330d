/*
 * file.h - write a file that is handed out as a whole or not at all.
 *
 * May call: libc.
 */
#ifndef PN_UTIL_FILE_H
#define PN_UTIL_FILE_H

#include <stddef.h>

#include "util/error.h"

/*
 * pn_file_write_whole - @data (@len bytes) to @path as a whole: written to a new file beside
 * it ("path.PID.tmp"), synced, then renamed over it, so that a reader sees the old file or
 * the new one and an interrupted write leaves no half file. PN_OK, or PN_EIO with "cannot
 * write 'path': reason" (the temporary file removed).
 */
PN_MUST_USE pn_status pn_file_write_whole(const char *path, const char *data, size_t len,
                                          pn_error *err);

/*
 * The same, a piece at a time, for a file too large to hold whole in memory: pn_file_begin
 * makes the file beside @path, pn_file_put appends to it (the first failure is kept: PN_EIO,
 * and later puts do nothing), pn_file_commit syncs it and renames it over @path, or removes
 * it and says why the first failure happened ("cannot write 'path': reason"); a file begun
 * and never committed is removed by pn_file_abandon. @path is lent until then.
 */
typedef struct pn_file_out {
    const char *path;
    char *tmp; /* the file beside it, owned */
    int fd;
    int bad; /* the errno of the first failure, 0 while none */
} pn_file_out;

PN_MUST_USE pn_status pn_file_begin(pn_file_out *o, const char *path, pn_error *err);
PN_MUST_USE pn_status pn_file_put(pn_file_out *o, const char *data, size_t len);
PN_MUST_USE pn_status pn_file_commit(pn_file_out *o, pn_error *err);
void pn_file_abandon(pn_file_out *o);

#endif
