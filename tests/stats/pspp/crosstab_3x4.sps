* 3x4 cross-tab for tests/stats/test_stats.c (test_crosstab_3x4).
* Run: pspp crosstab_3x4.sps, or python3 fullprec.py crosstab_3x4.sps for all digits.
DATA LIST LIST /r c w.
BEGIN DATA
1 1 12
1 2 5
1 3 7
1 4 3
2 1 4
2 2 9
2 3 6
2 4 8
3 1 2
3 2 3
3 3 10
3 4 11
END DATA.
WEIGHT BY w.
CROSSTABS /TABLES=r BY c
  /CELLS=COUNT ROW COLUMN TOTAL EXPECTED ASRESIDUAL
  /STATISTICS=CHISQ PHI.
