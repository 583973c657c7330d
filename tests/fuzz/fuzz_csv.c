/*
 * fuzz_csv.c - libFuzzer target for the byte-to-record reader (util/csv.h).
 *
 * Every input is read as a whole file through fmemopen, once per reader option: each
 * delimiter (',', ';', tab) and detection, with the encoding detected; then each encoding
 * given (UTF-8, Windows-1252, Latin-1, UTF-16 in both byte orders, Mac Roman) with the
 * delimiter detected. The reader may refuse the bytes (PN_EINPUT), but it must not crash,
 * leak, read out of bounds, or break its contract:
 * - the status is one of pn_status, and a failure comes with a message and the same status;
 * - the delimiter is known (info->delim) before the first record;
 * - records arrive with 1-based line numbers that never go back;
 * - every field is a NUL-terminated string of valid UTF-8, whatever the file's encoding;
 * - a callback's failure stops the reading and is returned as it is.
 * A broken contract aborts, which libFuzzer reports with the input.
 *
 * Built by `make fuzz` (CMake option PN_FUZZ, clang). The corpus is tests/fuzz/corpus/csv.
 * Run by hand: build-fuzz/fuzz_csv -max_total_time=60 /tmp/copy-of-the-corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"

/* Reports a broken contract and aborts: libFuzzer saves the input as a crash. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_csv: %s:%d: contract broken: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct run {
    const pn_csv_info *info;
    size_t records;
    size_t last_line;
    size_t stop_at; /* the callback fails at this record (1-based); 0: never */
} run;

static pn_status on_record(void *ctx, size_t line, size_t n, char *const *fields, pn_error *err)
{
    run *r = ctx;
    REQUIRE(r->info->delim == ',' || r->info->delim == ';' || r->info->delim == '\t');
    REQUIRE(line >= 1);
    REQUIRE(line >= r->last_line);
    r->last_line = line;
    r->records++;
    for (size_t i = 0; i < n; i++) {
        REQUIRE(fields[i] != NULL);
        size_t len = strlen(fields[i]); /* reads the whole field: ASan checks its bounds */
        REQUIRE(pn_utf8_valid(fields[i], len, NULL));
    }
    if (r->stop_at != 0 && r->records == r->stop_at)
        return pn_error_set(err, PN_EUSAGE, "stopped at record %zu", r->records);
    return PN_OK;
}

/*
 * One read of @data with the delimiter @delim (0: detect) and the encoding @encoding (NULL:
 * detect). The reader's options are set here only, so that a new one is one more line here
 * and one more pass below.
 */
static void read_once(const uint8_t *data, size_t size, char delim, const char *encoding,
                      size_t stop_at)
{
    /* fmemopen refuses a zero size on some libcs: read an empty file from /dev/null */
    FILE *in = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
    REQUIRE(in != NULL);
    pn_csv_opts opts = {.delim = delim, .encoding = encoding};
    pn_csv_info info = {0};
    pn_error err = {0};
    run r = {.info = &info, .stop_at = stop_at};
    pn_status st = pn_csv_read(in, "fuzz.csv", &opts, on_record, &r, &info, &err);
    fclose(in);
    REQUIRE(st >= PN_OK && st <= PN_EINTERNAL);
    if (st != PN_OK) {
        REQUIRE(err.status == st);
        REQUIRE(err.msg[0] != '\0');
        REQUIRE(memchr(err.msg, '\0', sizeof err.msg) != NULL);
    }
    REQUIRE(memchr(info.encoding, '\0', sizeof info.encoding) != NULL);
    if (stop_at != 0 && r.records >= stop_at) {
        /* the callback's failure is returned as it is */
        REQUIRE(st == PN_EUSAGE);
        REQUIRE(strncmp(err.msg, "stopped at record", 17) == 0);
    } else {
        /* every encoding given is known and the callback never failed: no usage error */
        REQUIRE(st != PN_EUSAGE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[] = {0, ',', ';', '\t'};
    static const char *const encodings[] = {"utf-8",    "windows-1252", "latin1",
                                            "utf-16le", "utf-16be",     "macintosh"};
    for (size_t i = 0; i < sizeof delims; i++)
        read_once(data, size, delims[i], NULL, 0);
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++)
        read_once(data, size, 0, encodings[i], 0);
    /* once more with a callback that fails part-way, at a record the input chooses */
    if (size > 0)
        read_once(data, size, 0, NULL, 1 + data[size - 1] % 4);
    return 0;
}
