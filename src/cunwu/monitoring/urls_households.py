"""Pages of 防返贫监测 (part: monitored households and 脱贫户); the list is the module's home."""

from django.urls import URLPattern, URLResolver, path

from . import views_households as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/cadre/", views.household_cadre, name="household_cadre"),
    path("households/<int:pk>/risks/new/", views.household_risk_add, name="household_risk_add"),
    path("households/<int:pk>/plan/", views.household_plan, name="household_plan"),
    path("risks/<int:pk>/resolve/", views.risk_resolve, name="risk_resolve"),
    path("exits/", views.exit_list, name="exit_list"),
    path("exits/new/", views.exit_set, name="exit_set"),
    path("exits/import/", views.exit_import, name="exit_import"),
]
