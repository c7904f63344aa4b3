"""Sixteen counters at once on PostgreSQL: the database's guarantees decide, never Python."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum

from cunwu.core.errors import ApplicationError
from cunwu.core.services.audit import audit_verify
from cunwu.points.models import LedgerEntry
from cunwu.store.models import Goods, MovementKind, Redemption, StockMovement
from cunwu.store.selectors import stock_mismatches
from cunwu.store.services import goods_create, redemption_create, stock_receive
from cunwu.testing import JIULONG, PERSONAS, make_household, make_user, race, seed_regions

from .conftest import available, fund

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 16
ROUNDS = 6


def test_sixteen_counters_redeeming_for_one_household_never_overspend() -> None:
    village = seed_regions()[JIULONG]
    staff = make_user("九龙村村干部", *PERSONAS["九龙村村干部"])
    household = make_household(staff, village, "0001", "张三")
    initial_points = 1_000  # less than the threads ask for: some must be refused
    fund(household, initial_points)
    rice = goods_create(actor=staff, village=village, name="大米", points_price=30)
    oil = goods_create(actor=staff, village=village, name="食用油", points_price=20)
    stock_receive(actor=staff, goods=rice, kind=MovementKind.PURCHASE, quantity=25)
    stock_receive(actor=staff, goods=oil, kind=MovementKind.PURCHASE, quantity=40)
    made: list[tuple[str, int]] = []
    lock = threading.Lock()

    def counter(i: int) -> None:
        for r in range(ROUNDS):
            # even threads share their key with the next thread: the same basket twice
            key = f"t{i - i % 2}-r{r}" if r % 2 == 0 else f"t{i}-r{r}"
            lines = [(rice, 1), (oil, 1)] if r % 3 else [(oil, 2)]
            try:
                redemption = redemption_create(
                    actor=staff, household=household, lines=lines, idempotency_key=key
                )
            except ApplicationError as exc:
                assert exc.code in {"insufficient_points", "insufficient_stock"}, exc.code
                continue
            with lock:
                made.append((key, redemption.pk))

    assert race(THREADS, counter) == []
    redemptions = list(Redemption.objects.all())
    # exactly one redemption per key, whoever of the two threads sent it
    assert len({r.idempotency_key for r in redemptions}) == len(redemptions)
    by_key: dict[str, set[int]] = {}
    for key, pk in made:
        by_key.setdefault(key, set()).add(pk)
    assert all(len(pks) == 1 for pks in by_key.values())
    assert {r.idempotency_key for r in redemptions} == set(by_key)
    # points: debited == redemption totals == initial − final, never negative
    total = sum(r.total_points for r in redemptions)
    debited = -(
        LedgerEntry.objects.filter(ref_type="store.redemption").aggregate(s=Sum("available"))["s"]
        or 0
    )
    final = available(household)
    assert final >= 0
    assert debited == total == initial_points - final
    assert total > 0
    # stock: never negative, conserved, equal to its movements
    taken = Counter[int]()
    for goods_id, quantity in StockMovement.objects.filter(
        kind=MovementKind.REDEMPTION
    ).values_list("goods_id", "quantity"):
        taken[goods_id] -= quantity
    for goods, received in ((rice, 25), (oil, 40)):
        stock = Goods.objects.get(pk=goods.pk).stock
        assert stock >= 0
        assert stock == received - taken[goods.pk]
    assert stock_mismatches() == []
    numbers = [r.number for r in redemptions]
    assert len(set(numbers)) == len(numbers)
    assert audit_verify()[1] is None
