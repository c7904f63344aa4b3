"""Forms of the four lists, cases and 四议两公开. Steps are typed one a line,
``环节｜办理主体｜时限（工作日）｜公开内容`` (so the page works without JavaScript)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region

from .models_lists import ListItem, ListKind, MeetingBody
from .services_lists import MAX_TEXT, ItemData, Meeting, StepData

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_SPLIT = re.compile(r"\s*[|｜]\s*")
MAX_UPLOAD = 10 * 1024 * 1024


def parse_steps(text: str) -> list[StepData]:
    steps = []
    for n, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not raw.strip():
            continue
        cells = [*_SPLIT.split(raw.strip()), "", "", ""][:4]
        name, actor, days, disclose = cells
        days = days.replace("个工作日", "").replace("工作日", "").replace("天", "").strip()
        if days and not days.isdigit():
            raise ApplicationError(
                "step_days", f"第{n}行的时限“{cells[2]}”应为工作日天数", field="steps"
            )
        steps.append(StepData(name, actor, int(days or 0), disclose))
    return steps


def steps_text(item: ListItem) -> str:
    return "\n".join(
        f"{s.name}｜{s.actor}｜{s.limit_days}｜{s.disclose}".rstrip("｜") for s in item.steps.all()
    )


def _region_label(region: Region) -> str:
    return str(region.full_name)


class ItemForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.none(), label="制定单位")
    kind = forms.ChoiceField(label="清单", choices=ListKind.choices)
    name = forms.CharField(label="事项名称", max_length=100)
    responsible = forms.CharField(label="责任主体", max_length=100)
    basis = forms.CharField(
        label="办理依据", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    materials = forms.CharField(
        label="所需材料",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一项",
    )
    disclosure = forms.CharField(
        label="公开要求", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    steps = forms.CharField(
        label="办理环节",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行一个环节：环节名称｜办理主体｜时限（工作日，0为不设时限）｜公开内容。"
        "如：入户调查｜村民委员会｜5｜",
    )
    note = forms.CharField(label="修订说明", max_length=200)

    def __init__(self, *args: Any, regions: Any = None, revising: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        if revising:
            del self.fields["region"]
            self.fields["kind"].disabled = True
        else:
            del self.fields["note"]
            field = self.fields["region"]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
            field.queryset = regions
            field.label_from_instance = _region_label  # type: ignore[method-assign,assignment]

    def data_and_steps(self) -> tuple[ItemData, list[StepData]]:
        d = self.cleaned_data
        data = ItemData(
            kind=d["kind"], name=d["name"], responsible=d["responsible"], basis=d["basis"],
            materials=d["materials"], disclosure=d["disclosure"],
        )  # fmt: skip
        return data, parse_steps(d["steps"])


class AdoptForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.none(), label="采用单位")

    def __init__(self, *args: Any, regions: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = regions
        field.label_from_instance = _region_label  # type: ignore[method-assign,assignment]


class CaseForm(forms.Form):
    applicant_name = forms.CharField(label="申请人姓名", max_length=50)
    summary = forms.CharField(
        label="申请事由",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="身份证号、手机号会自动隐去中间数字",
    )
    household_id = forms.IntegerField(label="户编号（可不填）", required=False, min_value=1)
    person_id = forms.IntegerField(label="人员编号（可不填）", required=False, min_value=1)


class CaseStepForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label="办理说明", required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    attachment = forms.FileField(
        label="附件（可不传）", required=False, help_text="PDF、PNG 或 JPEG，不超过10 MB"
    )


class CaseReturnForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label="退回理由", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseCommentForm(forms.Form):
    note = forms.CharField(
        label="备注", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(
        label="附件（可不传）", required=False, help_text="PDF、PNG 或 JPEG，不超过10 MB"
    )


class CaseStopForm(forms.Form):
    reason = forms.CharField(
        label="终止理由", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    village = forms.ModelChoiceField(Region.objects.none(), label="村")
    title = forms.CharField(label="事项", max_length=120)
    description = forms.CharField(
        label="内容", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    proposed_on = forms.DateField(label="村党组织提议日期", widget=DATE_WIDGET)
    note = forms.CharField(
        label="提议说明", required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, villages: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = villages
        field.label_from_instance = _region_label  # type: ignore[method-assign,assignment]


class MeetingForm(forms.Form):
    body = forms.ChoiceField(label="会议", choices=MeetingBody.choices)
    held_on = forms.DateField(label="会议日期", widget=DATE_WIDGET)
    eligible = forms.IntegerField(label="应到人数", min_value=1, max_value=100_000)
    present = forms.IntegerField(label="实到人数", min_value=0, max_value=100_000)
    households = forms.IntegerField(
        label="总户数（村民会议按户计算时填）", required=False, min_value=1, max_value=100_000
    )
    households_present = forms.IntegerField(
        label="到会代表户数", required=False, min_value=0, max_value=100_000
    )
    votes_for = forms.IntegerField(label="赞成", min_value=0, max_value=100_000)
    votes_against = forms.IntegerField(
        label="反对", required=False, min_value=0, max_value=100_000, initial=0
    )
    votes_abstain = forms.IntegerField(
        label="弃权", required=False, min_value=0, max_value=100_000, initial=0
    )
    note = forms.CharField(
        label="会议记录摘要", required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, bodies: tuple[str, ...], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["body"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(b, MeetingBody(b).label) for b in bodies]
        if len(bodies) == 1:
            field.initial = bodies[0]
        if MeetingBody.VILLAGERS not in bodies:
            del self.fields["households"]
            del self.fields["households_present"]

    def meeting(self) -> Meeting:
        d = self.cleaned_data
        return Meeting(
            held_on=d["held_on"], eligible=d["eligible"], present=d["present"],
            votes_for=d["votes_for"], votes_against=d["votes_against"] or 0,
            votes_abstain=d["votes_abstain"] or 0, households=d.get("households"),
            households_present=d.get("households_present"),
        )  # fmt: skip


class PublishForm(forms.Form):
    text = forms.CharField(
        label="公开内容",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一段；决议公开时会自动附上表决情况",
    )


class TrackForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=12, help_text="受理时告知您的10位查询码")


class ItemRetireForm(forms.Form):
    reason = forms.CharField(label="停用理由", max_length=200)
