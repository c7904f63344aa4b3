"""Pages of 三资 (reports); included by assets/urls.py under the namespace assets."""

from django.urls import URLPattern, URLResolver, path

from . import views_reports as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.report, name="report"),
    path("reports/monthly/", views.monthly, name="report_monthly"),
    path("reports/<str:code>/<int:year>/publish/", views.publish_year, name="report_publish_year"),
]
