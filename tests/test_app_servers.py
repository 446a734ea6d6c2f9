"""Several app servers behind a load balancer: two gunicorn servers, a worker and two schedulers, one PostgreSQL
database and one Redis, as a deployment runs them (tests/app_servers.py). Nothing that must be correct lives
in one server's memory."""

from __future__ import annotations

import concurrent.futures
import datetime
import os
import re
import signal

import pytest
import redis
import requests
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from feedback import lifecycle, reminders
from feedback.models import Reminder
from innopraksis import outbox
from innopraksis import settings as portal_settings
from innopraksis.mail import send_templated_mail
from innopraksis.models import Mail, MailStatus
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState
from tests.app_servers import PGBOUNCER, MailServer, deployment, environment, pgbouncer
from tests.conftest import PASSWORD, totp_code

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared(settings, tmp_path):
    """The mail server, a clean Redis database and the deployment's settings; the test process queues tasks in
    the database as the app servers do."""
    if connection.vendor != "postgresql":
        pytest.skip("several app servers share PostgreSQL, the production database")
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with MailServer() as mail_server:
        env = environment(connection.settings_dict, REDIS_URL, mail_server.port, settings.SECRET_KEY)
        with deployment(env, tmp_path) as processes:
            yield processes, mail_server, store
    store.flushdb()


def with_server_passwords(settings, *people) -> None:
    """The servers check passwords with the production hashers, not the tests' fast one."""
    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS
    for person in people:
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])


def sign_in(browser: requests.Session, base: str, email: str, password: str = PASSWORD) -> requests.Response:
    page = browser.get(f"{base}/sign-in/", timeout=60)
    assert page.status_code == 200
    return browser.post(
        f"{base}/sign-in/",
        {"csrfmiddlewaretoken": browser.cookies["csrftoken"], "username": email, "password": password},
        allow_redirects=False,
        timeout=60,
    )


def log_followup(browser: requests.Session, base: str, placement: Placement, **fields: str) -> requests.Response:
    """A supervisor logs a follow-up on the placement through the server at ``base``, as its form posts it."""
    new_followup = f"{base}{reverse('followup_create', kwargs={'pk': placement.pk})}"
    assert browser.get(new_followup, timeout=60).status_code == 200
    data = {"csrfmiddlewaretoken": browser.cookies["csrftoken"], "happened_on": timezone.localdate().isoformat()}
    return browser.post(new_followup, {**data, **fields}, allow_redirects=False, timeout=60)


def live_placement(cast, today: datetime.date, student=None, organisation=None, supervisor=None) -> Placement:
    """An internship a month in (Siri's at A, unless told): check-ins overdue for both sides."""
    cohort, _created = Cohort.objects.get_or_create(
        name="Internship now",
        defaults={"starts_on": today - datetime.timedelta(days=30), "ends_on": today + datetime.timedelta(days=90)},
    )
    placement = Placement.objects.create(
        cohort=cohort,
        student=(student or cast.student_a).student,
        organisation=organisation or cast.org_a,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    placement.supervisors.add(supervisor or cast.supervisor_a)
    Placement.objects.filter(pk=placement.pk).update(state=PlacementState.AGREEMENT)
    ExpectationAgreement.objects.create(placement=placement, state=AgreementState.APPROVED)
    placement.refresh_from_db()
    lifecycle.placement_activate(placement=placement, today=cohort.starts_on)
    return placement


def test_a_session_a_sign_in_lock_and_a_change_made_through_one_server_hold_on_the_other(shared, cast, settings):
    processes, _mail_server, store = shared
    with_server_passwords(settings, cast.supervisor_a, cast.student_b)
    placement = live_placement(cast, timezone.localdate())
    server_a, server_b = processes.app_server("server-a"), processes.app_server("server-b")

    # Signed in through A, the same cookie is a session on B: it lives in Redis, not in A.
    supervisor = requests.Session()
    assert sign_in(supervisor, server_a, cast.supervisor_a.email).status_code == 302
    home = supervisor.get(f"{server_b}/supervisor/", allow_redirects=False, timeout=60)
    assert home.status_code == 200 and "Mine studenter" in home.text
    assert store.keys("*django.contrib.sessions.cache*")
    assert not Session.objects.exists()

    # A follow-up logged through A is on B's next page.
    logged = log_followup(
        supervisor, server_a, placement, kind="workload", note="Avtalte færre rapporter fra neste uke."
    )
    assert logged.status_code == 302, logged.text[-2000:]
    page = supervisor.get(f"{server_b}{logged.headers['Location']}", timeout=60)
    assert "Avtalte færre rapporter fra neste uke." in page.text

    # Failed sign-ins through A lock the account on B too.
    guesser = requests.Session()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert sign_in(guesser, server_a, cast.student_b.email, "wrong-password-1").status_code == 200
    refused = sign_in(requests.Session(), server_b, cast.student_b.email)
    assert refused.status_code == 200 and "For mange mislykkede innlogginger" in refused.text


def test_each_reminder_is_sent_exactly_once_by_two_schedulers_and_a_worker(shared, cast):
    processes, mail_server, _store = shared
    today = timezone.localdate()
    live_placement(cast, today)
    live_placement(cast, today, cast.student_b, cast.org_b, cast.supervisor_b)
    expected = {(due.key, due.recipient.pk, due.stage) for due in reminders.collect(today)}
    people = {due.recipient.email for due in reminders.collect(today)}
    assert len(expected) >= 4
    assert people == {person.email for person in (cast.student_a, cast.student_b, cast.supervisor_a, cast.supervisor_b)}

    worker = processes.worker()
    # Each server's scheduler runs send_reminders at once when it starts, and then every hour.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        schedulers = list(pool.map(processes.scheduler, ("scheduler-a", "scheduler-b")))
    for scheduler in schedulers:
        scheduler.send_signal(signal.SIGTERM)
    assert [scheduler.wait(timeout=60) for scheduler in schedulers] == [0, 0]
    mail_server.wait_for_messages(len(people))
    worker.send_signal(signal.SIGTERM)  # it finishes what it is sending, and stops
    assert worker.wait(timeout=60) == 0

    assert set(Reminder.objects.values_list("key", "recipient_id", "stage")) == expected
    assert Reminder.objects.count() == len(expected)
    assert list(Mail.objects.values_list("status", flat=True)) == [MailStatus.SENT] * len(people)
    assert mail_server.recipients() == dict.fromkeys(people, 1)
    assert set(mail_server.message_ids().values()) == {1}

    # The next runs find nothing new.
    again = [processes.start(f"scheduler-{n}-again", "manage.py", "send_reminders") for n in (1, 2)]
    assert [scheduler.wait(timeout=120) for scheduler in again] == [0, 0]
    assert Mail.objects.count() == len(people)


def test_a_worker_killed_while_it_sends_loses_no_email_and_sends_none_twice(shared, cast):
    processes, mail_server, _store = shared
    with transaction.atomic():
        for person in (cast.student_a, cast.student_b, cast.supervisor_a):
            send_templated_mail(
                to=person.email, template="second_factor_reset", context={"user": person}, language="nb"
            )
    mail_server.hold = True
    worker = processes.worker("worker-killed")
    assert mail_server.holding.wait(timeout=60), "the worker never reached the mail server"
    os.killpg(worker.pid, signal.SIGKILL)  # in the middle of the conversation with the mail server
    worker.wait(timeout=60)
    # The held message is never let through: its connection is gone, and the mail server drops what it held.
    assert mail_server.accepted == []
    assert set(Mail.objects.values_list("status", flat=True)) == {MailStatus.QUEUED}
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1  # the dead worker's task never ends

    assert processes.manage("db_worker", "--batch", "--no-reload", "--no-startup-delay").returncode == 0
    assert Mail.objects.filter(status=MailStatus.QUEUED).count() == 1  # the one whose worker died waits
    # The scheduler hands it to a worker once its task is overdue.
    assert outbox.requeue_stalled(timezone.now() + outbox.STALLED_AFTER + datetime.timedelta(seconds=1)) == 1
    assert processes.manage("db_worker", "--batch", "--no-reload", "--no-startup-delay").returncode == 0

    keys = {f"<{key}@innopraksis.example>" for key in Mail.objects.values_list("key", flat=True)}
    assert mail_server.message_ids() == dict.fromkeys(keys, 1)
    assert set(Mail.objects.values_list("status", flat=True)) == {MailStatus.SENT}
    assert re.fullmatch(r"<[0-9a-f]{32}@innopraksis\.example>", next(iter(keys)))


def test_every_kind_of_page_works_through_pgbouncer_in_transaction_mode(cast, settings, tmp_path):
    """Behind PgBouncer in transaction mode, with server-side cursors off (README): the coordinator's
    dashboard (which reads its rows in chunks), a supervisor's write and a student's page."""
    if connection.vendor != "postgresql":
        pytest.skip("PgBouncer pools PostgreSQL, the production database")
    if PGBOUNCER is None:
        pytest.skip("PgBouncer is not installed (apt-get install pgbouncer; .ci/run installs it)")
    with_server_passwords(settings, cast.coordinator, cast.supervisor_a, cast.student_a)
    placement = live_placement(cast, timezone.localdate())
    redis.Redis.from_url(REDIS_URL).flushdb()  # the second factor's used codes
    with MailServer() as mail_server, pgbouncer(connection.settings_dict, tmp_path) as port:
        env = environment(connection.settings_dict, REDIS_URL, mail_server.port, settings.SECRET_KEY)
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(f":{connection.settings_dict['PORT'] or 5432}/", f":{port}/")
        env["DATABASE_TRANSACTION_POOLING"] = "true"
        with deployment(env, tmp_path) as processes:
            server = processes.app_server("server-behind-pgbouncer")
            coordinator = requests.Session()
            assert (
                sign_in(coordinator, server, cast.coordinator.email)
                .headers["Location"]
                .startswith("/accounts/2fa/authenticate/")
            )
            coordinator.post(
                f"{server}/accounts/2fa/authenticate/",
                {"csrfmiddlewaretoken": coordinator.cookies["csrftoken"], "code": totp_code()},
                timeout=60,
            )
            for path in ("/coordinator/", reverse("placement_list"), reverse("dashboard")):
                page = coordinator.get(f"{server}{path}", timeout=60)
                assert page.status_code == 200 and "Siri Student" in page.text, path
            # The export reads its rows in chunks: through a server-side cursor, unless turned off.
            export = coordinator.get(f"{server}{reverse('dashboard_export')}", timeout=60)
            assert export.status_code == 200 and "Siri Student" in export.text

            supervisor = requests.Session()
            assert sign_in(supervisor, server, cast.supervisor_a.email).status_code == 302
            logged = log_followup(
                supervisor, server, placement, kind="feedback", note="Bra første måned.", shared_with_student="on"
            )
            assert logged.status_code == 302

            student = requests.Session()
            assert sign_in(student, server, cast.student_a.email).status_code == 302
            assert "Bra første måned." in student.get(f"{server}{logged.headers['Location']}", timeout=60).text
