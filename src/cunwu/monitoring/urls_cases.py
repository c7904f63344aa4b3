"""Pages of 防返贫监测 (part: cases): identification and risk-elimination cases."""

from django.urls import URLPattern, URLResolver, path

from . import views_cases as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/overdue/", views.case_overdue, name="case_overdue"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/step/", views.case_step, name="case_step"),
    path("cases/<int:pk>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("cases/<int:pk>/files/", views.case_files, name="case_files"),
    path("cases/<int:pk>/files/<int:file_pk>/", views.case_file, name="case_file"),
]
