#!/usr/bin/env bash
# The bundled examples are what the deterministic generator writes: same bytes every time.
. "$(dirname "$0")/lib.bash"
: "${PN_GENERATE:?PN_GENERATE is set by ctest}"
mkdir gen nat
"$PN_GENERATE" examples gen >/dev/null 2>&1 || fail "pn-generate examples failed"
for f in centre_social.csv centre_social-partenaires.csv ecole.csv ecole-partenaires.csv \
  annuaire.csv centres.csv qpv.csv sirene.csv; do
  cmp -s "gen/$f" "$EX/$f" || fail "examples/$f is not what tools/generate.c writes; run 'make examples'"
done
# a small national run: every identifier valid, every row imported, no reject
"$PN_GENERATE" national nat 2000 >/dev/null 2>&1 || fail "pn-generate national failed"
"$PN_BIN" --db n.db init >/dev/null
"$PN_BIN" --db n.db import --form centre_social nat/centre_social.csv nat/centre_social-partenaires.csv >/dev/null 2>&1
"$PN_BIN" --db n.db import --form ecole nat/ecole.csv nat/ecole-partenaires.csv >/dev/null 2>&1
[ "$(sqlite3 n.db 'SELECT count(*) FROM links')" = 2000 ] || fail "national: expected 2000 links"
[ "$(sqlite3 n.db 'SELECT count(*) FROM rejects')" = 0 ] || fail "national: rows were rejected"
echo "examples: ok"
