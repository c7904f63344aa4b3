"""Pages of 防返贫监测 (part: screening)."""

from django.urls import URLPattern, URLResolver, path

from . import views_screening as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("policy/", views.policy, name="policy"),
    path("screening/", views.runs, name="screening_runs"),
    path("screening/<int:pk>/", views.run_detail, name="screening_run"),
    path("alerts/", views.alerts, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("imports/", views.imports, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors.xlsx", views.import_report, name="import_report"),
    path("imports/template/<str:department>.xlsx", views.import_template, name="import_template"),
]
