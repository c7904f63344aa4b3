"""Pages of the points system (积分制) under /points/ (namespace ``points``)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "points"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("templates/", views.template_list, name="templates"),
    path("rulebooks/<str:code>/", views.rulebook, name="rulebook"),
    path("rulebooks/<str:code>/new/", views.version_new, name="version_new"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/items/new/", views.item_new, name="item_new"),
    path("versions/<int:pk>/settings/", views.version_settings, name="version_settings"),
    path("versions/<int:pk>/adopt/", views.version_adopt, name="version_adopt"),
    path(
        "versions/<int:pk>/record-adopted/",
        views.version_record_adopted,
        name="version_record_adopted",
    ),
    path("templates/<str:code>/default/", views.template_default, name="template_default"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/review/", views.event_review, name="event_review"),
    path("events/<int:pk>/reverse/", views.event_reverse, name="event_reverse"),
    path("events/<int:pk>/photo/", views.event_photo, name="event_photo"),
    path("review/", views.review_queue, name="review"),
    path("declare/", views.declare, name="declare"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/new/<str:code>/", views.batch_new, name="batch_new"),
    path("balances/", views.balance_list, name="balances"),
    path("rankings/", views.ranking, name="rankings"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/card/", views.household_card, name="card"),
    path("households/<int:pk>/opening/", views.household_opening, name="household_opening"),
    path("opening/", views.opening_pick, name="opening_pick"),
    path("opening/<str:code>/", views.opening_upload, name="opening"),
    path("opening/<str:code>/template/", views.opening_template, name="opening_template"),
    path("opening/<str:code>/errors/", views.opening_errors, name="opening_errors"),
    path("opening/<str:code>/confirm/", views.opening_confirm, name="opening_confirm"),
    path("mine/", views.mine, name="mine"),
]
