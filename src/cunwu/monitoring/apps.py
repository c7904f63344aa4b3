from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "cunwu.monitoring"
    verbose_name = "防返贫监测"

    def ready(self) -> None:
        from cunwu.disclosure.signals import notice_closed

        from .services.cases import on_notice_closed

        notice_closed.connect(on_notice_closed, dispatch_uid="monitoring.notice_closed")
