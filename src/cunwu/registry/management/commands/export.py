"""``cunwu export households --region CODE -o FILE [--user USERNAME]``; ``cunwu export template``;
``cunwu export expire [--days 1]``.

The export has the import template's columns (one sheet per village) and is an audit event;
it runs here in the terminal (progress bar on stderr). Without ``--user`` the command line acts
as the system and writes full ID numbers. ``expire`` deletes the files of web exports older
than the given days (they may hold full ID numbers); run it daily from a timer.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.exports import export_count, export_jobs_expire, households_export
from cunwu.registry.imports import acting_user, write_template


class Command(BaseCommand):
    help = "导出户籍人口表格（列同导入模板，可再导入）或导入模板；删除过期的网页导出文件"

    def add_arguments(self, parser: ArgumentParser) -> None:
        what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
        households = what.add_parser("households", help="导出某区划在册的户和家庭成员")
        households.add_argument("--region", required=True, help="区划代码（村、乡镇或县）")
        households.add_argument("-o", "--output", required=True, help="输出的 xlsx 文件")
        households.add_argument("--user", help="以该用户身份导出（按其权限脱敏）；不给时为系统")
        template = what.add_parser("template", help="写出空白导入模板")
        template.add_argument("-o", "--output", required=True, help="输出的 xlsx 文件")
        expire = what.add_parser(
            "expire",
            help="删除过期的网页导出文件（文件含完整身份证号）",
            description="删除超过指定天数的网页导出任务的文件，任务记录保留；适合每日由定时任务运行",
        )
        expire.add_argument("--days", type=int, default=1, help="天数（默认1）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "expire":
            if options["days"] < 1:
                raise CommandError("天数至少为1")
            deleted = export_jobs_expire(older_than=timedelta(days=options["days"]))
            self.stdout.write(f"已删除 {deleted} 个超过{options['days']}天的导出文件")
            return
        output = Path(options["output"])
        if options["what"] == "template":
            write_template(output)
            self.stdout.write(f"已写出导入模板：{output}")
            return
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"区划代码{options['region']}不存在")
        try:
            actor = acting_user(options["user"])
            with tqdm(
                total=export_count(region),
                unit="人",
                desc="导出",
                file=sys.stderr,
                mininterval=0.5,
                dynamic_ncols=True,
            ) as bar:

                def progress(rows: int) -> None:
                    bar.update(rows - bar.n)

                result = households_export(
                    actor=actor, region=region, target=output, progress=progress
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except PermissionDenied as exc:
            raise CommandError(f"用户{options['user']}没有权限导出{region.name}") from exc
        masked = "" if result.full_id else "（身份证号和电话已脱敏）"
        self.stdout.write(
            f"已导出{region.full_name or region.name}：{result.households}户，"
            f"{result.persons}人{masked} → {output}"
        )
