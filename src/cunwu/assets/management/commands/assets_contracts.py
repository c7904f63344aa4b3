"""``cunwu assets_contracts check`` and ``cunwu assets_contracts remind``: the daily contract
checks (each rule a contract breaks is flagged once and filed in the problem ledger) and the
daily reminders (instalments falling due or overdue, contracts about to expire). Both are
safe to run twice on the same day: nothing is made again."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from cunwu.assets.services.contracts import contracts_check_all, reminders_make
from cunwu.core.cli import date_option


class Command(BaseCommand):
    help = "三资合同：每日合同检查（check）与到期提醒（remind）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="检查全部合同，新发现的问题记入问题台账")
        check.add_argument("--today", help="按这一天检查（YYYY-MM-DD，默认今天）")
        remind = sub.add_parser("remind", help="生成租金到期、逾期和合同到期提醒")
        remind.add_argument("--today", help="按这一天生成（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = date_option(options.get("today"))
        if options["action"] == "check":
            flags = contracts_check_all(today=today)
            self.stdout.write(f"合同检查完成，新记入问题台账 {len(flags)} 个问题")
        else:
            made = reminders_make(today=today)
            self.stdout.write(f"已生成 {made} 条到期提醒")
