"""Writes of the rules part of 乡村治理. For now: the vote check of an adoption (第21–26条)."""

from __future__ import annotations

from cunwu.core.errors import ApplicationError

from ..models_rules import RuleKind

__all__ = ["ASSEMBLY", "REPRESENTATIVES", "check_resolution"]

ASSEMBLY = "assembly"  # 村民会议
REPRESENTATIVES = "representatives"  # 村民代表会议


def check_resolution(
    *, rule_kind: str, meeting_kind: str, members: int, present: int, votes_for: int
) -> None:
    """Raise unless the recorded resolution may adopt a rule of ``rule_kind``.

    村民会议: more than half of ``members`` (the adult villagers) present; 村民代表会议: at least
    two thirds of its members present; either way more than half of those present in favour.
    A 村规民约 may not be adopted by a 村民代表会议 (第24条)."""
    if meeting_kind not in (ASSEMBLY, REPRESENTATIVES):
        raise ApplicationError(
            "rule_meeting_kind", "请选择村民会议或村民代表会议", field="meeting_kind"
        )
    if rule_kind == RuleKind.VILLAGE and meeting_kind == REPRESENTATIVES:
        raise ApplicationError(
            "rule_meeting_delegated", "村规民约须由村民会议讨论通过，不能由村民代表会议决定",
            field="meeting_kind",
        )  # fmt: skip
    if members < 1:
        raise ApplicationError("rule_members", "应到人数须大于0", field="members")
    if not 0 <= present <= members:
        raise ApplicationError("rule_present", "实到人数须在0到应到人数之间", field="present")
    if not 0 <= votes_for <= present:
        raise ApplicationError("rule_votes", "赞成票数须在0到实到人数之间", field="votes_for")
    if meeting_kind == ASSEMBLY and present * 2 <= members:
        raise ApplicationError(
            "rule_quorum", "村民会议须有本村过半数的成年村民参加", field="present"
        )
    if meeting_kind == REPRESENTATIVES and present * 3 < members * 2:
        raise ApplicationError(
            "rule_quorum", "村民代表会议须有三分之二以上的组成人员参加", field="present"
        )
    if votes_for * 2 <= present:
        raise ApplicationError("rule_majority", "须经到会人员的过半数同意", field="votes_for")
