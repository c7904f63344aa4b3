"""Household spreadsheets: the column list, reading xlsx/csv, the check and the import.

One row per person. The household columns (户编号, 村民小组, 住址, 户类型) repeat on each member's
row; rows with the same 户编号 form one household and the member whose 与户主关系 is 户主 heads
it. Where member rows fill a household column they must agree with the other rows of the
household (a blank cell agrees with anything).

The same pass serves the preview and the import, so that both find the same errors:

* :func:`households_check` reads the file once and collects every bad cell as
  ``(row, column header, message, value)``: rows are spreadsheet rows (the header is row 1).
* :func:`households_import` does the same checks while it writes, inside ONE transaction. On
  PostgreSQL a quick first pass reads the household columns and stores the households, then the
  persons follow batch by batch (``COPY`` from a writer thread, each batch with its life events
  and its foreign keys checked at once); on SQLite the persons go first and the households at
  the end. The audit events come last. The first error stops the writing; checking goes on to
  the end of the file so that the report lists every bad cell, and the transaction is rolled
  back: all or nothing.

An unknown 村民小组 is an error unless ``create_groups`` (“自动创建村民小组”) is chosen; the
groups are then created through ``core.services.groups.group_create`` in the same transaction.

Validation reuses ``registry.services`` (``clean_person``, ``person_fields``, ``clean_tags``), so
ID-number, phone, name and relation rules live in one place.

Upload jobs (:class:`ImportJob`): ``import_job_create`` stores the file and queues the check,
``import_job_confirm`` queues the import; both run as django-tasks (``registry.tasks``).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gc
import hashlib
import io
import json
import logging
import operator
import queue
import re
import threading
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require, scope_q
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone
from cunwu.core.idnumber import mask_id_number
from cunwu.core.models import Region, VillageGroup
from cunwu.core.services.audit import PendingEvent, audit_append_many
from cunwu.core.services.groups import group_create

from .models import (
    HEAD,
    HOUSEHOLD_TAGS,
    PERSON_DETAILS,
    RELATIONS,
    Household,
    HouseholdStatus,
    ImportJob,
    ImportStatus,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
)
from .services import (
    CleanPerson,
    PersonData,
    _id_taken_message,
    clean_person,
    clean_tags,
    person_fields,
)

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- the columns


@dataclass(frozen=True)
class Column:
    """One column of the household spreadsheet (template, import, error report and export)."""

    header: str
    key: str  # a PersonData field, or a household attribute when ``household``
    household: bool = False
    required: bool = False  # the header must be present in an imported file
    width: int = 12
    text: bool = False  # kept as text in the template (ID numbers, leading zeros)
    choices: tuple[str, ...] = ()  # a drop-down list in the template
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("户编号", "number", household=True, required=True, width=10, text=True,
           note="本村内唯一；同一户的每名成员填相同的户编号"),
    Column("村民小组", "group", household=True,
           note="本村已有的村民小组名称（未建的可勾选“自动创建村民小组”）；可不填"),
    Column("住址", "address", household=True, width=24, note="可不填"),
    Column("户类型", "tags", household=True, width=16,
           note=f"可填多个，用“、”分隔：{'、'.join(HOUSEHOLD_TAGS)}；可不填"),
    Column("姓名", "name", required=True, width=10, note="生僻字按原样填写，如𠮷、䶮"),
    Column("与户主关系", "relation", required=True, choices=tuple(RELATIONS),
           note="每户有且只有一名成员填“户主”"),
    Column("公民身份号码", "id_number", required=True, width=22, text=True,
           note="18位（15位旧号自动升位）；请保持文本格式，以免末尾几位变成0"),
    Column("暂无身份证号原因", "id_pending_reason", width=16,
           note="没有身份证号时必填，如“新生儿未办理”"),
    Column("性别", "gender", width=6, choices=("男", "女"),
           note="有身份证号时由号码确定，可不填"),
    Column("出生日期", "birth_date", note="如 2020-01-31；有身份证号时由号码确定，可不填"),
    Column("联系电话", "phone", width=14, text=True, note="11位手机号或带区号的固定电话；可不填"),
    Column("民族", "ethnicity", width=8, note="不填为汉族"),
    Column("文化程度", "education"),
    Column("在校生状况", "school_stage"),
    Column("健康状况", "health"),
    Column("残疾情况", "disability"),
    Column("劳动技能", "labour_ability"),
    Column("务工状况", "work_status"),
    Column("务工地点", "work_place", width=20),
    Column("参加医保", "medical_insurance", width=10, choices=("是", "否"), note="是/否，不填为否"),
    Column("参加养老保险", "pension_insurance", choices=("是", "否"), note="是/否，不填为否"),
)  # fmt: skip
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
BY_HEADER: dict[str, Column] = {c.header: c for c in COLUMNS}
SHEET_TITLE = "户籍人口"
NOTES_TITLE = "填写说明"

# which column a service error belongs to (``ApplicationError.field`` → header)
_FIELD_HEADER: dict[str, str] = {c.key: c.header for c in COLUMNS if not c.household}
_TEXT_LIMITS: dict[str, int] = {
    key: cast(int, getattr(Person._meta.get_field(key), "max_length", 0))
    for key in (
        "id_pending_reason",
        "ethnicity",
        "education",
        "school_stage",
        "health",
        "disability",
        "labour_ability",
        "work_status",
        "work_place",
    )
}
NUMBER_MAX = cast(int, getattr(Household._meta.get_field("number"), "max_length", 0))
ADDRESS_MAX = cast(int, getattr(Household._meta.get_field("address"), "max_length", 0))
_YES_NO: dict[str, bool] = {
    **dict.fromkeys(("是", "有", "y", "yes", "true", "1", "√", "参加", "已参加"), True),
    **dict.fromkeys(("否", "无", "n", "no", "false", "0", "×", "未参加", ""), False),
}
# positions in COLUMNS (and in a row's values)
_ID = HEADERS.index("公民身份号码")
_BIRTH = HEADERS.index("出生日期")
_ETHNICITY = HEADERS.index("民族")  # the columns after it are free text, then two 是/否
_PENDING = HEADERS.index("暂无身份证号原因")  # the free-text columns start here
_LIMITS = [(HEADERS.index(BY_KEY[key].header), limit) for key, limit in _TEXT_LIMITS.items()]
_SHORTEST_LIMIT = min(_TEXT_LIMITS.values())
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DIMENSION = re.compile(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')
_SCIENTIFIC = re.compile(r"[0-9.]+[eE]\+?\d+")
LOSSY_ID = (
    "公民身份号码被存成了数字，末尾几位已丢失（表格软件只保留15位有效数字），"
    "请把该列设为文本格式后重新填写"
)

# errors kept on an ImportJob (the report file has all of them); and a memory bound
STORED_ERRORS = 1000
MAX_REPORTED_ERRORS = 200_000
PROGRESS_EVERY = 1000
# persons per batch of the PostgreSQL writer thread (and per block of ids it takes)
WRITE_BATCH = 5000
ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# about 330 000 rows: reading an xlsx takes some 20 times its size in memory (calamine)
XLSX_MAX_BYTES = 32 * 1024 * 1024

Cell = str | int | float | bool | date | datetime | time | timedelta | None
RowError = tuple[int, str, str, str]  # (row, column header, message, value as shown)
Progress = Callable[[int], None]


# ---------------------------------------------------------------- reading files


def _text(value: Cell) -> str:
    """A cell as the text a person typed: integral numbers without ``.0``, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def file_kind(path: Path) -> str:
    """``xlsx`` (also .xlsm/.ods: a zip), ``xls`` or ``csv``, from the first bytes."""
    with path.open("rb") as f:
        head = f.read(8)
    if not head:
        raise ApplicationError("import_empty", "文件是空的")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _csv_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK that also has 𠮷)."""
    if b"\x00" in sample:
        raise ApplicationError("import_not_spreadsheet", "文件不是xlsx或csv表格")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    with path.open("rb") as raw:
        sample = raw.read(1 << 20)
    encoding = _csv_encoding(sample)
    first_line = sample.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first_line and b"," not in first_line else ","
    with path.open(encoding=encoding, newline="") as f:
        try:
            for n, row in enumerate(csv.reader(f, delimiter=delimiter), start=1):
                yield n, cast(list[Cell], row)
        except UnicodeDecodeError:
            raise ApplicationError(
                "import_encoding", "文件编码无法识别，请在表格软件中另存为“CSV UTF-8”格式"
            ) from None
        except csv.Error as exc:
            raise ApplicationError("import_csv", f"CSV格式错误：{exc}") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """Rows of the first sheet. calamine parses the sheet whole and hands the rows over one by
    one: about 1.8 GB of memory for a million rows (a 97 MB file), hence ``XLSX_MAX_BYTES``. A
    CSV streams from disk and suits the biggest files."""
    from python_calamine import CalamineError, CalamineWorkbook

    _xlsx_size_ok(path.stat().st_size)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except CalamineError as exc:
        raise ApplicationError(
            "import_not_spreadsheet", f"无法读取表格文件（{exc}），请确认是xlsx或csv文件"
        ) from None
    # calamine yields rows from the first sheet row but cells from the first used column
    pad: list[Cell] = [""] * (sheet.start[1] if sheet.start else 0)
    for n, row in enumerate(sheet.iter_rows(), start=1):
        cells = cast(list[Cell], row)
        yield n, pad + cells if pad else cells


def _xlsx_size_ok(size: int) -> None:
    if size > XLSX_MAX_BYTES:
        raise ApplicationError(
            "import_xlsx_too_big",
            f"xlsx文件超过{_size(XLSX_MAX_BYTES)}，读取时占用内存过多；"
            "请在表格软件中另存为“CSV UTF-8”后导入",
            field="file",
        )


def read_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """(spreadsheet row number, cells) of the first sheet, streamed."""
    kind = file_kind(path)
    return _csv_rows(path) if kind == "csv" else _xlsx_rows(path)


def estimate_rows(path: Path) -> int:
    """Data rows, cheaply: lines of a CSV (quoted line breaks make it an over-estimate), the
    dimension an xlsx declares for its first sheet; 0 when unknown."""
    kind = file_kind(path)
    if kind == "csv":
        lines, last = 0, b""
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk
        return max(lines - 1 + (0 if last.endswith(b"\n") else 1), 0)
    if kind != "xlsx":
        return 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
            head = sheet.read(4096)
            match = _DIMENSION.search(head.decode("utf-8", "replace"))
            if match:
                return max(int(match[1]) - 1, 0)
            # no declared dimension (openpyxl's write-only files): count the rows
            rows, tail = head.count(b"<row "), head[-4:]
            while chunk := sheet.read(1 << 20):
                rows += (tail + chunk).count(b"<row ")
                tail = chunk[-4:]
            return max(rows - 1, 0)
    except (KeyError, OSError, zipfile.BadZipFile):
        return 0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- results


@dataclass
class ImportResult:
    """What a check or an import found; ``errors`` sorted by row, then column order."""

    rows: int = 0
    households: int = 0
    persons: int = 0
    new_groups: list[str] = field(default_factory=list)
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def summary(self) -> str:
        """校验通过：12户，40人（将新建村民小组：第三组） / 已导入… / 有3处错误…"""
        if not self.ok:
            return f"发现{self.error_count}处错误，未导入任何数据"
        verb = "已导入" if self.imported else "校验通过，可导入"
        text = f"{verb}{self.households}户，{self.persons}人"
        if self.new_groups:
            made = "新建" if self.imported else "将新建"
            text += f"（{made}村民小组：{'、'.join(self.new_groups)}）"
        return text


def describe_error(error: RowError) -> str:
    row, column, message, _value = error
    where = f"第{row}行" if row else "文件"
    return f"{where}【{column}】{message}" if column else f"{where}：{message}"


# ---------------------------------------------------------------- writing rows

PERSON_VALUE_KEYS = (
    "name",
    "relation",
    "id_number_enc",
    "id_number_index",
    "id_masked",
    "id_tail",
    "id_pending_reason",
    "gender",
    "birth_date",
    "phone_enc",
    "phone_masked",
    *PERSON_DETAILS,
)
_person_values = operator.itemgetter(*PERSON_VALUE_KEYS)
# the database numbers the persons; their life events are made from them in one statement
PERSON_COLUMNS = (
    "household_id",
    "county_code",
    *PERSON_VALUE_KEYS,
    "status",
    "user_id",
    "created_at",
    "updated_at",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "village_id",
    "county_code",
    "group_id",
    "number",
    "address",
    "tags",
    "status",
    "created_at",
    "updated_at",
)


_ACTIVE: str = PersonStatus.ACTIVE.value


class _Abort(Exception):
    """The import pass met its first error: roll back, then report through a full check."""


class _Sink:
    """The writes of an import pass.

    On PostgreSQL the households are known in full after a first pass and stored before their
    members (:meth:`stream`). Elsewhere persons are written as their rows are checked and their
    households only at the end (the household columns may still change until the last row).
    Either way household ids are chosen beforehand: on PostgreSQL from the table's sequence
    through a second connection (sequences are not transactional, and the import's own
    connection is busy with the ``COPY`` of the persons, which the server works through while
    Python checks the next rows); elsewhere (SQLite) after the current maximum, safe because
    the import transaction holds SQLite's write lock from its start (``IMMEDIATE``). Foreign
    keys are deferred to the commit, except those of the streamed persons and life events to
    their households and persons. The ``registered`` life events are made from the stored persons by
    ``INSERT … SELECT``: per batch when streaming, else in one statement.
    """

    def __init__(self, *, batch_size: int = 0) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if self.postgres else None
        self._pool: dict[type[Model], list[int]] = {}
        self._next: dict[type[Model], int] = {}
        self._stack: ExitStack | None = None
        self._copy: Any = None
        self._wrap = connection.wrap_database_errors
        self._buffer: list[tuple[Any, ...]] = []
        self.households = array("q")  # the ids handed out: the households this pass creates
        self.batch_size = batch_size or WRITE_BATCH
        # PostgreSQL with the households stored first (see ``stream``)
        self.streaming = False
        self._writer: _Writer | None = None
        self._immediate: list[str] = []
        self._life_event: tuple[Any, ...] = ()

    # -- ids

    def household_id(self, block: int = 5000) -> int:
        pool = self._pool.setdefault(Household, [])
        if not pool:
            pool.extend(reversed(self._ids(Household, block)))
        pk = pool.pop()
        self.households.append(pk)
        return pk

    def _ids(self, model: type[Model], n: int) -> list[int]:
        table = model._meta.db_table
        if self.side is not None:
            with self.side.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, n],
                )
                return [r[0] for r in cursor.fetchall()]
        if model not in self._next:
            quoted = connection.ops.quote_name(table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
                highest = int(cursor.fetchone()[0])
                if connection.vendor == "sqlite":  # AUTOINCREMENT never reuses deleted ids
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    seq = cursor.fetchone()
                    highest = max(highest, int(seq[0]) if seq else 0)
            self._next[model] = highest + 1
        start = self._next[model]
        self._next[model] = start + n
        return list(range(start, start + n))

    # -- persons, streamed

    def stream(
        self,
        household_rows: Iterable[tuple[Any, ...]],
        *,
        kind: str,
        when: date,
        actor_id: int | None,
        at: datetime,
    ) -> None:
        """PostgreSQL, the households known in full before their members: store them now, so
        that the checks of the foreign keys to them need not wait for the commit. From here
        on a thread (:class:`_Writer`) writes the persons batch by batch, each batch with its
        life events, and the server checks each batch's foreign keys at once while Python
        checks the next rows, instead of all of them after the last row."""
        self.insert(Household, HOUSEHOLD_COLUMNS, household_rows)
        self._immediate = [
            *_foreign_keys(Person, "household_id"),
            *_foreign_keys(LifeEvent, "household_id"),
            *_foreign_keys(LifeEvent, "person_id"),
        ]
        self._set_constraints("IMMEDIATE")
        self._life_event = (kind, when, "{}", actor_id, at)
        self.streaming = True

    def _set_constraints(self, mode: str) -> None:
        if self._immediate:
            names = ", ".join(connection.ops.quote_name(n) for n in self._immediate)
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {names} {mode}")

    def person(self, row: tuple[Any, ...]) -> None:
        """One row of ``PERSON_COLUMNS``."""
        if self.streaming:
            pool = self._pool.setdefault(Person, [])
            if not pool:
                pool.extend(reversed(self._ids(Person, self.batch_size)))
            self._buffer.append((pool.pop(), *row))
            if len(self._buffer) >= self.batch_size:
                rows, self._buffer = self._buffer, []
                if self._writer is None:
                    self._writer = _Writer(self._life_event)
                with self._wrap:
                    self._writer.put(rows)
            return
        if not self.postgres:
            self._buffer.append(row)
            if len(self._buffer) >= 5000:
                self.pause()
            return
        if self._copy is None:
            self._stack = ExitStack()
            self._copy = self._stack.enter_context(_copy_into(Person, PERSON_COLUMNS))
        with self._wrap:
            self._copy.write_row(row)

    def pause(self) -> None:
        """Finish the persons sent so far: the connection is free for other statements."""
        if self.streaming:
            rows, self._buffer = self._buffer, []
            writer, self._writer = self._writer, None
            if rows and writer is None:
                writer = _Writer(self._life_event)
            if writer is not None:
                with self._wrap:
                    if rows:
                        writer.put(rows)
                    writer.finish()
            return
        if self._buffer:
            rows, self._buffer = self._buffer, []
            self.insert(Person, PERSON_COLUMNS, rows)
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            with connection.wrap_database_errors:
                stack.close()

    def insert(
        self, model: type[Model], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        if self.postgres:
            with _copy_into(model, columns) as copy, connection.wrap_database_errors:
                for row in rows:
                    copy.write_row(row)
            return
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            for batch in _batched(rows, 5000):
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                    [tuple(_adapt(v) for v in row) for row in batch],
                )

    def life_events(self, *, kind: str, when: date, actor_id: int | None, at: datetime) -> None:
        """One life event per person of the households this pass created, in one statement."""
        self.pause()
        if self.streaming:  # written with each batch; the foreign keys wait for the commit again
            self._set_constraints("DEFERRED")
            return
        event = LifeEvent._meta.db_table
        person = Person._meta.db_table
        if self.postgres:
            households = "= ANY(%s)"
            ids: Any = list(self.households)
        else:  # SQLite's JSON1 turns one parameter into a list of any length
            households = "IN (SELECT value FROM json_each(%s))"
            ids = json.dumps(list(self.households))
        params = [kind, _adapt(when), "{}", actor_id, _adapt(at), ids]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {event} "  # noqa: S608
                "(household_id, person_id, kind, date, details, recorded_by_id, recorded_at) "
                f"SELECT household_id, id, %s, %s, %s, %s, %s FROM {person} "
                f"WHERE household_id {households} ORDER BY id",
                params,
            )

    def close(self, exc: BaseException | None = None) -> None:
        """Release the connections; on an exception the open ``COPY`` is abandoned."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.finish()
            except Exception:  # the rollback follows; ``exc`` is the error to report
                if exc is None:
                    raise
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            if exc is None:
                stack.close()
            else:
                stack.__exit__(type(exc), exc, exc.__traceback__)
        if self.side is not None:
            self.side.close()
            self.side = None


class _Writer:
    """A thread writing batches of persons (``id`` and ``PERSON_COLUMNS``) and their
    ``registered`` life events on the import's connection, while the main thread checks the
    next rows. Only this thread uses the connection until :meth:`finish`; an error of the
    database comes out of the next :meth:`put` or of :meth:`finish`."""

    def __init__(self, life_event: tuple[Any, ...]) -> None:
        self.connection = connection.connection  # psycopg's, thread-safe; Django's is not shared
        table = connection.ops.quote_name(Person._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in ("id", *PERSON_COLUMNS))
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        event = connection.ops.quote_name(LifeEvent._meta.db_table)
        self.event_sql = (
            f"INSERT INTO {event} "  # noqa: S608
            "(household_id, person_id, kind, date, details, recorded_by_id, recorded_at) "
            f"SELECT household_id, id, %s, %s, %s, %s, %s FROM {table} "
            "WHERE id = ANY(%s) ORDER BY id"
        )
        self.life_event = life_event
        self.queue: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="cunwu-import-writer", daemon=True)
        self.thread.start()

    def put(self, rows: list[tuple[Any, ...]]) -> None:
        if self.error is not None:
            self.finish()
        self.queue.put(rows)

    def finish(self) -> None:
        """Wait for the batches sent; raise the database's error if one came back."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (rows := self.queue.get()) is not None:
                with self.connection.cursor() as cursor:
                    with cursor.copy(self.copy_sql) as copy:
                        for row in rows:
                            copy.write_row(row)
                    cursor.execute(self.event_sql, [*self.life_event, [r[0] for r in rows]])
        except BaseException as exc:
            self.error = exc
            while self.queue.get() is not None:  # let put() and finish() go on
                pass


def _foreign_keys(model: type[Model], column: str) -> list[str]:
    """The names of the foreign-key constraints on one column (Django makes them deferrable,
    initially deferred)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return sorted(
        name
        for name, info in constraints.items()
        if info["foreign_key"] and info["columns"] == [column]
    )


@contextmanager
def _copy_into(model: type[Model], columns: tuple[str, ...]) -> Iterator[Any]:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        yield copy


def _batched(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _adapt(value: Any) -> Any:
    """A value as Django would store it on databases without COPY (dates as ISO text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


# ---------------------------------------------------------------- checking and importing


_SEP = "\x1f"  # the unit separator: never part of a name


class _Household:
    """What the file says about one household so far."""

    __slots__ = (
        "address",
        "address_row",
        "first_row",
        "group",
        "group_id",
        "group_row",
        "head",
        "head_row",
        "members",
        "number",
        "pk",
        "tag_value",
        "tags",
        "tags_row",
        "uncertain",
    )

    def __init__(self, number: str, row: int) -> None:
        self.number = number
        self.first_row = row
        self.head_row = 0
        self.pk: int | None = None
        self.group = self.address = self.tags = self.tag_value = ""
        self.group_row = self.address_row = self.tags_row = 0
        self.group_id: int | None = None
        # the head's name and masked ID; the other members' names joined by _SEP (one string
        # instead of a list: a million-row file keeps 300 000 of these until the audit)
        self.head: tuple[str, str] = ("", "")
        self.members = ""
        self.uncertain = False  # a member's relation was unreadable: a missing head is no news


def _neutral(data: PersonData, field_name: str | None) -> PersonData:
    """The row with one bad field replaced, to look for further errors in the same row."""
    if field_name == "name":
        return dataclasses.replace(data, name="某")
    if field_name == "relation":
        return dataclasses.replace(data, relation="其他")
    if field_name == "id_number":
        return dataclasses.replace(data, id_number="", id_pending_reason="待查")
    if field_name == "phone":
        return dataclasses.replace(data, phone="")
    if field_name == "birth_date":
        return dataclasses.replace(data, birth_date=None)
    if field_name == "gender":
        return dataclasses.replace(data, gender="")
    return dataclasses.replace(data, name="某", relation="其他", phone="", birth_date=None)


class _Importer:
    """One pass over the rows; writes only when ``write`` and no error has been found."""

    def __init__(
        self,
        *,
        actor: Any,
        village: Region,
        create_groups: bool,
        write: bool,
        source: str,
        sha256: str,
    ) -> None:
        self.actor = actor
        self.village = village
        self.county = village.code[:6]
        self.create_groups = create_groups
        self.source = source
        self.result = ImportResult(sha256=sha256)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.text: Callable[[Any], str] = _text
        self.width = 1
        self.order: list[int] = []
        self.pick: Callable[[list[Cell]], tuple[Cell, ...]] = operator.itemgetter(0)
        self.unnamed: list[int] = []
        self.households: dict[str, _Household] = {}
        # check: the first row of each ID number, keyed by its first 17 digits (they decide
        # the 18th; an int takes half the memory of the string). The import leaves repeats to
        # the unique index and, when it fires, to a full check.
        self.seen_ids: dict[int, int] = {}
        self.taken_numbers = set(
            Household.objects.filter(village=village).values_list("number", flat=True)
        )
        self.groups: dict[str, int] = dict(
            VillageGroup.objects.filter(village=village).values_list("name", "pk")
        )
        # check: (row, blind index) looked up in the database a batch at a time
        self.batch: list[tuple[int, str]] = []
        self.batch_size = 5000 if connection.vendor == "postgresql" else 900
        self.sink = _Sink() if write else None

    # -- errors

    def error(self, row: int, column: str, message: str, value: str = "") -> None:
        self.result.error_count += 1
        if len(self.result.errors) < MAX_REPORTED_ERRORS:
            self.result.errors.append((row, column, message, value))
        if self.sink is not None:
            raise _Abort

    # -- header

    def header(self, row_no: int, cells: list[Cell]) -> None:
        seen: dict[str, int] = {}
        for idx, cell in enumerate(cells):
            name = re.sub(r"\s+", "", _text(cell)).strip("*＊")
            if not name:
                self.unnamed.append(idx)
                continue
            column = BY_HEADER.get(name)
            if column is None:
                self.error(row_no, name, f"未知的列“{name}”，可用的列：{'、'.join(HEADERS)}", name)
                continue
            if name in seen:
                self.error(row_no, name, f"列“{name}”重复（第{seen[name] + 1}列已有）", name)
                continue
            seen[name] = idx
        for column in COLUMNS:
            if column.required and column.header not in seen:
                self.error(row_no, column.header, f"缺少必填列“{column.header}”")
        # rows are padded to ``width`` cells; a missing column reads the always-blank last one
        self.width = max([*seen.values(), *self.unnamed, -1]) + 2
        self.order = [seen.get(c.header, self.width - 1) for c in COLUMNS]
        self.pick = operator.itemgetter(*self.order)  # a row's cells in COLUMNS order

    # -- one row

    def row(self, row_no: int, cells: list[Cell]) -> None:
        """Check one person's row (and write it, in a batch, when importing)."""
        short = self.width - len(cells)
        if short > 0:
            cells.extend([""] * short)
        text = self.text
        values = list(map(text, self.pick(cells)))
        (number, group, address, tags, name, relation, id_number, pending, gender, birth_text,
         phone) = values[:_ETHNICITY]  # fmt: skip
        medical, pension = values[-2:]
        self.result.rows += 1
        if self.unnamed:
            self._unnamed(row_no, cells)
        household = self.households.get(number)
        if household is None:
            household = self._new_household(row_no, number)
        # member rows mostly repeat the household columns exactly: nothing to compare then
        if household is not None and (group, address, tags) != (
            household.group,
            household.address,
            household.tags,
        ):
            self._household_values(row_no, household, group, address, tags)

        id_cell = cells[self.order[_ID]]
        if id_number and (not isinstance(id_cell, str) or "e" in id_number or "E" in id_number):
            id_number = self._id_text(row_no, id_cell, id_number)
            if not id_number and not pending:
                pending = "待查"  # unusable and reported: not also “missing”
        if max(map(len, values[_PENDING:])) > _SHORTEST_LIMIT:
            for position, limit in _LIMITS:
                if len(values[position]) > limit:
                    self._too_long(row_no, values, position, limit)
        birth = self._date(row_no, cells[self.order[_BIRTH]]) if birth_text else None
        insured = _YES_NO.get(medical.lower())
        pensioned = _YES_NO.get(pension.lower())
        if insured is None or pensioned is None:
            insured, pensioned = self._yes_no(row_no, medical, pension)
        data = PersonData(
            name=name,
            relation=relation,
            id_number=id_number,
            id_pending_reason=pending[: _TEXT_LIMITS["id_pending_reason"]],
            gender=gender,
            birth_date=birth,
            phone=phone,
            ethnicity=values[_ETHNICITY] or "汉族",
            education=values[_ETHNICITY + 1],
            school_stage=values[_ETHNICITY + 2],
            health=values[_ETHNICITY + 3],
            disability=values[_ETHNICITY + 4],
            labour_ability=values[_ETHNICITY + 5],
            work_status=values[_ETHNICITY + 6],
            work_place=values[_ETHNICITY + 7],
            medical_insurance=insured,
            pension_insurance=pensioned,
        )
        try:
            clean = clean_person(data, today=self.today)
            clean_ok = True
        except ApplicationError as exc:
            clean, clean_ok = self._clean(row_no, data, values, exc)
        person = clean.data
        if clean.id_number and (gender or birth is not None):
            self._consistent_with_id(row_no, clean, gender, birth)
        if household is not None:
            if not clean_ok and person.relation != relation:
                household.uncertain = True  # the relation was unreadable
            elif person.relation == HEAD:
                if household.head_row:
                    self.error(
                        row_no,
                        "与户主关系",
                        f"户{household.number}已有户主（第{household.head_row}行）",
                        HEAD,
                    )
                else:
                    household.head_row = row_no
            if person.relation != HEAD:
                household.members += _SEP + person.name
        if self.sink is None:
            if clean.id_number:
                self._id_seen(row_no, clean)
            return
        # importing: no error so far (the first one aborts), and the unique index on the
        # blind index catches a number repeated in the file or registered elsewhere
        household = cast(_Household, household)
        fields = person_fields(clean)
        if household.pk is None:
            household.pk = self.sink.household_id()
        if person.relation == HEAD:
            household.head = (person.name, fields["id_masked"])
        self.sink.person(
            (
                household.pk,
                self.county,
                *_person_values(fields),
                _ACTIVE,
                None,
                self.now,
                self.now,
            )
        )

    def _id_seen(self, row_no: int, clean: CleanPerson) -> None:
        """Check: an ID number once in the file, then looked up in the database (in batches)."""
        key = int(clean.id_number[:17])
        first = self.seen_ids.get(key)
        if first is not None:
            self.error(
                row_no,
                "公民身份号码",
                f"与第{first}行的公民身份号码重复",
                mask_id_number(clean.id_number),
            )
            return
        self.seen_ids[key] = row_no
        self.batch.append((row_no, cast(str, clean.id_index)))
        if len(self.batch) >= self.batch_size:
            self.flush()

    def _unnamed(self, row_no: int, cells: list[Cell]) -> None:
        for idx in self.unnamed:
            value = _text(cells[idx])
            if value:
                self.error(row_no, f"第{idx + 1}列", "该列没有表头，内容无法导入", value)

    def _new_household(self, row_no: int, number: str) -> _Household | None:
        if not number:
            self.error(row_no, "户编号", "户编号不能为空")
            return None
        if len(number) > NUMBER_MAX:
            self.error(row_no, "户编号", f"户编号不能超过{NUMBER_MAX}个字符", number)
            return None
        household = self.households[number] = _Household(number, row_no)
        if number in self.taken_numbers:
            self.error(row_no, "户编号", f"户编号{number}在本村已存在", number)
        return household

    def _household_values(
        self, row_no: int, household: _Household, group: str, address: str, tags: str
    ) -> None:
        """Household columns: the first filled value counts; later rows must agree with it."""
        for key, value in (("group", group), ("address", address), ("tags", tags)):
            if not value:
                continue
            known = getattr(household, key)
            if not known:
                setattr(household, key, value)
                setattr(household, f"{key}_row", row_no)
                self._household_value(row_no, household, key, value)
            elif known != value:
                self.error(
                    row_no,
                    BY_KEY[key].header,
                    f"与本户第{getattr(household, f'{key}_row')}行填写的“{known}”不一致",
                    value,
                )

    def _household_value(self, row_no: int, household: _Household, key: str, value: str) -> None:
        header = BY_KEY[key].header
        if key == "tags":
            try:
                household.tag_value = clean_tags(value)
            except ApplicationError as exc:
                self.error(row_no, header, exc.message, value)
        elif key == "address":
            if len(value) > ADDRESS_MAX:
                self.error(row_no, header, f"住址不能超过{ADDRESS_MAX}个字", value)
        elif value in self.groups:
            household.group_id = self.groups[value] or None
        elif not self.create_groups:
            known = "、".join(list(self.groups)[:20]) or "无"
            self.error(
                row_no,
                header,
                f"村民小组“{value}”不存在（本村现有：{known}）；"
                "请先建立该小组，或选择“自动创建村民小组”",
                value,
            )
        elif len(value) > 50:
            self.error(row_no, header, "村民小组名称不能超过50个字", value)
        else:
            self.result.new_groups.append(value)
            if self.sink is not None:
                self.sink.pause()  # group_create needs the connection
                group = group_create(
                    actor=self.actor, village=self.village, name=value, authorize=_authorize
                )
                self.groups[value] = group.pk
                household.group_id = group.pk
            else:
                self.groups[value] = 0

    def _id_text(self, row_no: int, cell: Cell, text: str) -> str:
        """An ID number typed as a number: exact below 10^15, digits lost above (Excel keeps
        15 significant digits); scientific notation means they are gone."""
        if isinstance(cell, float) and not cell.is_integer():
            return text  # a fraction: validation names the problem
        if (isinstance(cell, float) and cell >= 1e15) or _SCIENTIFIC.fullmatch(text):
            self.error(row_no, "公民身份号码", LOSSY_ID, text)
            return ""
        return text

    def _too_long(self, row_no: int, values: list[str], position: int, limit: int) -> None:
        header = COLUMNS[position].header
        self.error(row_no, header, f"{header}不能超过{limit}个字", values[position])
        values[position] = values[position][:limit]

    def _yes_no(self, row_no: int, medical: str, pension: str) -> tuple[bool, bool]:
        answers = []
        for key, value in (("medical_insurance", medical), ("pension_insurance", pension)):
            answer = _YES_NO.get(value.lower())
            if answer is None:
                self.error(row_no, BY_KEY[key].header, "只能填“是”或“否”", value)
            answers.append(bool(answer))
        return answers[0], answers[1]

    def _date(self, row_no: int, cell: Cell) -> date | None:
        if isinstance(cell, datetime):
            return cell.date()
        if isinstance(cell, date):
            return cell
        value = _text(cell)
        match = _DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)
        if match is None:
            self.error(
                row_no, "出生日期", f"出生日期“{value}”无法识别，请按 1980-01-31 填写", value
            )
            return None
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.error(row_no, "出生日期", f"出生日期“{value}”不存在", value)
            return None

    def _clean(
        self, row_no: int, data: PersonData, values: list[str], exc: ApplicationError
    ) -> tuple[CleanPerson, bool]:
        """``clean_person`` failed: record each error it raises and neutralise the bad field,
        so that one row reports all its bad cells."""
        for _attempt in range(8):
            header = _FIELD_HEADER.get(exc.field or "", "姓名")
            value = values[HEADERS.index(header)]
            if header == "公民身份号码":
                value = mask_id_number(value)
            elif header == "联系电话":
                value = mask_phone(value)
            self.error(row_no, header, exc.message, value)
            data = _neutral(data, exc.field)
            try:
                return clean_person(data, today=self.today), False
            except ApplicationError as again:
                exc = again
        raise AssertionError("clean_person kept failing on neutral values")  # pragma: no cover

    def _consistent_with_id(
        self, row_no: int, clean: CleanPerson, gender: str, birth: date | None
    ) -> None:
        if gender and gender != clean.data.gender:
            self.error(
                row_no, "性别", f"性别与公民身份号码不符（号码显示为{clean.data.gender}）", gender
            )
        if birth is not None and birth != clean.data.birth_date:
            born = cast(date, clean.data.birth_date)
            self.error(
                row_no,
                "出生日期",
                f"出生日期与公民身份号码不符（号码显示为{born.year}年{born.month}月{born.day}日）",
                birth.isoformat(),
            )

    # -- the database

    def flush(self) -> None:
        """Check: look the batch's ID numbers up among the registered ones."""
        batch, self.batch = self.batch, []
        rows = dict((index, row) for row, index in batch)
        if not rows:
            return
        taken = (
            Person.objects.filter(id_number_index__in=list(rows))
            .select_related("household__village")
            .only(
                "name",
                "id_number_index",
                "id_masked",
                "household__number",
                "household__village__name",
            )
        )
        for person in taken:
            self.error(
                rows[cast(str, person.id_number_index)],
                "公民身份号码",
                _id_taken_message(person, self.actor),
                person.id_masked,
            )

    def finish(self) -> ImportResult:
        self.flush()
        result = self.result
        if result.rows == 0:
            self.error(2, "", "文件中没有数据行")
        for household in self.households.values():
            if not household.head_row and not household.uncertain:
                self.error(
                    household.first_row,
                    "与户主关系",
                    f"户{household.number}没有户主（须有一名成员的“与户主关系”填“户主”）",
                )
        result.households = len(self.households)
        result.persons = result.rows
        if self.sink is not None:
            self.sink.pause()
            self.sink.life_events(
                kind=LifeEventKind.REGISTERED.value,
                when=self.today,
                actor_id=self.actor_id,
                at=self.now,
            )
            if not self.sink.streaming:
                self.sink.insert(Household, HOUSEHOLD_COLUMNS, self._household_rows())
            audit_append_many(actor=self.actor, region=self.village, events=self._events())
            result.imported = True
        order = {h: i for i, h in enumerate(HEADERS)}
        result.errors.sort(key=lambda e: (e[0], order.get(e[1], len(order))))
        return result

    def households_first(self, rows: Iterable[tuple[int, list[Cell]]]) -> None:
        """Import on PostgreSQL: a first, quick pass over the rows for their household columns
        alone (with the same checks as :meth:`row`), then the households are stored and the
        persons follow them (:meth:`_Sink.stream`). The second pass finds the households
        complete and checks everything else."""
        sink = cast(_Sink, self.sink)
        text = self.text
        pick = operator.itemgetter(*self.order[:4])
        for row_no, cells in rows:
            if not any(cells):
                continue
            short = self.width - len(cells)
            if short > 0:
                cells.extend([""] * short)
            number, group, address, tags = map(text, pick(cells))
            household = self.households.get(number)
            if household is None:
                household = self._new_household(row_no, number)
                if household is None:
                    continue
                household.pk = sink.household_id()
            if (group, address, tags) != (household.group, household.address, household.tags):
                self._household_values(row_no, household, group, address, tags)
        sink.stream(
            self._household_rows(),
            kind=LifeEventKind.REGISTERED.value,
            when=self.today,
            actor_id=self.actor_id,
            at=self.now,
        )

    def _household_rows(self) -> Iterator[tuple[Any, ...]]:
        for household in self.households.values():
            yield (
                household.pk,
                self.village.code,
                self.county,
                household.group_id,
                household.number,
                household.address,
                household.tag_value,
                HouseholdStatus.ACTIVE.value,
                self.now,
                self.now,
            )

    def _events(self) -> Iterator[PendingEvent]:
        """One ``registry.household_create`` per household (masked IDs only), then the file."""
        group_names = {pk: name for name, pk in self.groups.items()}
        for household in self.households.values():
            yield PendingEvent(
                action="registry.household_create",
                object_type="registry.household",
                object_id=str(household.pk),
                payload={
                    "number": household.number,
                    "group": group_names.get(household.group_id or 0, ""),
                    "tags": household.tag_value,
                    "address": household.address,
                    "head": {
                        "name": household.head[0],
                        "relation": HEAD,
                        "id_masked": household.head[1],
                        "household": household.number,
                        "status": PersonStatus.ACTIVE.value,
                    },
                    "members": household.members.split(_SEP)[1:],
                    "note": "表格导入",
                },
            )
        yield PendingEvent(
            action="registry.import",
            object_type="core.region",
            object_id=self.village.code,
            payload={
                "file": self.source,
                "sha256": self.result.sha256,
                "households": len(self.households),
                "persons": self.result.rows,
                "new_groups": self.result.new_groups,
            },
        )


def acting_user(username: str | None) -> Any:
    """The user a command acts as (``--user``), or None: the command line as the system."""
    if not username:
        return None
    from cunwu.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApplicationError("user_unknown", f"用户{username}不存在或已停用")
    return user


def _authorize(actor: Any, perm: str, region: Region, /) -> None:
    """Permission for groups created by an import; the command line (no actor) is the system."""
    if actor is not None:
        require(actor, perm, region)


def _run(
    *,
    actor: Any,
    village: Region,
    path: Path,
    name: str,
    create_groups: bool,
    write: bool,
    progress: Progress | None,
) -> ImportResult:
    if actor is not None:
        require(actor, "registry.edit", village)
        if create_groups and not has_perm_in(actor, "core.manage_groups", village):
            raise PermissionDenied("没有权限新建村民小组")
    if not village.is_village:
        raise ApplicationError("not_a_village", "户只能导入到村（社区）", field="village")
    if village.retired:
        raise ApplicationError("village_retired", f"{village.name}已撤销", field="village")
    importer = _Importer(
        actor=actor,
        village=village,
        create_groups=create_groups,
        write=write,
        source=name or path.name,
        sha256=file_sha256(path),
    )
    rows = read_rows(path)
    if file_kind(path) == "csv":  # every cell is text already
        importer.text = str.strip
    # Hundreds of thousands of long-lived small objects (ID numbers seen, households) make the
    # cyclic collector rescan them again and again (a tenth of a check's time); the pass
    # makes no reference cycles worth collecting.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for row_no, cells in rows:
            if any(_text(c) for c in cells):
                importer.header(row_no, cells)
                header_row = row_no
                break
        else:
            raise ApplicationError("import_empty", "文件中没有表头和数据")
        if importer.sink is not None and importer.sink.postgres:
            importer.households_first((n, cells) for n, cells in read_rows(path) if n > header_row)
        for done, (row_no, cells) in enumerate(rows, start=1):
            if any(cells):
                importer.row(row_no, cells)
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(importer.result.rows)
        result = importer.finish()
    except BaseException as exc:
        if importer.sink is not None:
            importer.sink.close(exc)
        raise
    finally:
        if collecting:
            gc.enable()
    if importer.sink is not None:
        importer.sink.close()
    if progress is not None:
        progress(result.rows)
    return result


def households_check(
    *,
    actor: Any,
    village: Region,
    path: Path,
    name: str = "",
    create_groups: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """The preview: every check of the import, nothing written. ``actor`` None = the system.

    Checks, per row: the columns (unknown or missing headers), 户编号 (not empty, not used in
    the village), 村民小组 (exists, unless ``create_groups``), 户类型, the person through
    ``clean_person`` (name, relation, ID number with its check digit and birth date, phone),
    性别 and 出生日期 against the ID number, 是/否 columns, text lengths; across rows: one 户主
    per household, household columns that agree, ID numbers unique in the file and not yet
    registered anywhere.
    """
    return _run(
        actor=actor,
        village=village,
        path=path,
        name=name,
        create_groups=create_groups,
        write=False,
        progress=progress,
    )


def households_import(
    *,
    actor: Any,
    village: Region,
    path: Path,
    name: str = "",
    create_groups: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a household spreadsheet into ``village``: all rows or nothing.

    ``registry.edit`` over the village (and ``core.manage_groups`` to create groups). The rows
    are checked again while they are written, in one transaction: the first error rolls it
    back, and :func:`households_check` then produces the full list of errors (so a number
    registered since the preview is still caught, and reported like in the preview). Each
    person gets a ``registered`` life event, each household one audit event
    (``registry.household_create``, masked ID numbers only), and the file one
    ``registry.import`` event.
    """
    try:
        with transaction.atomic():
            return _run(
                actor=actor,
                village=village,
                path=path,
                name=name,
                create_groups=create_groups,
                write=True,
                progress=progress,
            )
    except _Abort:
        pass
    except IntegrityError:  # the unique blind index, or a household number taken meanwhile
        logger.info("household import into %s hit a constraint", village.code, exc_info=True)
    result = households_check(
        actor=actor,
        village=village,
        path=path,
        name=name,
        create_groups=create_groups,
        progress=progress,
    )
    if result.ok:  # a conflicting registration that has gone again: nothing to point at
        result.error_count = 1
        result.errors = [
            (0, "", "导入时与同时进行的登记或导入冲突，未导入任何数据，请重新导入", "")
        ]
    return result


# ---------------------------------------------------------------- workbooks


def write_template(target: IO[bytes] | Path) -> None:
    """The import template: the header row, text format where digits matter, drop-downs,
    and a second sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.create_sheet(SHEET_TITLE, 0)
    wb.remove(wb.worksheets[1])
    ws.append(list(HEADERS))
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FCE4D6")
    for idx, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(idx)
        cell = ws.cell(row=1, column=idx)
        cell.font = bold
        if column.required:
            cell.fill = required
        ws.column_dimensions[letter].width = column.width
        if column.text:
            ws.column_dimensions[letter].number_format = "@"
            for row in range(2, 1001):
                ws.cell(row=row, column=idx).number_format = "@"
        if column.choices and len(",".join(column.choices)) < 250:
            check = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            check.error = f"请从列表中选择{column.header}"
            ws.add_data_validation(check)
            check.add(f"{letter}2:{letter}10000")
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(NOTES_TITLE)
    notes.append(["列名", "是否必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "必填" if column.required else "可选", column.note])
    notes.append([])
    notes.append(
        ["", "", "每行填写一名家庭成员；同一户的成员填相同的户编号，户主所在行确定该户信息。"]
    )
    notes.append(["", "", "表头必须在第一行；不认识的列会被报告为错误。"])
    for cell in notes[1]:
        cell.font = bold
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    wb.save(target)


def template_bytes() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()


def write_error_report(errors: Iterable[RowError], target: IO[bytes] | Path) -> None:
    """行号, 列名, 错误说明, 填写内容 — one row per bad cell (ID numbers masked). What the
    uploader typed is written back as text: a value like ``=HYPERLINK(…)`` must not become a
    live formula in the report (openpyxl writes any text starting with ``=`` as one)."""
    from openpyxl import Workbook

    from cunwu.core.spreadsheets import formula_safe

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 24
    ws.append(["行号", "列名", "错误说明", "填写内容"])
    for row, column, message, value in errors:
        ws.append([row or "", formula_safe(column), message, formula_safe(value)])
    wb.save(target)


# ---------------------------------------------------------------- upload jobs


def import_jobs_recent(*, actor: Any, limit: int = 10) -> QuerySet[ImportJob]:
    """The latest upload jobs of the villages the actor may edit."""
    return (
        ImportJob.objects.filter(scope_q(actor, "registry.edit"))
        .select_related("village", "created_by")
        .order_by("-created_at")[:limit]
    )


def import_job_get(*, actor: Any, pk: int) -> ImportJob:
    """A job of a village the actor may edit: 404 outside view scope, 403 without edit."""
    job = ImportJob.objects.select_related("village", "created_by").filter(pk=pk).first()
    if job is None or not has_perm_in(actor, "registry.view", job.village_id):
        raise Http404("导入任务不存在")
    require(actor, "registry.edit", job.village)
    return job


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB".replace(".0 MB", " MB")
    if n >= 1 << 10:
        return f"{n / (1 << 10):.0f} KB"
    return f"{n} 字节"


def _upload_kind(upload: UploadedFile[Any]) -> None:
    name = (upload.name or "").lower()
    if not name.endswith(ALLOWED_SUFFIXES):
        raise ApplicationError(
            "import_file_type", "只能上传xlsx或csv文件（可先下载导入模板）", field="file"
        )
    size = upload.size or 0
    if size == 0:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    limit: int = settings.CUNWU_IMPORT_MAX_BYTES
    if size > limit:
        raise ApplicationError(
            "import_too_big", f"文件太大（{_size(size)}），不能超过{_size(limit)}", field="file"
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    zipped = head.startswith(b"PK\x03\x04")
    ole = head.startswith(b"\xd0\xcf\x11\xe0")
    if name.endswith((".xlsx", ".xlsm")) and not zipped:
        raise ApplicationError("import_not_spreadsheet", "文件不是有效的xlsx表格", field="file")
    if zipped or ole:
        _xlsx_size_ok(size)
    if name.endswith(".xls") and not ole:
        raise ApplicationError("import_not_spreadsheet", "文件不是有效的xls表格", field="file")
    if name.endswith(".csv") and (zipped or ole or b"\x00" in head):
        raise ApplicationError(
            "import_not_spreadsheet", "文件不是csv文本；xlsx文件请保留.xlsx扩展名", field="file"
        )


def import_job_create(
    *, actor: Any, village: Region, upload: UploadedFile[Any], create_groups: bool = False
) -> ImportJob:
    """Store an upload and queue its check (the preview). Nothing is imported yet."""
    require(actor, "registry.edit", village)
    if create_groups and not has_perm_in(actor, "core.manage_groups", village):
        raise PermissionDenied("没有权限新建村民小组")
    if not village.is_village:
        raise ApplicationError("not_a_village", "户只能导入到村（社区）", field="village")
    _upload_kind(upload)
    job = ImportJob(
        village=village,
        created_by=actor,
        original_name=(upload.name or "")[-200:],
        summary={"create_groups": create_groups},
    )
    job.file.save(upload.name or "upload", upload, save=False)
    job.save()
    from . import tasks

    transaction.on_commit(partial(tasks.import_check.enqueue, job.pk))
    return job


def import_job_confirm(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue the import of a checked file; only a job whose check passed can be confirmed."""
    require(actor, "registry.edit", job.village)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALID).update(
        status=ImportStatus.IMPORTING, processed_rows=0
    )
    if not claimed:
        job.refresh_from_db()
        raise ApplicationError(
            "import_not_valid", f"该导入任务当前状态为“{job.get_status_display()}”，不能确认导入"
        )
    from . import tasks

    transaction.on_commit(partial(tasks.import_run.enqueue, job.pk))
    job.refresh_from_db()
    return job


def import_jobs_expire(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the uploads of jobs left unconfirmed (or failed) for longer than ``older_than``.

    Uploads hold full ID numbers in clear (PIPL: keep them no longer than needed). A job whose
    check passed but was never confirmed is closed as failed and can no longer be confirmed.
    Returns how many jobs were closed.
    """
    cutoff = (now or timezone.now()) - older_than
    # a job still being checked or imported after that long lost its worker (an import that
    # died rolled back: nothing of it was written)
    ImportJob.objects.filter(
        created_at__lt=cutoff, status__in=[ImportStatus.CHECKING, ImportStatus.IMPORTING]
    ).update(status=ImportStatus.FAILED, finished_at=timezone.now())
    stale = ImportJob.objects.filter(
        created_at__lt=cutoff,
        status__in=[ImportStatus.PENDING, ImportStatus.VALID, ImportStatus.FAILED],
    ).exclude(file="")
    closed = 0
    for job in stale:
        # claim the job first, so that a confirmation racing with the clean-up loses cleanly
        claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=ImportStatus.FAILED, finished_at=timezone.now()
        )
        if not claimed:
            continue
        job.file.delete(save=False)
        what = "未确认" if job.status == ImportStatus.VALID else "未完成"
        job.summary = {**job.summary, "text": f"超过{older_than.days}天{what}，上传文件已删除"}
        job.save(update_fields=["file", "summary"])
        closed += 1
    return closed


def _job_path(job: ImportJob) -> Path:
    return Path(job.file.path)


def _finish(job: ImportJob, result: ImportResult, *, status: str) -> None:
    job.status = status
    job.processed_rows = job.total_rows = result.rows
    job.error_count = result.error_count
    job.errors = [
        {"row": r, "column": c, "message": m, "value": v}
        for r, c, m, v in result.errors[:STORED_ERRORS]
    ]
    job.summary = {
        **job.summary,
        "households": result.households,
        "persons": result.persons,
        "new_groups": result.new_groups,
        "sha256": result.sha256 or job.summary.get("sha256", ""),
        "text": result.summary(),
    }
    if result.errors:
        buffer = io.BytesIO()
        write_error_report(result.errors, buffer)
        job.error_report.save(
            f"import-{job.pk}-errors.xlsx", ContentFile(buffer.getvalue()), save=False
        )
    if status in (ImportStatus.DONE, ImportStatus.INVALID) and job.file:
        # the upload holds full ID numbers in clear: keep it no longer than needed
        job.file.delete(save=False)
    if status != ImportStatus.VALID:  # a passed check is a preview: the job goes on
        job.finished_at = timezone.now()
    job.save()


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportStatus.INVALID
    job.error_count = 1
    job.errors = [{"row": 0, "column": "", "message": message, "value": ""}]
    job.summary = {**job.summary, "text": message}
    if job.file:
        job.file.delete(save=False)
    job.finished_at = timezone.now()
    job.save()


def import_job_check(job_id: int) -> None:
    """The preview of an upload (run by a task): progress every ``PROGRESS_EVERY`` rows."""
    job = ImportJob.objects.select_related("village", "created_by").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return
    path = _job_path(job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, processed_rows=0)
    total = 0

    def progress(rows: int) -> None:
        done = min(rows, total) if total else rows
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

    def check() -> ImportResult:
        nonlocal total
        total = estimate_rows(path)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
        job.refresh_from_db()
        return households_check(
            actor=job.created_by,
            village=job.village,
            path=path,
            name=job.original_name,
            create_groups=bool(job.summary.get("create_groups")),
            progress=progress,
        )

    _run_job(job, check, stage="check", passed=ImportStatus.VALID)


def _run_job(job: ImportJob, run: Callable[[], ImportResult], *, stage: str, passed: str) -> None:
    """Run one pass of a job and record its outcome: ``passed`` or 有错误 for the file's
    errors, a Chinese message for a refusal, 失败 (and the exception, for the worker's log)
    for anything unexpected."""
    try:
        result = run()
    except (ApplicationError, PermissionDenied) as exc:
        _fail(job, exc.message if isinstance(exc, ApplicationError) else "没有权限导入该村")
        return
    except Exception:
        logger.exception("import job %s: %s failed", job.pk, stage)
        job.status = ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        raise
    _finish(job, result, status=passed if result.ok else ImportStatus.INVALID)


class _SideProgress:
    """Progress of the import pass, written through a second connection.

    The import runs in one transaction, so progress written on its own connection would stay
    invisible until the commit. On PostgreSQL a second connection commits each update at
    once (the job row is not touched by the import transaction). SQLite allows one writer at
    a time and the import holds the lock, so there the bar only moves at the end: the page
    shows an indeterminate bar (the check pass before it did show real progress).
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.conn = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.conn = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, rows: int) -> None:
        if self.conn is None:
            return
        table = self.conn.ops.quote_name(ImportJob._meta.db_table)
        try:
            with self.conn.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = CASE WHEN total_rows > 0 "  # noqa: S608
                    "THEN LEAST(%s, total_rows) ELSE %s END WHERE id = %s",
                    [rows, rows, self.job_id],
                )
        except DatabaseError:
            logger.warning("import job %s: progress not recorded", self.job_id, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def import_job_run(job_id: int) -> None:
    """The confirmed import of an upload (run by a task)."""
    job = ImportJob.objects.select_related("village", "created_by").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return
    progress = _SideProgress(job.pk)

    def run() -> ImportResult:
        try:
            return households_import(
                actor=job.created_by,
                village=job.village,
                path=_job_path(job),
                name=job.original_name,
                create_groups=bool(job.summary.get("create_groups")),
                progress=progress,
            )
        finally:
            progress.close()

    _run_job(job, run, stage="import", passed=ImportStatus.DONE)


__all__ = [
    "COLUMNS",
    "HEADERS",
    "Column",
    "ImportResult",
    "households_check",
    "households_import",
    "import_job_check",
    "import_job_confirm",
    "import_job_create",
    "import_job_get",
    "import_job_run",
    "import_jobs_recent",
    "read_rows",
    "template_bytes",
    "write_error_report",
    "write_template",
]
