"""Public pages of 防返贫监测 under /public/monitoring/ (namespace ``monitoring_public``): the
household's own application (申报) and following a case by its code."""

from django.urls import URLPattern, URLResolver

app_name = "monitoring_public"

urlpatterns: list[URLPattern | URLResolver] = []
