from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cunwu.registry"
    verbose_name = "户籍人口"
