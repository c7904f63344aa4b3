"""惠民资金: staff pages under /disclosure/benefits/, the public query under /public/benefits/."""

from django.urls import URLPattern, path

from . import views_benefit

urlpatterns: list[URLPattern] = [
    path("benefits/", views_benefit.batch_list, name="benefit_list"),
    path("benefits/import/", views_benefit.batch_import, name="benefit_import"),
    path("benefits/import/template.xlsx", views_benefit.import_template, name="benefit_template"),
    path("benefits/import/errors.xlsx", views_benefit.import_errors, name="benefit_import_errors"),
    path("benefits/<int:pk>/", views_benefit.batch_detail, name="benefit_detail"),
    path("benefits/<int:pk>/publish/", views_benefit.batch_publish, name="benefit_publish"),
    path(
        "benefits/payments/<int:pk>/reverse/",
        views_benefit.payment_reverse,
        name="benefit_reverse",
    ),
]

public_urlpatterns: list[URLPattern] = [
    path("", views_benefit.public_query, name="benefit_query"),
]
