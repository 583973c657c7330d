* 2x2 cross-tab for tests/stats/test_stats.c (test_crosstab_2x2).
* Run: pspp crosstab_2x2.sps, or python3 fullprec.py crosstab_2x2.sps for all digits.
DATA LIST LIST /r c w.
BEGIN DATA
1 1 12
1 2 5
2 1 3
2 2 10
END DATA.
WEIGHT BY w.
CROSSTABS /TABLES=r BY c
  /CELLS=COUNT ROW COLUMN TOTAL EXPECTED ASRESIDUAL
  /STATISTICS=CHISQ PHI.
