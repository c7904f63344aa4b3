from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cunwu.api"
    verbose_name = "接口"
