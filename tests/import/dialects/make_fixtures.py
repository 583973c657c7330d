#!/usr/bin/python3
"""Writes the dialect fixtures of tests/import/dialects/ (standard library only).

    /usr/bin/python3 tests/import/dialects/make_fixtures.py          # rewrite everything
    /usr/bin/python3 tests/import/dialects/make_fixtures.py --check  # rewrite nothing, compare

1. plain/ is a subset of the bundled examples/ (RECORDS below), in the same layout: the
   plain export panorama reads (UTF-8, ',', LF, variable names, PARENT_KEY/KEY).
2. Each other folder holds the same answers as a tool writes them: kobo/, odk/, limesurvey/,
   google/, excel/. README.md beside this script says, with sources, what each tool writes
   and which choices were made where the real format is uncertain.
3. Every dialect file is then read back by an independent decoder (decode_* below) and
   compared with plain/, so the fixtures carry the same answers (start/end excepted, which
   the tools record differently, and which Google Forms does not have at all).

Deterministic: the same plain/ and forms/ give the same bytes. The test
(tests/e2e/dialects.sh) uses the checked-in files; this script documents how they were made.
"""
import csv
import datetime as dt
import hashlib
import io
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
FORMS = ("centre_social", "ecole")

# Records (1-based, header excluded) of examples/<form>.csv kept in plain/, with all their
# partner rows. The first twelve valid submissions of each form, plus rows chosen for what
# they exercise. None of the three planted bad rows (examples/README.md) is taken: centre
# record 7 (commune 95100) is skipped, centre record 14 (parent of the partner row with
# annee_debut 2031) is not taken, and ecole record 401 is not taken.
RECORDS = {
    "centre_social": [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13,
                      15,   # rep applicable but unanswered ('')
                      19,   # freins applicable but unanswered; facteurs 'autre' + text
                      25,   # freins and facteurs 'autre' + texts
                      50,   # a comment with double quotes
                      96],  # travaille_avec = non, raisons_non 'autre' + text
    "ecole": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
              13,   # freins and facteurs 'autre' + texts
              16,   # a partner's acteurs with a comma in its label (vie_scolaire)
              20,   # rep applicable but unanswered
              50,   # travaille_avec = non, raisons_non 'autre' + text
              67],  # a comment with ';'
}

TZ_PARIS_WINTER = dt.timezone(dt.timedelta(hours=1))


# ----------------------------------------------------------------------------------------
# The form (pyxform one-file CSV layout)

class Question:
    def __init__(self, row, path, repeat):
        self.type = row["type"].strip()
        self.name = row["name"].strip()
        self.label = row.get("label", "")
        self.relevant = row.get("relevant", "").strip()
        self.path = path            # group/repeat names above, outermost first
        self.repeat = repeat        # name of the enclosing repeat, or None
        parts = self.type.split()
        self.base = parts[0]
        self.list = parts[1] if len(parts) > 1 else None

    @property
    def is_note(self):
        return self.base == "note"

    @property
    def has_value(self):
        """Holds an answer in plain/ (notes and calculates do not)."""
        return self.base not in ("note", "calculate")


class Form:
    def __init__(self, form_id):
        self.id = form_id
        sheets = {}
        cur = None
        header = None
        with open(os.path.join(ROOT, "forms", form_id + ".csv"), newline="",
                  encoding="utf-8") as f:
            for row in csv.reader(f):
                if row and row[0] in ("survey", "choices", "settings"):
                    cur, header = row[0], None
                    sheets[cur] = []
                    continue
                if cur is None or not any(row):
                    continue
                if header is None:
                    header = row[1:]
                    continue
                sheets[cur].append(dict(zip(header, row[1:])))
        self.settings = sheets["settings"][0]
        self.title = self.settings["form_title"]
        self.version = self.settings["version"]
        self.choices = {}
        for c in sheets["choices"]:
            self.choices.setdefault(c["list_name"], []).append((c["name"], c["label"]))
        self.items = []             # every question, notes and calculates included
        stack = []
        repeat = None
        for row in sheets["survey"]:
            t = row["type"].strip()
            if t == "begin_group":
                stack.append(row["name"])
            elif t == "begin_repeat":
                stack.append(row["name"])
                repeat = row["name"]
            elif t in ("end_group", "end_repeat"):
                if t == "end_repeat":
                    repeat = None
                stack.pop()
            else:
                self.items.append(Question(row, list(stack), repeat))
        self.by_name = {q.name: q for q in self.items}
        self.repeat = next(q.repeat for q in self.items if q.repeat)
        self.ident = "siret" if "siret" in self.by_name else "uai"

    def main_items(self):
        return [q for q in self.items if q.repeat is None]

    def repeat_items(self):
        return [q for q in self.items if q.repeat is not None]

    def label_of(self, q, name):
        for n, lab in self.choices[q.list]:
            if n == name:
                return lab
        raise KeyError((q.name, name))

    def relevant(self, q, row):
        """Evaluates the few relevance shapes the two forms use."""
        expr = q.relevant
        if not expr:
            return True
        m = re.fullmatch(r"\$\{(\w+)\} (=|!=) '([^']*)'", expr)
        if m:
            v = row.get(m.group(1), "")
            return (v == m.group(3)) == (m.group(2) == "=")
        m = re.fullmatch(r"selected\(\$\{(\w+)\}, '([^']*)'\)", expr)
        if m:
            return m.group(2) in row.get(m.group(1), "").split()
        raise ValueError("relevance not understood: " + expr)


def type_lien(p):
    """The form's calculation of the typology, as written in forms/*.csv."""
    disp = p["dispositifs"].split()
    if p["rythme"] == "aucun":
        return "aucun"
    if p["formalisation"] in ("convention", "projet_ecrit"):
        return "partenariat_formalise"
    if len(disp) > 0 and "aucun" not in disp:
        return "dispositif"
    if p["rythme"] == "regulier":
        return "cooperation_reguliere"
    return "ponctuel"


# ----------------------------------------------------------------------------------------
# Small helpers

def h(*parts):
    """A deterministic integer from strings."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def parse_ts(s):
    return dt.datetime.fromisoformat(s)


def read_plain(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [dict(zip(header, row)) for row in r]


def write_bytes(path, data, out):
    out[os.path.relpath(path, HERE)] = data


def csv_minimal(rows, delim=",", eol="\n"):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator=eol, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        w.writerow(row)
    return buf.getvalue()


def children(parts, parent):
    return [p for p in parts if p["PARENT_KEY"] == parent["KEY"]]


def sm_order(form, q, value):
    """The choices of a select_multiple answer in the form's order."""
    names = [n for n, _ in form.choices[q.list]]
    toks = value.split()
    return sorted(toks, key=names.index)


# ----------------------------------------------------------------------------------------
# 1. plain/: a subset of examples/

def make_plain(out):
    for form_id in FORMS:
        ex = os.path.join(ROOT, "examples")
        with open(os.path.join(ex, form_id + ".csv"), newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        with open(os.path.join(ex, form_id + "-partenaires.csv"), newline="",
                  encoding="utf-8") as f:
            prows = list(csv.reader(f))
        # examples/ is written with Python's csv dialect (',' minimal quoting, LF): check it,
        # so that plain/ is in exactly the same format.
        with open(os.path.join(ex, form_id + ".csv"), "rb") as f:
            assert f.read() == csv_minimal(rows).encode(), "examples/ format changed"
        keep = [rows[0]] + [rows[i] for i in RECORDS[form_id]]
        ki = rows[0].index("KEY")
        keys = {r[ki] for r in keep[1:]}
        pkeep = [prows[0]] + [p for p in prows[1:] if p[0] in keys]
        d = os.path.join(HERE, "plain")
        write_bytes(os.path.join(d, form_id + ".csv"), csv_minimal(keep).encode(), out)
        write_bytes(os.path.join(d, form_id + "-partenaires.csv"),
                    csv_minimal(pkeep).encode(), out)


def load_plain(out):
    """plain/ as just written (from out) or on disk."""
    data = {}
    for form_id in FORMS:
        res = []
        for suffix in ("", "-partenaires"):
            rel = os.path.join("plain", form_id + suffix + ".csv")
            text = out[rel].decode("utf-8")
            r = csv.reader(io.StringIO(text, newline=""))
            header = next(r)
            res.append((header, [dict(zip(header, row)) for row in r]))
        data[form_id] = res
    return data


def check_plain(form, rows, parts):
    """What the subset must contain (the brief of issue 3)."""
    allv = " ".join(r["raisons_non"] + " " + r["freins"] + " " + r["facteurs"] for r in rows)
    assert any(len(r["freins"].split()) > 1 for r in rows), "multiple choice"
    assert "autre" in allv and any(r["freins_autre"] for r in rows), "'autre' with its text"
    assert any(r["raisons_non_autre"] for r in rows), "raisons_non 'autre' with its text"
    assert any(r["code_qpv"] == "" for r in rows), "non-relevant or empty answers"
    assert any("convention" in r["facteurs"].split() for r in rows), "label with a comma"
    assert any(r["travaille_avec"] == "non" and not children(parts, r) for r in rows)
    assert any(p["rythme"] == "aucun" for p in parts), "a partner with rythme = aucun"
    assert any(re.search("[éèàçô]", r["nom_structure"] + r["commentaire"]) for r in rows)
    for r in rows:
        for q in form.main_items():
            if q.base == "select_multiple":
                v = r[q.name]
                assert v.split() == sm_order(form, q, v), "select_multiple not in form order"


# ----------------------------------------------------------------------------------------
# 2a. KoboToolbox (formpack via kpi): "XML values and headers", groups included ('/'),
#     multiple select "both"; CSV: ';', every field quoted, CRLF, UTF-8 without BOM.

KOBO_COPY = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
             "_submitted_by", "__version__", "_tags", "meta/rootUuid"]
KOBO_VERSION = {"centre_social": "vJ4sqaWkP9dRbE6nXy3TcF", "ecole": "vT7hNc2QmBzW5kYpLr8aDs"}


def kobo_line(values):
    return '"' + '";"'.join(str(v).replace('"', '""') for v in values) + '"\r\n'


def kobo_columns(form, items):
    """(header, question, choice) per column, in survey order (notes included: formpack
    gives every survey field a column)."""
    cols = []
    for q in items:
        path = "/".join(q.path + [q.name])
        cols.append((path, q, None))
        if q.base == "select_multiple":
            for n, _ in form.choices[q.list]:
                cols.append((path + "/" + n, q, n))
    return cols


def kobo_cell(q, choice, row):
    if q.is_note:
        return ""
    if q.base == "calculate":
        return type_lien(row)
    v = row[q.name]
    if choice is None:
        return v
    # formpack: no value in the submission -> '' everywhere; else 1/0
    return "" if v == "" else ("1" if choice in v.split() else "0")


def make_kobo(form, rows, parts, out):
    d = os.path.join(HERE, "kobo")
    sub_time = {}
    for r in rows:
        end = parse_ts(r["end"]).astimezone(dt.timezone.utc).replace(tzinfo=None)
        sub_time[r["KEY"]] = end + dt.timedelta(seconds=3 + h(r["KEY"], "k") % 40)
    order = sorted(rows, key=lambda r: sub_time[r["KEY"]])
    cols = kobo_columns(form, form.main_items())
    lines = [kobo_line([c[0] for c in cols] + KOBO_COPY + ["_index"])]
    meta = {}
    for i, r in enumerate(order, 1):
        uuid = r["KEY"][len("uuid:"):]
        m = {"_id": str(489131000 + 97 * i + h(uuid) % 89), "_uuid": uuid,
             "_submission_time": sub_time[r["KEY"]].strftime("%Y-%m-%dT%H:%M:%S"),
             "_validation_status": "", "_notes": "", "_status": "submitted_via_web",
             "_submitted_by": "", "__version__": KOBO_VERSION[form.id], "_tags": "",
             "meta/rootUuid": r["KEY"], "_index": str(i)}
        meta[r["KEY"]] = m
        lines.append(kobo_line([kobo_cell(q, c, r) for _, q, c in cols]
                               + [m[k] for k in KOBO_COPY] + [str(i)]))
    write_bytes(os.path.join(d, form.id + ".csv"), "".join(lines).encode("utf-8"), out)

    # The repeat: one sheet of the XLSX export (the CSV export has only the main table),
    # written in the CSV export's own dialect.
    pcols = kobo_columns(form, form.repeat_items())
    sub_copy = ["_submission_" + k for k in KOBO_COPY]
    lines = [kobo_line([c[0] for c in pcols] + ["_index", "_parent_table_name",
                                                "_parent_index"] + sub_copy)]
    idx = 0
    for r in order:
        for p in children(parts, r):
            idx += 1
            m = meta[r["KEY"]]
            lines.append(kobo_line([kobo_cell(q, c, p) for _, q, c in pcols]
                                   + [str(idx), form.title, m["_index"]]
                                   + [m[k] for k in KOBO_COPY]))
    write_bytes(os.path.join(d, form.id + "-" + form.repeat + ".csv"),
                "".join(lines).encode("utf-8"), out)


# ----------------------------------------------------------------------------------------
# 2b. ODK Central (lib/data/briefcase.js): ',' with csv-stringify's minimal quoting, LF,
#     UTF-8 without BOM; SubmissionDate first, group paths joined with '-', meta-instanceID
#     last of the form's fields, then Central's metadata; select_multiple as one column
#     (the default: split columns only with "Split select multiple choices into columns").

ODK_TAIL = ["KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
            "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
ODK_LINK = {"centre_social": ("31", "Lien public centres sociaux"),
            "ecole": ("32", "Lien public écoles et collèges")}


def odk_cell(q, row):
    if q.is_note:
        return ""
    if q.base == "calculate":
        return type_lien(row)
    return row[q.name]


def make_odk(form, rows, parts, out):
    d = os.path.join(HERE, "odk")
    main = form.main_items()
    header = ["SubmissionDate"] + ["-".join(q.path + [q.name]) for q in main]
    header += ["meta-instanceID"] + ODK_TAIL
    out_rows = [header]
    got_at = {}
    for r in rows:
        end = parse_ts(r["end"]).astimezone(dt.timezone.utc)
        got_at[r["KEY"]] = end + dt.timedelta(seconds=2 + h(r["KEY"], "o") % 30,
                                              milliseconds=h(r["KEY"], "ms") % 1000)
    # Central's DEFAULT_ORDER_BY: newest first; each submission's repeat rows are written
    # as its XML is parsed, so the repeat file follows the same order.
    rows = sorted(rows, key=lambda r: got_at[r["KEY"]], reverse=True)
    for r in rows:
        got = got_at[r["KEY"]]
        sid, sname = ODK_LINK[form.id]
        review = "approved" if h(r["KEY"], "r") % 3 == 0 else ""
        out_rows.append([got.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (got.microsecond // 1000)]
                        + [odk_cell(q, r) for q in main]
                        + [r["KEY"], r["KEY"], sid, sname, "0", "0", "", review, "", "0",
                           form.version])
    write_bytes(os.path.join(d, form.id + ".csv"), csv_minimal(out_rows).encode("utf-8"), out)
    rep = form.repeat_items()
    prefix = len(rep[0].path)  # column names are relative to the repeat
    out_rows = [["-".join(q.path[prefix:] + [q.name]) for q in rep] + ["PARENT_KEY", "KEY"]]
    for r in rows:
        for p in children(parts, r):
            out_rows.append([odk_cell(q, p) for q in rep] + [p["PARENT_KEY"], p["KEY"]])
    write_bytes(os.path.join(d, form.id + "-" + form.repeat + ".csv"),
                csv_minimal(out_rows).encode("utf-8"), out)


# ----------------------------------------------------------------------------------------
# 2c. LimeSurvey (application/helpers/admin/export/CsvWriter.php): UTF-8 BOM, every value
#     quoted except NULL (written bare), CRLF, one more CRLF at the end of the file.
#     Main survey: "Question code" headings, "Answer codes", ';' separator, plus a mapping
#     file. Partner survey (one response per partner): the defaults, "Full question text"
#     headings, "Full answers", ',' separator; linked by the structure's identifier.

NULL = None
LS_META = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
# Full-text headings of the metadata columns: createFieldMap() prints gT("Response ID"),
# gT("Date submitted"), gT("Last page"), gT("Start language"), gT("Seed"), gT("Date started"),
# gT("Date last action") in the export's language; these are the msgstr of LimeSurvey's French
# catalogue, locale/fr/fr.mo, the same in releases 3.8.1 to 6.4.2 (see README.md).
LS_META_FULL = ["ID de la réponse", "Date de soumission", "Dernière page", "Langue de départ",
                "Tête de série", "Date de lancement", "Date de la dernière action"]


def ls_line(values, sep):
    """CsvWriter::csvEscape(): NULL -> nothing, else quoted with '""' inside."""
    return sep.join("" if v is NULL else '"' + v.replace('"', '""') + '"'
                    for v in values) + "\r\n"


def ls_code(q):
    return q.name.replace("_", "")


def ls_answer_codes(form, q):
    """{choice name: LimeSurvey answer code} for a list question."""
    if q.list == "communes":
        return {n: n for n, _ in form.choices[q.list]}  # INSEE codes typed as answer codes
    return {n: "A%d" % (i + 1) for i, (n, _) in enumerate(form.choices[q.list])}


def ls_main_columns(form):
    """(header, question, kind, choice) per column of the main survey."""
    cols = []
    for q in form.main_items():
        if q.base in ("start", "end", "calculate") or q.name == "intro":
            continue  # start/end are LimeSurvey's own startdate/submitdate; intro = welcome text
        code = ls_code(q)
        if q.base == "select_multiple":
            for i, (n, _) in enumerate(form.choices[q.list]):
                cols.append(("%s[SQ%03d]" % (code, i + 1), q, "M", n))
        elif q.base == "select_one" and q.list == "oui_non":
            cols.append((code, q, "Y", None))
        elif q.base == "select_one":
            cols.append((code, q, "L", None))
        elif q.is_note:
            cols.append((code, q, "X", None))  # a "Text display" question has a column too
        else:
            cols.append((code, q, "S", None))
    return cols


def ls_short(form, q, kind, choice, row):
    if kind == "X" or not form.relevant(q, row):
        return NULL
    v = row[q.name]
    if kind == "M":
        return "Y" if choice in v.split() else ""
    if kind == "Y":
        return {"oui": "Y", "non": "N", "": ""}[v]
    if kind == "L":
        return "" if v == "" else ls_answer_codes(form, q)[v]
    return v


def ls_dt(ts):
    return parse_ts(ts).strftime("%Y-%m-%d %H:%M:%S")


def make_limesurvey(form, rows, parts, out):
    d = os.path.join(HERE, "limesurvey")
    order = sorted(rows, key=lambda r: parse_ts(r["end"]))
    cols = ls_main_columns(form)
    lines = [ls_line(LS_META + [c[0] for c in cols], ";")]
    pages = len({q.path[0] for _, q, _, _ in cols if q.path})  # groups = pages
    for i, r in enumerate(order, 1):
        meta = [str(3 + i), ls_dt(r["end"]), str(pages), "fr", str(h(r["KEY"], "seed") % 2**31),
                ls_dt(r["start"]), ls_dt(r["end"])]
        lines.append(ls_line(meta + [ls_short(form, q, k, c, r) for _, q, k, c in cols], ";"))
    lines.append("\r\n")
    write_bytes(os.path.join(d, form.id + ".csv"),
                b"\xef\xbb\xbf" + "".join(lines).encode("utf-8"), out)

    # The mapping file: settles every column of the main file.
    m = [["type", "dans_le_fichier", "variable", "choix", "remarque"],
         ["ignorer", "id", "", "", "numéro de la réponse dans LimeSurvey"],
         ["colonne", "submitdate", "end", "", "date d'envoi du questionnaire"],
         ["ignorer", "lastpage", "", "", ""],
         ["ignorer", "startlanguage", "", "", ""],
         ["ignorer", "seed", "", "", ""],
         ["colonne", "startdate", "start", "", ""],
         ["ignorer", "datestamp", "", "", "date de la dernière action"]]
    for head, q, kind, choice in cols:
        if kind == "X":
            m.append(["ignorer", head, "", "", "texte affiché, sans réponse"])
        elif kind == "M":
            m.append(["colonne", head, q.name, choice, "case cochée : Y"])
        else:
            m.append(["colonne", head, q.name, "", ""])
    done = set()
    for head, q, kind, choice in cols:
        if q.name in done:
            continue
        done.add(q.name)
        if kind == "Y":
            m.append(["valeur", "Y", q.name, "oui", ""])
            m.append(["valeur", "N", q.name, "non", ""])
        elif kind == "L" and q.list != "communes":
            for n, code in ls_answer_codes(form, q).items():
                m.append(["valeur", code, q.name, n, form.label_of(q, n)])
    text = csv_minimal(m, delim=";", eol="\r\n")
    write_bytes(os.path.join(d, form.id + ".map.csv"),
                b"\xef\xbb\xbf" + text.encode("utf-8"), out)

    # The partner survey, full text and full answers.
    ident = form.by_name[form.ident]
    rep = [q for q in form.repeat_items() if q.has_value]
    head = LS_META_FULL + [ident.label]
    pcols = []
    for q in rep:
        if q.base == "select_multiple":
            for n, lab in form.choices[q.list]:
                head.append("%s [%s]" % (q.label, lab))
                pcols.append((q, n))
        else:
            head.append(q.label)
            pcols.append((q, None))
    lines = [ls_line(head, ",")]
    n = 0
    for r in order:
        for i, p in enumerate(children(parts, r)):
            n += 1
            done_at = parse_ts(r["end"]) + dt.timedelta(minutes=4 * (i + 1),
                                                        seconds=h(p["KEY"]) % 50)
            started = done_at - dt.timedelta(minutes=3)
            vals = [str(n + 1), done_at.strftime("%Y-%m-%d %H:%M:%S"), "1", "fr",
                    str(h(p["KEY"], "seed") % 2**31), started.strftime("%Y-%m-%d %H:%M:%S"),
                    done_at.strftime("%Y-%m-%d %H:%M:%S"), r[form.ident]]
            for q, choice in pcols:
                vals.append(ls_long(form, q, choice, p))
            lines.append(ls_line(vals, ","))
    lines.append("\r\n")
    write_bytes(os.path.join(d, form.id + "-" + form.repeat + ".csv"),
                b"\xef\xbb\xbf" + "".join(lines).encode("utf-8"), out)


def ls_long(form, q, choice, p):
    """SurveyObj::getFullAnswer() for the question types used, then CsvWriter."""
    rel = form.relevant(q, p)
    v = p[q.name] if rel else NULL
    if q.base == "select_multiple":        # type M: 'Y' -> Yes, '' -> No, NULL -> N/A
        if v is NULL:
            return "N/A"
        return "Oui" if choice in v.split() else "Non"
    if q.base == "select_one":             # type L: the answer's text; none -> NULL
        return NULL if not v else form.label_of(q, v)
    if q.base == "integer":                # type N: the number or NULL
        return NULL if not v else v
    return "" if v is NULL else v          # texts: NULL .= NULL gives ''


# ----------------------------------------------------------------------------------------
# 2d. Google Forms, response sheet downloaded as CSV from a spreadsheet set to French:
#     ',' minimal quoting, CRLF, UTF-8 without BOM; "Horodateur" then the question titles;
#     answers as labels; checkboxes joined with ", ". The partner questionnaire is a second
#     form, one response per partner, that asks the structure's own identifier.

def g_cell(form, q, row):
    v = row[q.name]
    if v == "":
        return ""
    if q.base == "select_multiple":
        return ", ".join(form.label_of(q, n) for n in sm_order(form, q, v))
    if q.base == "select_one":
        return form.label_of(q, v)
    return v


def g_ts(t):
    return t.strftime("%d/%m/%Y %H:%M:%S")


def g_write(rows):
    return csv_minimal(rows, eol="\r\n")[:-2]  # no line end after the last record


def make_google(form, rows, parts, out):
    d = os.path.join(HERE, "google")
    main = [q for q in form.main_items() if q.has_value and q.base not in ("start", "end")]
    order = sorted(rows, key=lambda r: parse_ts(r["end"]))
    out_rows = [["Horodateur"] + [q.label for q in main]]
    for r in order:
        t = parse_ts(r["end"]) + dt.timedelta(seconds=1 + h(r["KEY"], "g") % 5)
        out_rows.append([g_ts(t)] + [g_cell(form, q, r) for q in main])
    write_bytes(os.path.join(d, form.id + ".csv"), g_write(out_rows).encode("utf-8"), out)
    ident = form.by_name[form.ident]
    rep = [q for q in form.repeat_items() if q.has_value]
    out_rows = [["Horodateur", ident.label] + [q.label for q in rep]]
    for r in order:
        for i, p in enumerate(children(parts, r)):
            t = parse_ts(r["end"]) + dt.timedelta(minutes=3 * (i + 1), seconds=h(p["KEY"]) % 50)
            out_rows.append([g_ts(t), r[form.ident]] + [g_cell(form, q, p) for q in rep])
    write_bytes(os.path.join(d, form.id + "-" + form.repeat + ".csv"),
                g_write(out_rows).encode("utf-8"), out)


# ----------------------------------------------------------------------------------------
# 2e. A coordinator's sheet re-saved by Excel on a French Windows (ecole form only).
#     Main: "CSV (séparateur: point-virgule)": Windows-1252, ';', CRLF, quotes only where
#     needed. Partner: "Texte Unicode": UTF-16LE with BOM, tab, CRLF.
#     Some columns hold labels: commune (town name), en_qpv and travaille_avec (Oui/Non),
#     type_ecole (label) in the main file, rythme (label) in the partner file. start/end are
#     date cells shown as jj/mm/aaaa hh:mm.

EXCEL_LABELS = {"commune", "en_qpv", "travaille_avec", "type_ecole", "rythme"}


def x_cell(form, name, row):
    v = row[name]
    if name in ("start", "end"):
        return parse_ts(v).strftime("%d/%m/%Y %H:%M")
    if name in EXCEL_LABELS and v:
        return form.label_of(form.by_name[name], v)
    return v


def make_excel(form, header, rows, pheader, parts, out):
    d = os.path.join(HERE, "excel")
    out_rows = [header] + [[x_cell(form, c, r) if c != "KEY" else r[c] for c in header]
                           for r in rows]
    text = csv_minimal(out_rows, delim=";", eol="\r\n")
    write_bytes(os.path.join(d, form.id + ".csv"), text.encode("cp1252"), out)
    out_rows = [pheader] + [[x_cell(form, c, p) if c not in ("PARENT_KEY", "KEY") else p[c]
                             for c in pheader] for p in parts]
    text = csv_minimal(out_rows, delim="\t", eol="\r\n")
    write_bytes(os.path.join(d, form.id + "-" + form.repeat + ".txt"),
                b"\xff\xfe" + text.encode("utf-16-le"), out)


# ----------------------------------------------------------------------------------------
# 3. Read every dialect back, independently, and compare with plain/.

def rd(data, enc, delim):
    text = data.decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))


def rd_ls(data, delim):
    """LimeSurvey: tell NULL (bare) from '' (quoted) by hand."""
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    recs, i, n = [], 1, len(text)
    row, field, quoted = [], "", False
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while True:
                k = text.index('"', j)
                if k + 1 < n and text[k + 1] == '"':
                    field += text[j:k] + '"'
                    j = k + 2
                    continue
                field += text[j:k]
                i = k + 1
                quoted = True
                break
            continue
        if c == delim or c == "\r":
            row.append(field if quoted else NULL)
            field, quoted = "", False
            if c == "\r":
                assert text[i + 1] == "\n"
                recs.append(row)
                row = []
                i += 2
                continue
            i += 1
            continue
        raise AssertionError("unquoted text in a LimeSurvey file at %d" % i)
    return [r for r in recs if r != [NULL]]


def label_map(form, q):
    return {lab: n for n, lab in form.choices[q.list]}


def split_labels(form, q, cell):
    """Google checkboxes: ', '-joined labels, some with ', ' inside: match known labels."""
    labels = sorted((lab for _, lab in form.choices[q.list]), key=len, reverse=True)
    names, rest = [], cell
    while rest:
        for lab in labels:
            if rest == lab or rest.startswith(lab + ", "):
                names.append(label_map(form, q)[lab])
                rest = rest[len(lab) + 2:] if rest != lab else ""
                break
        else:
            raise AssertionError("cannot split %r" % cell)
    return " ".join(names)


def compare(what, got, want, names):
    for g, w in zip(got, want):
        for k in names:
            if g.get(k, "") != w[k]:
                raise AssertionError("%s: %s differs: %r != %r (%s)" %
                                     (what, k, g.get(k), w[k], w.get("KEY")))
    assert len(got) == len(want), "%s: %d rows, expected %d" % (what, len(got), len(want))


def check_all(out, plain):
    for form_id in FORMS:
        form = Form(form_id)
        (hdr, rows), (phdr, parts) = plain[form_id]
        names = [c for c in hdr if c not in ("start", "end", "KEY")]
        pnames = [c for c in phdr if c not in ("PARENT_KEY", "KEY")]
        key = lambda r: r[form.ident]
        want = sorted(rows, key=key)
        pkey = {r["KEY"]: r[form.ident] for r in rows}
        pwant = sorted(parts, key=lambda p: pkey[p["PARENT_KEY"]])  # stable: keeps positions
        rep = form.repeat

        # kobo
        t = rd(out["kobo/%s.csv" % form_id], "utf-8", ";")
        got = []
        for rec in t[1:]:
            r = dict(zip(t[0], rec))
            g = {q.name: r["/".join(q.path + [q.name])] for q in form.main_items() if q.has_value}
            for q in form.main_items():
                if q.base == "select_multiple":
                    ticks = [n for n, _ in form.choices[q.list]
                             if r["/".join(q.path + [q.name, n])] == "1"]
                    assert " ".join(ticks) == g[q.name]
            got.append(g)
        compare("kobo " + form_id, sorted(got, key=key), want, names)
        uuid_to_ident = {r[form.ident]: None for r in rows}
        uu = {dict(zip(t[0], rec))["_uuid"]: dict(zip(t[0], rec))["/".join(
            form.by_name[form.ident].path + [form.ident])] for rec in t[1:]}
        t = rd(out["kobo/%s-%s.csv" % (form_id, rep)], "utf-8", ";")
        got = []
        for rec in t[1:]:
            r = dict(zip(t[0], rec))
            g = {q.name: r["/".join(q.path + [q.name])] for q in form.repeat_items()
                 if q.has_value}
            g["_parent"] = uu[r["_submission__uuid"]]
            assert r["/".join(form.by_name["type_lien"].path + ["type_lien"])] == type_lien(g)
            got.append(g)
        compare("kobo partners " + form_id, sorted(got, key=lambda g: g["_parent"]), pwant,
                pnames)
        del uuid_to_ident

        # odk
        t = rd(out["odk/%s.csv" % form_id], "utf-8", ",")
        t0, t0rows = t[0], t[1:]
        got = [{q.name: dict(zip(t[0], rec))["-".join(q.path + [q.name])]
                for q in form.main_items() if q.has_value} for rec in t[1:]]
        compare("odk " + form_id, sorted(got, key=key), want, names)
        t = rd(out["odk/%s-%s.csv" % (form_id, rep)], "utf-8", ",")
        got = [dict(zip(t[0], rec)) for rec in t[1:]]
        odk_order = [dict(zip(t0, rec))["KEY"] for rec in t0rows]
        compare("odk partners " + form_id, got,
                [p for k in odk_order for p in parts if p["PARENT_KEY"] == k],
                pnames + ["PARENT_KEY", "KEY"])

        # limesurvey: main through the mapping file, partners by labels
        mp = rd(out["limesurvey/%s.map.csv" % form_id], "utf-8", ";")
        assert mp[0] == ["type", "dans_le_fichier", "variable", "choix", "remarque"]
        colmap, valmap = {}, {}
        for typ, col, var, choice, _ in mp[1:]:
            if typ == "colonne":
                colmap[col] = (var, choice)
            elif typ == "valeur":
                valmap[(var, col)] = choice
        t = rd_ls(out["limesurvey/%s.csv" % form_id], ";")
        assert set(t[0]) == {r[1] for r in mp[1:] if r[0] != "valeur"}, "map covers the file"
        got = []
        for rec in t[1:]:
            g = {}
            for col, v in zip(t[0], rec):
                if col not in colmap:
                    continue
                var, choice = colmap[col]
                if choice:
                    g.setdefault(var, [])
                    if v == "Y":
                        g[var].append(choice)
                elif var not in ("start", "end"):
                    g[var] = "" if v is NULL else valmap.get((var, v), v)
            for q in form.main_items():
                if q.base == "select_multiple":
                    g[q.name] = " ".join(g[q.name])
            got.append(g)
        compare("limesurvey " + form_id, sorted(got, key=key), want, names)
        t = rd_ls(out["limesurvey/%s-%s.csv" % (form_id, rep)], ",")
        by_label = {q.label: q for q in form.items if q.has_value and q.repeat}
        ident_label = form.by_name[form.ident].label
        got = []
        for rec in t[1:]:
            g = {q.name: [] if q.base == "select_multiple" else "" for q in by_label.values()}
            for col, v in zip(t[0], rec):
                if col == ident_label:
                    g["_parent"] = v
                elif col in by_label:
                    q = by_label[col]
                    g[q.name] = "" if v is NULL else (label_map(form, q)[v]
                                                       if q.base == "select_one" else v)
                else:
                    m = re.fullmatch(r"(.*) \[(.*)\]", col)
                    if m and m.group(1) in by_label:
                        q = by_label[m.group(1)]
                        assert v in ("Oui", "Non", "N/A")
                        if v == "Oui":
                            g[q.name].append(label_map(form, q)[m.group(2)])
                    else:
                        assert col in LS_META_FULL, col
            for q in by_label.values():
                if q.base == "select_multiple":
                    g[q.name] = " ".join(g[q.name])
            got.append(g)
        compare("limesurvey partners " + form_id, sorted(got, key=lambda g: g["_parent"]),
                pwant, pnames)

        # google
        t = rd(out["google/%s.csv" % form_id], "utf-8", ",")
        qs = {q.label: q for q in form.main_items() if q.has_value}
        got = []
        for rec in t[1:]:
            g = {}
            for col, v in zip(t[0], rec):
                if col == "Horodateur":
                    continue
                q = qs[col]
                if v and q.base == "select_multiple":
                    v = split_labels(form, q, v)
                elif v and q.base == "select_one":
                    v = label_map(form, q)[v]
                g[q.name] = v
            got.append(g)
        compare("google " + form_id, sorted(got, key=key), want, names)
        t = rd(out["google/%s-%s.csv" % (form_id, rep)], "utf-8", ",")
        got = []
        for rec in t[1:]:
            g = {}
            for col, v in zip(t[0], rec):
                if col == "Horodateur":
                    continue
                if col == ident_label:
                    g["_parent"] = v
                    continue
                q = by_label[col]
                if v and q.base == "select_multiple":
                    v = split_labels(form, q, v)
                elif v and q.base == "select_one":
                    v = label_map(form, q)[v]
                g[q.name] = v
            got.append(g)
        compare("google partners " + form_id, sorted(got, key=lambda g: g["_parent"]), pwant,
                pnames)

        # excel
        if form_id == "ecole":
            t = rd(out["excel/ecole.csv"], "cp1252", ";")
            got = []
            for rec in t[1:]:
                g = dict(zip(t[0], rec))
                for k in EXCEL_LABELS & set(g):
                    if g[k]:
                        g[k] = label_map(form, form.by_name[k])[g[k]]
                got.append(g)
            compare("excel ecole", got, rows, names + ["KEY"])
            data = out["excel/ecole-partenaires.txt"]
            assert data.startswith(b"\xff\xfe")
            t = rd(data[2:], "utf-16-le", "\t")
            got = []
            for rec in t[1:]:
                g = dict(zip(t[0], rec))
                g["rythme"] = label_map(form, form.by_name["rythme"])[g["rythme"]]
                got.append(g)
            compare("excel partners", got, parts, pnames + ["PARENT_KEY", "KEY"])


# ----------------------------------------------------------------------------------------

def main():
    check_only = "--check" in sys.argv[1:]
    out = {}
    make_plain(out)
    plain = load_plain(out)
    for form_id in FORMS:
        form = Form(form_id)
        (hdr, rows), (phdr, parts) = plain[form_id]
        check_plain(form, rows, parts)
        make_kobo(form, rows, parts, out)
        make_odk(form, rows, parts, out)
        make_limesurvey(form, rows, parts, out)
        make_google(form, rows, parts, out)
        if form_id == "ecole":
            make_excel(form, hdr, rows, phdr, parts, out)
    check_all(out, plain)
    differ = []
    for rel, data in sorted(out.items()):
        path = os.path.join(HERE, rel)
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old != data:
            differ.append(rel)
            if not check_only:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
    if check_only and differ:
        print("make_fixtures: these files differ from what the script writes: "
              + ", ".join(differ), file=sys.stderr)
        return 1
    print("make_fixtures: %d files, %s" % (len(out), "checked" if check_only else
                                           "%d rewritten" % len(differ)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
