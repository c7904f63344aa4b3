# ruff: noqa: F811
"""培训 pages beyond creating sessions: 点名 (all attendees at once), a certificate, the
employment outcome, a labour export record, the xlsx of a session's attendees; each with its
saved values, bad input (Chinese error, nothing saved) and scope (another village: 404)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models import (
    LabourExport,
    TrainingAttendee,
    TrainingCertificate,
    TrainingSession,
)
from cunwu.village.services import training as services

from .fixtures_jobs import cadre, member  # noqa: F401

pytestmark = pytest.mark.django_db
D1, D2 = date(2026, 11, 10), date(2026, 11, 12)


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def session(cadre: User, jiulong: Region) -> TrainingSession:
    return services.training_session_create(
        actor=cadre, region=jiulong, kind="skill", title="电工培训", start_on=D1, end_on=D2,
        place="村部", organiser="村委会", hours=24,
    )  # fmt: skip


@pytest.fixture
def attendees(
    cadre: User, session: TrainingSession, household: Household
) -> list[TrainingAttendee]:
    """张三, 李四, 张小明 on the list, none marked yet."""
    return [
        services.training_attendee_add(actor=cadre, session=session, person=member(household, n))
        for n in ("张三", "李四", "张小明")
    ]


def test_detail_shows_buttons_only_with_permission(
    persona: Callable[[str], User], cadre: User, session: TrainingSession,
    attendees: list[TrainingAttendee],
) -> None:  # fmt: skip
    html = _client(cadre).get(f"/village/training/{session.pk}/").content.decode()
    for text in ("点名", "登记证书", "就业情况", "导出参训人员Excel",
                 f"/village/training/attendees/{attendees[0].pk}/outcome/"):  # fmt: skip
        assert text in html
    html = _client(persona("九龙村监委会委员")).get(f"/village/training/{session.pk}/")
    page = html.content.decode()
    assert "导出参训人员Excel" in page
    assert f"/village/training/{session.pk}/attendance/" not in page
    assert "登记证书" not in page


def test_roll_call_marks_all_attendees_at_once(
    cadre: User, session: TrainingSession, attendees: list[TrainingAttendee]
) -> None:
    c = _client(cadre)
    url = f"/village/training/{session.pk}/attendance/"
    page = c.get(url).content.decode()
    assert 'type="checkbox"' in page and "张小明（九龙村委会）" in page
    r = c.post(url, {"attended": [attendees[0].pk, attendees[2].pk]})
    assert r.status_code == 302 and r["Location"] == f"/village/training/{session.pk}/"
    marks = dict(TrainingAttendee.objects.values_list("person__name", "attended"))
    assert marks == {"张三": True, "李四": False, "张小明": True}
    r = c.post(url, {"attended": [attendees[1].pk]})
    assert r.status_code == 302
    marks = dict(TrainingAttendee.objects.values_list("person__name", "attended"))
    assert marks == {"张三": False, "李四": True, "张小明": False}
    assert "checked" in c.get(url).content.decode()


def test_roll_call_bad_choice_saves_nothing_and_scope(
    persona: Callable[[str], User], cadre: User, session: TrainingSession,
    attendees: list[TrainingAttendee],
) -> None:  # fmt: skip
    url = f"/village/training/{session.pk}/attendance/"
    r = _client(cadre).post(url, {"attended": [attendees[0].pk, 999999]})
    assert r.status_code == 200
    assert "999999 不在可用的选项中" in r.content.decode()
    assert TrainingAttendee.objects.filter(attended=True).count() == 0
    other = _client(persona("八里村村干部"))
    assert other.get(url).status_code == 404
    assert other.post(url, {"attended": [attendees[0].pk]}).status_code == 404
    assert other.get(f"/village/training/{session.pk}/export/").status_code == 404
    assert _client(persona("九龙村监委会委员")).post(url, {"attended": []}).status_code == 403
    assert TrainingAttendee.objects.filter(attended=True).count() == 0


def test_certificate_page_saves_exact_values(
    cadre: User, attendees: list[TrainingAttendee]
) -> None:
    c = _client(cadre)
    url = f"/village/training/attendees/{attendees[1].pk}/certificate/"
    assert c.get(url).status_code == 200
    r = c.post(url, {"name": "低压电工作业证", "number": "T430423001", "issuer": "衡阳市应急管理局",
                     "issued_on": "2026-11-20"})  # fmt: skip
    assert r.status_code == 302 and r["Location"] == f"/village/training/{attendees[1].session_id}/"
    cert = TrainingCertificate.objects.get()
    assert (cert.attendee_id, cert.name, cert.number, cert.issuer, cert.issued_on) == (
        attendees[1].pk,
        "低压电工作业证",
        "T430423001",
        "衡阳市应急管理局",
        date(2026, 11, 20),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "电工证", "number": "A1", "issuer": "人社局", "issued_on": "2026-11-01"},
         "发证日期不能早于培训开始日期"),
        ({"name": "电工证", "number": "A1", "issuer": "人社局", "issued_on": "2026-02-30"},
         "输入一个有效的日期"),
        ({"name": "", "number": "A1", "issuer": "人社局", "issued_on": "2026-11-20"},
         "这个字段是必填项"),
        ({"name": "电工证", "number": "X" * 51, "issuer": "人社局", "issued_on": "2026-11-20"},
         "确保该变量包含不超过 50 字符"),
    ],
)  # fmt: skip
def test_certificate_bad_input_shows_error_and_saves_nothing(
    cadre: User, attendees: list[TrainingAttendee], data: dict[str, str], message: str
) -> None:
    r = _client(cadre).post(f"/village/training/attendees/{attendees[0].pk}/certificate/", data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert TrainingCertificate.objects.count() == 0


def test_duplicate_certificate_number_and_scope(
    persona: Callable[[str], User], cadre: User, attendees: list[TrainingAttendee]
) -> None:
    data = {"name": "电工证", "number": "A1", "issuer": "人社局", "issued_on": "2026-11-20"}
    c = _client(cadre)
    r = c.post(f"/village/training/attendees/{attendees[0].pk}/certificate/", data)
    assert r.status_code == 302
    r = c.post(f"/village/training/attendees/{attendees[1].pk}/certificate/", data)
    assert "该证书编号已登记" in r.content.decode()
    assert TrainingCertificate.objects.count() == 1
    other = _client(persona("八里村村干部"))
    url = f"/village/training/attendees/{attendees[1].pk}/certificate/"
    assert other.get(url).status_code == 404
    assert other.post(url, {**data, "number": "A2"}).status_code == 404
    assert TrainingCertificate.objects.count() == 1


def test_outcome_page_saves_and_clears(cadre: User, attendees: list[TrainingAttendee]) -> None:
    c = _client(cadre)
    url = f"/village/training/attendees/{attendees[0].pk}/outcome/"
    assert c.get(url).status_code == 200
    r = c.post(url, {"outcome": "away", "place": "广东省东莞市", "since": "2026-12-01"})
    assert r.status_code == 302
    a = TrainingAttendee.objects.get(pk=attendees[0].pk)
    assert (a.outcome, a.outcome_place) == ("away", "广东省东莞市")
    assert a.outcome_from == date(2026, 12, 1)
    assert 'value="广东省东莞市"' in c.get(url).content.decode()
    r = c.post(url, {"outcome": "none", "place": "忽略", "since": "2026-12-01"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.outcome, a.outcome_place, a.outcome_from) == ("none", "", None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "local", "place": "", "since": "2026-12-01"}, "请填写就业地点"),
        ({"outcome": "self", "place": "村里", "since": ""}, "就业起始日期无效"),
        ({"outcome": "abroad", "place": "村里", "since": "2026-12-01"}, "选择一个有效的选项"),
    ],
)
def test_outcome_bad_input_shows_error_and_saves_nothing(
    persona: Callable[[str], User], cadre: User, attendees: list[TrainingAttendee],
    data: dict[str, str], message: str,
) -> None:  # fmt: skip
    url = f"/village/training/attendees/{attendees[0].pk}/outcome/"
    r = _client(cadre).post(url, data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert _client(persona("八里村村干部")).post(url, data).status_code == 404
    a = TrainingAttendee.objects.get(pk=attendees[0].pk)
    assert (a.outcome, a.outcome_place, a.outcome_from) == ("", "", None)


def test_labour_export_page_records_one_and_counts(cadre: User, household: Household) -> None:
    c = _client(cadre)
    assert "登记劳务输出（九龙村委会）" in c.get("/village/training/labour/").content.decode()
    url = "/village/training/labour/new/?village=430423100224"
    assert c.get(url).status_code == 200
    person = member(household, "李四")
    data = {"person": person.pk, "year": "2026", "destination": "outside",
            "place": "浙江省宁波市", "from_month": "3", "to_month": "11"}  # fmt: skip
    r = c.post(url, data)
    assert r.status_code == 302
    assert r["Location"] == "/village/training/labour/?year=2026&village=430423100224"
    rec = LabourExport.objects.get()
    assert (rec.person_id, rec.village_id, rec.year, rec.destination, rec.place,
            rec.from_month, rec.to_month) == (person.pk, "430423100224", 2026, "outside",
                                              "浙江省宁波市", 3, 11)  # fmt: skip
    r = c.post(url, data)
    assert "李四2026年已登记" in r.content.decode()
    assert LabourExport.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"to_month": "2"}, "截止月不能早于起始月"),
        ({"from_month": "13"}, "确保该值小于或等于12"),
        ({"destination": "moon"}, "选择一个有效的选项"),
        ({"person": "999999"}, "本村没有该人员"),
        ({"year": "1999"}, "确保该值大于或等于2000"),
    ],
)
def test_labour_export_bad_input_saves_nothing(
    cadre: User, household: Household, change: dict[str, str], message: str
) -> None:
    data = {"person": str(member(household, "李四").pk), "year": "2026",
            "destination": "outside", "place": "", "from_month": "3", "to_month": "11"}  # fmt: skip
    r = _client(cadre).post("/village/training/labour/new/?village=430423100224",
                            {**data, **change})  # fmt: skip
    assert r.status_code == 200
    assert message in r.content.decode()
    assert LabourExport.objects.count() == 0


def test_labour_export_scope(persona: Callable[[str], User], household: Household) -> None:
    other = _client(persona("八里村村干部"))
    url = "/village/training/labour/new/?village=430423100224"
    data = {"person": member(household, "李四").pk, "year": "2026", "destination": "outside",
            "place": "", "from_month": "3", "to_month": "11"}  # fmt: skip
    assert other.get(url).status_code == 404
    assert other.post(url, data).status_code == 404
    # 八里村's own page cannot reach a 九龙村 person either
    r = other.post("/village/training/labour/new/?village=430423100227", data)
    assert "本村没有该人员" in r.content.decode()
    assert _client(persona("九龙村监委会委员")).get(url).status_code == 403
    assert LabourExport.objects.count() == 0


def test_session_export_has_attendance_certificates_and_outcome(
    cadre: User, session: TrainingSession, attendees: list[TrainingAttendee]
) -> None:
    services.training_attendance_mark(actor=cadre, attendee=attendees[0], attended=True)
    services.training_certificate_add(
        actor=cadre,
        attendee=attendees[0],
        name="电工证",
        number="A1",
        issuer="人社局",
        issued_on=date(2026, 11, 20),
    )
    services.training_certificate_add(
        actor=cadre,
        attendee=attendees[0],
        name="焊工证",
        number="B2",
        issuer="应急局",
        issued_on=date(2026, 11, 21),
    )
    services.training_outcome_set(actor=cadre, attendee=attendees[0], outcome="local",
                                  place="县工业园", since=date(2026, 12, 1))  # fmt: skip
    r = _client(cadre).get(f"/village/training/{session.pk}/export/")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["姓名", "村", "参训", "证书", "就业情况", "就业地点", "就业起始"],
        ["张三", "九龙村委会", "是",
         "电工证（A1，人社局，2026-11-20）；焊工证（B2，应急局，2026-11-21）",
         "本地就业", "县工业园", "2026-12-01"],
        ["李四", "九龙村委会", "否", None, None, None, None],
        ["张小明", "九龙村委会", "否", None, None, None, None],
    ]  # fmt: skip


def test_township_session_pages_need_the_township(
    persona: Callable[[str], User], regions: dict[str, Region], household: Household
) -> None:
    township = persona("开云镇干部")
    session = services.training_session_create(
        actor=township, region=regions["430423100000"], kind="farmer", title="种植培训",
        start_on=D1, end_on=D2, place="镇农技站", organiser="镇农技站", hours=8,
    )  # fmt: skip
    a = services.training_attendee_add(
        actor=township, session=session, person=member(household, "李四")
    )
    village_cadre = _client(persona("九龙村村干部"))  # sees its villager, does not run the session
    assert village_cadre.get(f"/village/training/{session.pk}/").status_code == 200
    assert village_cadre.get(f"/village/training/{session.pk}/attendance/").status_code == 403
    assert village_cadre.get(f"/village/training/attendees/{a.pk}/outcome/").status_code == 403
    c = _client(township)
    r = c.post(f"/village/training/{session.pk}/attendance/", {"attended": [a.pk]})
    assert r.status_code == 302
    assert TrainingAttendee.objects.get(pk=a.pk).attended is True
