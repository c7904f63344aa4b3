"""Browser end-to-end tests: Playwright driving Debian's Chromium against a served cunwu.

The suite serves the app itself, as ``make run`` does: a fresh database (an SQLite file, or on
the PostgreSQL run a database of its own on the same server), migrated and loaded with the
demo county, ``runserver`` plus the ``db_worker`` that runs imports in the background. Pages
are looked at on a 360×800 phone screen. Every page a flow visits is checked for horizontal
scrolling and JavaScript errors, and photographed into the folder printed at the end of the
run (``CUNWU_E2E_SHOTS`` overrides it).

Chromium is installed by ``scripts/ensure-browser.sh`` (``make test`` runs it); without it the
tests fail under ``CI=true`` and are skipped, loudly, elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CUNWU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 800}
DEMO_PASSWORD = "Cunwu-demo-2026"
SHOTS_KEY = pytest.StashKey[Path]()


@dataclass
class Server:
    url: str
    db: str  # a DATABASE_URL, for the tests' own look into the served database
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def command(self, *args: str) -> str:
        """Run ``cunwu ARGS`` against the served database (a cron job's view) and return its
        output."""
        done = subprocess.run(
            [sys.executable, "-m", "cunwu", *args], env=self.env, cwd=ROOT, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout

    def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one read-only statement against the served database (``%s`` marks)."""
        if self.db.startswith("sqlite"):
            import sqlite3

            with sqlite3.connect(self.db.removeprefix("sqlite:///")) as conn:
                return conn.execute(statement.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.db) as conn:
            return conn.execute(statement, params).fetchall()  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(tmp: Path) -> str:
    """A fresh database for the served app, on the engine of this test run."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}"
    name = os.environ.get("CUNWU_TEST_DB", "test_test") + "_e2e"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return _as_url(info)


def _as_url(info: dict[str, Any]) -> str:
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{info['dbname']}"


def pytest_configure(config: pytest.Config) -> None:
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    default = ROOT / "var" / "e2e-screenshots" / engine
    shots = Path(os.environ.get("CUNWU_E2E_SHOTS", default))
    config.stash[SHOTS_KEY] = shots


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    shots = config.stash.get(SHOTS_KEY, None)
    if shots is not None and shots.exists() and any(shots.iterdir()):
        terminalreporter.write_line(f"浏览器测试截图 (browser test screenshots): {shots}")


@pytest.fixture(scope="session")
def shots_dir(pytestconfig: pytest.Config) -> Path:
    shots = pytestconfig.stash[SHOTS_KEY]
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    return shots


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: run scripts/ensure-browser.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        print(f"\n{'#' * 70}\n# SKIPPED browser tests: {message}\n{'#' * 70}", file=sys.stderr)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    db = _database(tmp)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db,
        DJANGO_SETTINGS_MODULE="cunwu.settings.dev",
        DEBUG="false",
        SECRET_KEY="e2e-only-not-secret",
        CUNWU_FIELD_KEY="e2e-only-field-key",
    )
    env["MEDIA_ROOT"] = str(tmp / "media")
    log = (tmp / "server.log").open("wb")
    python = [sys.executable, "-m", "cunwu"]
    for step in (["migrate", "--noinput", "-v", "0"], ["demo", "load"]):
        subprocess.run([*python, *step], env=env, cwd=ROOT, check=True, stdout=log, stderr=log)
    port = _free_port()
    server = Server(url=f"http://127.0.0.1:{port}", db=db, env=env)
    for args in (
        ["db_worker", "--interval", "0.3"],
        ["runserver", "--noreload", f"127.0.0.1:{port}"],
    ):
        server.processes.append(
            subprocess.Popen([*python, *args], env=env, cwd=ROOT, stdout=log, stderr=log)
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or server.processes[1].poll() is not None:
                    log.flush()
                    raise RuntimeError((tmp / "server.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield server
    finally:
        for process in server.processes:
            process.terminate()
        for process in server.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Phone:
    """A browser tab on a phone screen that checks every page it lands on."""

    def __init__(self, page: Any, server: Server, shots: Path, name: str) -> None:
        self.page = page
        self.server = server
        self.shots = shots
        self.name = name
        self.step = 0
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({self.page.url})")

    def goto(self, path: str, *, status: int = 200) -> Any:
        """Open a page and expect its status (an expected error page is not a console error)."""
        response = self.page.goto(self.server.url + path)
        assert response.status == status, (path, response.status)
        if status >= 400:
            self.page.wait_for_load_state("networkidle")
            expected = f"status of {status}"
            self.errors = [e for e in self.errors if expected not in e]
        return response

    def check(self, label: str) -> None:
        """The page as it stands: photographed, no JavaScript errors, no sideways scrolling,
        every form control inside the screen."""
        self.page.wait_for_load_state("networkidle")
        self.step += 1
        slug = re.sub(r"[^\w-]+", "-", label).strip("-")
        self.page.screenshot(
            path=str(self.shots / f"{self.name}-{self.step:02d}-{slug}.png"), full_page=True
        )
        assert not self.errors, self.errors
        widths = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], (
            f"{label}: page is {widths[0]}px wide on a {widths[1]}px screen"
        )
        outside = self.page.evaluate(
            """() => [...document.querySelectorAll(
                        'main input:not([type=hidden]), main select, main textarea, main button')]
                 .filter(e => e.offsetParent !== null)
                 .filter(e => { const r = e.getBoundingClientRect();
                                return r.left < 0 || r.right > window.innerWidth + 1; })
                 .map(e => e.name || e.id || e.textContent.trim())"""
        )
        assert not outside, f"{label}: controls outside the screen: {outside}"

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.check("login")
        self.page.get_by_label("用户名或手机号").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(self.server.url + "/")

    def logout(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        self.page.wait_for_load_state()


@pytest.fixture
def phone(
    browser: Any, server: Server, shots_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Phone]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    name = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
    yield Phone(page, server, shots_dir, name)
    context.close()
