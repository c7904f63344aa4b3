from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "registry"
urlpatterns: list[URLPattern | URLResolver] = [
    path("mine/", views.own_household, name="own_household"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_update, name="household_update"),
    path("households/<int:pk>/head/", views.head_change, name="head_change"),
    path("households/<int:pk>/split/", views.household_split, name="household_split"),
    path("households/<int:pk>/merge/", views.household_merge, name="household_merge"),
    path("households/<int:pk>/income/", views.income_set, name="income_set"),
    path("households/<int:pk>/persons/new/", views.person_add, name="person_add"),
    path("persons/<int:pk>/edit/", views.person_update, name="person_update"),
    path("persons/<int:pk>/leave/", views.person_leave, name="person_leave"),
    path("persons/<int:pk>/transfer/", views.person_transfer, name="person_transfer"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("groups/options/", views.group_options, name="group_options"),
    # import and export pages share the namespace (names import_*, export_*)
    path("", include("cunwu.registry.urls_io")),
]
