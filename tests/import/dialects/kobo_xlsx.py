"""KoboToolbox's .xlsx export of the fixtures in kobo/, written the way formpack writes it.

usage: kobo_xlsx.py [--typed] FORM.csv MAIN.csv PARTNERS.csv OUT.xlsx

formpack 176f619a, src/formpack/reporting/export.py, Export.to_xlsx(): XlsxWriter with
{'constant_memory': True, 'default_date_format': 'yyyy-mm-dd', 'remove_timezone': True} (so
every text is an inline string), zip64; one sheet per section, named by unique_name_for_xls()
(src/formpack/utils/string.py: []:*?/\\ become '_', a leading or trailing ' too, cut to 31
characters ending in '...'), the main section named after the form's title, a repeat after the
repeat; the header row, then each row written cell by cell with worksheet.write(). The rows are
those of the CSV fixtures (kobo/README: the repeat file is that sheet in the CSV's dialect).

The row counters (_index, _parent_index, _id, _submission__id) are Python ints, hence number
cells. Without --typed every answer is text ("Store date and number responses as text", the
export's default, xls_types_as_text=True); with --typed the export was asked for types: an
integer or decimal is a number (NumField.format), start and end a datetime that
remove_timezone writes as its local time (DateTimeField.format parses it with dateutil), a
tick-box column 0 or 1 (FormChoiceFieldWithMultipleSelect: _zero, _one = 0, 1).
"""
import csv
import datetime
import re
import sys

import xlsxwriter

COUNTERS = {"_index", "_parent_index", "_id", "_submission__id"}


def sheet_name(name, others):
    name = name.translate({ord(c): "_" for c in "[]:*?/\\"})
    name = re.sub(r"(^'|'$)", "_", name)

    def cut(ellipsis):
        return name if len(name) <= 31 else name[: 31 - len(ellipsis)] + ellipsis

    cand, i = cut("..."), 1
    while cand in others:
        cand, i = cut("... ({})".format(i)), i + 1
    return cand


def form_types(path):
    types, part, head = {}, None, None
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f):
            if row and row[0] in ("survey", "choices", "settings"):
                part, head = row[0], None
            elif row and row[0] == "" and part == "survey":
                if head is None:
                    head = row
                else:
                    r = dict(zip(head, row))
                    if r.get("name"):
                        types[r["name"]] = r["type"].split()[0]
    return types


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    return rows[0], rows[1:]


def cell(head, value, types, typed):
    if head in COUNTERS and value != "":
        return int(value)
    if not typed or value == "":
        return value
    parts = head.split("/")
    t = types.get(parts[-1])
    if t in ("integer",):
        return int(value)
    if t == "decimal":
        return float(value)
    if t in ("start", "end"):
        return datetime.datetime.fromisoformat(value.replace(".000", ""))
    if len(parts) >= 2 and types.get(parts[-2]) == "select_multiple" and value in ("0", "1"):
        return int(value)
    return value


def main():
    args = sys.argv[1:]
    typed = args[0] == "--typed"
    if typed:
        args = args[1:]
    form, main_csv, partners_csv, out = args
    types = form_types(form)
    mhead, mrows = read(main_csv)
    phead, prows = read(partners_csv)
    title = prows[0][phead.index("_parent_table_name")]
    wb = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "default_date_format": "yyyy-mm-dd", "remove_timezone": True},
    )
    wb.use_zip64()
    names = []
    for section, head, rows in ((title, mhead, mrows), ("partenaires", phead, prows)):
        name = sheet_name(section, names)
        names.append(name)
        ws = wb.add_worksheet(name)
        for c, h in enumerate(head):
            ws.write(0, c, h)
        for r, row in enumerate(rows, start=1):
            for c, (h, v) in enumerate(zip(head, row)):
                ws.write(r, c, cell(h, v, types, typed))
    wb.close()


main()
