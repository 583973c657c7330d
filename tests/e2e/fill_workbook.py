"""Fill a fillable workbook (panorama form sheet) the way a person would, with openpyxl.

usage: fill_workbook.py WORKBOOK FORM.csv MAIN.csv PARTNERS.csv KEY [OUT]

Takes the submission KEY of MAIN.csv (a plain export: names as headers, choice names as
values) and its entries of PARTNERS.csv (PARENT_KEY), and writes them into WORKBOOK through
its hidden map sheet "_panorama": the label of the choice for a single choice (what the
drop-down list offers), "Oui" or "Non" on each option's row of a multiple choice, the text of
the others; on the partners' sheet a row per entry, a multiple choice as its labels separated
by " ; " as the sheet's head asks, a year as a number. The identity cells are left as the
workbook has them. Saved to OUT (default: over WORKBOOK).
"""
import csv
import sys

import openpyxl


def form_model(path):
    """question name -> (type, list name); (list, choice name) -> label"""
    types, labels, part = {}, {}, None
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f):
            if row and row[0] in ("survey", "choices", "settings"):
                part, head = row[0], None
                continue
            if not row or row[0] != "" or part is None:
                continue
            if head is None:
                head = row
                continue
            r = dict(zip(head, row))
            if part == "survey" and r.get("name"):
                t = r["type"].split()
                types[r["name"]] = (t[0], t[1] if len(t) > 1 else None)
            elif part == "choices":
                labels[(r["list_name"], r["name"])] = r["label"]
    return types, labels


def main():
    path, form, main_csv, partners_csv, key = sys.argv[1:6]
    out = sys.argv[6] if len(sys.argv) > 6 else path
    types, labels = form_model(form)
    with open(main_csv, encoding="utf-8") as f:
        sub = next(r for r in csv.DictReader(f) if r.get("KEY") == key)
    with open(partners_csv, encoding="utf-8") as f:
        entries = [r for r in csv.DictReader(f) if r["PARENT_KEY"] == key]
    wb = openpyxl.load_workbook(path)
    rows = list(wb["_panorama"].iter_rows(values_only=True))
    for sheet, cell, q, choice in [r[:4] for r in rows if r[0] not in ("form_id", "version", "structure")]:
        ws = wb[sheet]
        kind, lst = types[q]
        if sheet == "Partenaires":
            col = ws[cell].column
            for i, e in enumerate(entries):
                v = e.get(q, "")
                if kind == "select_one" and v:
                    v = labels[(lst, v)]
                elif kind == "select_multiple" and v:
                    v = " ; ".join(labels[(lst, c)] for c in v.split())
                elif kind == "integer" and v:
                    v = int(v)
                ws.cell(ws[cell].row + 1 + i, col).value = v if v != "" else None
            continue
        if ws[cell].value not in (None, ""):
            continue  # the identity, filled in and locked
        v = sub.get(q, "")
        if choice is not None:
            ws[cell].value = ("Oui" if choice in v.split() else "Non") if v else None
        elif kind == "select_one" and v:
            ws[cell].value = labels[(lst, v)]
        elif kind == "integer" and v:
            ws[cell].value = int(v)
        else:
            ws[cell].value = v if v != "" else None
    wb.save(out)


main()
