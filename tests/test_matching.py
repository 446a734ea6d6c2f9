"""The match of a matching round (students.matching), checked against every stable match of small rounds.

The check is independent of the algorithm: for a round of up to five students and three organisations,
it lists every way of placing the students (each at an organisation on their list, or nowhere, within the
capacities), keeps those that are stable, and requires the algorithm's match to be one of them and, for
every student, at least as good as any of them.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from students.matching import Inputs, Reason, blocking_pairs, explain, figures, match, organisation_orders

ORGANISATIONS = ("Solberg", "Fjellheim", "Nordvik")
STUDENTS = ("Siri", "Sander", "Emma", "Jakob", "Nora")


@st.composite
def rounds(draw, *, with_pins: bool = False) -> Inputs:
    students = STUDENTS[: draw(st.integers(1, len(STUDENTS)))]
    organisations = ORGANISATIONS[: draw(st.integers(1, len(ORGANISATIONS)))]
    preferences = {
        student: tuple(draw(st.permutations(organisations))[: draw(st.integers(0, len(organisations)))])
        for student in students
    }
    capacities = {organisation: draw(st.integers(0, 3)) for organisation in organisations}
    rankings = {}
    for organisation in organisations:
        applicants = [student for student in students if organisation in preferences[student]]
        ranked = draw(st.permutations(applicants))
        rankings[organisation] = tuple(ranked[: draw(st.integers(0, len(ranked)))])  # some rank nobody
    pairs = [(student, organisation) for student in students for organisation in organisations]
    forbidden = frozenset(draw(st.lists(st.sampled_from(pairs), max_size=2)))
    unsuitable = frozenset((o, s) for s, o in draw(st.lists(st.sampled_from(pairs), max_size=2)))
    pins = {}
    if with_pins:
        pinned = draw(st.lists(st.sampled_from(students), max_size=2, unique=True))
        pins = {student: draw(st.sampled_from(organisations)) for student in pinned}
    return Inputs(
        preferences=preferences,
        capacities=capacities,
        rankings=rankings,
        unsuitable=unsuitable,
        pins=pins,
        forbidden=forbidden,
        seed=draw(st.integers(0, 2**32)),
    )


def every_stable_match(inputs: Inputs) -> list[dict]:
    """By brute force: every placement of the students within their lists and the capacities that no student
    and organisation would both leave for each other, ordered as the run orders (the same lot)."""
    orders = organisation_orders(inputs)
    lists = {
        student: [o for o in inputs.preferences[student] if student in orders.get(o, ())]
        for student in inputs.preferences
    }
    students = list(lists)
    stable = []
    for choice in itertools.product(*([*lists[student], None] for student in students)):
        placed = dict(zip(students, choice, strict=True))
        counts = {o: list(placed.values()).count(o) for o in inputs.capacities}
        if any(counts[o] > inputs.capacities[o] for o in counts):
            continue
        if not any(_blocks(student, o, placed, orders, inputs, lists) for student in students for o in lists[student]):
            stable.append(placed)
    return stable


def _blocks(student, organisation, placed, orders, inputs, lists) -> bool:
    mine = placed[student]
    if mine is not None and lists[student].index(mine) <= lists[student].index(organisation):
        return False  # they like their place at least as well
    there = [s for s, o in placed.items() if o == organisation]
    if len(there) < inputs.capacities[organisation]:
        return True
    order = orders[organisation]
    return any(order.index(student) < order.index(other) for other in there)


def position(inputs: Inputs, student, organisation) -> int:
    return inputs.preferences[student].index(organisation) if organisation else len(inputs.preferences[student])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(rounds())
def test_the_match_is_stable_and_best_for_every_student_among_stable_matches(inputs):
    result = match(inputs).placed
    stable = every_stable_match(inputs)
    assert result in stable
    for other in stable:
        for student in inputs.preferences:
            assert position(inputs, student, result[student]) <= position(inputs, student, other[student])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(rounds(with_pins=True))
def test_pins_are_placed_first_and_only_they_can_make_a_pair_that_would_rather_have_each_other(inputs):
    outcome = match(inputs)
    for student, organisation in inputs.pins.items():
        assert outcome.placed[student] == organisation
    for student, organisation in outcome.placed.items():
        if organisation is not None and student not in inputs.pins:
            assert (student, organisation) not in inputs.forbidden
            assert (organisation, student) not in inputs.unsuitable
            assert organisation in inputs.preferences[student]
    taken = {o: [s for s, p in outcome.placed.items() if p == o] for o in inputs.capacities}
    unpinned = {o: [s for s in students if s not in inputs.pins] for o, students in taken.items()}
    for organisation, students in unpinned.items():
        assert len(students) <= max(inputs.capacities[organisation] - (len(taken[organisation]) - len(students)), 0)
    for pair in blocking_pairs(inputs, outcome):
        assert pair.instead_of in inputs.pins  # every pair that would rather have each other is a pin's doing
    if not inputs.pins:
        assert blocking_pairs(inputs, outcome) == []


@settings(max_examples=100, deadline=None, derandomize=True)
@given(rounds(with_pins=True))
def test_the_same_inputs_and_seed_give_the_same_match(inputs):
    assert match(inputs) == match(inputs)


def test_an_organisation_that_ranks_nobody_takes_everyone_who_ranked_it_in_an_order_drawn_by_lot():
    preferences = {student: ("Solberg",) for student in STUDENTS}
    taken = set()
    for seed in range(20):
        inputs = Inputs(preferences=preferences, capacities={"Solberg": 2}, seed=seed)
        placed = match(inputs).placed
        chosen = frozenset(student for student, organisation in placed.items() if organisation == "Solberg")
        assert len(chosen) == 2
        taken.add(chosen)
    assert len(taken) > 1  # the lot decides, and different seeds draw differently
    everyone = Inputs(preferences=preferences, capacities={"Solberg": 5})
    assert set(match(everyone).placed.values()) == {"Solberg"}


def test_an_organisation_takes_the_students_it_ranked_before_the_others():
    inputs = Inputs(
        preferences={"Siri": ("Solberg",), "Sander": ("Solberg",), "Emma": ("Solberg",)},
        capacities={"Solberg": 1},
        rankings={"Solberg": ("Emma",)},
    )
    assert match(inputs).placed == {"Siri": None, "Sander": None, "Emma": "Solberg"}


def test_a_pin_that_fills_an_organisation_is_named_as_the_cause_of_the_pair_it_blocks():
    inputs = Inputs(
        preferences={"Siri": ("Solberg", "Nordvik"), "Sander": ("Nordvik",)},
        capacities={"Solberg": 1, "Nordvik": 1},
        rankings={"Solberg": ("Siri",)},
        pins={"Sander": "Solberg"},
    )
    outcome = match(inputs)
    assert outcome.placed == {"Siri": "Nordvik", "Sander": "Solberg"}
    (pair,) = blocking_pairs(inputs, outcome)
    assert (pair.student, pair.organisation, pair.instead_of) == ("Siri", "Solberg", "Sander")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(rounds(with_pins=True))
def test_each_explanation_holds_for_the_run(inputs):
    """What a student is told about every choice above their result is true of the run."""
    outcome = match(inputs)
    there = {o: [s for s, p in outcome.placed.items() if p == o] for o in inputs.capacities}
    for student in inputs.preferences:
        told = explain(inputs, outcome, student)
        assert told.got == outcome.placed[student]
        if told.pinned:
            continue
        assert [passed.choice for passed in told.passed] == list(range(1, len(told.passed) + 1))
        for passed in told.passed:
            organisation = passed.organisation
            if passed.reason == Reason.FULL:
                # Full, and everyone it took was ranked above this student or placed beforehand.
                assert len(there[organisation]) >= passed.places
                order = outcome.orders[organisation]
                for other in there[organisation]:
                    assert other in inputs.pins or order.index(other) < order.index(student)
            elif passed.reason == Reason.NOT_SUITABLE:
                assert (organisation, student) in inputs.unsuitable
            elif passed.reason == Reason.RULED_OUT:
                assert (student, organisation) in inputs.forbidden
            else:
                assert inputs.capacities[organisation] == 0


def test_the_figures_count_choices_unmatched_students_and_places_left():
    inputs = Inputs(
        preferences={"Siri": ("Solberg", "Nordvik"), "Sander": ("Solberg",), "Emma": ("Solberg", "Nordvik")},
        capacities={"Solberg": 1, "Nordvik": 3},
        rankings={"Solberg": ("Sander", "Siri", "Emma")},
    )
    outcome = match(inputs)
    summary = figures(inputs, outcome)
    assert summary.by_choice == {1: 1, 2: 2}
    assert summary.unmatched == ()
    assert summary.unused == {"Nordvik": 1}
    told = explain(inputs, outcome, "Siri")
    assert (told.got, told.choice) == ("Nordvik", 2)
    (first,) = told.passed
    assert (first.organisation, first.reason, first.places) == ("Solberg", Reason.FULL, 1)


def test_a_student_or_a_choice_written_twice_counts_once_and_in_its_first_place():
    inputs = Inputs(
        preferences={"s1": ("A", "A"), "s2": ("A",)},
        capacities={"A": 1},
        rankings={"A": ("s2", "s1", "s2")},
    )
    assert match(inputs).placed == {"s1": None, "s2": "A"}
    assert organisation_orders(inputs)["A"] == ("s2", "s1")


def test_a_student_placed_beforehand_without_a_list_is_explained_as_placed():
    inputs = Inputs(preferences={"s1": ("A",)}, capacities={"A": 1, "B": 1}, pins={"s2": "B"})
    outcome = match(inputs)
    assert outcome.placed == {"s1": "A", "s2": "B"}
    told = explain(inputs, outcome, "s2")
    assert (told.got, told.pinned, told.choice) == ("B", True, None)
