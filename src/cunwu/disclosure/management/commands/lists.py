"""``cunwu lists seed --county CODE``: load the example county template of the four lists
(四清单) into a county (items already there are left alone; the examples are marked as such,
to be adjusted to local rules)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.disclosure.services_lists import list_seed


class Command(BaseCommand):
    help = "四清单：载入县级示例模板（seed）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="载入县级四清单示例模板")
        seed.add_argument("--county", required=True, help="县级区划代码（6位或12位）")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["county"].strip()
        code = code + "000000" if len(code) == 6 else code
        county = Region.objects.filter(code=code).first()
        if county is None:
            raise CommandError(f"区划“{options['county']}”不存在，请先导入行政区划")
        try:
            added = list_seed(county=county)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已为{county.name}载入 {added} 个清单事项（示例，请按本地实际调整）")
