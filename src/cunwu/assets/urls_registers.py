"""Pages of 三资 (registers); included by assets/urls.py under the namespace assets."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
