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

#endif
