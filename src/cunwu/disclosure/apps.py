from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "cunwu.disclosure"
    verbose_name = "三务公开"
