"""Benchmark: the county's monthly finance summary (三资) on PostgreSQL, against one SQL query.

    .venv/bin/python bench/county_finance.py        # 400 villages, ≈ 2 000 000 entries
    .venv/bin/python bench/county_finance.py --villages 100 --per-village 1000 --runs 5

1. Recreates the database ``cunwu_bench_finance`` on the server of ``--db-url``, migrates it and
   loads the regions of Hunan (``cunwu regions import --builtin 43``). 衡山县 has 153 villages in
   that data; to make a county of ``--villages`` (400), villages of other Hunan counties lend
   their names to new rows under 衡山县's townships (codes 4304231xx6nn, not in the data).
2. Gives every village two accounts (bank, cash) and ``--per-village`` (5 000) journal entries
   over 2025–2026: an opening balance per account, then receipts and payments of every
   category; about 3 % proposed or rejected (no voucher; they must not count). Generated
   here and loaded with PostgreSQL ``COPY`` (not through the services: this measures reading
   the books, not keeping them); then ``ANALYZE``.
3. **cunwu**: ``GET /assets/reports/monthly/?region=430423000000&month=2026-11`` through
   Django's test ``Client`` logged in as the county's admin (衡山县管理员): the whole page —
   middleware, session, scope, ``selectors.reports.monthly_summary`` (the villages, one
   ``GROUP BY village`` over the posted entries up to the month's end) and the template of
   400 rows with totals. The selector alone is timed too.
4. **reference**: the same figures (opening, income and expense without 期初/互转/押金, all
   receipts and payments, closing balance, entry count, per village, LEFT JOINed to the
   county's villages) as one hand-written SQL query through psycopg, all rows fetched.

Each is run ``--runs`` times after a warm-up; the medians are compared. The last line is
``BENCH county_finance ratio=<cunwu/sql> goal<=2.0 PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import calendar
import io
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "cunwu_bench_finance"
COUNTY = "430423"
COUNTY_CODE = "430423000000"
MONTH = (2026, 11)
GOAL = 2.0
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2026, 12, 31)

# (category, direction, weight, smallest, largest amount in 分)
KINDS = [
    ("operating_income", "receipt", 10, 10_000, 2_000_000),
    ("contract_income", "receipt", 12, 50_000, 5_000_000),
    ("investment_income", "receipt", 2, 10_000, 1_000_000),
    ("subsidy_income", "receipt", 6, 100_000, 10_000_000),
    ("other_income", "receipt", 5, 1_000, 200_000),
    ("operating_expense", "payment", 12, 10_000, 1_500_000),
    ("admin_expense", "payment", 20, 1_000, 300_000),
    ("public_welfare", "payment", 10, 10_000, 3_000_000),
    ("other_expense", "payment", 8, 1_000, 100_000),
    ("transfer", "receipt", 3, 10_000, 500_000),
    ("transfer", "payment", 3, 10_000, 500_000),
    ("deposit", "receipt", 3, 10_000, 300_000),
    ("deposit", "payment", 2, 10_000, 300_000),
]

REFERENCE_SQL = """
SELECT v.code, v.name,
       COALESCE(e.opening, 0), COALESCE(e.income, 0), COALESCE(e.expense, 0),
       COALESCE(e.receipts, 0), COALESCE(e.payments, 0), COALESCE(e.closing, 0),
       COALESCE(e.n, 0)
FROM core_region v
LEFT JOIN (
    SELECT village_id,
           SUM(CASE WHEN direction = 'receipt' THEN amount_fen ELSE -amount_fen END)
               FILTER (WHERE date < %(start)s) AS opening,
           SUM(amount_fen) FILTER (WHERE date >= %(start)s AND direction = 'receipt'
               AND category NOT IN ('opening', 'transfer', 'deposit')) AS income,
           SUM(amount_fen) FILTER (WHERE date >= %(start)s AND direction = 'payment'
               AND category NOT IN ('opening', 'transfer', 'deposit')) AS expense,
           SUM(amount_fen) FILTER (WHERE date >= %(start)s AND direction = 'receipt') AS receipts,
           SUM(amount_fen) FILTER (WHERE date >= %(start)s AND direction = 'payment') AS payments,
           SUM(CASE WHEN direction = 'receipt' THEN amount_fen ELSE -amount_fen END) AS closing,
           COUNT(*) FILTER (WHERE date >= %(start)s) AS n
    FROM assets_journalentry
    WHERE county_code = %(county)s AND status = 'posted' AND date <= %(end)s
    GROUP BY village_id
) e ON e.village_id = v.code
WHERE v.code LIKE %(like)s AND v.level = 5 AND NOT v.retired
ORDER BY v.code
"""


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


def setup_django(db_url: str) -> None:
    os.environ.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="cunwu.settings.prod",
        SECRET_KEY="bench-only-" + "x" * 60,
        CUNWU_FIELD_KEY="bench-only-field-key-" + "y" * 20,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    )
    sys.path.insert(0, str(ROOT / "src"))
    python = [sys.executable, "-m", "cunwu"]
    for step in (["migrate", "--noinput", "-v", "0"], ["regions", "import", "--builtin", "43"],
                 ["collectstatic", "--noinput", "-v", "0"]):  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run([*python, *step], env=os.environ, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"{' '.join(step[:2])}: {time.perf_counter() - t0:.0f} s", flush=True)
    import django

    django.setup()


def make_county(conn: psycopg.Connection, villages: int) -> list[str]:
    """The county's village codes: 衡山县's own, then new ones named after other villages."""
    own = [r[0] for r in conn.execute(
        "SELECT code FROM core_region WHERE code LIKE %s AND level = 5 AND NOT retired "
        "ORDER BY code", [f"{COUNTY}%"],
    )]  # fmt: skip
    if len(own) >= villages:
        return own[:villages]
    townships = [r[0] for r in conn.execute(
        "SELECT code FROM core_region WHERE code LIKE %s AND level = 4 ORDER BY code",
        [f"{COUNTY}%"],
    )]  # fmt: skip
    names = [r[0] for r in conn.execute(
        "SELECT name FROM core_region WHERE level = 5 AND code NOT LIKE %s ORDER BY code LIMIT %s",
        [f"{COUNTY}%", villages - len(own)],
    )]  # fmt: skip
    new = []
    for i, name in enumerate(names):
        township = townships[i % len(townships)]
        code = f"{township[:9]}{600 + i // len(townships):03d}"
        new.append((code, name, township))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO core_region (code, name, level, parent_id, urban_rural_class, "
            "civil_code, retired) VALUES (%s, %s, 5, %s, '', '', false)",
            new,
        )
    conn.commit()
    return own + [code for code, _n, _t in new]


def load_books(conn: psycopg.Connection, codes: list[str], per_village: int, user_id: int) -> int:
    """Two accounts per village and ``per_village`` entries, by COPY; returns the row count."""
    rng = random.Random(20261124)
    with conn.cursor() as cur:
        with cur.copy(
            "COPY assets_fundaccount (village_id, county_code, name, kind, bank_name, "
            "account_number, active, created_by_id, created_at) FROM STDIN"
        ) as copy:
            for code in codes:
                copy.write_row((code, COUNTY, "基本存款账户", "bank", "衡山农商银行", "", True,
                                user_id, "2025-01-01 08:00+08"))  # fmt: skip
                copy.write_row((code, COUNTY, "库存现金", "cash", "", "", True, user_id,
                                "2025-01-01 08:00+08"))  # fmt: skip
        accounts: dict[str, list[int]] = {}
        for pk, code in cur.execute("SELECT id, village_id FROM assets_fundaccount ORDER BY id"):
            accounts.setdefault(code, []).append(pk)
    conn.commit()

    weights = [k[2] for k in KINDS]
    days = (LAST_DAY - FIRST_DAY).days + 1
    columns = (
        "village_id, county_code, account_id, voucher_number, date, direction, category, "
        "counterparty, summary, amount_fen, reverses_id, status, rejected_reason, "
        "proposed_by_id, proposed_at, posted_at"
    )
    total = 0
    with conn.cursor() as cur, cur.copy(f"COPY assets_journalentry ({columns}) FROM STDIN") as copy:
        for code in codes:
            bank, cash = accounts[code]
            buf = io.StringIO()
            vouchers: dict[tuple[int, int], int] = {}
            dates = sorted(FIRST_DAY + timedelta(days=rng.randrange(days))
                           for _ in range(per_village - 2))  # fmt: skip
            rows = [(FIRST_DAY, bank, "receipt", "opening", 50_000_000),
                    (FIRST_DAY, cash, "receipt", "opening", 500_000)]  # fmt: skip
            for d in dates:
                category, direction, _w, low, high = rng.choices(KINDS, weights)[0]
                account = cash if rng.random() < 0.2 else bank
                rows.append((d, account, direction, category, rng.randint(low, high)))
            for d, account, direction, category, amount in rows:
                roll = rng.random()
                if roll < 0.03:
                    status, voucher, posted = rng.choice(["proposed", "rejected"]), "", "\\N"
                else:
                    status = "posted"
                    n = vouchers[(d.year, d.month)] = vouchers.get((d.year, d.month), 0) + 1
                    voucher = f"记-{d.year}-{d.month:02d}-{n:04d}"
                    posted = f"{d.isoformat()} 16:00+08"
                buf.write(
                    f"{code}\t{COUNTY}\t{account}\t{voucher}\t{d.isoformat()}\t{direction}\t"
                    f"{category}\t\t{category}\t{amount}\t\\N\t{status}\t\t{user_id}\t"
                    f"{d.isoformat()} 09:00+08\t{posted}\n"
                )
                total += 1
            copy.write(buf.getvalue())
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    return total


def timed(fn: object, runs: int) -> list[float]:
    fn()  # type: ignore[operator]  # warm-up: caches, query plans, template loading
    fn()  # type: ignore[operator]
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--villages", type=int, default=400)
    parser.add_argument("--per-village", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--db-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    )
    options = parser.parse_args()
    db_url = recreate(options.db_url, BENCH_DB)
    started = time.perf_counter()
    setup_django(db_url)

    from django.test import Client

    from cunwu.accounts.models import Role
    from cunwu.assets.selectors.reports import monthly_summary
    from cunwu.core.models import Region
    from cunwu.testing import make_user

    admin = make_user("衡山县管理员", Role.COUNTY_ADMIN, COUNTY_CODE)
    with psycopg.connect(db_url) as conn:
        codes = make_county(conn, options.villages)
        t0 = time.perf_counter()
        rows = load_books(conn, codes, options.per_village, admin.pk)
        loaded = time.perf_counter() - t0
    print(f"database {BENCH_DB}: {len(codes)} villages of 衡山县, {2 * len(codes)} accounts, "
          f"{rows:,} journal entries loaded by COPY in {loaded:.1f} s "
          f"(set-up {time.perf_counter() - started:.0f} s)")  # fmt: skip

    year, month = MONTH
    url = f"/assets/reports/monthly/?region={COUNTY_CODE}&month={year}-{month:02d}"
    client = Client()
    client.force_login(admin)
    county = Region.objects.get(code=COUNTY_CODE)

    def page() -> None:
        answer = client.get(url)
        assert answer.status_code == 200, answer.status_code

    def selector() -> None:
        monthly_summary(county, year, month)

    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    params = {"start": start, "end": end, "county": COUNTY, "like": f"{COUNTY}%"}
    reference = psycopg.connect(db_url)
    result: list[tuple[object, ...]] = []

    def hand_sql() -> None:
        result[:] = reference.execute(REFERENCE_SQL, params).fetchall()

    page_times = timed(page, options.runs)
    selector_times = timed(selector, options.runs)
    sql_times = timed(hand_sql, options.runs)

    # the page and the query agree, village by village
    data = monthly_summary(county, year, month)
    mine = [(r.code, r.opening_fen, r.income_fen, r.expense_fen, r.receipts_fen, r.payments_fen,
             r.closing_fen, r.entries) for r in data.rows]  # fmt: skip
    theirs = [(c, int(o), int(i), int(e), int(r), int(p), int(cl), int(n))
              for c, _name, o, i, e, r, p, cl, n in result]  # fmt: skip
    assert mine == theirs, "the page's figures differ from the reference query's"
    plan = reference.execute("EXPLAIN (ANALYZE, BUFFERS) " + REFERENCE_SQL, params).fetchall()
    reference.close()

    def fmt(times: list[float]) -> str:
        ms = [t * 1000 for t in times]
        return (f"median {statistics.median(ms):.1f} ms (min {min(ms):.1f}, max {max(ms):.1f}, "
                f"{len(ms)} runs)")  # fmt: skip

    print(f"plan of the reference query (EXPLAIN ANALYZE), top: {plan[0][0].strip()}")
    print(f"cunwu page {url} (test Client, county admin, {len(data.rows)} rows): {fmt(page_times)}")
    print(f"cunwu selector monthly_summary alone: {fmt(selector_times)}")
    print(f"hand-written SQL (psycopg, one query): {fmt(sql_times)}")
    print(f"totals {year}-{month:02d}: income {data.totals.income_fen:,} 分, expense "
          f"{data.totals.expense_fen:,} 分, closing {data.totals.closing_fen:,} 分")  # fmt: skip
    ratio = statistics.median(page_times) / statistics.median(sql_times)
    verdict = "PASS" if ratio <= GOAL else "FAIL"
    print(f"BENCH county_finance ratio={ratio:.2f} goal<={GOAL} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
