#!/usr/bin/env python3
"""Print PSPP's output tables with every number at full precision.

PSPP rounds figures for display (e.g. "18.21", ".006") but stores the unrounded doubles
in its .spv output. This script runs `pspp -o X.spv FILE.sps`, rewrites the display
format of every numeric cell to F40.16 in the .spv's light tables, and converts the
result to CSV with `pspp-output`, so the figures can be copied into tests/stats/test_stats.c.

Usage: python3 tests/stats/pspp/fullprec.py tests/stats/pspp/crosstab_3x4.sps
"""
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import os

F40_16 = (5 << 16) | (40 << 8) | 16


def cells(spv, member):
    out = subprocess.run(["pspp-output", "dump-light-table", "--members=" + member, spv],
                         capture_output=True, text=True, check=True).stdout
    return [(int(f), x) for f, x in re.findall(r"format: (-?\d+)\n\s*x: (\S+)", out)]


def patch(data, wanted):
    data = bytearray(data)
    pos = 0
    for fmt, x in wanted:
        key = struct.pack("<i", fmt)
        while True:
            p = data.find(key, pos)
            if p < 0:
                sys.exit("cell %s not found" % x)
            (v,) = struct.unpack_from("<d", data, p + 4)
            if "%g" % v == x:
                break
            pos = p + 1
        struct.pack_into("<i", data, p, F40_16)
        pos = p + 12
    return bytes(data)


def main():
    sps = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        spv = os.path.join(tmp, "out.spv")
        subprocess.run(["pspp", "-o", spv, sps], check=True, stdout=subprocess.DEVNULL)
        patched = os.path.join(tmp, "patched.spv")
        with zipfile.ZipFile(spv) as zin, zipfile.ZipFile(patched, "w") as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename.endswith("_lightTableData.bin"):
                    data = patch(data, cells(spv, info.filename))
                zout.writestr(info, data)
        csv = os.path.join(tmp, "out.csv")
        subprocess.run(["pspp-output", "convert", patched, csv], check=True)
        with open(csv) as f:
            sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
