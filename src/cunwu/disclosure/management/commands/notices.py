"""``cunwu notices close``: close notices whose disclosure period has ended (daily, by cron or a
systemd timer; safe to run twice or from two machines at once)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from cunwu.core.cli import date_option
from cunwu.disclosure.services import notices_close_due


class Command(BaseCommand):
    help = "公告：结束公示期已满的公告（close）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close", help="结束公示期已满、异议已处理完的公告")
        close.add_argument("--today", help="按这一天结算（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = date_option(options.get("today"))
        closed = notices_close_due(today=today)
        self.stdout.write(f"已结束 {closed} 条公示期满的公告")
