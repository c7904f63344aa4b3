"""Pages of 防返贫监测 under /monitoring/ (namespace ``monitoring``): monitored households and
脱贫户, identification and risk-elimination cases, screening and department data, assistance
measures, survey campaigns, statistics. Each part keeps its patterns in its own module."""

from django.urls import URLPattern, URLResolver

from . import urls_campaigns, urls_cases, urls_households, urls_measures, urls_screening, urls_stats

app_name = "monitoring"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_households.urlpatterns,
    *urls_cases.urlpatterns,
    *urls_screening.urlpatterns,
    *urls_measures.urlpatterns,
    *urls_campaigns.urlpatterns,
    *urls_stats.urlpatterns,
]
