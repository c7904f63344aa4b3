from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cunwu.web"
    verbose_name = "网页"

    def ready(self) -> None:
        from . import security  # noqa: F401 (connects the session-start receiver)
