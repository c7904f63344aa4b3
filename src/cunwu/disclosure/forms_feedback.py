"""Forms of feedback (public and staff), the supervision committee and the problem ledger."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from cunwu.accounts.models import User

from .models_feedback import (
    CommitteeMember,
    CommitteePosition,
    FeedbackKind,
    InspectionSubject,
)
from .services_feedback import MAX_COMMENT, MAX_TEXT, Finding

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user_label(user: User) -> str:
    return user.name


# ---------------------------------------------------------------- public


class VillagePickForm(forms.Form):
    q = forms.CharField(label="村名", max_length=50, help_text="输入村名中的字，如“九龙”")


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=FeedbackKind.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label="内容",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="请写明事情经过、时间、地点；身份证号、手机号会自动隐去中间数字",
    )
    about_user = forms.ModelChoiceField(
        User.objects.none(),
        label="涉及的村干部（投诉可选）",
        required=False,
        empty_label="不涉及具体村干部",
        help_text="选择后，该村干部看不到此投诉，由村务监督委员会和乡镇办理",
    )
    anonymous = forms.BooleanField(
        label="匿名提交（不记录我的账号，凭查询码查看和评价）", required=False
    )
    name = forms.CharField(label="姓名（可不填）", max_length=50, required=False)
    phone = forms.CharField(
        label="联系电话（可不填）",
        max_length=20,
        required=False,
        help_text="仅用于联系您，不会公开",
    )

    def __init__(self, *args: Any, cadres: QuerySet[User], logged_in: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = cast(forms.ModelChoiceField, self.fields["about_user"])  # type: ignore[type-arg]
        field.queryset = cadres
        field.label_from_instance = _user_label  # type: ignore[method-assign,assignment]
        if not logged_in:
            del self.fields["anonymous"]


class FeedbackTrackForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=20)


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label="满意度",
        choices=[
            (5, "5 非常满意"),
            (4, "4 满意"),
            (3, "3 基本满意"),
            (2, "2 不满意"),
            (1, "1 非常不满意"),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="评价（可不填）",
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# ---------------------------------------------------------------- staff: feedback


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="答复内容", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal = forms.BooleanField(label="内部备注（群众看不到）", required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="办理结果",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="群众凭查询码可以看到，并据此评价",
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label="关闭理由", max_length=200)


class NameCadreForm(forms.Form):
    cadre = forms.ModelChoiceField(User.objects.none(), label="涉及的村干部")

    def __init__(self, *args: Any, cadres: QuerySet[User], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = cast(forms.ModelChoiceField, self.fields["cadre"])  # type: ignore[type-arg]
        field.queryset = cadres
        field.label_from_instance = _user_label  # type: ignore[method-assign,assignment]


class ProblemForm(forms.Form):
    description = forms.CharField(
        label="问题描述", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible = forms.CharField(label="整改责任人", max_length=100)
    due_date = forms.DateField(label="整改期限", widget=DATE_WIDGET)


# ---------------------------------------------------------------- the committee


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    position = forms.ChoiceField(label="职务", choices=CommitteePosition.choices)
    is_party_secretary = forms.BooleanField(label="是村党组织书记", required=False)
    term_start = forms.DateField(label="任期开始", widget=DATE_WIDGET)
    term_end = forms.DateField(label="任期结束（可不填）", required=False, widget=DATE_WIDGET)


class EndTermForm(forms.Form):
    term_end = forms.DateField(label="任期结束日期", widget=DATE_WIDGET)


class MeetingForm(forms.Form):
    date = forms.DateField(label="会议日期", widget=DATE_WIDGET)
    title = forms.CharField(label="议题", max_length=120)
    attendees = forms.ModelMultipleChoiceField(
        CommitteeMember.objects.none(), label="出席成员", widget=forms.CheckboxSelectMultiple
    )
    minutes = forms.CharField(
        label="会议纪要", max_length=20_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    file = forms.FileField(
        label="纪要扫描件（可不传）", required=False, help_text="PDF、PNG 或 JPEG，不超过10 MB"
    )

    def __init__(self, *args: Any, members: QuerySet[CommitteeMember], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = cast(forms.ModelMultipleChoiceField, self.fields["attendees"])  # type: ignore[type-arg]
        field.queryset = members


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件", help_text="PDF、PNG 或 JPEG，不超过10 MB")


class InspectionForm(forms.Form):
    date = forms.DateField(label="检查日期", widget=DATE_WIDGET)
    subject = forms.ChoiceField(label="检查事项", choices=InspectionSubject.choices)
    findings = forms.CharField(
        label="检查情况", max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    problems = forms.CharField(
        label="发现的问题（每行一条，可不填）",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每条问题记入问题台账，整改销号前一直显示",
    )
    responsible = forms.CharField(label="整改责任人", max_length=100, required=False)
    due_date = forms.DateField(label="整改期限", required=False, widget=DATE_WIDGET)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.findings_list(data) and not data.get("responsible"):
            self.add_error("responsible", "有问题时请填写整改责任人")
        if self.findings_list(data) and not data.get("due_date"):
            self.add_error("due_date", "有问题时请填写整改期限")
        return data

    @staticmethod
    def findings_list(data: dict[str, Any]) -> list[str]:
        lines = (data.get("problems") or "").replace("\r\n", "\n").split("\n")
        return [line.strip() for line in lines if line.strip()]

    def finding_rows(self) -> list[Finding]:
        d = self.cleaned_data
        return [
            Finding(description=line, responsible=d["responsible"], due_date=d["due_date"])
            for line in self.findings_list(d)
        ]


class ProgressForm(forms.Form):
    progress = forms.CharField(
        label="整改情况", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseProblemForm(forms.Form):
    evidence = forms.CharField(
        label="销号依据",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="整改结果及核查情况（如凭证号、现场核查日期）",
    )
