from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cunwu.accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from . import security  # noqa: F401 (connects the log-in audit receivers)
