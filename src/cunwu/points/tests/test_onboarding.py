"""Moving a village's points system from paper to cunwu (issue 5): 补录 of the rulebook version in
force, 期初结转 of each household's figures (one at a time or a whole spreadsheet, all or
nothing) and the default template a township or county publishes; pages, API and command line."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cunwu.accounts.models import User
from cunwu.api.tests.conftest import ApiClient
from cunwu.core.models import Region
from cunwu.points import services
from cunwu.points.models import (
    EntryKind,
    LedgerEntry,
    PointAccount,
    Rulebook,
    RulebookVersion,
    VersionStatus,
)
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, KAIYUN, FromToday, business_events, dated

from .support import another_household, client_for

Api = Callable[[str], ApiClient]
AS_OF = date(2026, 10, 31)
HEADER = ["户编号", "户主姓名", "累计积分", "可用积分"]


@pytest.fixture
def as_(persona: Callable[[str], User]) -> Callable[[str], Client]:
    return lambda name: client_for(persona(name))


@pytest.fixture
def village(staff: User, jiulong: Region, household: Household) -> dict[str, Household]:
    """九龙村 households 0001 张三 (the shared fixture), 0002 王五, 0003 赵六, 0004 钱七."""
    found = {"0001": household}
    for number, head in (("0002", "王五"), ("0003", "赵六"), ("0004", "钱七")):
        found[number] = another_household(staff, jiulong, number, head)
    return found


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "期初积分.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def figures(household: Household) -> tuple[int, int]:
    account = PointAccount.objects.filter(household=household).first()
    return (account.cumulative, account.available) if account else (0, 0)


def page_text(response: Any) -> str:
    return str(response.content.decode())


# ---------------------------------------------------------------- 补录 of the version in force

GOOD_BACKFILL = {
    "resolution_date": "2025-12-01",
    "members_total": "18",
    "members_present": "15",
    "votes_for": "14",
    "disclosed_from": "2025-12-05",
    "disclosed_until": "2025-12-11",
    "effective_from": "2026-01-01",
}


def test_version_page_offers_backfill_on_village_drafts_to_who_manages_the_rulebook(
    as_: Callable[[str], Client], draft_version: RulebookVersion, persona: Callable[[str], User]
) -> None:
    url = reverse("points:version", args=[draft_version.pk])
    backfill = reverse("points:version_record_adopted", args=[draft_version.pk])
    page = page_text(as_("九龙村村干部").get(url))
    assert "表决通过并公示" in page or "登记表决结果并公示" in page
    assert "补录已施行的版本" in page and backfill in page
    assert "补录已施行的版本" not in page_text(as_("九龙村监委会委员").get(url))
    township = persona("开云镇干部")
    rulebook = services.rulebook_for(actor=township, region=Region.objects.get(code=KAIYUN))
    template = services.version_create(actor=township, rulebook=rulebook)
    page = page_text(as_("开云镇干部").get(reverse("points:version", args=[template.pk])))
    assert "发布模板" in page and "补录已施行的版本" not in page


def test_backfill_page_makes_the_version_effective_from_its_recorded_date(
    as_: Callable[[str], Client], draft_version: RulebookVersion
) -> None:
    client = as_("九龙村村干部")
    url = reverse("points:version_record_adopted", args=[draft_version.pk])
    assert "纸质公示开始日期" in page_text(client.get(url))
    response = client.post(url, GOOD_BACKFILL)
    assert response.status_code == 302
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.EFFECTIVE
    assert draft_version.effective_from == date(2026, 1, 1)
    assert (draft_version.members_total, draft_version.members_present) == (18, 15)
    assert draft_version.votes_for == 14 and draft_version.notice_id is None
    assert services.version_in_force(JIULONG, date(2026, 3, 1)) == draft_version
    event = business_events().get(action="points.version_backfill")
    assert event.payload["disclosed"] == ["2025-12-05", "2025-12-11"]
    page = page_text(client.get(reverse("points:version", args=[draft_version.pk])))
    assert "2025年12月1日表决：应到18人，实到15人，赞成14人" in page
    assert "2026年1月1日" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"members_present": "11", "votes_for": "10"},
            "须有三分之二以上组成人员参加：应到18人，实到11人",
        ),
        ({"votes_for": "7"}, "须经到会人员过半数同意：实到15人，赞成7人"),
        ({"votes_for": "16"}, "实到不超过应到，赞成不超过实到"),
        ({"disclosed_from": "2025-11-30"}, "日期应依次为：表决日期、公示开始、公示截止、施行日期"),
        ({"effective_from": "2025-12-10"}, "日期应依次为"),
        ({"effective_from": FromToday(2)}, "不晚于今天"),
        ({"disclosed_until": "2025-12-08"}, "公示期不少于5天"),
        ({"members_total": "0"}, "确保该值大于或等于1"),
        ({"resolution_date": "2025-13-01"}, "输入一个有效的日期"),
    ],
)
def test_backfill_bad_input_shows_the_chinese_error_and_changes_nothing(
    as_: Callable[[str], Client],
    draft_version: RulebookVersion,
    change: dict[str, str],
    message: str,
) -> None:
    url = reverse("points:version_record_adopted", args=[draft_version.pk])
    response = as_("九龙村村干部").post(url, {**GOOD_BACKFILL, **dated(change)})
    assert response.status_code == 200
    assert message in page_text(response)
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT and draft_version.effective_from is None
    assert not business_events().filter(action="points.version_backfill").exists()


def test_backfill_is_404_to_another_villages_cadre_and_403_to_the_supervisor(
    as_: Callable[[str], Client], draft_version: RulebookVersion
) -> None:
    url = reverse("points:version_record_adopted", args=[draft_version.pk])
    outsider = as_("另一村的村干部")
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, GOOD_BACKFILL).status_code == 404
    assert as_("九龙村监委会委员").post(url, GOOD_BACKFILL).status_code == 403
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT


def test_backfill_over_the_api(api_as: Api, draft_version: RulebookVersion) -> None:
    path = f"/points/versions/{draft_version.pk}/record-adopted"
    body = {k: int(v) if v.isdigit() else v for k, v in GOOD_BACKFILL.items()}
    response = api_as("另一村的村干部").post(path, body)
    assert response.status_code == 404
    response = api_as("九龙村村干部").post(path, {**body, "members_present": 11, "votes_for": 10})
    assert response.status_code == 400
    assert response.json()["code"] == "resolution_quorum"
    assert "三分之二" in response.json()["message"]
    response = api_as("九龙村村干部").post(path, {**body, "disclosed_until": "2026-01-05"})
    assert response.status_code == 400 and response.json()["field"] == "effective_from"
    response = api_as("九龙村村干部").post(path, body)
    assert response.status_code == 200
    out = response.json()
    assert (out["status"], out["effective_from"], out["votes_for"]) == (
        "effective",
        "2026-01-01",
        14,
    )
    again = api_as("九龙村村干部").post(path, body)
    assert again.status_code == 409 and again.json()["code"] == "version_not_draft"


# ---------------------------------------------------------------- the default template


def test_templates_page_lets_a_township_without_a_template_publish_the_default(
    as_: Callable[[str], Client],
) -> None:
    client = as_("开云镇干部")
    page = page_text(client.get(reverse("points:templates")))
    action = reverse("points:template_default", args=[KAIYUN])
    assert "发布默认模板（五类38项）" in page and action in page
    assert action not in page_text(as_("九龙村村干部").get(reverse("points:templates")))
    response = client.post(action)
    assert response.status_code == 302
    assert response["Location"] == reverse("points:rulebook", args=[KAIYUN])
    version = RulebookVersion.objects.get(rulebook__region_id=KAIYUN)
    assert version.status == VersionStatus.EFFECTIVE
    assert version.items.count() == 38 and version.categories.count() == 5
    assert action not in page_text(client.get(reverse("points:templates")))


def test_default_template_is_refused_to_a_village_cadre(
    as_: Callable[[str], Client], regions: dict[str, Region]
) -> None:
    action = reverse("points:template_default", args=[KAIYUN])
    assert as_("九龙村村干部").post(action).status_code == 403
    assert as_("另一村的村干部").post(action).status_code == 404
    assert not Rulebook.objects.filter(region_id=KAIYUN).exists()


def test_default_template_over_the_api(api_as: Api, regions: dict[str, Region]) -> None:
    assert api_as("九龙村村干部").post(f"/points/templates/{KAIYUN}/default").status_code == 403
    response = api_as("开云镇干部").post(f"/points/templates/{KAIYUN}/default")
    assert response.status_code == 201
    out = response.json()
    assert (out["region"], out["status"]) == (KAIYUN, "effective")
    detail = api_as("开云镇干部").get(f"/points/versions/{out['id']}").json()
    assert len(detail["items"]) == 38
    refused = api_as("九龙村村干部").post(f"/points/templates/{JIULONG}/default")
    assert refused.status_code == 400 and refused.json()["code"] == "template_level"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("points", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_default_template_from_the_command_line_in_a_named_users_name(
    persona: Callable[[str], User],
) -> None:
    persona("开云镇干部")
    persona("九龙村村干部")
    with pytest.raises(CommandError, match="--user"):
        _run("template", "--region", KAIYUN)
    with pytest.raises(CommandError, match="没有权限"):
        _run("template", "--region", KAIYUN, "--user", "九龙村村干部")
    with pytest.raises(CommandError, match="不存在"):
        _run("template", "--region", KAIYUN, "--user", "无此人")
    out = _run("template", "--region", KAIYUN, "--user", "开云镇干部")
    assert "开云镇已发布默认细则模板（第1版，38项）" in out
    assert RulebookVersion.objects.get(rulebook__region_id=KAIYUN).items.count() == 38


# ---------------------------------------------------------------- 期初结转 of one household


def test_statement_offers_the_opening_form_until_the_household_has_rows(
    as_: Callable[[str], Client], household: Household
) -> None:
    client = as_("九龙村村干部")
    page_url = reverse("points:household", args=[household.pk])
    action = reverse("points:household_opening", args=[household.pk])
    assert action in page_text(client.get(page_url))
    response = client.post(
        action, {"cumulative": "120", "available": "45", "as_of": AS_OF.isoformat()}
    )
    assert response.status_code == 302
    assert figures(household) == (120, 45)
    entry = LedgerEntry.objects.get(account__household=household)
    assert (entry.kind, entry.date, entry.cumulative, entry.available) == (
        EntryKind.OPENING, AS_OF, 120, 45,
    )  # fmt: skip
    page = page_text(client.get(page_url))
    assert action not in page and "2026年10月31日纸质台账期初结转" in page
    again = client.post(action, {"cumulative": "5", "available": "5", "as_of": "2026-10-31"})
    assert again.status_code == 200
    assert "该户已有积分流水，不能再结转期初数" in page_text(again)
    assert figures(household) == (120, 45)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cumulative": "10", "available": "11"}, "期初可用积分应在0与累计积分之间"),
        ({"cumulative": "0", "available": "0"}, "期初累计积分为0时无需结转"),
        ({"cumulative": "-1", "available": "0"}, "确保该值大于或等于0"),
        ({"cumulative": "1.5", "available": "0"}, "输入整数"),
        ({"as_of": FromToday(1)}, "结转日期不能晚于今天"),
    ],
)
def test_opening_form_bad_input_shows_the_chinese_error_and_books_nothing(
    as_: Callable[[str], Client], household: Household, data: dict[str, str], message: str
) -> None:
    form = {"cumulative": "120", "available": "45", "as_of": AS_OF.isoformat(), **dated(data)}
    response = as_("九龙村村干部").post(
        reverse("points:household_opening", args=[household.pk]), form
    )
    assert response.status_code == 200 and message in page_text(response)
    assert not LedgerEntry.objects.exists()


def test_opening_form_is_404_outside_the_village_and_403_without_the_review_role(
    as_: Callable[[str], Client], household: Household
) -> None:
    action = reverse("points:household_opening", args=[household.pk])
    form = {"cumulative": "120", "available": "45", "as_of": AS_OF.isoformat()}
    assert as_("另一村的村干部").post(action, form).status_code == 404
    work_team = as_("九龙村工作队员")
    page = page_text(work_team.get(reverse("points:household", args=[household.pk])))
    assert action not in page
    assert work_team.post(action, form).status_code == 403
    assert not LedgerEntry.objects.exists()


# ---------------------------------------------------------------- 期初结转 of a spreadsheet


def test_index_links_to_the_paper_ledger_import(
    as_: Callable[[str], Client], jiulong: Region
) -> None:
    client = as_("九龙村村干部")
    page = page_text(client.get(reverse("points:index")))
    assert "从纸质台账结转" in page and reverse("points:opening_pick") in page
    response = client.get(reverse("points:opening_pick"))
    assert response["Location"] == reverse("points:opening", args=[JIULONG])
    assert as_("九龙村村民").get(reverse("points:opening_pick")).status_code == 403


def test_template_lists_the_households_not_yet_booked(
    as_: Callable[[str], Client], staff: User, village: dict[str, Household]
) -> None:
    services.opening_balance(
        actor=staff, household=village["0002"], cumulative=10, available=10, as_of=AS_OF
    )
    response = as_("九龙村村干部").get(reverse("points:opening_template", args=[JIULONG]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows == [
        HEADER,
        ["0001", "张三", None, None],
        ["0003", "赵六", None, None],
        ["0004", "钱七", None, None],
    ]


def test_upload_shows_a_preview_and_confirming_books_exact_figures(
    as_: Callable[[str], Client], village: dict[str, Household]
) -> None:
    client = as_("九龙村村干部")
    url = reverse("points:opening", args=[JIULONG])
    data = xlsx([["0001", "张三", 120, 45], ["0002", "王五", "300", "0"],
                 ["0003", "赵六", None, None], ["0004", " 钱七 ", 80.0, 80]])  # fmt: skip
    response = client.post(url, {"as_of": AS_OF.isoformat(), "file": upload(data)})
    assert response.status_code == 200
    page = page_text(response)
    assert "校验通过" in page and "确认结转 3 户" in page
    assert response.context["result"].cumulative == 500
    assert response.context["result"].available == 125
    assert "2026年10月31日" in page and "另有1户未填写积分" in page
    assert not LedgerEntry.objects.exists()  # nothing booked before the confirmation
    token = response.context["confirm"]["token"].value()
    confirm = reverse("points:opening_confirm", args=[JIULONG])
    response = client.post(confirm, {"token": token})
    assert response.status_code == 302
    assert [figures(village[n]) for n in ("0001", "0002", "0003", "0004")] == [
        (120, 45), (300, 0), (0, 0), (80, 80),
    ]  # fmt: skip
    assert set(LedgerEntry.objects.values_list("kind", "date").distinct()) == {
        (EntryKind.OPENING, AS_OF)
    }
    assert business_events().filter(action="points.opening").count() == 3
    assert services.ledger_mismatches() == []
    # the same confirmation again books nothing more
    again = client.post(confirm, {"token": token})
    assert again.status_code == 302 and LedgerEntry.objects.count() == 3


def test_a_file_with_one_bad_row_books_nothing_and_every_error_names_row_and_column(
    as_: Callable[[str], Client], village: dict[str, Household]
) -> None:
    client = as_("九龙村村干部")
    rows = [
        ["0001", "张三", 100, 40],  # row 2: good
        ["9999", "某某", 10, 5],  # row 3
        ["0002", "李四", 10, 5],  # row 4
        ["0003", "赵六", "abc", 5],  # row 5
        ["0001", "张三", 10, 5],  # row 6
        ["0004", "钱七", 10, 20],  # row 7
        ["", "孙八", -5, 1.5],  # row 8
    ]
    response = client.post(
        reverse("points:opening", args=[JIULONG]),
        {"as_of": AS_OF.isoformat(), "file": upload(xlsx(rows))},
    )
    expected = [
        (3, "户编号", "本村没有户编号为9999的户", "9999"),
        (4, "户主姓名", "与户籍登记的户主（王五）不符", "李四"),
        (5, "累计积分", "累计积分应为整数", "abc"),
        (6, "户编号", "与第2行的户编号重复", "0001"),
        (7, "可用积分", "可用积分不能大于累计积分（10）", "20"),
        (8, "户编号", "请填写户编号", ""),
        (8, "累计积分", "累计积分不能为负数", "-5"),
        (8, "可用积分", "可用积分应为整数", "1.5"),
    ]
    assert response.context["result"].errors == expected
    page = page_text(response)
    assert "共 8 处错误，未结转任何积分" in page and "确认结转" not in page
    for row, column, message, _value in expected:
        where = f'<td class="num" data-label="行号">{row}</td><td data-label="列">{column}</td>'
        assert where in page
        assert message in page
    assert not LedgerEntry.objects.exists()
    report = client.get(reverse("points:opening_errors", args=[JIULONG]))
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["行号", "列名", "错误说明", "填写内容"]
    assert [(r[0], r[1], r[2]) for r in cells[1:]] == [(r, c, m) for r, c, m, _v in expected]
    # confirming without a clean preview books nothing
    response = client.post(reverse("points:opening_confirm", args=[JIULONG]), {"token": "x"})
    assert response.status_code == 302 and not LedgerEntry.objects.exists()


def test_a_csv_in_gb18030_is_read_too(
    as_: Callable[[str], Client], village: dict[str, Household]
) -> None:
    data = "户编号,户主姓名,累计积分,可用积分\r\n0002,王五,66,6\r\n".encode("gb18030")
    client = as_("九龙村村干部")
    response = client.post(
        reverse("points:opening", args=[JIULONG]),
        {"as_of": AS_OF.isoformat(), "file": upload(data, "期初.csv")},
    )
    token = response.context["confirm"]["token"].value()
    client.post(reverse("points:opening_confirm", args=[JIULONG]), {"token": token})
    assert figures(village["0002"]) == (66, 6)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("期初.xlsx", xlsx([["0001", "张三", 1, 1]], header=["户编号", "姓名"]),
         "第1行缺少列：户主姓名、累计积分、可用积分"),
        ("期初.pdf", b"%PDF-1.4", "只能上传xlsx或csv文件"),
        ("期初.xlsx", xlsx([["0001", "张三", None, None]]), "没有需要结转的户"),
    ],
)  # fmt: skip
def test_an_unusable_file_is_refused_with_its_reason(
    as_: Callable[[str], Client], village: dict[str, Household], name: str, data: bytes,
    message: str,
) -> None:  # fmt: skip
    response = as_("九龙村村干部").post(
        reverse("points:opening", args=[JIULONG]),
        {"as_of": AS_OF.isoformat(), "file": upload(data, name)},
    )
    assert response.status_code == 200 and message in page_text(response)
    assert not LedgerEntry.objects.exists()


def test_a_second_import_is_refused_for_households_already_booked(
    as_: Callable[[str], Client], village: dict[str, Household]
) -> None:
    client = as_("九龙村村干部")
    url = reverse("points:opening", args=[JIULONG])
    data = xlsx([["0001", "张三", 120, 45], ["0002", "王五", 30, 30]])
    response = client.post(url, {"as_of": AS_OF.isoformat(), "file": upload(data)})
    token = response.context["confirm"]["token"].value()
    client.post(reverse("points:opening_confirm", args=[JIULONG]), {"token": token})
    assert LedgerEntry.objects.count() == 2
    data = xlsx([["0001", "张三", 120, 45], ["0003", "赵六", 10, 0]])
    response = client.post(url, {"as_of": AS_OF.isoformat(), "file": upload(data)})
    assert response.context["result"].errors == [
        (2, "户编号", "该户已有积分流水，不能再结转期初数", "0001")
    ]
    assert LedgerEntry.objects.count() == 2 and figures(village["0003"]) == (0, 0)


def test_confirming_checks_again_and_books_nothing_if_a_household_was_booked_meanwhile(
    as_: Callable[[str], Client], staff: User, village: dict[str, Household]
) -> None:
    client = as_("九龙村村干部")
    data = xlsx([["0001", "张三", 120, 45], ["0002", "王五", 30, 30]])
    response = client.post(
        reverse("points:opening", args=[JIULONG]),
        {"as_of": AS_OF.isoformat(), "file": upload(data)},
    )
    token = response.context["confirm"]["token"].value()
    services.opening_balance(
        actor=staff, household=village["0002"], cumulative=7, available=7, as_of=AS_OF
    )
    response = client.post(
        reverse("points:opening_confirm", args=[JIULONG]), {"token": token}, follow=True
    )
    assert "第3行【户编号】该户已有积分流水" in page_text(response)
    assert figures(village["0001"]) == (0, 0) and figures(village["0002"]) == (7, 7)
    assert LedgerEntry.objects.count() == 1


def test_the_import_pages_are_404_to_another_villages_cadre(
    as_: Callable[[str], Client], village: dict[str, Household]
) -> None:
    outsider, township = as_("另一村的村干部"), as_("开云镇干部")
    data = {"as_of": AS_OF.isoformat(), "file": upload(xlsx([["0001", "张三", 1, 1]]))}
    for name in ("opening", "opening_template", "opening_errors"):
        url = reverse(f"points:{name}", args=[JIULONG])
        assert outsider.get(url).status_code == 404, name
        assert township.get(url).status_code == 404, name
    assert outsider.post(reverse("points:opening", args=[JIULONG]), data).status_code == 404
    assert (
        outsider.post(reverse("points:opening_confirm", args=[JIULONG]), {"token": "x"})
    ).status_code == 404
    assert not LedgerEntry.objects.exists()


# ---------------------------------------------------------------- API


def test_opening_over_the_api_is_all_or_nothing(api_as: Api, village: dict[str, Household]) -> None:
    api = api_as("九龙村村干部")
    path = f"/points/opening/{JIULONG}"
    rows = [
        {"number": "0001", "head": "张三", "cumulative": 120, "available": 45},
        {"number": "0002", "head": "王五", "cumulative": 30, "available": 40},
        {"number": "0003", "head": "赵六", "cumulative": -1, "available": 0},
    ]
    response = api.post(path, {"as_of": "2026-10-31", "rows": rows})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "opening_rows" and body["message"] == "发现2处错误，未结转任何积分"
    assert body["errors"] == [
        {
            "row": 2,
            "column": "可用积分",
            "message": "可用积分不能大于累计积分（30）",
            "value": "40",
        },
        {"row": 3, "column": "累计积分", "message": "累计积分不能为负数", "value": "-1"},
    ]
    assert not LedgerEntry.objects.exists()
    good = [*rows[:1], {**rows[1], "available": 30}]
    response = api.post(path, {"as_of": "2026-10-31", "rows": good, "dry_run": True})
    assert response.json() == {"booked": False, "households": 2, "cumulative": 150,
                               "available": 75}  # fmt: skip
    assert not LedgerEntry.objects.exists()
    response = api.post(path, {"as_of": "2026-10-31", "rows": good})
    assert response.status_code == 200
    assert response.json() == {"booked": True, "households": 2, "cumulative": 150,
                               "available": 75}  # fmt: skip
    assert figures(village["0001"]) == (120, 45) and figures(village["0002"]) == (30, 30)
    again = api.post(path, {"as_of": "2026-10-31", "rows": good})
    assert again.status_code == 400
    assert [e["message"] for e in again.json()["errors"]] == [
        "该户已有积分流水，不能再结转期初数"
    ] * 2
    future = api.post(path, {"as_of": (timezone.localdate() + timedelta(days=1)).isoformat(),
                             "rows": rows[:1]})  # fmt: skip
    assert future.status_code == 400 and future.json()["code"] == "opening_date"


def test_opening_over_the_api_is_scoped(api_as: Api, village: dict[str, Household]) -> None:
    row = {"number": "0001", "head": "张三", "cumulative": 1, "available": 1}
    body = {"as_of": "2026-10-31", "rows": [row]}
    assert api_as("另一村的村干部").post(f"/points/opening/{JIULONG}", body).status_code == 404
    assert api_as("九龙村工作队员").post(f"/points/opening/{JIULONG}", body).status_code == 403
    assert api_as("九龙村村民").post(f"/points/opening/{JIULONG}", body).status_code == 403
    assert not LedgerEntry.objects.exists()


# ---------------------------------------------------------------- command line


def test_opening_from_the_command_line(
    tmp_path: Path, village: dict[str, Household], persona: Callable[[str], User]
) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["0001", "张三", 120, 45], ["0002", "王小五", 30, 30]]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="发现1处错误，未结转任何积分"):
        call_command(
            "points", "opening", str(bad), "--village", JIULONG, "--as-of", "2026-10-31",
            stdout=out,
        )  # fmt: skip
    assert "第3行【户主姓名】与户籍登记的户主（王五）不符：王小五" in out.getvalue()
    assert not LedgerEntry.objects.exists()
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([["0001", "张三", 120, 45], ["0002", "王五", 30, 30]]))
    args = [str(good), "--village", JIULONG, "--as-of", "2026-10-31"]
    assert "校验通过，可结转：2 户，累计积分150，可用积分75" in _run("opening", *args, "--dry-run")
    assert not LedgerEntry.objects.exists()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _run("opening", str(good), "--village", JIULONG, "--as-of", "31/10/2026")
    with pytest.raises(CommandError, match="不存在"):
        _run("opening", str(tmp_path / "none.xlsx"), "--village", JIULONG, "--as-of", "2026-10-31")
    persona("另一村的村干部")
    with pytest.raises(CommandError, match="没有权限"):
        _run("opening", *args, "--user", "另一村的村干部")
    assert "九龙村委会已结转期初积分：2 户，累计积分150，可用积分75" in _run("opening", *args)
    assert figures(village["0001"]) == (120, 45)
    assert business_events().get(action="points.opening", payload__household="0001").actor is None
    with pytest.raises(CommandError, match="发现2处错误"):
        _run("opening", *args)
    assert LedgerEntry.objects.count() == 2
