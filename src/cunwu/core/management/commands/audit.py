"""``cunwu audit verify [--region CODE]``: recompute the hash chains; exit 1 at the first break."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.models import Region, code_prefix
from cunwu.core.services.audit import audit_verify


class Command(BaseCommand):
    help = "审计链：verify 重新计算哈希链，指出第一处断裂"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--region", default="", help="只校验该区划（12位代码）下的审计链")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = ""
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码{options['region']}不存在")
            prefix = code_prefix(region.code, region.level)
        checked, broken = audit_verify(prefix=prefix)
        if broken is not None:
            raise CommandError(f"审计链断裂：{broken}（已检查 {checked} 条）")
        self.stdout.write(f"审计链完整：已检查 {checked} 条事件")
