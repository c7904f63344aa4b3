"""Pages of the workshops part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_workshops as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("workshops/", v.workshop_list, name="workshop_list"),
    path("workshops/new/", v.workshop_create, name="workshop_create"),
    path("workshops/stats/", v.workshop_stats, name="workshop_stats"),
    path("workshops/sheets/", v.workshop_sheet_list, name="workshop_sheet_list"),
    path("workshops/sheets/new/", v.workshop_sheet_create, name="workshop_sheet_create"),
    path("workshops/<int:pk>/", v.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/edit/", v.workshop_edit, name="workshop_edit"),
    path("workshops/<int:pk>/steps/<str:kind>/", v.workshop_step, name="workshop_step"),
    path("workshops/<int:pk>/files/new/", v.workshop_file_add, name="workshop_file_add"),
    path("workshops/<int:pk>/files/<int:file_pk>/", v.workshop_file, name="workshop_file"),
    path(
        "workshops/<int:pk>/employments/new/",
        v.workshop_employment_add,
        name="workshop_employment_add",
    ),
    path(
        "workshops/employments/<int:pk>/end/",
        v.workshop_employment_end,
        name="workshop_employment_end",
    ),
    path("workshops/<int:pk>/reports/new/", v.workshop_report_add, name="workshop_report_add"),
    path("workshops/<int:pk>/assess/<int:sheet_pk>/", v.workshop_assess, name="workshop_assess"),
]
