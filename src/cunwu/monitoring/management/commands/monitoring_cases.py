"""``cunwu monitoring_cases overdue [--region CODE] [--today YYYY-MM-DD]``: the open
identification and risk-elimination cases past a time limit, one line each (for cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cunwu.core.formatting import format_date
from cunwu.monitoring.selectors.cases import overdue_cases


class Command(BaseCommand):
    help = "列出超时的监测对象识别与风险消除办件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["overdue"])
        parser.add_argument("--region", default="", help="区划代码（村、镇或县）")
        parser.add_argument("--today", default="", help="按该日期判断（YYYY-MM-DD）")

    def handle(self, *args: Any, **options: Any) -> None:
        region = str(options["region"]).strip()
        if region and not (region.isdigit() and len(region) == 12):
            raise CommandError("区划代码应为12位数字")
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("日期应写作 YYYY-MM-DD") from exc
        cases = list(overdue_cases(actor=None, region=region, today=today))
        for c in cases:
            self.stdout.write(
                f"{c.code}\t{c.village_id}\t{c.village.name}\t{c.household.number}\t"
                f"{c.get_kind_display()}\t{c.get_stage_display()}\t"
                f"本环节时限{format_date(c.stage_due_on)}\t办结时限{format_date(c.due_on)}"
            )
        self.stdout.write(f"超时办件 {len(cases)} 件")
