from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from innopraksis.fields import BoundedTextField
from orgs.validators import normalize_org_number, validate_org_number


class Sector(models.TextChoices):
    PRIVATE = "private", _("Private sector")
    PUBLIC = "public", _("Public sector")
    NONPROFIT = "nonprofit", _("Non-profit")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        unique=True,
        validators=[validate_org_number],
        help_text=_("Nine digits, as in the Brønnøysund Register Centre."),
    )
    address = BoundedTextField(_("address"), max_length=500, blank=True)
    website = models.URLField(_("website"), blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, default=Sector.PRIVATE)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation_detail", kwargs={"pk": self.pk})

    def clean_fields(self, exclude=None) -> None:
        # "974 760 673" as printed on letters, or as on an invoice, is accepted and stored as digits only.
        self.org_number = normalize_org_number(self.org_number)
        super().clean_fields(exclude)


class MembershipRole(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    MAIN_CONTACT = "main_contact", _("Main contact")


class Membership(models.Model):
    """A person who supervises students on behalf of an organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.SUPERVISOR)

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="orgs_membership_unique_person_per_organisation",
                violation_error_message=_("This person is already a member of this organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
