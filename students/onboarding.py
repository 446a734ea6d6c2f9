"""Onboarding: each cohort's checklist template, each placement's checklist and its weekly question time.

Every function that adds or ticks items also writes the placement's onboarding columns of PlacementStatus in
the same transaction (``status_update_onboarding``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from innopraksis.mail import absolute_url, send_templated_mail
from innopraksis.models import User
from innopraksis.once import save_once
from students.models import (
    Cohort,
    ExpectationAgreement,
    ItemOwner,
    OfficeHour,
    OnboardingItem,
    OnboardingTemplateItem,
    Placement,
    PlacementStatus,
    Practice,
)

# The six practices of the experience write-up as a new cohort's template: (practice, owner, days from the start).
DEFAULT_TEMPLATE = [
    (Practice.CLARIFY, ItemOwner.SUPERVISOR, 0),
    (Practice.QUESTION_TIME, ItemOwner.SUPERVISOR, 0),
    (Practice.ADAPTED, ItemOwner.SUPERVISOR, 7),
    (Practice.RANGE, ItemOwner.SUPERVISOR, 14),
    (Practice.SAFE_TO_ASK, ItemOwner.BOTH, 14),
    (Practice.WORKLOAD, ItemOwner.BOTH, 28),
]


def onboarding_facts(placement_ids: Iterable[int]) -> dict[int, dict]:
    """The onboarding columns of these placements' status, computed from their items: one grouped query."""
    facts = {pk: {"onboarding_done": 0, "onboarding_total": 0, "open_item_due": None} for pk in placement_ids}
    rows = (
        OnboardingItem.objects.filter(placement__in=list(facts))
        .order_by()
        .values("placement")
        .annotate(
            total=models.Count("pk"),
            done=models.Count("pk", filter=models.Q(done_at__isnull=False)),
            open_due=models.Min("due_on", filter=models.Q(done_at__isnull=True)),
        )
    )
    for row in rows:
        facts[row["placement"]] = {
            "onboarding_done": row["done"],
            "onboarding_total": row["total"],
            "open_item_due": row["open_due"],
        }
    return facts


def status_update_onboarding(placement_ids: Iterable[int]) -> None:
    """Write the onboarding columns of these placements' PlacementStatus from their items."""
    PlacementStatus.objects.write(onboarding_facts(placement_ids), PlacementStatus.ONBOARDING_FIELDS)


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
def cohort_template_save(
    *, cohort: Cohort, formset, move: tuple[int, int] | None = None
) -> OnboardingTemplateItem | None:
    """Save a cohort's edited checklist template from a valid formset: changed and new items, removed ones, and
    positions numbered 1, 2, 3… in their order. ``move`` (an item's id, and -1 up or 1 down) then swaps that
    item with its neighbour; returns the moved item."""
    for item in formset.save(commit=False):
        item.cohort = cohort
        item.save()
    for item in formset.deleted_objects:
        item.delete()
    ordered = sorted(cohort.onboarding_template.all(), key=lambda item: (item.position, item.pk))
    moved = None
    if move is not None:
        pk, step = move
        index = next((index for index, item in enumerate(ordered) if item.pk == pk), -1)
        if index >= 0 and 0 <= index + step < len(ordered):
            ordered[index], ordered[index + step] = ordered[index + step], ordered[index]
            moved = ordered[index + step]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    return moved


@transaction.atomic
def placement_onboarding_start(*, placement: Placement, agreement: ExpectationAgreement) -> None:
    """Give an approved placement its checklist from the cohort's template and its weekly question time.

    Runs once: a placement that already has items from the template, or a
    question time, keeps them. Setting aside a question time is done by the agreement itself, so that item
    is ticked (by nobody) when the question time is set.
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
    if OfficeHour.objects.filter(placement=locked).exists():
        OnboardingItem.objects.filter(placement=locked, practice=Practice.QUESTION_TIME, done_at__isnull=True).update(
            done_at=timezone.now()
        )
    status_update_onboarding([locked.pk])


@transaction.atomic
def onboarding_item_update(*, item: OnboardingItem, user: User, done: bool, note: str) -> OnboardingItem:
    """Tick one item done (recording who and when) or undo it, and keep its note."""
    return onboarding_items_update(placement_id=item.placement_id, user=user, changes={item.pk: (done, note)})[0]


@transaction.atomic
def onboarding_items_update(
    *, placement_id: int, user: User, changes: dict[int, tuple[bool, str]]
) -> list[OnboardingItem]:
    """Save what a person changed on a placement's checklist in one go: ``changes`` maps an item's id to
    whether it is done and its note. A ticked item records who and when; an unticked one forgets them."""
    items = list(
        OnboardingItem.objects.select_for_update()
        .filter(placement_id=placement_id, pk__in=list(changes))
        .order_by("pk")
    )
    for item in items:
        done, note = changes[item.pk]
        if done and item.done_at is None:
            item.done_at, item.done_by = timezone.now(), user
        elif not done:
            item.done_at, item.done_by = None, None
        item.note = note.strip()
        item.full_clean()
        item.save()
    status_update_onboarding([placement_id])
    return items


@transaction.atomic
def onboarding_item_add(*, placement: Placement, user: User, form) -> OnboardingItem:
    """A supervisor's own item on their placement's checklist."""
    item = form.save(commit=False)
    item.placement, item.added_by = placement, user
    item.position = (placement.onboarding_items.aggregate(models.Max("position"))["position__max"] or 0) + 1
    item, _created = save_once(item, form.cleaned_data.get("once"))
    status_update_onboarding([placement.pk])
    return item


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
