"""``cunwu holidays import FILE --year 2027`` and ``cunwu holidays show 2027``.

``import`` replaces the year's entered arrangement by the CSV (``日期,类型,名称``, see
:mod:`cunwu.core.holidayfile`); on any problem it prints each one with its line number, exits
with status 1 and changes nothing. The audit event goes to the chain of the widest region in
the database (the deployment's province or county), with the system as actor.
``show`` prints the year's holidays and make-up workdays and where they come from.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.holidayfile import decode, read_holiday_csv
from cunwu.core.models import Region
from cunwu.core.services.holidays import check_year, cn_day, holiday_year_set
from cunwu.core.workdays import year_calendar, year_special_days

SOURCE_LABELS = {
    "builtin": "内置数据（chinese-calendar）",
    "entered": "已录入",
    "unknown": "未知（尚未录入，按双休日计算）",
}


def _system(actor: Any, perm: str, region: Region, /) -> None:
    """The command line is the server's operator: no role check."""


class Command(BaseCommand):
    help = "节假日安排：import 从CSV录入某年的放假与调休上班日期，show 显示某年的安排"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser(
            "import",
            help="从CSV（日期,类型,名称）录入一年的安排，替换该年已录入的日期",
            description="CSV每行：日期,类型,名称；类型为“放假”或“上班”。有任何错误时不做改动。",
        )
        load.add_argument("file", help="CSV文件（UTF-8或GBK）")
        load.add_argument("--year", type=int, required=True, help="年份，如 2027")
        load.add_argument("--note", default="", help="依据，如 国办发明电〔2026〕×号")
        show = actions.add_parser("show", help="显示某年的放假与调休上班日期")
        show.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "import":
                self._import(Path(options["file"]), options["year"], options["note"])
            else:
                self._show(options["year"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _import(self, path: Path, year: int, note: str) -> None:
        check_year(year)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件{path}：{exc.strerror}") from exc
        parsed = read_holiday_csv(decode(data), year=year)
        if parsed.problems:
            for message in parsed.messages():
                self.stderr.write(message)
            raise CommandError(f"{path}有{len(parsed.problems)}处错误，未做任何改动")
        region = Region.objects.filter(parent__isnull=True).order_by("level", "code").first()
        if region is None:
            raise CommandError("请先导入行政区划（cunwu regions import）")
        result = holiday_year_set(
            actor=None,
            region=region,
            year=year,
            days=parsed.entries,
            note=note,
            authorize=_system,
        )
        if result.changed:
            self.stdout.write(
                f"已录入{year}年：放假 {result.holidays} 天，调休上班 {result.workdays} 天"
            )
        else:
            self.stdout.write(f"{year}年的安排与文件相同，未做改动")

    def _show(self, year: int) -> None:
        check_year(year)
        calendar = year_calendar(year)
        self.stdout.write(f"{year}年 来源：{SOURCE_LABELS[calendar.source]}")
        if calendar.note:
            self.stdout.write(f"依据：{calendar.note}")
        for day in year_special_days(year):
            origin = "录入" if day.source == "entered" else "内置"
            self.stdout.write(f"{cn_day(day.date)}\t{day.kind_label}\t{day.name}\t{origin}")
