* Cross-tab with an empty row, for tests/stats/test_stats.c (test_crosstab_empty_row).
* panorama shows the empty row (category 3, no case) but leaves it out of df and tests;
* PSPP never sees category 3, so its figures are those of the 3x3 table of the
* non-empty rows, which is what panorama must find.
* Run: pspp crosstab_empty_row.sps, or python3 fullprec.py crosstab_empty_row.sps.
DATA LIST LIST /r c w.
BEGIN DATA
1 1 8
1 2 4
1 3 2
2 1 3
2 2 7
2 3 5
4 1 1
4 2 6
4 3 9
END DATA.
WEIGHT BY w.
CROSSTABS /TABLES=r BY c
  /CELLS=COUNT ROW COLUMN TOTAL EXPECTED ASRESIDUAL
  /STATISTICS=CHISQ PHI.
