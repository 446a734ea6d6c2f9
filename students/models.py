from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ]{6,18}[0-9]$",
    _("Enter a phone number of digits and spaces, optionally starting with +, for example +47 912 34 567."),
)


class Student(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student", verbose_name=_("person")
    )
    study_programme = models.CharField(_("study programme"), max_length=200, blank=True)
    internship_course = models.CharField(_("internship course"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])

    class Meta:
        ordering = ["user__full_name", "user__email"]
        verbose_name = _("student")
        verbose_name_plural = _("students")

    def __str__(self) -> str:
        return str(self.user)
