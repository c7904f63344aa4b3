"""Test support: run ``python -m cunwu`` as a child process on a database of its own, and read
that database directly (SQLite file or PostgreSQL), without Django's test connection."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

import cunwu

ROOT = Path(cunwu.__file__).resolve().parents[2]


def database_url(settings_dict: dict[str, Any], name: str | None = None) -> str:
    """The URL of a PostgreSQL database on the server of ``settings_dict``."""
    user = quote(str(settings_dict.get("USER") or "postgres"))
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{quote(str(password))}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{name or settings_dict['NAME']}"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def child_env(db_url: str, *, field_key: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # the development settings read DATABASE_URL as given (the test settings would
        # replace a SQLite file by an in-memory database)
        DJANGO_SETTINGS_MODULE="cunwu.settings.dev",
        DATABASE_URL=db_url,
        CUNWU_FIELD_KEY=field_key if field_key is not None else settings.CUNWU_FIELD_KEY,
        DEBUG="false",
    )
    return env


def run_cunwu(
    db_url: str, *args: str, field_key: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cunwu", *args],
        env=child_env(db_url, field_key=field_key),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def raw_connection(db_url: str) -> Iterator[Any]:
    """A DB-API connection (autocommit) to the database of ``db_url``."""
    if db_url.startswith("sqlite:"):
        with closing(sqlite3.connect(urlsplit(db_url).path, isolation_level=None)) as conn:
            yield conn
        return
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def query(db_url: str, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with raw_connection(db_url) as conn:
        if db_url.startswith("sqlite:"):
            return [tuple(r) for r in conn.execute(statement.replace("%s", "?"), params)]
        cursor = conn.execute(statement, params)  # type: ignore[arg-type]
        return [tuple(r) for r in cursor.fetchall()] if cursor.description else []


def table_counts(db_url: str) -> dict[str, int]:
    """Every table of the database with its number of rows."""
    with raw_connection(db_url) as conn:
        if db_url.startswith("sqlite:"):
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {
                n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]  # noqa: S608
                for n in names
            }
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            n: conn.execute(
                sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(n))
            ).fetchone()[0]
            for n in names
        }


def django_table_counts() -> dict[str, int]:
    """Every table of the test process's own database with its number of rows."""
    with connection.cursor() as cursor:
        counts = {}
        for name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
        return counts


@contextmanager
def scratch_postgres(settings_dict: dict[str, Any], name: str) -> Iterator[str]:
    """An empty database ``name`` on the server of ``settings_dict``, dropped afterwards."""
    admin = database_url(settings_dict)  # the test database itself, which surely exists
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(settings_dict, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(drop)
