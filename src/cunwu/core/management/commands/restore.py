"""``cunwu restore FILE [--force] [--ignore-key-mismatch]``: replace the database by a backup.

Refuses a backup of another database vendor, one made under another field key (unless
``--ignore-key-mismatch``) and a database that already holds data (unless ``--force``).
Stop the site and the workers before restoring; run ``cunwu migrate`` afterwards when the
program is newer than the backup, and ``cunwu audit verify``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cunwu.core.errors import ApplicationError
from cunwu.core.services.backup import (
    VENDOR_NAMES,
    backup_manifest,
    backup_restore,
    describe_counts,
)


class Command(BaseCommand):
    help = "从备份文件恢复整个数据库（覆盖当前数据库；先停止网站和后台任务）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="cunwu backup 生成的备份文件")
        parser.add_argument(
            "--force", action="store_true", help="目标数据库已有数据时仍然恢复（覆盖全部数据）"
        )
        parser.add_argument(
            "--ignore-key-mismatch",
            action="store_true",
            help="备份时的字段加密密钥与当前不同时仍然恢复（身份证号、电话将无法解密）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        try:
            manifest = backup_manifest(source)
            created = timezone.localtime(manifest.created)
            version = f"，cunwu {manifest.app_version}" if manifest.app_version else ""
            self.stdout.write(
                f"备份 {source}：{created:%Y年%-m月%-d日 %H:%M} 创建{version}，"
                f"{VENDOR_NAMES[manifest.vendor]} 数据库"
            )
            self.stdout.write(f"备份内容：{describe_counts(manifest.counts)}")
            result = backup_restore(
                source=source,
                force=options["force"],
                ignore_key_mismatch=options["ignore_key_mismatch"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已恢复，行数与备份清单一致（共 {len(result.counts)} 张表）")
        if result.unknown_migrations:
            self.stdout.write(
                f"注意：备份来自较新版本的 cunwu（有 {result.unknown_migrations} 个本程序不认识的"
                "数据库迁移），请升级程序后再启动网站"
            )
        elif result.pending_migrations:
            self.stdout.write(
                f"有 {result.pending_migrations} 个数据库迁移尚未应用：请运行 cunwu migrate"
            )
        self.stdout.write("请运行 cunwu audit verify 校验审计链，然后启动网站和后台任务")
