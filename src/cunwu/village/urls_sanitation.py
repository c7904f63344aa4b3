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
]
