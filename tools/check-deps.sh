#!/usr/bin/env bash
# Check that every library a build links comes from a Debian package that
# tools/install-deps.sh installs by name, so that a fresh machine links too.
#   tools/check-deps.sh [BUILD_DIR...]   (default: every build*/ folder of the source tree)
# Reads each target's CMakeFiles/*.dir/link.txt: the -l flags (found as the compiler finds
# them) and the libraries given by path. The C library and the compiler's own (libc6-dev,
# gcc's) come with build-essential. Prints each library whose package is not named and fails;
# exits 77 (skipped) without dpkg.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
command -v dpkg >/dev/null 2>&1 || { echo "check-deps: no dpkg, nothing checked"; exit 77; }
[ $# -gt 0 ] || set -- "$top"/build*/
mapfile -t named < <(bash "$top/tools/install-deps.sh" --list test)
links=()
for d in "$@"; do
  for f in "$d"/CMakeFiles/*.dir/link.txt; do [ -f "$f" ] && links+=("$f"); done
done
[ ${#links[@]} -gt 0 ] || { echo "check-deps: no link.txt under $*; configure a build first" >&2; exit 1; }
bad=0 n=0
for l in $(cat "${links[@]}" | tr ' ' '\n' | grep -E '^(-l[A-Za-z0-9_+.-]+|/.*\.so(\.[0-9]+)*)$' | sort -u); do
  case $l in -l*) f=$(cc -print-file-name="lib${l#-l}.so") ;; *) f=$l ;; esac
  if [ ! -e "$f" ]; then
    echo "check-deps: $l: no such file '$f'" >&2
    bad=1
    continue
  fi
  # dpkg knows the path it installed, which may differ from the one the compiler prints
  pkg=$(dpkg -S "$f" 2>/dev/null || dpkg -S "$(realpath -s "$f")" 2>/dev/null ||
    dpkg -S "$(readlink -f "$f")" 2>/dev/null || true)
  pkg=$(echo "$pkg" | head -n 1 | cut -d: -f1)
  case $pkg in
    "") echo "check-deps: $l ($f) belongs to no Debian package" >&2; bad=1; continue ;;
    libc6-dev | libgcc* | gcc* | libstdc++*) continue ;;
  esac
  n=$((n + 1))
  # (no pipe into grep -q here: under pipefail, grep leaving early made printf's SIGPIPE a
  # failure now and then, and a named package was reported as not named)
  found=0
  for p in "${named[@]}"; do [ "$p" = "$pkg" ] && found=1; done
  if [ $found -eq 0 ]; then
    echo "check-deps: $l ($f) comes from $pkg, which tools/install-deps.sh does not install by name" >&2
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "check-deps: the $n libraries linked come from packages tools/install-deps.sh installs"
exit $bad
