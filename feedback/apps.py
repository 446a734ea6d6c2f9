from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Follow-up and feedback")

    def ready(self):
        from feedback import status  # noqa: F401  (connects the receivers that keep PlacementStatus current)
