#!/usr/bin/env bash
# Install the Debian packages panorama needs, only those missing, and the fr_FR.UTF-8
# locale the tests run under. Uses sudo when not root. Safe to run again.
set -eu

packages=(
  build-essential cmake pkg-config
  # make fuzz: clang and its libFuzzer runtime (-fsanitize=fuzzer), which clang only recommends
  clang libclang-rt-14-dev
  libcsv-dev libsqlite3-dev libgsl-dev libxlsxwriter-dev libutf8proc-dev libcmocka-dev
  sqlite3 python3 python3-openpyxl pspp locales time bc
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$'; then
  echo "install-deps: generating the fr_FR.UTF-8 locale" >&2
  if [ -f /etc/locale.gen ]; then
    $sudo sed -i 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen || echo 'fr_FR.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
    $sudo locale-gen >&2
  else
    $sudo localedef -i fr_FR -f UTF-8 fr_FR.UTF-8
  fi
fi
