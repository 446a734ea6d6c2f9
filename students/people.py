"""The people of the programme: students in the register, and the role that accepting an invitation gives
(a student profile, or a membership of the inviting organisation)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from innopraksis import accounts
from innopraksis.invitations import hash_token, invitation_for_person
from innopraksis.models import Invitation, InvitationRole, InvitationStatus, User
from orgs.models import Membership, MembershipRole
from students.models import Student


@transaction.atomic
def student_save(
    *,
    form,
    invited_by=None,
    invite: bool = False,
) -> Student:
    """Create or update a student and the person behind them from a validated StudentForm.

    A new student may be invited in the same step; an existing account is reused
    (a supervisor can also be a student) and never invited again.
    """
    data = form.cleaned_data
    student: Student = form.instance
    if student.pk:
        user = student.user
        user.email, user.full_name = data["email"], data["full_name"]
        user.full_clean()
        user.save(update_fields=["email", "full_name"])
    else:
        user, _created = accounts.user_get_or_create(email=data["email"], full_name=data["full_name"])
        student.user = user
    student = form.save()
    if invite:
        invitation_for_person(user=user, role=InvitationRole.STUDENT, invited_by=invited_by, only_if_new=True)
    return student


def _pending_invitation(token_hash: str) -> Invitation:
    """The invitation of a link, locked, if it can still be used."""
    # Lock only the invitation row: PostgreSQL cannot lock the nullable side of the join.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(token_hash=token_hash)
        .first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        # Raced with another use, or replaced between showing the form and posting it.
        raise ValidationError(_("This invitation link can no longer be used."), code="not_pending")
    return invitation


def _give_role_and_spend(invitation: Invitation, user: User) -> None:
    if invitation.role == InvitationRole.STUDENT:
        Student.objects.get_or_create(user=user)
    else:
        Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": MembershipRole.SUPERVISOR}
        )
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Use an invitation: create or update the person, give them the role, and spend the link."""
    invitation = _pending_invitation(hash_token(token))
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email, language=invitation.language)
    user.full_name = full_name
    user.set_password(password)
    user.full_clean()
    user.save()
    accounts.password_changed(user=user)
    _give_role_and_spend(invitation, user)
    return user


def invitation_is_for(*, token_hash: str, user: User) -> bool:
    """Whether the invitation of this link names this person (by their e-mail address)."""
    return Invitation.objects.filter(token_hash=token_hash, email__iexact=user.email).exists()


@transaction.atomic
def invitation_accept_with_feide(*, token_hash: str, name_from_feide: str) -> tuple[User, Invitation]:
    """Use an invitation by signing in with Feide rather than choosing a password: create the person named by
    the invitation if new (with no password; Feide signs them in), give them the role, and spend the link.
    Returns the person and the invitation; the caller links the Feide identity to the person in the same
    transaction."""
    invitation = _pending_invitation(token_hash)
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email, language=invitation.language)
        user.set_unusable_password()
    user.full_name = user.full_name or invitation.full_name or name_from_feide[:150]
    user.full_clean()
    user.save()
    _give_role_and_spend(invitation, user)
    return user, invitation
