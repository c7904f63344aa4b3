"""Forms of the sanitation pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cunwu.core.models import Region, VillageGroup
from cunwu.points.models import RuleItem
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
        # retired sections and posts can no longer be chosen
        fields["post"].queryset = DutyPost.objects.filter(village=village, retired_on__isnull=True)
        fields["section"].queryset = RoadSection.objects.filter(
            village=village, retired_on__isnull=True
        )
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
        self.fields["section"].queryset = RoadSection.objects.filter(  # type: ignore[attr-defined]
            village=village, retired_on__isnull=True
        )
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


class ChecklistItemForm(forms.Form):
    name = forms.CharField(label="检查项目", max_length=30)
    max_score = forms.IntegerField(label="满分", min_value=1, max_value=100,
                                   help_text="1到100；已记录的得分不变")  # fmt: skip


class PointsForm(forms.Form):
    """A yard score's reward or penalty: an item of the rulebook in force on the round's date."""

    item = forms.ModelChoiceField(label="积分事项", queryset=RuleItem.objects.none(),
                                  empty_label=None)  # fmt: skip
    points = forms.IntegerField(label="分值", required=False,
                                help_text="不填按事项分值；须在事项的分值范围内")  # fmt: skip
    description = forms.CharField(label="事由", max_length=300, required=False,
                                  help_text="不填则记为“卫生督查得分…”")  # fmt: skip

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["item"].queryset = items
        fields["item"].label_from_instance = lambda i: f"{i.code} {i.name}（{i.points:+d}分）"
