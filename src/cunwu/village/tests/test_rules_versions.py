# ruff: noqa: F811
"""村规民约与公约: the version flow (draft, edit, adopt, supersede, disclose), the adoption
check, the clause links to 积分事项, acknowledgements, coverage and the clause report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.disclosure.models import Category, Notice, NoticeStatus
from cunwu.registry.models import Household
from cunwu.village.models import (
    Acknowledgement,
    AckWay,
    Rule,
    RuleClause,
    RuleKind,
    RuleVersion,
    RuleVersionStatus,
)
from cunwu.village.selectors import rules as selectors
from cunwu.village.services import rules as services

from .fixtures_rules import (  # noqa: F401
    CLAUSES,
    MEETING_ON,
    adopt,
    adopted,
    cadre,
    draft,
    homes,
    point_event,
    points_item,
    village_rule,
    villager,
)

pytestmark = pytest.mark.django_db


def _texts(version: RuleVersion) -> list[str]:
    return list(version.clauses.order_by("order").values_list("text", flat=True))


# ---------------------------------------------------------------- rules and drafts


def test_rule_create_once_per_kind(cadre: User, jiulong: Region, village_rule: Rule) -> None:
    with pytest.raises(ApplicationError, match="九龙村委会已有村规民约"):
        services.rule_create(actor=cadre, village=jiulong, kind=RuleKind.VILLAGE)
    with pytest.raises(ApplicationError) as err:
        services.rule_create(actor=cadre, village=jiulong, kind="other")
    assert err.value.code == "rule_kind"
    services.rule_create(actor=cadre, village=jiulong, kind=RuleKind.INTEGRITY)
    assert Rule.objects.filter(village=jiulong).count() == 2


def test_rule_create_refused_outside_scope_and_above_village(
    persona: Callable[[str], User], regions: dict[str, Region], jiulong: Region
) -> None:
    for name in ("九龙村村民", "另一村的村干部", "开云镇干部", "九龙村监委会委员"):
        with pytest.raises(PermissionDenied):
            services.rule_create(actor=persona(name), village=jiulong, kind=RuleKind.VILLAGE)
    admin = persona("衡山县管理员")
    with pytest.raises(PermissionDenied):  # the county keeps no village's rules
        services.rule_create(actor=admin, village=jiulong, kind=RuleKind.VILLAGE)
    assert not Rule.objects.exists()


def test_first_draft_then_edit_keeps_links_of_kept_clauses(
    cadre: User, jiulong: Region, draft: RuleVersion
) -> None:
    assert (draft.number, draft.status, draft.title) == (
        1,
        RuleVersionStatus.DRAFT,
        "九龙村村规民约",
    )
    assert _texts(draft) == CLAUSES
    item = points_item(cadre, jiulong, "B01", "丧事简办", 5)
    clause = draft.clauses.get(order=2)
    services.rule_clause_link(actor=cadre, clause=clause, item=item)
    services.rule_version_update(
        actor=cadre, version=draft, title="九龙村村规民约（修订稿）", preamble="序言",
        clauses=["孝老爱亲", "厚养薄葬，丧事简办", "  邻里和睦，  互帮互助 "],
    )  # fmt: skip
    draft.refresh_from_db()
    assert draft.title == "九龙村村规民约（修订稿）"
    assert _texts(draft) == ["孝老爱亲", "厚养薄葬，丧事简办", "邻里和睦， 互帮互助"]
    linked = draft.clauses.get(order=2)
    assert linked.points_item == item
    assert draft.clauses.filter(points_item__isnull=False).count() == 1


def test_parse_clauses_drops_numbering_and_blank_lines() -> None:
    text = "第一条 爱护公共设施\n\n2. 厚养薄葬\n3、邻里和睦\n  文明节俭  \n"
    assert services.parse_clauses(text) == ["爱护公共设施", "厚养薄葬", "邻里和睦", "文明节俭"]


def test_draft_edit_rejects_bad_input_and_changes_nothing(cadre: User, draft: RuleVersion) -> None:
    with pytest.raises(ApplicationError, match="第2条至多500字"):
        services.rule_version_update(actor=cadre, version=draft, title="新标题", preamble="",
                                     clauses=["好", "长" * 501])  # fmt: skip
    with pytest.raises(ApplicationError, match="请填写标题"):
        services.rule_version_update(actor=cadre, version=draft, title="  ", preamble="",
                                     clauses=["好"])  # fmt: skip
    draft.refresh_from_db()
    assert draft.title == "九龙村村规民约"
    assert _texts(draft) == CLAUSES


def test_only_one_draft_at_a_time(cadre: User, village_rule: Rule, draft: RuleVersion) -> None:
    with pytest.raises(ApplicationError, match=r"已有草稿（第1版），请先修改或通过该草稿"):
        services.rule_version_create(actor=cadre, rule=village_rule)
    assert RuleVersion.objects.count() == 1


def test_clause_link_only_to_items_of_the_village_or_its_templates(
    cadre: User, regions: dict[str, Region], draft: RuleVersion
) -> None:
    clause = draft.clauses.get(order=2)
    township_item = points_item(cadre, regions["430423100000"], "T01", "丧事简办", 5)
    services.rule_clause_link(actor=cadre, clause=clause, item=township_item)
    assert RuleClause.objects.get(pk=clause.pk).points_item == township_item
    other = points_item(cadre, regions["430423100227"], "B01", "丧事简办", 5)  # 八里村
    with pytest.raises(ApplicationError, match="只能关联本村或上级模板积分细则中的事项"):
        services.rule_clause_link(actor=cadre, clause=clause, item=other)
    assert RuleClause.objects.get(pk=clause.pk).points_item == township_item
    services.rule_clause_link(actor=cadre, clause=clause, item=None)
    assert RuleClause.objects.get(pk=clause.pk).points_item is None


# ---------------------------------------------------------------- adoption


def test_adoption_records_votes_files_and_publishes_a_notice(
    cadre: User, draft: RuleVersion
) -> None:
    v = adopt(cadre, draft)
    assert v.status == RuleVersionStatus.ADOPTED
    assert (v.meeting_kind, v.meeting_on, v.members, v.present, v.votes_for, v.votes_against) == (
        services.ASSEMBLY,
        MEETING_ON,
        100,
        60,
        50,
        5,
    )
    assert (v.filed_with, v.filed_on, v.adopted_by) == ("开云镇人民政府", None, cadre)
    notice = Notice.objects.get(pk=v.notice_id)
    assert notice.category == Category.VILLAGE
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.title == "九龙村委会村规民约（第1版）公布"
    assert (notice.subject_type, notice.subject_id) == ("village.rule_version", str(v.pk))
    assert "2026年11月20日村民会议讨论通过（应到100人，实到60人，赞成50票，反对5票）" in notice.body
    assert "<li>厚养薄葬，丧事简办</li>" in notice.body
    assert "已报开云镇人民政府备案" in notice.body
    assert AuditEvent.objects.filter(action="village.rule_version_adopt",
                                     object_id=str(v.pk)).exists()  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"present": 50, "votes_for": 40}, "rule_quorum", "村民会议须有本村过半数的成年村民参加"),
        ({"votes_for": 30, "votes_against": 0}, "rule_majority", "须经到会人员的过半数同意"),
        ({"meeting_kind": services.REPRESENTATIVES, "members": 30, "present": 30,
          "votes_for": 30}, "rule_meeting_delegated",
         "村规民约须由村民会议讨论通过，不能由村民代表会议决定"),
        ({"votes_against": 11}, "rule_votes_total", "赞成与反对票数之和不能超过实到人数"),
        ({"present": 101}, "rule_present", "实到人数须在0到应到人数之间"),
        ({"members": -1}, "rule_members_range", "应到人数应在0至100000之间"),
        ({"members": "100"}, "rule_members_invalid", "应到人数无效"),
        ({"meeting_on": date(2099, 1, 1)}, "rule_meeting_future", "会议日期不能晚于今天"),
        ({"filed_with": ""}, "filed_with_empty", "请填写备案机关"),
        ({"filed_on": date(2026, 11, 1)}, "rule_filed_on_range", "备案日期应在会议日期至今天之间"),
        ({"meeting_kind": "party"}, "rule_meeting_kind", "请选择村民会议或村民代表会议"),
    ],
)  # fmt: skip
def test_failed_adoption_check_gives_its_message_and_changes_nothing(
    cadre: User, adopted: RuleVersion, fields: dict[str, object], code: str, message: str
) -> None:
    second = services.rule_version_create(actor=cadre, rule=adopted.rule)
    notices = Notice.objects.count()
    with pytest.raises(ApplicationError) as err:
        adopt(cadre, second, **fields)
    assert (err.value.code, err.value.message) == (code, message)
    second.refresh_from_db()
    adopted.refresh_from_db()
    assert second.status == RuleVersionStatus.DRAFT and second.meeting_on is None
    assert adopted.status == RuleVersionStatus.ADOPTED
    assert Notice.objects.count() == notices


def test_civility_pledge_may_be_adopted_by_representatives(cadre: User, jiulong: Region) -> None:
    rule = services.rule_create(actor=cadre, village=jiulong, kind=RuleKind.CIVILITY)
    v = services.rule_version_create(actor=cadre, rule=rule, clauses=["移风易俗"])
    v = services.rule_version_adopt(
        actor=cadre, version=v, meeting_kind=services.REPRESENTATIVES, meeting_on=MEETING_ON,
        members=30, present=20, votes_for=11,
    )  # fmt: skip
    assert v.status == RuleVersionStatus.ADOPTED
    assert v.title == "九龙村委会乡风文明公约" and v.filed_with == ""


def test_new_version_copies_the_adopted_one_and_its_adoption_supersedes_it(
    cadre: User, jiulong: Region, adopted: RuleVersion
) -> None:
    item = points_item(cadre, jiulong, "B01", "丧事简办", 5)
    RuleClause.objects.filter(version=adopted, order=2).update(points_item=item)
    second = services.rule_version_create(actor=cadre, rule=adopted.rule)
    assert (second.number, second.copied_from, second.title) == (2, adopted, "九龙村村规民约")
    assert second.preamble == "为推进村民自治，特制定本村规民约。"
    assert _texts(second) == CLAUSES
    assert second.clauses.get(order=2).points_item == item
    services.rule_version_update(actor=cadre, version=second, title="九龙村村规民约",
                                 preamble="", clauses=[*CLAUSES, "禁止燃放烟花爆竹"])  # fmt: skip
    second = adopt(cadre, second, meeting_on=date(2026, 11, 28), filed_on=date(2026, 11, 30))
    adopted.refresh_from_db()
    assert adopted.status == RuleVersionStatus.SUPERSEDED and adopted.superseded_at is not None
    assert second.status == RuleVersionStatus.ADOPTED and second.filed_on == date(2026, 11, 30)
    assert selectors.current_of(adopted.rule) == second
    assert Notice.objects.count() == 2


def test_adopted_and_superseded_versions_cannot_be_edited(
    cadre: User, jiulong: Region, adopted: RuleVersion
) -> None:
    with pytest.raises(ApplicationError, match="第1版已通过，不能再修改"):
        services.rule_version_update(actor=cadre, version=adopted, title="改", preamble="",
                                     clauses=["改"])  # fmt: skip
    with pytest.raises(ApplicationError) as err:
        adopt(cadre, adopted)
    assert (err.value.code, err.value.status) == ("rule_version_not_draft", 409)
    item = points_item(cadre, jiulong, "B01", "丧事简办", 5)
    with pytest.raises(ApplicationError):
        services.rule_clause_link(actor=cadre, clause=adopted.clauses.get(order=1), item=item)
    assert _texts(adopted) == CLAUSES
    assert not adopted.clauses.filter(points_item__isnull=False).exists()


def test_empty_draft_cannot_be_adopted(cadre: User, village_rule: Rule) -> None:
    v = services.rule_version_create(actor=cadre, rule=village_rule, clauses=[])
    with pytest.raises(ApplicationError, match="草稿还没有条款，不能表决通过"):
        adopt(cadre, v)
    assert RuleVersion.objects.get(pk=v.pk).status == RuleVersionStatus.DRAFT


def test_work_team_keeps_drafts_but_adoption_needs_a_cadre(
    persona: Callable[[str], User], draft: RuleVersion
) -> None:
    team = persona("九龙村工作队员")
    services.rule_version_update(actor=team, version=draft, title="九龙村村规民约",
                                 preamble="", clauses=CLAUSES)  # fmt: skip
    with pytest.raises(PermissionDenied, match="登记表决结果并公布须由村干部办理"):
        adopt(team, draft)
    assert RuleVersion.objects.get(pk=draft.pk).status == RuleVersionStatus.DRAFT


def test_filing_recorded_after_adoption(cadre: User, adopted: RuleVersion) -> None:
    with pytest.raises(ApplicationError, match="备案日期应在会议日期至今天之间"):
        services.rule_version_file(actor=cadre, version=adopted, filed_on=date(2026, 11, 19),
                                   filed_with="开云镇人民政府")  # fmt: skip
    v = services.rule_version_file(actor=cadre, version=adopted, filed_on=date(2026, 11, 25),
                                   filed_with="开云镇人民政府")  # fmt: skip
    assert v.filed_on == date(2026, 11, 25)


# ---------------------------------------------------------------- acknowledgements


def test_paper_acknowledgements_for_many_households_and_duplicates_refused(
    cadre: User, adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    made = services.acknowledgements_paper(
        actor=cadre, version=adopted, households=[homes["0101"], homes["0102"], homes["0101"]]
    )
    assert [(a.household.number, a.way, a.recorded_by) for a in made] == [
        ("0101", AckWay.PAPER, cadre), ("0102", AckWay.PAPER, cadre)
    ]  # fmt: skip
    with pytest.raises(ApplicationError) as err:
        services.acknowledgements_paper(actor=cadre, version=adopted,
                                        households=[homes["0103"], homes["0102"]])  # fmt: skip
    assert (err.value.message, err.value.status) == ("0102户已签订，不能重复登记", 409)
    assert Acknowledgement.objects.count() == 2  # 0103 not recorded either: all or nothing
    with pytest.raises(ApplicationError, match="请勾选已签字的户"):
        services.acknowledgements_paper(actor=cadre, version=adopted, households=[])


def test_paper_acknowledgement_refuses_another_village_and_drafts(
    persona: Callable[[str], User], cadre: User, regions: dict[str, Region],
    draft: RuleVersion, homes: dict[str, Household],
) -> None:  # fmt: skip
    from cunwu.testing import make_household, make_id_number

    with pytest.raises(ApplicationError, match="只能签订现行（已通过）的版本"):
        services.acknowledgements_paper(actor=cadre, version=draft, households=[homes["0101"]])
    adopted = adopt(cadre, draft)
    bali_cadre = persona("八里村村干部")
    stranger = make_household(bali_cadre, regions["430423100227"], "0901", "吴九",
                              head_id=make_id_number(901, birth="19600101"))  # fmt: skip
    with pytest.raises(ApplicationError, match="0901不是本村的户"):
        services.acknowledgements_paper(actor=cadre, version=adopted, households=[stranger])
    with pytest.raises(PermissionDenied):
        services.acknowledgements_paper(actor=bali_cadre, version=adopted,
                                        households=[homes["0101"]])  # fmt: skip
    assert not Acknowledgement.objects.exists()


def test_villager_confirms_own_household_once(
    villager: User, adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    ack = services.acknowledgement_confirm(actor=villager, version=adopted)
    assert (ack.household, ack.way, ack.recorded_by) == (homes["0201"], AckWay.PHONE, villager)
    with pytest.raises(ApplicationError, match="您家已签订，不能重复确认"):
        services.acknowledgement_confirm(actor=villager, version=adopted)
    assert Acknowledgement.objects.count() == 1


def test_confirm_refused_without_a_linked_household_or_for_another_village(
    persona: Callable[[str], User], cadre: User, adopted: RuleVersion,
    homes: dict[str, Household], villager: User,
) -> None:  # fmt: skip
    with pytest.raises(PermissionDenied, match="只有登记在本村户籍中的村民可以为自家确认"):
        services.acknowledgement_confirm(actor=cadre, version=adopted)
    other_rule = services.rule_create(
        actor=persona("八里村村干部"), village=Region.objects.get(code="430423100227"),
        kind=RuleKind.VILLAGE,
    )  # fmt: skip
    other = services.rule_version_create(actor=persona("八里村村干部"), rule=other_rule,
                                         clauses=["爱护环境"])  # fmt: skip
    other = adopt(persona("八里村村干部"), other)
    with pytest.raises(PermissionDenied, match="只能确认本村的村规民约"):
        services.acknowledgement_confirm(actor=villager, version=other)
    assert not Acknowledgement.objects.exists()


def test_coverage_is_exact_per_group_with_the_missing(
    cadre: User, villager: User, adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    services.acknowledgements_paper(actor=cadre, version=adopted,
                                    households=[homes["0101"], homes["0103"]])  # fmt: skip
    services.acknowledgement_confirm(actor=villager, version=adopted)
    c = selectors.coverage(adopted)
    assert (c.total, c.acknowledged, c.paper, c.phone, c.percent) == (5, 3, 2, 1, "60.0%")
    assert [(g.name, g.total, g.acknowledged, g.percent) for g in c.groups] == [
        ("一组", 3, 2, "66.7%"), ("二组", 2, 1, "50.0%")
    ]  # fmt: skip
    assert [h.number for h in c.missing] == ["0102", "0202"]


def test_percent_rounds_half_up_to_one_decimal() -> None:
    assert selectors.percent(1, 3) == "33.3%"
    assert selectors.percent(2, 3) == "66.7%"
    assert selectors.percent(1, 8) == "12.5%"  # 12.5 exactly
    assert selectors.percent(1, 16) == "6.3%"  # 6.25 rounds up
    assert selectors.percent(0, 0) == "—"


# ---------------------------------------------------------------- clause report


def test_clause_report_counts_reviewed_events_since_adoption(
    cadre: User, jiulong: Region, draft: RuleVersion, homes: dict[str, Household]
) -> None:
    funeral = points_item(cadre, jiulong, "B01", "丧事简办", 10)
    services.rule_clause_link(actor=cadre, clause=draft.clauses.get(order=2), item=funeral)
    adopted = adopt(cadre, draft)
    h1, h2 = homes["0101"], homes["0201"]
    point_event(funeral, h1, date(2026, 11, 20), 10, "effective")
    posted = point_event(funeral, h2, date(2026, 11, 22), 10, "effective")
    point_event(funeral, h1, date(2026, 11, 25), 10, "approved")
    point_event(funeral, h2, date(2026, 11, 26), 10, "disclosing")
    point_event(funeral, h1, date(2026, 11, 27), -10, "effective", reverses=posted)
    point_event(funeral, h1, date(2026, 11, 19), 10, "effective")  # before the meeting
    point_event(funeral, h2, date(2026, 11, 28), 10, "proposed")  # not reviewed yet
    point_event(funeral, h2, date(2026, 11, 29), 10, "rejected")
    report = selectors.clause_report(adopted)
    assert [(r.clause.order, r.events, r.points) for r in report] == [(2, 4, 30)]


def test_demo_is_idempotent(
    persona: Callable[[str], User], jiulong: Region, homes: dict[str, Household]
) -> None:
    from cunwu.web.demo_village_rules import demo_village_rules

    users = {
        "cadre": persona("九龙村村干部"),
        "work_team": persona("九龙村工作队员"),
        "township": persona("开云镇干部"),
        "admin": persona("衡山县管理员"),
    }
    assert demo_village_rules(**users, village=jiulong) == 2
    assert demo_village_rules(**users, village=jiulong) == 0
    current = RuleVersion.objects.get(status=RuleVersionStatus.ADOPTED)
    assert (current.filed_with, current.present, current.votes_for) == ("开云镇人民政府", 112, 104)
    # every household but the first (the demo villager confirms on the phone)
    assert Acknowledgement.objects.filter(version=current).count() == len(homes) - 1
    assert RuleVersion.objects.filter(status=RuleVersionStatus.DRAFT).count() == 1
