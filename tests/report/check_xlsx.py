#!/usr/bin/python3
"""check_xlsx.py - check or dump an .xlsx workbook written by panorama.

Usage:
  check_xlsx.py FILE [--sheets N] [--sheet NAME ...] [--charts N]
                     [--chart-on 'Sheet[=type]' ...] [--cell 'Sheet!A1=value' ...]
                     [--prop 'name=value' ...] [--dump]

Checks (every failure is reported, then the exit status is 1):
  always         FILE is a zip with an Excel workbook that openpyxl can load.
  --sheets N     the workbook has exactly N sheets.
  --sheet NAME   a sheet NAME exists (repeatable).
  --charts N     the workbook holds exactly N charts (xl/charts/chart*.xml).
  --chart-on S   sheet S has a drawing holding a native chart; with S=type, the chart is of
                 that type: bar (horizontal), column, stacked (stacked columns), pie
                 (repeatable).
  --cell S!A1=V  cell A1 of sheet S holds V. When V reads as a number the cell must hold a
                 number (not text) equal to V within 1e-9 (relative); "V" in double quotes
                 forces a text comparison; an empty V means an empty cell (repeatable).
  --prop K=V     document property K (openpyxl's name: title, subject, creator, created...)
                 starts with V once printed (datetimes as ISO 8601) (repeatable).
  --dump         print every sheet's cells (address, type, value, number format) and every
                 chart (sheet, type, series references) as stable text, for comparing two
                 workbooks with diff. Floats print with repr(), exact.

openpyxl does not load charts from a file, so charts are read from the zip: the sheet's
relationships (xl/worksheets/_rels/sheetN.xml.rels) lead to a drawing, whose relationships
lead to xl/charts/chartN.xml.

Needs Debian's python3-openpyxl: run it with /usr/bin/python3.
"""
import argparse
import datetime
import math
import posixpath
import re
import signal
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
}
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"


def fail(msg):
    print(f"check_xlsx: {msg}", file=sys.stderr)
    sys.exit(2)


def rels_of(zf, part):
    """Relationships of a part: list of (type, absolute target)."""
    d, base = posixpath.split(part)
    path = posixpath.join(d, "_rels", base + ".rels")
    if path not in zf.namelist():
        return []
    out = []
    for r in ET.fromstring(zf.read(path)).findall("rel:Relationship", NS):
        target = r.get("Target")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join(d, target))
        out.append((r.get("Type"), target))
    return out


def sheet_parts(zf):
    """Sheet name -> its part path, from xl/workbook.xml, in workbook order."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    targets = {}
    path = "xl/_rels/workbook.xml.rels"
    for r in ET.fromstring(zf.read(path)).findall("rel:Relationship", NS):
        t = r.get("Target")
        targets[r.get("Id")] = t[1:] if t.startswith("/") else posixpath.join("xl", t)
    out = {}
    for s in wb.find("main:sheets", NS).findall("main:sheet", NS):
        out[s.get("name")] = targets[s.get(f"{{{NS['r']}}}id")]
    return out


def chart_type(root):
    """bar, column, stacked, pie, or the chart element's name."""
    plot = root.find("c:chart/c:plotArea", NS)
    for el in plot:
        tag = el.tag.split("}")[1]
        if not tag.endswith("Chart"):
            continue
        if tag == "barChart":
            bar_dir = el.find("c:barDir", NS).get("val")
            grouping = el.find("c:grouping", NS)
            grouping = grouping.get("val") if grouping is not None else "clustered"
            if grouping in ("percentStacked", "stacked"):
                return "stacked" if bar_dir == "col" else "stacked-bar"
            return "bar" if bar_dir == "bar" else "column"
        if tag in ("pieChart", "pie3DChart"):
            return "pie"
        return tag
    return "none"


def charts_by_sheet(zf):
    """Sheet name -> list of (type, title, [series formulas]) of its charts."""
    out = {}
    for name, part in sheet_parts(zf).items():
        charts = []
        for typ, drawing in rels_of(zf, part):
            if typ != DRAWING_REL:
                continue
            for typ2, chart in rels_of(zf, drawing):
                if typ2 != CHART_REL:
                    continue
                root = ET.fromstring(zf.read(chart))
                title_el = root.find("c:chart/c:title", NS)
                title = "" if title_el is None else "".join(t.text or "" for t in title_el.iter(
                    "{http://schemas.openxmlformats.org/drawingml/2006/main}t"))
                refs = [f.text for f in root.iter(f"{{{NS['c']}}}f")]
                charts.append((chart_type(root), title, refs))
        out[name] = charts
    return out


def fmt_value(v):
    if v is None:
        return "empty", ""
    if isinstance(v, bool):
        return "b", str(v)
    if isinstance(v, (int, float)):
        return "n", repr(float(v))
    if isinstance(v, (datetime.datetime, datetime.date)):
        return "d", v.isoformat()
    return "s", str(v)


def dump(wb, charts):
    for ws in wb.worksheets:
        print(f"== sheet {ws.title}")
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                typ, val = fmt_value(cell.value)
                val = val.replace("\\", "\\\\").replace("\n", "\\n")
                print(f"{cell.coordinate}\t{typ}\t{val}\t{cell.number_format}")
        for rng in sorted(str(m) for m in ws.merged_cells.ranges):
            print(f"merged\t{rng}")
        for typ, title, refs in charts.get(ws.title, []):
            print(f"chart\t{typ}\t{title}\t{' '.join(refs)}")


def check_cell(wb, spec, errors):
    m = re.match(r"^(.+?)!([A-Z]{1,3}[1-9][0-9]*)=(.*)$", spec, re.S)
    if not m:
        errors.append(f"--cell '{spec}': expected 'Sheet!A1=value'")
        return
    sheet, ref, want = m.groups()
    if sheet not in wb.sheetnames:
        errors.append(f"{sheet}!{ref}: no sheet named '{sheet}' (sheets: {wb.sheetnames})")
        return
    got = wb[sheet][ref].value
    where = f"{sheet}!{ref}"
    if want == "":
        if got not in (None, ""):
            errors.append(f"{where}: expected an empty cell, found {got!r}")
        return
    if len(want) >= 2 and want[0] == '"' and want[-1] == '"':
        want_text, want_num = want[1:-1], None
    else:
        want_text = want
        try:
            want_num = float(want)
        except ValueError:
            want_num = None
    if want_num is not None:
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            errors.append(f"{where}: expected the number {want}, found {got!r} "
                          f"({type(got).__name__})")
        elif not math.isclose(float(got), want_num, rel_tol=1e-9, abs_tol=1e-12):
            errors.append(f"{where}: expected {want}, found {got!r}")
        return
    if isinstance(got, (datetime.datetime, datetime.date)):
        got = got.isoformat()
    if not isinstance(got, str) or got != want_text:
        errors.append(f"{where}: expected {want_text!r}, found {got!r}")


def main():
    ap = argparse.ArgumentParser(description="check or dump an .xlsx workbook")
    ap.add_argument("file")
    ap.add_argument("--sheets", type=int)
    ap.add_argument("--sheet", action="append", default=[])
    ap.add_argument("--charts", type=int)
    ap.add_argument("--chart-on", action="append", default=[])
    ap.add_argument("--cell", action="append", default=[])
    ap.add_argument("--prop", action="append", default=[])
    ap.add_argument("--dump", action="store_true")
    args = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # --dump | head

    try:
        import openpyxl
    except ImportError:
        fail("openpyxl is missing: run this script with /usr/bin/python3 "
             "(Debian's python3-openpyxl)")
    try:
        zf = zipfile.ZipFile(args.file)
    except (OSError, zipfile.BadZipFile) as e:
        fail(f"{args.file}: not a readable .xlsx (zip) file: {e}")
    try:
        wb = openpyxl.load_workbook(args.file)
        charts = charts_by_sheet(zf)
    except Exception as e:  # openpyxl raises many kinds
        fail(f"{args.file}: cannot load the workbook: {type(e).__name__}: {e}")

    errors = []
    if args.sheets is not None and len(wb.sheetnames) != args.sheets:
        errors.append(f"expected {args.sheets} sheets, found {len(wb.sheetnames)}: "
                      f"{wb.sheetnames}")
    for name in args.sheet:
        if name not in wb.sheetnames:
            errors.append(f"expected a sheet '{name}', found {wb.sheetnames}")
    nchart = len([n for n in zf.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)])
    if args.charts is not None and nchart != args.charts:
        errors.append(f"expected {args.charts} charts, found {nchart}")
    for spec in args.chart_on:
        sheet, _, typ = spec.partition("=")
        if sheet not in charts:
            errors.append(f"--chart-on {sheet}: no sheet named '{sheet}'")
        elif not charts[sheet]:
            errors.append(f"{sheet}: expected a drawing with a chart, found none")
        elif typ and typ not in [c[0] for c in charts[sheet]]:
            errors.append(f"{sheet}: expected a {typ} chart, found "
                          f"{[c[0] for c in charts[sheet]]}")
    for spec in args.cell:
        check_cell(wb, spec, errors)
    for spec in args.prop:
        key, _, want = spec.partition("=")
        got = getattr(wb.properties, key, None)
        got = got.isoformat() if isinstance(got, datetime.datetime) else str(got)
        if not got.startswith(want):
            errors.append(f"property {key}: expected {want!r}, found {got!r}")

    if args.dump:
        dump(wb, charts)
    for e in errors:
        print(f"check_xlsx: {args.file}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
