"""People's accounts: finding or adding a person by e-mail address, and their calendar feed's secret."""

from __future__ import annotations

import secrets

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


def calendar_token_for(user: User) -> str:
    """The secret of the user's calendar feed address, made the first time it is asked for."""
    if not user.calendar_token:
        return calendar_token_renew(user=user)
    return user.calendar_token


def calendar_token_renew(*, user: User) -> str:
    """A new feed address; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def user_set_language(*, user: User, language: str) -> None:
    """The language the person chose last: pages and e-mails follow it."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
