"""Public pages of 防返贫监测 under /public/monitoring/ (namespace ``monitoring_public``): the
household's own application (申报) and following a case by its code."""

from django.urls import URLPattern, URLResolver, path

from . import views_public as views

app_name = "monitoring_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("apply/", views.apply, name="apply"),
    path("case/", views.lookup, name="lookup"),
    path("case/<str:code>/", views.case, name="case"),
    path("poster/<str:code>/", views.poster, name="poster"),
]
