from django.apps import AppConfig


class VillageConfig(AppConfig):
    name = "cunwu.village"
    verbose_name = "乡村治理"

    def ready(self) -> None:
        from cunwu.disclosure.signals import notice_closed

        from .services.honours import on_notice_closed as honours_closed

        # a selection's 公示 ends: awarded, or back to appraisal when an objection was upheld
        notice_closed.connect(honours_closed, dispatch_uid="village.honours.notice_closed")
