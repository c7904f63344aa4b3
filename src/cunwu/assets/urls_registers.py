"""Pages of 三资 (registers); included by assets/urls.py under the namespace assets."""

from django.urls import URLPattern, URLResolver, path

from . import views_registers as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("registers/", views.asset_list, name="asset_list"),
    path("registers/new/", views.asset_create, name="asset_create"),
    path("registers/import/", views.import_pick, name="import_pick"),
    path("registers/import/<str:code>/", views.asset_import, name="asset_import"),
    path("registers/import/<str:code>/template/", views.import_template, name="import_template"),
    path("registers/import/<str:code>/errors/", views.import_errors, name="import_errors"),
    path("registers/import/<str:code>/confirm/", views.import_confirm, name="import_confirm"),
    path("registers/<int:pk>/", views.asset_detail, name="asset_detail"),
    path("registers/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("registers/<int:pk>/files/new/", views.asset_file_add, name="asset_file_add"),
    path("registers/<int:pk>/dispose/", views.asset_dispose, name="asset_dispose"),
    path("registers/files/<int:pk>/", views.asset_file, name="asset_file"),
    path("inventories/", views.campaign_list, name="campaign_list"),
    path("inventories/new/", views.campaign_start, name="campaign_start"),
    path("inventories/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("inventories/<int:pk>/surplus/", views.surplus_add, name="surplus_add"),
    path("inventories/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("inventories/<int:pk>/publish/", views.campaign_publish, name="campaign_publish"),
    path("inventory-lines/<int:pk>/count/", views.line_count, name="line_count"),
    path("inventory-lines/<int:pk>/reconcile/", views.line_reconcile, name="line_reconcile"),
]
