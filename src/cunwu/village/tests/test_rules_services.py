"""The vote check of a rule's adoption."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunwu.core.errors import ApplicationError
from cunwu.village.models_rules import RuleKind
from cunwu.village.services.rules import ASSEMBLY, REPRESENTATIVES, check_resolution


def test_exact_thresholds() -> None:
    check_resolution(rule_kind=RuleKind.VILLAGE, meeting_kind=ASSEMBLY, members=100, present=51,
                     votes_for=26)  # fmt: skip
    with pytest.raises(ApplicationError) as err:
        check_resolution(rule_kind=RuleKind.VILLAGE, meeting_kind=ASSEMBLY, members=100,
                         present=50, votes_for=50)  # fmt: skip
    assert err.value.code == "rule_quorum"
    with pytest.raises(ApplicationError) as err:
        check_resolution(rule_kind=RuleKind.VILLAGE, meeting_kind=ASSEMBLY, members=100,
                         present=51, votes_for=25)  # fmt: skip
    assert err.value.code == "rule_majority"
    check_resolution(rule_kind=RuleKind.CIVILITY, meeting_kind=REPRESENTATIVES, members=30,
                     present=20, votes_for=11)  # fmt: skip
    with pytest.raises(ApplicationError) as err:
        check_resolution(rule_kind=RuleKind.CIVILITY, meeting_kind=REPRESENTATIVES, members=30,
                         present=19, votes_for=19)  # fmt: skip
    assert err.value.code == "rule_quorum"


def test_village_rule_cannot_be_delegated() -> None:
    with pytest.raises(ApplicationError) as err:
        check_resolution(rule_kind=RuleKind.VILLAGE, meeting_kind=REPRESENTATIVES, members=30,
                         present=30, votes_for=30)  # fmt: skip
    assert err.value.code == "rule_meeting_delegated"


@given(
    members=st.integers(1, 500), present=st.integers(0, 500), votes=st.integers(0, 500),
    kind=st.sampled_from([ASSEMBLY, REPRESENTATIVES]),
)  # fmt: skip
def test_passes_exactly_when_quorum_and_majority(
    members: int, present: int, votes: int, kind: str
) -> None:
    quorum = present * 2 > members if kind == ASSEMBLY else present * 3 >= members * 2
    ok = present <= members and votes <= present and quorum and votes * 2 > present
    try:
        check_resolution(rule_kind=RuleKind.INTEGRITY, meeting_kind=kind, members=members,
                         present=present, votes_for=votes)  # fmt: skip
    except ApplicationError:
        assert not ok
    else:
        assert ok
