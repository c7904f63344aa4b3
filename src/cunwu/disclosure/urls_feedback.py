"""Pages of feedback and the supervision committee: staff under /disclosure/ (namespace
``disclosure``), public under /public/feedback/ (namespace ``portal``)."""

from django.urls import URLPattern, URLResolver, path

from . import views_feedback as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("feedback/", views.feedback_list, name="feedback_list"),
    path("feedback/stats/", views.feedback_stats, name="feedback_stats"),
    path("feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/reply/", views.feedback_reply, name="feedback_reply"),
    path("feedback/<int:pk>/resolve/", views.feedback_resolve, name="feedback_resolve"),
    path("feedback/<int:pk>/close/", views.feedback_close, name="feedback_close"),
    path("feedback/<int:pk>/cadre/", views.feedback_name_cadre, name="feedback_name_cadre"),
    path("feedback/<int:pk>/problem/", views.feedback_problem, name="feedback_problem"),
    path("committee/", views.committee_index, name="committee_index"),
    path("committee/meetings/", views.meeting_list, name="meeting_list"),
    path("committee/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path(
        "committee/meetings/<int:pk>/attachments/",
        views.meeting_attachment_add,
        name="meeting_attachment_add",
    ),
    path(
        "committee/meetings/<int:pk>/attachments/<int:attachment_pk>/",
        views.meeting_attachment,
        name="meeting_attachment",
    ),
    path("committee/inspections/", views.inspection_list, name="inspection_list"),
    path("committee/inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path(
        "committee/inspections/<int:pk>/problems/",
        views.inspection_problem,
        name="inspection_problem",
    ),
    path("committee/members/<int:pk>/end/", views.member_end, name="member_end"),
    path("committee/<str:code>/", views.committee_village, name="committee_village"),
    path("committee/<str:code>/members/new/", views.member_add, name="member_add"),
    path("committee/<str:code>/meetings/new/", views.meeting_create, name="meeting_create"),
    path(
        "committee/<str:code>/inspections/new/",
        views.inspection_create,
        name="inspection_create",
    ),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/stats/", views.problem_stats, name="problem_stats"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/progress/", views.problem_progress, name="problem_progress"),
    path("problems/<int:pk>/close/", views.problem_close, name="problem_close"),
]

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views.public_new, name="feedback_new"),
    path("track/", views.public_track, name="feedback_track"),
    path("<str:code>/", views.public_code, name="feedback_code"),
]
