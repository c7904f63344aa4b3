"""Pages of the jobs part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_jobs as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("jobs/", v.job_list, name="job_list"),
    path("jobs/new/", v.job_post_create, name="job_post_create"),
    path("jobs/payroll/", v.job_payroll, name="job_payroll"),
    path("jobs/payroll/import/", v.job_attendance_import, name="job_attendance_import"),
    path("jobs/payroll/template/", v.job_attendance_template, name="job_attendance_template"),
    path("jobs/<int:pk>/", v.job_detail, name="job_detail"),
    path("jobs/<int:pk>/start/", v.job_holder_start, name="job_holder_start"),
    path("jobs/<int:pk>/retire/", v.job_post_retire, name="job_post_retire"),
    path("jobs/holders/<int:pk>/end/", v.job_holder_end, name="job_holder_end"),
    path(
        "jobs/holders/<int:pk>/attendance/", v.job_attendance_create, name="job_attendance_create"
    ),
]
