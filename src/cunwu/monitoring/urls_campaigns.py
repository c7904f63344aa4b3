"""Pages of 防返贫监测 (part: campaigns)."""

from django.urls import URLPattern, URLResolver, path

from . import views_campaigns as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path(
        "campaigns/<int:pk>/assignments/new/",
        views.assignment_create,
        name="campaign_assignment_create",
    ),
    path("campaigns/<int:pk>/visits/", views.visit_list, name="campaign_visits"),
    path("campaigns/<int:pk>/mine/", views.my_households, name="campaign_mine"),
    path(
        "campaigns/<int:pk>/households/<int:household_pk>/visit/",
        views.visit_create,
        name="visit_create",
    ),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
]
