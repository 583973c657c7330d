/*
 * fuzz_xlsx.c - libFuzzer target for the workbook reader (util/xlsx.h).
 *
 * Random bytes rarely make a zip archive whose parts inflate and pass their checksums, so the
 * target builds the archive itself (libzip, parts stored uncompressed) around the input and
 * fuzzes what the reader parses: the input is split on "\n--\n" into a sheet, the shared
 * strings and the styles, beside a fixed workbook and its relationships. Every sheet is then
 * read, each field touched. Any crash or sanitizer report is a finding; an error value is not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "util/xlsx.h"

static const char book[] =
    "<?xml version=\"1.0\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<workbookPr date1904=\"0\"/><sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"B\" sheetId=\"2\" state=\"hidden\" r:id=\"rId1\"/></sheets></workbook>";
static const char book_rels[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://x/styles\" Target=\"/xl/styles.xml\"/>"
    "</Relationships>";
static const char root_rels[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://x/officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

/* The first "\n--\n" in @p's @n bytes, or NULL. */
static const char *separator(const char *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(p + i, "\n--\n", 4) == 0)
            return p + i;
    return NULL;
}

static int add(zip_t *z, const char *name, const void *data, size_t len)
{
    zip_source_t *s = zip_source_buffer(z, data, len, 0);
    if (s == NULL)
        return -1;
    zip_int64_t i = zip_file_add(z, name, s, ZIP_FL_OVERWRITE);
    if (i < 0) {
        zip_source_free(s);
        return -1;
    }
    return zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0);
}

static pn_status touch(void *ctx, size_t line, size_t n, char *const *f, pn_error *err)
{
    size_t *total = ctx;
    (void)err;
    *total += line;
    for (size_t i = 0; i < n; i++)
        *total += strlen(f[i]);
    return PN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!*path)
        snprintf(path, sizeof path, "/tmp/pn-fuzz-xlsx-%ld.xlsx", (long)getpid());
    /* the parts: sheet, shared strings, styles */
    const char *part[3] = {"", "", ""};
    size_t len[3] = {0, 0, 0};
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *p = copy, *end = copy + size;
    for (int k = 0; k < 3 && p <= end; k++) {
        const char *sep = separator(p, (size_t)(end - p));
        part[k] = p;
        len[k] = sep ? (size_t)(sep - p) : (size_t)(end - p);
        p = sep ? sep + 4 : end + 1;
    }
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (z == NULL) {
        free(copy);
        return 0;
    }
    int ok = add(z, "_rels/.rels", root_rels, sizeof root_rels - 1) == 0 &&
             add(z, "xl/workbook.xml", book, sizeof book - 1) == 0 &&
             add(z, "xl/_rels/workbook.xml.rels", book_rels, sizeof book_rels - 1) == 0 &&
             add(z, "xl/worksheets/sheet1.xml", part[0], len[0]) == 0 &&
             add(z, "xl/sharedStrings.xml", part[1], len[1]) == 0 &&
             add(z, "xl/styles.xml", part[2], len[2]) == 0;
    if (zip_close(z) != 0) {
        zip_discard(z);
        ok = 0;
    }
    free(copy);
    if (!ok)
        return 0;
    pn_xlsx *x = NULL;
    pn_error err = {0};
    if (pn_xlsx_open(path, &x, &err) == PN_OK) {
        size_t total = 0;
        for (size_t i = 0; i < pn_xlsx_nsheets(x); i++)
            (void)pn_xlsx_read(x, i, "fuzz.xlsx", touch, &total, &err);
        pn_xlsx_destroy(x);
    }
    return 0;
}
