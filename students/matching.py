"""Student-proposing deferred acceptance with capacities: the match of a matching round.

This is the hospitals/residents problem as Gale and Shapley solved it (and Roth and Sotomayor describe
it): each student proposes to the organisations on their list, best first; each organisation holds on
to the best proposals it has room for, in its own order, and turns the others away; a student turned
away proposes to their next choice. When nobody is left to propose, the held proposals are the match.

The match is stable (no student and organisation both prefer each other to what they got) and, among
stable matches, the best one for every student, so a student gains nothing by ranking dishonestly.

The portal's additions, each applied before the algorithm runs:
- a pinned student (a placement agreed beforehand, a special need) is placed first and uses a place;
- a forbidden pair, and a student an organisation marked as not suitable, is taken off the student's list;
- an organisation orders the students it ranked first, best first; the students who ranked it and whom
  it did not rank come after them; ties (all of those unranked students) are broken by lot, with the
  run's seed, so that the same inputs and seed give the same match.

Plain Python, no Django: students and organisations are any hashable ids.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

Student = Hashable
Organisation = Hashable


@dataclass(frozen=True)
class Inputs:
    """Everything a run depends on."""

    # Each student's acceptable organisations, best first.
    preferences: Mapping[Student, tuple[Organisation, ...]]
    # How many students each organisation takes (0 or more).
    capacities: Mapping[Organisation, int]
    # Each organisation's ranking of the students who ranked it, best first; may leave students out.
    rankings: Mapping[Organisation, tuple[Student, ...]] = field(default_factory=dict)
    # Students an organisation marked as not suitable: never placed there.
    unsuitable: frozenset[tuple[Organisation, Student]] = frozenset()
    # Students placed by the coordinators before the match.
    pins: Mapping[Student, Organisation] = field(default_factory=dict)
    # Pairs the coordinators ruled out.
    forbidden: frozenset[tuple[Student, Organisation]] = frozenset()
    # The lot that breaks ties in the organisations' orders.
    seed: int = 0


@dataclass(frozen=True)
class Outcome:
    # Each student's organisation, or None if unmatched.
    placed: dict[Student, Organisation | None]
    # Each organisation's order of the students it could take, best first, as the run used it.
    orders: dict[Organisation, tuple[Student, ...]]
    # Each student's list as the run used it (forbidden and not-suitable pairs taken off).
    lists: dict[Student, tuple[Organisation, ...]]


def organisation_orders(inputs: Inputs) -> dict[Organisation, tuple[Student, ...]]:
    """Each organisation's order of the students who may be placed there: those it ranked, best first, then
    the others who ranked it, in an order drawn by lot from the seed."""
    lot = random.Random(inputs.seed)  # noqa: S311 (a lot, not a secret)
    applicants: dict[Organisation, list[Student]] = {organisation: [] for organisation in inputs.capacities}
    for student in sorted(inputs.preferences, key=repr):
        for organisation in dict.fromkeys(inputs.preferences[student]):  # a choice written twice counts once
            if organisation in applicants and _acceptable(inputs, student, organisation):
                applicants[organisation].append(student)
    orders = {}
    for organisation in sorted(applicants, key=repr):
        applying = set(applicants[organisation])
        ranked = [s for s in dict.fromkeys(inputs.rankings.get(organisation, ())) if s in applying]
        ranked_set = set(ranked)
        rest = [s for s in applicants[organisation] if s not in ranked_set]
        lot.shuffle(rest)
        orders[organisation] = (*ranked, *rest)
    return orders


def _acceptable(inputs: Inputs, student: Student, organisation: Organisation) -> bool:
    return (student, organisation) not in inputs.forbidden and (organisation, student) not in inputs.unsuitable


def match(inputs: Inputs) -> Outcome:
    """The student-optimal stable match of ``inputs``, after pins."""
    orders = organisation_orders(inputs)
    rank = {organisation: {s: i for i, s in enumerate(order)} for organisation, order in orders.items()}
    room = dict(inputs.capacities)
    placed: dict[Student, Organisation | None] = dict.fromkeys(inputs.preferences)
    for student, organisation in inputs.pins.items():
        placed[student] = organisation
        room[organisation] = room.get(organisation, 0) - 1
    lists = {
        student: tuple(o for o in dict.fromkeys(inputs.preferences[student]) if o in rank and student in rank[o])
        for student in inputs.preferences
    }
    held: dict[Organisation, list[Student]] = {organisation: [] for organisation in orders}
    following = dict.fromkeys(lists, 0)  # the next place on each student's list to propose to
    free = deque(student for student in sorted(lists, key=repr) if student not in inputs.pins)
    while free:
        student = free.popleft()
        if following[student] >= len(lists[student]):
            continue  # turned away by every organisation on their list: unmatched
        organisation = lists[student][following[student]]
        following[student] += 1
        held[organisation].append(student)
        held[organisation].sort(key=rank[organisation].__getitem__)
        if len(held[organisation]) > max(room[organisation], 0):
            free.append(held[organisation].pop())  # the one it likes least of those it holds
    for organisation, students in held.items():
        for student in students:
            placed[student] = organisation
    return Outcome(placed=placed, orders=orders, lists=lists)


@dataclass(frozen=True)
class BlockingPair:
    """A student and an organisation that would rather have each other than what they got."""

    student: Student
    organisation: Organisation
    # The pinned student the organisation would give up for this one; None if it has room or would give
    # up a student the match placed (which a stable match never does).
    instead_of: Student | None


def blocking_pairs(inputs: Inputs, outcome: Outcome) -> list[BlockingPair]:
    """Every pair that would rather have each other: a student who prefers an organisation to their place,
    where that organisation has room or holds a student it ranks below them. Without pins there are none;
    a pin can cause them, and each is listed with the pinned student it would replace. An organisation ranks
    a pinned student it did not rank below every student it could have taken."""
    rank = {organisation: {s: i for i, s in enumerate(order)} for organisation, order in outcome.orders.items()}
    taken: dict[Organisation, list[Student]] = {organisation: [] for organisation in inputs.capacities}
    for student, organisation in outcome.placed.items():
        if organisation is not None:
            taken.setdefault(organisation, []).append(student)
    pairs = []
    for student, choices in outcome.lists.items():
        if student in inputs.pins:
            continue  # the coordinators placed them: their own list no longer counts
        for organisation in choices:
            if organisation == outcome.placed[student]:
                break  # every choice after their place is one they like less
            order = rank[organisation]
            if len(taken[organisation]) < inputs.capacities.get(organisation, 0):
                pairs.append(BlockingPair(student, organisation, None))
                continue
            for other in taken[organisation]:
                if order[student] < order.get(other, len(order)):
                    pairs.append(BlockingPair(student, organisation, other if other in inputs.pins else None))
    return pairs


class Reason(StrEnum):
    """Why a student did not get a choice they ranked above the one they got."""

    FULL = "full"  # its places went to students it ranked above them (or to students placed beforehand)
    NOT_SUITABLE = "not_suitable"  # the organisation marked them as not suitable
    RULED_OUT = "ruled_out"  # the coordinators ruled out the pair
    NO_PLACES = "no_places"  # it takes no students in this round


@dataclass(frozen=True)
class Passed:
    """A choice a student ranked above their result, and why it went elsewhere."""

    organisation: Organisation
    choice: int  # 1 for their first choice
    reason: Reason
    places: int  # the organisation's places in the round
    pinned_there: int  # of those, taken by students the coordinators placed beforehand


@dataclass(frozen=True)
class Explanation:
    """A student's result, derived from the run: what they got, and for each choice they ranked higher, why
    not. For "You got your 2nd choice, Fjellheim Sparebank. Your 1st choice, Solberg & Dahl, had 2 places;
    both went to students it ranked above you.\""""

    student: Student
    got: Organisation | None
    choice: int | None  # the place of ``got`` on their list, 1 for their first choice; None if unmatched
    pinned: bool  # the coordinators placed them before the match
    passed: tuple[Passed, ...]


def explain(inputs: Inputs, outcome: Outcome, student: Student) -> Explanation:
    got = outcome.placed[student]
    preferences = tuple(dict.fromkeys(inputs.preferences.get(student, ())))
    choice = preferences.index(got) + 1 if got in preferences else None
    if student in inputs.pins:
        return Explanation(student, got, choice, pinned=True, passed=())
    passed = []
    pinned_at: dict[Organisation, int] = {}
    for pinned_organisation in inputs.pins.values():
        pinned_at[pinned_organisation] = pinned_at.get(pinned_organisation, 0) + 1
    for number, organisation in enumerate(preferences, start=1):
        if organisation == got:
            break
        places = inputs.capacities.get(organisation, 0)
        if (student, organisation) in inputs.forbidden:
            reason = Reason.RULED_OUT
        elif (organisation, student) in inputs.unsuitable:
            reason = Reason.NOT_SUITABLE
        elif places <= 0:
            reason = Reason.NO_PLACES
        else:
            reason = Reason.FULL
        passed.append(Passed(organisation, number, reason, places, pinned_at.get(organisation, 0)))
    return Explanation(student, got, choice, pinned=False, passed=tuple(passed))


@dataclass(frozen=True)
class Figures:
    """A run at a glance."""

    by_choice: dict[int, int]  # how many students got their 1st, 2nd, … choice
    unmatched: tuple[Student, ...]
    unused: dict[Organisation, int]  # places left per organisation, where any are
    pinned: int
    blocking: tuple[BlockingPair, ...]


def figures(inputs: Inputs, outcome: Outcome) -> Figures:
    by_choice: dict[int, int] = {}
    taken: dict[Organisation, int] = {}
    for student, organisation in outcome.placed.items():
        if organisation is None:
            continue
        taken[organisation] = taken.get(organisation, 0) + 1
        if student not in inputs.pins and organisation in inputs.preferences[student]:
            choice = inputs.preferences[student].index(organisation) + 1
            by_choice[choice] = by_choice.get(choice, 0) + 1
    return Figures(
        by_choice=dict(sorted(by_choice.items())),
        unmatched=tuple(sorted((s for s, o in outcome.placed.items() if o is None), key=repr)),
        unused={o: places - taken.get(o, 0) for o, places in inputs.capacities.items() if places > taken.get(o, 0)},
        pinned=len(inputs.pins),
        blocking=tuple(blocking_pairs(inputs, outcome)),
    )
