"""Security events: who did what, when and from where, in the "innopraksis.security" log.

Never log a password, a token or a link that holds one: events name people by
their user id (and the e-mail address tried, for failed sign-ins).
"""

from __future__ import annotations

import logging

from allauth.mfa import signals as mfa_signals
from allauth.socialaccount import signals as social_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from innopraksis.middleware import start_session_clock
from innopraksis.throttle import client_ip

logger = logging.getLogger("innopraksis.security")


def log_event(event: str, request: HttpRequest | None = None, *, user=None, **details) -> None:
    """One line per event: ``event=… user=… ip=… key=value …``."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else "-"
    address = client_ip(request) if request is not None else "-"
    extra = " ".join(f"{key}={value}" for key, value in sorted(details.items()))
    logger.info("event=%s user=%s ip=%s %s", event, user_id, address, extra)


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if request is not None:
        start_session_clock(request.session)
    log_event("sign_in", request, user=user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    log_event("sign_out", request, user=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in ``credentials``; only the address tried is logged.
    log_event("sign_in_failed", request, email=credentials.get("username", "-"))


@receiver(mfa_signals.authenticator_added)
def _second_factor_added(sender, request, user, authenticator, **kwargs):
    log_event("second_factor_added", request, user=user, kind=authenticator.type)


@receiver(mfa_signals.authenticator_removed)
def _second_factor_removed(sender, request, user, authenticator, **kwargs):
    log_event("second_factor_removed", request, user=user, kind=authenticator.type)


@receiver(mfa_signals.authenticator_reset)
def _recovery_codes_made_again(sender, request, user, authenticator, **kwargs):
    log_event("second_factor_renewed", request, user=user, kind=authenticator.type)


@receiver(social_signals.social_account_added)
def _feide_linked(sender, request, sociallogin, **kwargs):
    log_event("feide_linked", request, user=sociallogin.user, provider=sociallogin.account.provider)
