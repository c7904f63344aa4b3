"""The PostgreSQL import stores the households first and streams their members from a thread,
batch by batch with their life events: the same rows as the one-statement path, and an error
in any batch still rolls everything back and is reported by row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify
from cunwu.registry import imports
from cunwu.registry.imports import households_import
from cunwu.registry.models import Household, LifeEvent, Person
from cunwu.registry.services import person_id_number, person_phone
from cunwu.testing import make_household, make_id_number

from .test_import_support import counts, row, write_csv


def _rows(households: int = 6) -> list[dict[str, Any]]:
    """Households of 1–3 members; the second household's rows are split over the file."""
    rows: list[dict[str, Any]] = []
    n = 0
    for h in range(1, households + 1):
        for k in range(1 + h % 3):
            n += 1
            rows.append(
                row(
                    户编号=f"08{h:02d}",
                    村民小组="第一组" if h % 2 else "",
                    住址=f"九龙村{h}号" if k == 0 else "",
                    姓名=f"成员{n}",
                    与户主关系="户主" if k == 0 else "子",
                    公民身份号码=make_id_number(n, birth="19900101"),
                    联系电话=f"1380000{n:04d}" if n % 2 else "",
                )
            )
    # a late member of household 0802, which also fills its group only now
    rows.append(
        row(户编号="0802", 村民小组="第二组", 姓名="晚来", 与户主关系="女", 公民身份号码="",
            暂无身份证号原因="新生儿未办理", 性别="女", 出生日期="2025-01-02")
    )  # fmt: skip
    return rows


def _stored() -> dict[str, list[tuple[Any, ...]]]:
    """What the import stored, with ids made relative and ciphertexts decrypted."""
    first_person = Person.objects.order_by("id").values_list("id", flat=True).first() or 0
    first_household = Household.objects.order_by("id").values_list("id", flat=True).first() or 0
    persons = [
        (
            p.pk - first_person,
            p.household_id - first_household,
            p.name,
            p.relation,
            person_id_number(p),
            p.id_number_index,
            p.id_masked,
            p.gender,
            p.birth_date,
            person_phone(p),
            p.phone_masked,
        )
        for p in Person.objects.order_by("id")
    ]
    households = [
        (h.pk - first_household, h.number, h.group.name if h.group else "", h.address, h.tags)
        for h in Household.objects.select_related("group").order_by("id")
    ]
    events = [
        (e.person_id - first_person, e.household_id - first_household, e.kind)
        for e in LifeEvent.objects.order_by("id")
    ]
    audit = [
        (a.action, a.payload.get("number"), a.payload.get("members"), a.payload.get("group"))
        for a in AuditEvent.objects.filter(action__startswith="registry.").order_by("seq")
    ]
    return {"persons": persons, "households": households, "events": events, "audit": audit}


@pytest.mark.parametrize("batch", [1, 2, 5000])
def test_streamed_import_stores_what_the_one_statement_import_stores(
    batch: int,
    tmp_path: Path,
    staff: User,
    jiulong: Region,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(tmp_path / "families.csv", _rows())
    monkeypatch.setattr(imports, "WRITE_BATCH", batch)

    class Undo(Exception):
        pass

    # the reference: no households first, persons in one COPY (as on SQLite)
    with monkeypatch.context() as patch, pytest.raises(Undo), transaction.atomic():
        patch.setattr(imports._Importer, "households_first", lambda self, rows: None)
        result = households_import(actor=staff, village=jiulong, path=path, create_groups=True)
        assert result.imported, result.errors
        expected = _stored()
        raise Undo
    assert counts() == (0, 0, 0, 0)

    result = households_import(actor=staff, village=jiulong, path=path, create_groups=True)
    assert result.imported, result.errors
    stored = _stored()
    assert stored == expected
    assert len(stored["persons"]) == len(stored["events"]) == 13
    assert stored["households"][1][1:] == ("0802", "第二组", "九龙村2号", "")
    assert [p[0] for p in stored["persons"]] == list(range(13))
    assert audit_verify() == (len(stored["audit"]) + _group_events(), None)
    assert _foreign_keys_wait_for_the_commit()


def _group_events() -> int:
    return AuditEvent.objects.exclude(action__startswith="registry.").count()


@pytest.mark.parametrize("batch", [1, 3])
def test_a_number_registered_elsewhere_fails_a_late_batch_and_nothing_is_kept(
    batch: int,
    tmp_path: Path,
    staff: User,
    jiulong: Region,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = _rows()
    taken = rows[9]["公民身份号码"]  # row 11 of the file
    make_household(staff, jiulong, "0999", "先登记", head_id=taken)
    before = counts()
    monkeypatch.setattr(imports, "WRITE_BATCH", batch)
    result = households_import(
        actor=staff,
        village=jiulong,
        path=write_csv(tmp_path / "late.csv", rows),
        create_groups=True,
    )
    assert not result.imported
    assert [(r, c, m) for r, c, m, _v in result.errors] == [
        (11, "公民身份号码", "公民身份号码已登记在九龙村委会户0999（先登记）")
    ]
    assert counts() == before
    assert _foreign_keys_wait_for_the_commit()


def _foreign_keys_wait_for_the_commit() -> bool:
    """Whether a person of a household not (yet) stored is accepted until the commit, as
    Django's deferred foreign keys allow: the import leaves them as it found them."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            Person.objects.create(
                household_id=987_654_321,
                county_code="430423",
                name="某",
                relation="户主",
                id_pending_reason="待查",
            )
            raise Undo
    except IntegrityError:
        return False
    except Undo:
        return True
