"""Benchmark: the 防返贫监测 screening run of a county on PostgreSQL against DuckDB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/screening.py
    .venv/bin/python bench/screening.py --scale 0.01      # a quick check (10 000 households)

1. Recreates the database ``cunwu_bench_screening`` on the server of ``--db-url`` (never the
   test database), migrates it and seeds the regions of 湖南.
2. Generates, loading with ``COPY`` (not the ORM): N households (1 000 000 × scale) over the
   villages of 衡山县, 1–6 members each (3.5 on average; 3 % of them 丧失劳动力), incomes of two
   years (wages and business expenses), and 5 000 000 × scale department records (60 % 医保
   out-of-pocket, the rest 民政/残联/教育/住建/人社/应急/水利; 5 % unmatched).
3. **cunwu**: times ``services.screening.screening_run`` over the county for the year — the
   flags (per-capita income below the line, the drop against last year, members without labour
   capacity, 医保 totals above the line, every other department record) and the alerts written
   with their dedupe keys, in one transaction.
4. **DuckDB**: the same tables exported to Parquet (not timed), then the same joins and flags
   materialised as a table of the same alert rows (village, county, household, person,
   department, kind, year, amount, details as JSON, sha256 dedupe key). The former reference,
   which materialised only kind, household and key, is timed too and printed for comparison.
5. Checks that both give, for each kind, the same number of alerts, the same sum of amounts and
   the same dedupe keys (a digest of them sorted); prints seconds and peak RSS (cunwu's: the
   high-water mark before DuckDB runs in this process).

The last line is ``BENCH screening ratio=<cunwu/duckdb> goal<=3.0 PASS|FAIL``. DuckDB is a
development dependency (``duckdb``); pyarrow is not needed (DuckDB writes Parquet itself).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "cunwu_bench_screening"
COUNTY = "430423000000"
YEAR = 2024
GOAL = 3.0
REFERENCE_RUNS = 3
MIB = 1024 * 1024
THRESHOLD = 850_000  # the default line of 2024 (分 per person)
DROP_PERCENT = 30
MEDICAL_FEN = 1_000_000
LABOUR_LOSS = ("丧失劳动力", "无劳动力", "丧失劳动能力", "无劳动能力")
OTHERS = [
    ("civil", "social_assistance"), ("disabled", "disability"), ("education", "school"),
    ("housing", "dangerous_housing"), ("labour", "unemployment"), ("emergency", "disaster"),
    ("water", "drinking_water"),
]  # fmt: skip


def recreate(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(admin_url, name)


def database_url(admin_url: str, name: str) -> str:
    """``admin_url``'s server, database ``name`` (as a URL: Django's settings read one)."""
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def reused(admin_url: str, households: int, records: int) -> str | None:
    """The bench database's URL if it holds as many households and records already (its
    alerts and runs then emptied), else None."""
    url = database_url(admin_url, BENCH_DB)
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM registry_household), "
                "(SELECT count(*) FROM monitoring_departmentrecord)"
            ).fetchone()
            if row != (households, records):
                return None
            # the cases that point at alerts too (none in the bench's database)
            conn.execute("TRUNCATE monitoring_alert CASCADE")
            conn.execute("DELETE FROM monitoring_screeningrun")
    except psycopg.Error as exc:
        print(f"not reused: {exc}", flush=True)
        return None
    return url


def setup_django(db_url: str, steps: list[list[str]] | None = None) -> None:
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
    default = [["migrate", "--noinput", "-v", "0"], ["regions", "import", "--builtin", "43"]]
    for step in steps or default:
        t0 = time.perf_counter()
        subprocess.run([*python, *step], env=os.environ, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"{' '.join(step[:2])}: {time.perf_counter() - t0:.0f} s", flush=True)
    import django

    django.setup()


def load(conn: psycopg.Connection, households: int, records: int, seed: int) -> dict[str, int]:
    """Households, persons, incomes and department records of 衡山县 by COPY."""
    from django.contrib.auth import get_user_model

    rng = random.Random(seed)
    villages = [r[0] for r in conn.execute(
        "SELECT code FROM core_region WHERE code LIKE '430423%%' AND level = 5 ORDER BY code"
    )]  # fmt: skip
    user = get_user_model().objects.create_user(username="bench", password="bench-only")
    now = "2026-01-01 00:00:00+08"
    members: list[tuple[int, int, str]] = []  # (first person id, count, village)
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy(
            "COPY registry_household (id, village_id, county_code, number, address, tags, "
            "status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for h in range(1, households + 1):
                village = villages[h % len(villages)]
                copy.write_row((h, village, "430423", f"{h:07d}", "", "", "active", now, now))
        pid = 0
        with cur.copy(
            "COPY registry_person (id, household_id, county_code, name, relation, "
            "id_number_enc, id_number_index, id_masked, id_tail, id_pending_reason, gender, "
            "phone_enc, phone_masked, ethnicity, education, school_stage, health, disability, "
            "labour_ability, work_status, work_place, medical_insurance, pension_insurance, "
            "status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for h in range(1, households + 1):
                size = rng.randint(1, 6)
                members.append((pid + 1, size, villages[h % len(villages)]))
                for i in range(size):
                    pid += 1
                    ability = "丧失劳动力" if rng.random() < 0.03 else "普通劳动力"
                    copy.write_row((
                        pid, h, "430423", f"成员{pid}", "户主" if i == 0 else "子", "",
                        f"{pid:064x}", "", "", "", "", "", "", "汉族", "", "", "", "",
                        ability, "", "", False, False, "active", now, now,
                    ))  # fmt: skip
        with cur.copy(
            "COPY registry_incomerecord (household_id, year, category, amount_fen, note, "
            "updated_at) FROM STDIN"
        ) as copy:
            for h, (_first, size, _v) in enumerate(members, start=1):
                per_capita = int(rng.lognormvariate(14.3, 0.5))  # ~1.6 万元, 5–10 % below
                net0 = per_capita * size
                net = int(net0 * rng.uniform(0.5, 1.3)) if rng.random() < 0.2 else net0
                expense = rng.randint(0, 300_000)
                for year, value in ((YEAR - 1, net0), (YEAR, net)):
                    copy.write_row((h, year, "wages", value + expense, "", now))
                    copy.write_row((h, year, "business_expense", expense, "", now))
        cur.execute(
            "INSERT INTO monitoring_departmentimport (department, region_id, file, "
            "original_name, sha256, status, total_rows, processed_rows, matched_rows, "
            "unmatched_rows, invalid_rows, duplicate_rows, alerts_created, errors, "
            "error_report, created_by_id, created_at) VALUES ('medical', %s, 'bench.csv', "
            "'bench.csv', '', 'done', %s, %s, 0, 0, 0, 0, 0, '[]', '', %s, now()) "
            "RETURNING id",
            (COUNTY, records, records, user.pk),
        )
        import_id = cur.fetchone()[0]  # type: ignore[index]
        with cur.copy(
            "COPY monitoring_departmentrecord (source_import_id, row_number, department, kind, "
            "county_code, id_index, person_id, household_id, village_id, year, event_date, "
            "amount_fen, details) FROM STDIN"
        ) as copy:
            for n in range(1, records + 1):
                h = rng.randint(1, households)
                first, size, village = members[h - 1]
                person = first + rng.randrange(size)
                matched = rng.random() >= 0.05
                if rng.random() < 0.6:
                    dept, kind, amount = "medical", "medical_expense", rng.randint(0, 600_000)
                else:
                    dept, kind = OTHERS[n % len(OTHERS)]
                    amount = None
                key = f"{n:032x}"
                copy.write_row((
                    import_id, n + 1, dept, kind, "430423", f"{person:064x}",
                    person if matched else None, h if matched else None,
                    village if matched else None, YEAR, f"{YEAR}-06-01", amount,
                    json.dumps({"key": key}),
                ))  # fmt: skip
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    print(f"load: {time.perf_counter() - t0:.1f} s ({households} households, {pid} persons, "
          f"{records} department rows)", flush=True)  # fmt: skip
    return {"households": households, "persons": pid, "records": records}


EXPORTS = {
    "households": "SELECT id, status, village_id, county_code FROM registry_household",
    "persons": "SELECT id, household_id, status, labour_ability, county_code FROM registry_person",
    "incomes": "SELECT household_id, year, category, amount_fen FROM registry_incomerecord",
    # ``key`` only for the former reference (keys only); the reference reads ``details``
    "records": "SELECT household_id, person_id, village_id, county_code, department, kind, year, "
    "event_date, amount_fen, details::text AS details, details->>'key' AS key "
    "FROM monitoring_departmentrecord",
}
TEXT_COLUMNS = ("village_id", "county_code", "details", "key", "labour_ability")


def export_parquet(conn: psycopg.Connection, duck: object, folder: Path) -> None:
    for name, query in EXPORTS.items():
        csv_path = folder / f"{name}.csv"
        statement = f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)"
        with conn.cursor() as cur, csv_path.open("wb") as out, cur.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in TEXT_COLUMNS if c in query)
        duck.execute(  # type: ignore[attr-defined]
            f"COPY (SELECT * FROM read_csv_auto('{csv_path}', header=true, types={{{types}}})) "
            f"TO '{folder / name}.parquet' (FORMAT parquet)"
        )
        csv_path.unlink()


def duckdb_screening(duck: object, folder: Path) -> dict[str, int]:
    """The same alert rows as ``services.screening`` (village, county, household, person,
    department, kind, year, amount, details as JSON, sha256 dedupe key), written as a table."""
    p = {name: f"'{folder / name}.parquet'" for name in EXPORTS}
    labour = ", ".join(f"'{v}'" for v in LABOUR_LOSS)
    signed = "CASE WHEN category = 'business_expense' THEN -amount_fen ELSE amount_fen END"
    query = f"""
    CREATE OR REPLACE TABLE alerts AS
    WITH inc AS (
        SELECT household_id,
            SUM(CASE WHEN year = {YEAR} THEN {signed} END) AS net,
            SUM(CASE WHEN year = {YEAR - 1} THEN {signed} END) AS net0
        FROM {p["incomes"]} WHERE year IN ({YEAR}, {YEAR - 1}) GROUP BY household_id),
    mem AS (SELECT household_id, COUNT(*) AS m FROM {p["persons"]}
            WHERE status = 'active' GROUP BY household_id),
    hh AS (SELECT h.id, h.village_id, h.county_code, inc.net::BIGINT AS net,
                  inc.net0::BIGINT AS net0, mem.m::BIGINT AS m
           FROM {p["households"]} h
           JOIN inc ON inc.household_id = h.id JOIN mem ON mem.household_id = h.id
           WHERE h.status = 'active' AND inc.net IS NOT NULL AND mem.m > 0),
    low AS (SELECT *, CASE WHEN net >= 0 THEN (2 * net + m) // (2 * m)
                           ELSE -((m - 2 * net) // (2 * m)) END AS per_capita
            FROM hh WHERE 2 * net < ({2 * THRESHOLD - 1}) * m),
    flags AS (
        SELECT village_id, county_code, id AS household_id, NULL::BIGINT AS person_id,
            'registry' AS department, 'low_income' AS kind, per_capita AS amount_fen,
            json_object('per_capita_fen', per_capita, 'threshold_fen', {THRESHOLD},
                        'members', m) AS details,
            'income' AS source
        FROM low
        UNION ALL
        SELECT village_id, county_code, id, NULL, 'registry', 'income_drop', net0 - net,
            json_object('net_fen', net, 'last_year_net_fen', net0, 'drop_percent',
                        round(((2000 * (net0 - net) + net0) // (2 * net0)) / 10.0, 1),
                        'threshold_percent', {DROP_PERCENT}),
            'drop'
        FROM hh WHERE net0 > 0 AND (net0 - net) * 100 >= {DROP_PERCENT} * net0
        UNION ALL
        SELECT h.village_id, pe.county_code, pe.household_id, pe.id, 'registry',
            'labour_loss', NULL, json_object('labour_ability', pe.labour_ability),
            'person:' || pe.id
        FROM {p["persons"]} pe JOIN {p["households"]} h ON h.id = pe.household_id
        WHERE pe.status = 'active' AND h.status = 'active' AND pe.labour_ability IN ({labour})
        UNION ALL
        SELECT village_id, county_code, household_id, NULL, 'medical', 'medical_expense',
            SUM(amount_fen)::BIGINT,
            json_object('total_fen', SUM(amount_fen)::BIGINT, 'records', COUNT(*),
                        'threshold_fen', {MEDICAL_FEN}),
            'medical'
        FROM {p["records"]}
        WHERE kind = 'medical_expense' AND person_id IS NOT NULL AND year = {YEAR}
        GROUP BY household_id, village_id, county_code HAVING SUM(amount_fen) > {MEDICAL_FEN}
        UNION ALL
        SELECT DISTINCT village_id, county_code, household_id, person_id, department, kind,
            amount_fen,
            json_merge_patch(json_merge_patch(details::JSON, json_object('key', NULL)),
                             json_object('event_date',
                                         COALESCE(strftime(event_date, '%Y-%m-%d'), ''))),
            department || ':' || COALESCE(json_extract_string(details, '$.key'), '')
        FROM {p["records"]}
        WHERE kind <> 'medical_expense' AND person_id IS NOT NULL AND year = {YEAR})
    SELECT village_id, county_code, household_id, person_id, department, kind,
           {YEAR} AS year, amount_fen, details,
           sha256(kind || '|' || household_id || '|{YEAR}|' || source) AS dedupe_key
    FROM flags
    """
    duck.execute(query)  # type: ignore[attr-defined]
    rows = duck.execute(  # type: ignore[attr-defined]
        "SELECT kind, COUNT(DISTINCT dedupe_key) FROM alerts GROUP BY kind"
    ).fetchall()
    return {kind: int(n) for kind, n in rows}


def duckdb_keys_only(duck: object, folder: Path) -> dict[str, int]:
    """The former reference, for comparison with earlier figures: the same flags, but only
    each alert's kind, household and dedupe key (no village, person, amount or details)."""
    p = {name: f"'{folder / name}.parquet'" for name in EXPORTS}
    labour = ", ".join(f"'{v}'" for v in LABOUR_LOSS)
    query = f"""
    CREATE OR REPLACE TABLE alerts_keys AS
    WITH inc AS (
        SELECT household_id,
            SUM(CASE WHEN year = {YEAR} THEN CASE WHEN category = 'business_expense'
                THEN -amount_fen ELSE amount_fen END END) AS net,
            SUM(CASE WHEN year = {YEAR - 1} THEN CASE WHEN category = 'business_expense'
                THEN -amount_fen ELSE amount_fen END END) AS net0
        FROM {p["incomes"]} WHERE year IN ({YEAR}, {YEAR - 1}) GROUP BY household_id),
    mem AS (SELECT household_id, COUNT(*) AS m FROM {p["persons"]}
            WHERE status = 'active' GROUP BY household_id),
    hh AS (SELECT h.id, inc.net, inc.net0, mem.m FROM {p["households"]} h
           JOIN inc ON inc.household_id = h.id JOIN mem ON mem.household_id = h.id
           WHERE h.status = 'active' AND inc.net IS NOT NULL AND mem.m > 0),
    flags AS (
        SELECT 'low_income' AS kind, id AS household_id, 'income' AS source FROM hh
            WHERE 2 * net < ({2 * THRESHOLD - 1}) * m
        UNION ALL
        SELECT 'income_drop', id, 'drop' FROM hh
            WHERE net0 > 0 AND (net0 - net) * 100 >= {DROP_PERCENT} * net0
        UNION ALL
        SELECT 'labour_loss', pe.household_id, 'person:' || pe.id FROM {p["persons"]} pe
            JOIN {p["households"]} h ON h.id = pe.household_id
            WHERE pe.status = 'active' AND h.status = 'active'
              AND pe.labour_ability IN ({labour})
        UNION ALL
        SELECT 'medical_expense', household_id, 'medical' FROM {p["records"]}
            WHERE kind = 'medical_expense' AND person_id IS NOT NULL AND year = {YEAR}
            GROUP BY household_id HAVING SUM(amount_fen) > {MEDICAL_FEN}
        UNION ALL
        SELECT DISTINCT kind, household_id, department || ':' || key FROM {p["records"]}
            WHERE kind <> 'medical_expense' AND person_id IS NOT NULL AND year = {YEAR})
    SELECT kind, household_id,
           sha256(kind || '|' || household_id || '|{YEAR}|' || source) AS dedupe_key
    FROM flags
    """
    duck.execute(query)  # type: ignore[attr-defined]
    rows = duck.execute(  # type: ignore[attr-defined]
        "SELECT kind, COUNT(DISTINCT dedupe_key) FROM alerts_keys GROUP BY kind"
    ).fetchall()
    return {kind: int(n) for kind, n in rows}


def _copy_out(conn: psycopg.Connection, query: str, path: Path) -> None:
    statement = f"COPY ({query}) TO STDOUT (FORMAT binary)"
    with conn.cursor() as cur, path.open("wb") as out, cur.copy(statement) as copy:
        for chunk in copy:
            out.write(chunk)


def _copy_in(db_url: str, paths: list[Path]) -> None:
    """The files into ``monitoring_alert`` on a connection of its own, in one transaction."""
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        for path in paths:
            with (
                path.open("rb") as data,
                cur.copy("COPY monitoring_alert FROM STDIN (FORMAT binary)") as copy,
            ):
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
        conn.commit()


def database_floor(db_url: str, folder: Path) -> dict[str, float]:
    """Seconds for PostgreSQL alone to store the alerts cunwu wrote: the rows dumped (binary
    COPY, to files), the table emptied, and the rows COPYed back into the same table, with all
    its indexes, its unique constraint and its foreign keys' checks at commit — no flag to
    compute, no join, no Python. ``one``: in one transaction; ``two``: the two halves of the
    households side by side on two connections, as cunwu's parts. What any screening that
    stores these alerts in this table costs at least."""
    halves = [folder / "alerts-1.bin", folder / "alerts-2.bin"]
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY household_id) FROM monitoring_alert"
        ).fetchone()
        middle = int(row[0]) if row and row[0] is not None else 0
        for path, op in zip(halves, ("<=", ">"), strict=True):
            where = f"household_id {op} {middle}"
            _copy_out(conn, f"SELECT * FROM monitoring_alert WHERE {where} ORDER BY id", path)
    timings: dict[str, float] = {}
    for name, streams in (("one", [halves]), ("two", [[halves[0]], [halves[1]]])):
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("TRUNCATE monitoring_alert CASCADE")
            conn.execute("CHECKPOINT")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(streams)) as pool:
            for future in [pool.submit(_copy_in, db_url, paths) for paths in streams]:
                future.result()
        timings[name] = time.perf_counter() - t0
    for path in halves:
        path.unlink()
    return timings


# per kind: alerts, their amounts and a digest of their sorted dedupe keys (not timed)
FINGERPRINT = (
    "SELECT kind, COUNT(*), COALESCE(SUM(amount_fen), 0), "
    "md5(string_agg(dedupe_key, '' ORDER BY dedupe_key)) FROM {table} GROUP BY kind"
)


def fingerprint(rows: list[tuple[Any, ...]]) -> dict[str, tuple[int, int, str]]:
    return {str(k): (int(n), int(amount), str(digest)) for k, n, amount, digest in rows}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1 M households")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--db-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL",
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        ),
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a loaded database of the same size (its alerts and runs emptied, migrations "
        "applied) and the Parquet export: for repeated runs while working on the screening",
    )
    args = parser.parse_args()
    try:
        import duckdb
    except ImportError:
        sys.exit("bench/screening.py needs DuckDB: uv pip install duckdb (a dev dependency)")
    households = max(100, int(1_000_000 * args.scale))
    records = max(100, int(5_000_000 * args.scale))
    db_url = reused(args.db_url, households, records) if args.reuse else None
    loaded = db_url is not None
    if db_url is None:
        db_url = recreate(args.db_url, BENCH_DB)
        setup_django(db_url)
    else:
        setup_django(db_url, steps=[["migrate", "--noinput", "-v", "0"]])

    from cunwu.core.models import Region
    from cunwu.monitoring.models import Alert
    from cunwu.monitoring.services.screening import screening_run

    with psycopg.connect(db_url) as conn:
        if loaded:
            print("reused the loaded database", flush=True)
        else:
            load(conn, households, records, args.seed)
        conn.execute("CHECKPOINT")
        county = Region.objects.get(code=COUNTY)
        wal_at = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        conn.commit()
        t0 = time.perf_counter()
        run = screening_run(actor=None, region=county, year=YEAR)
        cunwu_s = time.perf_counter() - t0
        wal = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (wal_at,)
        ).fetchone()[0]  # type: ignore[index]
        # the high-water mark so far: the load's generator and cunwu, not yet DuckDB
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB
        ours = dict(run.counts or {})
        written = Alert.objects.count()
        print(f"cunwu: {cunwu_s:.2f} s, {written} alerts {json.dumps(ours, sort_keys=True)}, "
              f"{wal / MIB:.0f} MiB of WAL", flush=True)  # fmt: skip
        ours_rows = fingerprint(
            conn.execute(FINGERPRINT.format(table="monitoring_alert")).fetchall()
        )
        conn.commit()
        with tempfile.TemporaryDirectory() as tmp:
            floor = database_floor(db_url, Path(tmp))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            duck = duckdb.connect(str(folder / "bench.duckdb"))
            duck.execute("SET threads = 2")
            if args.reuse:
                folder = Path(tempfile.gettempdir()) / f"{BENCH_DB}-{households}-{args.seed}"
                if not (folder / "records.parquet").exists():
                    folder.mkdir(exist_ok=True)
                    export_parquet(conn, duck, folder)
            else:
                export_parquet(conn, duck, folder)
            # DuckDB's times vary from run to run (4–9 s at full scale on the 2-core box): its
            # best of three is the reference
            duck_runs, key_runs = [], []
            for _ in range(REFERENCE_RUNS):
                t0 = time.perf_counter()
                theirs = duckdb_screening(duck, folder)
                duck_runs.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                keys_only = duckdb_keys_only(duck, folder)
                key_runs.append(time.perf_counter() - t0)
            duck_s, keys_s = min(duck_runs), min(key_runs)
            theirs_rows = fingerprint(
                duck.execute(
                    FINGERPRINT.format(table="(SELECT DISTINCT ON (dedupe_key) * FROM alerts)")
                ).fetchall()
            )
            duck.close()
    print(f"duckdb: {duck_s:.2f} s (best of {', '.join(f'{t:.2f}' for t in duck_runs)}), "
          f"{sum(theirs.values())} alerts "
          f"{json.dumps(theirs, sort_keys=True)}", flush=True)  # fmt: skip
    print(f"duckdb, keys only (the former reference): {keys_s:.2f} s, "
          f"ratio {cunwu_s / keys_s:.2f}", flush=True)  # fmt: skip
    same = ours == theirs == keys_only and ours_rows == theirs_rows
    if not same or written != sum(ours.values()):
        print(f"MISMATCH cunwu={ours} duckdb={theirs} keys_only={keys_only} written={written}",
              flush=True)  # fmt: skip
        for kind in sorted(set(ours_rows) | set(theirs_rows)):
            if ours_rows.get(kind) != theirs_rows.get(kind):
                print(f"  {kind}: cunwu {ours_rows.get(kind)} duckdb {theirs_rows.get(kind)}")
    else:
        print("alerts equal: counts, amounts and dedupe keys of each kind", flush=True)
    peak_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB
    print(f"database floor (the alerts COPYed back into the same table, its indexes and "
          f"foreign keys; nothing computed): one transaction {floor['one']:.2f} s = "
          f"{floor['one'] / duck_s:.1f} × duckdb; two side by side {floor['two']:.2f} s = "
          f"{floor['two'] / duck_s:.1f} × duckdb; cunwu = {cunwu_s / floor['two']:.1f} × the "
          f"floor", flush=True)  # fmt: skip
    print(f"peak RSS: {peak:.0f} MiB up to the end of cunwu's run (goal < 2048), "
          f"{peak_all:.0f} MiB with DuckDB's")  # fmt: skip
    ratio = cunwu_s / duck_s if duck_s else float("inf")
    ok = ratio <= GOAL and same and peak < 2048
    print(f"BENCH screening ratio={ratio:.2f} goal<={GOAL} {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
