"""Pages of 防返贫监测 (part: cases)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
