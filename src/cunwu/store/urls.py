"""Pages of the store under /store/ (namespace ``store``)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "store"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("goods/new/", views.goods_create, name="goods_create"),
    path("goods/<int:pk>/", views.goods_detail, name="goods_detail"),
    path("goods/<int:pk>/edit/", views.goods_edit, name="goods_edit"),
    path("goods/<int:pk>/receive/", views.goods_receive, name="goods_receive"),
    path("goods/<int:pk>/write-off/", views.goods_write_off, name="goods_write_off"),
    path("movements/", views.movement_list, name="movement_list"),
    path("counter/", views.counter, name="counter"),
    path("counter/<int:pk>/confirm/", views.counter_confirm, name="counter_confirm"),
    path("counter/<int:pk>/redeem/", views.counter_redeem, name="counter_redeem"),
    path("redemptions/", views.redemption_list, name="redemption_list"),
    path("redemptions/<int:pk>/", views.receipt, name="receipt"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("stocktake/<str:code>/", views.stocktake, name="stocktake"),
    path("report/<str:code>/", views.report, name="report"),
    path("report/<str:code>/publish/", views.report_publish, name="report_publish"),
    path("labels/<str:code>/", views.labels, name="labels"),
    path("prices/<str:code>/", views.public_prices, name="prices"),
]
