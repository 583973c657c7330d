#!/usr/bin/env bash
# tools/install-deps.sh as a user with sudo, on a machine that has nothing: every command it
# runs through sudo sees DEBIAN_FRONTEND=noninteractive although sudo resets the environment,
# 'run' installs what building and running need (zlib1g-dev among them, named) and no test
# tool, 'test' adds the test tools and the locale. Fake sudo, apt-get, dpkg-query, locale,
# sed, tee and locale-gen stand in for the real ones: nothing is installed or changed.
. "$(dirname "$0")/lib.bash"
fake="$WORK/bin"
mkdir "$fake"
log="$WORK/log"
# sudo: runs the command with an environment reset as sudo's env_reset does
cat >"$fake/sudo" <<EOF
#!/bin/sh
exec env -i PATH="$fake:/usr/bin:/bin" "\$@"
EOF
for cmd in apt-get sed tee locale-gen localedef; do
  cat >"$fake/$cmd" <<EOF
#!/bin/sh
echo "$cmd frontend=\${DEBIAN_FRONTEND:-unset} \$*" >>"$log"
EOF
done
printf '#!/bin/sh\n[ "$1" = -u ] && echo 1000 || exec /usr/bin/id "$@"\n' >"$fake/id"
printf '#!/bin/sh\nexit 1\n' >"$fake/dpkg-query" # nothing is installed
printf '#!/bin/sh\necho C\necho POSIX\n' >"$fake/locale"
chmod +x "$fake"/*

for set in run test; do
  : >"$log"
  env -u DEBIAN_FRONTEND PATH="$fake:$PATH" bash "$PN_SOURCE_DIR/tools/install-deps.sh" "$set" \
    >/dev/null 2>&1 || fail "install-deps.sh $set failed"
  grep -q "^apt-get frontend=noninteractive update" "$log" ||
    fail "$set: apt-get update did not run non-interactively through sudo: $(cat "$log")"
  install=$(grep "^apt-get frontend=noninteractive install" "$log") ||
    fail "$set: apt-get install did not run non-interactively through sudo: $(cat "$log")"
  for p in build-essential cmake pkg-config libxlsxwriter-dev zlib1g-dev libsqlite3-dev; do
    echo " $install " | grep -q " $p " || fail "$set: $p is not installed by name: $install"
  done
  if [ "$set" = run ]; then
    for p in pspp clang python3-openpyxl libcmocka-dev; do
      echo " $install " | grep -q " $p " && fail "run: installs the test tool $p: $install"
    done
    grep -q "^locale-gen" "$log" && fail "run: generates a locale"
  else
    for p in pspp clang libclang-rt-14-dev python3-openpyxl libcmocka-dev sqlite3 locales \
      universal-ctags; do
      echo " $install " | grep -q " $p " || fail "test: $p is not installed: $install"
    done
    if [ -f /etc/locale.gen ]; then
      grep -q "^locale-gen frontend=noninteractive" "$log" ||
        fail "test: locale-gen did not run non-interactively through sudo: $(cat "$log")"
    else
      grep -q "^localedef frontend=noninteractive" "$log" ||
        fail "test: localedef did not run non-interactively through sudo: $(cat "$log")"
    fi
  fi
done
# every package of the run set is in the test set
bash "$PN_SOURCE_DIR/tools/install-deps.sh" --list run | sort >run.list
bash "$PN_SOURCE_DIR/tools/install-deps.sh" --list test | sort >test.list
[ -z "$(comm -23 run.list test.list)" ] || fail "the test set lacks $(comm -23 run.list test.list)"
echo "install_deps: ok"
