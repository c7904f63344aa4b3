"""The CSV an admin pastes or uploads for a year's holiday arrangement.

```
日期,类型,名称
2027-01-01,放假,元旦
2027-02-07,上班,春节
```

The header line is optional; 类型 is 放假 or 上班 (also 休、调休上班、补班, holiday, workday);
名称 may be empty. Dates as 2027-01-01, 2027/1/1, 2027.1.1 or 2027年1月1日; full-width digits
and commas are read as ASCII. Files may be UTF-8 (with or without BOM) or GBK/GB18030, as
Excel saves them. Every problem is reported with the line it is on, and nothing is entered
while any remains.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from cunwu.core.errors import ApplicationError
from cunwu.core.services.holidays import DayEntry, holiday_days_problems
from cunwu.core.workdays import HOLIDAY, WORKDAY

MAX_BYTES = 64 * 1024
MAX_LINES = 500

KINDS: dict[str, str] = {
    "放假": HOLIDAY,
    "休": HOLIDAY,
    "假": HOLIDAY,
    "休息": HOLIDAY,
    "holiday": HOLIDAY,
    "上班": WORKDAY,
    "班": WORKDAY,
    "调休上班": WORKDAY,
    "补班": WORKDAY,
    "workday": WORKDAY,
}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，／－．", "0123456789,/-.")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass
class HolidayFile:
    """The entries read from a file, the line each came from, and the problems by line."""

    entries: list[DayEntry] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def messages(self) -> list[str]:
        return [f"第{line}行：{message}" for line, message in self.problems]


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030 (a superset of GBK, as Excel on Chinese Windows saves)."""
    if len(data) > MAX_BYTES:
        raise ApplicationError("holiday_file_large", "文件过大（至多64KB）", field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(
        "holiday_file_encoding", "无法识别文件编码，请另存为UTF-8的CSV文件", field="file"
    )


def _date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def read_holiday_csv(text: str, *, year: int) -> HolidayFile:
    """Read ``text`` as the arrangement of ``year``; problems carry 1-based line numbers."""
    result = HolidayFile()
    if "\x00" in text:
        result.problems.append((1, "文件含有空字符，不是文本文件"))
        return result
    reader = csv.reader(io.StringIO(text.translate(_FULL_WIDTH)))
    first = True
    try:
        for raw in reader:
            line = reader.line_num
            cells = [c.strip() for c in raw]
            while cells and not cells[-1]:
                cells.pop()
            if not cells or cells[0].startswith("#"):
                continue
            if first and cells[0] == "日期":
                first = False
                continue
            first = False
            if line > MAX_LINES:
                result.problems.append((line, f"行数过多（至多{MAX_LINES}行）"))
                break
            if len(cells) < 2 or len(cells) > 3:
                result.problems.append((line, "应为三列：日期,类型,名称"))
                continue
            d = _date(cells[0])
            kind = KINDS.get(cells[1].lower())
            if d is None:
                result.problems.append((line, f"日期“{cells[0]}”无法识别，应写作{year}-01-01"))
            if kind is None:
                result.problems.append((line, f"类型“{cells[1]}”应为“放假”或“上班”"))
            if d is None or kind is None:
                continue
            result.entries.append(DayEntry(d, kind, cells[2] if len(cells) > 2 else ""))
            result.lines.append(line)
    except csv.Error as exc:
        result.problems.append((reader.line_num, f"CSV格式有误（{exc}）"))
    if not result.entries and not result.problems:
        result.problems.append((1, "没有读到任何日期"))
    for problem in holiday_days_problems(year=year, days=result.entries):
        message = problem.message
        if problem.index < len(result.lines):
            line = result.lines[problem.index]
            # "与第3项冲突" → "与第5行冲突": the other entry by its line too
            message = re.sub(r"第(\d+)项", lambda m: f"第{result.lines[int(m[1]) - 1]}行", message)
        else:
            line = result.lines[-1] if result.lines else 1
        result.problems.append((line, message))
    result.problems.sort(key=lambda p: p[0])
    return result


def holiday_csv(entries: list[tuple[date, str, str]]) -> str:
    """Entries as the CSV this module reads (for editing what was entered)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["日期", "类型", "名称"])
    for d, kind, name in entries:
        writer.writerow([d.isoformat(), "放假" if kind == HOLIDAY else "上班", name])
    return out.getvalue()
