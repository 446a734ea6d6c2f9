"""The expectation agreement (forventnings- og rolleavklaring): each party fills in its part, both sign the
whole, a coordinator approves it or sends it back.

Each function locks the agreement row, so two people acting at once are served one after the other, and
the state is always derived from the fields. A change after a signature voids the signatures and keeps the
signed version.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innopraksis.mail import TemplatedMail, absolute_url, send_templated_mails
from innopraksis.models import User
from students import agreement_steps
from students.models import (
    AgreementChange,
    AgreementState,
    AgreementVersion,
    CachedFigures,
    ExpectationAgreement,
    Placement,
    PlacementState,
    Side,
)
from students.onboarding import placement_onboarding_start


class AgreementConflict(Exception):
    """Someone else saved the same step since this person opened it."""

    def __init__(self, *, current: dict, changed_by: User | None, changed_at: datetime.datetime | None):
        super().__init__("agreement step changed meanwhile")
        self.current, self.changed_by, self.changed_at = current, changed_by, changed_at


def _state_of(agreement: ExpectationAgreement) -> AgreementState:
    if agreement.approved_at:
        return AgreementState.APPROVED
    if agreement.is_signed_by_both:
        return AgreementState.SIGNED
    if agreement.student_completed_at and agreement.org_completed_at:
        return AgreementState.SIGNING
    if agreement.returned_to:
        return AgreementState.RETURNED
    return AgreementState.DRAFT


def _locked(agreement: ExpectationAgreement) -> ExpectationAgreement:
    return ExpectationAgreement.objects.select_for_update().select_related("placement__cohort").get(pk=agreement.pk)


def _save(locked: ExpectationAgreement, original: ExpectationAgreement) -> ExpectationAgreement:
    locked.state = _state_of(locked)
    locked.full_clean(exclude=["placement"])
    locked.save()
    CachedFigures.objects.clear(cohorts=[locked.placement.cohort_id])
    # The caller's object reflects what was saved.
    for model_field in ExpectationAgreement._meta.concrete_fields:
        setattr(original, model_field.attname, getattr(locked, model_field.attname))
    return original


def _both_parties(placement: Placement) -> list[User]:
    return people_acting_for(placement, Side.STUDENT) + people_acting_for(placement, Side.ORGANISATION)


def people_acting_for(placement: Placement, side: str) -> list[User]:
    """Who acts for a side: the student, or the placement's supervisors (all members when none is named)."""
    if side == Side.STUDENT:
        return [placement.student.user]
    supervisors = list(placement.supervisors.filter(is_active=True))
    if supervisors:
        return supervisors
    return list(User.objects.filter(memberships__organisation=placement.organisation_id, is_active=True).distinct())


def signed_as_party(agreement: ExpectationAgreement, user: User) -> bool:
    """Whether ``user`` signed the agreement for a party (the organisation, or as the student): such a person
    cannot also approve it as a coordinator."""
    if agreement.org_signed_by_id == user.pk and agreement.org_signed_at:
        return True
    return bool(agreement.student_signed_at) and agreement.placement.student.user_id == user.pk


def party_name(placement: Placement, side: str) -> str:
    """How a party is named to the other: the student by name, the organisation by its name."""
    return placement.student.user.get_full_name() if side == Side.STUDENT else placement.organisation.name


def names_or(names: list[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    if len(names) < 2:
        return "".join(names)
    return _("%(names)s or %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


@dataclass(frozen=True)
class Waiting:
    """What the agreement waits for: ``action`` is "fill_in" or "sign" by a party, or "approve" by a
    coordinator; ``names`` are the people asked to do it, ``you`` whether the reader acts for that party."""

    action: str
    side: str = ""
    names: str = ""
    you: bool = False


def waiting_for(agreement: ExpectationAgreement, *, side: str | None, coordinator: bool) -> list[Waiting]:
    """Who must act next, and how, as the agreement stands; ``side`` is the reader's party, if any."""
    placement = agreement.placement
    if agreement.state == AgreementState.APPROVED or placement.state == PlacementState.CANCELLED:
        return []
    if agreement.state == AgreementState.SIGNED:
        return [Waiting("approve", you=coordinator)]
    result = []
    for party in (Side.STUDENT, Side.ORGANISATION):
        if agreement.state == AgreementState.SIGNING:
            if agreement.student_signed_at if party == Side.STUDENT else agreement.org_signed_at:
                continue
            action = "sign"
        elif agreement.completed_at(party):
            continue
        else:
            action = "fill_in"
        names = names_or([person.get_full_name() for person in people_acting_for(placement, party)])
        result.append(Waiting(action, party, names, party == side))
    return result


def notify(agreement: ExpectationAgreement, *, event: str, recipients, side: str = "", **context) -> None:
    placement = agreement.placement
    link = absolute_url(agreement.get_absolute_url())
    if event == "returned":
        link = absolute_url(reverse("agreement_part", kwargs={"pk": placement.pk, "side": side}))
    elif side:
        first = next((step for step in agreement_steps.steps_for(side) if not step.is_complete(agreement)), None)
        if event in {"opened", "part_done"} and first is not None:
            link = absolute_url(reverse("agreement_step", kwargs={"pk": placement.pk, "side": side, "step": first.key}))
    send_templated_mails(
        [
            TemplatedMail(
                person.email,
                "agreement",
                {
                    "event": event,
                    "person": person,
                    "placement": placement,
                    "student_name": placement.student.user.get_full_name(),
                    "organisation_name": placement.organisation.name,
                    "due_on": placement.agreement_due_on,
                    "link": link,
                    "side": side,
                    **context,
                },
                person.language,
            )
            for person in {person.pk: person for person in recipients}.values()
        ]
    )


def _void_signatures(locked: ExpectationAgreement, *, by: User, reason: str, changed_fields: list[str]) -> list[User]:
    """Keep the signed agreement as a version and clear the signatures; returns who had signed."""
    if not (locked.student_signed_at or locked.org_signed_at):
        return []
    signers = []
    if locked.student_signed_at:
        signers.append(locked.placement.student.user)
    if locked.org_signed_by_id:
        signers.append(locked.org_signed_by)
    AgreementVersion.objects.create(
        agreement=locked,
        number=locked.versions.count() + 1,
        content=agreement_steps.values_of(locked),
        student_signed_at=locked.student_signed_at,
        org_signed_at=locked.org_signed_at,
        org_signed_by_name=locked.org_signed_by.get_full_name() if locked.org_signed_by_id else "",
        signed_on_paper=locked.signed_on_paper_by_id is not None,
        voided_at=timezone.now(),
        voided_by=by,
        changed_fields=changed_fields,
        reason=reason,
    )
    locked.student_signed_at = locked.org_signed_at = None
    locked.org_signed_by = locked.signed_on_paper_by = None
    return [person for person in signers if person.pk != by.pk]


def _refuse_if_closed(agreement: ExpectationAgreement) -> None:
    """An approved agreement, or one of a cancelled placement, is no longer changed."""
    if agreement.state == AgreementState.APPROVED:
        raise ValidationError(
            _("The agreement is approved and can no longer be changed. Ask your coordinator if something must change."),
            code="approved",
        )
    if agreement.placement.state == PlacementState.CANCELLED:
        raise ValidationError(_("The placement is cancelled, so its agreement is closed."), code="cancelled")


@transaction.atomic
def agreement_save_step(
    *, agreement: ExpectationAgreement, side: str, step: agreement_steps.Step, values: dict, base: str, user: User
) -> list[str]:
    """Save one step's answers and return the names of the fields that changed.

    ``base`` is the fingerprint of the step's answers when the form was shown;
    if someone else saved other answers since, the save is refused with
    AgreementConflict rather than overwriting them. A change after a signature
    voids the signatures and keeps the signed version.
    """
    locked = _locked(agreement)
    _refuse_if_closed(locked)
    current = agreement_steps.values_of(locked, step.fields)
    incoming = {name: agreement_steps.plain(values.get(name)) for name in step.fields}
    changed = [name for name in step.fields if incoming[name] != current[name]]
    if not changed:
        return []
    if agreement_steps.fingerprint(current) != base:
        raise AgreementConflict(
            current=current,
            changed_by=locked.org_updated_by if side == Side.ORGANISATION else locked.placement.student.user,
            changed_at=locked.org_updated_at if side == Side.ORGANISATION else locked.student_updated_at,
        )
    AgreementChange.objects.create(
        agreement=locked,
        side=side,
        changed_by=user,
        before={name: current[name] for name in changed},
        after={name: incoming[name] for name in changed},
    )
    voided_signers = _void_signatures(locked, by=user, reason="changed", changed_fields=changed)
    for name in step.fields:
        setattr(locked, name, values.get(name))
    now = timezone.now()
    if side == Side.STUDENT:
        locked.student_updated_at = now
        if not agreement_steps.part_is_complete(locked, side):
            locked.student_completed_at = None
    else:
        locked.org_updated_at, locked.org_updated_by = now, user
        if not agreement_steps.part_is_complete(locked, side):
            locked.org_completed_at = None
    _save(locked, agreement)
    if voided_signers:
        notify(agreement, event="voided", recipients=voided_signers, changed_by=user.get_full_name())
    return changed


@transaction.atomic
def agreement_complete_part(*, agreement: ExpectationAgreement, side: str, user: User) -> ExpectationAgreement:
    """A party marks their part as done; the other party, then both for signing, are told."""
    locked = _locked(agreement)
    _refuse_if_closed(locked)
    missing = [str(step.label) for step in agreement_steps.steps_for(side) if not step.is_complete(locked)]
    if missing:
        raise ValidationError(
            _("Answer these steps before you finish your part: %(steps)s.") % {"steps": ", ".join(missing)},
            code="incomplete",
        )
    now = timezone.now()
    if side == Side.STUDENT:
        locked.student_completed_at = locked.student_completed_at or now
    else:
        locked.org_completed_at = locked.org_completed_at or now
    if locked.returned_to == side:
        locked.returned_to = ""
    _save(locked, agreement)
    other = Side.ORGANISATION if side == Side.STUDENT else Side.STUDENT
    if agreement.state == AgreementState.SIGNING and not (agreement.student_signed_at or agreement.org_signed_at):
        notify(
            agreement,
            event="ready_to_sign",
            recipients=_both_parties(agreement.placement),
        )
    elif agreement.state in (AgreementState.DRAFT, AgreementState.RETURNED):
        notify(
            agreement,
            event="part_done",
            recipients=people_acting_for(agreement.placement, other),
            side=other,
            done_side=side,
        )
    return agreement


@transaction.atomic
def agreement_sign(
    *, agreement: ExpectationAgreement, side: str, user: User, read_fingerprint: str
) -> ExpectationAgreement:
    """Sign the whole agreement as read: refused if it changed after the page was shown."""
    locked = _locked(agreement)
    _refuse_if_closed(locked)
    if locked.state not in (AgreementState.SIGNING, AgreementState.SIGNED):
        raise ValidationError(_("Both parts must be finished before the agreement can be signed."), code="not_ready")
    if agreement_steps.fingerprint(agreement_steps.values_of(locked)) != read_fingerprint:
        raise ValidationError(
            _("The agreement was changed while you were reading it. Read it again before you sign."),
            code="changed",
        )
    now = timezone.now()
    if side == Side.STUDENT:
        if locked.student_signed_at:
            raise ValidationError(_("You have already signed this agreement."), code="signed")
        locked.student_signed_at = now
    else:
        if locked.org_signed_at:
            raise ValidationError(_("The agreement is already signed for the organisation."), code="signed")
        locked.org_signed_at, locked.org_signed_by = now, user
    _save(locked, agreement)
    if agreement.state == AgreementState.SIGNED:
        coordinators = User.objects.filter(is_coordinator=True, is_active=True)
        notify(agreement, event="signed", recipients=coordinators)
    else:
        other = Side.ORGANISATION if side == Side.STUDENT else Side.STUDENT
        notify(
            agreement,
            event="sign_next",
            recipients=people_acting_for(agreement.placement, other),
            signer=user.get_full_name(),
        )
    return agreement


@transaction.atomic
def agreement_record_paper(*, agreement: ExpectationAgreement, user: User) -> ExpectationAgreement:
    """A coordinator records that both parties signed a printed copy."""
    locked = _locked(agreement)
    _refuse_if_closed(locked)
    if locked.state not in (AgreementState.SIGNING, AgreementState.SIGNED):
        raise ValidationError(_("Both parts must be finished before signatures can be recorded."), code="not_ready")
    now = timezone.now()
    locked.student_signed_at = locked.student_signed_at or now
    locked.org_signed_at = locked.org_signed_at or now
    locked.signed_on_paper_by = user
    return _save(locked, agreement)


def _send_back(
    locked: ExpectationAgreement, agreement: ExpectationAgreement, *, side: str, comment: str, user: User, by_side: str
) -> list[User]:
    """Reopen ``side``'s part with a comment and void the signatures; tells that party and whoever had signed.

    Returns the people the agreement went back to.
    """
    if not comment.strip():
        raise ValidationError(_("Write what the party should change."), code="comment")
    if side not in Side.values:
        raise ValidationError(_("Choose who should make the changes."), code="side")
    voided = _void_signatures(locked, by=user, reason="returned", changed_fields=[])
    locked.returned_to, locked.return_comment = side, comment.strip()
    locked.returned_at, locked.returned_by, locked.returned_by_side = timezone.now(), user, by_side
    if side == Side.STUDENT:
        locked.student_completed_at = None
    else:
        locked.org_completed_at = None
    _save(locked, agreement)
    returned_to = people_acting_for(agreement.placement, side)
    notify(
        agreement,
        event="returned",
        recipients=returned_to,
        side=side,
        comment=locked.return_comment,
        asked_by=user.get_full_name() if by_side else "",
    )
    others = [person for person in voided if person not in returned_to and person.pk != user.pk]
    if others:
        notify(agreement, event="voided", recipients=others, changed_by=user.get_full_name())
    return returned_to


@transaction.atomic
def agreement_return(*, agreement: ExpectationAgreement, side: str, comment: str, user: User) -> ExpectationAgreement:
    """A coordinator sends the agreement back to one party with a comment; signatures are voided."""
    locked = _locked(agreement)
    _refuse_if_closed(locked)
    _send_back(locked, agreement, side=side, comment=comment, user=user, by_side="")
    return agreement


@transaction.atomic
def agreement_request_change(
    *, agreement: ExpectationAgreement, side: str, comment: str, user: User
) -> ExpectationAgreement:
    """Instead of signing, a party asks the other party for a change.

    The agreement goes back to the other party's part with the comment, as when a coordinator sends it
    back, and the coordinators are told.
    """
    locked = _locked(agreement)
    _refuse_if_closed(locked)
    signed_at = locked.student_signed_at if side == Side.STUDENT else locked.org_signed_at
    if locked.state != AgreementState.SIGNING or signed_at:
        raise ValidationError(
            _("A change can be asked for once both parts are finished, before you sign."), code="not_signing"
        )
    other = Side.ORGANISATION if side == Side.STUDENT else Side.STUDENT
    _send_back(locked, agreement, side=other, comment=comment, user=user, by_side=side)
    coordinators = User.objects.filter(is_coordinator=True, is_active=True)
    notify(
        agreement,
        event="change_requested",
        recipients=coordinators,
        side=other,
        comment=agreement.return_comment,
        asked_by=user.get_full_name(),
    )
    return agreement


@transaction.atomic
def agreement_approve(*, agreement: ExpectationAgreement, user: User) -> ExpectationAgreement:
    """Approve a signed agreement and give the placement its onboarding checklist and question time.

    Starting the placement when its start date has come is ``feedback.lifecycle.agreement_approve_and_start``.
    """
    locked = _locked(agreement)
    if locked.state != AgreementState.SIGNED:
        raise ValidationError(_("Only an agreement signed by both parties can be approved."), code="not_signed")
    if signed_as_party(locked, user):
        raise ValidationError(
            _("You signed this agreement as a party, so another coordinator must approve it."), code="own_signature"
        )
    locked.approved_at, locked.approved_by = timezone.now(), user
    locked.returned_to = ""
    _save(locked, agreement)
    placement_onboarding_start(placement=agreement.placement, agreement=agreement)
    notify(agreement, event="approved", recipients=_both_parties(agreement.placement))
    return agreement
