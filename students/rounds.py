"""The matching round: opening it, the students' and organisations' rankings, the coordinators' pins and
ruled-out pairs, runs of the match, and publishing one run as the cohort's placements.

The match itself is ``students.matching`` (no Django); this module reads its inputs from the round, keeps
every run with them, and explains a run's results from what it kept.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import ordinal
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from innopraksis.mail import (
    TemplatedMail,
    absolute_url,
    may_remind_by_hand,
    refuse_if_reminded_lately,
    send_templated_mails,
)
from innopraksis.models import User
from orgs.models import Membership, MembershipRole, Organisation
from students import matching
from students.models import (
    Applicant,
    ApplicantRank,
    CachedFigures,
    Choice,
    Cohort,
    MatchingRound,
    MatchRun,
    Pairing,
    PairingKind,
    Placement,
    PlacementState,
    RoundOrganisation,
    Student,
    cohort_may_get_round,
    hosted_before,
    organisations_returning_in,
)

# The seeds a run draws: any integer a database's bigint holds.
SEED_LIMIT = 2**62


def students_of(cohort: Cohort) -> QuerySet[Student]:
    """The students a round for ``cohort`` is for: those taking one of its internship courses, whose account is
    active, who have not been placed yet, in it or in an earlier cohort (a cancelled placement does not count),
    and who are not in another round still open."""
    placed = Placement.objects.filter(student=OuterRef("pk")).exclude(state=PlacementState.CANCELLED)
    in_open_round = Applicant.objects.filter(student=OuterRef("pk"), round__published_at__isnull=True)
    return Student.objects.filter(internship_course__in=cohort.course_codes, user__is_active=True).exclude(
        Exists(placed) | Exists(in_open_round)
    )


def organisations_for(cohort: Cohort) -> QuerySet[Organisation]:
    """The register's organisations, each marked returning or first-time in ``cohort``."""
    return organisations_returning_in(Organisation.objects.all(), cohort).order_by("name")


def with_counts(matching_rounds: QuerySet[MatchingRound]) -> QuerySet[MatchingRound]:
    """Annotate how many organisations and students take part, each counted on its own (not over a join of
    both)."""
    participants = RoundOrganisation.objects.filter(round=OuterRef("pk")).values("round").annotate(n=Count("pk"))
    applicants = Applicant.objects.filter(round=OuterRef("pk")).values("round").annotate(n=Count("pk"))
    return matching_rounds.annotate(
        participant_count=Coalesce(Subquery(participants.values("n")), 0),
        applicant_count=Coalesce(Subquery(applicants.values("n")), 0),
    )


def cohorts_without_round(cohorts: QuerySet[Cohort], today: datetime.date) -> list[Cohort]:
    """The cohorts a round can be opened for now (``cohort_may_get_round``)."""
    return [cohort for cohort in cohorts.filter(matching_round__isnull=True) if cohort_may_get_round(cohort, today)]


def participants_of(matching_round: MatchingRound) -> QuerySet[RoundOrganisation]:
    """The round's organisations, each marked returning or first-time in its cohort, with how many students
    ranked it (``chosen_by``)."""
    return (
        matching_round.participants.select_related("organisation")
        .annotate(
            is_returning=hosted_before(OuterRef("organisation"), matching_round.cohort.starts_on),
            chosen_by=Count("choices"),
        )
        .order_by("organisation__name")
    )


def pairings_of(matching_round: MatchingRound) -> QuerySet[Pairing]:
    return Pairing.objects.filter(participant__round=matching_round).select_related(
        "applicant__student__user", "participant__organisation"
    )


def _members_of(organisation_ids) -> dict[int, list[User]]:
    """Each organisation's members who can sign in, in one query."""
    members: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(organisation__in=organisation_ids, user__is_active=True).select_related(
        "user"
    ):
        members.setdefault(membership.organisation_id, []).append(membership.user)
    return members


def _mail(person: User, template: str, context: dict) -> TemplatedMail:
    return TemplatedMail(person.email, template, {"person": person, **context}, person.language)


@transaction.atomic
def round_open(*, form, user: User) -> MatchingRound:
    """Open a round from a valid RoundForm: the organisations chosen take part, the cohort's students are
    asked to rank them, and each organisation's members are asked for their places, each in their language."""
    matching_round = form.save(commit=False)
    if not cohort_may_get_round(matching_round.cohort, timezone.localdate()):
        raise ValidationError(_("A matching round is for a cohort that has not started yet."), code="started")
    matching_round.created_by = user
    matching_round.full_clean()
    matching_round.save()
    organisations = list(form.cleaned_data["organisations"])
    RoundOrganisation.objects.bulk_create(
        RoundOrganisation(round=matching_round, organisation=organisation) for organisation in organisations
    )
    students = list(students_of(matching_round.cohort).select_related("user"))
    Applicant.objects.bulk_create(Applicant(round=matching_round, student=student) for student in students)
    round_link = absolute_url(reverse("round_ranking", kwargs={"pk": matching_round.pk}))
    mails = [  # all active (students_of)
        _mail(student.user, "round_opened_student", {"round": matching_round, "link": round_link})
        for student in students
    ]
    members = _members_of([organisation.pk for organisation in organisations])
    for organisation in organisations:
        link = absolute_url(
            reverse("round_organisation", kwargs={"pk": matching_round.pk, "organisation": organisation.pk})
        )
        mails += [
            _mail(
                person,
                "round_opened_organisation",
                {"round": matching_round, "organisation": organisation, "link": link},
            )
            for person in members.get(organisation.pk, [])
        ]
    send_templated_mails(mails)
    return matching_round


def refuse_if_published(matching_round: MatchingRound) -> None:
    if matching_round.is_published:
        raise ValidationError(_("The round has been published and can no longer be changed."), code="published")


@transaction.atomic
def round_save(*, form) -> MatchingRound:
    """Change a round's dates (a RoundDatesForm). Once an organisation has ranked the students who chose it,
    the students' last day stays where it was: reopening their ranking would change whom the organisations
    ranked."""
    matching_round = MatchingRound.objects.select_for_update().get(pk=form.instance.pk)
    refuse_if_published(matching_round)
    organisations_ranked = ApplicantRank.objects.filter(participant__round=matching_round).exists()
    if organisations_ranked and form.instance.students_until != matching_round.students_until:
        raise ValidationError(
            _("Organisations have ranked the students who chose them, so the students' last day can no longer move."),
            code="organisations_ranked",
        )
    saved = form.save(commit=False)
    saved.full_clean()
    saved.save()
    return saved


def may_change_places(matching_round: MatchingRound, *, by_coordinator: bool, today: datetime.date) -> bool:
    """Organisations state their places until their last day; coordinators change them until publication."""
    return not matching_round.is_published and (by_coordinator or matching_round.organisations_may_describe(today))


@transaction.atomic
def participant_save(*, form, by_coordinator: bool, today: datetime.date) -> RoundOrganisation:
    """An organisation states its places and what a student would do (a ParticipantForm). Organisations may
    until their last day; coordinators until the round is published."""
    matching_round = MatchingRound.objects.select_for_update().get(pk=form.instance.round_id)
    refuse_if_published(matching_round)
    if not may_change_places(matching_round, by_coordinator=by_coordinator, today=today):
        raise ValidationError(
            _("The organisations' last day has passed. Ask the coordinators to change your places."), code="closed"
        )
    participant = form.save(commit=False)
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def ranking_save(
    *, applicant: Applicant, choices: list[tuple[RoundOrganisation, str]], today: datetime.date
) -> Applicant:
    """Store a student's ranking as it stands: the organisations in ``choices`` in that order (best first),
    each with the student's motivation. Each save replaces the one before, so what was saved last is never
    lost; the ranking at the students' last day is the one the match uses."""
    matching_round = MatchingRound.objects.select_for_update().get(pk=applicant.round_id)
    if not matching_round.students_may_rank(today):
        raise ValidationError(
            _("The ranking is closed: students could rank from %(start)s until %(end)s.")
            % {
                "start": formats.date_format(matching_round.opens_on),
                "end": formats.date_format(matching_round.students_until),
            },
            code="closed",
        )
    rows = [
        Choice(applicant=applicant, participant=participant, rank=number, motivation=motivation)
        for number, (participant, motivation) in enumerate(choices, start=1)
    ]
    for row in rows:
        if row.participant.round_id != applicant.round_id:
            raise ValidationError(_("Choose organisations that take part in this round."), code="other_round")
        row.full_clean(exclude=["applicant", "participant"], validate_unique=False, validate_constraints=False)
    applicant.choices.all().delete()
    Choice.objects.bulk_create(rows)
    applicant.saved_at = timezone.now()
    applicant.save(update_fields=["saved_at"])
    return applicant


def with_ranked(applicants: QuerySet[Applicant]) -> QuerySet[Applicant]:
    """Annotate ``has_ranked``: the student has at least one organisation on their ranking. The one rule for
    "has ranked", on the round's page, its figures and its filter."""
    return applicants.annotate(has_ranked=Exists(Choice.objects.filter(applicant=OuterRef("pk"))))


def applicants_of(participant: RoundOrganisation) -> QuerySet[Applicant]:
    """The students who ranked ``participant``, with the motivation each wrote for it (not the place they gave
    it: that is the student's own)."""
    mine = Choice.objects.filter(participant=participant, applicant=OuterRef("pk"))
    return (
        Applicant.objects.filter(choices__participant=participant)
        .select_related("student__user")
        .annotate(motivation=mine.values("motivation")[:1])
        .order_by("student__user__full_name", "pk")
    )


@transaction.atomic
def applicants_rank(
    *, participant: RoundOrganisation, marks: dict[int, tuple[int | None, bool]], today: datetime.date
) -> RoundOrganisation:
    """Store an organisation's ranking of the students who ranked it: for each applicant id, its place (1
    first, or None) and whether it is not suitable. Students left out are neither ranked nor marked."""
    matching_round = MatchingRound.objects.select_for_update().get(pk=participant.round_id)
    if not matching_round.organisations_may_rank(today):
        raise ValidationError(
            _("Organisations rank the students from %(start)s until %(end)s.")
            % {
                "start": formats.date_format(matching_round.students_until + datetime.timedelta(days=1)),
                "end": formats.date_format(matching_round.organisations_until),
            },
            code="closed",
        )
    allowed = set(applicants_of(participant).values_list("pk", flat=True))
    if not set(marks) <= allowed:
        raise ValidationError(_("Rank only students who ranked your organisation."), code="not_applicant")
    rows = [
        ApplicantRank(participant=participant, applicant_id=pk, rank=rank, not_suitable=not_suitable)
        for pk, (rank, not_suitable) in marks.items()
        if rank is not None or not_suitable
    ]
    for row in rows:
        row.full_clean(exclude=["participant", "applicant"], validate_unique=False, validate_constraints=False)
    places = [row.rank for row in rows if row.rank is not None]
    if len(places) != len(set(places)):
        raise ValidationError(_("Each place in the organisation's order can be given once."), code="twice")
    participant.rankings.all().delete()
    ApplicantRank.objects.bulk_create(rows)
    participant.ranked_at = timezone.now() if rows else None
    participant.save(update_fields=["ranked_at"])
    return participant


@transaction.atomic
def pairing_add(*, applicant: Applicant, participant: RoundOrganisation, kind: PairingKind, user: User) -> Pairing:
    """Pin a student to an organisation, or rule out the pair, before the next run."""
    matching_round = MatchingRound.objects.select_for_update().get(pk=applicant.round_id)
    refuse_if_published(matching_round)
    pairing = Pairing(applicant=applicant, participant=participant, kind=kind, made_by=user)
    if participant.round_id != applicant.round_id:
        raise ValidationError(_("Choose a student and an organisation of the same round."), code="other_round")
    if kind == PairingKind.PIN:
        # A student placed beforehand uses one of the organisation's places: there must be one left.
        locked = RoundOrganisation.objects.select_for_update().get(pk=participant.pk)
        pinned = Pairing.objects.filter(participant=locked, kind=PairingKind.PIN).exclude(applicant=applicant).count()
        if pinned >= (locked.capacity or 0):
            raise ValidationError(
                ngettext(
                    "%(organisation)s has %(places)s place, and it is taken by a student placed beforehand. "
                    "Give it more places first.",
                    "%(organisation)s has %(places)s places, and all are taken by students placed beforehand. "
                    "Give it more places first.",
                    locked.capacity or 0,
                )
                % {"organisation": locked.organisation, "places": locked.capacity or 0},
                code="no_place",
            )
    pairing.full_clean()
    pairing.save()
    return pairing


@transaction.atomic
def pairing_remove(*, pairing: Pairing) -> None:
    matching_round = MatchingRound.objects.select_for_update().get(pk=pairing.participant.round_id)
    refuse_if_published(matching_round)
    pairing.delete()


def may_remind(applicant: Applicant, now: datetime.datetime) -> bool:
    return may_remind_by_hand(applicant.reminded_at, now)


@transaction.atomic
def applicant_remind(*, applicant: Applicant, today: datetime.date) -> Applicant:
    """Remind a student by e-mail to rank the organisations, at most once in REMIND_BY_HAND_GAP (the row is
    locked, so two coordinators pressing at once send one)."""
    locked = Applicant.objects.select_for_update().select_related("round__cohort", "student__user").get(pk=applicant.pk)
    now = timezone.now()
    if not locked.round.students_may_rank(today):
        raise ValidationError(
            _("The students' ranking is closed, so there is nothing to remind them of."), code="closed"
        )
    if with_ranked(Applicant.objects.filter(pk=locked.pk)).filter(has_ranked=True).exists():
        raise ValidationError(_("%(name)s has ranked already.") % {"name": locked.student}, code="ranked")
    if not locked.student.user.is_active:
        raise ValidationError(_("%(name)s can no longer sign in.") % {"name": locked.student}, code="inactive")
    refuse_if_reminded_lately(locked.reminded_at, now)
    link = absolute_url(reverse("round_ranking", kwargs={"pk": locked.round_id}))
    send_templated_mails([_mail(locked.student.user, "round_reminder", {"round": locked.round, "link": link})])
    locked.reminded_at = now
    locked.save(update_fields=["reminded_at"])
    return locked


# Runs


def round_inputs(matching_round: MatchingRound, seed: int) -> matching.Inputs:
    """The round's wishes and decisions as the match takes them, by student and organisation id: a constant
    number of queries, whatever the round's size. An organisation that has not stated its places has none."""
    participants = dict(matching_round.participants.values_list("pk", "organisation_id"))
    capacities = dict(matching_round.participants.values_list("organisation_id", "capacity"))
    preferences: dict[int, list[int]] = {
        student: [] for student in matching_round.applicants.values_list("student_id", flat=True)
    }
    for student, participant in (
        Choice.objects.filter(applicant__round=matching_round)
        .order_by("applicant_id", "rank")
        .values_list("applicant__student_id", "participant_id")
    ):
        preferences[student].append(participants[participant])
    rankings: dict[int, list[int]] = {}
    unsuitable = set()
    for organisation, student, rank, not_suitable in (
        ApplicantRank.objects.filter(participant__round=matching_round)
        .order_by("participant_id", "rank")
        .values_list("participant__organisation_id", "applicant__student_id", "rank", "not_suitable")
    ):
        if not_suitable:
            unsuitable.add((organisation, student))
        elif rank is not None:
            rankings.setdefault(organisation, []).append(student)
    pins, forbidden = {}, set()
    for student, organisation, kind in Pairing.objects.filter(applicant__round=matching_round).values_list(
        "applicant__student_id", "participant__organisation_id", "kind"
    ):
        if kind == PairingKind.PIN:
            pins[student] = organisation
        else:
            forbidden.add((student, organisation))
    return matching.Inputs(
        preferences={student: tuple(choices) for student, choices in preferences.items()},
        capacities={organisation: capacity or 0 for organisation, capacity in capacities.items()},
        rankings={organisation: tuple(students) for organisation, students in rankings.items()},
        unsuitable=frozenset(unsuitable),
        pins=pins,
        forbidden=frozenset(forbidden),
        seed=seed,
    )


def _inputs_to_json(inputs: matching.Inputs) -> dict:
    return {
        "preferences": {str(s): list(choices) for s, choices in inputs.preferences.items()},
        "capacities": {str(o): places for o, places in inputs.capacities.items()},
        "rankings": {str(o): list(students) for o, students in inputs.rankings.items()},
        "unsuitable": sorted([o, s] for o, s in inputs.unsuitable),
        "pins": {str(s): o for s, o in inputs.pins.items()},
        "forbidden": sorted([s, o] for s, o in inputs.forbidden),
    }


def run_inputs(run: MatchRun) -> matching.Inputs:
    """The inputs a run was made from, as it kept them."""
    kept = run.inputs
    return matching.Inputs(
        preferences={int(s): tuple(choices) for s, choices in kept["preferences"].items()},
        capacities={int(o): places for o, places in kept["capacities"].items()},
        rankings={int(o): tuple(students) for o, students in kept["rankings"].items()},
        unsuitable=frozenset((o, s) for o, s in kept["unsuitable"]),
        pins={int(s): o for s, o in kept["pins"].items()},
        forbidden=frozenset((s, o) for s, o in kept["forbidden"]),
        seed=run.seed,
    )


def run_is_current(run: MatchRun) -> bool:
    """Whether the round still holds what the run was made from: no ranking, place or decision has changed."""
    return _inputs_to_json(round_inputs(run.round, run.seed)) == run.inputs


def run_placed(run: MatchRun) -> dict[int, int | None]:
    """Each student id of the run and the organisation id they were matched with, or None."""
    return {int(student): organisation for student, organisation in run.placed.items()}


@transaction.atomic
def run_make(*, matching_round: MatchingRound, user: User, seed: int | None = None) -> MatchRun:
    """Run the match on the round as it stands and keep the run: its inputs, seed, result and figures. Without
    a seed, one is drawn; giving an earlier run's seed on the same inputs gives the same result."""
    locked = MatchingRound.objects.select_for_update().get(pk=matching_round.pk)
    refuse_if_published(locked)
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    inputs = round_inputs(locked, seed)
    outcome = matching.match(inputs)
    summary = matching.figures(inputs, outcome)
    number = (locked.runs.aggregate(last=Max("number"))["last"] or 0) + 1
    run = MatchRun(
        round=locked,
        number=number,
        seed=seed,
        inputs=_inputs_to_json(inputs),
        placed={str(student): organisation for student, organisation in outcome.placed.items()},
        figures={
            "by_choice": {str(choice): count for choice, count in summary.by_choice.items()},
            "unmatched": list(summary.unmatched),
            "unused": {str(o): places for o, places in summary.unused.items()},
            "pinned": summary.pinned,
            "blocking": [[pair.student, pair.organisation, pair.instead_of] for pair in summary.blocking],
            "placed": sum(1 for organisation in outcome.placed.values() if organisation is not None),
        },
        made_by=user,
    )
    run.full_clean()
    run.save()
    return run


@dataclass(frozen=True)
class Published:
    placements: list[Placement]
    # Students the match placed who had a live placement in the cohort by then (made by hand meanwhile).
    placed_already: list[Student]


@transaction.atomic
def run_publish(*, run: MatchRun, user: User) -> Published:
    """Publish a run: each matched student gets a planned placement with the cohort's dates and the
    organisation's supervisors, every student and organisation member is told their result in their
    language, and the round becomes read-only. A round is published once: a second attempt (a double click,
    two coordinators) is refused and creates nothing."""
    locked = MatchingRound.objects.select_for_update().select_related("cohort").get(pk=run.round_id)
    refuse_if_published(locked)
    if not locked.may_publish(timezone.localdate()):
        raise ValidationError(
            _("Publish after the students' last day, %(date)s, so that the run holds every student's ranking.")
            % {"date": formats.date_format(locked.students_until)},
            code="too_early",
        )
    cohort = locked.cohort
    placed = {student: organisation for student, organisation in run_placed(run).items() if organisation is not None}
    already = set(
        Placement.objects.filter(cohort=cohort, student__in=placed)
        .exclude(state=PlacementState.CANCELLED)
        .values_list("student_id", flat=True)
    )
    days = dict(locked.participants.values_list("organisation_id", "days"))
    new = [
        Placement(
            cohort=cohort,
            student_id=student,
            organisation_id=organisation,
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
            work_days=days.get(organisation, []),
        )
        for student, organisation in sorted(placed.items())
        if student not in already
    ]
    for placement in new:
        placement.full_clean(exclude=["cohort", "student", "organisation"], validate_constraints=False)
    created = bulk_create_with_history(new, Placement, default_user=user)
    supervisors: dict[int, list[int]] = {}
    main_contacts: dict[int, list[int]] = {}
    for organisation, person, role in Membership.objects.filter(
        organisation__in=set(placed.values()), user__is_active=True
    ).values_list("organisation_id", "user_id", "role"):
        named = supervisors if role == MembershipRole.SUPERVISOR else main_contacts
        named.setdefault(organisation, []).append(person)
    # An organisation without a supervisor has its main contact named until it names one.
    supervisors = {**main_contacts, **supervisors}
    Placement.supervisors.through.objects.bulk_create(
        Placement.supervisors.through(placement_id=placement.pk, user_id=person)
        for placement in created
        for person in supervisors.get(placement.organisation_id, [])
    )
    locked.published_run = run
    locked.published_at = timezone.now()
    locked.save(update_fields=["published_run", "published_at"])
    CachedFigures.objects.clear(cohorts=[cohort.pk])
    _mail_results(locked, run, leave_out=already)
    return Published(
        placements=created, placed_already=list(Student.objects.filter(pk__in=already).select_related("user"))
    )


def _mail_results(matching_round: MatchingRound, run: MatchRun, *, leave_out: set[int]) -> None:
    """Tell every student and organisation member their result. Students in ``leave_out`` got a placement
    another way before publication: the run's result is not theirs, and nobody is told it."""
    placed = {student: organisation for student, organisation in run_placed(run).items() if student not in leave_out}
    names = dict(Organisation.objects.filter(pk__in=set(placed.values()) - {None}).values_list("pk", "name"))
    student_link = absolute_url(reverse("round_ranking", kwargs={"pk": matching_round.pk}))
    students_at: dict[int, list[str]] = {}
    mails = []
    for student in Student.objects.filter(pk__in=placed).select_related("user"):
        organisation = placed[student.pk]
        if organisation is not None:
            students_at.setdefault(organisation, []).append(str(student))
        if student.user.is_active:
            mails.append(
                _mail(
                    student.user,
                    "round_result_student",
                    {"round": matching_round, "organisation": names.get(organisation), "link": student_link},
                )
            )
    participants = list(matching_round.participants.select_related("organisation"))
    members = _members_of([participant.organisation_id for participant in participants])
    for participant in participants:
        link = absolute_url(
            reverse("round_organisation", kwargs={"pk": matching_round.pk, "organisation": participant.organisation_id})
        )
        mails += [
            _mail(
                person,
                "round_result_organisation",
                {
                    "round": matching_round,
                    "organisation": participant.organisation,
                    "students": sorted(students_at.get(participant.organisation_id, [])),
                    "link": link,
                },
            )
            for person in members.get(participant.organisation_id, [])
        ]
    send_templated_mails(mails)


def round_progress(matching_round: MatchingRound) -> dict:
    """How far the round has come: students who ranked, organisations that stated places and that ranked."""
    applicants = with_ranked(matching_round.applicants.all()).aggregate(
        total=Count("pk"), ranked=Count("pk", filter=Q(has_ranked=True))
    )
    participants = matching_round.participants.aggregate(
        total=Count("pk"),
        stated=Count("pk", filter=Q(capacity__isnull=False)),
        ranked=Count("pk", filter=Q(ranked_at__isnull=False)),
    )
    return {"applicants": applicants, "participants": participants}


# What a run says, in words


@dataclass(frozen=True)
class ResultRow:
    """One student's result in a run, as the run's page shows it."""

    student: Student
    organisation: str | None
    choice: int | None  # the place of ``organisation`` on their list; None if unmatched or not on it
    pinned: bool
    lines: list[str]  # why, in words
    room: list[tuple[str, int, bool]]  # for the unmatched: (organisation, places left, ranked by the student)


class KeptRun:
    """A kept run read once for a page or an e-mail: its inputs and result parsed, and its organisations'
    names loaded in one query."""

    def __init__(self, run: MatchRun):
        self.run = run
        self.inputs = run_inputs(run)
        self.placed = run_placed(run)
        self.names = dict(Organisation.objects.filter(pk__in=list(self.inputs.capacities)).values_list("pk", "name"))

    def explain(self, student_id: int) -> matching.Explanation:
        outcome = matching.Outcome(placed=self.placed, orders={}, lists={})
        return matching.explain(self.inputs, outcome, student_id)

    def result_of(self, student_id: int) -> list[str]:
        """A student's result as sentences: what they got, then why not each choice they ranked higher. A
        student who joined the round after the run has none."""
        if student_id not in self.placed:
            return [
                _("You joined the round after this match was run. The coordinators will contact you about a place.")
            ]
        return self._describe(self.explain(student_id))

    def _describe(self, explanation: matching.Explanation) -> list[str]:
        names = self.names
        if explanation.pinned:
            return [
                _("The coordinators placed you with %(organisation)s before the match.")
                % {"organisation": names[explanation.got]}
            ]
        if explanation.got is None and not self.inputs.preferences.get(explanation.student):
            lines = [_("You did not rank any organisation, so the match could not place you.")]
        elif explanation.got is None:
            lines = [_("The match did not place you with any of the organisations you ranked.")]
        else:
            lines = [
                _("You got your %(choice)s choice, %(organisation)s.")
                % {"choice": ordinal(explanation.choice), "organisation": names[explanation.got]}
            ]
        for passed in explanation.passed:
            context = {
                "choice": ordinal(passed.choice),
                "organisation": names[passed.organisation],
                "places": passed.places,
            }
            ranked_by_it = self.inputs.rankings.get(passed.organisation, ())
            if passed.reason == matching.Reason.FULL and explanation.student in ranked_by_it:
                text = ngettext(
                    "Your %(choice)s choice, %(organisation)s, had %(places)s place; it went to a student it ranked "
                    "above you.",
                    "Your %(choice)s choice, %(organisation)s, had %(places)s places; all of them went to students "
                    "it ranked above you.",
                    passed.places,
                )
            elif passed.reason == matching.Reason.FULL and ranked_by_it:
                text = ngettext(
                    "Your %(choice)s choice, %(organisation)s, had %(places)s place; it went to a student it "
                    "ranked, or to one the lot put before you, as it did not rank you.",
                    "Your %(choice)s choice, %(organisation)s, had %(places)s places; they went to the students it "
                    "ranked and to those the lot put before you among the students it did not rank, you included.",
                    passed.places,
                )
            elif passed.reason == matching.Reason.FULL:
                text = ngettext(
                    "Your %(choice)s choice, %(organisation)s, had %(places)s place; it did not rank the students "
                    "who chose it, and the lot put another student before you.",
                    "Your %(choice)s choice, %(organisation)s, had %(places)s places; it did not rank the students "
                    "who chose it, and the lot put the students who got them before you.",
                    passed.places,
                )
            elif passed.reason == matching.Reason.NOT_SUITABLE:
                text = _("Your %(choice)s choice, %(organisation)s, did not find this placement suitable for you.")
            elif passed.reason == matching.Reason.RULED_OUT:
                text = _("Your %(choice)s choice, %(organisation)s, was ruled out for you by the coordinators.")
            else:
                text = _("Your %(choice)s choice, %(organisation)s, took no students this time.")
            lines.append(text % context)
            if passed.pinned_there and passed.reason == matching.Reason.FULL:
                lines.append(
                    ngettext(
                        "The coordinators had placed %(count)s student there before the match.",
                        "The coordinators had placed %(count)s students there before the match.",
                        passed.pinned_there,
                    )
                    % {"count": passed.pinned_there}
                )
        return lines

    def rows(self, student_ids: list[int]) -> list[ResultRow]:
        """The results of these students, in this order (one query for the students)."""
        students = _students_by_id(student_ids)
        room = {int(o): places for o, places in self.run.figures["unused"].items()}
        rows = []
        for student_id in student_ids:
            explanation = self.explain(student_id)
            rows.append(
                ResultRow(
                    student=students[student_id],
                    organisation=self.names.get(self.placed.get(student_id)),
                    choice=explanation.choice,
                    pinned=explanation.pinned,
                    lines=self._describe(explanation),
                    room=[
                        (self.names[o], places, o in self.inputs.preferences.get(student_id, ()))
                        for o, places in room.items()
                        if self.placed.get(student_id) is None and self._may_go(student_id, o)
                    ],
                )
            )
        return rows

    def _may_go(self, student_id: int, organisation_id: int) -> bool:
        """Nobody ruled the pair out: neither the coordinators nor the organisation."""
        return (student_id, organisation_id) not in self.inputs.forbidden and (
            organisation_id,
            student_id,
        ) not in self.inputs.unsuitable

    def blocking(self) -> list[tuple[Student, str, Student | None]]:
        """The pairs that would rather have each other, with the pinned student each would replace."""
        pairs = self.run.figures["blocking"]
        students = _students_by_id([s for s, _o, _i in pairs] + [i for _s, _o, i in pairs if i])
        return [(students[s], self.names[o], students.get(instead)) for s, o, instead in pairs]

    def unused(self) -> list[tuple[str, int]]:
        return sorted((self.names[int(o)], places) for o, places in self.run.figures["unused"].items())

    def by_choice(self) -> list[tuple[int, int]]:
        return sorted((int(choice), count) for choice, count in self.run.figures["by_choice"].items())

    def organisation_result(self, organisation_id: int) -> tuple[list[Student], list[tuple[Student, str]]]:
        """Whom an organisation got, and for each student it ranked and did not get, why: the student was
        placed beforehand elsewhere, the pair was ruled out, the student went to an organisation they ranked
        higher, or its places went to students it ranked above them."""
        got = [s for s, o in self.placed.items() if o == organisation_id]
        reasons = {}
        for student in self.inputs.rankings.get(organisation_id, ()):
            placed = self.placed.get(student, organisation_id)
            if placed == organisation_id:
                continue
            preferences = self.inputs.preferences.get(student, ())
            if student in self.inputs.pins:
                reasons[student] = _("The coordinators placed them elsewhere before the match.")
            elif (student, organisation_id) in self.inputs.forbidden:
                reasons[student] = _("The coordinators ruled out this pair.")
            elif (
                placed is not None
                and placed in preferences
                and organisation_id in preferences
                and (preferences.index(placed) < preferences.index(organisation_id))
            ):
                reasons[student] = _("They went to an organisation they ranked higher.")
            elif self.inputs.capacities.get(organisation_id, 0) <= 0:
                reasons[student] = _("Your organisation took no students this time.")
            else:
                reasons[student] = _("Your places went to students you ranked above them.")
        students = _students_by_id(got + list(reasons))
        return (
            sorted((students[s] for s in got), key=str),
            [(students[s], reason) for s, reason in sorted(reasons.items(), key=lambda item: str(students[item[0]]))],
        )


def _students_by_id(ids) -> dict[int, Student]:
    return {student.pk: student for student in Student.objects.filter(pk__in=list(ids)).select_related("user")}


def students_by_name(ids) -> list[int]:
    """Student ids in the order of their names, for a page of results."""
    return list(Student.objects.filter(pk__in=list(ids)).order_by("user__full_name", "pk").values_list("pk", flat=True))


def students_listed(ids: list[int]) -> list[Student]:
    """These students, in this order."""
    students = _students_by_id(ids)
    return [students[pk] for pk in ids]


def runs_differ(first: KeptRun, second: KeptRun) -> list[int]:
    """The students whose result differs between two runs, by name."""
    students = first.placed.keys() | second.placed.keys()
    return students_by_name(s for s in students if first.placed.get(s) != second.placed.get(s))
