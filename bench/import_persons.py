"""Benchmark: `cunwu import households` of N persons into PostgreSQL against a reference.

    .venv/bin/python bench/import_persons.py            # 200 000 persons
    .venv/bin/python bench/import_persons.py --n 1000000

1. Generates N persons as a CSV in the import template's columns (households of 1–6 members,
   valid unique ID numbers, phones, some rare characters and some pending IDs).
2. Recreates the database ``cunwu_bench`` on the server of ``--db-url`` (never the test
   database), migrates it and seeds the regions.
3. Times ``python -m cunwu import households FILE --village 430423100224 --create-groups`` as a
   child process: validation, encryption, blind index, households, life events and the audit
   chain, in one transaction. Peak RSS comes from ``wait4`` of that child alone (spawned
   before this process loads polars, whose pages a forked child would otherwise count).
4. Times the reference in this process, after a ``CHECKPOINT``: polars reads the same CSV (all
   columns as text) and PostgreSQL ``COPY`` loads the same rows into a plain table of text
   columns (no indexes).

The last line is ``BENCH import_persons ratio=<cunwu/reference> goal<=3.0 PASS|FAIL``.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
VILLAGE = "430423100224"
BENCH_DB = "cunwu_bench"
GOAL = 3.0
MIB = 1024 * 1024

HEADERS = [
    "户编号",
    "村民小组",
    "住址",
    "户类型",
    "姓名",
    "与户主关系",
    "公民身份号码",
    "暂无身份证号原因",
    "性别",
    "出生日期",
    "联系电话",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "残疾情况",
    "劳动技能",
    "务工状况",
    "务工地点",
    "参加医保",
    "参加养老保险",
]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹彭曾肖田董潘袁蔡蒋余于杜叶"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国文斌志强春梅海燕"
RARE = ["𠮷", "䶮", "堃", "昇", "喆", "頔"]
TAGS = ["", "", "", "", "脱贫户", "监测户", "低保户", "脱贫户、低保户"]
CHILD_RELATIONS = ["子", "女", "孙子", "孙女"]
EDUCATION = ["小学", "初中", "高中", "大专", "本科", ""]
WORK = [("省外务工", "广东省深圳市"), ("省内务工", "湖南省长沙市"), ("务农", ""), ("", "")]


def id_number(n: int, born: date) -> str:
    first17 = f"430423{born:%Y%m%d}{n % 1000:03d}"
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    if rng.random() < 0.01:
        given = rng.choice(RARE) + given[:1]
    return rng.choice(SURNAMES) + given


def generate(path: Path, n: int, seed: int = 2026) -> int:
    """Write n persons; returns the number of households."""
    rng = random.Random(seed)
    base = date(1935, 1, 1)
    households = 0
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        while written < n:
            households += 1
            number = f"{households:06d}"
            group = f"第{households % 12 + 1}组"
            address = f"九龙村{group}{households % 97 + 1}号"
            tags = rng.choice(TAGS)
            size = min(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6)), n - written)
            for k in range(size):
                # every (day, sequence) pair once: unique ID numbers for up to 10 M persons
                born = base + timedelta(days=written // 1000 % 25000)
                pending = k > 1 and rng.random() < 0.01
                idn = "" if pending else id_number(written, born)
                relation = "户主" if k == 0 else ("配偶" if k == 1 else rng.choice(CHILD_RELATIONS))
                work, place = rng.choice(WORK)
                out.writerow(
                    [
                        number,
                        group,
                        address,
                        tags,
                        name(rng),
                        relation,
                        idn,
                        "新生儿未办理" if pending else "",
                        rng.choice("男女") if pending else "",
                        born.isoformat() if pending else "",
                        f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                        if rng.random() < 0.6
                        else "",
                        "汉族" if rng.random() < 0.95 else "瑶族",
                        rng.choice(EDUCATION),
                        "",
                        "健康" if rng.random() < 0.9 else "长期慢性病",
                        "",
                        "普通劳动力",
                        work,
                        place,
                        "是" if rng.random() < 0.97 else "否",
                        "是" if rng.random() < 0.8 else "否",
                    ]
                )
                written += 1
    return households


def recreate_database(admin_url: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    info["dbname"] = BENCH_DB
    user = info.get("user", "postgres")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    password = f":{info['password']}" if info.get("password") else ""
    return f"postgres://{user}{password}@{host}:{port}/{BENCH_DB}"


def child_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="cunwu.settings.dev",
        CUNWU_FIELD_KEY="bench-field-key-not-secret",
        DEBUG="false",
    )
    return env


def run_cunwu(args: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """(seconds, exit status, peak RSS in bytes, stdout) of ``python -m cunwu ARGS``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cunwu", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, proc.returncode, usage.ru_maxrss * 1024, output


def reference(path: Path, db_url: str) -> tuple[float, float]:
    """(polars read seconds, COPY seconds) of the same rows into a plain table."""
    import polars as pl

    start = time.perf_counter()
    frame = pl.read_csv(path, infer_schema=False)
    read_seconds = time.perf_counter() - start
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h)) for h in HEADERS)
    with psycopg.connect(db_url) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS reference_persons"))
        conn.execute(sql.SQL("CREATE TABLE reference_persons ({})").format(columns))
        conn.commit()
        # write out what the import left dirty, so that it does not slow the reference
        conn.execute("CHECKPOINT")
        conn.commit()
        start = time.perf_counter()
        buffer = io.BytesIO()
        frame.write_csv(buffer)
        data = buffer.getbuffer()
        with (
            conn.cursor() as cur,
            cur.copy("COPY reference_persons FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        conn.commit()
        copy_seconds = time.perf_counter() - start
        (count,) = conn.execute("SELECT count(*) FROM reference_persons").fetchone() or (0,)
    assert count == frame.height, (count, frame.height)
    return read_seconds, copy_seconds


def counts(db_url: str) -> dict[str, int]:
    with psycopg.connect(db_url) as conn:
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]  # type: ignore[index]
            for table in (
                "registry_household",
                "registry_person",
                "registry_lifeevent",
                "core_auditevent",
            )
        }


WRITTEN = ("registry_household", "registry_person", "registry_lifeevent", "core_auditevent")


def database_floor(db_url: str) -> tuple[float, dict[str, float]]:
    """Seconds for PostgreSQL alone to take the rows the import wrote: each table's rows
    dumped (binary COPY), the tables emptied, the rows COPYed back in one transaction into
    the same tables with all their indexes, constraints and deferred foreign-key checks — no
    Python, no validation, no encryption. What any import of these rows costs at least.
    Returns the total and its parts (each table's COPY, then the commit's foreign-key checks)."""
    with psycopg.connect(db_url) as conn:
        dumps: dict[str, bytes] = {}
        for table in WRITTEN:
            buffer = bytearray()
            name = sql.Identifier(table)
            with conn.cursor().copy(
                sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(name)
            ) as copy:
                for chunk in copy:
                    buffer += chunk
            dumps[table] = bytes(buffer)
        tables = sql.SQL(", ").join(sql.Identifier(t) for t in WRITTEN)
        conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(tables))
        conn.commit()
        conn.execute("CHECKPOINT")
        conn.commit()
        parts: dict[str, float] = {}
        start = time.perf_counter()
        for table, data in dumps.items():
            began = time.perf_counter()
            name = sql.Identifier(table)
            with conn.cursor().copy(
                sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(name)
            ) as copy:
                for offset in range(0, len(data), 1 << 20):
                    copy.write(data[offset : offset + (1 << 20)])
            parts[table] = time.perf_counter() - began
        began = time.perf_counter()
        conn.commit()
        parts["commit"] = time.perf_counter() - began
        return time.perf_counter() - start, parts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200_000, help="persons to import (default 200000)")
    parser.add_argument(
        "--db-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server (its database is only used to create cunwu_bench)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the CSV file")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cunwu-bench-"))
    csv_path = workdir / f"persons-{options.n}.csv"
    start = time.perf_counter()
    households = generate(csv_path, options.n)
    print(
        f"generated {options.n} persons in {households} households: {csv_path} "
        f"({csv_path.stat().st_size / MIB:.1f} MiB, {time.perf_counter() - start:.1f} s)"
    )

    db_url = recreate_database(options.db_url)
    env = child_env(db_url)
    for args in (["migrate", "--noinput", "-v", "0"],):
        seconds, status, _rss, _out = run_cunwu(args, env)
        if status:
            print(f"cunwu {' '.join(args)} failed ({status})")
            return 2
    seed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from cunwu.testing import seed_regions; seed_regions()",
        ],
        env=env,
        cwd=ROOT,
        check=False,
    )
    if seed.returncode:
        return 2
    print(f"database {BENCH_DB} recreated and migrated")

    # the import first: a child forked from a process holding polars and its frame would
    # count those pages in its peak RSS until it execs
    seconds, status, rss, output = run_cunwu(
        ["import", "households", str(csv_path), "--village", VILLAGE, "--create-groups"], env
    )
    print(output.strip())
    if status:
        print(f"cunwu import exited with {status}")
        return 2
    read_s, copy_s = reference(csv_path, db_url)
    ref_s = read_s + copy_s
    rows = counts(db_url)
    ok = rows["registry_person"] == options.n and rows["registry_household"] == households
    print(f"database: {rows}")
    print(
        f"reference: polars read {read_s:.2f} s + COPY {copy_s:.2f} s = {ref_s:.2f} s, "
        f"{options.n / ref_s:,.0f} rows/s"
    )
    print(
        f"cunwu import: {seconds:.2f} s, {options.n / seconds:,.0f} rows/s, "
        f"peak RSS {rss / MIB:.0f} MiB (limit 1024 MiB at 1 M rows)"
    )
    floor_s, parts = database_floor(db_url)
    print(
        f"database floor (the import's rows COPYed back into the same tables with their "
        f"indexes and constraints, no Python): {floor_s:.2f} s = {floor_s / ref_s:.1f} × reference"
        f" ({', '.join(f'{name} {part:.2f} s' for name, part in parts.items())})"
    )
    if not options.keep:
        csv_path.unlink()
        workdir.rmdir()
    ratio = seconds / ref_s
    verdict = "PASS" if ok and ratio <= GOAL and rss < 1024 * MIB else "FAIL"
    print(f"BENCH import_persons ratio={ratio:.2f} goal<={GOAL} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
