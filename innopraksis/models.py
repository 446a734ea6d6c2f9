from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    SUPERVISOR = "supervisor", _("Supervisor")
    STUDENT = "student", _("Student")


class ReminderDigest(models.TextChoices):
    EACH = "each", _("As due dates come near")
    DAILY = "daily", _("One e-mail a day at most")
    WEEKLY = "weekly", _("One e-mail a week at most")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        # E-mail addresses are case-insensitive for sign-in.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("is_coordinator", True)
        return self.create_user(email, password, **extra_fields)


def normalize_email(email: str) -> str:
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    # Stored lower-cased (see clean); the constraint below also refuses
    # addresses that differ only in case if a write skips normalisation.
    email = models.EmailField(
        _("e-mail address"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("A user with this e-mail address already exists.")},
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    reminder_digest = models.CharField(
        _("reminders"), max_length=10, choices=ReminderDigest.choices, default=ReminderDigest.EACH
    )
    is_coordinator = models.BooleanField(
        _("coordinator"),
        default=False,
        help_text=_("Coordinators run the programme and can see and change everything."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # The SHA-256 of the secret in the address of the person's calendar feed (the secret itself is shown
    # once, when it is made); making a new one or changing the password stops the old address.
    calendar_token_hash = models.CharField(
        _("calendar token hash"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    calendar_token_made_at = models.DateTimeField(_("calendar address made"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="innopraksis_user_email_ci_unique",
                violation_error_message=_("A user with this e-mail address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_staff(self) -> bool:
        """Coordinators use the Django admin; nobody else does."""
        return self.is_active and (self.is_coordinator or self.is_superuser)

    def has_perm(self, perm, obj=None) -> bool:
        if self.is_active and self.is_coordinator:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_active and self.is_coordinator:
            return True
        return super().has_module_perms(app_label)


class InvitationRole(models.TextChoices):
    STUDENT = Role.STUDENT.value, Role.STUDENT.label
    SUPERVISOR = Role.SUPERVISOR.value, Role.SUPERVISOR.label


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be used")
    USED = "used", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by a newer invitation")


class InvitationQuerySet(models.QuerySet):
    def pending(self, now) -> models.QuerySet:
        """Invitations whose link still works at ``now``: not used, not replaced, not expired."""
        return self.filter(used_at__isnull=True, replaced_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """A single-use, expiring link that lets a person set their password.

    Only a hash of the token is stored: the link in the e-mail is the only copy
    of the token itself.
    """

    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("invited as"), max_length=20, choices=InvitationRole.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    language = models.CharField(
        _("language of the e-mail"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(role=InvitationRole.STUDENT, organisation__isnull=True)
                | Q(role=InvitationRole.SUPERVISOR, organisation__isnull=False),
                name="innopraksis_invitation_organisation_for_supervisors",
                violation_error_message=_("Choose the organisation for a supervisor, and none for a student."),
            )
        ]
        indexes = [models.Index(Lower("email"), name="innopraksis_invitation_email")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def status_at(self, now) -> InvitationStatus:
        if self.used_at:
            return InvitationStatus.USED
        if self.replaced_at:
            return InvitationStatus.REPLACED
        if now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> InvitationStatus:
        return self.status_at(timezone.now())


class LoginFailure(models.Model):
    """One failed sign-in, kept for throttling by account and address."""

    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["email", "created_at"], name="innopraksis_loginfail_account"),
            models.Index(fields=["ip_address", "created_at"], name="innopraksis_loginfail_address"),
            models.Index(fields=["created_at"], name="innopraksis_loginfail_age"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip_address}"


class PasswordResetRequest(models.Model):
    """One password-reset e-mail asked for an address (whether or not it has an account), kept for its
    rate limit."""

    email = models.CharField(_("e-mail address"), max_length=254)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("password-reset request")
        verbose_name_plural = _("password-reset requests")
        indexes = [
            models.Index(fields=["email", "created_at"], name="innopraksis_resetreq_address"),
            models.Index(fields=["created_at"], name="innopraksis_resetreq_age"),
        ]

    def __str__(self) -> str:
        return self.email


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")


class Mail(models.Model):
    """One e-mail the portal sends, written in the transaction that caused it and handed to the mail server by
    a background task (``innopraksis.outbox``). Its key is its idempotency key, sent as the message's
    Message-ID, so that a message sent twice (a worker died between the mail server's answer and the row's
    update) can be recognised as one."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    to = models.EmailField(_("to"), max_length=254)
    template = models.CharField(_("kind"), max_length=60)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    # When the next attempt is due, and when the task queued for it is due to run (None: no task is queued): a
    # waiting mail whose task is long overdue lost its worker, and is queued again.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    queued_at = models.DateTimeField(_("task due"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="innopraksis_mail_waiting"),
            models.Index(fields=["-created_at"], condition=Q(status="failed"), name="innopraksis_mail_failed"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    # E-mails with a link that soon stops working, sent anew from where they started, never again as they were.
    SENT_ANEW_ELSEWHERE = frozenset({"invitation", "password_reset"})

    @property
    def may_be_sent_again(self) -> bool:
        return self.status == MailStatus.FAILED and self.template not in self.SENT_ANEW_ELSEWHERE
