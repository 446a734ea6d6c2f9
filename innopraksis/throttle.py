"""Throttling of failed sign-ins, per account and address.

Failures are rows in the database, so every app server behind a load balancer
sees the same count. After LOGIN_FAILURE_LIMIT failures for one account from
one address within LOGIN_COOLOFF, sign-in is refused for that pair until the
oldest of those failures is older than the cool-off. While refused, attempts
are not checked against the password and not counted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from innopraksis.models import LoginFailure, normalize_email


def client_ip(request: HttpRequest) -> str:
    """The client's address, taking TRUSTED_PROXY_COUNT proxies' X-Forwarded-For into account."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)


def locked_until(email: str, ip_address: str, *, now: datetime | None = None) -> datetime | None:
    """When sign-in opens again for this account and address, or None if it is open now."""
    now = now or timezone.now()
    window_start = now - settings.LOGIN_COOLOFF
    recent = list(
        LoginFailure.objects.filter(
            email=normalize_email(email), ip_address=ip_address, created_at__gt=window_start
        ).values_list("created_at", flat=True)[: settings.LOGIN_FAILURE_LIMIT]
    )
    if len(recent) < settings.LOGIN_FAILURE_LIMIT:
        return None
    # Ordered newest first: the oldest failure that still counts decides.
    return recent[-1] + settings.LOGIN_COOLOFF


def minutes_until(moment: datetime, *, now: datetime | None = None) -> int:
    remaining: timedelta = moment - (now or timezone.now())
    return max(1, math.ceil(remaining.total_seconds() / 60))


def record_failure(email: str, ip_address: str) -> None:
    email = normalize_email(email)
    now = timezone.now()
    # Failures older than the cool-off no longer count; drop them as we go.
    LoginFailure.objects.filter(
        email=email, ip_address=ip_address, created_at__lte=now - settings.LOGIN_COOLOFF
    ).delete()
    LoginFailure.objects.create(email=email, ip_address=ip_address, created_at=now)


def clear_failures(email: str, ip_address: str) -> None:
    LoginFailure.objects.filter(email=normalize_email(email), ip_address=ip_address).delete()
