"""Any sequence of receipts, redemptions, cancellations and write-offs keeps the books right:
every goods' stock equals the sum of its movements and is never negative, and the household's
available points are what it had less what its standing redemptions cost."""

from __future__ import annotations

import itertools

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.points.models import LedgerEntry
from cunwu.registry.models import Household
from cunwu.store import services
from cunwu.store.models import Goods, Redemption, RedemptionStatus, StockMovement

from .conftest import available, fund

pytestmark = pytest.mark.django_db

EXPECTED = {"insufficient_stock", "insufficient_points", "cancel_twice"}
_names = itertools.count()

operation = st.tuples(
    st.sampled_from(["receive", "redeem", "redeem", "cancel", "write_off"]),
    st.integers(0, 2),  # which goods
    st.integers(1, 6),  # how many
    st.integers(0, 3),  # which key (a repeated key replays)
)


@settings(
    max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(ops=st.lists(operation, max_size=25))
def test_random_operations_keep_stock_and_points_conserved(
    staff: User, jiulong: Region, household: Household, ops: list[tuple[str, int, int, int]]
) -> None:
    run = next(_names)
    if run == 0 or available(household) < 200:
        fund(household, 300)
    start = available(household)
    goods = [
        services.goods_create(
            actor=staff, village=jiulong, name=f"商品{run}-{i}", points_price=10 * (i + 1)
        )
        for i in range(3)
    ]
    made: list[Redemption] = []
    for kind, which, count, key in ops:
        g = goods[which]
        try:
            if kind == "receive":
                services.stock_receive(actor=staff, goods=g, kind="purchase", quantity=count)
            elif kind == "redeem":
                made.append(
                    services.redemption_create(
                        actor=staff,
                        household=household,
                        lines=[(g, count)],
                        idempotency_key=f"p{run}-{key}-{which}-{count}",
                    )
                )
            elif kind == "cancel" and made:
                services.redemption_cancel(actor=staff, redemption=made[-1], reason="撤销")
            elif kind == "write_off":
                services.stock_write_off(actor=staff, goods=g, quantity=count, reason="报损")
        except ApplicationError as exc:
            assert exc.code in EXPECTED, exc.code
        for one in goods:
            one.refresh_from_db()
            moved = StockMovement.objects.filter(goods=one).aggregate(s=Sum("quantity"))["s"] or 0
            assert one.stock == moved >= 0
        standing = Redemption.objects.filter(
            pk__in=[r.pk for r in made], status=RedemptionStatus.DONE
        ).aggregate(s=Sum("total_points"))["s"]
        assert available(household) == start - (standing or 0) >= 0
    ledger = LedgerEntry.objects.filter(account__household=household).aggregate(s=Sum("available"))[
        "s"
    ]
    assert ledger == available(household)
    assert Goods.objects.filter(stock__lt=0).count() == 0
