from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "cunwu.assets"
    verbose_name = "三资管理"
