"""Pages of the meetings part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_meetings as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/opinions/", views.opinion_list, name="meeting_opinion_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/photos/", views.meeting_photo_add, name="meeting_photo_add"),
    path("meetings/<int:pk>/photos/<int:photo_pk>/", views.meeting_photo, name="meeting_photo"),
    path("meetings/<int:pk>/opinions/", views.meeting_opinion_add, name="meeting_opinion_add"),
    path("meetings/<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
]
