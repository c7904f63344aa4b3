"""Export to xlsx: the import template's columns, exact round trip, masking, audit, scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.registry.exports import households_export
from cunwu.registry.imports import HEADERS, households_import
from cunwu.registry.models import (
    ExportJob,
    Household,
    HouseholdStatus,
    IncomeRecord,
    LifeEvent,
    Person,
    PersonStatus,
)
from cunwu.registry.services import (
    PersonData,
    household_create,
    person_add,
    person_id_number,
    person_leave,
    person_phone,
)
from cunwu.testing import BALI, JIULONG, KAIYUN, make_household, make_id_number

from .test_import_support import counts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _register(staff: User, village: Region) -> None:
    """Two households with every field in use; a deceased member and a dissolved household
    that the export leaves out."""
    first = VillageGroup.objects.create(village=village, name="第一组", number=1)
    VillageGroup.objects.create(village=village, name="第二组", number=2)
    household = household_create(
        actor=staff,
        village=village,
        number="0001",
        group=first,
        address="九龙村3组8号",
        tags="脱贫户、监测户",
        head=PersonData(
            name="𠮷大山",
            relation="户主",
            id_number=make_id_number(31, birth="19650203"),
            phone="13800002222",
            education="高中",
            health="长期慢性病",
            disability="肢体三级",
            labour_ability="技能劳动力",
            work_status="省内务工",
            work_place="湖南省长沙市",
            medical_insurance=True,
            pension_insurance=True,
        ),
    )
    for data in (
        PersonData(
            name="䶮二妹",
            relation="配偶",
            id_number=make_id_number(32, birth="19680911"),
            phone="0734-5556666",
            ethnicity="瑶族",
            medical_insurance=True,
        ),
        PersonData(
            name="𠮷小宝",
            relation="孙子",
            id_pending_reason="新生儿未办理",
            gender="男",
            birth_date=date(2025, 1, 2),
        ),
        PersonData(
            name="张小学",
            relation="女",
            id_number=make_id_number(34, birth="20150101"),
            school_stage="小学",
        ),
        PersonData(name="老奶奶", relation="母亲", id_number=make_id_number(35, birth="19380101")),
    ):
        person_add(actor=staff, household=household, data=data)
    person_leave(
        actor=staff,
        person=household.members.get(name="老奶奶"),
        kind="death",
        when=timezone.localdate() - timedelta(days=1),
    )
    make_household(staff, village, "0002", "王五", head_id=make_id_number(36))
    gone = make_household(staff, village, "0003", "赵六", head_id=make_id_number(37))
    person_leave(
        actor=staff,
        person=gone.members.get(),
        kind="move_out",
        when=timezone.localdate() - timedelta(days=1),
    )


def _snapshot(village: Region) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    households = sorted(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE).values_list(
            "number", "group__name", "address", "tags", "county_code"
        )
    )
    persons = sorted(
        (
            p.household.number,
            p.name,
            p.relation,
            person_id_number(p),
            p.id_masked,
            p.id_tail,
            p.id_pending_reason,
            p.gender,
            p.birth_date,
            person_phone(p),
            p.phone_masked,
            p.ethnicity,
            p.education,
            p.school_stage,
            p.health,
            p.disability,
            p.labour_ability,
            p.work_status,
            p.work_place,
            p.medical_insurance,
            p.pension_insurance,
            p.status,
            p.county_code,
        )
        for p in Person.objects.filter(
            household__village=village, status=PersonStatus.ACTIVE
        ).select_related("household")
    )
    return households, persons


def _wipe() -> None:
    LifeEvent.objects.all().delete()
    IncomeRecord.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    VillageGroup.objects.all().delete()


def _sheets(data: bytes | Path) -> dict[str, list[list[Any]]]:
    workbook = (
        CalamineWorkbook.from_path(str(data))
        if isinstance(data, Path)
        else CalamineWorkbook.from_filelike(BytesIO(data))
    )
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_export_then_import_into_an_empty_database_round_trips_exactly(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    _register(staff, jiulong)
    before = _snapshot(jiulong)
    assert (len(before[0]), len(before[1])) == (2, 5)
    path = tmp_path / "export.xlsx"

    call_command("export", "households", "--region", JIULONG, "-o", str(path))

    sheets = _sheets(path)
    assert list(sheets) == ["九龙村委会224", "填写说明"]
    rows = sheets["九龙村委会224"]
    assert rows[0] == list(HEADERS)
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [
        ("0001", "𠮷大山", "户主"),
        ("0001", "䶮二妹", "配偶"),
        ("0001", "𠮷小宝", "孙子"),
        ("0001", "张小学", "女"),
        ("0002", "王五", "户主"),
    ]
    assert rows[1][6] == make_id_number(31, birth="19650203")  # text, every digit
    _wipe()
    assert counts()[:3] == (0, 0, 0)

    call_command("import", "households", str(path), "--village", JIULONG, "--create-groups")

    assert _snapshot(jiulong) == before
    assert sorted(VillageGroup.objects.values_list("name", flat=True)) == ["第一组"]


def test_export_is_an_audit_event_with_the_counts(staff: User, jiulong: Region) -> None:
    _register(staff, jiulong)
    result = households_export(actor=staff, region=jiulong, target=BytesIO())
    assert (result.households, result.persons, result.villages, result.full_id) == (2, 5, 1, True)
    event = AuditEvent.objects.filter(action="registry.export").get()
    assert (event.region_id, event.actor, event.object_id) == (JIULONG, staff, JIULONG)
    assert event.payload == {
        "region": JIULONG,
        "name": "九龙村委会",
        "villages": 1,
        "households": 2,
        "persons": 5,
        "full_id": True,
        "format": "xlsx",
    }


def test_supervisor_exports_masked_numbers_which_cannot_be_imported_back(
    tmp_path: Path, staff: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    _register(staff, jiulong)
    supervisor = persona("九龙村监委会委员")
    path = tmp_path / "masked.xlsx"
    result = households_export(actor=supervisor, region=jiulong, target=path)
    assert result.full_id is False
    rows = _sheets(path)["九龙村委会224"]
    head = Person.objects.get(name="𠮷大山")
    assert (rows[1][6], rows[1][10]) == (head.id_masked, "138****2222")
    assert rows[1][6] == make_id_number(31, birth="19650203")[:6] + "********" + head.id_tail[-4:]
    everything = repr(rows)
    for person in Person.objects.all():
        if person.id_number_enc:
            assert person_id_number(person) not in everything
    assert "13800002222" not in everything
    assert _sheets(path)["填写说明"][6] == ["身份证号和电话", "已脱敏（无权查看完整号码）"]
    event = AuditEvent.objects.get(action="registry.export")
    assert (event.actor, event.payload["full_id"]) == (supervisor, False)
    _wipe()
    assert not households_import(actor=staff, village=jiulong, path=path).ok
    assert counts()[:2] == (0, 0)


def test_township_export_has_a_sheet_per_village(
    staff: User, persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    _register(staff, regions[JIULONG])
    make_household(
        persona("八里村村干部"), regions[BALI], "0001", "李四", head_id=make_id_number(41)
    )
    buffer = BytesIO()
    result = households_export(actor=persona("开云镇干部"), region=regions[KAIYUN], target=buffer)
    assert (result.villages, result.households, result.persons, result.full_id) == (2, 3, 6, True)
    sheets = _sheets(buffer.getvalue())
    assert list(sheets) == ["九龙村委会224", "八里村委会227", "填写说明"]
    assert [r[4] for r in sheets["八里村委会227"][1:]] == ["李四"]
    # a township's events chain on the county
    assert AuditEvent.objects.get(action="registry.export").region_id == "430423000000"


@pytest.mark.parametrize("name", ["另一村的村干部", "九龙村村民", "八里村村干部"])
def test_export_outside_scope_is_refused(
    name: str, staff: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    _register(staff, jiulong)
    with pytest.raises(PermissionDenied):
        households_export(actor=persona(name), region=jiulong, target=BytesIO())
    assert not AuditEvent.objects.filter(action="registry.export").exists()


# ---------------------------------------------------------------- the page


def test_export_page_preselects_the_users_village_and_starts_nothing_on_get(
    client: Client, staff: User, jiulong: Region, django_assert_max_num_queries: Any
) -> None:
    _register(staff, jiulong)
    client.force_login(staff)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("registry:export_households"), {"region": JIULONG})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post"' in html
    assert f'<option value="{JIULONG}" selected>' in html
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="registry.export").exists()


def test_export_of_another_village_is_not_found_and_a_villager_is_forbidden(
    client: Client, staff: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    _register(staff, jiulong)
    client.force_login(persona("另一村的村干部"))
    response = client.post(reverse("registry:export_households"), {"region": JIULONG})
    assert response.status_code == 404
    client.force_login(persona("九龙村村民"))
    assert client.get(reverse("registry:export_households")).status_code == 403
    assert (
        client.post(reverse("registry:export_households"), {"region": JIULONG}).status_code == 403
    )
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="registry.export").exists()


def test_export_page_unknown_region_is_a_chinese_error_and_no_job(
    client: Client, persona: Callable[[str], User]
) -> None:
    client.force_login(persona("开云镇干部"))
    response = client.post(reverse("registry:export_households"), {"region": "999999999999"})
    assert response.status_code == 400
    assert "区划代码999999999999不存在" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_export_page_without_a_region_lets_a_superuser_choose(
    client: Client, regions: dict[str, Region]
) -> None:
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)
    response = client.get(reverse("registry:export_households"))
    assert response.status_code == 200
    assert "导出范围" in response.content.decode()
