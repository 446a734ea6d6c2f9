"""Onboarding: the cohort's template, each placement's checklist, the question time and the calendar feed."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from feedback import lifecycle
from innopraksis import accounts, invitations
from innopraksis.models import User
from students import onboarding, placements
from students.models import (
    OWNER_SIDES,
    Cohort,
    ExpectationAgreement,
    ItemOwner,
    OfficeHour,
    OnboardingItem,
    Placement,
    Practice,
)
from tests.conftest import PASSWORD, client_for, invitation_token, make_user
from tests.test_agreement import signed

START = datetime.date(2023, 1, 9)  # a Monday
END = datetime.date(2023, 5, 19)


@pytest.fixture
def cohort(db) -> Cohort:
    cohort = Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=END)
    onboarding.cohort_add_default_template(cohort=cohort)
    return cohort


def place(cast, cohort, student, organisation, supervisor) -> Placement:
    placement = Placement.objects.create(
        cohort=cohort, student=student.student, organisation=organisation, starts_on=START, ends_on=END
    )
    placement.supervisors.add(supervisor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        placements.placement_start_agreement(placement=placement)
    return placement


def approve(cast, placement) -> Placement:
    agreement = placement.agreement
    if agreement.placement.student.user == cast.student_a:
        signed(cast, agreement)
    lifecycle.agreement_approve_and_start(
        agreement=agreement, user=cast.coordinator, today=START - datetime.timedelta(days=1)
    )
    return placement


@pytest.fixture
def placement(cast, cohort) -> Placement:
    return approve(cast, place(cast, cohort, cast.student_a, cast.org_a, cast.supervisor_a))


def item(placement, practice) -> OnboardingItem:
    return placement.onboarding_items.get(practice=practice)


def checklist_url(placement) -> str:
    return reverse("onboarding_checklist", kwargs={"pk": placement.pk})


def checklist(placement, person, changes: dict) -> dict:
    """The checklist form as ``person`` sends it: every item theirs to tick as it was shown, with ``changes``
    (item → (done, note)) made."""
    side = "student" if placement.student.user_id == person.pk else "organisation"
    data = {}
    for row in placement.onboarding_items.all():
        if side not in OWNER_SIDES[row.owner]:
            continue
        done, note = changes.get(row, (row.is_done, row.note))
        data[f"item{row.pk}-seen"] = f"{int(row.is_done)}:{row.note}"
        data[f"item{row.pk}-note"] = note
        if done:
            data[f"item{row.pk}-done"] = "on"
    return data


class TestTemplate:
    def test_a_new_cohort_starts_with_the_six_practices(self, cast):
        response = client_for(cast.coordinator).post(
            reverse("cohort_create"),
            {
                "name": "Internship våren 2024",
                "starts_on": "2024-01-08",
                "ends_on": "2024-05-17",
                "agreement_deadline_days": 14,
                "checkin_cadence_days": 14,
                "chaser_days": 3,
                "last_chaser_days": 7,
            },
        )
        cohort = Cohort.objects.get(name="Internship våren 2024")
        assert response.url == reverse("cohort_detail", kwargs={"pk": cohort.pk})
        template = list(cohort.onboarding_template.all())
        assert {entry.practice for entry in template} == set(Practice.values)
        html = client_for(cast.coordinator).get(reverse("cohort_onboarding", kwargs={"pk": cohort.pk})).content.decode()
        assert "Avklar hva studenten ønsker å få ut av internshipet" in html
        assert "Sett av en fast spørretid" in html

    def as_shown(self, client, url) -> dict:
        """The template form as the page shows it, every field as it stands."""
        forms = client.get(url).context["formset"].forms
        data = {
            "form-TOTAL_FORMS": len(forms),
            "form-INITIAL_FORMS": len(forms) - 1,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
        }
        for index, form in enumerate(forms):
            for name in form.fields:
                value = form[name].value()
                if name != "DELETE" and value is not None:
                    data[f"form-{index}-{name}"] = value
        return data

    def test_the_default_words_are_text_to_edit_and_unchanged_they_follow_the_readers_language(self, cast, cohort):
        client = client_for(cast.coordinator)
        url = reverse("cohort_onboarding", kwargs={"pk": cohort.pk})
        html = client.get(url).content.decode()
        assert 'value="Avklar hva studenten ønsker å få ut av internshipet"' in html
        data = self.as_shown(client, url)
        data["form-1-title"] = "Fast spørretid hver uke"
        assert client.post(url, data).status_code == 302
        clarify, question_time = list(cohort.onboarding_template.all())[:2]
        assert (clarify.title, clarify.explanation) == ("", "")  # unchanged: the practice's own words
        assert question_time.title == "Fast spørretid hver uke"
        with translation.override("en"):
            assert clarify.display_title == "Clarify what the student wants to get out of the internship"

    def test_a_new_item_is_added_at_the_end_and_one_is_removed(self, cast, cohort):
        client = client_for(cast.coordinator)
        url = reverse("cohort_onboarding", kwargs={"pk": cohort.pk})
        data = self.as_shown(client, url)
        data |= {"form-1-DELETE": "on", "form-6-title": "Vis fram kantina", "form-6-owner": "student"}
        assert client.post(url, data).status_code == 302
        titles = [entry.display_title for entry in cohort.onboarding_template.all()]
        assert len(titles) == 6 and titles[-1] == "Vis fram kantina"
        assert "Sett av en fast spørretid" not in titles
        assert [entry.position for entry in cohort.onboarding_template.all()] == [1, 2, 3, 4, 5, 6]

    def test_up_and_down_move_an_item_and_keep_what_was_typed(self, cast, cohort):
        client = client_for(cast.coordinator)
        url = reverse("cohort_onboarding", kwargs={"pk": cohort.pk})
        first, second = list(cohort.onboarding_template.all())[:2]
        data = self.as_shown(client, url) | {"form-0-explanation": "Første dag, sammen.", "move": f"{second.pk}:up"}
        response = client.post(url, data)
        assert response.url == f"{url}#template-item-{second.pk}"
        ordered = list(cohort.onboarding_template.all())
        assert ordered[:2] == [second, first]
        assert ordered[1].explanation == "Første dag, sammen."
        client.post(url, self.as_shown(client, url) | {"move": f"{second.pk}:down"})
        assert list(cohort.onboarding_template.all())[:2] == [first, second]

    def test_a_new_item_needs_a_title(self, cast, cohort):
        client = client_for(cast.coordinator)
        url = reverse("cohort_onboarding", kwargs={"pk": cohort.pk})
        data = {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 0,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
            "form-0-position": 7,
            "form-0-title": "",
            "form-0-explanation": "Noe uten tittel",
            "form-0-owner": "supervisor",
            "form-0-due_days": 3,
        }
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Gi punktet en tittel." in response.content.decode()
        assert cohort.onboarding_template.count() == 6


class TestChecklist:
    def test_approval_gives_the_placement_its_checklist_and_question_time(self, placement):
        items = list(placement.onboarding_items.all())
        assert len(items) == 6
        assert item(placement, Practice.WORKLOAD).due_on == START + datetime.timedelta(days=28)
        assert item(placement, Practice.SAFE_TO_ASK).owner == ItemOwner.BOTH
        office_hour = OfficeHour.objects.get(placement=placement)
        assert (office_hour.weekday, office_hour.starts_at, office_hour.minutes) == (2, datetime.time(14, 0), 30)

    def test_the_checklist_is_made_once_never_twice(self, placement):
        onboarding.placement_onboarding_start(placement=placement, agreement=placement.agreement)
        assert placement.onboarding_items.count() == 6
        assert OfficeHour.objects.filter(placement=placement).count() == 1

    def test_a_later_template_change_leaves_a_given_checklist_alone(self, placement, cohort):
        cohort.onboarding_template.all().delete()
        onboarding.placement_onboarding_start(placement=placement, agreement=placement.agreement)
        assert placement.onboarding_items.count() == 6

    def test_the_supervisor_ticks_their_item_with_a_note(self, cast, placement):
        clarify = item(placement, Practice.CLARIFY)
        response = client_for(cast.supervisor_a).post(
            checklist_url(placement),
            checklist(placement, cast.supervisor_a, {clarify: (True, "Snakket om mål første dag.")}),
            follow=True,
        )
        assert "Sjekklisten er lagret." in response.content.decode()
        clarify.refresh_from_db()
        assert clarify.is_done and clarify.done_by == cast.supervisor_a
        assert clarify.note == "Snakket om mål første dag."

    def test_two_ticks_and_a_note_are_saved_in_one_press(self, cast, placement):
        clarify, adapted = item(placement, Practice.CLARIFY), item(placement, Practice.ADAPTED)
        client_for(cast.supervisor_a).post(
            checklist_url(placement),
            checklist(placement, cast.supervisor_a, {clarify: (True, "Mål avklart."), adapted: (True, "")}),
        )
        clarify.refresh_from_db()
        adapted.refresh_from_db()
        assert (clarify.is_done, clarify.note, adapted.is_done) == (True, "Mål avklart.", True)
        # With the question time, done by the agreement.
        assert placement.status.__class__.objects.get(placement=placement).onboarding_done == 3

    def test_saving_the_checklist_leaves_what_somebody_else_ticked_meanwhile(self, cast, placement):
        shared, clarify = item(placement, Practice.SAFE_TO_ASK), item(placement, Practice.CLARIFY)
        form = checklist(placement, cast.supervisor_a, {clarify: (True, "")})  # the page as shown, shared undone
        onboarding.onboarding_item_update(item=shared, user=cast.student_a, done=True, note="Spurte om rutinene.")
        client_for(cast.supervisor_a).post(checklist_url(placement), form)
        shared.refresh_from_db()
        assert shared.is_done and shared.note == "Spurte om rutinene." and shared.done_by == cast.student_a

    def test_a_note_that_is_too_long_is_sent_back_with_everything_typed(self, cast, placement):
        clarify, adapted = item(placement, Practice.CLARIFY), item(placement, Practice.ADAPTED)
        data = checklist(
            placement, cast.supervisor_a, {clarify: (True, "x" * 2001), adapted: (True, "Torsdager kl. 14.")}
        )
        response = client_for(cast.supervisor_a).post(checklist_url(placement), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="form-errors"' in html and f'href="#id_item{clarify.pk}-note"' in html
        assert "Torsdager kl. 14." in html and "x" * 2001 in html
        assert f'name="item{adapted.pk}-done" id="id_item{adapted.pk}-done" checked' in html
        adapted.refresh_from_db()
        assert not adapted.is_done  # nothing is saved until the whole checklist is

    def test_a_form_that_carries_one_item_leaves_the_others_alone(self, cast, placement):
        clarify, adapted = item(placement, Practice.CLARIFY), item(placement, Practice.ADAPTED)
        onboarding.onboarding_item_update(item=adapted, user=cast.supervisor_a, done=True, note="Tilpasset.")
        data = {f"item{clarify.pk}-done": "on", f"item{clarify.pk}-note": "", f"item{clarify.pk}-seen": "0:"}
        assert client_for(cast.supervisor_a).post(checklist_url(placement), data).status_code == 302
        clarify.refresh_from_db()
        adapted.refresh_from_db()
        assert clarify.is_done and adapted.is_done and adapted.note == "Tilpasset."

    def test_undoing_an_item_clears_who_and_when(self, cast, placement):
        clarify = item(placement, Practice.CLARIFY)
        onboarding.onboarding_item_update(item=clarify, user=cast.supervisor_a, done=True, note="")
        onboarding.onboarding_item_update(item=clarify, user=cast.supervisor_a, done=False, note="Ikke ferdig likevel")
        clarify.refresh_from_db()
        assert (clarify.done_at, clarify.done_by, clarify.note) == (None, None, "Ikke ferdig likevel")

    def test_the_student_ticks_a_shared_item_but_not_the_supervisors(self, cast, placement):
        shared, own = item(placement, Practice.SAFE_TO_ASK), item(placement, Practice.CLARIFY)
        data = checklist(placement, cast.student_a, {shared: (True, "")})
        data[f"item{own.pk}-done"] = "on"  # not the student's to tick: not in their form
        assert client_for(cast.student_a).post(checklist_url(placement), data).status_code == 302
        shared.refresh_from_db()
        own.refresh_from_db()
        assert shared.done_by == cast.student_a and not own.is_done

    def test_people_with_nothing_to_tick_cannot_save_the_checklist(self, cast, placement):
        clarify = item(placement, Practice.CLARIFY)
        data = {f"item{clarify.pk}-done": "on", f"item{clarify.pk}-note": "", f"item{clarify.pk}-seen": "0:"}
        assert client_for(cast.coordinator).post(checklist_url(placement), data).status_code == 403
        assert client_for(cast.supervisor_b).post(checklist_url(placement), data).status_code == 404
        clarify.refresh_from_db()
        assert not clarify.is_done

    def test_the_checklist_page_offers_ticking_only_to_owners(self, cast, placement):
        url = reverse("onboarding_checklist", kwargs={"pk": placement.pk})
        student_html = client_for(cast.student_a).get(url).content.decode()
        coordinator_html = client_for(cast.coordinator).get(url).content.decode()
        clarify, shared = item(placement, Practice.CLARIFY), item(placement, Practice.SAFE_TO_ASK)
        assert f"item{shared.pk}-done" in student_html
        assert f"item{clarify.pk}-done" not in student_html
        assert "-done" not in coordinator_html

    def test_a_supervisor_adds_an_item_of_their_own(self, cast, placement):
        client = client_for(cast.supervisor_a)
        url = reverse("onboarding_item_add", kwargs={"pk": placement.pk})
        response = client.post(url, {"title": "", "owner": "both", "due_on": "2023-01-20"})
        assert "Feltet er påkrevet." in response.content.decode()
        response = client.post(
            url, {"title": "Omvisning i lageret", "explanation": "", "owner": "both", "due_on": "2023-01-20"}
        )
        assert response.status_code == 302
        added = placement.onboarding_items.get(title="Omvisning i lageret")
        assert added.added_by == cast.supervisor_a
        assert client_for(cast.student_a).get(url).status_code == 403


class TestProgress:
    def test_done_total_and_overdue_are_counted_against_today(self, cast, placement):
        onboarding.onboarding_item_update(
            item=item(placement, Practice.CLARIFY), user=cast.supervisor_a, done=True, note=""
        )
        day_eight = START + datetime.timedelta(days=8)  # clarify, question time (day 0) and adapted (day 7) are due
        annotated = Placement.objects.for_page(day_eight).get(pk=placement.pk)
        status = annotated.status
        # Clarify ticked, the question time done by the agreement: adapted is the earliest open item.
        facts = (status.onboarding_done, status.onboarding_total, status.open_item_due)
        assert facts == (2, 6, START + datetime.timedelta(days=7))
        assert annotated.onboarding_overdue
        assert not Placement.objects.for_page(START).get(pk=placement.pk).onboarding_overdue

    def test_the_question_time_item_is_done_by_the_agreement_and_never_overdue(self, cast, placement):
        question_time = item(placement, Practice.QUESTION_TIME)
        assert question_time.is_done and question_time.done_by is None
        html = client_for(cast.supervisor_a).get(checklist_url(placement)).content.decode()
        assert "spørretiden er satt i avtalen" in html
        day_eight = START + datetime.timedelta(days=8)
        assert not OnboardingItem.objects.with_overdue(day_eight).get(pk=question_time.pk).is_overdue

    def test_progress_shows_on_the_placement_and_both_home_pages(self, cast, placement):
        onboarding.onboarding_item_update(
            item=item(placement, Practice.CLARIFY), user=cast.supervisor_a, done=True, note=""
        )
        for user, url in [
            (cast.supervisor_a, reverse("home_supervisor")),
            (cast.student_a, reverse("home_student")),
            (cast.coordinator, reverse("placement_detail", kwargs={"pk": placement.pk})),
        ]:
            html = client_for(user).get(url).content.decode()
            assert "2 av 6 gjort" in html, url
            assert "Hver tirsdag 14:00–14:30, Møterom 2" in html, url


class TestQuestionTime:
    def test_the_supervisor_moves_it_and_the_student_is_told(self, cast, placement):
        url = reverse("office_hour_edit", kwargs={"pk": placement.pk})
        client = client_for(cast.supervisor_a)
        response = client.post(url, {"weekday": 4, "starts_at": "10:00", "minutes": 5, "place": "Kantina"})
        assert "Verdien må være større enn eller lik 15." in response.content.decode()
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url, {"weekday": 4, "starts_at": "10:00", "minutes": 45, "place": "Kantina"})
        assert response.status_code == 302
        (message,) = mail.outbox
        assert message.to == [cast.student_a.email]
        assert "hver torsdag 10:00–10:45, Kantina" in message.body
        assert client_for(cast.student_a).get(url).status_code == 403


def parse(response) -> Calendar:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def feed(client, user):
    return client.get(reverse("calendar_feed", kwargs={"token": accounts.calendar_token_renew(user=user)}))


class TestCalendar:
    def test_the_feed_holds_the_weekly_question_time_and_the_due_dates(self, client, cast, placement):
        calendar = parse(feed(client, cast.student_a))
        events = calendar.walk("VEVENT")
        (weekly,) = [event for event in events if event.get("RRULE")]
        assert weekly["RRULE"]["FREQ"] == ["WEEKLY"]
        start = weekly.decoded("DTSTART")
        assert start.replace(tzinfo=None) == datetime.datetime(2023, 1, 10, 14, 0)  # the first Tuesday
        assert str(start.tzinfo) == "Europe/Oslo"
        assert weekly["DTSTART"].params["TZID"] == "Europe/Oslo"
        assert weekly.decoded("DURATION") == datetime.timedelta(minutes=30)
        assert weekly["RRULE"]["UNTIL"][0].date() == END
        assert str(weekly["SUMMARY"]) == "Spørretid: Siri Student, Solberg & Dahl Revisjon AS"
        assert str(weekly["LOCATION"]) == "Møterom 2"
        due = sorted(event.decoded("DTSTART") for event in events if not event.get("RRULE"))
        assert due == sorted(entry.due_on for entry in placement.onboarding_items.all())
        assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]

    def test_titles_are_in_the_persons_language(self, client, cast, placement):
        cast.supervisor_a.language = "en"
        cast.supervisor_a.save()
        summaries = [str(event["SUMMARY"]) for event in parse(feed(client, cast.supervisor_a)).walk("VEVENT")]
        assert "Question time: Siri Student, Solberg & Dahl Revisjon AS" in summaries
        assert "Onboarding: Set aside a fixed question time (Siri Student)" in summaries

    def test_nothing_from_placements_the_person_cannot_see(self, client, cast, cohort, placement):
        other = place(cast, cohort, cast.student_b, cast.org_b, cast.supervisor_b)
        OfficeHour.objects.create(placement=other, weekday=5, starts_at=datetime.time(9), minutes=30, place="Rådhuset")
        onboarding.placement_onboarding_start(placement=other, agreement=other.agreement)
        text = feed(client, cast.supervisor_b).content.decode()
        assert "Rådhuset" in text
        assert "Siri Student" not in text and "Møterom 2" not in text

    def test_the_address_is_made_on_the_profile_and_shown_only_once(self, client, cast, placement):
        user_client = client_for(cast.student_a)
        before = user_client.get(reverse("profile")).content.decode()
        assert f'<form method="post" action="{reverse("calendar_renew")}">' in before
        assert ".ics" not in before
        response = user_client.post(reverse("calendar_renew"))
        assert response["Cache-Control"] == "no-store"
        token = re.search(r"/calendar/([^/\"]+)\.ics", response.content.decode()).group(1)
        assert client.get(reverse("calendar_feed", kwargs={"token": token})).status_code == 200
        cast.student_a.refresh_from_db()
        # Only its hash is stored: not the token, in the person's row or their session.
        assert cast.student_a.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(User.objects.filter(pk=cast.student_a.pk).values().get())
        assert token not in str(dict(user_client.session))
        assert token not in user_client.get(reverse("profile")).content.decode()

    def test_renewing_stops_the_old_address(self, client, cast, placement):
        old = accounts.calendar_token_renew(user=cast.student_a)
        user_client = client_for(cast.student_a)
        user_client.post(reverse("calendar_renew"))
        assert client.get(reverse("calendar_feed", kwargs={"token": old})).status_code == 404
        assert feed(client, cast.student_a).status_code == 200

    @pytest.mark.parametrize("how", ["change", "reset"])
    def test_a_new_password_stops_the_address(self, client, cast, placement, how):
        token = accounts.calendar_token_renew(user=cast.student_a)
        new_password = "Et-nytt-og-langt-passord-2026"
        if how == "change":
            data = {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password}
            response = client_for(cast.student_a).post(reverse("password_change"), data, follow=True)
        else:
            with TestCase.captureOnCommitCallbacks(execute=True):
                client.post(reverse("password_reset"), {"email": cast.student_a.email})
            link = re.search(r"https?://[^/]+(/password/reset/\S+)", mail.outbox[-1].body).group(1)
            form_url = client.get(link).url
            response = client.post(
                form_url, {"new_password1": new_password, "new_password2": new_password}, follow=True
            )
        assert "kalenderadresse" in response.content.decode()
        assert client.get(reverse("calendar_feed", kwargs={"token": token})).status_code == 404
        cast.student_a.refresh_from_db()
        assert cast.student_a.check_password(new_password)
        assert cast.student_a.calendar_token_hash is None

    def test_a_password_chosen_from_a_new_invitation_stops_the_address_too(self, client, cast, placement):
        token = accounts.calendar_token_renew(user=cast.student_a)
        with TestCase.captureOnCommitCallbacks(execute=True):
            invitations.invitation_for_person(user=cast.student_a, role="student", invited_by=cast.coordinator)
        link = invitation_token(mail.outbox[-1].body)
        new_password = "Et-nytt-og-langt-passord-2026"
        client.post(
            reverse("invitation_accept", kwargs={"token": link}),
            {"full_name": cast.student_a.full_name, "password1": new_password, "password2": new_password},
        )
        assert client.get(reverse("calendar_feed", kwargs={"token": token})).status_code == 404

    def test_an_unknown_address_is_not_found(self, client, db):
        assert client.get(reverse("calendar_feed", kwargs={"token": "not-a-token"})).status_code == 404


class TestQueryCounts:
    def fill(self, cast, cohort, size):
        for number in range(size):
            user = make_user(f"s{size}-{number}@example.org", f"Student {number}")
            from students.models import Student

            Student.objects.create(user=user)
            placement = Placement.objects.create(
                cohort=cohort, student=user.student, organisation=cast.org_a, starts_on=START, ends_on=END
            )
            OfficeHour.objects.create(placement=placement, weekday=2, starts_at=datetime.time(9), minutes=30, place="A")
            onboarding.placement_onboarding_start(
                placement=placement, agreement=ExpectationAgreement(placement=placement)
            )

    # The home: session, user, memberships, the placements with their flags, their open items (none is
    # active yet, so no check-ins or evaluations are loaded).
    @pytest.mark.parametrize(
        ("url_name", "user", "expected"),
        [("home_supervisor", "supervisor_a", 6), ("calendar_feed", "supervisor_a", 8)],
    )
    def test_pages_do_not_grow_with_placements(self, cast, cohort, url_name, user, expected):
        person = getattr(cast, user)
        client = client_for(person)
        kwargs = {"token": accounts.calendar_token_renew(user=person)} if url_name == "calendar_feed" else {}
        counts = []
        for size in (1, 6):
            self.fill(cast, cohort, size)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 200
            counts.append(len(queries))
        assert counts == [expected] * 2

    def test_the_checklist_page_does_not_grow_with_its_items(self, cast, placement):
        client = client_for(cast.supervisor_a)
        url = reverse("onboarding_checklist", kwargs={"pk": placement.pk})
        counts = []
        for extra in (0, 8):
            for number in range(extra):
                OnboardingItem.objects.create(
                    placement=placement, title=f"Ekstra {number}", due_on=START, added_by=cast.supervisor_a
                )
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        # Session, user, the placement with its status, the side check, the items.
        assert counts[0] == counts[1] == 5
