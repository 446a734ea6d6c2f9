"""People's accounts: finding or adding a person by e-mail address, and their calendar feed's secret."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from innopraksis import throttle
from innopraksis.models import User, normalize_email


def user_get_or_create(*, email: str, full_name: str) -> tuple[User, bool]:
    """The person with this e-mail address, created without a password if new (they set one when invited)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(email=normalize_email(email), full_name=full_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user, True


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_token_renew(*, user: User) -> str:
    """A new calendar feed address, returned once: only its hash is kept. The old address stops working."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = calendar_token_hash(token)
    user.calendar_token_made_at = timezone.now()
    user.save(update_fields=["calendar_token_hash", "calendar_token_made_at"])
    return token


def calendar_token_withdraw(*, user: User) -> None:
    """The person's calendar address stops working (their password changed): they make a new one."""
    if user.calendar_token_hash:
        user.calendar_token_hash = None
        user.calendar_token_made_at = None
        user.save(update_fields=["calendar_token_hash", "calendar_token_made_at"])


@transaction.atomic
def password_changed(*, user: User) -> None:
    """What a new password ends, wherever it was set (a reset link, the profile, an invitation): the
    calendar address, which may have leaked with the old password, and the failed sign-ins that locked
    the account, so that resetting the password is a way back in, as the lock's message says."""
    calendar_token_withdraw(user=user)
    throttle.clear_account(user.email)


def user_set_language(*, user: User, language: str) -> None:
    """The language the person chose last: pages and e-mails follow it."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
