"""Spreadsheet import and export pages (included by ``registry.urls``)."""

from django.urls import URLPattern, URLResolver, path

from . import views_io

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", views_io.import_start, name="import_start"),
    path("import/template/", views_io.import_template, name="import_template"),
    path("import/<int:pk>/", views_io.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views_io.import_progress, name="import_progress"),
    path("import/<int:pk>/confirm/", views_io.import_confirm, name="import_confirm"),
    path("import/<int:pk>/errors/", views_io.import_errors, name="import_errors"),
    path("export/", views_io.export_households, name="export_households"),
    path("export/<int:pk>/", views_io.export_detail, name="export_detail"),
    path("export/<int:pk>/progress/", views_io.export_progress, name="export_progress"),
    path("export/<int:pk>/download/", views_io.export_download, name="export_download"),
]
