"""Forms of the store pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Goods, MovementKind

NUMBER = {"inputmode": "numeric", "min": "0"}


class GoodsForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60)
    points_price = forms.IntegerField(
        label="兑换积分", min_value=1, widget=forms.NumberInput(attrs=NUMBER)
    )
    unit = forms.CharField(label="单位", max_length=10, initial="件")
    photo = forms.FileField(
        label="图片", required=False, help_text="JPEG、PNG或WebP，不超过5MB",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )  # fmt: skip
    active = forms.BooleanField(label="上架（可兑换）", required=False, initial=True)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"] = forms.ModelChoiceField(
                label="村", queryset=villages, to_field_name="code", empty_label=None
            )
            self.order_fields(["village"])


class ReceiveForm(forms.Form):
    kind = forms.ChoiceField(
        label="入库类型",
        choices=[(MovementKind.DONATION, "捐赠入库"), (MovementKind.PURCHASE, "采购入库")],
        widget=forms.RadioSelect,
        initial=MovementKind.DONATION,
    )
    quantity = forms.IntegerField(label="数量", min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    donor = forms.CharField(
        label="捐赠方/供货方", max_length=100, required=False, help_text="捐赠入库必填"
    )
    declared_value = forms.CharField(
        label="价值（元，仅记账，不公开标价）", max_length=20, required=False
    )
    reason = forms.CharField(label="说明", max_length=200, required=False)


class WriteOffForm(forms.Form):
    quantity = forms.IntegerField(label="数量", min_value=1, widget=forms.NumberInput(attrs=NUMBER))
    reason = forms.CharField(label="报损原因", max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)


class StocktakeForm(forms.Form):
    """One count per goods of the village (blank: not counted)."""

    reason = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, goods: list[Goods], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goods = goods
        for g in goods:
            self.fields[f"count_{g.pk}"] = forms.IntegerField(
                label=f"{g.name}（账面{g.stock}{g.unit}）", min_value=0, required=False,
                widget=forms.NumberInput(attrs=NUMBER),
            )  # fmt: skip

    def counts(self) -> list[tuple[Goods, int]]:
        return [
            (g, self.cleaned_data[f"count_{g.pk}"])
            for g in self.goods
            if self.cleaned_data.get(f"count_{g.pk}") is not None
        ]
