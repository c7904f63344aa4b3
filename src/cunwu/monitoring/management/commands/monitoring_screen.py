"""``cunwu monitoring_screen --region CODE --year YYYY [--user USERNAME]``: the registry and
department-data screening of a region for a year; prints the new alerts by kind.
Without ``--user`` the command line acts as the system (no permission check)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring.models import AlertKind
from cunwu.monitoring.services.screening import screening_run
from cunwu.registry.imports import acting_user


class Command(BaseCommand):
    help = "防返贫监测筛查：按年度收入、劳动能力和部门数据生成预警（可重复运行，不重复预警）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--region", required=True, help="筛查范围（12位区划代码）")
        parser.add_argument("--year", required=True, type=int, help="收入年度，如 2025")
        parser.add_argument("--user", help="以该用户身份运行（检查其权限）；不给时为系统")

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"区划{options['region']}不存在")
        try:
            actor = acting_user(options.get("user"))
            run = screening_run(actor=actor, region=region, year=options["year"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "没有权限") from None
        labels = dict(AlertKind.choices)
        self.stdout.write(
            f"筛查{region.name} {run.year}年：{run.households}户，新增预警{run.alerts_created}条"
        )
        for kind, n in sorted((run.counts or {}).items()):
            self.stdout.write(f"  {labels.get(kind, kind)}：{n}")
