"""Pages of the sanitation part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_sanitation as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("sanitation/", views.index, name="sanitation"),
    path("sanitation/roster/<str:code>/print/", views.roster_print, name="sanitation_roster_print"),
    path(
        "sanitation/export/<str:what>.xlsx",
        views.export,
        name="sanitation_export",
    ),
    path(
        "sanitation/<str:code>/sections/new/",
        views.section_create,
        name="sanitation_section_create",
    ),
    path("sanitation/<str:code>/posts/new/", views.post_create, name="sanitation_post_create"),
    path("sanitation/<str:code>/duties/new/", views.duty_create, name="sanitation_duty_create"),
    path("sanitation/<str:code>/rounds/new/", views.round_create, name="sanitation_round_create"),
    path("sanitation/rounds/<int:pk>/score/", views.score_create, name="sanitation_score_create"),
    path("sanitation/rounds/<int:pk>/photos/", views.photo_add, name="sanitation_photo_add"),
    path("sanitation/<str:code>/waste/new/", views.waste_create, name="sanitation_waste_create"),
    path(
        "sanitation/rounds/<int:pk>/photos/<int:photo_pk>/",
        views.photo,
        name="sanitation_photo",
    ),
    path("sanitation/scores/<int:pk>/points/", views.score_points, name="sanitation_score_points"),
    path("sanitation/<str:code>/sections/", views.sections, name="sanitation_sections"),
    path("sanitation/sections/<int:pk>/edit/", views.section_edit, name="sanitation_section_edit"),
    path(
        "sanitation/sections/<int:pk>/retire/",
        views.section_retire,
        name="sanitation_section_retire",
    ),
    path(
        "sanitation/sections/<int:pk>/restore/",
        views.section_restore,
        name="sanitation_section_restore",
    ),
    path("sanitation/posts/<int:pk>/edit/", views.post_edit, name="sanitation_post_edit"),
    path("sanitation/posts/<int:pk>/retire/", views.post_retire, name="sanitation_post_retire"),
    path("sanitation/posts/<int:pk>/restore/", views.post_restore, name="sanitation_post_restore"),
    path("sanitation/<str:code>/checklist/", views.checklist, name="sanitation_checklist"),
    path(
        "sanitation/<str:code>/checklist/default/",
        views.checklist_default,
        name="sanitation_checklist_default",
    ),
    path(
        "sanitation/<str:code>/checklist/new/",
        views.checklist_item_create,
        name="sanitation_checklist_item_create",
    ),
    path(
        "sanitation/items/<int:pk>/edit/",
        views.checklist_item_edit,
        name="sanitation_checklist_item_edit",
    ),
    path(
        "sanitation/items/<int:pk>/retire/",
        views.checklist_item_retire,
        name="sanitation_checklist_item_retire",
    ),
    path(
        "sanitation/items/<int:pk>/restore/",
        views.checklist_item_restore,
        name="sanitation_checklist_item_restore",
    ),
]
