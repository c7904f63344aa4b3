from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "cunwu.store"
    verbose_name = "爱心超市"
