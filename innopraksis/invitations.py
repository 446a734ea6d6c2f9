"""Invitations: create and re-send the link that lets a person set their password.

Each function is one transaction; e-mail goes out when it commits. Accepting an invitation gives the
person their role, and lives with the roles (``students.people``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innopraksis.mail import TemplatedMail, absolute_url, send_templated_mails
from innopraksis.models import Invitation, InvitationRole, User, normalize_email


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its status; None for an unknown token."""
    digest = hash_token(token)
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=digest).first()
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    return invitation


def _replace_open_invitations(emails: list[str], now) -> None:
    addresses = [normalize_email(email) for email in emails]
    Invitation.objects.pending(now).alias(address=Lower("email")).filter(address__in=addresses).update(replaced_at=now)


def _invitation(
    *, email: str, full_name: str, role: str, organisation, invited_by: User, language: str, now
) -> tuple[Invitation, str]:
    """An unsaved invitation and the token of its link (only the token's hash is kept)."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=normalize_email(email),
        full_name=full_name,
        role=role,
        organisation=organisation if role == InvitationRole.SUPERVISOR else None,
        language=language,
        token_hash=hash_token(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    return invitation, token


def _invitation_mail(invitation: Invitation, token: str) -> TemplatedMail:
    link = absolute_url(reverse("invitation_accept", kwargs={"token": token}))
    return TemplatedMail(
        invitation.email,
        "invitation",
        {"invitation": invitation, "link": link, "valid_days": settings.INVITATION_VALID_DAYS},
        invitation.language,
    )


@transaction.atomic
def invitation_create(
    *,
    email: str,
    role: str,
    organisation: models.Model | None,
    invited_by: User,
    full_name: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> Invitation:
    """Invite a person and e-mail them the link. Any earlier open invitation to the address stops working."""
    now = timezone.now()
    invitation, token = _invitation(
        email=email,
        full_name=full_name,
        role=role,
        organisation=organisation,
        invited_by=invited_by,
        language=language,
        now=now,
    )
    invitation.full_clean()
    _replace_open_invitations([email], now)
    invitation.save()
    send_templated_mails([_invitation_mail(invitation, token)])
    return invitation


@transaction.atomic
def invitations_for_new_people(*, people: list[tuple[User, str, models.Model | None]], invited_by: User) -> int:
    """Invite, in their own language, each of these (person, role, organisation) who has not set a password
    yet, as an import does for the people it adds: the same few queries however many they are. Returns how
    many were invited."""
    now = timezone.now()
    made, invited = [], set()
    for user, role, organisation in people:
        if user.has_usable_password() or user.email in invited:
            continue  # signs in already, or invited by an earlier row (a supervisor of two organisations)
        invited.add(user.email)
        invitation, token = _invitation(
            email=user.email,
            full_name=user.full_name,
            role=role,
            organisation=organisation,
            invited_by=invited_by,
            language=user.language,
            now=now,
        )
        # The token's uniqueness is its randomness, the role-and-organisation rule holds by construction, and
        # the organisation and the inviter exist: checking them against the tables would cost queries per person.
        invitation.full_clean(exclude=["organisation", "invited_by"], validate_unique=False, validate_constraints=False)
        made.append((invitation, token))
    _replace_open_invitations([invitation.email for invitation, _token in made], now)
    Invitation.objects.bulk_create([invitation for invitation, _token in made])
    send_templated_mails([_invitation_mail(invitation, token) for invitation, token in made])
    return len(made)


def invitation_for_person(
    *,
    user: User,
    role: str,
    organisation: models.Model | None = None,
    invited_by: User,
    only_if_new: bool = False,
) -> Invitation | None:
    """Invite a person already in the register, in their own language.

    With ``only_if_new``, somebody who has already set a password is left alone
    (used when people are added or imported in bulk).
    """
    if only_if_new and user.has_usable_password():
        return None
    return invitation_create(
        email=user.email,
        full_name=user.full_name,
        role=role,
        organisation=organisation,
        invited_by=invited_by,
        language=user.language,
    )


def invitation_resend(*, invitation: Invitation, invited_by: User) -> Invitation:
    """Send a fresh link for the same person and role; the old link stops working."""
    if invitation.used_at:
        raise ValidationError(
            _("This invitation has already been used; the person can sign in or reset their password.")
        )
    return invitation_create(
        email=invitation.email,
        role=invitation.role,
        organisation=invitation.organisation,
        invited_by=invited_by,
        full_name=invitation.full_name,
        language=invitation.language,
    )
