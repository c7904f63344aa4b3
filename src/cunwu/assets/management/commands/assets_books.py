"""``cunwu assets_books check [--region CODE]``: the fund journal's books are whole.

Balances are not cached (an account's balance is always the sum of its posted entries), so
what can drift is what was kept: each month-end close's figures must still equal a
recomputation from the entries, and each village month's voucher counter must equal the
number of its posted entries (numbers without gaps). Exit 1 naming what differs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.db.models.functions import ExtractMonth, ExtractYear

from cunwu.assets.models import EntryStatus, JournalEntry, VoucherCounter
from cunwu.assets.selectors.journal import figures_mismatches
from cunwu.core.models import Region, code_prefix


def voucher_mismatches(prefix: str) -> list[tuple[str, int, int, int, int]]:
    """(village, year, month, counter, posted) where the counter and the posted count differ."""
    posted = {
        (r["village_id"], r["y"], r["m"]): r["n"]
        for r in JournalEntry.objects.filter(
            village__code__startswith=prefix, status=EntryStatus.POSTED
        )
        .annotate(y=ExtractYear("date"), m=ExtractMonth("date"))
        .values("village_id", "y", "m")
        .annotate(n=Count("pk"))
    }
    counters = {
        (c.village_id, c.year, c.month): c.last
        for c in VoucherCounter.objects.filter(village__code__startswith=prefix)
    }
    out = []
    for key in sorted(set(posted) | set(counters)):
        last, n = counters.get(key, 0), posted.get(key, 0)
        if last != n:
            out.append((key[0], key[1], key[2], last, n))
    return out


class Command(BaseCommand):
    help = "资金收支：check 核对月结数据与收支记录、凭证号与已记账笔数"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["check"])
        parser.add_argument("--region", default="", help="只核对该区划（12位代码）下的账")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = ""
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码{options['region']}不存在")
            prefix = code_prefix(region.code, region.level)
        wrong = 0
        for close, accounts in figures_mismatches(prefix=prefix):
            wrong += 1
            self.stderr.write(
                f"{close.village.name} {close.year}年{close.month}月：月结数据与收支记录不符"
                f"（账户：{'、'.join(accounts)}）"
            )
        for village, year, month, last, n in voucher_mismatches(prefix):
            wrong += 1
            self.stderr.write(f"{village} {year}年{month}月：凭证号已编到{last}，已记账{n}笔")
        if wrong:
            raise CommandError(f"资金账目不符：{wrong}处")
        self.stdout.write("资金账目相符")
