"""Forms of 培训与劳务输出."""

from __future__ import annotations

from django import forms

from .models import TrainingKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TrainingSessionForm(forms.Form):
    kind = forms.ChoiceField(label="培训类型", choices=TrainingKind.choices)
    title = forms.CharField(label="培训名称", max_length=100)
    start_on = forms.DateField(label="开始日期", widget=DATE)
    end_on = forms.DateField(label="结束日期", widget=DATE)
    place = forms.CharField(label="培训地点", max_length=100)
    organiser = forms.CharField(label="组织单位", max_length=100)
    hours = forms.IntegerField(label="学时", min_value=1, max_value=2000)


class TrainingAttendeeForm(forms.Form):
    person = forms.IntegerField(label="人员编号", min_value=1)
