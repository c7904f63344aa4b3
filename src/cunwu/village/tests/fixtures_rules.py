"""Fixtures of the rules part: 九龙村's 村规民约 (a draft of three clauses, then adopted by a
村民会议 of 2026-11-20), five households in two villagers' groups and a villager's account
linked to one of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region, VillageGroup
from cunwu.points.models import (
    PointEvent,
    Rulebook,
    RulebookVersion,
    RuleCategory,
    RuleItem,
)
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number
from cunwu.village.models import Rule, RuleKind, RuleVersion
from cunwu.village.services import rules as services

MEETING_ON = date(2026, 11, 20)
CLAUSES = ["爱护公共设施，不乱堆乱放", "厚养薄葬，丧事简办", "邻里和睦，互帮互助"]
# (number, head, group)
HOUSEHOLDS = [
    ("0101", "赵一", "一组"),
    ("0102", "钱二", "一组"),
    ("0103", "孙三", "一组"),
    ("0201", "李四", "二组"),
    ("0202", "周五", "二组"),
]


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def homes(cadre: User, jiulong: Region) -> dict[str, Household]:
    """Five households of 九龙村: 一组 0101–0103, 二组 0201–0202."""
    groups = {
        name: VillageGroup.objects.create(village=jiulong, name=name, number=i)
        for i, name in enumerate(("一组", "二组"), 1)
    }
    out = {}
    for number, head, group in HOUSEHOLDS:
        h = make_household(cadre, jiulong, number, head,
                           head_id=make_id_number(int(number), birth="19650101"))  # fmt: skip
        h.group = groups[group]
        h.save(update_fields=["group"])
        out[number] = h
    return out


@pytest.fixture
def villager(persona: Callable[[str], User], homes: dict[str, Household]) -> User:
    """九龙村村民, the head of household 0201 (李四)."""
    user = persona("九龙村村民")
    person = homes["0201"].members.get(name="李四")
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def village_rule(cadre: User, jiulong: Region) -> Rule:
    return services.rule_create(actor=cadre, village=jiulong, kind=RuleKind.VILLAGE)


@pytest.fixture
def draft(cadre: User, village_rule: Rule) -> RuleVersion:
    return services.rule_version_create(
        actor=cadre, rule=village_rule, title="九龙村村规民约",
        preamble="为推进村民自治，特制定本村规民约。", clauses=CLAUSES,
    )  # fmt: skip


def adopt(actor: User, version: RuleVersion, **kwargs: object) -> RuleVersion:
    """Adopt by a 村民会议 of 100 adult villagers: 60 present, 50 for, 5 against."""
    fields: dict[str, object] = {
        "meeting_kind": services.ASSEMBLY, "meeting_on": MEETING_ON, "members": 100,
        "present": 60, "votes_for": 50, "votes_against": 5, "filed_with": "开云镇人民政府",
    }  # fmt: skip
    fields.update(kwargs)
    return services.rule_version_adopt(actor=actor, version=version, **fields)  # type: ignore[arg-type]


@pytest.fixture
def adopted(cadre: User, draft: RuleVersion) -> RuleVersion:
    return adopt(cadre, draft)


def points_item(actor: User, region: Region, code: str, name: str, points: int) -> RuleItem:
    """A 积分事项 of ``region``'s points rulebook (made directly: the rules part only reads it)."""
    book, _ = Rulebook.objects.get_or_create(
        region=region, defaults={"name": f"{region.name}积分细则"}
    )
    version, _ = RulebookVersion.objects.get_or_create(
        rulebook=book, number=1, defaults={"created_by": actor}
    )
    category, _ = RuleCategory.objects.get_or_create(version=version, name="乡风文明")
    return RuleItem.objects.create(
        version=version, category=category, code=code, name=name, points=points,
        points_min=points, points_max=points,
    )  # fmt: skip


def point_event(
    item: RuleItem, household: Household, on: date, points: int, status: str,
    reverses: PointEvent | None = None,
) -> PointEvent:  # fmt: skip
    return PointEvent.objects.create(
        village_id=household.village_id, county_code=household.county_code, household=household,
        item=item, date=on, points=points, source="cadre", status=status, reverses=reverses,
    )  # fmt: skip
