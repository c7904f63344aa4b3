"""Forms of the 屋场恳谈会 pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region, VillageGroup
from cunwu.disclosure.models_feedback import FeedbackKind
from cunwu.disclosure.selectors_feedback import village_cadres

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MeetingForm(forms.Form):
    group = forms.ModelChoiceField(label="村民小组", queryset=VillageGroup.objects.none())
    held_on = forms.DateField(label="日期", widget=DATE, initial=timezone.localdate)
    place = forms.CharField(label="地点", max_length=100, help_text="如 张家院子")
    topic = forms.CharField(label="议题", max_length=200)
    guests = forms.CharField(label="列席人员", max_length=200, required=False,
                             help_text="如 镇包村干部、驻村工作队")  # fmt: skip
    minutes = forms.CharField(label="纪要", max_length=10_000, required=False,
                              widget=forms.Textarea(attrs={"rows": 8}))  # fmt: skip

    def __init__(self, *args: Any, village: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = VillageGroup.objects.filter(village=village).order_by("number")
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]


class OpinionForm(forms.Form):
    text = forms.CharField(label="意见内容", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    raised_by = forms.CharField(label="提出人", max_length=50, required=False)
    kind = forms.ChoiceField(label="类型", choices=FeedbackKind.choices,
                             initial=FeedbackKind.SUGGESTION)  # fmt: skip
    owner = forms.ModelChoiceField(label="责任人", queryset=User.objects.none())
    deadline = forms.DateField(label="办理期限", widget=DATE)

    def __init__(self, *args: Any, village: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = village_cadres(village)  # type: ignore[attr-defined]
        self.fields["owner"].label_from_instance = str  # type: ignore[attr-defined]


class PhotoForm(forms.Form):
    photo = forms.FileField(label="照片", help_text="JPG、PNG或PDF")
