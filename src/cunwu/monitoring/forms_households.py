"""Forms of the monitored-household and 脱贫户 pages: they only read input; the services check
the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from .models import EXIT_POLICIES, RiskType
from .services.households import FIRST_EXIT_YEAR, PLAN_LIMIT

DATE = forms.DateInput(attrs={"type": "date"})


def _user_label(user: Any) -> str:
    return str(user.display_name or user.username)


class CadreForm(forms.Form):
    cadre: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="帮扶责任人（系统用户）",
        queryset=None,
        required=False,
        empty_label="（不是系统用户）",
    )
    name = forms.CharField(
        label="姓名", max_length=50, required=False, help_text="帮扶责任人不是系统用户时填写"
    )
    phone = forms.CharField(
        label="联系电话", max_length=20, required=False, help_text="加密保存，页面只显示部分号码"
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cadre"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = users
            field.label_from_instance = _user_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("cadre") and not (data.get("name") or "").strip():
            self.add_error("name", "请选择系统用户，或填写帮扶责任人姓名")
        return data


class RiskForm(forms.Form):
    risk_type = forms.ChoiceField(label="风险类型", choices=RiskType.choices)
    note = forms.CharField(label="情况说明", max_length=300, required=False)
    on = forms.DateField(label="发现日期", widget=DATE)


class ResolveForm(forms.Form):
    on = forms.DateField(label="消除日期", widget=DATE)
    note = forms.CharField(label="消除说明", max_length=300)


class PlanForm(forms.Form):
    plan = forms.CharField(
        label="帮扶计划（一户一方案）", max_length=PLAN_LIMIT, required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="有劳动能力的以产业、就业帮扶为主；无劳动能力的落实兜底保障",
    )  # fmt: skip
    no_labour = forms.BooleanField(label="无劳动能力户", required=False)


def _years() -> list[tuple[int, str]]:
    return [(y, f"{y}年") for y in range(timezone.localdate().year, FIRST_EXIT_YEAR - 1, -1)]


class ExitForm(forms.Form):
    village = forms.ChoiceField(label="村")
    number = forms.CharField(label="户编号", max_length=30)
    exit_year = forms.TypedChoiceField(label="脱贫年度", coerce=int, choices=_years)
    policies = forms.MultipleChoiceField(
        label="保持不变的政策（四个不摘）", required=False,
        choices=[(p, p) for p in EXIT_POLICIES], widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, villages: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(v.code, v.name) for v in villages]


class ExitImportForm(forms.Form):
    village = forms.ChoiceField(label="村")
    file = forms.FileField(label="文件（xlsx或csv）", help_text="表头：户编号、脱贫年度、保持政策")

    def __init__(self, *args: Any, villages: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(v.code, v.name) for v in villages]
