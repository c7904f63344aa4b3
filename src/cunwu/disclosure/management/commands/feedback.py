"""``cunwu feedback escalate``: flag open feedback past its reply or resolution deadline, so that
the township's discipline inspection sees it (daily, by cron or a systemd timer; safe to run
twice or from two machines at once)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from cunwu.core.cli import date_option
from cunwu.disclosure.services_feedback import feedback_escalate_due


class Command(BaseCommand):
    help = "意见投诉：逾期未回复或未办结的转乡镇纪检（escalate）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        escalate = sub.add_parser("escalate", help="逾期未回复、未办结的事项转乡镇纪检")
        escalate.add_argument("--today", help="按这一天结算（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = date_option(options.get("today"))
        escalated = feedback_escalate_due(today=today)
        self.stdout.write(f"已将 {escalated} 件逾期事项转乡镇纪检")
