from django.urls import URLPattern, URLResolver, include, path

from . import urls_benefit, urls_feedback, urls_lists, views, views_render

app_name = "disclosure"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notice_list, name="notice_list"),
    path("new/", views.notice_create, name="notice_create"),
    path("todo/", views.work_queue, name="work_queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/edit/", views.notice_update, name="notice_update"),
    path("<int:pk>/submit/", views.notice_submit, name="notice_submit"),
    path("<int:pk>/signoff/", views.notice_signoff, name="notice_signoff"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("objections/<int:pk>/handle/", views.objection_handle, name="objection_handle"),
    path("<int:pk>/render/<str:kind>/", views_render.rendering_page, name="rendering"),
    path(
        "<int:pk>/render/<str:kind>/progress/",
        views_render.rendering_progress,
        name="rendering_progress",
    ),
    path("<int:pk>/render/<str:kind>/file/", views_render.rendering_file, name="rendering_file"),
    path("<int:pk>/broadcast/", views_render.broadcast, name="broadcast"),
    path("<int:pk>/broadcast.txt", views_render.broadcast_txt, name="broadcast_txt"),
    path("", include(urls_feedback.urlpatterns)),
    path("", include(urls_lists.urlpatterns)),
    path("", include(urls_benefit.urlpatterns)),
]
