"""Pages of the honours part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_honours as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("selections/", v.selection_list, name="selection_list"),
    path("selections/new/", v.selection_create, name="selection_create"),
    path("selections/<int:pk>/", v.selection_detail, name="selection_detail"),
    path("selections/<int:pk>/nominate/", v.nomination_create, name="nomination_create"),
    path("selections/<int:pk>/self/", v.nomination_self, name="nomination_self"),
    path("selections/<int:pk>/ranking/", v.nomination_ranking, name="nomination_ranking"),
    path("selections/<int:pk>/appraise/", v.selection_appraise, name="selection_appraise"),
    path("selections/<int:pk>/votes/", v.selection_votes, name="selection_votes"),
    path("selections/<int:pk>/publish/", v.selection_publish, name="selection_publish"),
    path("selections/<int:pk>/cancel/", v.selection_cancel, name="selection_cancel"),
    path("awards/<int:pk>/certificate/", v.award_certificate, name="award_certificate"),
    path("households/<int:pk>/honours/", v.household_honours, name="household_honours"),
]
