#!/usr/bin/env python3
"""The demo report's 11 tables and a workbook, written with pandas and XlsxWriter.

    bench/pandas_report.py FORMS_DIR DATA_DIR OUT.xlsx

What `make bench` sets beside panorama: the same exports (DATA_DIR: the centres' and the
schools' answers and their partners, as pn-generate writes them), read with pandas, the same
tables counted (reports/demo.csv: the links' class, by commune and by QPV; their rhythm,
formalisation, depth, schemes, satisfaction; the structures' obstacles, success factors and
whether they work with the other network), the cover's counts (links, distinct pairs, pairs
reported by both sides) and one sheet per table with a native chart. The rules panorama reads
from the forms are written here by hand: the class of a link (the `type_lien` calculation),
and that a link described as `aucun` has no formalisation, depth or scheme (not applicable,
outside the base). Labels come from the forms' choice lists. No row check, no rejects, no
test p-values (chi-square and Cramér's V only): a lower bound for what panorama does.
"""
import csv
import sys

import numpy as np
import pandas as pd

FORMS, DATA, OUT = sys.argv[1:4]
Z = 1.959963984540054  # the 97.5th percentile of the normal law: 95 % Wilson intervals


def read_form(form_id):
    """The questions' labels and lists, and each list's choices (name -> label), of a form."""
    questions, lists, sheet, head = {}, {}, None, None
    with open(f"{FORMS}/{form_id}.csv", encoding="utf-8") as f:
        for row in csv.reader(f):
            if row and row[0] in ("survey", "choices", "settings"):
                sheet, head = row[0], None
                continue
            if head is None:
                head = {name: i for i, name in enumerate(row)}
                continue
            cell = lambda name: row[head[name]] if head.get(name, 99) < len(row) else ""
            if sheet == "survey" and cell("name"):
                kind = cell("type").split()
                questions[cell("name")] = (cell("label"), kind[1] if len(kind) > 1 else None)
            elif sheet == "choices" and cell("list_name"):
                lists.setdefault(cell("list_name"), {})[cell("name")] = cell("label")
    return questions, lists


QUESTIONS, LISTS = read_form("centre_social")
for name, (label, lst) in read_form("ecole")[0].items():
    QUESTIONS.setdefault(name, (label, lst))
LISTS.update({k: v for k, v in read_form("ecole")[1].items() if k not in LISTS})


def read(name, cols):
    return pd.read_csv(f"{DATA}/{name}.csv", dtype=str, keep_default_na=False, usecols=cols)


SUBS = ["KEY", "commune", "en_qpv", "travaille_avec", "freins", "facteurs"]
ENTRIES = ["PARENT_KEY", "partenaire_id", "rythme", "formalisation", "profondeur",
           "dispositifs", "satisfaction"]
centres = read("centre_social", SUBS + ["siret"])
schools = read("ecole", SUBS + ["uai"])
links = []
for subs, name, own, side in ((centres, "centre_social", "siret", "centre"),
                              (schools, "ecole", "uai", "ecole")):
    e = read(f"{name}-partenaires", ENTRIES).merge(
        subs[["KEY", own, "commune", "en_qpv"]], left_on="PARENT_KEY", right_on="KEY")
    e["side"] = side
    e["centre"], e["school"] = (e[own], e["partenaire_id"]) if side == "centre" else \
        (e["partenaire_id"], e[own])
    links.append(e)
links = pd.concat(links, ignore_index=True)
structures = pd.concat([centres, schools], ignore_index=True)

# a link described as `aucun` has no formalisation, depth or scheme: not applicable
none = links["rythme"] == "aucun"
for q in ("formalisation", "profondeur", "dispositifs"):
    links[q] = links[q].where(~none, None)
# the class of a link, as the forms' type_lien calculation writes it
disp = links["dispositifs"].fillna("")
links["type_lien"] = np.select(
    [none, links["formalisation"].isin(["convention", "projet_ecrit"]),
     (disp != "") & ~disp.str.split().apply(lambda s: "aucun" in s),
     links["rythme"] == "regulier"],
    ["aucun", "partenariat_formalise", "dispositif", "cooperation_reguliere"], "ponctuel")
QUESTIONS["type_lien"] = ("Type de lien", "type_lien")  # a calculate's list has its name


def categories(var, seen):
    listed = LISTS.get(QUESTIONS[var][1] or "", {})
    return list(listed) + sorted(set(seen) - set(listed)), listed


def wilson(k, n):
    p = k / n
    d = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / d
    h = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return 100 * (c - h), 100 * (c + h)


def freq(units, var):
    v = units[var].dropna()
    answered = v[v != ""]
    counts = answered.value_counts()
    cats, labels = categories(var, counts.index)
    n = counts.reindex(cats, fill_value=0)
    total, valid = len(v), len(answered)
    lo, hi = wilson(n.values, valid) if valid else (n * np.nan, n * np.nan)
    t = pd.DataFrame({"Modalité": [labels.get(c, c) for c in cats], "Effectif": n.values,
                      "%": 100 * n.values / total, "% valide": 100 * n.values / valid,
                      "IC 95 % bas": lo, "IC 95 % haut": hi})
    t.loc[len(t)] = ["Non-réponse", total - valid, 100 * (total - valid) / total,
                     np.nan, np.nan, np.nan]
    t.loc[len(t)] = ["Total", total, 100.0, 100.0, np.nan, np.nan]
    return t


def multi(units, var):
    v = units[var].dropna()
    ticked = v.str.split()
    respondents = int((ticked.str.len() > 0).sum())
    counts = ticked.explode().dropna().value_counts()
    cats, labels = categories(var, counts.index)
    n = counts.reindex(cats, fill_value=0)
    t = pd.DataFrame({"Modalité": [labels.get(c, c) for c in cats], "Effectif": n.values,
                      "% des réponses": 100 * n.values / n.sum(),
                      "% des répondants": 100 * n.values / respondents})
    t.loc[len(t)] = ["Total", n.sum(), 100.0, 100 * n.sum() / respondents]
    t.loc[len(t)] = ["Répondants", respondents, np.nan, np.nan]
    t.loc[len(t)] = ["Non-réponse", len(v) - respondents, np.nan, np.nan]
    return t


def crosstab(units, var, by):
    u = units[(units[var].fillna("") != "") & (units[by].fillna("") != "")]
    x = pd.crosstab(u[var], u[by])
    rows, rl = categories(var, x.index)
    cols, cl = categories(by, x.columns)
    x = x.reindex(index=rows, columns=cols, fill_value=0)
    obs = x.values.astype(float)
    expected = np.outer(obs.sum(1), obs.sum(0)) / obs.sum()
    keep = expected > 0
    chi2 = float(((obs - expected)[keep] ** 2 / expected[keep]).sum())
    r = int((obs.sum(1) > 0).sum())
    c = int((obs.sum(0) > 0).sum())
    v = np.sqrt(chi2 / (obs.sum() * max(1, min(r, c) - 1)))
    t = x.rename(index=rl, columns=cl)
    t["Total"] = t.sum(axis=1)
    t.loc["Total"] = t.sum()
    pct = 100 * t.div(t["Total"], axis=0)
    return pd.concat({"Effectif": t, "% en ligne": pct}, axis=1), chi2, v


TABLES = [  # sheet, units, var, by, chart (reports/demo.csv)
    ("Types de liens", links, "type_lien", None, "pie"),
    ("Liens par commune", links, "type_lien", "commune", "column"),
    ("Liens et QPV", links, "type_lien", "en_qpv", "column"),
    ("Rythme", links, "rythme", None, "column"),
    ("Formalisation", links, "formalisation", None, "bar"),
    ("Profondeur", links, "profondeur", None, "column"),
    ("Dispositifs", links, "dispositifs", None, "bar"),
    ("Freins", structures, "freins", None, "bar"),
    ("Facteurs de réussite", structures, "facteurs", None, "bar"),
    ("Travail avec l'autre réseau", None, "travaille_avec", None, "pie"),  # one per network
    ("Satisfaction", links, "satisfaction", None, "column"),
]

pairs = links.groupby(["centre", "school"])["side"].nunique()
cover = pd.DataFrame({"Indicateur": [
    "Centres sociaux répondants", "Écoles répondantes", "Communes représentées",
    "Liens déclarés", "Paires centre social – école distinctes",
    "Dyades (lien déclaré par les deux partenaires)"], "Valeur": [
    len(centres), len(schools), structures.loc[structures["commune"] != "", "commune"].nunique(),
    len(links), len(pairs), int((pairs == 2).sum())]})

with pd.ExcelWriter(OUT, engine="xlsxwriter") as xl:
    cover.to_excel(xl, sheet_name="Sommaire", index=False)
    book = xl.book
    for sheet, units, var, by, kind in TABLES:
        if by:
            t, chi2, v = crosstab(units, var, by)
            t.to_excel(xl, sheet_name=sheet, startrow=2)
            ws = xl.sheets[sheet]
            ws.write(len(t) + 6, 0, f"Khi-deux = {chi2:.3f} ; V de Cramér = {v:.3f}")
            ncols = (t.shape[1] // 2) - 1
            chart = book.add_chart({"type": kind, "subtype": "percent_stacked"})
            for j in range(ncols):
                chart.add_series({"name": [sheet, 3, 1 + j],
                                  "categories": [sheet, 5, 0, 5 + len(t) - 2, 0],
                                  "values": [sheet, 5, 1 + j, 5 + len(t) - 2, 1 + j]})
        elif units is None:  # the forms ask it differently: one table per network
            for at, (network, subs) in enumerate((("Centres sociaux", centres),
                                                  ("Écoles", schools))):
                t = freq(subs, var)
                t.to_excel(xl, sheet_name=sheet, startrow=2 + at * (len(t) + 3), index=False)
                xl.sheets[sheet].write(1 + at * (len(t) + 3), 0, network)
            ws = xl.sheets[sheet]
            chart = book.add_chart({"type": kind})
            chart.add_series({"categories": [sheet, 3, 0, len(t), 0],
                              "values": [sheet, 3, 1, len(t), 1]})
        else:
            is_multi = var in ("dispositifs", "freins", "facteurs")
            t = (multi if is_multi else freq)(units, var)
            t.to_excel(xl, sheet_name=sheet, startrow=2, index=False)
            ws = xl.sheets[sheet]
            k = len(t) - (3 if is_multi else 2)
            chart = book.add_chart({"type": kind})
            chart.add_series({"categories": [sheet, 3, 0, 2 + k, 0],
                              "values": [sheet, 3, 3 if is_multi else 1, 2 + k,
                                         3 if is_multi else 1]})
        ws.write(0, 0, f"{QUESTIONS[var][0]} ({var})")
        ws.insert_chart(2, t.shape[1] + 3, chart)
print(f"pandas: wrote {OUT}: {len(TABLES)} tables, {len(links)} links, {len(pairs)} pairs")
