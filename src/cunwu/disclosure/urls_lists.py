"""Pages of the four lists, cases and 四议两公开: staff under /disclosure/ (namespace
``disclosure``), the public case tracking under /public/case/ (namespace ``portal``)."""

from django.urls import URLPattern, URLResolver, path

from . import views_lists as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("lists/", views.item_list, name="list_items"),
    path("lists/new/", views.item_create, name="list_item_create"),
    path("lists/<int:pk>/", views.item_detail, name="list_item"),
    path("lists/<int:pk>/flowchart.svg", views.item_svg, name="list_item_svg"),
    path("lists/<int:pk>/revise/", views.item_revise, name="list_item_revise"),
    path("lists/<int:pk>/adopt/", views.item_adopt, name="list_item_adopt"),
    path("lists/<int:pk>/retire/", views.item_retire, name="list_item_retire"),
    path("lists/<int:pk>/cases/new/", views.case_create, name="case_create"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/overdue/", views.case_overdue, name="case_overdue"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/advance/", views.case_advance, name="case_advance"),
    path("cases/<int:pk>/return/", views.case_return, name="case_return"),
    path("cases/<int:pk>/comment/", views.case_comment, name="case_comment"),
    path("cases/<int:pk>/stop/", views.case_stop, name="case_stop"),
    path(
        "cases/<int:pk>/events/<int:event_pk>/attachment/",
        views.case_attachment,
        name="case_attachment",
    ),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/meeting/", views.decision_meeting, name="decision_meeting"),
    path("decisions/<int:pk>/publish/", views.decision_publish, name="decision_publish"),
]

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("track/", views.public_track, name="case_track"),
    path("track/<str:code>/", views.public_track_code, name="case_track_code"),
]
