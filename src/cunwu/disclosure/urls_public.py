"""The public portal, mounted at /public/ without log-in."""

from django.urls import URLPattern, URLResolver, path

from . import views_public

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
    path("<str:code>/", views_public.portal_region, name="region"),
]
