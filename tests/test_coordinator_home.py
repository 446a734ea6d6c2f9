"""The coordinator's home: what needs attention now, the worst first, with a reminder to send by hand."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback import checkins
from feedback.models import ReminderNow
from innopraksis import outbox
from innopraksis.models import Mail, MailStatus
from students.models import Student
from tests.conftest import client_for, make_user
from tests.test_feedback import cohort, started  # noqa: F401  (the fixture)

LATE = datetime.datetime(2023, 1, 25, 12, 0)  # the first check-in was due on 23 January


def home(client):
    return client.get(reverse("home_coordinator")).content.decode()


def remind(client, placement, side):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("reminder_send", kwargs={"pk": placement.pk}), {"side": side})


def test_flagged_placements_come_worst_first_with_what_each_party_is_late_with(cast, cohort):  # noqa: F811
    only_late = started(cast, cohort)
    worse = started(cast, cohort, cast.student_b, cast.org_b, cast.supervisor_b)
    first = only_late.checkins.order_by("due_on").first()
    checkins.checkin_answer_student(checkin=first, user=cast.student_a, answers={"workload": 3, "resource": 4})
    worse_first = worse.checkins.order_by("due_on").first()
    checkins.checkin_answer_student(checkin=worse_first, user=cast.student_b, answers={"workload": 5, "resource": 1})
    with time_machine.travel(LATE, tick=False):
        html = home(client_for(cast.coordinator))
    assert "<h1>Trenger oppmerksomhet nå</h1>" in html
    # Sander (overdue, workload and resource) before Siri (overdue only).
    assert html.index("Sander Student – ") < html.index("Siri Student – ")
    assert "den venter på svar fra organisasjonen" in html
    assert "Solberg &amp; Dahl Revisjon AS er forsinket med:" in html  # the organisation of Siri
    assert html.count("Send en påminnelse nå") == 2  # one for each organisation; both students answered


def test_a_reminder_sent_now_reaches_the_party_and_is_recorded(cast, cohort):  # noqa: F811
    placement = started(cast, cohort)
    coordinator = client_for(cast.coordinator)
    with time_machine.travel(LATE, tick=False):
        response = remind(coordinator, placement, "organisation")
        assert response.url == reverse("home_coordinator")
        html = home(coordinator)
    assert [message.to for message in mail.outbox] == [[cast.supervisor_a.email]]
    assert "Kari Koordinator, koordinatoren din i InnoPraksis, minner deg om dette:" in mail.outbox[0].body
    reminder = ReminderNow.objects.get()
    assert reminder.sent_by == cast.coordinator
    assert reminder.keys == [f"checkin:{placement.checkins.order_by('due_on').first().pk}:organisation"]
    assert "Påminnet av Kari Koordinator 25.01.2023" in html


def test_no_reminder_is_sent_of_what_is_not_late(cast, cohort):  # noqa: F811
    placement = started(cast, cohort)
    with time_machine.travel(datetime.datetime(2023, 1, 20, 12, 0), tick=False):  # not due yet
        response = remind(client_for(cast.coordinator), placement, "organisation")
        assert response.status_code == 302
    assert mail.outbox == [] and not ReminderNow.objects.exists()


def test_a_party_is_reminded_by_hand_once_a_day_at_most(cast, cohort):  # noqa: F811
    placement = started(cast, cohort)
    coordinator, colleague = client_for(cast.coordinator), client_for(cast.coordinator)
    with time_machine.travel(LATE, tick=False):
        assert home(coordinator).count("Send en påminnelse nå") == 2  # the student and the organisation
        remind(coordinator, placement, "organisation")
        assert home(coordinator).count("Send en påminnelse nå") == 1  # none for a party reminded just now
        again = colleague.post(reverse("reminder_send", kwargs={"pk": placement.pk}), {"side": "organisation"})
        page = colleague.get(again.url).content.decode()
        assert "De ble påminnet 25.01.2023 13:00. Neste påminnelse kan sendes fra 26.01.2023 09:00." in page
    with time_machine.travel(LATE + datetime.timedelta(days=1), tick=False):
        assert home(coordinator).count("Send en påminnelse nå") == 2
        remind(coordinator, placement, "organisation")
    assert len(mail.outbox) == ReminderNow.objects.count() == 2


def test_a_party_nobody_can_receive_a_reminder_for_is_told_so(cast, cohort):  # noqa: F811
    placement = started(cast, cohort)
    cast.supervisor_a.is_active = False
    cast.supervisor_a.save(update_fields=["is_active"])
    coordinator = client_for(cast.coordinator)
    with time_machine.travel(LATE, tick=False):
        response = remind(coordinator, placement, "organisation")
        assert "Ingen kan få påminnelsen" in coordinator.get(response.url).content.decode()
    assert mail.outbox == [] and not ReminderNow.objects.exists()


@pytest.mark.parametrize("role", ["supervisor_a", "student_a"])
def test_only_a_coordinator_sends_a_reminder_by_hand(cast, cohort, role):  # noqa: F811
    placement = started(cast, cohort)
    with time_machine.travel(LATE, tick=False):
        assert remind(client_for(cast.by_role(role)), placement, "organisation").status_code == 403
    assert mail.outbox == []


def test_the_home_does_not_grow_with_the_flagged_placements(cast, cohort):  # noqa: F811
    coordinator = client_for(cast.coordinator)
    counts = []
    for size in (1, 6):
        while cohort.placements.count() < size:
            number = cohort.placements.count()
            student = make_user(f"late{number}@example.org", f"Sen Student {number}")
            Student.objects.create(user=student)
            started(cast, cohort, student, cast.org_a, cast.supervisor_a)
        with time_machine.travel(LATE, tick=False), CaptureQueriesContext(connection) as queries:
            assert coordinator.get(reverse("home_coordinator")).status_code == 200
        counts.append(len(queries))
    assert counts == [EXPECTED_HOME_QUERIES] * 2


# Session, user with roles; the organisation, student, alumni, pending-invitation and undelivered e-mail counts,
# the latest invitations, new messages, agreements waiting for approval; the flagged placements, their open
# onboarding items, check-ins and evaluations, and the reminders sent of them by hand.
EXPECTED_HOME_QUERIES = 15


def test_the_home_counts_current_students_apart_from_alumni(cast, cohort):  # noqa: F811
    started(cast, cohort)  # Siri, in the spring 2023 cohort; Sander is not placed yet
    with time_machine.travel(LATE, tick=False):
        html = home(client_for(cast.coordinator))
    assert '<p class="figure mb-0">2</p><p class="mb-0"><a href="/students/">Studenter nå</a>' in html
    assert "og 0 tidligere studenter" in html
    with time_machine.travel(datetime.datetime(2023, 6, 1, 12, 0), tick=False):  # the cohort has ended
        html = home(client_for(cast.coordinator))
    assert '<p class="figure mb-0">1</p>' in html and "og 1 tidligere student<" in html


def test_a_reminder_the_mail_server_keeps_refusing_shows_with_its_reason_until_sent_again(cast, cohort, settings):  # noqa: F811
    placement = started(cast, cohort)
    settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
    coordinator = client_for(cast.coordinator)
    with time_machine.travel(LATE, tick=False):
        response = remind(coordinator, placement, "organisation")
        assert "Påminnelsen er sendt til" in coordinator.get(response.url).content.decode()
    assert ReminderNow.objects.count() == 1  # recorded: the e-mail waits for the mail server, not the page
    for _ in outbox.RETRY_PAUSES:
        due = Mail.objects.get().next_attempt_at
        with time_machine.travel(due, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            outbox.requeue_stalled()
    undelivered = Mail.objects.get()
    assert (undelivered.status, undelivered.attempts) == (MailStatus.FAILED, len(outbox.RETRY_PAUSES) + 1)
    html = home(coordinator)
    assert "1 e-post kunne ikke leveres." in html
    page = coordinator.get(reverse("mail_undelivered")).content.decode()
    assert cast.supervisor_a.email in page and "Connection unexpectedly closed" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = coordinator.post(reverse("mail_send_again", kwargs={"pk": undelivered.pk}), follow=True)
    assert f"E-posten til {cast.supervisor_a.email} sendes på nytt." in response.content.decode()
    assert [message.to for message in mail.outbox] == [[cast.supervisor_a.email]]
    assert "Ingen e-post venter her." in response.content.decode()
