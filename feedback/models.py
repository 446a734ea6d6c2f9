"""Aligning along the way: check-ins, supervisors' follow-ups, evaluations, and the reminders sent about them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innopraksis.audit import AuditedQuerySet, audit_trail
from innopraksis.fields import BoundedTextField
from students.models import Placement, Side

SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Workload(models.IntegerChoices):
    FAR_TOO_LITTLE = 1, _("1 – far too little")
    TOO_LITTLE = 2, _("2 – too little")
    RIGHT = 3, _("3 – about right")
    TOO_MUCH = 4, _("4 – too much")
    FAR_TOO_MUCH = 5, _("5 – far too much")


class Scale(models.IntegerChoices):
    ONE = 1, _("1 – not at all")
    TWO = 2, "2"
    THREE = 3, "3"
    FOUR = 4, "4"
    FIVE = 5, _("5 – very much")


class Delivery(models.TextChoices):
    BELOW = "below", _("Below expectations")
    MEETS = "meets", _("Meets expectations")
    ABOVE = "above", _("Above expectations")


class YesPartlyNo(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class YesMaybeNo(models.TextChoices):
    """For a question about what one will do: would you host a student again?"""

    YES = "yes", _("Yes")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("No")


# A check-in can be answered from this long before it is due, an evaluation from this long before.
CHECKIN_OPENS_BEFORE_DUE = datetime.timedelta(days=7)
EVALUATION_OPENS_BEFORE_DUE = datetime.timedelta(days=14)
BOTH_ANSWERED = models.Q(student_answered_at__isnull=False, supervisor_answered_at__isnull=False)
# A side is done with a check-in when it answered it, or answered a later one instead: the earlier one is then
# closed as missed, so that unanswered check-ins do not pile up.
STUDENT_DONE = models.Q(student_answered_at__isnull=False) | models.Q(student_missed_at__isnull=False)
SUPERVISOR_DONE = models.Q(supervisor_answered_at__isnull=False) | models.Q(supervisor_missed_at__isnull=False)
BOTH_DONE = STUDENT_DONE & SUPERVISOR_DONE


# The rules of a check-in's state, each written once as a condition. ``due_on`` and the answered condition
# name a check-in's own columns by default; the flags apply the same rules to a placement's status.
def checkin_opened(today: datetime.date, *, due_on: str = "due_on") -> models.Q:
    """It can be answered: from a week before its due date."""
    return models.Q(**{f"{due_on}__lte": today + CHECKIN_OPENS_BEFORE_DUE})


def checkin_overdue(today: datetime.date, *, due_on: str = "due_on", unanswered: models.Q = ~BOTH_DONE) -> models.Q:
    """It is past its due date, and a side has neither answered it nor a later one."""
    return unanswered & models.Q(**{f"{due_on}__lt": today})


def checkin_revealed(
    today: datetime.date, *, due_on: str = "due_on", both_answered: models.Q = BOTH_ANSWERED
) -> models.Q:
    """Each side sees the other's answers once both have answered or the due date has passed."""
    return both_answered | models.Q(**{f"{due_on}__lt": today})


def _flag(condition: models.Q) -> models.Case:
    return models.Case(models.When(condition, then=True), default=False, output_field=models.BooleanField())


class CheckInQuerySet(AuditedQuerySet):
    def with_state(self, today: datetime.date) -> models.QuerySet:
        """Annotate ``is_opened``, ``is_overdue`` and ``is_revealed`` on ``today``."""
        return self.annotate(
            is_opened=_flag(checkin_opened(today)),
            is_overdue=_flag(checkin_overdue(today)),
            is_revealed=_flag(checkin_revealed(today)),
        )


class CheckIn(models.Model):
    """A check-in (statussjekk): one due date of a placement, with a student side and a supervisor side.

    The student's note to the coordinator is not here but a Message of their private conversation,
    so that nothing that renders a check-in can show it by accident.
    """

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("placement")
    )
    due_on = models.DateField(_("due"))

    student_answered_at = models.DateTimeField(_("student answered"), null=True, blank=True)
    workload = models.PositiveSmallIntegerField(
        _("How is your workload?"), choices=Workload.choices, null=True, blank=True, validators=SCALE
    )
    resource = models.PositiveSmallIntegerField(
        _("How much do you feel like a resource for the organisation?"),
        choices=Scale.choices,
        null=True,
        blank=True,
        validators=SCALE,
    )
    learning = models.PositiveSmallIntegerField(
        _("How much are you learning?"), choices=Scale.choices, null=True, blank=True, validators=SCALE
    )
    safe_to_ask = models.CharField(
        _("Do you feel safe asking why the organisation does things the way it does?"),
        max_length=10,
        choices=YesPartlyNo.choices,
        blank=True,
    )
    goes_well = BoundedTextField(_("What goes well"), max_length=2000, blank=True)
    to_adjust = BoundedTextField(_("What should be adjusted"), max_length=2000, blank=True)

    supervisor_answered_at = models.DateTimeField(_("supervisor answered"), null=True, blank=True)
    supervisor_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    delivery = models.CharField(
        _("How does the student deliver against the expectations?"),
        max_length=10,
        choices=Delivery.choices,
        blank=True,
    )
    feedback_given = BoundedTextField(_("The feedback we have given the student"), max_length=2000, blank=True)
    workload_adjustment = BoundedTextField(_("Workload adjustment agreed"), max_length=2000, blank=True)

    student_missed_at = models.DateTimeField(
        _("missed by the student"),
        null=True,
        blank=True,
        help_text=_("Closed unanswered when the student answered a later check-in."),
    )
    supervisor_missed_at = models.DateTimeField(
        _("missed by the organisation"),
        null=True,
        blank=True,
        help_text=_("Closed unanswered when the organisation answered a later check-in."),
    )

    objects = CheckInQuerySet.as_manager()
    history = audit_trail()

    class Meta:
        ordering = ["placement_id", "due_on"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["placement", "due_on"], name="feedback_checkin_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.placement} – {self.due_on}"

    def answered_by_side(self, side: str) -> bool:
        return (self.student_answered_at if side == Side.STUDENT else self.supervisor_answered_at) is not None

    def missed_by_side(self, side: str) -> bool:
        return (self.student_missed_at if side == Side.STUDENT else self.supervisor_missed_at) is not None

    def sides_shown_to(self, side: str | None, *, coordinator: bool) -> tuple[bool, bool]:
        """Whether a reader sees (the student's answers, the organisation's answers): their own side always,
        the other once revealed (``checkin_revealed``), a coordinator both. Needs ``is_revealed`` from
        ``with_state``; every page and export that shows answers asks this."""
        revealed = coordinator or self.is_revealed
        return revealed or side == Side.STUDENT, revealed or side == Side.ORGANISATION

    def done_by_side(self, side: str) -> bool:
        """Answered, or closed as missed when that side answered a later check-in (``STUDENT_DONE``)."""
        return self.answered_by_side(side) or self.missed_by_side(side)

    @property
    def opens_on(self) -> datetime.date:
        return self.due_on - CHECKIN_OPENS_BEFORE_DUE


class Message(models.Model):
    """A message in the private conversation between a placement's student and the programme's coordinators.

    Never shown, exported, mailed or put in a calendar for anybody at the organisation: only the student and
    coordinators reach it (``innopraksis.access.get_conversation_for``). A note the student writes with a
    check-in's answers is a message too, linked to that check-in.
    """

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="messages", verbose_name=_("placement")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    from_student = models.BooleanField(_("written by the student"), default=True)
    checkin = models.ForeignKey(
        CheckIn,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("written with the check-in"),
    )
    text = BoundedTextField(_("message"))
    written_at = models.DateTimeField(_("written"), default=timezone.now)
    # The form's one-time key: a second submit of the same form finds this row instead of adding another.
    submission_key = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["placement_id", "written_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return str(_("Message"))


class MessageRead(models.Model):
    """How far one person has read a placement's conversation: every message written up to ``read_at``."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="+", verbose_name=_("placement"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    read_at = models.DateTimeField(_("read up to"))

    class Meta:
        ordering = ["placement_id", "user_id"]
        verbose_name = _("messages read")
        verbose_name_plural = _("messages read")
        constraints = [
            models.UniqueConstraint(fields=["placement", "user"], name="feedback_messageread_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.placement_id}: {self.user_id}"


def unread_messages(user_id: int, *, from_student: bool) -> models.Exists:
    """Whether a placement (the outer query) has a message from the student (or from the coordinators) that
    the person ``user_id`` has not read."""
    read = MessageRead.objects.filter(
        placement=models.OuterRef("placement"), user=user_id, read_at__gte=models.OuterRef("written_at")
    )
    return models.Exists(
        Message.objects.filter(placement=models.OuterRef("pk"), from_student=from_student).filter(~models.Exists(read))
    )


class FollowUpKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    FEEDBACK = "feedback", _("Feedback")
    WORKLOAD = "workload", _("Workload adjustment")
    OTHER = "other", _("Other")


class FollowUp(models.Model):
    """A supervisor's log entry of following the student up, at any time."""

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="followups", verbose_name=_("placement")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FollowUpKind.choices)
    happened_on = models.DateField(_("date"))
    note = BoundedTextField(_("note"))
    shared_with_student = models.BooleanField(
        _("Share with the student"), default=False, help_text=_("The student sees this entry on their placement.")
    )
    # The form's one-time key: a second submit of the same form finds this row instead of adding another.
    submission_key = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = AuditedQuerySet.as_manager()
    history = audit_trail()

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"


class EvaluationKind(models.TextChoices):
    MIDTERM = "midterm", _("Midterm evaluation")
    FINAL = "final", _("Final evaluation")


class Evaluation(models.Model):
    """A midterm or final evaluation from one side of a placement."""

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("placement")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EvaluationKind.choices)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    due_on = models.DateField(_("due"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    value = models.PositiveSmallIntegerField(
        _("How much value has the internship given?"), choices=Scale.choices, null=True, blank=True, validators=SCALE
    )
    win_win = models.CharField(
        _("Has it been a win-win for student and organisation?"), max_length=10, choices=YesPartlyNo.choices, blank=True
    )
    worked = BoundedTextField(_("What worked"), blank=True)
    change = BoundedTextField(_("What should change"), blank=True)
    host_again = models.CharField(
        _("Would you host a student again?"), max_length=10, choices=YesMaybeNo.choices, blank=True
    )

    objects = AuditedQuerySet.as_manager()
    history = audit_trail()

    class Meta:
        ordering = ["placement_id", "due_on", "side"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["placement", "kind", "side"], name="feedback_evaluation_one_per_side"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_side_display()})"


class ReminderStage(models.IntegerChoices):
    DUE = 0, _("when due")
    CHASER = 1, _("second reminder")
    LAST = 2, _("last reminder")


class Reminder(models.Model):
    """That one reminder went to one person; the unique key makes concurrent runs send it once."""

    key = models.CharField(_("what it was about"), max_length=120)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    stage = models.PositiveSmallIntegerField(_("reminder"), choices=ReminderStage.choices, default=ReminderStage.DUE)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient", "stage"], name="feedback_reminder_once_a_stage"),
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="feedback_reminder_latest")]

    def __str__(self) -> str:
        return self.key


class ReminderNow(models.Model):
    """A reminder a coordinator sent by hand to one party of a placement, of everything it was late with."""

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="reminders_now", verbose_name=_("placement")
    )
    side = models.CharField(_("sent to"), max_length=20, choices=Side.choices)
    keys = models.JSONField(_("what it was about"), default=list)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder sent by hand")
        verbose_name_plural = _("reminders sent by hand")
        indexes = [models.Index(fields=["placement", "side"], name="feedback_remindernow_party")]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.side}"


class GatheringKind(models.TextChoices):
    CAREER_DAY = "career_day", _("Career day")
    COMPANY_GATHERING = "company_gathering", _("Company gathering")
    KICKOFF = "kickoff", _("Kickoff")
    FINAL_PRESENTATIONS = "final_presentations", _("Final presentations")


class Gathering(models.Model):
    """A gathering of a cohort's organisations (bedriftssamling and the like)."""

    cohort = models.ForeignKey(
        "students.Cohort", on_delete=models.PROTECT, related_name="gatherings", verbose_name=_("cohort")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=GatheringKind.choices)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300)
    agenda = BoundedTextField(_("agenda"), blank=True)
    organisations = models.ManyToManyField(
        "orgs.Organisation",
        through="GatheringOrganisation",
        related_name="gatherings",
        verbose_name=_("invited organisations"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-held_on", "-starts_at"]
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="feedback_gathering_ends_after_start",
                violation_error_message=_("A gathering must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%d.%m.%Y}"


class GatheringOrganisation(models.Model):
    """An invited organisation, and after the event whether it came."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="invitees")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("invited organisation")
        verbose_name_plural = _("invited organisations")
        constraints = [
            models.UniqueConstraint(fields=["gathering", "organisation"], name="feedback_gathering_invited_once"),
        ]

    def __str__(self) -> str:
        return f"{self.gathering} – {self.organisation}"


class ExperienceTheme(models.TextChoices):
    EXPECTATIONS = "expectations", _("Expectations and roles")
    ONBOARDING = "onboarding", _("Onboarding")
    TASKS = "tasks", _("The range of tasks")
    FEEDBACK = "feedback", _("Follow-up and feedback")
    WORKLOAD = "workload", _("Workload")
    RESOURCE = "resource", _("The student as a resource")
    OTHER = "other", _("Other")


class Experience(models.Model):
    """An organisation's experience or onboarding tip, shared before a gathering."""

    gathering = models.ForeignKey(
        Gathering, on_delete=models.CASCADE, related_name="experiences", verbose_name=_("gathering")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    theme = models.CharField(_("theme"), max_length=20, choices=ExperienceTheme.choices)
    text = BoundedTextField(_("your experience or tip"))
    # The form's one-time key: a second submit of the same form finds this row instead of adding another.
    submission_key = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("shared"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "theme", "created_at"]
        verbose_name = _("shared experience")
        verbose_name_plural = _("shared experiences")

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_theme_display()}"


class ExperienceReport(models.Model):
    """Erfaringsskriv: the write-up after a gathering, with figures computed from the data."""

    gathering = models.OneToOneField(
        Gathering, on_delete=models.CASCADE, related_name="report", verbose_name=_("gathering")
    )
    title = models.CharField(_("title"), max_length=200)
    background = BoundedTextField(_("background"), max_length=10000, blank=True)
    main_points = BoundedTextField(
        _("main points from the organisations that hosted before"),
        max_length=10000,
        blank=True,
        help_text=_("One point per line."),
    )
    onboarding_advice = BoundedTextField(
        _("onboarding advice"), max_length=10000, blank=True, help_text=_("One point per line.")
    )
    # The figures as they were when the write-up was published; a draft shows them computed anew.
    figures = models.JSONField(_("figures"), default=dict, blank=True, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-gathering__held_on"]
        verbose_name = _("experience write-up")
        verbose_name_plural = _("experience write-ups")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
