"""Pages of 防返贫监测 (part: statistics)."""

from django.urls import URLPattern, URLResolver, path

from . import views_stats as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("stats/", views.stats, name="stats"),
]
