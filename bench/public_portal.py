"""Benchmark: the public portal's village page under load, against a bare Django view.

    .venv/bin/python bench/public_portal.py                 # 2 000 notices, 50 clients, 10 s
    .venv/bin/python bench/public_portal.py --notices 5000 --seconds 20

1. Recreates the database ``cunwu_bench_portal`` on the server of ``--db-url``, migrates it,
   seeds the regions and gives 九龙村 N published notices (bulk-inserted: this measures
   reading them, not publishing them).
2. Serves cunwu with gunicorn as production does (``-c python:cunwu.gunicorn_config``: sync
   workers, two per core; ``--workers``, ``--worker-class`` and ``--threads`` try others) under
   the production settings (plain HTTP, the anonymous rate limit lifted so that the load
   generator is not turned away).
3. With wrk (50 connections, 2 threads), after a warm-up, measures the bare view ``/healthz``
   (a JSON answer through the same middleware, no database) and then the village page
   ``/public/<code>/`` (the newest 20 of the N notices), each for the same time.

The last line is ``BENCH public_portal ratio=<cunwu rps/bare rps> goal>=0.5 p99_ms=<x>
goal<100 PASS|FAIL``. wrk comes from Debian (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from psycopg import sql

from cunwu import gunicorn_config

ROOT = Path(__file__).resolve().parent.parent
VILLAGE = "430423100224"
BENCH_DB = "cunwu_bench_portal"
RATIO_GOAL = 0.5
P99_GOAL_MS = 100.0

SEED = """
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from cunwu.accounts.models import User
from cunwu.disclosure.models import Category, Notice
from cunwu.testing import seed_regions

seed_regions()
user = User.objects.create_user(username="bench", password="bench-not-used-9f8e7d6c5b")
now = timezone.now()
categories = list(Category.values)
Notice.objects.bulk_create(
    [
        Notice(
            region_id="{village}", county_code="{village}"[:6],
            category=categories[i % len(categories)],
            title=f"第{{i}}号公告：2026年度村务公开事项", body="<p>" + "公开内容。" * 40 + "</p>",
            status="published", created_by=user, published_by=user,
            published_at=now - timedelta(hours=i),
        )
        for i in range({n})
    ],
    batch_size=1000,
)
print(Notice.objects.filter(region_id="{village}").count())
"""


def recreate_database(admin_url: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{BENCH_DB}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) of wrk against ``url``; non-2xx answers fail."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"wrk saw error answers from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    # the production layout by default (cunwu/gunicorn_config.py; figures in bench/README.md)
    parser.add_argument("--workers", type=int, default=gunicorn_config.workers)
    parser.add_argument("--worker-class", default=gunicorn_config.worker_class)
    parser.add_argument("--threads", type=int, default=25, help="per worker, for gthread")
    parser.add_argument(
        "--db-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    )
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk")
        return 2

    db_url = recreate_database(options.db_url)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="cunwu.settings.prod",
        SECRET_KEY="bench-only-" + "x" * 60,
        CUNWU_FIELD_KEY="bench-only-field-key-" + "y" * 20,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CUNWU_RATE_LIMITS=json.dumps({"public": [10**9, 60]}),
    )
    python = [sys.executable, "-m", "cunwu"]
    for step in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([*python, *step], env=env, cwd=ROOT, check=True)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED.format(village=VILLAGE, n=options.notices)],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    print(f"database {BENCH_DB}: {seeded} notices in {VILLAGE}")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    threads = ["--threads", str(options.threads)] if options.worker_class == "gthread" else []
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "cunwu.wsgi", "-c", "python:cunwu.gunicorn_config",
         "-w", str(options.workers), "-k", options.worker_class, *threads,
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/public/{VILLAGE}/", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("gunicorn did not start")
                    return 2
                time.sleep(0.3)
        assert "第0号公告" in page, "the village page does not show the newest notice"
        bare_url, page_url = f"{base}/healthz", f"{base}/public/{VILLAGE}/"
        for url in (bare_url, page_url):
            wrk(url, 2, options.connections)  # warm-up: connections, caches, query plans
        bare_rps, bare_p99 = wrk(bare_url, options.seconds, options.connections)
        page_rps, page_p99 = wrk(page_url, options.seconds, options.connections)
    finally:
        server.terminate()
        server.wait(timeout=10)

    layout = f"{options.workers} {options.worker_class} workers" + (
        f" × {options.threads} threads" if options.worker_class == "gthread" else ""
    )
    print(
        f"bare view /healthz: {bare_rps:,.0f} req/s, p99 {bare_p99:.1f} ms "
        f"({options.connections} connections, gunicorn {layout})"
    )
    print(f"village page ({options.notices} notices): {page_rps:,.0f} req/s, p99 {page_p99:.1f} ms")
    ratio = page_rps / bare_rps
    verdict = "PASS" if ratio >= RATIO_GOAL and page_p99 < P99_GOAL_MS else "FAIL"
    print(
        f"BENCH public_portal ratio={ratio:.2f} goal>={RATIO_GOAL} p99_ms={page_p99:.1f} "
        f"goal<{P99_GOAL_MS:.0f} {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
