"""The audit chain: append inside the business transaction, verify on demand."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from cunwu.core.models import AuditChain, AuditEvent, Region, RegionLevel
from cunwu.core.rows import insert, one

GENESIS = "0" * 64


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _body(
    *,
    region: str,
    seq: int,
    at: datetime,
    actor: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: Any,
) -> dict[str, Any]:
    """What the hash covers; ``audit_append`` and ``audit_append_many`` both hash this."""
    return {
        "region": region,
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "payload": payload,
    }


def _event_body(event: AuditEvent) -> dict[str, Any]:
    return _body(
        region=event.region_id,
        seq=event.seq,
        at=event.at,
        actor=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
    )


def _hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


def _plain(value: Any) -> bool:
    """Whether JSON text of ``value`` reloads to something that dumps to the same text: true
    unless a dict somewhere has a key that is not a string (JSON turns it into one, and the
    sorted order of the keys may change with it)."""
    if isinstance(value, dict):
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(map(_plain, value))
    return True


class _BodyText:
    """``canonical_json(_body(...))`` of one chain's events, built from the canonical JSON of
    each payload without reloading it (the import hashes hundreds of thousands of these).
    The keys in sorted order; each string as ``json.dumps(ensure_ascii=False)`` writes it."""

    def __init__(self, *, region: str, at: datetime, actor: int | None, actor_name: str) -> None:
        when = at.astimezone(UTC).isoformat(timespec="microseconds")
        self.head = (
            f',"actor":{json.dumps(actor, default=str)}'
            f',"actor_name":{encode_basestring(actor_name)}'
            f',"at":{encode_basestring(when)},"object_id":'
        )
        self.region = f',"region":{encode_basestring(region)},"seq":'

    def __call__(
        self, *, seq: int, action: str, object_type: str, object_id: str, payload_json: str
    ) -> str:
        return (
            '{"action":'
            + encode_basestring(action)
            + self.head
            + encode_basestring(object_id)
            + ',"object_type":'
            + encode_basestring(object_type)
            + ',"payload":'
            + payload_json
            + self.region
            + str(seq)
            + "}"
        )


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return _hash(prev_hash, _event_body(event))


def chain_region(region: Region) -> Region:
    """Village events chain per village; anything above a village chains per county."""
    if region.level >= RegionLevel.VILLAGE or region.level <= RegionLevel.COUNTY:
        return region
    return Region.objects.get(code=region.code[:6] + "000000")


_CHAIN = AuditChain._meta.db_table
_MOVE_HEAD = f"UPDATE {_CHAIN} SET last_seq = %s, last_hash = %s WHERE region_id = %s"  # noqa: S608


def _lock_head(region_id: str) -> tuple[int, str] | None:
    """The chain's (last seq, last hash), its row locked to commit; None before its first event.
    One plain statement: the store's counter appends an event to every redemption."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    row = one(f"SELECT last_seq, last_hash FROM {_CHAIN} WHERE region_id = %s{lock}", [region_id])  # noqa: S608
    return None if row is None else (int(row[0]), str(row[1]))


def audit_append(
    *,
    actor: Any,
    region: Region,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the region's chain. Must run inside the business transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the business transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    chain_at = chain_region(region)
    head = _lock_head(chain_at.pk)
    if head is None:  # the chain's first event
        AuditChain.objects.get_or_create(region=chain_at)
        head = _lock_head(chain_at.pk) or (0, GENESIS)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    # round-trip through JSON so that the stored payload hashes the same after reloading
    clean_payload = json.loads(canonical_json(payload or {}))
    event = AuditEvent(
        region=chain_at,
        seq=head[0] + 1,
        at=timezone.now(),
        actor=actor if is_user else None,
        actor_name=str(actor) if is_user else (str(actor) if actor else "系统"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=clean_payload,
        prev_hash=head[1],
    )
    event.hash = event_hash(head[1], event)
    insert(event)
    one(_MOVE_HEAD, [event.seq, event.hash, chain_at.pk])
    return event


@dataclass(frozen=True)
class PendingEvent:
    """One event for :func:`audit_append_many`."""

    action: str
    object_type: str = ""
    object_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


_COPY_COLUMNS = (
    "region_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "payload",
    "prev_hash",
    "hash",
)


def audit_append_many(
    *,
    actor: Any,
    region: Region,
    events: Iterable[PendingEvent],
    batch_size: int = 5000,
) -> int:
    """Append many events to one region's chain under one lock of its head; returns how many.

    Each link is hashed exactly as :func:`audit_append` hashes it, in order, and the rows go
    in by bulk insert (one streamed ``COPY`` on PostgreSQL, which the server works through
    while the next links are hashed), so that an import of 300 000 households does not take
    300 000 round trips. ``events`` may be a generator: it is consumed as it goes, never held
    whole. Must run inside the business transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append_many must run inside the business transaction")
    chain_at = chain_region(region)
    head = AuditChain.objects.select_for_update().filter(region=chain_at).first()
    if head is None:  # the chain's first event
        AuditChain.objects.get_or_create(region=chain_at)
        head = AuditChain.objects.select_for_update().get(region=chain_at)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if is_user else None
    actor_name = str(actor) if actor else "系统"
    at = timezone.now()
    body_text = _BodyText(region=chain_at.code, at=at, actor=actor_id, actor_name=actor_name)
    seq, prev = head.last_seq, head.last_hash
    with _writer(batch_size) as write:
        for pending in events:
            seq += 1
            payload_json = canonical_json(pending.payload)
            object_id = str(pending.object_id)
            plain_strings = type(pending.action) is str and type(pending.object_type) is str
            if plain_strings and _plain(pending.payload):
                # the payload's canonical JSON is what a reload would dump again
                text = body_text(
                    seq=seq,
                    action=pending.action,
                    object_type=pending.object_type,
                    object_id=object_id,
                    payload_json=payload_json,
                )
                digest = hashlib.sha256((prev + text).encode()).hexdigest()
            else:
                # hash what a reload returns, as audit_append does
                body = _body(
                    region=chain_at.code,
                    seq=seq,
                    at=at,
                    actor=actor_id,
                    actor_name=actor_name,
                    action=pending.action,
                    object_type=pending.object_type,
                    object_id=object_id,
                    payload=json.loads(payload_json),
                )
                digest = _hash(prev, body)
            write(
                (
                    chain_at.code,
                    seq,
                    at,
                    actor_id,
                    actor_name,
                    pending.action,
                    pending.object_type,
                    object_id,
                    payload_json,
                    prev,
                    digest,
                )
            )
            prev = digest
    appended = seq - head.last_seq
    if appended:
        AuditChain.objects.filter(pk=head.pk).update(last_seq=seq, last_hash=prev)
    return appended


@contextmanager
def _writer(batch_size: int) -> Iterator[Callable[[tuple[Any, ...]], None]]:
    """A function taking rows of ``_COPY_COLUMNS`` (the payload as canonical JSON text)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        sql = f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
        # text COPY: PostgreSQL parses the payload text as jsonb
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(sql) as copy,
        ):
            yield copy.write_row
        return
    batch: list[AuditEvent] = []

    def add(row: tuple[Any, ...]) -> None:
        values = dict(zip(_COPY_COLUMNS, row, strict=True))
        values["payload"] = json.loads(values["payload"])
        batch.append(AuditEvent(**values))
        if len(batch) >= batch_size:
            AuditEvent.objects.bulk_create(batch)
            batch.clear()

    yield add
    AuditEvent.objects.bulk_create(batch)


@dataclass(frozen=True)
class ChainBreak:
    region: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"审计链 {self.region} 第{self.seq}条：{self.reason}"


def audit_verify(*, prefix: str = "") -> tuple[int, ChainBreak | None]:
    """Recompute every chain under ``prefix``; return (events checked, first break or None)."""
    checked = 0
    chains = AuditChain.objects.filter(region__code__startswith=prefix).order_by("region_id")
    for chain in chains:
        prev = GENESIS
        expected_seq = 1
        events = AuditEvent.objects.filter(region_id=chain.region_id).order_by("seq")
        for event in events.iterator(chunk_size=2000):
            checked += 1
            if event.seq != expected_seq:
                return checked, ChainBreak(chain.region_id, expected_seq, "缺少事件（序号不连续）")
            if event.prev_hash != prev:
                return checked, ChainBreak(chain.region_id, event.seq, "前序哈希不符")
            if event_hash(prev, event) != event.hash:
                return checked, ChainBreak(chain.region_id, event.seq, "内容已被改动（哈希不符）")
            prev = event.hash
            expected_seq += 1
        if chain.last_seq != expected_seq - 1 or chain.last_hash != prev:
            return checked, ChainBreak(
                chain.region_id, expected_seq, "链尾与记录不符（事件被删除）"
            )
    return checked, None
