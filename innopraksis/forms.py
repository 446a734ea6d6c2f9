from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from innopraksis import access, accounts, outbox, security, throttle
from innopraksis.lists import ListFilterForm
from innopraksis.models import Invitation, InvitationRole, User, normalize_email


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in by e-mail and password, throttled per account and address."""

    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _("The e-mail address or the password is wrong. Check both and try again."),
        "inactive": _("This account has been deactivated. Contact your coordinator."),
    }

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or password is None:
            return self.cleaned_data
        ip_address = throttle.client_ip(self.request)
        lock = throttle.lock_for(email, ip_address)
        if lock is not None:
            minutes = throttle.minutes_until(lock.until)
            security.log_event("sign_in_throttled", self.request, email=normalize_email(email), scope=lock.scope)
            raise forms.ValidationError(throttle.throttled_message(lock, minutes), code="throttled")
        self.user_cache = authenticate(self.request, username=email, password=password)
        if self.user_cache is None:
            throttle.record_failure(email, ip_address)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        # The failures stop counting once signing in is complete, second factor and all (signin.AccountAdapter).
        return self.cleaned_data


class LanguageAwarePasswordResetForm(PasswordResetForm):
    """Sends the reset e-mail in the recipient's language, not the visitor's, with its link at the portal's
    public address (PORTAL_URL), as every e-mail's, whatever address the request came to."""

    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def save(self, *args, request=None, **kwargs):
        """Send the reset e-mail, unless this address had its share of them lately (throttle): the page
        says the same either way, so it tells nobody whether the address has an account."""
        email = self.cleaned_data["email"]
        if not throttle.reset_mail_allowed(email):
            security.log_event("password_reset_throttled", request, email=normalize_email(email))
            return
        throttle.record_reset_mail(email)
        super().save(*args, request=request, **kwargs)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        """Written for the background worker to send, as every e-mail (innopraksis.outbox)."""
        address = urlsplit(settings.PORTAL_URL)
        context = {**context, "protocol": address.scheme, "domain": address.netloc}
        with translation.override(context["user"].language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        outbox.enqueue([outbox.Message(to_email, subject, body, "password_reset")])


class NewPasswordForm(SetPasswordForm):
    """A new password, after a reset link: see ``accounts.password_changed`` for what it ends."""

    @transaction.atomic
    def save(self, commit=True):
        user = super().save(commit=commit)
        accounts.password_changed(user=user)
        return user


class ChangePasswordForm(NewPasswordForm, PasswordChangeForm):
    """Changing the password while signed in: the old one is asked for first."""


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "full_name", "role", "organisation", "language"]
        help_texts = {
            "full_name": _("Optional: the person can correct it when they accept."),
            "organisation": _("Required for a supervisor: the host organisation they supervise for."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = access.organisations_visible_to(user)
        self.fields["role"].initial = InvitationRole.STUDENT
        self.fields["email"].help_text = ngettext(
            "The link goes to this address. It works once and expires after %(days)s day.",
            "The link goes to this address. It works once and expires after %(days)s days.",
            settings.INVITATION_VALID_DAYS,
        ) % {"days": settings.INVITATION_VALID_DAYS}

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == InvitationRole.SUPERVISOR and not cleaned.get("organisation"):
            self.add_error("organisation", _("Choose the organisation this supervisor belongs to."))
        elif role == InvitationRole.STUDENT:
            # A student belongs to no organisation through an invitation.
            cleaned["organisation"] = None
        return cleaned


class InvitationFilterForm(ListFilterForm):
    search_fields = ("email", "full_name", "organisation__name")


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["full_name"].initial = invitation.full_name

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ. Type the same password in both fields."))
        elif password1:
            candidate = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language", "reminder_digest"]
        widgets = {"reminder_digest": forms.RadioSelect}
        help_texts = {"reminder_digest": _("Reminders of what is due for you. Other e-mails come at once.")}
