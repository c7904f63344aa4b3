"""Pages of the care part of 乡村治理."""

from django.urls import URLPattern, URLResolver, path

from . import views_care as v

urlpatterns: list[URLPattern | URLResolver] = [
    path("care/", v.care_list, name="care_list"),
    path("care/new/", v.care_create, name="care_create"),
    path("care/suggestions/", v.care_suggestions, name="care_suggestions"),
    path("care/<int:pk>/", v.care_detail, name="care_detail"),
    path("care/<int:pk>/visit/", v.visit_create, name="care_visit_create"),
    path("care/<int:pk>/end/", v.care_end, name="care_end"),
    path("care/<int:pk>/carer/", v.care_carer, name="care_carer"),
]
