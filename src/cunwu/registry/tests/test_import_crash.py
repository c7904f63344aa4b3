"""Crash safety of the import: ``cunwu import households`` killed with SIGKILL in the middle
leaves nothing of its file in the database, the audit chain still verifies, and a rerun of
the same file imports it exactly.

The import runs as a child process on a database file the test can share with it: a SQLite
file in tmp_path (a copy of the test database), or on PostgreSQL the test database itself.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import IO

import pytest
from django.db import connection

from cunwu.core.idnumber import check_char
from cunwu.core.tests.cli import ROOT, child_env, database_url, query, run_cunwu, sqlite_url
from cunwu.registry.models import Household
from cunwu.testing import JIULONG

from .test_import_support import row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)

HOUSEHOLDS = 10_000
MEMBERS = ("户主", "配偶", "子")
PERSONS = HOUSEHOLDS * len(MEMBERS)
# the import writes persons in batches of 5000 on SQLite (streams them on PostgreSQL):
# past this many rows it has written some inside its transaction
KILL_AFTER_ROWS = 8_000
TABLES = ("registry_household", "registry_person", "registry_lifeevent", "core_auditevent")


def _id_number(n: int) -> str:
    """Unique valid ID numbers born in 1950–51 (the fixtures' persons are born later)."""
    born = date(1950, 1, 1) + timedelta(days=n // 1000)
    first17 = f"430423{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_char(first17)


def _spreadsheet(path: Path) -> Path:
    rows = []
    for h in range(HOUSEHOLDS):
        for k, relation in enumerate(MEMBERS):
            n = h * len(MEMBERS) + k
            rows.append(
                row(
                    户编号=f"C{h:05d}",
                    姓名=f"测试{n}",
                    与户主关系=relation,
                    公民身份号码=_id_number(n),
                )
            )
    return write_csv(path, rows)


def _counts(db_url: str) -> dict[str, int]:
    return {t: query(db_url, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES}  # noqa: S608


def _shared_database(tmp_path: Path) -> tuple[str, Callable[[], bool]]:
    """(URL of a database the child process can use, "has the child written yet?")."""
    if connection.vendor == "sqlite":
        path = tmp_path / "cunwu.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as copy:
            connection.connection.backup(copy)
        journal = path.with_name(path.name + "-journal")
        # the rollback journal appears with the first page an open transaction changes
        return sqlite_url(path), lambda: journal.exists() and journal.stat().st_size > 0
    url = database_url(connection.settings_dict)
    name = connection.settings_dict["NAME"]

    def writing() -> bool:
        # another session of this database holds a transaction id: it has written something
        return bool(
            query(
                url,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
                [name],
            )[0][0]
        )

    return url, writing


class _Progress:
    """The rows done, from the progress bar the command draws on stderr."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.rows = 0
        self.text = ""
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]
            self.text += chunk.decode(errors="replace")
            done = re.findall(r"(\d+)/\d+", self.text[-200:])
            if done:
                self.rows = int(done[-1])


def test_an_import_killed_midway_leaves_nothing_and_a_rerun_imports_exactly(
    tmp_path: Path, household: Household
) -> None:
    db_url, writing = _shared_database(tmp_path)
    before = _counts(db_url)
    assert before["registry_person"] == 3  # the fixture's household, which must survive
    csv = _spreadsheet(tmp_path / "households.csv")
    command = [sys.executable, "-m", "cunwu", "import", "households", str(csv)]
    child = subprocess.Popen(
        [*command, "--village", JIULONG],
        env=child_env(db_url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    progress = _Progress(child.stderr)
    deadline = time.monotonic() + 60
    try:
        while not (progress.rows >= KILL_AFTER_ROWS and writing()):
            assert child.poll() is None, f"the import ended before it was killed: {progress.text}"
            assert time.monotonic() < deadline, f"the import never got going: {progress.text}"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert KILL_AFTER_ROWS <= progress.rows < PERSONS

    # nothing of the file: not a household, person, life event or audit event
    assert _counts(db_url) == before
    assert query(db_url, "SELECT COUNT(*) FROM registry_person WHERE name LIKE %s", ["测试%"]) == [
        (0,)
    ]
    verified = run_cunwu(db_url, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == f"审计链完整：已检查 {before['core_auditevent']} 条事件"

    rerun = run_cunwu(db_url, "import", "households", str(csv), "--village", JIULONG)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert rerun.stdout == f"衡山县开云镇九龙村委会：已导入{HOUSEHOLDS}户，{PERSONS}人\n"
    assert _counts(db_url) == {
        "registry_household": before["registry_household"] + HOUSEHOLDS,
        "registry_person": before["registry_person"] + PERSONS,
        "registry_lifeevent": before["registry_lifeevent"] + PERSONS,
        # one event per household and one for the file
        "core_auditevent": before["core_auditevent"] + HOUSEHOLDS + 1,
    }
    verified = run_cunwu(db_url, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
