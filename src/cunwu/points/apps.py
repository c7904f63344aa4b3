from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "cunwu.points"
    verbose_name = "积分制"

    def ready(self) -> None:
        from cunwu.disclosure.signals import notice_closed

        from .services import on_notice_closed

        # a rulebook version takes effect, and a batch of events posts, when its period passes
        notice_closed.connect(on_notice_closed, dispatch_uid="points.notice_closed")
