"""E-mail as background work: written with the change, sent by the worker, retried, and shown when given up."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from innopraksis import outbox
from innopraksis.mail import TemplatedMail, send_templated_mail, send_templated_mails
from innopraksis.models import Invitation, Mail, MailStatus
from tests.conftest import client_for

WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """The worker, until nothing is ready to run."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0, stdout=StringIO())


def write_one(cast) -> Mail:
    with transaction.atomic():
        send_templated_mail(
            to=cast.student_a.email,
            template="second_factor_reset",
            context={"person": cast.student_a, "link": "https://portal.example/profile/"},
            language="nb",
        )
    return Mail.objects.get()


@pytest.fixture
def worker(settings):
    settings.TASKS = WORKER


@pytest.mark.django_db(transaction=True)
def test_an_email_waits_for_the_worker_which_sends_it_once_with_its_key_as_message_id(cast, worker):
    written = write_one(cast)
    assert mail.outbox == [] and written.status == MailStatus.QUEUED
    assert DBTaskResult.objects.count() == 1
    run_worker()
    run_worker()
    assert [message.to for message in mail.outbox] == [[cast.student_a.email]]
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{written.key}@innopraksis.example>"
    written.refresh_from_db()
    assert (written.status, written.attempts) == (MailStatus.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_a_change_that_is_rolled_back_mails_nobody(cast, worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_templated_mail(to=cast.student_a.email, template="second_factor_reset", context={}, language="nb")
        raise RuntimeError("the change failed")
    run_worker()
    assert not Mail.objects.exists() and not DBTaskResult.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_is_tried_again_with_growing_pauses_then_the_mail_is_shown(cast, worker, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
    written = write_one(cast)
    moment = timezone.now()
    pauses = []
    for _ in range(len(outbox.RETRY_PAUSES) + 1):
        with time_machine.travel(moment, tick=False):
            run_worker()
        written.refresh_from_db()
        pauses.append(written.next_attempt_at - moment)
        moment = written.next_attempt_at
    assert pauses[:-1] == outbox.RETRY_PAUSES  # growing pauses, each a task the worker runs when it is due
    assert (written.status, written.attempts) == (MailStatus.FAILED, len(outbox.RETRY_PAUSES) + 1)
    assert written.last_error == "Connection unexpectedly closed"
    assert mail.outbox == []
    page = client_for(cast.coordinator).get("/mail/undelivered/").content.decode()
    assert cast.student_a.email in page and "5 forsøk" in page


@pytest.mark.django_db(transaction=True)
def test_a_mail_whose_worker_died_is_handed_to_the_next_by_the_scheduled_run(cast, worker):
    written = write_one(cast)
    DBTaskResult.objects.update(status="RUNNING")  # a worker took the task and died: the task never finishes
    run_worker()
    assert mail.outbox == []
    out = StringIO()
    call_command("mail_upkeep", stdout=out)
    assert "Handed 0 waiting e-mail(s)" in out.getvalue()  # not overdue yet: its worker may just be slow
    with time_machine.travel(timezone.now() + outbox.STALLED_AFTER + datetime.timedelta(seconds=1), tick=False):
        call_command("mail_upkeep", stdout=out)
        run_worker()
    assert "Handed 1 waiting e-mail(s) back to the worker" in out.getvalue()
    assert [message.to for message in mail.outbox] == [[cast.student_a.email]]
    written.refresh_from_db()
    assert written.status == MailStatus.SENT


def test_mail_is_deleted_after_its_days_sent_or_undelivered(cast, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        write_one(cast)
    Mail.objects.create(key="given-up", to="gone@example.org", template="reminder", subject="…", body="…")
    Mail.objects.filter(key="given-up").update(status=MailStatus.FAILED)
    days = datetime.timedelta(days=settings.MAIL_KEEP_DAYS)
    assert outbox.prune(timezone.now() + days - datetime.timedelta(minutes=1)) == 0
    assert outbox.prune(timezone.now() + days + datetime.timedelta(minutes=1)) == 2
    assert not Mail.objects.exists()


def test_a_coordinator_sends_an_undelivered_mail_again_once(cast):
    undelivered = Mail.objects.create(
        key="k", to=cast.student_b.email, template="reminder", subject="Påminnelse", body="…", status="failed"
    )
    coordinator = client_for(cast.coordinator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        coordinator.post(f"/mail/{undelivered.pk}/send-again/")
    assert coordinator.post(f"/mail/{undelivered.pk}/send-again/").status_code == 404  # no longer undelivered
    assert [message.to for message in mail.outbox] == [[cast.student_b.email]]


def test_the_undelivered_list_costs_the_same_queries_for_one_or_many(cast):
    coordinator = client_for(cast.coordinator)
    counts = []
    for size in (1, 20):
        while Mail.objects.count() < size:
            number = Mail.objects.count()
            Mail.objects.create(
                key=f"k{number}", to=f"p{number}@example.org", template="reminder", subject="…", body="…"
            )
        Mail.objects.update(status=MailStatus.FAILED, last_error="550 5.1.1 Mailbox unavailable")
        with CaptureQueriesContext(connection) as queries:
            page = coordinator.get("/mail/undelivered/")
        assert page.content.decode().count("550 5.1.1 Mailbox unavailable") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_email_that_cannot_be_made_is_given_up_at_once_without_holding_up_the_others(cast):
    with TestCase.captureOnCommitCallbacks(execute=True):
        send_templated_mails(
            [
                TemplatedMail("broken\nheader@example.org", "second_factor_reset", {}, "nb"),
                TemplatedMail(cast.student_a.email, "second_factor_reset", {}, "nb"),
            ]
        )
    broken, fine = Mail.objects.order_by("pk")
    assert (broken.status, broken.attempts) == (MailStatus.FAILED, 1) and "newlines" in broken.last_error
    assert fine.status == MailStatus.SENT and fine.body == ""  # sent, and its text (it may hold a link) is gone
    assert [message.to for message in mail.outbox] == [[cast.student_a.email]]


def test_a_retry_that_comes_early_waits_for_its_pause(cast, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.DownBackend"
    with TestCase.captureOnCommitCallbacks(execute=True):
        written = write_one(cast)
    outbox.deliver.call([written.pk])  # a second task for it, before the pause is over
    written.refresh_from_db()
    assert written.attempts == 1


def test_invitations_and_password_resets_are_sent_anew_not_again(cast):
    undelivered = Mail.objects.create(
        key="k", to=cast.student_b.email, template="invitation", subject="Invitasjon", body="…", status="failed"
    )
    coordinator = client_for(cast.coordinator)
    page = coordinator.get("/mail/undelivered/").content.decode()
    assert "Send en ny invitasjonslenke" in page and "Send på nytt" not in page
    response = coordinator.post(f"/mail/{undelivered.pk}/send-again/", follow=True)
    assert "Denne e-posten sendes ikke på nytt slik den var" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_task_queue_that_fails_after_the_change_loses_neither_the_change_nor_the_email(cast, worker, monkeypatch):
    def queue_down(*args, **kwargs):
        raise OperationalError("the task queue could not be reached")

    monkeypatch.setattr(outbox, "_queue", queue_down)
    response = client_for(cast.coordinator).post(
        "/invitations/new/",
        {"email": "ny.student@example.org", "full_name": "Nora Ny", "role": "student", "language": "nb"},
    )
    assert response.status_code == 302  # the invitation is saved, and the page says so
    assert Invitation.objects.filter(email="ny.student@example.org").exists()
    written = Mail.objects.get()
    assert written.status == MailStatus.QUEUED and not DBTaskResult.objects.exists()
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + outbox.STALLED_AFTER + datetime.timedelta(seconds=1), tick=False):
        call_command("mail_upkeep", stdout=StringIO())
        run_worker()
    assert [message.to for message in mail.outbox] == [["ny.student@example.org"]]
