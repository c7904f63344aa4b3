"""Demo data of 村规民约与公约 in 九龙村 (idempotent: a second call creates nothing): the
村规民约 adopted by a 村民会议 and filed with the township, its clause on 丧事简办 linked to the
points item of the same name, paper signatures of twenty households (not the first: the demo
villager's), and a draft of the 乡风文明公约."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from cunwu.core.models import Region
from cunwu.registry.models import Household, HouseholdStatus
from cunwu.village.models import Rule, RuleKind
from cunwu.village.services import rules

CLAUSES = [
    "遵守国家法律法规，维护村内社会秩序，不参与赌博、封建迷信活动",
    "爱护公共设施和环境卫生，垃圾分类投放，不乱堆乱放、乱搭乱建",
    "移风易俗，婚事新办、丧事简办，不大操大办，不索要高额彩礼",
    "孝老爱亲，赡养老人，关爱留守儿童和老人",
    "邻里和睦，互帮互助，矛盾纠纷通过屋场恳谈会或调解委员会协商解决",
    "护林防火，不在野外用火，不乱砍滥伐",
]
CIVILITY = ["崇尚科学，破除陈规陋习", "勤俭节约，文明节俭办酒席", "诚实守信，和善待人"]


def demo_village_rules(*, cadre: Any, work_team: Any, township: Any, admin: Any,
                       village: Region) -> int:  # fmt: skip
    """The adopted 村规民约 (with paper signatures of up to 20 households) and a draft 乡风文明公约;
    returns how many rules it made."""
    made = 0
    if not Rule.objects.filter(village=village, kind=RuleKind.VILLAGE).exists():
        rule = rules.rule_create(actor=cadre, village=village, kind=RuleKind.VILLAGE)
        made += 1
        draft = rules.rule_version_create(
            actor=cadre, rule=rule, title=f"{village.name}村规民约",
            preamble="为推进村民自治，建设文明和谐新农村，经村民会议讨论通过，制定本村规民约。",
            clauses=CLAUSES,
        )  # fmt: skip
        _link_funeral(cadre, draft, village)
        on = min(date(2026, 11, 20), timezone.localdate())
        township_name = rules.township_name(village)
        version = rules.rule_version_adopt(
            actor=cadre, version=draft, meeting_kind=rules.ASSEMBLY, meeting_on=on,
            members=160, present=112, votes_for=104, votes_against=3, filed_on=on,
            filed_with=f"{township_name}人民政府" if township_name else "乡镇人民政府",
        )  # fmt: skip
        # twenty households signed the paper copy; the first (the demo villager's) has not
        # yet, and confirms on the phone
        households = list(
            Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
            .order_by("number")[1:21]
        )  # fmt: skip
        if households:
            rules.acknowledgements_paper(actor=cadre, version=version, households=households)
    if not Rule.objects.filter(village=village, kind=RuleKind.CIVILITY).exists():
        rule = rules.rule_create(actor=cadre, village=village, kind=RuleKind.CIVILITY)
        made += 1
        rules.rule_version_create(actor=work_team, rule=rule, clauses=CIVILITY)
    return made


def _link_funeral(cadre: Any, draft: Any, village: Region) -> None:
    """Link the 丧事简办 clause to the village's points item of that name, when there is one."""
    from cunwu.points.selectors import version_items_in_force

    item = next(
        (i for i in version_items_in_force(village, timezone.localdate()) if "丧事简办" in i.name),
        None,
    )
    if item is None:
        return
    clause = draft.clauses.get(order=3)
    rules.rule_clause_link(actor=cadre, clause=clause, item=item)
