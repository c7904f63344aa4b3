"""Benchmark: redemptions at the store counter on PostgreSQL, against pgbench's TPC-B.

    .venv/bin/python bench/redemption.py                     # 16 clients, 20 s, across 8 villages
    .venv/bin/python bench/redemption.py --villages 1        # every client at one village's store

1. Recreates the database ``cunwu_bench_redemption`` on the server of ``--db-url``, migrates
   it, seeds the regions; in each village a cadre, a goods with a million units (ten
   purchases); per client thread a household of its village with ten million available points.
2. **cunwu**: N threads (``--clients``, default 16), each with its own connection, call
   ``store.services.redemption_create`` for one unit again and again for ``--seconds``, each
   call with a new idempotency key: the whole service (permission, the key's row first, stock
   and points by conditional UPDATE, lines and movements, the receipt number, the audit chain).
   Then checks the books: stock equals its movements, points debited equal redemption totals,
   the audit chains verify.
3. **reference**: ``pgbench -i -s 1`` into ``cunwu_bench_pgbench`` on the same server, then
   ``pgbench -c 16 -j 2 -T <seconds>`` (TPC-B-like: five statements per transaction).

The last line is ``BENCH redemption ratio=<redemptions per s / pgbench tps> goal>=0.25
PASS|FAIL``. pgbench comes with PostgreSQL (``/usr/lib/postgresql/*/bin/pgbench``).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "cunwu_bench_redemption"
PGBENCH_DB = "cunwu_bench_pgbench"
GOAL = 0.25
VILLAGES = [
    "430423100224",  # 九龙村
    "430423100227",  # 八里村
    "430422200215",  # 沿江村
    "430422111235",  # 大广村
    "430482106209",  # 石江村
    "430481102227",  # 华南村
    "430421115202",  # 华山村
    "430408100202",  # 振兴村
]


def recreate(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return candidates[-1] if candidates else None


def pgbench_tps(pgbench: str, url: str, clients: int, seconds: int) -> float:
    subprocess.run([pgbench, "-i", "-s", "1", "-q", url], check=True, capture_output=True)
    out = subprocess.run(
        [pgbench, "-c", str(clients), "-j", "2", "-T", str(seconds), url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    match = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding)", out)
    if match is None:
        raise SystemExit(f"pgbench printed no tps:\n{out}")
    return float(match.group(1))


def setup_django(db_url: str) -> None:
    os.environ.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="cunwu.settings.prod",
        SECRET_KEY="bench-only-" + "x" * 60,
        CUNWU_FIELD_KEY="bench-only-field-key-" + "y" * 20,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    sys.path.insert(0, str(ROOT / "src"))
    subprocess.run(
        [sys.executable, "-m", "cunwu", "migrate", "--noinput", "-v", "0"],
        env=os.environ, cwd=ROOT, check=True,
    )  # fmt: skip
    import django

    django.setup()


def seed(clients: int, villages: int) -> list[tuple[object, object, object]]:
    """(cadre, household, goods) for each client thread."""
    from cunwu.accounts.models import Role
    from cunwu.points.services import points_credit
    from cunwu.store.models import MovementKind
    from cunwu.store.services import goods_create, stock_receive
    from cunwu.testing import make_household, make_id_number, make_user, seed_regions

    regions = seed_regions()
    per_village = {}
    for code in VILLAGES[:villages]:
        cadre = make_user(f"bench-{code}", Role.VILLAGE_STAFF, code)
        goods = goods_create(actor=cadre, village=regions[code], name="大米", points_price=10)
        for _ in range(10):  # at most 100 000 per receipt
            stock_receive(actor=cadre, goods=goods, kind=MovementKind.PURCHASE, quantity=100_000)
        per_village[code] = (cadre, goods)
    out = []
    for i in range(clients):
        code = VILLAGES[i % villages]
        cadre, goods = per_village[code]
        household = make_household(
            cadre, regions[code], f"B{i:03d}", f"客户{i}", head_id=make_id_number(i)
        )
        points_credit(actor=None, household=household, points=10_000_000, ref=("bench", str(i)),
                      memo="压测")  # fmt: skip
        out.append((cadre, household, goods))
    return out


def run_clients(
    jobs: list[tuple[object, object, object]], seconds: float, run: str, processes: int
) -> tuple[int, int, float]:
    """Run the clients for ``seconds``: spread over ``processes`` worker processes (as a
    server runs several workers), threads within each; returns (done, failed, elapsed)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    start, stop = context.Barrier(processes + 1), context.Event()
    results = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            kwargs={
                "jobs": jobs[p::processes],
                "run": f"{run}-{p}",
                "start": start,
                "stop": stop,
                "results": results,
            },
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    totals = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    return sum(d for d, _ in totals), sum(f for _, f in totals), elapsed


def _worker(
    *,
    jobs: list[tuple[object, object, object]],
    run: str,
    start: object,
    stop: object,
    results: object,
) -> None:
    from django.db import connection

    from cunwu.store.services import redemption_create

    done = [0] * len(jobs)
    failed = [0] * len(jobs)
    ready = threading.Barrier(len(jobs) + 1)

    def client(i: int) -> None:
        cadre, household, goods = jobs[i]
        try:
            ready.wait()
            n = 0
            while not stop.is_set():  # type: ignore[attr-defined]
                n += 1
                try:
                    redemption_create(
                        actor=cadre, household=household, lines=[(goods, 1)],
                        idempotency_key=f"{run}-{i}-{n}",
                    )  # fmt: skip
                    done[i] += 1
                except Exception as exc:
                    failed[i] += 1
                    if failed[i] == 1:
                        print(f"client {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    ready.wait()
    start.wait()  # type: ignore[attr-defined]
    for t in threads:
        t.join()
    results.put((sum(done), sum(failed)))  # type: ignore[attr-defined]


def check_books(expected: int) -> None:
    from django.db.models import Sum

    from cunwu.core.services.audit import audit_verify
    from cunwu.points.models import LedgerEntry
    from cunwu.store.models import Redemption
    from cunwu.store.selectors import stock_mismatches

    count = Redemption.objects.count()
    total = Redemption.objects.aggregate(s=Sum("total_points"))["s"] or 0
    debited = -(
        LedgerEntry.objects.filter(ref_type="store.redemption").aggregate(s=Sum("available"))["s"]
        or 0
    )
    assert count == expected, (count, expected)
    assert debited == total, (debited, total)
    assert stock_mismatches() == [], "stock differs from its movements"
    checked, broken = audit_verify()
    assert broken is None, broken
    print(f"books: {count} redemptions, {total} points, {checked} audit events verified")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--processes", type=int, default=2, help="worker processes the clients are spread over"
    )
    parser.add_argument("--villages", type=int, default=len(VILLAGES), choices=range(1, 9))
    parser.add_argument(
        "--db-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    )
    options = parser.parse_args()
    pgbench = find_pgbench()
    if pgbench is None:
        print("pgbench is missing: apt-get install postgresql-client")
        return 2

    setup_django(recreate(options.db_url, BENCH_DB))
    jobs = seed(options.clients, options.villages)
    print(
        f"database {BENCH_DB}: {options.clients} clients in {options.processes} process(es) "
        f"over {options.villages} village(s), {options.seconds} s"
    )
    run_clients(jobs, 2, "warm", options.processes)  # warm-up: connections, query plans
    from cunwu.store.models import Redemption

    before = Redemption.objects.count()
    done, failed, elapsed = run_clients(jobs, options.seconds, "run", options.processes)
    rate = done / elapsed
    check_books(before + done)
    print(f"cunwu redemption_create: {done} in {elapsed:.1f} s = {rate:,.1f} redemptions/s "
          f"({failed} failed)")  # fmt: skip

    tps = pgbench_tps(pgbench, recreate(options.db_url, PGBENCH_DB), 16, options.seconds)
    print(f"pgbench TPC-B (-s 1 -c 16 -j 2 -T {options.seconds}): {tps:,.1f} tps")
    ratio = rate / tps
    verdict = "PASS" if ratio >= GOAL and failed == 0 else "FAIL"
    print(f"BENCH redemption ratio={ratio:.2f} goal>={GOAL} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
