* Cohen's kappa for tests/stats/test_stats.c (test_agreement_kappa): the class of the link
* (type_lien) as the centre (r) and the school (c) give it, for the 350 pairs of the bundled
* examples that both sides report. Codes in the form's order: 1 aucun, 2 ponctuel,
* 3 cooperation_reguliere, 4 dispositif, 5 partenariat_formalise.
* Run: pspp kappa_5x5.sps, or python3 fullprec.py kappa_5x5.sps for all digits.
DATA LIST LIST /r c w.
BEGIN DATA
1 1 16
1 2 4
1 3 2
1 4 4
1 5 4
2 1 3
2 2 23
2 3 9
2 4 5
2 5 2
3 2 12
3 3 29
3 4 9
3 5 5
4 1 4
4 2 5
4 3 5
4 4 93
4 5 12
5 2 6
5 3 5
5 4 10
5 5 83
END DATA.
WEIGHT BY w.
CROSSTABS /TABLES=r BY c
  /CELLS=COUNT
  /STATISTICS=KAPPA.
