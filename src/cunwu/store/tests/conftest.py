from __future__ import annotations

from collections.abc import Callable

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.points.services import account_for, points_credit
from cunwu.registry.models import Household
from cunwu.store.models import Goods, MovementKind
from cunwu.store.services import goods_create, stock_receive


def fund(household: Household, points: int = 500) -> None:
    """Give the household ``points`` available points (an account and one credit)."""
    account_for(household)
    points_credit(actor=None, household=household, points=points, ref=("test", "1"), memo="测试")


def available(household: Household) -> int:
    return account_for(household).available


def stock_of(goods: Goods) -> int:
    goods.refresh_from_db()
    return goods.stock


@pytest.fixture
def make_goods(staff: User, jiulong: Region) -> Callable[..., Goods]:
    def make(name: str = "大米", price: int = 50, stock: int = 10, village: Region | None = None,
             actor: User | None = None) -> Goods:  # fmt: skip
        who = actor or staff
        goods = goods_create(
            actor=who, village=village or jiulong, name=name, points_price=price, unit="袋"
        )
        if stock:
            stock_receive(
                actor=who, goods=goods, kind=MovementKind.DONATION, quantity=stock, donor="爱心企业"
            )
        goods.refresh_from_db()
        return goods

    return make


@pytest.fixture
def rice(make_goods: Callable[..., Goods]) -> Goods:
    return make_goods("大米", 50, 10)


@pytest.fixture
def oil(make_goods: Callable[..., Goods]) -> Goods:
    return make_goods("食用油", 80, 5)


@pytest.fixture
def funded(household: Household) -> Household:
    fund(household, 500)
    return household
