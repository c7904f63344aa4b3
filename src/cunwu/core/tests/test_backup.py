"""``cunwu backup`` and ``cunwu restore``: a backup restored into an empty database holds the same
rows and a sound audit chain; refusals (another field key, a database with data, bad files)
are clear Chinese messages that change nothing.

The restore runs as a child process on a database of its own: a SQLite file in tmp_path, or a
scratch PostgreSQL database on the test server.
"""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services import backup as backup_service
from cunwu.core.services.backup import MANIFEST, find_pg_program, key_fingerprint
from cunwu.registry.models import Household
from cunwu.testing import BALI, make_household, make_id_number

from .cli import django_table_counts, query, run_cunwu, scratch_postgres, sqlite_url, table_counts

# a backup takes its own snapshot and a restore replaces the database: neither runs inside
# the transaction of a test, so the tests that make a backup commit their data
committed = pytest.mark.django_db(transaction=True)

PERSONS = "SELECT id, name, id_number_enc, id_number_index FROM registry_person ORDER BY id"
CHAIN = "SELECT region_id, seq, hash FROM core_auditevent ORDER BY region_id, seq"


@pytest.fixture
def data(household: Household, persona: Any, regions: dict[str, Region]) -> dict[str, int]:
    """Two villages: 九龙村 with 张三's household of three, 八里村 with two households."""
    bali_staff: User = persona("八里村村干部")
    make_household(bali_staff, regions[BALI], "0011", "王五", tags="脱贫户")
    make_household(
        bali_staff,
        regions[BALI],
        "0012",
        "赵六",
        head_id=make_id_number(5, birth="19650505"),
        members=[("钱七", "配偶", make_id_number(6, birth="19660606"))],
    )
    return django_table_counts()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the test's vendor."""
    if connection.vendor == "sqlite":
        yield sqlite_url(tmp_path / "restored.sqlite3")
        return
    with scratch_postgres(connection.settings_dict, f"cunwu_restore_{secrets.token_hex(4)}") as url:
        yield url


def _backup(path: Path) -> str:
    out = StringIO()
    call_command("backup", "-o", str(path), stdout=out)
    return out.getvalue()


def _restore(*args: str) -> None:
    call_command("restore", *args, stdout=StringIO(), stderr=StringIO())


def _query_here(statement: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return [tuple(r) for r in cursor.fetchall()]


def _write_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        out = {}
        for member in tar.getmembers():
            f = tar.extractfile(member)
            assert f is not None
            out[member.name] = f.read()
        return out


@committed
def test_backup_restored_into_an_empty_database_holds_the_same_rows_and_chain(
    tmp_path: Path, data: dict[str, int], empty_database: str
) -> None:
    backup = tmp_path / "cunwu.backup"
    out = _backup(backup)
    assert out.startswith(f"已备份 {'SQLite' if connection.vendor == 'sqlite' else 'PostgreSQL'}")
    assert "户 3，家庭成员 6" in out
    assert "不在备份文件中" in out
    assert backup.stat().st_mode & 0o777 == 0o600  # encrypted personal data, password hashes
    with tarfile.open(backup) as tar:
        assert tar.getnames()[0] == MANIFEST

    restored = run_cunwu(empty_database, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "已恢复，行数与备份清单一致" in restored.stdout

    assert table_counts(empty_database) == data
    # the same ciphertexts and blind indexes: readable and searchable under the same key
    assert query(empty_database, PERSONS) == _query_here(PERSONS)
    events = AuditEvent.objects.count()
    assert events >= 6
    verified = run_cunwu(empty_database, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == f"审计链完整：已检查 {events} 条事件"
    assert query(empty_database, CHAIN) == _query_here(CHAIN)

    # tampering with the restored copy is caught
    query(
        empty_database,
        "UPDATE core_auditevent SET actor_name = %s WHERE region_id = %s AND seq = 2",
        ["篡改者", "430423100227"],
    )
    tampered = run_cunwu(empty_database, "audit", "verify")
    assert tampered.returncode == 1
    assert "审计链 430423100227 第2条：内容已被改动" in tampered.stderr

    # the database now holds data: refused, unless forced (which also undoes the tampering)
    again = run_cunwu(empty_database, "restore", str(backup))
    assert again.returncode == 1
    assert "目标数据库已有数据" in again.stderr
    assert "--force" in again.stderr
    assert "Traceback" not in again.stderr
    forced = run_cunwu(empty_database, "restore", str(backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert table_counts(empty_database) == data
    assert query(empty_database, CHAIN) == _query_here(CHAIN)


@committed
def test_restore_refuses_a_backup_made_under_another_field_key(
    tmp_path: Path, data: dict[str, int], settings: Any
) -> None:
    backup = tmp_path / "cunwu.backup"
    _backup(backup)
    settings.CUNWU_FIELD_KEY = "another-field-key-of-another-county"
    assert key_fingerprint() != json.loads(_members(backup)[MANIFEST])["key_fingerprint"]
    with pytest.raises(CommandError) as refused:
        _restore(str(backup))
    assert "字段加密密钥（CUNWU_FIELD_KEY）与当前设置的不同" in str(refused.value)
    assert "--ignore-key-mismatch" in str(refused.value)
    # with the flag the key check passes, and the next check (this database is in use) stops it
    with pytest.raises(CommandError) as next_check:
        _restore(str(backup), "--ignore-key-mismatch")
    assert "CUNWU_FIELD_KEY" not in str(next_check.value)
    assert django_table_counts() == data


@committed
def test_the_manifest_carries_a_key_fingerprint_never_the_key(
    tmp_path: Path, data: dict[str, int], settings: Any
) -> None:
    backup = tmp_path / "cunwu.backup"
    _backup(backup)
    members = _members(backup)
    manifest = json.loads(members[MANIFEST])
    assert manifest["format"] == "cunwu-backup"
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"]["registry_person"] == 6
    assert manifest["counts"]["core_auditevent"] == AuditEvent.objects.count()
    assert manifest["migrations"]["registry"].startswith("00")
    assert manifest["key_fingerprint"] == key_fingerprint()
    key = settings.CUNWU_FIELD_KEY.encode()
    assert all(key not in content for content in members.values())


def _good_manifest() -> dict[str, Any]:
    return {
        "format": "cunwu-backup",
        "version": 1,
        "vendor": connection.vendor,
        "created_at": "2026-11-24T09:00:00+08:00",
        "app_version": "0.1.0",
        "key_fingerprint": key_fingerprint(),
        "dump": backup_service.DUMPS[connection.vendor],
        "dump_sha256": "0" * 64,
        "migrations": {},
        "counts": {},
    }


def _with(**changes: Any) -> bytes:
    return json.dumps({**_good_manifest(), **changes}).encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到备份文件"),
        (b"just some text, not an archive", "无法作为 tar 归档读取"),
        ({"notes.txt": b"hello"}, "缺少 manifest.json"),
        ({MANIFEST: b"{not json"}, "manifest.json 不是有效的 JSON"),
        ({MANIFEST: b'{"format": "something-else"}'}, "不是 cunwu 备份清单"),
        ({MANIFEST: b"[1, 2]"}, "不是 cunwu 备份清单"),
        ({MANIFEST: "VERSION"}, "备份格式版本2比本程序新，请升级 cunwu 后再恢复"),
        ({MANIFEST: "EXTRA"}, "manifest.json 缺少或多出字段"),
        ({MANIFEST: "VENDOR"}, "不认识的数据库类型oracle"),
    ],
)
def test_restore_refuses_what_is_not_a_cunwu_backup(
    tmp_path: Path, regions: dict[str, Region], content: Any, message: str
) -> None:
    path = tmp_path / "file.backup"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, dict):
        special = {
            "VERSION": _with(version=2),
            "EXTRA": _with(size=3),
            "VENDOR": _with(vendor="oracle"),
        }
        _write_tar(
            path, {k: special.get(v, v) if isinstance(v, str) else v for k, v in content.items()}
        )
    before = django_table_counts()
    with pytest.raises(CommandError) as refused:
        _restore(str(path))
    assert message in str(refused.value)
    assert django_table_counts() == before


def test_restore_refuses_a_backup_of_the_other_database_vendor(
    tmp_path: Path, regions: dict[str, Region]
) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = _with(vendor=other, dump=backup_service.DUMPS[other])
    path = _write_tar(tmp_path / "other.backup", {MANIFEST: manifest})
    with pytest.raises(CommandError) as refused:
        _restore(str(path))
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert str(refused.value) == (
        f"这是 {names[other]} 数据库的备份，当前数据库是 {names[connection.vendor]}，无法恢复"
    )


@committed
def test_a_damaged_dump_is_refused_and_the_target_stays_empty(
    tmp_path: Path, data: dict[str, int], empty_database: str
) -> None:
    backup = tmp_path / "cunwu.backup"
    _backup(backup)
    members = _members(backup)
    dump_name = backup_service.DUMPS[connection.vendor]
    dump = bytearray(members[dump_name])
    dump[len(dump) // 2] ^= 0xFF
    members[dump_name] = bytes(dump)
    damaged = _write_tar(tmp_path / "damaged.backup", members)
    restored = run_cunwu(empty_database, "restore", str(damaged))
    assert restored.returncode == 1
    assert "已损坏（校验和不符）" in restored.stderr
    assert "Traceback" not in restored.stderr
    assert table_counts(empty_database) == {}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an in-memory SQLite database")
@committed
def test_an_in_memory_database_cannot_be_restored_into(
    tmp_path: Path, data: dict[str, int]
) -> None:
    backup = tmp_path / "cunwu.backup"
    _backup(backup)
    with pytest.raises(CommandError, match="当前数据库在内存中，无法恢复到其中"):
        _restore(str(backup))


def test_backup_into_a_missing_directory_is_a_clear_error(
    tmp_path: Path, regions: dict[str, Region]
) -> None:
    with pytest.raises(CommandError, match=r"目录.*不存在"):
        _backup(tmp_path / "no" / "such" / "cunwu.backup")
    with pytest.raises(CommandError, match="是目录，请给出备份文件名"):
        _backup(tmp_path)


def test_pg_programs_come_from_path_or_the_newest_postgresql_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_service.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_service, "PG_LIB_DIR", tmp_path)
    with pytest.raises(ApplicationError) as missing:
        find_pg_program("pg_dump")
    assert "找不到 pg_dump：请安装 PostgreSQL 客户端程序" in missing.value.message
    for version in ("9", "13", "15"):
        program = tmp_path / version / "bin" / "pg_dump"
        program.parent.mkdir(parents=True)
        program.touch()
    assert find_pg_program("pg_dump") == str(tmp_path / "15" / "bin" / "pg_dump")
    monkeypatch.setattr(backup_service.shutil, "which", lambda name: f"/opt/pg/bin/{name}")
    assert find_pg_program("pg_restore") == "/opt/pg/bin/pg_restore"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL")
def test_backup_without_pg_dump_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, regions: dict[str, Region], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_service.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_service, "PG_LIB_DIR", tmp_path / "none")
    target = tmp_path / "cunwu.backup"
    with pytest.raises(CommandError, match="找不到 pg_dump"):
        _backup(target)
    assert list(tmp_path.iterdir()) == []
