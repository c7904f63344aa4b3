"""``cunwu monitoring_import FILE --department medical --region CODE --user NAME``: a
department's file (xlsx/csv) matched to the registry; prints the counts, writes the row-by-row
report beside the file (``FILE.errors.xlsx``) when rows were invalid, unmatched or duplicate."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring import sheets_screening as sheets
from cunwu.monitoring.services.screening import department_import
from cunwu.registry.imports import acting_user


class Command(BaseCommand):
    help = "导入部门数据（医保、民政、残联、教育、住建、人社、应急管理、水利）并生成预警"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="xlsx 或 csv 文件")
        parser.add_argument("--department", required=True, choices=sorted(sheets.TEMPLATES))
        parser.add_argument("--region", required=True, help="数据范围（12位区划代码）")
        parser.add_argument("--user", required=True, help="以该用户身份导入（检查其权限）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件{path}不存在")
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"区划{options['region']}不存在")
        try:
            actor = acting_user(options["user"])
            result = department_import(
                actor=actor, department=options["department"], region=region,
                name=path.name, data=path.read_bytes(),
            )  # fmt: skip
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "没有权限") from None
        if result.status != "done":
            message = result.errors[0][2] if result.errors else "导入失败"
            raise CommandError(message)
        self.stdout.write(
            f"共{result.total_rows}行：匹配{result.matched_rows}，未匹配{result.unmatched_rows}，"
            f"错误{result.invalid_rows}，重复{result.duplicate_rows}；新增预警{result.alerts_created}条"
        )
        if result.errors:
            report = path.with_name(path.name + ".errors.xlsx")
            if result.error_report:
                with result.error_report.open("rb") as fh:
                    report.write_bytes(fh.read())
            else:
                report.write_bytes(sheets.error_report_bytes(tuple(e) for e in result.errors))
            self.stdout.write(f"逐行说明见 {report}")
