from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InnopraksisConfig(AppConfig):
    name = "innopraksis"
    verbose_name = _("Accounts and access")

    def ready(self):
        from innopraksis import security  # noqa: F401  (connects the sign-in signal receivers)
