import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from innopraksis.audit import AuditedQuerySet, audit_trail
from innopraksis.fields import BoundedTextField

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
    chaser_days = models.PositiveSmallIntegerField(
        _("second reminder (days after the due date)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "A reminder goes out as a due date comes near, a second after this many days if the thing is still "
            "not done, and a last one after the number below."
        ),
    )
    last_chaser_days = models.PositiveSmallIntegerField(
        _("last reminder (days after the due date)"),
        default=7,
        validators=[MinValueValidator(2), MaxValueValidator(90)],
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

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
            models.CheckConstraint(
                condition=models.Q(chaser_days__gte=1, last_chaser_days__gt=models.F("chaser_days")),
                name="students_cohort_chasers_in_order",
                violation_error_message=_("The last reminder must come after the second reminder."),
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


# The states in which a placement has check-ins and evaluations scheduled from its dates (feedback.schedule):
# its dates change only through the service that moves them too.
SCHEDULED_STATES = (PlacementState.ACTIVE, PlacementState.COMPLETED)


class WaitsFor(models.TextChoices):
    """Whom something open waits for: one party or both."""

    STUDENT = "student", _("The student")
    ORGANISATION = "organisation", _("The organisation")
    BOTH = "both", _("Both")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")


def validate_weekdays(value) -> None:
    """A list of weekdays from Monday (1) to Friday (5): work days, or the days a student can be there."""
    if not isinstance(value, list) or not set(value) <= set(Weekday.values):
        raise ValidationError(_("Choose days from Monday to Friday."), code="weekdays")


def weekday_labels(days) -> list[str]:
    return [str(Weekday(day).label) for day in sorted(days or [])]


class DaysBefore(models.Func):
    """The date ``days`` (an integer expression) before ``date``: PostgreSQL subtracts an integer from a date,
    SQLite counts back with ``date()``."""

    output_field = models.DateField()

    def __init__(self, date, days, **extra):
        super().__init__(date, days, **extra)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '-' || ", **extra
        )


def hosted_before(organisation, starts_on) -> models.Exists:
    """Whether an organisation is *returning* in a cohort that starts on ``starts_on``: it hosted a placement,
    not cancelled, in a cohort that started earlier. Derived from placements, never typed in; ``organisation``
    and ``starts_on`` are values or outer references."""
    earlier = Placement.objects.filter(organisation=organisation, cohort__starts_on__lt=starts_on)
    return models.Exists(earlier.exclude(state=PlacementState.CANCELLED))


def organisations_returning_in(organisations: models.QuerySet, cohort: Cohort) -> models.QuerySet:
    """Organisations annotated with ``is_returning`` in ``cohort``."""
    return organisations.annotate(is_returning=hosted_before(models.OuterRef("pk"), cohort.starts_on))


class PlacementQuerySet(AuditedQuerySet):
    def with_organisation_returning(self) -> models.QuerySet:
        """Annotate ``organisation_is_returning``: whether the organisation returns in the placement's cohort."""
        return self.annotate(
            organisation_is_returning=hosted_before(
                models.OuterRef("organisation"), models.OuterRef("cohort__starts_on")
            )
        )

    def for_page(self, today: datetime.date) -> models.QuerySet:
        """What a placement's own pages show of it on ``today``: its people, agreement, status and question
        time, whether its organisation returns, and whether its agreement or onboarding is overdue."""
        return (
            self.select_related("cohort", "organisation", "student__user", "agreement", "status", "office_hour")
            .with_organisation_returning()
            .with_agreement_overdue(today)
            .with_onboarding_overdue(today)
        )

    def with_agreement_due(self) -> models.QuerySet:
        """Annotate ``agreement_due``: the day the expectation agreement is due (as ``agreement_due_on``)."""
        return self.annotate(agreement_due=DaysBefore("starts_on", "cohort__agreement_deadline_days"))

    def with_agreement_overdue(self, today: datetime.date) -> models.QuerySet:
        """Annotate ``agreement_due`` and ``agreement_overdue`` (the rule: ``agreement_overdue``)."""
        return self.with_agreement_due().annotate(agreement_overdue=_true_when(agreement_overdue(today)))

    def with_onboarding_overdue(self, today: datetime.date) -> models.QuerySet:
        """Annotate ``onboarding_overdue``: an item of the checklist is overdue, read from the placement's status."""
        return self.annotate(
            onboarding_overdue=_true_when(item_overdue(today, due_on="status__open_item_due", undone=models.Q()))
        )


def _true_when(condition: models.Q) -> models.Case:
    return models.Case(models.When(condition, then=True), default=False, output_field=models.BooleanField())


def agreement_overdue(today: datetime.date) -> models.Q:
    """The rule of an overdue agreement, on a query annotated ``with_agreement_due``: the placement has not
    started and its agreement is past its due date without being approved (or is not opened yet)."""
    return models.Q(state__in=(PlacementState.PLANNED, PlacementState.AGREEMENT), agreement_due__lt=today) & (
        models.Q(agreement__isnull=True) | ~models.Q(agreement__state=AgreementState.APPROVED)
    )


class Placement(models.Model):
    """A student's internship at one organisation in one cohort.

    The state moves only through the lifecycle's functions (students.placements, feedback.lifecycle).
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
        _("work days"),
        default=list,
        blank=True,
        validators=[validate_weekdays],
        help_text=_("The weekdays the student is at the organisation."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=PlacementState.choices, default=PlacementState.PLANNED, editable=False
    )
    state_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True, editable=False)

    objects = PlacementQuerySet.as_manager()
    history = audit_trail()

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
    def is_cancelled(self) -> bool:
        """A cancelled placement is kept as it was: nothing more is filled in, ticked, answered or changed."""
        return self.state == PlacementState.CANCELLED

    @property
    def work_day_labels(self) -> list[str]:
        return weekday_labels(self.work_days)

    @property
    def agreement_due_on(self) -> datetime.date:
        """The cohort's number of days before the start; needs ``cohort`` loaded."""
        return self.starts_on - datetime.timedelta(days=self.cohort.agreement_deadline_days)

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            # The constraint above guards the table; saying it here words it for the end date, without a query
            # (and the constraint's own check then leaves the end date alone).
            raise ValidationError({"ends_on": _("A placement must end after it starts.")}, code="ends_before_start")
        if self.cohort_id and self.starts_on and self.ends_on:
            cohort = self.cohort
            if self.starts_on < cohort.starts_on or self.ends_on > cohort.ends_on:
                raise ValidationError(
                    _("The placement's dates must lie within the cohort's (%(start)s – %(end)s)."),
                    code="outside_cohort",
                    params={"start": cohort.starts_on, "end": cohort.ends_on},
                )


class ImportKind(models.TextChoices):
    ORGANISATIONS = "organisations", _("Organisations")
    SUPERVISORS = "supervisors", _("Supervisors")
    STUDENTS = "students", _("Students")
    PLACEMENTS = "placements", _("Placements")


class ImportBatchQuerySet(models.QuerySet):
    """An upload can be confirmed for IMPORT_KEEP_HOURS; after that it is stale, and deleted."""

    def _cutoff(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(hours=settings.IMPORT_KEEP_HOURS)

    def stale(self, now: datetime.datetime) -> models.QuerySet:
        return self.filter(applied_at__isnull=True, created_at__lt=self._cutoff(now))

    def usable(self, now: datetime.datetime) -> models.QuerySet:
        return self.filter(models.Q(applied_at__isnull=False) | models.Q(created_at__gte=self._cutoff(now)))


class ImportBatch(models.Model):
    """An uploaded CSV file that passed validation, waiting for the coordinator to confirm it.

    Files with errors are never stored: the coordinator fixes them and uploads again.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.TextField(_("content"))
    invite = models.BooleanField(_("invite new people"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class Side(models.TextChoices):
    """The two parties who each fill in a part of the expectation agreement."""

    STUDENT = "student", _("The student")
    ORGANISATION = "organisation", _("The organisation")


class AgreementState(models.TextChoices):
    DRAFT = "draft", _("Being filled in")
    RETURNED = "returned", _("Sent back for changes")
    SIGNING = "signing", _("Waiting for signatures")
    SIGNED = "signed", _("Waiting for approval")
    APPROVED = "approved", _("Approved")


class FeedbackFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every other week")
    MONTHLY = "monthly", _("Every month")
    TASK = "task", _("After each task or delivery")


class ExpectationAgreement(models.Model):
    """Forventnings- og rolleavklaring: the student's part, the organisation's part, signatures, approval.

    Change it only through the functions in students.agreements: they
    keep the state, void signatures on change and keep earlier signed versions.
    """

    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("placement")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=AgreementState.choices, default=AgreementState.DRAFT, editable=False
    )

    # The student's part.
    student_wants = BoundedTextField(_("What I want to get out of the internship"), blank=True)
    student_learning_goals = BoundedTextField(_("My learning goals"), blank=True)
    student_strengths = BoundedTextField(_("My strengths"), blank=True)
    student_interests = BoundedTextField(_("My interests"), blank=True)
    student_unsure = BoundedTextField(_("What I am unsure about"), blank=True)
    student_weekdays = models.JSONField(
        _("The weekdays I can be at the organisation"), default=list, blank=True, validators=[validate_weekdays]
    )
    student_days_hours = BoundedTextField(
        _("Hours that suit me, and anything more about the days"), max_length=2000, blank=True
    )
    student_other = BoundedTextField(_("Anything else the organisation should know"), blank=True)

    # The organisation's part.
    org_deliverables = BoundedTextField(_("What we expect the student to deliver"), blank=True)
    org_quality = BoundedTextField(_("The quality we expect"), blank=True)
    org_independence = BoundedTextField(_("How independently we expect the student to work"), blank=True)
    org_role = BoundedTextField(_("The student's role and responsibilities"), blank=True)
    org_tasks = BoundedTextField(_("The tasks the student takes part in"), blank=True)
    org_feedback_how = BoundedTextField(_("How we give feedback"), blank=True)
    org_feedback_frequency = models.CharField(
        _("How often we give feedback"), max_length=20, choices=FeedbackFrequency.choices, blank=True
    )
    contact_name = models.CharField(_("Contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("Contact person's e-mail address"), blank=True)
    contact_phone = models.CharField(
        _("Contact person's phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    question_weekday = models.PositiveSmallIntegerField(
        _("Weekday of the question time"), choices=Weekday.choices, null=True, blank=True
    )
    question_time = models.TimeField(_("Time of the question time"), null=True, blank=True)
    question_minutes = models.PositiveSmallIntegerField(
        _("Length in minutes"), null=True, blank=True, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    question_place = models.CharField(_("Place or video link"), max_length=300, blank=True)

    student_completed_at = models.DateTimeField(_("student's part completed"), null=True, blank=True)
    org_completed_at = models.DateTimeField(_("organisation's part completed"), null=True, blank=True)
    student_updated_at = models.DateTimeField(_("student's part last saved"), null=True, blank=True)
    org_updated_at = models.DateTimeField(_("organisation's part last saved"), null=True, blank=True)
    org_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation's part last saved by"),
    )

    student_signed_at = models.DateTimeField(_("signed by the student"), null=True, blank=True)
    org_signed_at = models.DateTimeField(_("signed for the organisation"), null=True, blank=True)
    org_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed for the organisation by"),
    )
    signed_on_paper_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paper signatures recorded by"),
    )

    returned_to = models.CharField(_("sent back to"), max_length=20, choices=Side.choices, blank=True)
    return_comment = BoundedTextField(_("comment"), blank=True)
    returned_at = models.DateTimeField(_("sent back"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent back by"),
    )
    returned_by_side = models.CharField(
        _("change asked for by"),
        max_length=20,
        choices=Side.choices,
        blank=True,
        help_text=_("The party that asked for the change before signing; empty when a coordinator sent it back."),
    )

    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    objects = AuditedQuerySet.as_manager()
    history = audit_trail()

    class Meta:
        ordering = ["placement_id"]
        verbose_name = _("expectation agreement")
        verbose_name_plural = _("expectation agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question_minutes__isnull=True)
                | models.Q(question_minutes__gte=15, question_minutes__lte=240),
                name="students_agreement_question_minutes_range",
                violation_error_message=_("A question time lasts from 15 to 240 minutes."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Expectation agreement: %(placement)s") % {"placement": self.placement})

    def get_absolute_url(self) -> str:
        return reverse("agreement_detail", kwargs={"pk": self.placement_id})

    def completed_at(self, side: str):
        return self.student_completed_at if side == Side.STUDENT else self.org_completed_at

    @property
    def is_approved(self) -> bool:
        return self.state == AgreementState.APPROVED

    @property
    def is_signed_by_both(self) -> bool:
        return bool(self.student_signed_at and self.org_signed_at)

    @property
    def student_weekday_labels(self) -> list[str]:
        return weekday_labels(self.student_weekdays)

    @property
    def question_day_outside_week(self) -> bool:
        """The question time is set on a weekday the student has not said they can be at the organisation."""
        return bool(
            self.question_weekday and self.student_weekdays and self.question_weekday not in self.student_weekdays
        )


class AgreementVersion(models.Model):
    """A signed agreement as it was when a change voided its signatures; kept for good."""

    agreement = models.ForeignKey(
        ExpectationAgreement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("agreement")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    content = models.JSONField(_("content"))
    student_signed_at = models.DateTimeField(_("signed by the student"), null=True, blank=True)
    org_signed_at = models.DateTimeField(_("signed for the organisation"), null=True, blank=True)
    org_signed_by_name = models.CharField(_("signed for the organisation by"), max_length=150, blank=True)
    signed_on_paper = models.BooleanField(_("signed on paper"), default=False)
    voided_at = models.DateTimeField(_("signatures voided"))
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_fields = models.JSONField(_("changed fields"), default=list)
    reason = models.CharField(_("reason"), max_length=20)

    class Meta:
        ordering = ["agreement_id", "number"]
        verbose_name = _("earlier signed version")
        verbose_name_plural = _("earlier signed versions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="students_agreementversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class AgreementChange(models.Model):
    """One saved step of a part: who changed which answers, with the text before and after."""

    agreement = models.ForeignKey(
        ExpectationAgreement, on_delete=models.CASCADE, related_name="changes", verbose_name=_("agreement")
    )
    side = models.CharField(_("part"), max_length=20, choices=Side.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("agreement change")
        verbose_name_plural = _("agreement changes")

    def __str__(self) -> str:
        return f"{self.agreement} – {self.changed_at:%Y-%m-%d %H:%M}"


class Practice(models.TextChoices):
    """The host organisations' six onboarding practices from the experience write-up."""

    CLARIFY = "clarify", _("Clarify what the student wants to get out of the internship")
    RANGE = "range", _("Let the student take part in the whole range of tasks")
    ADAPTED = "adapted", _("Adapt the tasks to who the student is")
    SAFE_TO_ASK = "safe_to_ask", _("Make the student feel safe to ask why")
    WORKLOAD = "workload", _("Align along the way and adjust the workload")
    QUESTION_TIME = "question_time", _("Set aside a fixed question time")


PRACTICE_EXPLANATIONS = {
    Practice.CLARIFY: _(
        "Talk with the student about what they want to get out of the internship position, "
        "using their part of the expectation agreement."
    ),
    Practice.RANGE: _("The students must take part in the whole range of the organisation's tasks."),
    Practice.ADAPTED: _("The tasks must be adapted to who the students are."),
    Practice.SAFE_TO_ASK: _(
        "Make the students feel safe enough to dare to ask why the organisation does things the way it does."
    ),
    Practice.WORKLOAD: _("Align with the students along the way, to adjust the workload."),
    Practice.QUESTION_TIME: _(
        "It can be good to set aside a fixed time in the calendar when the student knows "
        "they can come and ask questions."
    ),
}


class ItemOwner(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    STUDENT = "student", _("Student")
    BOTH = "both", _("Both")


# Which party (Side, defined below) does an item of each owner: the one rule for ticking and for to-dos.
OWNER_SIDES = {
    ItemOwner.STUDENT: {"student"},
    ItemOwner.SUPERVISOR: {"organisation"},
    ItemOwner.BOTH: {"student", "organisation"},
}


class ChecklistText(models.Model):
    """Title and explanation of a checklist item: a default practice's own words unless written over."""

    practice = models.CharField(_("practice"), max_length=20, choices=Practice.choices, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    explanation = BoundedTextField(_("explanation"), max_length=2000, blank=True)
    owner = models.CharField(_("who does it"), max_length=20, choices=ItemOwner.choices, default=ItemOwner.SUPERVISOR)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_title

    @property
    def default_title(self) -> str:
        """A default practice's own title, in the reader's language; empty for an item of one's own."""
        return str(Practice(self.practice).label) if self.practice else ""

    @property
    def default_explanation(self) -> str:
        return str(PRACTICE_EXPLANATIONS[self.practice]) if self.practice else ""

    @property
    def display_title(self) -> str:
        """The title in the reader's language for a default practice that nobody has renamed."""
        return self.title or self.default_title

    @property
    def display_explanation(self) -> str:
        return self.explanation or self.default_explanation

    def clean(self) -> None:
        super().clean()
        if not self.title.strip() and not self.practice:
            raise ValidationError({"title": _("Give the item a title.")}, code="title")


class OnboardingTemplateItem(ChecklistText):
    """One item of a cohort's onboarding checklist template."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="onboarding_template", verbose_name=_("cohort")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    due_days = models.SmallIntegerField(
        _("due (days from the start)"),
        default=0,
        validators=[MinValueValidator(-60), MaxValueValidator(365)],
        help_text=_("0 is the first day; 7 a week in; a negative number is before the start."),
    )

    class Meta:
        ordering = ["cohort_id", "position", "pk"]
        verbose_name = _("onboarding template item")
        verbose_name_plural = _("onboarding template items")


NOT_DONE = models.Q(done_at__isnull=True)


def item_overdue(today: datetime.date, *, due_on: str = "due_on", undone: models.Q = NOT_DONE) -> models.Q:
    """The rule of an overdue onboarding item: not done, and its due date has passed. ``due_on`` and
    ``undone`` name an item's own columns by default; a placement's status applies the same rule to its
    earliest item not done."""
    return undone & models.Q(**{f"{due_on}__lt": today})


class OnboardingItemQuerySet(models.QuerySet):
    def with_overdue(self, today: datetime.date) -> models.QuerySet:
        """Annotate ``is_overdue`` on ``today``."""
        return self.annotate(is_overdue=_true_when(item_overdue(today)))


class OnboardingItem(ChecklistText):
    """One item of a placement's onboarding checklist."""

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="onboarding_items", verbose_name=_("placement")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    note = BoundedTextField(_("note"), max_length=2000, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
        help_text=_("Empty for items from the cohort's template."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # The form's one-time key: a second submit of the same form finds this row instead of adding another.
    submission_key = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)

    objects = OnboardingItemQuerySet.as_manager()

    class Meta:
        ordering = ["placement_id", "due_on", "position", "pk"]
        verbose_name = _("onboarding item")
        verbose_name_plural = _("onboarding items")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class OfficeHour(models.Model):
    """The placement's weekly fixed question time (fast spørretid), from the agreement on."""

    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, related_name="office_hour", verbose_name=_("placement")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("time"))
    minutes = models.PositiveSmallIntegerField(
        _("length in minutes"), validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    place = models.CharField(_("place or video link"), max_length=300)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["placement_id"]
        verbose_name = _("question time")
        verbose_name_plural = _("question times")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=15, minutes__lte=240),
                name="students_officehour_minutes_range",
                violation_error_message=_("A question time lasts from 15 to 240 minutes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}"

    @property
    def ends_at(self) -> datetime.time:
        start = datetime.datetime.combine(datetime.date(2000, 1, 3), self.starts_at)
        return (start + datetime.timedelta(minutes=self.minutes)).time()


class PlacementStatusQuerySet(models.QuerySet):
    def write(self, facts: dict[int, dict], fields: tuple[str, ...]) -> None:
        """Store ``fields`` of each placement's facts (placement id → column values), adding the rows that do
        not exist yet (one upsert, whatever other columns hold), and clear the cached figures of their
        cohorts, which are computed from them."""
        if not facts:
            return
        rows = [
            PlacementStatus(placement_id=pk, **{name: values[name] for name in fields}) for pk, values in facts.items()
        ]
        self.bulk_create(rows, update_conflicts=True, unique_fields=["placement"], update_fields=list(fields))
        CachedFigures.objects.clear(Placement.objects.filter(pk__in=list(facts)))


class PlacementStatus(models.Model):
    """The facts that lists of placements show, filter and sort by, one column per fact, so that thousands of
    placements are read without a subquery per row.

    Each column is written, in the same transaction, by the services that change what it is computed from:
    the onboarding columns by ``students.onboarding``, the check-in and follow-up columns by
    ``feedback.status``; ``feedback.status.status_recompute`` computes every column from the source rows.
    A placement without a row has no such facts yet.
    """

    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, primary_key=True, related_name="status", verbose_name=_("placement")
    )
    # The student's side of the latest check-in they answered, and whether the supervisor answered it too.
    latest_answer_due = models.DateField(_("latest check-in answered by the student"), null=True, blank=True)
    latest_workload = models.PositiveSmallIntegerField(_("latest workload"), null=True, blank=True)
    latest_resource = models.PositiveSmallIntegerField(_("latest resource"), null=True, blank=True)
    latest_answer_complete = models.BooleanField(_("both sides answered that check-in"), default=False)
    # The supervisor's answers on delivery in the latest two check-ins they answered.
    delivery_last = models.CharField(_("latest delivery"), max_length=10, blank=True)
    delivery_before = models.CharField(_("delivery before that"), max_length=10, blank=True)
    # Check-ins a side has neither answered nor closed as missed by answering a later one.
    open_checkins = models.PositiveSmallIntegerField(_("open check-ins"), default=0)
    open_checkin_due = models.DateField(_("earliest open check-in"), null=True, blank=True)
    open_checkin_waits_for = models.CharField(
        _("whom the earliest open check-in waits for"), max_length=20, choices=WaitsFor.choices, blank=True
    )
    last_followup = models.DateField(_("latest follow-up"), null=True, blank=True)
    last_supervisor_activity = models.DateField(
        _("latest follow-up or check-in answer from the supervisor"), null=True, blank=True
    )
    onboarding_done = models.PositiveSmallIntegerField(_("onboarding items done"), default=0)
    onboarding_total = models.PositiveSmallIntegerField(_("onboarding items"), default=0)
    open_item_due = models.DateField(_("earliest onboarding item not done"), null=True, blank=True)

    objects = PlacementStatusQuerySet.as_manager()

    # The columns each writer keeps.
    ONBOARDING_FIELDS = ("onboarding_done", "onboarding_total", "open_item_due")
    CHECKIN_FIELDS = (
        "latest_answer_due",
        "latest_workload",
        "latest_resource",
        "latest_answer_complete",
        "delivery_last",
        "delivery_before",
        "open_checkins",
        "open_checkin_due",
        "open_checkin_waits_for",
        "last_followup",
        "last_supervisor_activity",
    )

    class Meta:
        ordering = ["placement_id"]
        verbose_name = _("placement status")
        verbose_name_plural = _("placement statuses")

    def __str__(self) -> str:
        return str(self.placement_id)


class CachedFiguresQuerySet(models.QuerySet):
    def clear(self, placements: models.QuerySet | None = None, *, cohorts: Iterable[int | None] = ()) -> None:
        """Forget the cached figures of these cohorts, or of the cohorts of these placements: one query. The
        version moves on, so that a computation that began before cannot store figures over it."""
        rows = self.none()
        if placements is not None:
            rows = self.filter(cohort__in=placements.values("cohort_id"))
        ids = {pk for pk in cohorts if pk is not None}
        if ids:
            rows = rows | self.filter(cohort__in=ids)
        rows.update(version=models.F("version") + 1, figures=None)


class CachedFigures(models.Model):
    """A cohort's dashboard figures and chart data as computed on a day (``feedback.dashboard.summary``).

    Computing them reads every placement and check-in of the cohort, on every dashboard page, while they
    change far less often than coordinators look. Every service that changes what they are computed from
    clears them (``CachedFigures.objects.clear``), in its own transaction; the row lives in the database, so
    every app server sees it cleared. The version guards against storing figures computed from data that
    changed meanwhile: they are stored only if the version is still the one read before computing them.
    """

    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, primary_key=True, related_name="cached_figures", verbose_name=_("cohort")
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    computed_on = models.DateField(_("computed on"), null=True, blank=True)
    figures = models.JSONField(_("figures"), null=True, blank=True)

    objects = CachedFiguresQuerySet.as_manager()

    class Meta:
        ordering = ["cohort_id"]
        verbose_name = _("cached dashboard figures")
        verbose_name_plural = _("cached dashboard figures")

    def __str__(self) -> str:
        return str(self.cohort_id)


# The matching round: from the career day to the placements (students.rounds holds its services, and
# students.matching the match itself).


class RoundPhase(models.TextChoices):
    NOT_OPEN = "not_open", _("Not open yet")
    STUDENTS = "students", _("Students are ranking")
    ORGANISATIONS = "organisations", _("Organisations are ranking")
    READY = "ready", _("Ready to run and publish")
    PUBLISHED = "published", _("Published")


def cohort_may_get_round(cohort: Cohort, today: datetime.date) -> bool:
    """A matching round is for a cohort that has not started: its students are still to be placed."""
    return cohort.starts_on > today


class MatchingRound(models.Model):
    """Where students and organisations state their wishes for a cohort, and the coordinators match them.

    Students rank from ``opens_on`` until ``students_until``; after that the organisations see who ranked them
    and rank those students until ``organisations_until``. Publishing a run of the match creates the placements,
    and the round is read-only from then on.
    """

    cohort = models.OneToOneField(
        Cohort, on_delete=models.PROTECT, related_name="matching_round", verbose_name=_("cohort")
    )
    opens_on = models.DateField(_("open from"), help_text=_("The first day students can rank the organisations."))
    students_until = models.DateField(
        _("students rank until"), help_text=_("The last day students can rank or change their ranking.")
    )
    organisations_until = models.DateField(
        _("organisations rank until"),
        help_text=_("The last day organisations can rank the students who chose them. Run the match after it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    published_run = models.OneToOneField(
        "MatchRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("published run"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-cohort__starts_on"]
        verbose_name = _("matching round")
        verbose_name_plural = _("matching rounds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(students_until__gte=models.F("opens_on")),
                name="students_round_students_after_opening",
                violation_error_message=_("Students must have at least the opening day to rank."),
            ),
            models.CheckConstraint(
                condition=models.Q(organisations_until__gt=models.F("students_until")),
                name="students_round_organisations_after_students",
                violation_error_message=_(
                    "Organisations rank after the students' last day, so their last day must come later."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.cohort)

    def get_absolute_url(self) -> str:
        return reverse("round_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        if self.students_until and self.opens_on and self.students_until < self.opens_on:
            raise ValidationError(
                {"students_until": _("Students must have at least the opening day to rank.")}, code="students_until"
            )
        if self.cohort_id and self.organisations_until and self.organisations_until >= self.cohort.starts_on:
            raise ValidationError(
                {
                    "organisations_until": _("The round must end before the cohort starts (%(date)s).")
                    % {"date": formats.date_format(self.cohort.starts_on)}
                },
                code="after_start",
            )
        if self.organisations_until and self.students_until and self.organisations_until <= self.students_until:
            raise ValidationError(
                {
                    "organisations_until": _(
                        "Organisations rank after the students' last day, so their last day must come later."
                    )
                },
                code="organisations_until",
            )

    # The round's phases, written once: pages, forms and services ask these.

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def phase(self, today: datetime.date) -> RoundPhase:
        if self.is_published:
            return RoundPhase.PUBLISHED
        if today < self.opens_on:
            return RoundPhase.NOT_OPEN
        if today <= self.students_until:
            return RoundPhase.STUDENTS
        if today <= self.organisations_until:
            return RoundPhase.ORGANISATIONS
        return RoundPhase.READY

    def students_may_rank(self, today: datetime.date) -> bool:
        return self.phase(today) == RoundPhase.STUDENTS

    def applicants_shown(self, today: datetime.date) -> bool:
        """Organisations see who ranked them only once the students can no longer change their rankings."""
        return today > self.students_until

    def organisations_may_rank(self, today: datetime.date) -> bool:
        return self.phase(today) == RoundPhase.ORGANISATIONS

    def may_publish(self, today: datetime.date) -> bool:
        """A run is published once the students' ranking is closed, so that it holds every student's last word;
        publishing while organisations may still rank closes theirs early (the confirmation says so)."""
        return self.phase(today) in (RoundPhase.ORGANISATIONS, RoundPhase.READY)

    def organisations_may_describe(self, today: datetime.date) -> bool:
        """Until their last day, organisations state their places and describe the work; coordinators always
        may, until publication."""
        return not self.is_published and today <= self.organisations_until


class RoundOrganisation(models.Model):
    """An organisation taking part in a matching round: its places and what a student would do there."""

    round = models.ForeignKey(
        MatchingRound, on_delete=models.CASCADE, related_name="participants", verbose_name=_("matching round")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="round_entries", verbose_name=_("organisation")
    )
    capacity = models.PositiveSmallIntegerField(
        _("places"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("How many students you can take in this cohort. Write 0 if you cannot take any this time."),
    )
    tasks = BoundedTextField(
        _("what a student would work on"),
        max_length=2000,
        blank=True,
        help_text=_("The range of tasks a student would take part in, across the organisation."),
    )
    days = models.JSONField(
        _("days"),
        default=list,
        blank=True,
        validators=[validate_weekdays],
        help_text=_("The weekdays a student would be with you."),
    )
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("Where the student would work, for example the office's address."),
    )
    ranked_at = models.DateTimeField(_("ranked the students"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["round", "organisation__name"]
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation"],
                name="students_roundorganisation_once_per_round",
                violation_error_message=_("This organisation already takes part in the round."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def day_labels(self) -> list[str]:
        return weekday_labels(self.days)


class Applicant(models.Model):
    """A student in a matching round, with their ranking of the organisations (``choices``)."""

    round = models.ForeignKey(
        MatchingRound, on_delete=models.CASCADE, related_name="applicants", verbose_name=_("matching round")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="round_entries", verbose_name=_("student")
    )
    saved_at = models.DateTimeField(_("ranking saved"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["round", "student__user__full_name"]
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "student"],
                name="students_applicant_once_per_round",
                violation_error_message=_("This student already takes part in the round."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.student)


class Choice(models.Model):
    """One organisation on a student's ranking: 1 is their first choice."""

    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="choices", verbose_name=_("applicant")
    )
    participant = models.ForeignKey(
        RoundOrganisation, on_delete=models.CASCADE, related_name="choices", verbose_name=_("organisation")
    )
    rank = models.PositiveSmallIntegerField(_("choice"), validators=[MinValueValidator(1)])
    motivation = BoundedTextField(
        _("why this organisation"),
        max_length=1000,
        blank=True,
        help_text=_("A few sentences: what draws you to it. The organisation reads this."),
    )

    class Meta:
        ordering = ["applicant", "rank"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "participant"],
                name="students_choice_organisation_once",
                violation_error_message=_("Each organisation can be on a ranking once."),
            ),
            models.UniqueConstraint(
                fields=["applicant", "rank"],
                name="students_choice_rank_once",
                violation_error_message=_("Two organisations cannot share a place on a ranking."),
            ),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="students_choice_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} – {self.rank}. {self.participant}"


class ApplicantRank(models.Model):
    """An organisation's view of a student who ranked it: its place in the organisation's ranking (1 first), or
    not suitable. A student the organisation neither ranked nor marked comes after those it ranked, by lot."""

    participant = models.ForeignKey(
        RoundOrganisation, on_delete=models.CASCADE, related_name="rankings", verbose_name=_("organisation")
    )
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="+", verbose_name=_("applicant"))
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True, validators=[MinValueValidator(1)])
    not_suitable = models.BooleanField(_("not suitable"), default=False)

    class Meta:
        ordering = ["participant", "rank"]
        verbose_name = _("organisation's ranking of a student")
        verbose_name_plural = _("organisations' rankings of students")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "applicant"],
                name="students_applicantrank_once",
                violation_error_message=_("The organisation has ranked this student already."),
            ),
            models.UniqueConstraint(
                fields=["participant", "rank"],
                condition=models.Q(rank__isnull=False),
                name="students_applicantrank_place_once",
                violation_error_message=_("Each place in the organisation's order can be given once."),
            ),
            models.CheckConstraint(
                condition=models.Q(rank__isnull=True) | models.Q(not_suitable=False),
                name="students_applicantrank_ranked_or_not_suitable",
                violation_error_message=_("A student marked as not suitable cannot be ranked too."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.applicant}"


class PairingKind(models.TextChoices):
    PIN = "pin", _("Placed beforehand")
    FORBID = "forbid", _("Ruled out")


class Pairing(models.Model):
    """A coordinator's decision on a student and an organisation before the match: the student is placed there
    beforehand (an agreed placement, a special need), or may not be placed there."""

    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("student")
    )
    participant = models.ForeignKey(
        RoundOrganisation, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("organisation")
    )
    kind = models.CharField(_("decision"), max_length=10, choices=PairingKind.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    made_at = models.DateTimeField(_("made"), auto_now_add=True)

    class Meta:
        ordering = ["applicant__student__user__full_name", "participant__organisation__name"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "participant"],
                name="students_pairing_once_per_pair",
                violation_error_message=_(
                    "There is a decision on this student and organisation already. Remove it first."
                ),
            ),
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(kind=PairingKind.PIN),
                name="students_pairing_one_pin_per_student",
                violation_error_message=_("This student is placed beforehand already. Remove that first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} – {self.participant} ({self.get_kind_display()})"


class MatchRun(models.Model):
    """One run of the match, kept with everything it was run on, so that it can be explained, compared and run
    again to the same result.

    ``inputs`` holds the preferences, places, rankings, not-suitable marks, pins, ruled-out pairs and seed, by
    student and organisation id; ``placed`` maps each student id to an organisation id or null; ``figures`` sums
    it up (students.rounds writes all three).
    """

    round = models.ForeignKey(
        MatchingRound, on_delete=models.CASCADE, related_name="runs", verbose_name=_("matching round")
    )
    number = models.PositiveIntegerField(_("run"))
    seed = models.BigIntegerField(_("seed"))
    # A round without students is run too (to an empty result): the fields may hold empty mappings.
    inputs = models.JSONField(_("inputs"), blank=True)
    placed = models.JSONField(_("result"), blank=True)
    figures = models.JSONField(_("figures"), blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by"),
    )
    made_at = models.DateTimeField(_("run"), auto_now_add=True)

    class Meta:
        ordering = ["round", "-number"]
        verbose_name = _("run of the match")
        verbose_name_plural = _("runs of the match")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "number"],
                name="students_matchrun_number_once",
                violation_error_message=_("Another run was made at the same moment. Run the match again."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("run_detail", kwargs={"pk": self.round_id, "number": self.number})
