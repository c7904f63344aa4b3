"""audit_append_many: many links under one lock, hashed exactly like audit_append."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.models import AuditChain, AuditEvent, Region
from cunwu.core.services.audit import (
    GENESIS,
    PendingEvent,
    _body,
    _BodyText,
    _plain,
    audit_append,
    audit_append_many,
    audit_verify,
    canonical_json,
    event_hash,
)
from cunwu.testing import JIULONG, KAIYUN


def _many(n: int, start: int = 0) -> list[PendingEvent]:
    return [
        PendingEvent(
            action="test.many",
            object_type="test",
            object_id=str(i),
            payload={"i": i, "名字": "𠮷䶮", "nested": {"b": [1, 2], "a": None}},
        )
        for i in range(start, start + n)
    ]


def test_chain_built_by_append_many_verifies_between_single_appends(
    regions: dict[str, Region], staff: User
) -> None:
    village = regions[JIULONG]
    with transaction.atomic():
        first = audit_append(actor=staff, region=village, action="test.one", object_id="a")
        appended = audit_append_many(
            actor=staff, region=village, events=iter(_many(7)), batch_size=3
        )
        last = audit_append(actor=None, region=village, action="test.one", object_id="b")
    assert appended == 7
    events = list(AuditEvent.objects.filter(region_id=JIULONG).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 10))
    assert events[0].prev_hash == GENESIS and events[0].pk == first.pk
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    assert all(event_hash(e.prev_hash, e) == e.hash for e in events)
    assert [e.object_id for e in events[1:8]] == [str(i) for i in range(7)]
    assert {e.actor_name for e in events[1:8]} == {"九龙村村干部"}
    assert events[1].payload == {"i": 0, "名字": "𠮷䶮", "nested": {"a": None, "b": [1, 2]}}
    assert events[8].pk == last.pk
    chain = AuditChain.objects.get(region_id=JIULONG)
    assert (chain.last_seq, chain.last_hash) == (9, last.hash)
    assert audit_verify() == (9, None)


def test_append_many_of_a_township_goes_to_the_county_chain(regions: dict[str, Region]) -> None:
    with transaction.atomic():
        assert audit_append_many(actor=None, region=regions[KAIYUN], events=_many(2)) == 2
    assert set(AuditEvent.objects.values_list("region_id", "actor_name")) == {
        ("430423000000", "系统")
    }
    assert audit_verify() == (2, None)


def test_append_many_of_nothing_leaves_the_chain_alone(regions: dict[str, Region]) -> None:
    with transaction.atomic():
        assert audit_append_many(actor=None, region=regions[JIULONG], events=[]) == 0
    assert not AuditEvent.objects.exists()
    assert audit_verify() == (0, None)


def test_tampering_with_a_bulk_appended_event_is_found(regions: dict[str, Region]) -> None:
    with transaction.atomic():
        audit_append_many(actor=None, region=regions[JIULONG], events=_many(4))
    AuditEvent.objects.filter(region_id=JIULONG, seq=3).update(payload={"i": 99})
    checked, broken = audit_verify()
    assert (checked, broken and broken.seq) == (3, 3)


@pytest.mark.django_db(transaction=True)
def test_append_many_outside_a_transaction_is_refused() -> None:
    from cunwu.testing import seed_regions

    village = seed_regions()[JIULONG]
    with pytest.raises(RuntimeError):
        audit_append_many(actor=None, region=village, events=_many(1))
    assert not AuditEvent.objects.exists()


_text = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["𠮷䶮", 'a"b\\c', "\n\t", ""]
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


@given(
    payload=st.dictionaries(_text, _json, max_size=6),
    action=_text,
    object_type=_text,
    object_id=_text,
    actor=st.none() | st.integers(1, 10**6),
    actor_name=_text,
    seq=st.integers(1, 10**9),
)
def test_bulk_body_text_is_byte_identical_to_the_canonical_json_of_the_reloaded_body(
    payload: dict[str, Any],
    action: str,
    object_type: str,
    object_id: str,
    actor: int | None,
    actor_name: str,
    seq: int,
) -> None:
    at = datetime(2026, 11, 25, 9, 30, 1, 123, tzinfo=UTC)
    payload_json = canonical_json(payload)
    expected = canonical_json(
        _body(
            region="430423100224",
            seq=seq,
            at=at,
            actor=actor,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload=json.loads(payload_json),
        )
    )
    text = _BodyText(region="430423100224", at=at, actor=actor, actor_name=actor_name)
    assert _plain(payload)
    assert (
        text(
            seq=seq,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload_json=payload_json,
        )
        == expected
    )


def test_a_payload_with_number_keys_is_hashed_as_reloaded(regions: dict[str, Region]) -> None:
    # {1:…, 2:…, 10:…} dumps as "1","2","10" and reloads to keys that sort "1","10","2"
    payload: dict[Any, Any] = {1: "a", 2: "b", 10: {"x": [{3: 4}]}}
    assert not _plain(payload)
    with transaction.atomic():
        audit_append_many(
            actor=None,
            region=regions[JIULONG],
            events=[PendingEvent(action="test.keys", payload=payload), *_many(2)],
        )
    events = list(AuditEvent.objects.filter(region_id=JIULONG).order_by("seq"))
    assert events[0].payload == {"1": "a", "2": "b", "10": {"x": [{"3": 4}]}}
    assert all(event_hash(e.prev_hash, e) == e.hash for e in events)
    assert audit_verify() == (3, None)
