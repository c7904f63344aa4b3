"""Fixtures of the workshops part: the personas, a workshop of 九龙村 in an idle collective house,
a document to apply with."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from cunwu.accounts.models import User
from cunwu.assets.models import Asset, AssetCategory, AssetStatus
from cunwu.core.models import Region
from cunwu.village.models import Workshop
from cunwu.village.services import workshops as services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def township(persona: Callable[[str], User]) -> User:
    return persona("开云镇干部")


@pytest.fixture
def admin(persona: Callable[[str], User]) -> User:
    return persona("衡山县管理员")


def make_asset(actor: User, village: Region, number: str, name: str = "闲置村小学") -> Asset:
    return Asset.objects.create(
        village=village,
        county_code=village.code[:6],
        number=number,
        category=AssetCategory.IDLE_HOUSE,
        name=name,
        quantity=Decimal("600.00"),
        unit="平方米",
        status=AssetStatus.IDLE,
        created_by=actor,
    )


@pytest.fixture
def school(cadre: User, jiulong: Region) -> Asset:
    """九龙村 ZC-0001 闲置村小学 (600 平方米 idle)."""
    return make_asset(cadre, jiulong, "ZC-0001")


def data(
    name: str = "九龙村服装车间", asset: Asset | None = None, **kw: str
) -> services.WorkshopData:
    values = {
        "operator": "衡山县九龙服饰有限公司",
        "operator_phone": "13807340001",
        "premises": "原九龙村小学教学楼",
        "products": "童装、工装来料加工",
        "pay_model": "base_plus",
        "pay_note": "底薪1500元+计件提成",
    }
    values.update(kw)
    return services.WorkshopData(name=name, asset=asset, **values)


@pytest.fixture
def workshop(cadre: User, jiulong: Region, school: Asset) -> Workshop:
    """九龙村服装车间 in the idle school, 未认定."""
    return services.workshop_create(actor=cadre, village=jiulong, data=data(asset=school))
