"""Pages of 乡村治理 under /village/ (namespace ``village``). Each part keeps its patterns in its
own module."""

from django.urls import URLPattern, URLResolver, path

from . import (
    urls_care,
    urls_honours,
    urls_jobs,
    urls_meetings,
    urls_rules,
    urls_sanitation,
    urls_training,
    urls_workshops,
    views,
)

app_name = "village"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    *urls_meetings.urlpatterns,
    *urls_rules.urlpatterns,
    *urls_sanitation.urlpatterns,
    *urls_honours.urlpatterns,
    *urls_care.urlpatterns,
    *urls_workshops.urlpatterns,
    *urls_jobs.urlpatterns,
    *urls_training.urlpatterns,
]
