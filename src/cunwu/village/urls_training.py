"""Pages of the training part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_training as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("training/", v.training_list, name="training_list"),
    path("training/new/", v.training_create, name="training_create"),
    path("training/labour/", v.labour_counts, name="labour_counts"),
    path("training/labour/new/", v.labour_export_create, name="labour_export_create"),
    path("training/<int:pk>/", v.training_detail, name="training_detail"),
    path("training/<int:pk>/attendees/", v.training_attendee_add, name="training_attendee_add"),
    path("training/<int:pk>/attendance/", v.training_attendance, name="training_attendance"),
    path("training/<int:pk>/export/", v.training_export, name="training_export"),
    path(
        "training/attendees/<int:pk>/certificate/",
        v.training_certificate_add,
        name="training_certificate_add",
    ),
    path(
        "training/attendees/<int:pk>/outcome/",
        v.training_outcome_set,
        name="training_outcome_set",
    ),
]
