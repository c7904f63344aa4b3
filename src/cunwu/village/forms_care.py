"""Forms of the care pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cunwu.accounts.models import User

from .models_care import CareGroup

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CareForm(forms.Form):
    person = forms.IntegerField(label="人员编号", min_value=1, help_text="户籍登记中的人员编号")
    group = forms.ChoiceField(label="关爱类别", choices=CareGroup.choices)
    since = forms.DateField(label="纳入日期", widget=DATE)
    interval_days = forms.IntegerField(
        label="走访周期（天）", min_value=1, max_value=366, required=False,
        help_text="留空按类别默认：留守儿童、留守老人30天，残疾人60天，其他90天",
    )  # fmt: skip
    carer_name = forms.CharField(label="关爱责任人", max_length=50)
    carer_phone = forms.CharField(label="责任人电话", max_length=20, required=False)
    note = forms.CharField(label="情况说明", max_length=300, required=False)


class CareEndForm(forms.Form):
    ended_on = forms.DateField(label="结束日期", widget=DATE)
    reason = forms.CharField(
        label="结束原因", max_length=100, help_text="如 父母返乡、年满18岁、去世"
    )


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="走访日期", widget=DATE, initial=timezone.localdate)
    needs = forms.CharField(label="发现的需求", max_length=300, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    help_given = forms.CharField(label="提供的帮助", max_length=300, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    follow_up = forms.CharField(label="后续跟进", max_length=300, required=False)


class CarerForm(forms.Form):
    """关爱责任人: a cadre with a login, or a named person (a neighbour, a relative)."""

    carer_user = forms.ModelChoiceField(
        label="干部", queryset=User.objects.none(), required=False,
        help_text="本村有关爱工作权限的干部；选了干部则不用填下面两项",
    )  # fmt: skip
    carer_name = forms.CharField(label="或其他责任人姓名", max_length=50, required=False)
    carer_phone = forms.CharField(label="责任人电话", max_length=20, required=False)

    def __init__(self, *args: Any, carers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["carer_user"]
        field.queryset = carers
        field.label_from_instance = str
