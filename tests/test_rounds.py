"""The matching round as its users meet it: a coordinator opens it, students rank, organisations state their
places and rank the students who chose them, the coordinator pins, rules out, runs, compares and publishes."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from innopraksis.models import User
from innopraksis.overview import personal_data, retention
from orgs.models import Membership, Organisation
from students import rounds
from students.models import (
    Applicant,
    ApplicantRank,
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
)
from tests.conftest import client_for, make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def cohort(cast) -> Cohort:
    return Cohort.objects.create(
        name="Praksis høst 2027",
        starts_on=TODAY + 60 * DAY,
        ends_on=TODAY + 180 * DAY,
        internship_courses="INP3001",
    )


@pytest.fixture
def matching_round(cast, cohort) -> MatchingRound:
    """A round in which students are ranking: org A takes 1 student, org B 1."""
    matching_round = MatchingRound.objects.create(
        cohort=cohort,
        opens_on=TODAY - 5 * DAY,
        students_until=TODAY + 5 * DAY,
        organisations_until=TODAY + 10 * DAY,
        created_by=cast.coordinator,
    )
    for organisation in (cast.org_a, cast.org_b):
        RoundOrganisation.objects.create(round=matching_round, organisation=organisation, capacity=1)
    for user in (cast.student_a, cast.student_b):
        Applicant.objects.create(round=matching_round, student=user.student)
    return matching_round


def in_english(*users: User) -> None:
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def participant(matching_round: MatchingRound, organisation: Organisation) -> RoundOrganisation:
    return matching_round.participants.get(organisation=organisation)


def applicant(matching_round: MatchingRound, user: User) -> Applicant:
    return matching_round.applicants.get(student__user=user)


def rank(matching_round, user, *organisations, today=TODAY) -> None:
    rounds.ranking_save(
        applicant=applicant(matching_round, user),
        choices=[(participant(matching_round, organisation), "") for organisation in organisations],
        today=today,
    )


def move_to(matching_round: MatchingRound, phase: str) -> None:
    """Set the round's dates so that today falls in ``phase``."""
    dates = {
        "students": (TODAY - 5 * DAY, TODAY + 5 * DAY, TODAY + 10 * DAY),
        "organisations": (TODAY - 10 * DAY, TODAY - DAY, TODAY + 5 * DAY),
        "closed": (TODAY - 20 * DAY, TODAY - 10 * DAY, TODAY - DAY),
    }[phase]
    MatchingRound.objects.filter(pk=matching_round.pk).update(
        opens_on=dates[0], students_until=dates[1], organisations_until=dates[2]
    )
    matching_round.refresh_from_db()


def ranked_organisations(matching_round, user) -> list[str]:
    return list(
        Choice.objects.filter(applicant=applicant(matching_round, user))
        .order_by("rank")
        .values_list("participant__organisation__name", flat=True)
    )


# Opening a round


def test_coordinator_opens_a_round_and_everyone_is_emailed_in_their_language(
    cast, cohort, django_capture_on_commit_callbacks
):
    Student.objects.filter(user=cast.student_a).update(internship_course="INP3001")
    in_english(cast.supervisor_b, cast.coordinator)
    client = client_for(cast.coordinator)
    page = client.get(reverse("round_create", kwargs={"pk": cohort.pk}), HTTP_ACCEPT_LANGUAGE="en")
    assert "1 student takes the cohort's internship courses" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("round_create", kwargs={"pk": cohort.pk}),
            {
                "opens_on": TODAY.isoformat(),
                "students_until": (TODAY + 7 * DAY).isoformat(),
                "organisations_until": (TODAY + 14 * DAY).isoformat(),
                "organisations": [cast.org_a.pk, cast.org_b.pk],
            },
            follow=True,
        )
    matching_round = MatchingRound.objects.get(cohort=cohort)
    assert response.redirect_chain[-1][0] == reverse("round_detail", kwargs={"pk": matching_round.pk})
    assert [str(a) for a in matching_round.applicants.all()] == ["Siri Student"]
    assert matching_round.participants.count() == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"student.a@example.org", "supervisor.a@example.org", "supervisor.b@example.org"}
    assert "how many students can you take" in by_recipient["supervisor.b@example.org"].subject
    assert "hvor mange studenter kan dere ta" in by_recipient["supervisor.a@example.org"].subject


def test_a_round_whose_organisations_rank_before_the_students_is_refused_with_a_reason(cast, cohort):
    in_english(cast.coordinator)
    response = client_for(cast.coordinator).post(
        reverse("round_create", kwargs={"pk": cohort.pk}),
        {
            "opens_on": TODAY.isoformat(),
            "students_until": (TODAY + 7 * DAY).isoformat(),
            "organisations_until": (TODAY + 7 * DAY).isoformat(),
            "organisations": [cast.org_a.pk],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "their last day must come later" in response.content.decode()
    assert not MatchingRound.objects.exists()


# Students rank


def ranking_url(matching_round) -> str:
    return reverse("round_ranking", kwargs={"pk": matching_round.pk})


def test_student_adds_moves_and_explains_choices_and_nothing_typed_is_lost(cast, matching_round):
    client = client_for(cast.student_a)
    a, b = participant(matching_round, cast.org_a), participant(matching_round, cast.org_b)
    client.post(ranking_url(matching_round), {"action": f"add:{a.pk}"})
    client.post(
        ranking_url(matching_round), {"order": [a.pk], f"motivation_{a.pk}": "Revisjon", "action": f"add:{b.pk}"}
    )
    response = client.post(
        ranking_url(matching_round),
        {
            "order": [a.pk, b.pk],
            f"motivation_{a.pk}": "Revisjon",
            f"motivation_{b.pk}": "Kommune",
            "action": f"up:{b.pk}",
        },
    )
    assert response.url.endswith(f"#choice-{b.pk}")
    assert ranked_organisations(matching_round, cast.student_a) == ["Nordvik kommune", "Solberg & Dahl Revisjon AS"]
    page = client.get(ranking_url(matching_round)).content.decode()
    assert page.index("Kommune") < page.index("Revisjon")


def test_a_motivation_too_long_is_refused_and_the_typed_ranking_comes_back(cast, matching_round):
    client = client_for(cast.student_a)
    a, b = participant(matching_round, cast.org_a), participant(matching_round, cast.org_b)
    rank(matching_round, cast.student_a, cast.org_a)
    response = client.post(
        ranking_url(matching_round),
        {"order": [b.pk, a.pk], f"motivation_{a.pk}": "x" * 1001, f"motivation_{b.pk}": "Kommunen", "action": "save"},
    )
    body = response.content.decode()
    assert "Sørg for at denne verdien har 1000 eller færre tegn (den har nå 1001)." in body
    assert "Kommunen" in body and "x" * 1001 in body
    assert body.index(f'id="choice-{b.pk}"') < body.index(f'id="choice-{a.pk}"')
    assert ranked_organisations(matching_round, cast.student_a) == ["Solberg & Dahl Revisjon AS"]


def test_after_the_students_last_day_the_ranking_is_shown_and_not_changed(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    move_to(matching_round, "organisations")
    client = client_for(cast.student_a)
    b = participant(matching_round, cast.org_b)
    assert 'name="action"' not in client.get(ranking_url(matching_round)).content.decode()
    assert client.post(ranking_url(matching_round), {"order": [b.pk], "action": "save"}).status_code == 403
    assert ranked_organisations(matching_round, cast.student_a) == ["Solberg & Dahl Revisjon AS"]


def test_a_student_of_another_round_gets_404_and_an_organisation_member_403(cast, matching_round):
    outsider = make_user("other@example.org", "Other Student")
    Student.objects.create(user=outsider)
    assert client_for(outsider).get(ranking_url(matching_round)).status_code == 404
    rank(matching_round, cast.student_a, cast.org_a)
    assert client_for(cast.supervisor_a).get(ranking_url(matching_round)).status_code == 403


# Organisations


def applicants_url(matching_round, organisation) -> str:
    return reverse("round_applicants", kwargs={"pk": matching_round.pk, "organisation": organisation.pk})


def test_organisation_sees_who_ranked_it_only_after_the_students_last_day(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    Choice.objects.filter(applicant__student__user=cast.student_a).update(motivation="Jeg liker tall")
    client = client_for(cast.supervisor_a)
    before = client.get(applicants_url(matching_round, cast.org_a)).content.decode()
    assert "Siri Student" not in before and "Jeg liker tall" not in before
    move_to(matching_round, "organisations")
    after = client.get(applicants_url(matching_round, cast.org_a)).content.decode()
    assert "Siri Student" in after and "Jeg liker tall" in after
    assert "Sander Student" not in after  # did not rank org A


def test_organisation_ranks_its_applicants_and_a_place_given_twice_is_refused(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    rank(matching_round, cast.student_b, cast.org_a)
    move_to(matching_round, "organisations")
    client = client_for(cast.supervisor_a)
    siri, sander = applicant(matching_round, cast.student_a), applicant(matching_round, cast.student_b)
    in_english(cast.supervisor_a)
    twice = client.post(applicants_url(matching_round, cast.org_a), {f"rank_{siri.pk}": 1, f"rank_{sander.pk}": 1})
    assert "Place 1 is given twice. Give each student their own place." in twice.content.decode()
    assert not ApplicantRank.objects.exists()
    client.post(applicants_url(matching_round, cast.org_a), {f"rank_{sander.pk}": 1, f"not_suitable_{siri.pk}": "on"})
    marks = {mark.applicant_id: (mark.rank, mark.not_suitable) for mark in ApplicantRank.objects.all()}
    assert marks == {sander.pk: (1, False), siri.pk: (None, True)}


def test_organisation_of_another_round_member_gets_404_for_the_applicants(cast, matching_round):
    other = Organisation.objects.create(name="Fjellheim Sparebank", org_number="934567838")
    member = make_user("fjellheim@example.org", "Frida Fjellheim")
    Membership.objects.create(user=member, organisation=other)
    assert client_for(member).get(applicants_url(matching_round, cast.org_a)).status_code == 404
    assert client_for(cast.supervisor_b).get(applicants_url(matching_round, cast.org_a)).status_code == 404


def test_organisation_states_its_places_and_cannot_after_its_last_day(cast, matching_round):
    url = reverse("round_organisation", kwargs={"pk": matching_round.pk, "organisation": cast.org_b.pk})
    client = client_for(cast.supervisor_b)
    client.post(url, {"capacity": 3, "tasks": "Budsjett og analyse", "days": [2, 4], "place": "Rådhuset"})
    entry = participant(matching_round, cast.org_b)
    assert (entry.capacity, entry.days, entry.place) == (3, [2, 4], "Rådhuset")
    move_to(matching_round, "closed")
    assert client.post(url, {"capacity": 9, "tasks": "", "place": ""}).status_code == 403
    assert participant(matching_round, cast.org_b).capacity == 3


# Coordinators: remind, pin, rule out, run, compare, publish


def test_coordinator_reminds_a_student_once_within_the_gap(cast, matching_round, django_capture_on_commit_callbacks):
    client = client_for(cast.coordinator)
    url = reverse(
        "round_remind", kwargs={"pk": matching_round.pk, "applicant": applicant(matching_round, cast.student_b).pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)
    assert [message.to for message in mail.outbox] == [["student.b@example.org"]]


def run_match(client, matching_round, seed="") -> MatchRun:
    response = client.post(reverse("run_make", kwargs={"pk": matching_round.pk}), {"seed": seed})
    assert response.status_code == 302, response.content.decode()[:500]
    return matching_round.runs.order_by("-number").first()


def test_a_run_explains_itself_and_a_pin_changes_the_next_run(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a, cast.org_b)
    rank(matching_round, cast.student_b, cast.org_a, cast.org_b)
    move_to(matching_round, "organisations")
    siri, sander = applicant(matching_round, cast.student_a), applicant(matching_round, cast.student_b)
    rounds.applicants_rank(
        participant=participant(matching_round, cast.org_a),
        marks={sander.pk: (1, False), siri.pk: (2, False)},
        today=TODAY,
    )
    in_english(cast.coordinator)
    client = client_for(cast.coordinator)
    first = run_match(client, matching_round)
    assert rounds.run_placed(first) == {
        cast.student_a.student.pk: cast.org_b.pk,
        cast.student_b.student.pk: cast.org_a.pk,
    }
    page = client.get(first.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You got your 2nd choice, Nordvik kommune." in page
    assert (
        "Your 1st choice, Solberg &amp; Dahl Revisjon AS, had 1 place; it went to a student it ranked above you."
        in page
    )

    client.post(
        reverse("pairing_add", kwargs={"pk": matching_round.pk}),
        {"applicant": siri.pk, "participant": participant(matching_round, cast.org_a).pk, "kind": PairingKind.PIN},
    )
    second = run_match(client, matching_round)
    assert rounds.run_placed(second) == {
        cast.student_a.student.pk: cast.org_a.pk,
        cast.student_b.student.pk: cast.org_b.pk,
    }
    assert second.figures["blocking"] == [[cast.student_b.student.pk, cast.org_a.pk, cast.student_a.student.pk]]
    compared = client.get(
        reverse("run_compare", kwargs={"pk": matching_round.pk}),
        {"first": first.number, "second": second.number},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "2 students with a different result" in compared


def test_the_same_seed_on_the_same_wishes_gives_the_same_run(cast, matching_round):
    for user in (cast.student_a, cast.student_b):
        rank(matching_round, user, cast.org_a, cast.org_b)
    client = client_for(cast.coordinator)
    runs = [run_match(client, matching_round, seed="12345") for _ in range(3)]
    assert len({tuple(sorted(rounds.run_placed(run).items())) for run in runs}) == 1


def test_a_ruled_out_pair_is_never_matched(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    Pairing.objects.create(
        applicant=applicant(matching_round, cast.student_a),
        participant=participant(matching_round, cast.org_a),
        kind=PairingKind.FORBID,
    )
    run = rounds.run_make(matching_round=matching_round, user=cast.coordinator)
    assert rounds.run_placed(run)[cast.student_a.student.pk] is None


def publish(client, run):
    """Publish ``run`` once both rankings are closed, as publishing needs."""
    move_to(run.round, "closed")
    return client.post(reverse("run_publish", kwargs={"pk": run.round_id, "number": run.number}))


def test_publishing_creates_planned_placements_once_and_tells_everyone(
    cast, matching_round, django_capture_on_commit_callbacks
):
    rank(matching_round, cast.student_a, cast.org_a)
    rank(matching_round, cast.student_b, cast.org_a, cast.org_b)
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round, seed="7")
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, run)
        publish(client, run)
    placements = Placement.objects.filter(cohort=matching_round.cohort)
    assert placements.count() == 2
    for placement in placements:
        assert placement.state == PlacementState.PLANNED
        assert (placement.starts_on, placement.ends_on) == (
            matching_round.cohort.starts_on,
            matching_round.cohort.ends_on,
        )
    at_b = placements.get(organisation=cast.org_b)
    assert list(at_b.supervisors.all()) == [cast.supervisor_b]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["student.a@example.org", "student.b@example.org", "supervisor.a@example.org", "supervisor.b@example.org"]
    )
    matching_round.refresh_from_db()
    assert matching_round.published_run == run
    # Read-only from now on: no more runs, pins or rankings.
    client.post(reverse("run_make", kwargs={"pk": matching_round.pk}), {"seed": ""})
    assert matching_round.runs.count() == 1


def test_the_student_sees_the_explanation_only_after_publication(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_b)
    in_english(cast.student_a)
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round)
    student = client_for(cast.student_a)
    assert (
        "You got your 1st choice"
        not in student.get(ranking_url(matching_round), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    publish(client, run)
    page = student.get(ranking_url(matching_round), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You got your 1st choice, Nordvik kommune." in page


def test_organisation_sees_whom_it_got_and_why_not_the_others_it_ranked(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_b, cast.org_a)
    rank(matching_round, cast.student_b, cast.org_a)
    move_to(matching_round, "organisations")
    siri, sander = applicant(matching_round, cast.student_a), applicant(matching_round, cast.student_b)
    rounds.applicants_rank(
        participant=participant(matching_round, cast.org_a),
        marks={siri.pk: (1, False), sander.pk: (2, False)},
        today=TODAY,
    )
    in_english(cast.supervisor_a)
    client = client_for(cast.coordinator)
    publish(client, run_match(client, matching_round))
    page = client_for(cast.supervisor_a).get(applicants_url(matching_round, cast.org_a), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "Students placed with you" in body and "Sander Student" in body
    assert "Siri Student: They went to an organisation they ranked higher." in body


def test_unmatched_students_are_listed_with_the_organisations_that_have_room(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    rank(matching_round, cast.student_b, cast.org_a)
    in_english(cast.coordinator)
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round)
    page = client.get(run.get_absolute_url(), {"unmatched": "1"}).content.decode()
    unmatched = next(name for name in ("Siri Student", "Sander Student") if name in page)
    row = page[page.index(unmatched) :]
    assert "Nordvik kommune: 1 place" in row[: row.index("</tr>")]


# Query counts do not grow with the round


def grow(matching_round, count: int) -> None:
    organisations = [participant(matching_round, o) for o in Organisation.objects.all()]
    for number in range(count):
        user = make_user(f"grow{number}@example.org", f"Student {number:03}")
        entry = Applicant.objects.create(round=matching_round, student=Student.objects.create(user=user))
        Choice.objects.bulk_create(
            Choice(applicant=entry, participant=p, rank=i) for i, p in enumerate(organisations, start=1)
        )


@pytest.mark.parametrize("size", [3, 40])
def test_the_round_pages_query_counts_do_not_grow_with_the_round(cast, matching_round, size, django_assert_num_queries):
    grow(matching_round, size)
    client = client_for(cast.coordinator)
    run = rounds.run_make(matching_round=matching_round, user=cast.coordinator)
    placed_at_a = next(s for s, o in rounds.run_placed(run).items() if o == cast.org_a.pk)
    Pairing.objects.create(  # so that the second run differs from the first
        applicant=matching_round.applicants.get(student_id=placed_at_a),
        participant=participant(matching_round, cast.org_a),
        kind=PairingKind.FORBID,
    )
    rounds.run_make(matching_round=matching_round, user=cast.coordinator)
    pages = {
        reverse("round_detail", kwargs={"pk": matching_round.pk}): 12,
        run.get_absolute_url(): 7,
        reverse("run_compare", kwargs={"pk": matching_round.pk}) + "?first=1&second=2": 8,
        applicants_url(matching_round, cast.org_a): 6,
    }
    pages[reverse("round_list")] = 5
    pages[reverse("round_organisation", kwargs={"pk": matching_round.pk, "organisation": cast.org_a.pk})] = 5
    for url, queries in pages.items():
        client.get(url)  # the session and the user are loaded once in both sizes
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
    student = client_for(cast.student_a)
    rank(matching_round, cast.student_a, *Organisation.objects.all())
    student.get(ranking_url(matching_round))
    with django_assert_num_queries(6):
        assert student.get(ranking_url(matching_round)).status_code == 200


def test_a_student_added_after_the_published_run_is_told_so_instead_of_an_error(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    Applicant.objects.filter(student__user=cast.student_b).delete()
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round)
    Applicant.objects.create(round=matching_round, student=cast.student_b.student)
    publish(client, run)
    in_english(cast.student_b)
    page = client_for(cast.student_b).get(ranking_url(matching_round))
    assert page.status_code == 200
    assert "You joined the round after this match was run." in page.content.decode()


def test_a_students_rankings_are_in_their_data_export_and_blanked_when_the_cohort_is_anonymised(cast, matching_round):
    rounds.ranking_save(
        applicant=applicant(matching_round, cast.student_a),
        choices=[(participant(matching_round, cast.org_b), "Jeg vil jobbe i kommunen.")],
        today=TODAY,
    )
    sections = {section["name"]: section["data"] for section in personal_data.export_for(cast.student_a)["sections"]}
    assert sections["matching_rankings"][0]["motivation"] == "Jeg vil jobbe i kommunen."
    assert sections["matching_rankings"][0]["organisation"] == "Nordvik kommune"
    retention.anonymise(matching_round.cohort)
    assert list(Choice.objects.values_list("motivation", flat=True)) == [""]


def test_a_button_value_that_names_no_organisation_is_refused_with_a_message(cast, matching_round):
    in_english(cast.student_a)
    for value in ("save:abc", "save:²", "up:", "add:99999999999999999999", "jump:1"):
        response = client_for(cast.student_a).post(ranking_url(matching_round), {"action": value})
        assert response.status_code == 200
        assert "Use the buttons on the page." in response.content.decode() or "Choose an organisation" in (
            response.content.decode()
        )


def test_a_run_cannot_be_published_while_the_students_may_still_rank(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round)
    client.post(reverse("run_publish", kwargs={"pk": matching_round.pk, "number": run.number}))
    matching_round.refresh_from_db()
    assert not matching_round.is_published
    assert not Placement.objects.exists()


def test_a_student_placed_by_hand_before_publication_gets_no_second_placement_and_no_result_mail(
    cast, matching_round, django_capture_on_commit_callbacks
):
    rank(matching_round, cast.student_a, cast.org_a)
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round)
    cohort = matching_round.cohort
    Placement.objects.create(
        cohort=cohort,
        student=cast.student_a.student,
        organisation=cast.org_b,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, run)
    assert list(Placement.objects.values_list("organisation__name", flat=True)) == ["Nordvik kommune"]
    assert "student.a@example.org" not in [message.to[0] for message in mail.outbox]
    assert all("Siri Student" not in message.body for message in mail.outbox)


def test_a_round_without_students_runs_to_an_empty_result(cast, matching_round):
    Applicant.objects.all().delete()
    run = rounds.run_make(matching_round=matching_round, user=cast.coordinator)
    assert run.placed == {} and run.figures["placed"] == 0
    assert client_for(cast.coordinator).get(run.get_absolute_url()).status_code == 200


def test_the_students_last_day_stays_once_an_organisation_has_ranked(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    move_to(matching_round, "organisations")
    rounds.applicants_rank(
        participant=participant(matching_round, cast.org_a),
        marks={applicant(matching_round, cast.student_a).pk: (1, False)},
        today=TODAY,
    )
    before = matching_round.students_until
    in_english(cast.coordinator)
    response = client_for(cast.coordinator).post(
        reverse("round_edit", kwargs={"pk": matching_round.pk}),
        {
            "opens_on": matching_round.opens_on.isoformat(),
            "students_until": (TODAY + 3 * DAY).isoformat(),
            "organisations_until": (TODAY + 9 * DAY).isoformat(),
        },
        follow=True,
    )
    assert "last day can no longer move" in response.content.decode()
    matching_round.refresh_from_db()
    assert matching_round.students_until == before


def test_a_place_given_twice_is_refused_by_the_service_too(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    rank(matching_round, cast.student_b, cast.org_a)
    move_to(matching_round, "organisations")
    marks = {applicant(matching_round, user).pk: (1, False) for user in (cast.student_a, cast.student_b)}
    with pytest.raises(ValidationError):
        rounds.applicants_rank(participant=participant(matching_round, cast.org_a), marks=marks, today=TODAY)
    assert not ApplicantRank.objects.exists()


def test_an_organisation_is_told_when_the_coordinators_ruled_out_a_student_it_ranked(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    move_to(matching_round, "organisations")
    siri = applicant(matching_round, cast.student_a)
    rounds.applicants_rank(
        participant=participant(matching_round, cast.org_a), marks={siri.pk: (1, False)}, today=TODAY
    )
    Pairing.objects.create(applicant=siri, participant=participant(matching_round, cast.org_a), kind=PairingKind.FORBID)
    in_english(cast.supervisor_a)
    client = client_for(cast.coordinator)
    publish(client, run_match(client, matching_round))
    page = client_for(cast.supervisor_a).get(applicants_url(matching_round, cast.org_a)).content.decode()
    assert "Siri Student: The coordinators ruled out this pair." in page


def test_a_student_cannot_be_placed_beforehand_where_no_place_is_left(cast, matching_round):
    RoundOrganisation.objects.filter(organisation=cast.org_b).update(capacity=0)
    in_english(cast.coordinator)
    response = client_for(cast.coordinator).post(
        reverse("pairing_add", kwargs={"pk": matching_round.pk}),
        {
            "applicant": applicant(matching_round, cast.student_a).pk,
            "participant": participant(matching_round, cast.org_b).pk,
            "kind": PairingKind.PIN,
        },
    )
    assert "Nordvik kommune has 0 places" in response.content.decode()
    assert not Pairing.objects.exists()


def test_a_student_in_another_open_round_is_not_asked_again(cast, matching_round):
    Student.objects.filter(user__in=[cast.student_a, cast.student_b]).update(internship_course="INP3001")
    later = Cohort.objects.create(
        name="Praksis vår 2028", starts_on=TODAY + 240 * DAY, ends_on=TODAY + 360 * DAY, internship_courses="INP3001"
    )
    assert list(rounds.students_of(later)) == []
    MatchingRound.objects.filter(pk=matching_round.pk).update(published_at=timezone.now())
    assert {str(student) for student in rounds.students_of(later)} == {"Siri Student", "Sander Student"}


def test_a_round_that_would_end_after_the_cohort_starts_is_refused(cast, matching_round):
    in_english(cast.coordinator)
    response = client_for(cast.coordinator).post(
        reverse("round_edit", kwargs={"pk": matching_round.pk}),
        {
            "opens_on": matching_round.opens_on.isoformat(),
            "students_until": matching_round.students_until.isoformat(),
            "organisations_until": (matching_round.cohort.starts_on + DAY).isoformat(),
        },
    )
    assert "The round must end before the cohort starts" in response.content.decode()
    matching_round.refresh_from_db()
    assert matching_round.organisations_until == TODAY + 10 * DAY


def test_a_published_rounds_forms_lead_back_to_the_round(cast, matching_round):
    rank(matching_round, cast.student_a, cast.org_a)
    client = client_for(cast.coordinator)
    run = run_match(client, matching_round)
    pairing = Pairing.objects.create(
        applicant=applicant(matching_round, cast.student_b),
        participant=participant(matching_round, cast.org_b),
        kind=PairingKind.FORBID,
    )
    publish(client, run)
    in_english(cast.coordinator)
    for name, kwargs in [
        ("round_edit", {}),
        ("round_import", {}),
        ("pairing_remove", {"pairing": pairing.pk}),
        ("run_publish", {"number": run.number}),
    ]:
        response = client.get(reverse(name, kwargs={"pk": matching_round.pk, **kwargs}), follow=True)
        assert response.redirect_chain[-1][0] == reverse("round_detail", kwargs={"pk": matching_round.pk}), name
        assert "The round has been published and can no longer be changed." in response.content.decode()
