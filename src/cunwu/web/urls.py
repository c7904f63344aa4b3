from django.urls import path

from . import views, views_admin, views_calendar

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # browsers ask for /favicon.ico whatever the page says
    path("favicon.ico", views.favicon),
    path("groups/", views_admin.group_list, name="group_list"),
    path("groups/new/", views_admin.group_create, name="group_create"),
    path("groups/<int:pk>/rename/", views_admin.group_rename, name="group_rename"),
    path("audit/", views_admin.audit_list, name="audit_list"),
    path("audit/verify/", views_admin.audit_verify_page, name="audit_verify_page"),
    path("audit/<int:pk>/", views_admin.audit_detail, name="audit_detail"),
    path("calendar/", views_calendar.calendar_page, name="calendar"),
]
