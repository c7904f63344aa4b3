"""The public portal, mounted at /public/ without log-in."""

from django.urls import URLPattern, URLResolver, include, path

from . import urls_benefit, urls_feedback, urls_lists, views_public, views_render

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_public.portal_index, name="index"),
    path("text-size/", views_public.text_size, name="text_size"),
    path("track/", views_public.track, name="track"),
    path("track/<str:code>/", views_public.track_code, name="track_code"),
    path("notice/<int:pk>/", views_public.portal_notice, name="notice"),
    path(
        "notice/<int:pk>/attachments/<int:attachment_pk>/",
        views_public.portal_attachment,
        name="attachment",
    ),
    path("feedback/", include(urls_feedback.public_urlpatterns)),
    path("case/", include(urls_lists.public_urlpatterns)),
    path("benefits/", include(urls_benefit.public_urlpatterns)),
    path("notice/<int:pk>/render/<str:kind>/", views_render.portal_rendering, name="rendering"),
    path(
        "notice/<int:pk>/render/<str:kind>/progress/",
        views_render.portal_rendering_progress,
        name="rendering_progress",
    ),
    path(
        "notice/<int:pk>/render/<str:kind>/file/",
        views_render.portal_rendering_file,
        name="rendering_file",
    ),
    path("notice/<int:pk>/broadcast/", views_render.portal_broadcast, name="broadcast"),
    path("notice/<int:pk>/broadcast.txt", views_render.portal_broadcast_txt, name="broadcast_txt"),
    path("<str:code>/", views_public.portal_region, name="region"),
]
