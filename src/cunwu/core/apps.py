from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cunwu.core"
    verbose_name = "基础"
