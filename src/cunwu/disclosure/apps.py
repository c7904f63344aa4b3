from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "cunwu.disclosure"
    verbose_name = "三务公开"

    def ready(self) -> None:
        from .services_lists import on_notice_closed
        from .signals import notice_closed

        # 四议两公开: the end of a decision's disclosure moves the decision on or back
        notice_closed.connect(on_notice_closed, dispatch_uid="disclosure.decision_notice_closed")
