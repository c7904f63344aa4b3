"""Pages of 防返贫监测 (part: measures)."""

from django.urls import URLPattern, URLResolver, path

from . import views_measures as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/gaps/", views.measure_gaps, name="measure_gaps"),
    path("measures/<int:pk>/end/", views.measure_end, name="measure_end"),
    path("measures/<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path(
        "monitored/<int:monitored_pk>/measures/",
        views.measure_list_household,
        name="measure_list_household",
    ),
    path("monitored/<int:monitored_pk>/measures/new/", views.measure_create, name="measure_create"),
]
