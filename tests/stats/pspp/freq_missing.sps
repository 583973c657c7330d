* Frequency table with missing answers, for tests/stats/test_stats.c (test_freq_pspp).
* 9 = relevant but unanswered (panorama's "Non-réponse" row).
* Run: pspp freq_missing.sps, or python3 fullprec.py freq_missing.sps for all digits.
DATA LIST LIST /q w.
BEGIN DATA
1 7
2 12
3 5
4 9
9 4
END DATA.
MISSING VALUES q (9).
WEIGHT BY w.
FREQUENCIES /VARIABLES=q /FORMAT=AVALUE.
