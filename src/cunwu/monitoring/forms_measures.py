"""Forms of the measures pages: they only read input; the services check the rules."""

from __future__ import annotations

from django import forms

from .models import MeasureType

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"inputmode": "decimal", "placeholder": "元"}


class MeasureForm(forms.Form):
    measure_type = forms.ChoiceField(label="措施类型", choices=MeasureType.choices)
    description = forms.CharField(label="措施内容", max_length=300)
    department = forms.CharField(label="实施单位", max_length=100, required=False)
    amount = forms.CharField(
        label="金额（元）", max_length=20, required=False, widget=forms.TextInput(attrs=MONEY),
        help_text="涉及资金的措施填写，如 1200.50；不涉及可留空",
    )  # fmt: skip
    start_on = forms.DateField(label="开始日期", widget=DATE)
    end_on = forms.DateField(label="结束日期", widget=DATE, required=False,
                             help_text="长期措施可留空")  # fmt: skip


class MeasureEndForm(forms.Form):
    end_on = forms.DateField(label="结束日期", widget=DATE, help_text="措施最后有效的一天")
    note = forms.CharField(label="结束说明", max_length=200)


class FollowUpForm(forms.Form):
    visited_on = forms.DateField(label="回访日期", widget=DATE)
    in_place = forms.TypedChoiceField(
        label="措施是否落实", choices=[("1", "已落实"), ("0", "未落实")],
        coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1",
    )  # fmt: skip
    note = forms.CharField(
        label="回访情况", max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 3}), help_text="未落实时必填",
    )  # fmt: skip
