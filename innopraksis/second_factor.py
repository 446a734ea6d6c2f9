"""The second factor: who must have one, whether they have one, codes throttled like passwords, and an
operator's reset for a lost phone.

The factors themselves (an authenticator app, passkeys and security keys, recovery codes) are django-allauth's
``allauth.mfa``; its login flow asks for one whenever a person who has one signs in, by password or by Feide.
"""

from __future__ import annotations

import hashlib

from allauth.core import context
from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from innopraksis import security, throttle
from innopraksis.mail import absolute_url, send_templated_mail
from innopraksis.models import User

# Recovery codes stand in for a lost factor; they are not one on their own.
FACTOR_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def requires_second_factor(user: User) -> bool:
    """Coordinators see every student's answers and private messages, and the admin sees everything: a
    stolen password alone must not open either."""
    return user.is_active and (user.is_coordinator or user.is_superuser)


def must_set_up_second_factor(user: User) -> bool:
    """Whether the person must set up a second factor before anything else opens."""
    return requires_second_factor(user) and not has_second_factor(user)


def second_factors(user: User) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES)


def has_second_factor_expression() -> Exists:
    """For annotating users (``has_second_factor``): whether they have set up a second factor."""
    return Exists(Authenticator.objects.filter(user=OuterRef("pk"), type__in=FACTOR_TYPES))


def has_second_factor(user: User) -> bool:
    """Read from the annotation the signed-in user is loaded with, or asked of the database."""
    annotated = getattr(user, "has_second_factor", None)
    if annotated is not None:
        return annotated
    return second_factors(user).exists()


def _used_code_key(user: User, code: str) -> str:
    digest = hashlib.sha256(code.strip().encode("utf-8", "surrogatepass")).hexdigest()
    return f"second-factor-used:{user.pk}:{digest}"


def code_was_used(user: User, code: str) -> bool:
    """Whether this code of the person's authenticator app has already signed someone in. A code is accepted for
    (2 × MFA_TOTP_TOLERANCE + 1) periods; it is remembered that long, in the cache every app server shares."""
    return cache.get(_used_code_key(user, code)) is not None


def _remember_code(user: User, code: str) -> None:
    lifetime = (2 * settings.MFA_TOTP_TOLERANCE + 1) * settings.MFA_TOTP_PERIOD
    cache.set(_used_code_key(user, code), True, timeout=lifetime)


class _Throttled:
    """A code is checked like a password: refused while the account is locked at this address, and a wrong
    one counts as a failed sign-in for it (innopraksis/throttle.py). A code from the app works once."""

    user: User
    reauthentication = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kinds = set(Authenticator.objects.filter(user=self.user).values_list("type", flat=True))
        self.has_app = Authenticator.Type.TOTP in kinds
        self.has_passkey = Authenticator.Type.WEBAUTHN in kinds
        code = self.fields["code"]
        code.label = _("Code from your authenticator app, or a recovery code") if self.has_app else _("Recovery code")
        code.widget.attrs.pop("placeholder", None)
        code.widget.attrs["inputmode"] = "numeric"

    def clean_code(self) -> str:
        request = context.request
        address = throttle.client_ip(request)
        lock = throttle.lock_for(self.user.email, address)
        if lock is not None:
            security.log_event("second_factor_throttled", request, user=self.user, scope=lock.scope)
            minutes = throttle.minutes_until(lock.until)
            message = ngettext(
                "Too many wrong attempts. Wait %(minutes)s minute and try again, or use a recovery code then.",
                "Too many wrong attempts. Wait %(minutes)s minutes and try again, or use a recovery code then.",
                minutes,
            )
            raise forms.ValidationError(message % {"minutes": minutes}, code="throttled")
        try:
            if code_was_used(self.user, self.cleaned_data["code"]):
                raise get_adapter().validation_error("incorrect_code")
            code = super().clean_code()
        except forms.ValidationError:
            throttle.record_failure(self.user.email, address)
            security.log_event("second_factor_failed", request, user=self.user)
            raise
        if self.authenticator.type == Authenticator.Type.TOTP:
            _remember_code(self.user, code)
        if self.authenticator.type == Authenticator.Type.RECOVERY_CODES:
            security.log_event("recovery_code_used", request, user=self.user, again=self.reauthentication)
        return code


class _KeyName:
    """A passkey or security key has a name the person knows it by."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name of the key")
        self.fields["name"].help_text = _("For example “Phone” or “Laptop”, so that you know which one to remove.")


class NamedKeyForm(_KeyName, AddWebAuthnForm):
    pass


class RenamedKeyForm(_KeyName, EditWebAuthnForm):
    pass


class ThrottledAuthenticateForm(_Throttled, AuthenticateForm):
    pass


class ThrottledReauthenticateForm(_Throttled, ReauthenticateForm):
    reauthentication = True


@transaction.atomic
def second_factor_reset(*, user: User) -> int:
    """Remove every second factor and recovery code of the person (who lost their phone), and tell them by
    e-mail. A coordinator is asked to set up a new one at their next sign-in. Returns how many factors (apps,
    passkeys and keys) were removed."""
    removed = second_factors(user).count()
    Authenticator.objects.filter(user=user).delete()  # the factors and the recovery codes
    context = {"user": user, "link": absolute_url(reverse("profile"))}
    send_templated_mail(to=user.email, template="second_factor_reset", context=context, language=user.language)
    return removed


# What a person who must set up a second factor may open before they have one: the pages that set it up, and
# the ways out. Nothing else, and so no page with personal data.
SECOND_FACTOR_SETUP_PAGES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_list_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_reauthenticate",
    "logout",
    "account_logout",
    "set_language",
    "privacy",
}


class SecondFactorRequiredMiddleware:
    """Takes a person who must have a second factor (innopraksis.second_factor) and has none to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not must_set_up_second_factor(user):
            return None
        if request.resolver_match.url_name in SECOND_FACTOR_SETUP_PAGES:
            return None
        return redirect("mfa_index")
