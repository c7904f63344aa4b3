# ruff: noqa: F811
"""培训与劳务输出: sessions, attendees across villages of a township, certificates, outcomes,
labour export records seeded from the registry, counts, pages and API with scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number
from cunwu.village.models import JobHolder, LabourExport, TrainingAttendee, TrainingSession
from cunwu.village.selectors.training import labour_counts, training_sessions
from cunwu.village.services import training as services

from .fixtures_jobs import cadre, member  # noqa: F401

pytestmark = pytest.mark.django_db
D1, D2 = date(2026, 11, 10), date(2026, 11, 12)


def _session(actor: User, region: Region, **kw: object) -> TrainingSession:
    data: dict[str, object] = {
        "kind": "skill",
        "title": "电工培训",
        "start_on": D1,
        "end_on": D2,
        "place": "镇文化站",
        "organiser": "镇人社站",
        "hours": 24,
    }
    data.update(kw)
    return services.training_session_create(actor=actor, region=region, **data)  # type: ignore[arg-type]


def test_township_session_takes_attendees_of_two_villages(
    persona: Callable[[str], User], regions: dict[str, Region], household: Household
) -> None:
    township = persona("开云镇干部")
    session = _session(township, regions["430423100000"])
    bali = make_household(
        persona("八里村村干部"), regions["430423100227"], "0001", "钱七", head_id=make_id_number(21)
    )
    a = services.training_attendee_add(
        actor=township, session=session, person=member(household, "李四")
    )
    services.training_attendee_add(actor=township, session=session, person=member(bali, "钱七"))
    with pytest.raises(ApplicationError, match="李四已在名单中"):
        services.training_attendee_add(
            actor=township, session=session, person=member(household, "李四")
        )
    assert TrainingAttendee.objects.count() == 2
    services.training_attendance_mark(actor=township, attendee=a, attended=True)
    services.training_certificate_add(
        actor=township,
        attendee=a,
        name="电工证",
        number="T001",
        issuer="衡山县人社局",
        issued_on=D2,
    )
    with pytest.raises(ApplicationError, match="该证书编号已登记"):
        services.training_certificate_add(
            actor=township,
            attendee=a,
            name="电工证",
            number="T001",
            issuer="衡山县人社局",
            issued_on=D2,
        )
    with pytest.raises(ApplicationError) as exc:
        services.training_outcome_set(actor=township, attendee=a, outcome="away", place="")
    assert exc.value.field == "place"
    a = services.training_outcome_set(
        actor=township, attendee=a, outcome="away", place="广东东莞", since=date(2026, 12, 1)
    )
    assert (a.attended, a.outcome, a.outcome_place) == (True, "away", "广东东莞")
    # the village cadre sees the township's session through its villager, and only its own
    jiulong_cadre = persona("九龙村村干部")
    assert list(training_sessions(user=jiulong_cadre)) == [session]
    assert list(training_sessions(user=persona("另一村的村干部"))) == []
    assert AuditEvent.objects.filter(action="village.training_certificate").count() == 1


def test_session_rejects_bad_input_and_wrong_people(
    cadre: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    with pytest.raises(ApplicationError, match="结束日期不能早于开始日期"):
        _session(cadre, jiulong, end_on=date(2026, 11, 1))
    with pytest.raises(ApplicationError, match="请选择培训类型"):
        _session(cadre, jiulong, kind="x")
    for name in ("九龙村村民", "另一村的村干部"):
        with pytest.raises(PermissionDenied):
            _session(persona(name), jiulong)
    assert not TrainingSession.objects.exists()


def test_labour_export_seed_from_registry_and_counts(
    cadre: User, jiulong: Region, household: Household
) -> None:
    Household.objects.get(pk=household.pk).members.filter(name="李四").update(
        work_status="省外务工", work_place="浙江宁波"
    )
    household.members.filter(name="张小明").update(work_status="县外省内务工")
    assert [p.name for p in services.labour_export_candidates(village=jiulong, year=2026)] == [
        "李四",
        "张小明",
    ]
    assert services.labour_export_seed(actor=cadre, village=jiulong, year=2026) == 2
    assert services.labour_export_seed(actor=cadre, village=jiulong, year=2026) == 0
    assert sorted(LabourExport.objects.values_list("destination", flat=True)) == [
        "outside",
        "province",
    ]
    with pytest.raises(ApplicationError, match="截止月不能早于起始月"):
        services.labour_export_record(
            actor=cadre,
            person=member(household, "张三"),
            year=2026,
            destination="local",
            place="",
            from_month=5,
            to_month=3,
        )
    services.labour_export_record(
        actor=cadre,
        person=member(household, "张三"),
        year=2026,
        destination="local",
        place="",
        from_month=1,
        to_month=12,
    )
    [row] = labour_counts(user=cadre, year=2026)
    assert (row["total"], row["outside"], row["province"], row["local"]) == (3, 1, 1, 1)


def test_pages_and_api(
    cadre: User, persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    c = Client()
    c.force_login(cadre)
    r = c.post(
        "/village/training/new/?region=430423100224",
        {
            "kind": "farmer",
            "title": "果树修剪",
            "start_on": "2026-11-10",
            "end_on": "2026-11-09",
            "place": "村部",
            "organiser": "村委会",
            "hours": "8",
        },
    )
    assert r.status_code == 200
    assert "结束日期不能早于开始日期" in r.content.decode()
    r = c.post(
        "/api/v1/village/training",
        {
            "region": "430423100224",
            "kind": "farmer",
            "title": "果树修剪",
            "start_on": "2026-11-10",
            "end_on": "2026-11-10",
            "place": "村部",
            "organiser": "村委会",
            "hours": 8,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = c.post(
        f"/api/v1/village/training/{sid}/attendees",
        {"person": member(household, "张三").pk},
        content_type="application/json",
    )
    assert r.status_code == 201
    for url in (
        "/village/training/",
        f"/village/training/{sid}/",
        "/village/training/?format=xlsx",
        "/village/training/labour/?year=2026&village=430423100224",
        "/village/training/labour/?format=xlsx",
    ):
        assert c.get(url).status_code == 200, url
    other = Client()
    other.force_login(persona("另一村的村干部"))
    assert other.get(f"/village/training/{sid}/").status_code == 404
    assert other.get(f"/api/v1/village/training/{sid}").status_code == 404
    villager = Client()
    villager.force_login(persona("九龙村村民"))
    assert villager.get("/village/training/").status_code == 403
    assert c.get("/api/v1/village/labour-exports/counts/2026").status_code == 200


def test_demo_is_idempotent(
    persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    from cunwu.web.demo_village_jobs import demo_village_jobs
    from cunwu.web.demo_village_training import demo_village_training

    users = {
        "cadre": persona("九龙村村干部"),
        "work_team": persona("九龙村工作队员"),
        "township": persona("开云镇干部"),
        "admin": persona("衡山县管理员"),
    }
    assert demo_village_jobs(**users, village=jiulong) == 3
    assert demo_village_jobs(**users, village=jiulong) == 0
    assert JobHolder.objects.count() == 3
    assert demo_village_training(**users, village=jiulong) == 1
    assert demo_village_training(**users, village=jiulong) == 0
    assert TrainingAttendee.objects.filter(attended=True).count() == 2
