"""core.rows: the hot paths' INSERT writes what save() writes; errors and logging as Django's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cunwu.core.models import AuditEvent, Region
from cunwu.core.rows import insert, one
from cunwu.testing import JIULONG

AT = datetime(2026, 12, 3, 8, 30, 0, 123456, tzinfo=UTC)
FIELDS = ("region_id", "seq", "at", "actor_id", "actor_name", "action", "object_type", "object_id",
          "payload", "prev_hash", "hash")  # fmt: skip


def _event(region: Region, seq: int, **extra: object) -> AuditEvent:
    return AuditEvent(
        region=region, seq=seq, actor_name="系统", action="test.rows", object_type="t",
        object_id=str(seq), payload={"名字": "𠮷䶮", "n": [1, 2], "k": {"b": None}},
        prev_hash="0" * 64, hash=f"{seq:064d}", at=AT, **extra,
    )  # fmt: skip


@pytest.mark.django_db
def test_insert_writes_the_row_save_writes(regions: dict[str, Region]) -> None:
    by_orm = _event(regions[JIULONG], 1)
    by_orm.save(force_insert=True)
    fast = insert(_event(regions[JIULONG], 2))
    assert fast.pk is not None and fast.pk != by_orm.pk
    assert not fast._state.adding
    stored = AuditEvent.objects.values(*FIELDS)
    orm_row, fast_row = stored.get(pk=by_orm.pk), stored.get(pk=fast.pk)
    assert fast_row["payload"] == {"名字": "𠮷䶮", "n": [1, 2], "k": {"b": None}}
    differ = {k for k in FIELDS if orm_row[k] != fast_row[k]}
    assert differ == {"seq", "object_id", "hash"}


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_is_djangos_integrity_error_and_rolls_back(regions: dict[str, Region]) -> None:
    insert(_event(regions[JIULONG], 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(_event(regions[JIULONG], 2))
        insert(_event(regions[JIULONG], 1))  # (region, seq) is unique
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1]


@pytest.mark.django_db
def test_one_returns_the_first_row_and_is_logged_like_the_orm() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert one("SELECT %s + 1, %s", [41, "村"]) == (42, "村")
        assert one("SELECT 1 WHERE 1 = %s", [2]) is None
    logged = [q["sql"] for q in queries.captured_queries]
    assert len(logged) == 2
    assert logged[0].startswith("SELECT ") and "WHERE 1 = " in logged[1]
