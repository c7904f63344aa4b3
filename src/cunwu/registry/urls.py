from django.urls import URLPattern, URLResolver, include, path

app_name = "registry"
urlpatterns: list[URLPattern | URLResolver] = [
    # import and export pages share the namespace (names import_*, export_*)
    path("", include("cunwu.registry.urls_io")),
]
