"""``cunwu import households FILE --village CODE [--dry-run] [--user USERNAME]``.

Checks every row (progress bar on stderr), then imports all rows in one transaction, or none.
On errors: the first ones on stderr, the full report in ``FILE.errors.xlsx``, exit status 1.
Without ``--user`` the command line acts as the system (no permission check, actor “系统”).
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
from cunwu.registry.imports import (
    acting_user,
    describe_error,
    estimate_rows,
    households_check,
    households_import,
    import_jobs_expire,
    write_error_report,
)

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "导入户籍人口表格（xlsx/csv）：先校验全部行，全部正确才导入（全有或全无）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
        households = what.add_parser(
            "households",
            help="导入户和家庭成员（每行一人，列同导入模板）",
            description="导入户和家庭成员（每行一人，列同导入模板）。"
            "有错误时在文件旁写出“文件名.errors.xlsx”并以状态1退出",
        )
        households.add_argument("file", help="xlsx 或 csv 文件（UTF-8 或 GBK）")
        households.add_argument("--village", required=True, help="导入到该村（12位区划代码）")
        households.add_argument("--dry-run", action="store_true", help="只校验，不导入")
        households.add_argument("--user", help="以该用户身份导入（检查其权限）；不给时为系统")
        households.add_argument(
            "--create-groups", action="store_true", help="自动创建表中出现的新村民小组"
        )

        expire = what.add_parser(
            "expire",
            help="删除长期未确认的导入任务的上传文件（文件含完整身份证号）",
            description="删除超过指定天数仍未确认（或失败）的导入任务的上传文件，任务关闭；"
            "适合每日由定时任务运行",
        )
        expire.add_argument("--days", type=int, default=7, help="天数（默认7）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "expire":
            if options["days"] < 1:
                raise CommandError("天数至少为1")
            closed = import_jobs_expire(older_than=timedelta(days=options["days"]))
            self.stdout.write(f"已关闭 {closed} 个超过{options['days']}天未确认的导入任务")
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件{path}")
        village = Region.objects.filter(code=options["village"]).first()
        if village is None:
            raise CommandError(f"区划代码{options['village']}不存在")
        try:
            actor = acting_user(options["user"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        dry_run: bool = options["dry_run"]
        run = households_check if dry_run else households_import
        try:
            with tqdm(
                total=estimate_rows(path),
                unit="行",
                desc="校验" if dry_run else "导入",
                file=sys.stderr,
                mininterval=0.5,
                dynamic_ncols=True,
            ) as bar:

                def progress(rows: int) -> None:
                    if rows < bar.n:  # the import met an error and checks the file again
                        bar.reset()
                        bar.set_description("校验")
                    bar.update(rows - bar.n)

                result = run(
                    actor=actor,
                    village=village,
                    path=path,
                    create_groups=options["create_groups"],
                    progress=progress,
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except PermissionDenied as exc:
            raise CommandError(f"用户{actor}没有权限导入{village.name}") from exc
        if result.ok:
            self.stdout.write(f"{village.full_name}：{result.summary()}")
            return
        for error in result.errors[:SHOWN_ERRORS]:
            self.stderr.write(describe_error(error))
        if result.error_count > SHOWN_ERRORS:
            self.stderr.write(f"……共{result.error_count}处错误")
        report = path.with_name(path.name + ".errors.xlsx")
        write_error_report(result.errors, report)
        raise CommandError(f"{result.summary()}；完整错误报告：{report}")
