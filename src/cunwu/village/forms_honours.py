"""Forms of the honours pages: they only read input; the services check the rules."""

from __future__ import annotations

from django import forms

from .models_honours import SelectionKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SelectionForm(forms.Form):
    village = forms.ChoiceField(label="村")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="评选类别", choices=SelectionKind.choices)
    quota = forms.IntegerField(label="名额", min_value=1, max_value=500)


class NominationForm(forms.Form):
    household = forms.CharField(label="户编号", max_length=30)
    reason = forms.CharField(
        label="推荐理由", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class SelfNominationForm(forms.Form):
    reason = forms.CharField(
        label="自荐理由", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class RankingForm(forms.Form):
    top = forms.IntegerField(label="提名前几户", min_value=1, max_value=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200)


class AppraisalForm(forms.Form):
    members_total = forms.IntegerField(label="评议会应到人数", min_value=1, max_value=1000)
    members_present = forms.IntegerField(label="实到人数", min_value=0, max_value=1000)
    appraised_on = forms.DateField(label="评议日期", widget=DATE)

    def __init__(self, *args: object, nominations: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for pk, label in nominations:
            self.fields[f"votes_{pk}"] = forms.IntegerField(
                label=f"{label} 得票", min_value=0, max_value=1000
            )

    def votes(self) -> dict[int, int]:
        return {
            int(name.removeprefix("votes_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("votes_")
        }
