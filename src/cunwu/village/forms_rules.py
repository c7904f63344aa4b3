"""Forms of 村规民约与公约: a rule, a draft's text (one clause per line), a clause's 积分事项,
the adoption (meeting, votes, 备案) and the paper tick list."""

from __future__ import annotations

from typing import Any

from django import forms

from .models_rules import RuleKind
from .services.rules import CLAUSE_LIMIT, MAX_CLAUSES, MAX_MEMBERS, MEETING_KINDS, PREAMBLE_LIMIT

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RuleCreateForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=RuleKind.choices)


class RuleVersionForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    preamble = forms.CharField(
        label="序言", max_length=PREAMBLE_LIMIT, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    clauses = forms.CharField(
        label="条款（每行一条）", required=False,
        max_length=MAX_CLAUSES * (CLAUSE_LIMIT + 20),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=f"每行一条，至多{MAX_CLAUSES}条、每条{CLAUSE_LIMIT}字；行首的“第一条”“1.”可写可不写",
    )  # fmt: skip


class ClauseLinkForm(forms.Form):
    clause = forms.TypedChoiceField(label="条款", coerce=int)
    item = forms.TypedChoiceField(
        label="积分事项", coerce=int, required=False, empty_value=None,
        help_text="选“不关联”可取消关联",
    )  # fmt: skip

    def __init__(
        self, *args: Any, clauses: list[tuple[int, str]], items: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["clause"].choices = clauses  # type: ignore[attr-defined]
        self.fields["item"].choices = [("", "不关联"), *items]  # type: ignore[attr-defined]


class AdoptForm(forms.Form):
    meeting_kind = forms.ChoiceField(label="表决会议", choices=list(MEETING_KINDS.items()))
    meeting_on = forms.DateField(label="会议日期", widget=DATE)
    members = forms.IntegerField(
        label="应到人数", min_value=1, max_value=MAX_MEMBERS,
        help_text="村民会议：本村18周岁以上村民人数；村民代表会议：组成人员人数",
    )  # fmt: skip
    present = forms.IntegerField(label="实到人数", min_value=0, max_value=MAX_MEMBERS)
    votes_for = forms.IntegerField(label="赞成", min_value=0, max_value=MAX_MEMBERS)
    votes_against = forms.IntegerField(
        label="反对", min_value=0, max_value=MAX_MEMBERS, required=False
    )
    filed_with = forms.CharField(
        label="备案机关", max_length=100, required=False, help_text="村规民约须报乡镇备案"
    )
    filed_on = forms.DateField(label="备案日期（已备案时填写）", required=False, widget=DATE)


class FileForm(forms.Form):
    filed_with = forms.CharField(label="备案机关", max_length=100)
    filed_on = forms.DateField(label="备案日期", widget=DATE)


class AckPaperForm(forms.Form):
    households = forms.TypedMultipleChoiceField(
        label="已签字的户", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请勾选已签字的户"},
    )  # fmt: skip

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = choices  # type: ignore[attr-defined]
