/* Where the installed data files are: the forms and the demo report spec. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cli_data_dir(void)
{
    static char dir[PATH_MAX];
    static int looked;
    char exe[PATH_MAX], cand[PATH_MAX + 64], build[PATH_MAX];
    if (looked)
        return *dir ? dir : NULL;
    looked = 1;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        /* the program of the build tree: the source tree's forms and reports */
        if (realpath(PN_BUILD_DIR, build) && strcmp(exe, build) == 0 && is_dir(PN_SOURCE_DIR)) {
            snprintf(dir, sizeof dir, "%s", PN_SOURCE_DIR);
            return dir;
        }
        /* an installed program, wherever PREFIX (or DESTDIR) put it */
        snprintf(cand, sizeof cand, "%s/%s", *exe ? exe : "/", PN_DATADIR_FROM_BIN);
        if (is_dir(cand) && realpath(cand, dir))
            return dir;
    }
    if (is_dir(PN_DATADIR)) {
        snprintf(dir, sizeof dir, "%s", PN_DATADIR);
        return dir;
    }
    *dir = '\0';
    return NULL;
}
