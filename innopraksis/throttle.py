"""Throttling of failed sign-ins and of password-reset e-mails.

Failures and reset requests are rows in the database, so every app server behind a
load balancer sees the same counts. Failed sign-ins are counted three ways within
LOGIN_COOLOFF:
- for one account from one address (someone guessing a password): LOGIN_FAILURE_LIMIT;
- for one account from any address (many machines guessing one password):
  LOGIN_ACCOUNT_FAILURE_LIMIT;
- from one address for any account (one password tried against many accounts):
  LOGIN_ADDRESS_FAILURE_LIMIT, higher, as a campus network shares one address.
Past any limit, sign-in is refused for that scope until the oldest failure that
counts is older than the cool-off. While refused, attempts are not checked against
the password and not counted. Failures for addresses that have no account count
the same, so the answers never tell whether an account exists.

A hand-written throttle rather than django-axes: it is the few queries above on a
table of the portal's own, read in the form's `clean()` where the message is made,
with the limits per scope that axes expresses as one shared limit, and it needs no
authentication backend or middleware placed before the portal's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from innopraksis.models import LoginFailure, PasswordResetRequest, normalize_email


def client_ip(request: HttpRequest) -> str:
    """The client's address, taking TRUSTED_PROXY_COUNT proxies' X-Forwarded-For into account."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)


class Scope(models.TextChoices):
    """What the failures that lock sign-in were counted for."""

    PAIR = "pair", "this account from this address"
    ACCOUNT = "account", "this account from any address"
    ADDRESS = "address", "any account from this address"


@dataclass(frozen=True)
class Lock:
    until: datetime
    scope: Scope


def _scopes(email: str, ip_address: str) -> list[tuple[Scope, Q, int]]:
    return [
        (Scope.PAIR, Q(email=email, ip_address=ip_address), settings.LOGIN_FAILURE_LIMIT),
        (Scope.ACCOUNT, Q(email=email), settings.LOGIN_ACCOUNT_FAILURE_LIMIT),
        (Scope.ADDRESS, Q(ip_address=ip_address), settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    ]


def lock_for(email: str, ip_address: str, *, now: datetime | None = None) -> Lock | None:
    """The lock on signing in to this account from this address, or None if it is open now.

    When several scopes are locked, the one that lasts longest is the answer."""
    now = now or timezone.now()
    window_start = now - settings.LOGIN_COOLOFF
    locks = []
    for scope, which, limit in _scopes(normalize_email(email), ip_address):
        recent = list(
            LoginFailure.objects.filter(which, created_at__gt=window_start)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # Newest first: the oldest failure that still counts decides.
            locks.append(Lock(until=recent[-1] + settings.LOGIN_COOLOFF, scope=scope))
    return max(locks, key=lambda lock: lock.until, default=None)


def throttled_message(lock: Lock, minutes: int) -> str:
    """What a person locked out of signing in is told: why, and for how long."""
    if lock.scope == Scope.ADDRESS:
        message = ngettext(
            "Too many failed sign-ins from your network (IP) address. Wait %(minutes)s minute and try again.",
            "Too many failed sign-ins from your network (IP) address. Wait %(minutes)s minutes and try again.",
            minutes,
        )
    elif lock.scope == Scope.ACCOUNT:
        message = ngettext(
            "Too many failed sign-ins for this account. Wait %(minutes)s minute and try again, or reset your password.",
            "Too many failed sign-ins for this account. "
            "Wait %(minutes)s minutes and try again, or reset your password.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many failed sign-ins for this account from your address. "
            "Wait %(minutes)s minute and try again, or reset your password.",
            "Too many failed sign-ins for this account from your address. "
            "Wait %(minutes)s minutes and try again, or reset your password.",
            minutes,
        )
    return message % {"minutes": minutes}


def minutes_until(moment: datetime, *, now: datetime | None = None) -> int:
    remaining: timedelta = moment - (now or timezone.now())
    return max(1, math.ceil(remaining.total_seconds() / 60))


def record_failure(email: str, ip_address: str) -> None:
    now = timezone.now()
    # Failures older than the cool-off no longer count anywhere; drop them as we go.
    LoginFailure.objects.filter(created_at__lte=now - settings.LOGIN_COOLOFF).delete()
    LoginFailure.objects.create(email=normalize_email(email), ip_address=ip_address, created_at=now)


def clear_failures(email: str, ip_address: str) -> None:
    """After a sign-in that succeeded: this account's failures from this address no longer count.

    Its failures from elsewhere, and other accounts' from this address, still do."""
    LoginFailure.objects.filter(email=normalize_email(email), ip_address=ip_address).delete()


def clear_account(email: str) -> None:
    """The account's password changed: none of its failures count any more, from any address."""
    LoginFailure.objects.filter(email=normalize_email(email)).delete()


def reset_mail_allowed(email: str, *, now: datetime | None = None) -> bool:
    """Whether another password-reset e-mail may go to this address now (PASSWORD_RESET_MAIL_LIMIT per
    PASSWORD_RESET_MAIL_WINDOW), so that nobody can fill a person's inbox from the reset page."""
    now = now or timezone.now()
    sent = PasswordResetRequest.objects.filter(
        email=normalize_email(email), created_at__gt=now - settings.PASSWORD_RESET_MAIL_WINDOW
    )
    return sent.count() < settings.PASSWORD_RESET_MAIL_LIMIT


def record_reset_mail(email: str) -> None:
    now = timezone.now()
    PasswordResetRequest.objects.filter(created_at__lte=now - settings.PASSWORD_RESET_MAIL_WINDOW).delete()
    PasswordResetRequest.objects.create(email=normalize_email(email), created_at=now)
