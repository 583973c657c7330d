#!/usr/bin/env python3
"""Check a workbook's PDF, as LibreOffice printed it, page by page.

usage: pdf_layout.py WORKBOOK.xlsx PRINTED.pdf WORDS.html

WORDS.html is `pdftotext -bbox PRINTED.pdf` (each word of each page with its box, in points).
What is checked, on every page:
  - no word runs past the page's margins (the workbook's: 0.7 in at the sides, 0.75 in at
    the top) nor into the footer: a cell cut at the right margin leaves words there;
  - no two words overlap: a wrapped text cut by its row's height overflows onto the next row;
  - every page begins with the title of its sheet (A1), but the later pages of a sheet the
    workbook fits to several pages or breaks into pages: a table's note cannot spill onto a
    page of its own, nor a sheet take more pages than it was given, nor its title stand on a
    page without its table;
  - on the table sheets (not the cover nor the methodology), no count from 1 to 2 is printed:
    a word "1" or "2" in a table's cells or its chart (the secret statistique), not in a
    sentence; the degree-of-freedom column has no such value in the demo, and the page numbers
    are in the footer. A sheet may print as many as it has cells of 1 or 2 in the number
    format "#0", the workbook's counts that are no survey answer (the registry's structures,
    the links the cartography shows), which the secret statistique does not mask.
Prints what it found and exits 1 when something is wrong.
"""
import html
import re
import sys
import zipfile

import openpyxl

MARGIN_SIDE = 0.7 * 72
MARGIN_END = 0.75 * 72
TOL = 1.5  # points


def pages_of(words_html):
    pages = []
    page_re = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
    word_re = re.compile(
        r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')
    for m in page_re.finditer(words_html):
        w, h = float(m.group(1)), float(m.group(2))
        words = [(float(a), float(b), float(c), float(d), html.unescape(t))
                 for a, b, c, d, t in word_re.findall(m.group(3))]
        pages.append((w, h, words))
    return pages


def sheet_layout(xlsx):
    """[(title, fit_height, is_table, public)] in the workbook's order; public: the cells of
    1 or 2 in the public count format."""
    wb = openpyxl.load_workbook(xlsx, read_only=False)
    out = []
    with zipfile.ZipFile(xlsx) as z:
        for i, ws in enumerate(wb.worksheets):
            xml = z.read(f"xl/worksheets/sheet{i + 1}.xml").decode()
            m = re.search(r'<pageSetup[^>]*fitToHeight="(\d+)"', xml)
            if m:  # fitted to pages
                fit = int(m.group(1))
            else:  # printed at a scale, with page breaks
                m = re.search(r'<rowBreaks count="(\d+)"', xml)
                fit = int(m.group(1)) + 1 if m else 1
            title = str(ws["A1"].value or "")
            table = i != 0 and ws.title != "Méthodologie"
            public = sum(1 for row in ws.iter_rows() for c in row
                         if c.number_format == "#0" and c.value in (1, 2))
            out.append((title, fit, table, public))
    return out


def lines_of(words):
    """Words grouped into text lines (same baseline within 2 pt), top to bottom."""
    lines = []
    for wd in sorted(words, key=lambda w: (round(w[3]), w[0])):
        if lines and abs(lines[-1][0] - wd[3]) < 2:
            lines[-1][1].append(wd)
        else:
            lines.append([wd[3], [wd]])
    return [" ".join(w[4] for w in sorted(l[1])) for l in lines]


def in_prose(words, wd):
    """Whether @wd is a word of a sentence (a note's "1 pour un accord parfait"): a word of
    letters or punctuation beside it on its line, a space apart. A count stands alone in its
    cell or on its bar, far from any other word."""
    x0, y0, x1, y1, _ = wd
    for a in words:
        if a is wd or abs(a[3] - y1) > 2 or not re.search(r"[^\d\s]", a[4]):
            continue
        if -1 < x0 - a[2] < 5 or -1 < a[0] - x1 < 5:
            return True
    return False


def overlaps(words):
    found = []
    ws = sorted(words)
    for i, a in enumerate(ws):
        for b in ws[i + 1:]:
            if b[0] >= a[2]:
                break
            ix = min(a[2], b[2]) - max(a[0], b[0])
            iy = min(a[3], b[3]) - max(a[1], b[1])
            if ix <= 0 or iy <= 0:
                continue
            small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if small > 0 and ix * iy > 0.3 * small:
                found.append((a, b))
    return found


def main():
    xlsx, pdf, words_html = sys.argv[1:4]
    sheets = sheet_layout(xlsx)
    titles = [t for t, _, _, _ in sheets]
    small = {}  # sheet -> the counts of 1 or 2 printed on its pages
    pages = pages_of(open(words_html, encoding="utf-8").read())
    bad = []
    sheet = -1
    pages_in_sheet = 0
    for n, (w, h, words) in enumerate(pages, 1):
        # the footer: the lowest line, the one that ends "Page N / M"
        low = max((x for x in words if x[4] == "Page"), key=lambda x: x[3], default=None)
        foot_top = low[1] if low else h
        foot = [x for x in words if x[3] > foot_top and abs(x[3] - low[3]) < 2] if low else []
        body = [x for x in words if x not in foot]
        for x0, y0, x1, y1, t in words:
            if x0 < MARGIN_SIDE - TOL or x1 > w - MARGIN_SIDE + TOL or y0 < 0 or y1 > h:
                bad.append(f"{pdf}: page {n}: '{t}' runs past the page's margins "
                           f"(x {x0:.0f} to {x1:.0f} of {w:.0f}, y {y0:.0f} to {y1:.0f})")
        for x0, y0, x1, y1, t in body:
            if y0 < MARGIN_END - TOL or y1 > foot_top - TOL:
                bad.append(f"{pdf}: page {n}: '{t}' runs past the top margin or into the "
                           f"footer (y {y0:.0f} to {y1:.0f}, the footer at {foot_top:.0f})")
        for a, b in overlaps(body)[:5]:
            bad.append(f"{pdf}: page {n}: '{a[4]}' and '{b[4]}' overlap (a cut text?)")
        if not foot:
            bad.append(f"{pdf}: page {n}: no footer")
        lines = lines_of(body)
        first = lines[0] if lines else ""
        if sheet + 1 < len(titles) and first == titles[sheet + 1]:
            sheet += 1
            pages_in_sheet = 1
            if len(lines) < 4:  # its title and the line under it, and nothing of its table
                bad.append(f"{pdf}: page {n}: the sheet '{first[:60]}' begins on a page that "
                           f"holds only {len(lines)} line(s)")
        else:
            pages_in_sheet += 1
            fit = sheets[sheet][1] if sheet >= 0 else 0
            if sheet < 0 or pages_in_sheet > fit:
                fitted = f"the {fit} page(s) it is fitted to" if fit else "its page"
                bad.append(f"{pdf}: page {n}: begins with '{first[:60]}', not with a sheet's "
                           f"title: the sheet '{titles[sheet] if sheet >= 0 else ''}' "
                           f"runs past {fitted}")
            elif len(lines) < 3:
                bad.append(f"{pdf}: page {n}: only {len(lines)} line(s) of the sheet "
                           f"'{titles[sheet]}' ({first[:60]})")
        if sheet >= 0 and sheets[sheet][2]:
            for x0, y0, x1, y1, t in body:
                if t in ("1", "2") and not in_prose(body, (x0, y0, x1, y1, t)):
                    small.setdefault(sheet, []).append(
                        f"{pdf}: page {n} (sheet '{titles[sheet]}'): a count of {t} "
                        f"is printed at x {x0:.0f}, y {y0:.0f}")
    for s, found in small.items():
        if len(found) > sheets[s][3]:
            bad += found[:5] + [f"{pdf}: sheet '{titles[s]}': {len(found)} counts of 1 or 2 "
                                f"printed, {sheets[s][3]} of them public"]
    if sheet != len(titles) - 1:
        bad.append(f"{pdf}: {len(pages)} pages, but the sheets after "
                   f"'{titles[sheet] if sheet >= 0 else ''}' begin no page")
    for b in bad[:40]:
        print(b)
    print(f"{pdf}: {len(pages)} pages, {len(titles)} sheets, {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
