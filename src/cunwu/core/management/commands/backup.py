"""``cunwu backup -o FILE``: back up the whole database into one file.

SQLite through its online backup API, PostgreSQL through ``pg_dump --format=custom``; the
file is a tar of the dump and a manifest (see :mod:`cunwu.core.services.backup`). The field
key is not in the file: keep it separately, a restore needs the same key.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.services.backup import VENDOR_NAMES, backup_create, describe_counts


class Command(BaseCommand):
    help = "备份整个数据库到一个文件（SQLite 在线备份，PostgreSQL 用 pg_dump）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="备份文件（已存在则替换）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        try:
            manifest = backup_create(target=target)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        size = target.stat().st_size
        vendor = VENDOR_NAMES[manifest.vendor]
        self.stdout.write(f"已备份 {vendor} 数据库到 {target}（{_size(size)}）")
        self.stdout.write(describe_counts(manifest.counts))
        if options["verbosity"] >= 1:
            self.stdout.write(
                "字段加密密钥（CUNWU_FIELD_KEY）不在备份文件中：请另行妥善保管，恢复时需要同一密钥"
            )


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"
