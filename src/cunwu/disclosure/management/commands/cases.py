"""``cunwu cases escalate``: flag cases whose current step is past its deadline to the township
(daily, by cron or a systemd timer; each step is flagged once, safe to run twice or from two
machines at once)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from cunwu.core.cli import date_option
from cunwu.disclosure.services_lists import cases_escalate_due


class Command(BaseCommand):
    help = "办件：逾期未办结的环节报乡镇（escalate）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        escalate = sub.add_parser("escalate", help="逾期的办件报乡镇")
        escalate.add_argument("--today", help="按这一天结算（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = date_option(options.get("today"))
        escalated = cases_escalate_due(today=today)
        self.stdout.write(f"已将 {escalated} 件逾期办件报乡镇")
