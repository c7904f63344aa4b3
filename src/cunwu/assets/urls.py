"""Pages of 三资 under /assets/ (namespace ``assets``): the registers and the yearly inventory,
the fund journal with its month-end close and statements, the contracts with their receivables,
reminders and checks. Each part keeps its patterns in its own module."""

from django.urls import URLPattern, URLResolver

from . import urls_contracts, urls_journal, urls_registers, urls_reports

app_name = "assets"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_registers.urlpatterns,
    *urls_journal.urlpatterns,
    *urls_contracts.urlpatterns,
    *urls_reports.urlpatterns,
]
