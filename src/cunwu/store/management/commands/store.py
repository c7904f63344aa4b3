"""``cunwu store check [--region CODE]``: every goods' stock equals the sum of its movements;
exit 1 naming each goods where it does not."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.models import Region, code_prefix
from cunwu.store.selectors import stock_mismatches


class Command(BaseCommand):
    help = "爱心超市：check 核对每种商品的库存与库存变动之和"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["check"])
        parser.add_argument("--region", default="", help="只核对该区划（12位代码）下的商品")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = ""
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码{options['region']}不存在")
            prefix = code_prefix(region.code, region.level)
        wrong = stock_mismatches(prefix=prefix)
        for goods, stock, total in wrong:
            self.stderr.write(
                f"{goods.village.name} “{goods.name}”（编号{goods.pk}）：库存{stock}，"
                f"变动合计{total}"
            )
        if wrong:
            raise CommandError(f"库存与变动不符：{len(wrong)}种商品")
        self.stdout.write("库存与变动相符")
