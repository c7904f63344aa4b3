"""Pages of the rules part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_rules as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("rules/", v.rule_list, name="rule_list"),
    path("rules/new/", v.rule_create, name="rule_create"),
    path("rules/mine/", v.rule_mine, name="rule_mine"),
    path("rules/<int:pk>/", v.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/poster/", v.rule_poster, name="rule_poster"),
    path("rules/<int:pk>/versions/new/", v.rule_version_create, name="rule_version_create"),
    path("rules/versions/<int:pk>/", v.rule_version_detail, name="rule_version_detail"),
    path("rules/versions/<int:pk>/edit/", v.rule_version_edit, name="rule_version_edit"),
    path("rules/versions/<int:pk>/adopt/", v.rule_version_adopt, name="rule_version_adopt"),
    path("rules/versions/<int:pk>/file/", v.rule_version_file, name="rule_version_file"),
    path("rules/versions/<int:pk>/paper/", v.rule_ack_paper, name="rule_ack_paper"),
    path("rules/versions/<int:pk>/confirm/", v.rule_ack_confirm, name="rule_ack_confirm"),
    path("rules/versions/<int:pk>/coverage/", v.rule_coverage, name="rule_coverage"),
]
