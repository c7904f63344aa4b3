"""Forms of the sanitation pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cunwu.core.models import Region, VillageGroup
from cunwu.registry.models import Person, PersonStatus

from .models_sanitation import ChecklistItem, Duty, DutyPost, RoadSection, WasteStage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"})


class SectionForm(forms.Form):
    name = forms.CharField(label="路段名称", max_length=50)
    group = forms.ModelChoiceField(label="村民小组", queryset=VillageGroup.objects.none(),
                                   required=False)  # fmt: skip
    length_m = forms.IntegerField(label="长度（米）", min_value=0, max_value=100_000, initial=0)
    description = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, village: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = VillageGroup.objects.filter(village=village)  # type: ignore[attr-defined]


class PostForm(forms.Form):
    name = forms.CharField(label="岗位名称", max_length=30, help_text="如 保洁员、监督员")


class DutyForm(forms.Form):
    person = forms.ModelChoiceField(label="值守人", queryset=Person.objects.none())
    post = forms.ModelChoiceField(label="岗位", queryset=DutyPost.objects.none())
    section = forms.ModelChoiceField(label="路段", queryset=RoadSection.objects.none())
    weekdays = forms.CharField(label="星期", max_length=20, initial="135",
                               help_text="1到7的数字，如 135 表示每周一三五")  # fmt: skip
    start_time = forms.TimeField(label="开始时间", widget=TIME)
    end_time = forms.TimeField(label="结束时间", widget=TIME)
    tasks = forms.CharField(label="任务", max_length=200)
    start_on = forms.DateField(label="开始日期", widget=DATE)
    replaces = forms.ModelChoiceField(
        label="替换原值守", queryset=Duty.objects.none(), required=False,
        help_text="更换人员或时间时选择，原值守将结束",
    )  # fmt: skip

    def __init__(self, *args: Any, village: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["person"].queryset = Person.objects.filter(
            household__village=village, status=PersonStatus.ACTIVE
        ).select_related("household")
        fields["post"].queryset = DutyPost.objects.filter(village=village)
        fields["section"].queryset = RoadSection.objects.filter(village=village)
        fields["replaces"].queryset = Duty.objects.filter(
            village=village, end_on__isnull=True
        ).select_related("person", "post", "section")


class RoundForm(forms.Form):
    on = forms.DateField(label="督查日期", widget=DATE, initial=timezone.localdate)
    inspectors = forms.CharField(label="督查人员", max_length=100)
    note = forms.CharField(label="备注", max_length=200, required=False)


class ScoreForm(forms.Form):
    """One number field per active checklist item (0..max)."""

    section = forms.ModelChoiceField(label="路段", queryset=RoadSection.objects.none(),
                                     required=False)  # fmt: skip
    household_number = forms.CharField(label="或农户庭院（户编号）", max_length=30, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, village: Region, items: list[ChecklistItem], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["section"].queryset = RoadSection.objects.filter(village=village)  # type: ignore[attr-defined]
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=f"{item.name}（满分{item.max_score}）", min_value=0,
                max_value=item.max_score,
            )  # fmt: skip


class WasteForm(forms.Form):
    stage = forms.ChoiceField(label="环节", choices=WasteStage.choices)
    on = forms.DateField(label="日期", widget=DATE, initial=timezone.localdate)
    quantity_kg = forms.IntegerField(label="数量（千克）", min_value=1, max_value=10_000_000)
    group = forms.ModelChoiceField(label="村民小组", queryset=VillageGroup.objects.none(),
                                   required=False, help_text="组收集时必选")  # fmt: skip
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, village: Region, township: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["group"].queryset = VillageGroup.objects.filter(village=village)
        stages = [c for c in WasteStage.choices if (c[0] == WasteStage.TOWNSHIP) == township]
        fields["stage"].choices = stages


class PhotoForm(forms.Form):
    photo = forms.FileField(label="督查照片", help_text="JPEG、PNG或PDF，至多10MB")
