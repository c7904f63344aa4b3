"""Pages of 防返贫监测 (part: measures)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
