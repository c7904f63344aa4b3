"""Pages of the training part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_training as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("training/", v.training_list, name="training_list"),
    path("training/new/", v.training_create, name="training_create"),
    path("training/labour/", v.labour_counts, name="labour_counts"),
    path("training/<int:pk>/", v.training_detail, name="training_detail"),
    path("training/<int:pk>/attendees/", v.training_attendee_add, name="training_attendee_add"),
]
