"""Pages of 三资 (contracts); included by assets/urls.py under the namespace assets."""

from django.urls import URLPattern, URLResolver, path

from . import views_contracts as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/check/", views.contract_check_run, name="contract_check_run"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/check/", views.contract_check, name="contract_check"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/publish/", views.contract_publish, name="contract_publish"),
    path("contracts/<int:pk>/files/", views.contract_file_add, name="contract_file_add"),
    path("receivables/<int:pk>/pay/", views.payment_create, name="payment_create"),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("receivables/aging/", views.receivable_aging, name="receivable_aging"),
    path("reminders/", views.reminder_list, name="reminder_list"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
]
