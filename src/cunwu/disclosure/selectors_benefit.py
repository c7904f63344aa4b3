"""Reads of 惠民资金: batches and payments in the staff's scope (masked: disclosure never holds a
full ID number in the clear), and the public query by name and last six ID characters."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, scope_q
from cunwu.core.crypto import blind_index
from cunwu.core.errors import ApplicationError
from cunwu.core.idnumber import validate_id_number
from cunwu.core.listing import parse_int
from cunwu.core.models import Region, code_prefix

from .models import BenefitBatch, BenefitPayment
from .services_benefit import ID_CONTEXT, MAX_NAME, clean_name, lookup_key, normalize_tail

PUBLIC_MAX_ROWS = 200


def _in_region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    if region.isdigit() and len(region) == 12:
        level = Region.objects.filter(code=region).values_list("level", flat=True).first()
        if level is not None:
            return qs.filter(village__code__startswith=code_prefix(region, level))
    return qs


def _full_id_index(q: str) -> str | None:
    """The blind index of ``q`` when it is a whole valid ID number (a staff search by it)."""
    try:
        return blind_index(validate_id_number(q), context=ID_CONTEXT)
    except ApplicationError:
        return None


def batch_list(
    *, actor: Any, q: str = "", item: str = "", region: str = "", year: str = "",
    published: str = "",
) -> QuerySet[BenefitBatch]:  # fmt: skip
    qs = BenefitBatch.objects.filter(scope_q(actor, "disclosure.view")).select_related(
        "village", "imported_by", "notice"
    )
    qs = _in_region(qs, region)
    if item:
        qs = qs.filter(item=item[:50])
    if (y := parse_int(year)) is not None:
        qs = qs.filter(Exists(BenefitPayment.objects.filter(batch=OuterRef("pk"), year=y)))
    if published == "1":
        qs = qs.filter(notice__isnull=False)
    elif published == "0":
        qs = qs.filter(notice__isnull=True)
    q = q.strip()[:50]
    if q:
        index = _full_id_index(q)
        person = Q(id_number_index=index) if index else Q(name__icontains=q)
        qs = qs.filter(
            Q(item__icontains=q)
            | Q(file_name__icontains=q)
            | Exists(BenefitPayment.objects.filter(person, batch=OuterRef("pk")))
        )
    return qs.order_by("-imported_at", "-pk")


def batch_get(*, actor: Any, pk: int) -> BenefitBatch:
    """A batch in the actor's scope; anything else is not found (its existence stays hidden)."""
    batch = (
        BenefitBatch.objects.select_related("village__parent", "imported_by", "notice")
        .filter(pk=pk)
        .first()
    )
    if batch is None or not has_perm_in(actor, "disclosure.view", batch.village_id):
        raise Http404
    return batch


def payments_of(batch: BenefitBatch) -> QuerySet[BenefitPayment]:
    return batch.payments.select_related("reversed_by").order_by("row", "pk")


def payment_list(
    *, actor: Any, q: str = "", batch: str = "", item: str = "", region: str = "",
    year: str = "",
) -> QuerySet[BenefitPayment]:  # fmt: skip
    qs = BenefitPayment.objects.filter(scope_q(actor, "disclosure.view")).select_related(
        "village", "reversed_by"
    )
    qs = _in_region(qs, region)
    if (b := parse_int(batch)) is not None:
        qs = qs.filter(batch_id=b)
    if item:
        qs = qs.filter(item=item[:50])
    if (y := parse_int(year)) is not None:
        qs = qs.filter(year=y)
    q = q.strip()[:50]
    if q:
        index = _full_id_index(q)
        qs = qs.filter(id_number_index=index) if index else qs.filter(name__icontains=q)
    return qs.order_by("-paid_on", "-pk")


def payment_get(*, actor: Any, pk: int) -> BenefitPayment:
    payment = (
        BenefitPayment.objects.select_related("village", "batch", "reversed_by")
        .filter(pk=pk)
        .first()
    )
    if payment is None or not has_perm_in(actor, "disclosure.view", payment.village_id):
        raise Http404
    return payment


def items_in_scope(actor: Any) -> list[str]:
    return list(
        BenefitBatch.objects.filter(scope_q(actor, "disclosure.view"))
        .order_by("item")
        .values_list("item", flat=True)
        .distinct()[:100]
    )


def public_query(*, name: str, id_tail: str) -> list[BenefitPayment]:
    """A person's payments anywhere in the deployment, found by the blind index of their name
    and the last six ID characters: rows that stand (reversed rows and reversals left out)."""
    name = clean_name(name)
    if not name:
        raise ApplicationError("benefit_name", "请输入姓名", field="name")
    if len(name) > MAX_NAME:
        raise ApplicationError("benefit_name", f"姓名不能超过{MAX_NAME}个字", field="name")
    tail = normalize_tail(id_tail)
    return list(
        BenefitPayment.objects.filter(
            lookup_key=lookup_key(name, tail), reverses__isnull=True, reversed_by__isnull=True
        )
        .select_related("village")
        .order_by("-paid_on", "-pk")[:PUBLIC_MAX_ROWS]
    )
