from django.contrib import admin
from django.urls import include, path

from cunwu.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("cunwu.accounts.urls")),
    path("registry/", include("cunwu.registry.urls")),
    path("disclosure/", include("cunwu.disclosure.urls")),
    path("points/", include("cunwu.points.urls")),
    path("public/monitoring/", include("cunwu.monitoring.urls_public")),
    path("public/", include("cunwu.disclosure.urls_public")),
    path("store/", include("cunwu.store.urls")),
    path("assets/", include("cunwu.assets.urls")),
    path("monitoring/", include("cunwu.monitoring.urls")),
    path("village/", include("cunwu.village.urls")),
    path("", include("cunwu.web.urls")),
]

handler400 = "cunwu.web.views.error_400"
handler403 = "cunwu.web.views.error_403"
handler404 = "cunwu.web.views.error_404"
handler500 = "cunwu.web.views.error_500"
