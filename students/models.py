from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
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


class Cohort(models.Model):
    """One round of the programme, e.g. "Internship spring 2023"."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    internship_courses = models.CharField(
        _("internship courses"),
        max_length=200,
        blank=True,
        help_text=_("Course codes separated by commas, for example INP3001, INP3002."),
    )
    agreement_deadline_days = models.PositiveSmallIntegerField(
        _("agreement deadline (days before start)"),
        default=14,
        help_text=_("Clarifying expectations and roles before the start is important."),
    )
    checkin_cadence_days = models.PositiveSmallIntegerField(_("days between check-ins"), default=14)
    # The onboarding checklist template; its items are defined with the onboarding feature.
    onboarding_template = models.JSONField(_("onboarding checklist template"), default=list, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="students_cohort_ends_after_start",
                violation_error_message=_("A cohort must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_cadence_days__gte=1),
                name="students_cohort_cadence_positive",
                violation_error_message=_("Check-ins must be at least one day apart."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def course_codes(self) -> list[str]:
        return [code.strip() for code in self.internship_courses.split(",") if code.strip()]


class PlacementState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    AGREEMENT = "agreement", _("Agreement under way")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")


class PlacementQuerySet(models.QuerySet):
    def with_organisation_returning(self) -> models.QuerySet:
        """Annotate ``organisation_is_returning``: the organisation hosted in a cohort before this one."""
        earlier = Placement.objects.filter(
            organisation=models.OuterRef("organisation"), cohort__starts_on__lt=models.OuterRef("cohort__starts_on")
        ).exclude(state=PlacementState.CANCELLED)
        return self.annotate(organisation_is_returning=models.Exists(earlier))


class Placement(models.Model):
    """A student's internship at one organisation in one cohort.

    The state moves only through the functions in students.services.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="placements", verbose_name=_("cohort"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="placements", verbose_name=_("student"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="placements", verbose_name=_("organisation")
    )
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="supervised_placements", verbose_name=_("supervisors")
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    work_days = models.JSONField(
        _("work days"), default=list, blank=True, help_text=_("The weekdays the student is at the organisation.")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=PlacementState.choices, default=PlacementState.PLANNED, editable=False
    )
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True, editable=False)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "student__user__full_name"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="students_placement_ends_after_start",
                violation_error_message=_("A placement must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["cohort", "student"],
                condition=~models.Q(state="cancelled"),
                name="students_placement_one_live_per_student_and_cohort",
                violation_error_message=_(
                    "This student already has a placement in this cohort. Cancel it before placing them again."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.organisation} ({self.cohort})"

    def get_absolute_url(self) -> str:
        return reverse("placement_detail", kwargs={"pk": self.pk})

    @property
    def work_day_labels(self) -> list[str]:
        return [Weekday(day).label for day in sorted(self.work_days)]

    def clean(self) -> None:
        super().clean()
        if self.cohort_id and self.starts_on and self.ends_on:
            cohort = self.cohort
            if self.starts_on < cohort.starts_on or self.ends_on > cohort.ends_on:
                raise ValidationError(
                    _("The placement's dates must lie within the cohort's (%(start)s – %(end)s)."),
                    code="outside_cohort",
                    params={"start": cohort.starts_on, "end": cohort.ends_on},
                )
        valid_days = set(Weekday.values)
        if not isinstance(self.work_days, list) or not set(self.work_days) <= valid_days:
            raise ValidationError({"work_days": _("Choose work days from Monday to Friday.")}, code="work_days")


class ImportKind(models.TextChoices):
    ORGANISATIONS = "organisations", _("Organisations")
    SUPERVISORS = "supervisors", _("Supervisors")
    STUDENTS = "students", _("Students")
    PLACEMENTS = "placements", _("Placements")


class ImportBatch(models.Model):
    """An uploaded CSV file that passed validation, waiting for the coordinator to confirm it.

    Files with errors are never stored: the coordinator fixes them and uploads again.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.TextField(_("content"))
    invite = models.BooleanField(_("invite new people"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"
