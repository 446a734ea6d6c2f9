"""Organisation members: add and remove supervisors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from innopraksis.accounts import user_get_or_create
from innopraksis.invitations import invitation_for_person
from innopraksis.models import InvitationRole, User
from orgs.models import Membership, Organisation


@transaction.atomic
def membership_add(
    *,
    organisation: Organisation,
    email: str,
    full_name: str,
    role: str,
    invite: bool,
    invited_by: User,
) -> Membership:
    user, _created = user_get_or_create(email=email, full_name=full_name)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already a member of %(organisation)s.")
                % {"email": user.email, "organisation": organisation}
            }
        )
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    membership.save()
    if invite:
        invitation_for_person(
            user=user,
            role=InvitationRole.SUPERVISOR,
            organisation=organisation,
            invited_by=invited_by,
            only_if_new=True,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a person from an organisation, and from supervising its placements."""
    for placement in membership.organisation.placements.filter(supervisors=membership.user):
        placement.supervisors.remove(membership.user)
    membership.delete()
