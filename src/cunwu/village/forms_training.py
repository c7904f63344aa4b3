"""Forms of 培训与劳务输出."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from .models import Destination, Outcome, TrainingAttendee, TrainingKind

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


class TrainingAttendanceForm(forms.Form):
    """点名: every attendee of the session as a checkbox; the ticked ones attended."""

    attended = forms.MultipleChoiceField(
        label="到场人员（勾选）", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, attendees: Iterable[TrainingAttendee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        if isinstance(field, forms.MultipleChoiceField):
            field.choices = [(str(a.pk), f"{a.person.name}（{a.village.name}）") for a in attendees]


class TrainingCertificateForm(forms.Form):
    name = forms.CharField(label="证书名称", max_length=100)
    number = forms.CharField(label="证书编号", max_length=50)
    issuer = forms.CharField(label="发证机关", max_length=100)
    issued_on = forms.DateField(label="发证日期", widget=DATE)


class TrainingOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="就业情况", choices=Outcome.choices)
    place = forms.CharField(label="就业地点", max_length=100, required=False,
                            help_text="未就业时不填")  # fmt: skip
    since = forms.DateField(label="就业起始日期", widget=DATE, required=False,
                            help_text="未就业时不填")  # fmt: skip


class LabourExportForm(forms.Form):
    person = forms.IntegerField(label="人员编号", min_value=1)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    destination = forms.ChoiceField(label="务工去向", choices=Destination.choices)
    place = forms.CharField(label="务工地点", max_length=100, required=False)
    from_month = forms.IntegerField(label="起始月", min_value=1, max_value=12)
    to_month = forms.IntegerField(label="截止月", min_value=1, max_value=12)
