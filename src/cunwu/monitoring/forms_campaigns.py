"""Forms of the campaign pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import SECURITY_CHECKS, CampaignKind, RiskType

DATE = forms.DateInput(attrs={"type": "date"})


class CampaignForm(forms.Form):
    region = forms.ChoiceField(label="排查范围")
    kind = forms.ChoiceField(label="类型", choices=CampaignKind.choices)
    title = forms.CharField(label="名称", max_length=100)
    start_on = forms.DateField(label="开始日期", widget=DATE)
    end_on = forms.DateField(label="结束日期", widget=DATE)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]


class AssignmentForm(forms.Form):
    village = forms.ChoiceField(label="村")
    group = forms.ChoiceField(label="村民小组", required=False)
    cadre = forms.ChoiceField(label="排查人")

    def __init__(
        self, *args: Any, villages: list[tuple[str, str]], groups: list[tuple[str, str]],
        cadres: list[tuple[str, str]], **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages  # type: ignore[attr-defined]
        self.fields["group"].choices = [("", "全村"), *groups]  # type: ignore[attr-defined]
        self.fields["cadre"].choices = cadres  # type: ignore[attr-defined]


class VisitForm(forms.Form):
    """The phone form: one large checkbox per item of 两不愁三保障 and drinking water."""

    visited_on = forms.DateField(label="走访日期", widget=DATE)
    income_estimate = forms.CharField(
        label="年人均纯收入估算（元）", max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "元"}),
    )  # fmt: skip
    risk_types = forms.MultipleChoiceField(
        label="发现的风险", choices=RiskType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(
        label="走访情况", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in SECURITY_CHECKS:
            self.fields[f"check_{key}"] = forms.BooleanField(
                label=label, required=False, initial=True
            )

    def checks(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key, _ in SECURITY_CHECKS}

    def check_fields(self) -> list[Any]:
        return [self[f"check_{key}"] for key, _ in SECURITY_CHECKS]
