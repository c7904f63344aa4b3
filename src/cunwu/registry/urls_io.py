"""Spreadsheet import and export pages (included by ``registry.urls``)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
