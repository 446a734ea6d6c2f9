"""Placement lifecycle: planned → agreement → active → completed; cancelled from any live state.

Each transition is one function that checks the move is allowed and says why
when it is not.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback import services as feedback_services
from feedback import status as feedback_status
from innopraksis.mail import absolute_url, send_templated_mail
from innopraksis.models import InvitationRole, User
from innopraksis.once import save_once
from innopraksis.services import invitation_for_person
from orgs.services import user_get_or_create
from students import agreements, imports
from students.models import (
    AgreementChange,
    AgreementState,
    AgreementVersion,
    Cohort,
    ExpectationAgreement,
    ImportBatch,
    ItemOwner,
    OfficeHour,
    OnboardingItem,
    OnboardingTemplateItem,
    Placement,
    PlacementState,
    Practice,
    Side,
    Student,
)

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    PlacementState.PLANNED: {PlacementState.AGREEMENT, PlacementState.CANCELLED},
    PlacementState.AGREEMENT: {PlacementState.ACTIVE, PlacementState.CANCELLED},
    PlacementState.ACTIVE: {PlacementState.COMPLETED, PlacementState.CANCELLED},
    PlacementState.COMPLETED: set(),
    PlacementState.CANCELLED: set(),
}


@transaction.atomic
def _move(*, placement: Placement, to: PlacementState) -> Placement:
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if to not in ALLOWED_TRANSITIONS[locked.state]:
        raise ValidationError(
            _("A placement that is %(current)s cannot become %(target)s."),
            code="transition",
            params={"current": locked.get_state_display().lower(), "target": to.label.lower()},
        )
    locked.state = to
    locked.state_changed_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["state", "state_changed_at"])
    placement.state, placement.state_changed_at = locked.state, locked.state_changed_at
    return placement


@transaction.atomic
def placement_start_agreement(*, placement: Placement) -> Placement:
    """The expectation agreement is opened: both parties are asked to fill in their part."""
    _move(placement=placement, to=PlacementState.AGREEMENT)
    agreement, _created = ExpectationAgreement.objects.get_or_create(placement=placement)
    for side in Side:
        _notify(agreement, event="opened", recipients=people_acting_for(agreement.placement, side), side=side)
    return placement


def placement_activate(*, placement: Placement, today: datetime.date | None = None) -> Placement:
    """The agreement is approved and the start date has come."""
    today = today or timezone.localdate()
    agreement = ExpectationAgreement.objects.filter(placement=placement).first()
    if placement.state == PlacementState.AGREEMENT and (agreement is None or not agreement.is_approved):
        raise ValidationError(
            _("A placement can start once its expectation agreement is approved."), code="not_approved"
        )
    if placement.starts_on > today:
        raise ValidationError(
            _("The placement starts on %(date)s; it can become active from that day."),
            code="not_started",
            params={"date": placement.starts_on},
        )
    with transaction.atomic():
        _move(placement=placement, to=PlacementState.ACTIVE)
        feedback_services.schedule_sync(placement=placement)
    return placement


def placement_complete(*, placement: Placement, today: datetime.date | None = None) -> Placement:
    """The end date has passed."""
    today = today or timezone.localdate()
    if placement.ends_on >= today:
        raise ValidationError(
            _("The placement ends on %(date)s; it can be completed after that day."),
            code="not_ended",
            params={"date": placement.ends_on},
        )
    current = Placement.objects.values_list("state", flat=True).get(pk=placement.pk)
    if current == PlacementState.ACTIVE and not feedback_services.final_evaluations_in(placement):
        raise ValidationError(
            _("A placement is completed when both the student and the organisation have given their final evaluation."),
            code="no_final_evaluations",
        )
    return _move(placement=placement, to=PlacementState.COMPLETED)


def placement_cancel(*, placement: Placement) -> Placement:
    return _move(placement=placement, to=PlacementState.CANCELLED)


@transaction.atomic
def student_save(
    *,
    form,
    invited_by=None,
    invite: bool = False,
    base_url: str = "",
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
        user, _created = user_get_or_create(email=data["email"], full_name=data["full_name"])
        student.user = user
    student = form.save()
    if invite:
        invitation_for_person(
            user=user, role=InvitationRole.STUDENT, invited_by=invited_by, base_url=base_url, only_if_new=True
        )
    return student


@dataclass(frozen=True)
class Action:
    """A lifecycle step a coordinator can take from the placement's page."""

    key: str
    label: str
    target: PlacementState
    run: Callable[..., Placement]


ACTIONS: dict[str, Action] = {
    action.key: action
    for action in [
        Action(
            "agreement",
            gettext_lazy("Open the expectation agreement"),
            PlacementState.AGREEMENT,
            placement_start_agreement,
        ),
        Action("active", gettext_lazy("Mark as started"), PlacementState.ACTIVE, placement_activate),
        Action("completed", gettext_lazy("Mark as completed"), PlacementState.COMPLETED, placement_complete),
        Action("cancelled", gettext_lazy("Cancel the placement"), PlacementState.CANCELLED, placement_cancel),
    ]
}


def available_actions(placement: Placement) -> list[Action]:
    return [action for action in ACTIONS.values() if action.target in ALLOWED_TRANSITIONS[placement.state]]


@transaction.atomic
def import_confirm(*, batch: ImportBatch, invited_by, base_url: str) -> dict[str, int]:
    """Import a previewed file once; a second confirmation (another tab, a double click) is refused."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.applied_at is not None:
        raise ValidationError(_("This file has already been imported."), code="already_imported")
    counts = imports.apply(
        kind=locked.kind, text=locked.content, invite=locked.invite, invited_by=invited_by, base_url=base_url
    )
    locked.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    batch.applied_at = locked.applied_at
    return counts


# The expectation agreement
#
# Each function locks the agreement row, so two people acting at once are
# served one after the other and the state is always derived from the fields.


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


def _notify(agreement: ExpectationAgreement, *, event: str, recipients, side: str = "", **context) -> None:
    placement = agreement.placement
    link = absolute_url(agreement.get_absolute_url())
    if side:
        first = next((step for step in agreements.steps_for(side) if not step.is_complete(agreement)), None)
        if event in {"opened", "returned", "part_done"} and first is not None:
            link = absolute_url(reverse("agreement_step", kwargs={"pk": placement.pk, "side": side, "step": first.key}))
    for person in {person.pk: person for person in recipients}.values():
        send_templated_mail(
            to=person.email,
            template="agreement",
            language=person.language,
            context={
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
        content=agreements.values_of(locked),
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


def _refuse_if_approved(agreement: ExpectationAgreement) -> None:
    if agreement.state == AgreementState.APPROVED:
        raise ValidationError(
            _("The agreement is approved and can no longer be changed. Ask your coordinator if something must change."),
            code="approved",
        )


@transaction.atomic
def agreement_save_step(
    *, agreement: ExpectationAgreement, side: str, step: agreements.Step, values: dict, base: str, user: User
) -> list[str]:
    """Save one step's answers and return the names of the fields that changed.

    ``base`` is the fingerprint of the step's answers when the form was shown;
    if someone else saved other answers since, the save is refused with
    AgreementConflict rather than overwriting them. A change after a signature
    voids the signatures and keeps the signed version.
    """
    locked = _locked(agreement)
    _refuse_if_approved(locked)
    current = agreements.values_of(locked, step.fields)
    incoming = {name: agreements.plain(values.get(name)) for name in step.fields}
    changed = [name for name in step.fields if incoming[name] != current[name]]
    if not changed:
        return []
    if agreements.fingerprint(current) != base:
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
        if not agreements.part_is_complete(locked, side):
            locked.student_completed_at = None
    else:
        locked.org_updated_at, locked.org_updated_by = now, user
        if not agreements.part_is_complete(locked, side):
            locked.org_completed_at = None
    _save(locked, agreement)
    if voided_signers:
        _notify(agreement, event="voided", recipients=voided_signers, changed_by=user.get_full_name())
    return changed


@transaction.atomic
def agreement_complete_part(*, agreement: ExpectationAgreement, side: str, user: User) -> ExpectationAgreement:
    """A party marks their part as done; the other party, then both for signing, are told."""
    locked = _locked(agreement)
    _refuse_if_approved(locked)
    missing = [str(step.label) for step in agreements.steps_for(side) if not step.is_complete(locked)]
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
        _notify(
            agreement,
            event="ready_to_sign",
            recipients=_both_parties(agreement.placement),
        )
    elif agreement.state in (AgreementState.DRAFT, AgreementState.RETURNED):
        _notify(
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
    _refuse_if_approved(locked)
    if locked.state not in (AgreementState.SIGNING, AgreementState.SIGNED):
        raise ValidationError(_("Both parts must be finished before the agreement can be signed."), code="not_ready")
    if agreements.fingerprint(agreements.values_of(locked)) != read_fingerprint:
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
        _notify(agreement, event="signed", recipients=coordinators)
    else:
        other = Side.ORGANISATION if side == Side.STUDENT else Side.STUDENT
        _notify(
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
    _refuse_if_approved(locked)
    if locked.state not in (AgreementState.SIGNING, AgreementState.SIGNED):
        raise ValidationError(_("Both parts must be finished before signatures can be recorded."), code="not_ready")
    now = timezone.now()
    locked.student_signed_at = locked.student_signed_at or now
    locked.org_signed_at = locked.org_signed_at or now
    locked.signed_on_paper_by = user
    return _save(locked, agreement)


@transaction.atomic
def agreement_return(*, agreement: ExpectationAgreement, side: str, comment: str, user: User) -> ExpectationAgreement:
    """A coordinator sends the agreement back to one party with a comment; signatures are voided."""
    locked = _locked(agreement)
    _refuse_if_approved(locked)
    if not comment.strip():
        raise ValidationError(_("Write what the party should change."), code="comment")
    if side not in Side.values:
        raise ValidationError(_("Choose who should make the changes."), code="side")
    voided = _void_signatures(locked, by=user, reason="returned", changed_fields=[])
    locked.returned_to, locked.return_comment = side, comment.strip()
    locked.returned_at, locked.returned_by = timezone.now(), user
    if side == Side.STUDENT:
        locked.student_completed_at = None
    else:
        locked.org_completed_at = None
    _save(locked, agreement)
    returned_to = people_acting_for(agreement.placement, side)
    _notify(agreement, event="returned", recipients=returned_to, side=side, comment=locked.return_comment)
    others = [person for person in voided if person not in returned_to]
    if others:
        _notify(agreement, event="voided", recipients=others, changed_by=user.get_full_name())
    return agreement


@transaction.atomic
def agreement_approve(
    *, agreement: ExpectationAgreement, user: User, today: datetime.date | None = None
) -> ExpectationAgreement:
    """Approve a signed agreement; the placement starts at once if its start date has come."""
    locked = _locked(agreement)
    if locked.state != AgreementState.SIGNED:
        raise ValidationError(_("Only an agreement signed by both parties can be approved."), code="not_signed")
    locked.approved_at, locked.approved_by = timezone.now(), user
    locked.returned_to = ""
    _save(locked, agreement)
    placement = agreement.placement
    placement_onboarding_start(placement=placement, agreement=agreement)
    if placement.state == PlacementState.AGREEMENT and placement.starts_on <= (today or timezone.localdate()):
        placement_activate(placement=placement, today=today)
    _notify(
        agreement,
        event="approved",
        recipients=_both_parties(agreement.placement),
    )
    return agreement


def placements_complete_due(*, today: datetime.date | None = None) -> int:
    """Complete every active placement whose end date has passed and whose final evaluations are in (run daily)."""
    today = today or timezone.localdate()
    completed = 0
    for placement in Placement.objects.filter(state=PlacementState.ACTIVE, ends_on__lt=today):
        if feedback_services.final_evaluations_in(placement):
            placement_complete(placement=placement, today=today)
            completed += 1
    return completed


@transaction.atomic
def placement_save(*, form) -> Placement:
    """Save a placement's register data; its check-in schedule follows new dates."""
    placement = form.save()
    feedback_services.schedule_sync(placement=placement)
    return placement


@transaction.atomic
def cohort_save(*, form) -> Cohort:
    """Save a cohort; its placements' check-in schedules follow a new cadence."""
    cohort = form.save()
    for placement in cohort.placements.filter(state__in=feedback_services.SCHEDULED_STATES).select_related("cohort"):
        feedback_services.schedule_sync(placement=placement)
    return cohort


def placements_activate_due(*, today: datetime.date | None = None) -> int:
    """Start every placement whose agreement is approved and whose start date has come (run daily)."""
    today = today or timezone.localdate()
    due = Placement.objects.filter(
        state=PlacementState.AGREEMENT, agreement__state=AgreementState.APPROVED, starts_on__lte=today
    )
    started = 0
    for placement in due:
        placement_activate(placement=placement, today=today)
        started += 1
    return started


# Onboarding: the cohort's checklist template, each placement's checklist and its question time.

# The six practices of the experience write-up as a new cohort's template: (practice, owner, days from the start).
DEFAULT_TEMPLATE = [
    (Practice.CLARIFY, ItemOwner.SUPERVISOR, 0),
    (Practice.QUESTION_TIME, ItemOwner.SUPERVISOR, 0),
    (Practice.ADAPTED, ItemOwner.SUPERVISOR, 7),
    (Practice.RANGE, ItemOwner.SUPERVISOR, 14),
    (Practice.SAFE_TO_ASK, ItemOwner.BOTH, 14),
    (Practice.WORKLOAD, ItemOwner.BOTH, 28),
]


@transaction.atomic
def cohort_create(*, form) -> Cohort:
    """Save a new cohort with the six onboarding practices as its checklist template."""
    cohort = form.save()
    cohort_add_default_template(cohort=cohort)
    return cohort


def cohort_add_default_template(*, cohort: Cohort) -> None:
    """The six onboarding practices as the cohort's template, unless it has a template already."""
    if cohort.onboarding_template.exists():
        return
    OnboardingTemplateItem.objects.bulk_create(
        OnboardingTemplateItem(cohort=cohort, position=position, practice=practice, owner=owner, due_days=days)
        for position, (practice, owner, days) in enumerate(DEFAULT_TEMPLATE, start=1)
    )


@transaction.atomic
def placement_onboarding_start(*, placement: Placement, agreement: ExpectationAgreement) -> None:
    """Give an approved placement its checklist from the cohort's template and its weekly question time.

    Runs once: a placement that already has items from the template, or a
    question time, keeps them.
    """
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if not locked.onboarding_items.filter(added_by__isnull=True).exists():
        OnboardingItem.objects.bulk_create(
            OnboardingItem(
                placement=locked,
                position=item.position,
                practice=item.practice,
                title=item.title,
                explanation=item.explanation,
                owner=item.owner,
                due_on=locked.starts_on + datetime.timedelta(days=item.due_days),
            )
            for item in OnboardingTemplateItem.objects.filter(cohort=locked.cohort_id)
        )
        feedback_status.refresh([locked.pk])  # bulk-created items sent no signals
    if agreement.question_weekday and not OfficeHour.objects.filter(placement=locked).exists():
        office_hour = OfficeHour(
            placement=locked,
            weekday=agreement.question_weekday,
            starts_at=agreement.question_time,
            minutes=agreement.question_minutes,
            place=agreement.question_place,
        )
        office_hour.full_clean()
        office_hour.save()


@transaction.atomic
def onboarding_item_update(*, item: OnboardingItem, user: User, done: bool, note: str) -> OnboardingItem:
    """Tick an item done (recording who and when) or undo it, and keep its note."""
    locked = OnboardingItem.objects.select_for_update().get(pk=item.pk)
    if done and locked.done_at is None:
        locked.done_at, locked.done_by = timezone.now(), user
    elif not done:
        locked.done_at, locked.done_by = None, None
    locked.note = note.strip()
    locked.full_clean()
    locked.save()
    item.done_at, item.done_by, item.note = locked.done_at, locked.done_by, locked.note
    return item


def onboarding_item_add(*, placement: Placement, user: User, form) -> OnboardingItem:
    """A supervisor's own item on their placement's checklist."""
    item = form.save(commit=False)
    item.placement, item.added_by = placement, user
    item.position = (placement.onboarding_items.aggregate(models.Max("position"))["position__max"] or 0) + 1
    return save_once(item, form.cleaned_data.get("once"))[0]


@transaction.atomic
def office_hour_change(*, office_hour: OfficeHour, user: User, form) -> OfficeHour:
    """A supervisor moves the question time; the student is told by e-mail."""
    office_hour = form.save(commit=False)
    office_hour.updated_by = user
    office_hour.full_clean()
    office_hour.save()
    placement = office_hour.placement
    student = placement.student.user
    send_templated_mail(
        to=student.email,
        template="office_hour_changed",
        language=student.language,
        context={
            "person": student,
            "office_hour": office_hour,
            "changed_by": user.get_full_name(),
            "organisation_name": placement.organisation.name,
            "link": absolute_url(placement.get_absolute_url()),
        },
    )
    return office_hour
