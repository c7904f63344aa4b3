"""Backups of the whole database and their restoring (``cunwu backup`` / ``cunwu restore``).

A backup file is an uncompressed tar archive of two members:

- ``manifest.json``: the format, the database vendor, when it was made, the app version, the
  last applied migration of each app, the row count of every table of the project's models,
  the SHA-256 of the dump, and a fingerprint of ``CUNWU_FIELD_KEY`` (an HMAC of a fixed text,
  never the key). ID numbers and phones in the dump are encrypted under that key: restored
  under another key they could not be read, nor found through their blind indexes.
- the dump: on SQLite a copy made with SQLite's online backup API (consistent while the site
  keeps writing); on PostgreSQL ``pg_dump --format=custom`` of the snapshot exported by the
  transaction that counted the rows, so that the counts and the dump show the same moment.

Restoring checks the manifest first (format, vendor, key, the dump's hash) and refuses a
database that already holds data unless forced. The database is then replaced in one
transaction (SQLite's backup API into the database file; ``pg_restore --single-transaction``),
so that a failure leaves the old contents, and the restored row counts must equal the
manifest's.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cunwu.core.errors import ApplicationError

FORMAT = "cunwu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# where Debian and Ubuntu install the PostgreSQL programs of each major version
PG_LIB_DIR = Path("/usr/lib/postgresql")
# The key check value: an HMAC of this text under CUNWU_FIELD_KEY. It tells two keys apart
# without revealing either (the production key has at least 32 random characters).
KEY_CHECK_TEXT = b"cunwu backup: field key check v1"
# filled by ``migrate`` itself: an otherwise empty database has rows there
MIGRATE_FILLS = frozenset({"django_content_type", "auth_permission"})
CHUNK = 1 << 20


@dataclass(frozen=True)
class Manifest:
    vendor: str
    created_at: str
    app_version: str
    key_fingerprint: str
    dump: str
    dump_sha256: str
    migrations: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    format: str = FORMAT
    version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True).encode()

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]
    pending_migrations: int
    unknown_migrations: int


# ---------------------------------------------------------------- helpers


def key_fingerprint(key: str | None = None) -> str:
    """The check value of the field key (``settings.CUNWU_FIELD_KEY`` unless given)."""
    key = settings.CUNWU_FIELD_KEY if key is None else key
    if not key:
        return ""
    return hmac.new(key.encode(), KEY_CHECK_TEXT, hashlib.sha256).hexdigest()[:16]


def model_tables() -> list[str]:
    """The tables of every installed model (the ones the manifest counts), sorted."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def table_labels() -> dict[str, str]:
    """Table → its model's Chinese name, for the project's own apps (the summary lines)."""
    return {
        model._meta.db_table: str(model._meta.verbose_name)
        for model in apps.get_models()
        if model.__module__.startswith("cunwu.")
    }


def find_pg_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found

    def major(path: Path) -> int:
        version = path.parent.parent.name
        return int(version) if version.isdigit() else 0

    candidates = sorted(PG_LIB_DIR.glob(f"*/bin/{name}"), key=major)
    if candidates:
        return str(candidates[-1])
    raise ApplicationError(
        "pg_program_missing",
        f"找不到 {name}：请安装 PostgreSQL 客户端程序（如 apt install postgresql-client，"
        "版本不低于数据库服务器），或把它所在的目录加入 PATH",
    )


def _app_version() -> str:
    try:
        return importlib.metadata.version("cunwu")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _count(cursor: Any, quote: Any, tables: Iterable[str], existing: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(cursor: Any, existing: set[str]) -> dict[str, str]:
    """App → its last applied migration."""
    if "django_migrations" not in existing:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return {app: name for app, name in cursor.fetchall()}


def _copy(source: IO[bytes], target: IO[bytes]) -> str:
    """Copy a stream; returns its SHA-256."""
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(
    conn: BaseDatabaseWrapper, program: str, options: list[str]
) -> tuple[list[str], dict[str, str]]:
    """``program`` with the connection's host, port, user and database; the password and TLS
    settings go in the environment (never on a command line that ``ps`` shows)."""
    settings_dict = conn.settings_dict
    dbname = settings_dict.get("NAME")
    if not dbname:
        raise ApplicationError("database_name_missing", "数据库设置中没有数据库名（NAME）")
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    # args: psql [-U user] [-h host] [-p port] dbname
    return [program, *args[1:-1], *options, f"--dbname={dbname}"], {**os.environ, **(env or {})}


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as exc:
        raise ApplicationError("pg_program_failed", f"无法运行 {args[0]}：{exc}") from exc
    if done.returncode != 0:
        detail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ApplicationError("pg_program_failed", f"{what}失败（{args[0]}）：{detail}")


# ---------------------------------------------------------------- backup


def backup_create(
    *, target: Path, using: str = DEFAULT_DB_ALIAS, pg_dump: str | None = None
) -> Manifest:
    """Write a backup of the whole database to ``target`` (replaced only when complete).

    The file is written beside ``target`` and renamed into place, readable by its owner only:
    a reader never sees half a backup, and a crash leaves the previous one.
    """
    conn = connections[using]
    if conn.vendor not in DUMPS:
        raise ApplicationError("backup_vendor", f"不支持备份 {conn.vendor} 数据库")
    if target.is_dir():
        raise ApplicationError("backup_target_dir", f"{target}是目录，请给出备份文件名")
    if not target.parent.is_dir():
        raise ApplicationError("backup_target_dir", f"目录{target.parent}不存在")
    program = find_pg_program("pg_dump") if conn.vendor == "postgresql" else ""
    if conn.in_atomic_block:
        raise RuntimeError("a backup takes its own snapshot: call it outside any transaction")
    member = DUMPS[conn.vendor]
    with tempfile.TemporaryDirectory(prefix=".cunwu-backup-", dir=target.parent) as tmp:
        dump = Path(tmp) / member
        try:
            if conn.vendor == "sqlite":
                counts, migrations = _sqlite_dump(conn, dump)
            else:
                counts, migrations = _pg_dump(conn, dump, pg_dump or program)
        except (DatabaseError, sqlite3.Error) as exc:
            raise ApplicationError("database_unavailable", f"无法读取数据库：{exc}") from exc
        manifest = Manifest(
            vendor=conn.vendor,
            created_at=timezone.localtime().isoformat(timespec="seconds"),
            app_version=_app_version(),
            key_fingerprint=key_fingerprint(),
            dump=member,
            dump_sha256=_sha256(dump),
            migrations=migrations,
            counts=counts,
        )
        partial = Path(tmp) / "backup.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(manifest.created.timestamp())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=member, filter=_owner_only)
        partial.chmod(0o600)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        partial.replace(target)
    return manifest


def _owner_only(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _sqlite_dump(conn: BaseDatabaseWrapper, dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    conn.ensure_connection()
    with closing(sqlite3.connect(dump)) as copy:
        # the online backup API: one consistent copy, while other connections go on writing
        conn.connection.backup(copy)
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {name for (name,) in cursor.fetchall()}
        counts = _count(cursor, conn.ops.quote_name, model_tables(), existing)
        return counts, _migrations(cursor, existing)


def _pg_dump(
    conn: BaseDatabaseWrapper, dump: Path, program: str
) -> tuple[dict[str, int], dict[str, str]]:
    args_options = ["--format=custom", f"--file={dump}", "--no-password"]
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # pg_dump reads the snapshot this transaction counts in: counts and dump agree
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        existing = set(conn.introspection.table_names(cursor))
        counts = _count(cursor, conn.ops.quote_name, model_tables(), existing)
        migrations = _migrations(cursor, existing)
        args, env = _pg_command(conn, program, [*args_options, f"--snapshot={snapshot}"])
        _run(args, env, "导出数据库")
    return counts, migrations


# ---------------------------------------------------------------- restore


def _invalid(source: Path, why: str) -> ApplicationError:
    return ApplicationError("backup_invalid", f"{source}不是有效的 cunwu 备份文件：{why}")


def backup_manifest(source: Path) -> Manifest:
    """The manifest of a backup file, checked (format, version, fields)."""
    if not source.is_file():
        raise ApplicationError("backup_missing", f"找不到备份文件{source}")
    try:
        with tarfile.open(source, "r:*") as tar:
            try:
                member = tar.getmember(MANIFEST)
            except KeyError:
                raise _invalid(source, "缺少 manifest.json") from None
            f = tar.extractfile(member)
            if f is None:
                raise _invalid(source, "manifest.json 不是文件")
            raw = f.read(1 << 20)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _invalid(source, "无法作为 tar 归档读取") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _invalid(source, "manifest.json 不是有效的 JSON") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _invalid(source, "manifest.json 不是 cunwu 备份清单")
    version = data.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ApplicationError(
            "backup_version", f"备份格式版本{version}比本程序新，请升级 cunwu 后再恢复"
        )
    try:
        manifest = Manifest(**data)
    except TypeError as exc:
        raise _invalid(source, "manifest.json 缺少或多出字段") from exc
    if DUMPS.get(manifest.vendor) != manifest.dump or not isinstance(manifest.counts, dict):
        raise _invalid(source, f"不认识的数据库类型{manifest.vendor}")
    return manifest


def _extract_dump(source: Path, manifest: Manifest, directory: Path) -> Path:
    dump = directory / manifest.dump
    try:
        with tarfile.open(source, "r:*") as tar:
            try:
                member = tar.getmember(manifest.dump)
            except KeyError:
                raise _invalid(source, f"缺少 {manifest.dump}") from None
            f = tar.extractfile(member) if member.isfile() else None
            if f is None:
                raise _invalid(source, f"{manifest.dump} 不是文件")
            with dump.open("wb") as out:
                digest = _copy(f, out)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ApplicationError("backup_damaged", f"备份文件{source}已损坏：{exc}") from exc
    if digest != manifest.dump_sha256:
        raise ApplicationError("backup_damaged", f"备份文件{source}已损坏（校验和不符）")
    return dump


def tables_with_rows(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables of the database that hold data (``migrate``'s own rows do not count)."""
    conn = connections[using]
    if conn.vendor == "sqlite" and not _in_memory(conn):
        name = Path(str(conn.settings_dict["NAME"]))
        if not name.exists() or name.stat().st_size == 0:
            return []
    with conn.cursor() as cursor:
        filled = []
        for table in sorted(conn.introspection.table_names(cursor)):
            if table in MIGRATE_FILLS or table == "django_migrations":
                continue
            cursor.execute(f"SELECT 1 FROM {conn.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                filled.append(table)
        return filled


def backup_restore(
    *,
    source: Path,
    force: bool = False,
    ignore_key_mismatch: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    pg_restore: str | None = None,
) -> RestoreResult:
    """Replace the whole database by the backup in ``source``.

    Refused: a backup of another database vendor; a backup made under another field key
    (its ID numbers and phones could not be decrypted) unless ``ignore_key_mismatch``; a
    database that already holds data unless ``force``. Afterwards the row counts must equal
    the manifest's. Stop the site and the workers first: the restore replaces everything.
    """
    conn = connections[using]
    manifest = backup_manifest(source)
    if manifest.vendor != conn.vendor:
        raise ApplicationError(
            "backup_vendor_mismatch",
            f"这是 {VENDOR_NAMES.get(manifest.vendor, manifest.vendor)} 数据库的备份，"
            f"当前数据库是 {VENDOR_NAMES.get(conn.vendor, conn.vendor)}，无法恢复",
        )
    if manifest.key_fingerprint != key_fingerprint() and not ignore_key_mismatch:
        raise ApplicationError(
            "backup_key_mismatch",
            "备份时使用的字段加密密钥（CUNWU_FIELD_KEY）与当前设置的不同：恢复后身份证号和电话"
            "将无法解密，也无法按身份证号查找。请设置备份时的密钥后再恢复；"
            "确需恢复请加 --ignore-key-mismatch",
        )
    if conn.in_atomic_block:
        raise RuntimeError("a restore replaces the database: call it outside any transaction")
    program = ""
    if conn.vendor == "postgresql":
        program = pg_restore or find_pg_program("pg_restore")
    elif _in_memory(conn):
        raise ApplicationError("restore_in_memory", "当前数据库在内存中，无法恢复到其中")
    try:
        if not force:
            filled = tables_with_rows(using)
            if filled:
                shown = "、".join(filled[:5]) + ("等" if len(filled) > 5 else "")
                raise ApplicationError(
                    "restore_target_not_empty",
                    f"目标数据库已有数据（{shown}），恢复将覆盖其中全部数据。确认覆盖请加 --force",
                )
        with tempfile.TemporaryDirectory(prefix="cunwu-restore-") as tmp:
            dump = _extract_dump(source, manifest, Path(tmp))
            conn.close()
            if conn.vendor == "sqlite":
                _sqlite_restore(conn, dump)
            else:
                args, env = _pg_command(
                    conn,
                    program,
                    [
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        "--exit-on-error",
                        "--no-password",
                    ],
                )
                _run([*args, str(dump)], env, "恢复数据库")
        with conn.cursor() as cursor:
            existing = set(conn.introspection.table_names(cursor))
            counts = _count(cursor, conn.ops.quote_name, manifest.counts, existing)
        pending, unknown = _migration_state(conn)
    except (DatabaseError, sqlite3.Error) as exc:
        raise ApplicationError("database_unavailable", f"无法连接或写入数据库：{exc}") from exc
    differ = [t for t, n in manifest.counts.items() if counts.get(t) != n]
    if differ:
        details = "、".join(
            f"{t} 应为{manifest.counts[t]}行，实为{counts.get(t, 0)}行" for t in differ
        )
        raise ApplicationError("restore_counts_differ", f"恢复后的行数与备份清单不符：{details}")
    return RestoreResult(
        manifest=manifest,
        counts=counts,
        pending_migrations=pending,
        unknown_migrations=unknown,
    )


def _in_memory(conn: BaseDatabaseWrapper) -> bool:
    """As Django's SQLite backend tells an in-memory database."""
    name = str(conn.settings_dict["NAME"])
    return name == ":memory:" or "mode=memory" in name


def _sqlite_restore(conn: BaseDatabaseWrapper, dump: Path) -> None:
    with closing(sqlite3.connect(dump)) as source:
        (check,) = source.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise ApplicationError("backup_damaged", f"备份中的 SQLite 数据库已损坏：{check}")
        timeout = conn.settings_dict.get("OPTIONS", {}).get("timeout", 20)
        with closing(sqlite3.connect(str(conn.settings_dict["NAME"]), timeout=timeout)) as target:
            # one write transaction on the target: a crash midway leaves the old contents
            source.backup(target)


def _migration_state(conn: BaseDatabaseWrapper) -> tuple[int, int]:
    """(migrations of this program not yet applied, applied ones this program does not know)."""
    executor = MigrationExecutor(conn)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    known = executor.loader.graph.nodes
    unknown = [key for key in executor.loader.applied_migrations if key not in known]
    return len(pending), len(unknown)


def describe_counts(counts: dict[str, int]) -> str:
    """行政区划 23，用户 9，户 1 … (the project's own tables that hold rows)."""
    labels = table_labels()
    parts = [f"{label} {counts[t]}" for t, label in labels.items() if counts.get(t)]
    return "，".join(parts) or "（无数据）"
