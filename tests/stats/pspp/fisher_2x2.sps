* 2x2 cross-tab with unequal margins, for the Fisher exact test in
* tests/stats/test_stats.c (test_fisher_pspp). No other table with these margins is
* exactly as likely as the observed one, so PSPP's two-sided p and R's agree here.
* Run: pspp fisher_2x2.sps, or python3 fullprec.py fisher_2x2.sps for all digits.
DATA LIST LIST /r c w.
BEGIN DATA
1 1 10
1 2 2
2 1 3
2 2 15
END DATA.
WEIGHT BY w.
CROSSTABS /TABLES=r BY c /CELLS=COUNT /STATISTICS=CHISQ PHI.
