"""Pages of the meetings part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_meetings

urlpatterns: list[URLPattern | URLResolver] = [
    path("meetings/", views_meetings.meeting_list, name="meeting_list"),
]
