"""Reliability: health checks, a database that goes away, any POST body, double submits, backup and restore."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import FollowUp
from innopraksis.models import User
from students.models import Cohort, Placement
from tests.conftest import client_for
from tests.test_permission_matrix import MATRIX, OK

DATABASE_DOWN = mock.patch(
    "django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError("connection refused")
)


def test_healthz_answers_without_the_database(db):
    with DATABASE_DOWN:
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(db):
    assert Client().get("/readyz").status_code == 200
    with DATABASE_DOWN:
        response = Client().get("/readyz")
    assert response.status_code == 503


def test_every_page_answers_a_plain_503_when_the_database_is_down(cast):
    client = client_for(cast.coordinator)
    client.raise_request_exception = False
    with DATABASE_DOWN:
        for url in [reverse("dashboard"), reverse("home"), reverse("placement_list"), reverse("login")]:
            response = client.get(url)
            assert response.status_code == 503, url
            html = response.content.decode()
            assert "Prøv igjen om et minutt" in html
            assert "Traceback" not in html and "OperationalError" not in html
        response = client.post(reverse("cohort_create"), {"name": "Ny", "starts_on": "2024-01-08"})
        assert response.status_code == 503


def test_the_503_page_is_in_the_visitors_language_not_the_last_one_the_process_served(cast):
    cast.coordinator.language = "en"
    cast.coordinator.save(update_fields=["language"])
    assert client_for(cast.coordinator).get(reverse("profile")).status_code == 200  # served in English
    other = client_for(cast.supervisor_a)  # whose account, and language, cannot be read while the database is away
    other.raise_request_exception = False
    with DATABASE_DOWN:
        assert "Prøv igjen om et minutt" in other.get(reverse("home")).content.decode()
        other.cookies["innopraksis_language"] = "en"
        assert "Please try again in a minute" in other.get(reverse("home")).content.decode()


@pytest.fixture
def placement(cast):
    cohort = Cohort.objects.create(
        name="Internship våren 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
    )
    placement = Placement.objects.create(
        cohort=cohort,
        student=cast.student_a.student,
        organisation=cast.org_a,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    placement.supervisors.add(cast.supervisor_a)
    return placement


def test_submitting_the_same_form_twice_logs_one_follow_up(cast, placement):
    client = client_for(cast.supervisor_a)
    url = reverse("followup_create", kwargs={"pk": placement.pk})
    once = client.get(url).context["form"]["once"].value()
    data = {"kind": "meeting", "happened_on": "2023-02-01", "note": "Statusmøte", "once": once}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert FollowUp.objects.filter(placement=placement).count() == 1
    data["once"] = client.get(url).context["form"]["once"].value()
    client.post(url, data)
    assert FollowUp.objects.filter(placement=placement).count() == 2


def _form_pages(cast):
    """(url name, role, kwargs factory) for every page of the matrix that shows a form posting to itself."""
    pages = []
    for name, (method, _data, factory, expected) in sorted(MATRIX.items()):
        if method != "get" or name.startswith("admin:"):
            continue
        for role, status in expected.items():
            if status == OK and role != "anonymous":
                pages.append((name, role, factory))
                break
    return pages


VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["", "0", "2023-02-30", "25:99", "on", "student", "organisation", "-1", "x" * 400]),
)


def _posting(client, url, name, fields):
    """A hypothesis test posting generated bodies to one form page."""

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.dictionaries(st.sampled_from([*fields, "unexpected"]), VALUES, max_size=len(fields) + 1))
    def post(body):
        with transaction.atomic():
            response = client.post(url, body)
            transaction.set_rollback(True)
        assert response.status_code in {200, 302, 400, 403, 404}, (name, body, response.status_code)

    return post


@pytest.mark.django_db
def test_no_post_answers_500(cast):
    """Generated bodies posted to every form page, as a user who may use it: never a server error."""
    checked = 0
    for name, role, factory in _form_pages(cast):
        with transaction.atomic():
            kwargs = factory(cast) if factory else {}
            url = reverse(name, kwargs=kwargs)
            client = client_for(cast.by_role(role))
            page = client.get(url)
            if page.streaming or not page["Content-Type"].startswith("text/html"):
                transaction.set_rollback(True)
                continue
            fields = sorted(
                set(re.findall(r'name="([a-zA-Z0-9_-]+)"', page.content.decode())) - {"csrfmiddlewaretoken"}
            )
            tags = re.findall(r"<form[^>]*method=\"post\"[^>]*>", page.content.decode())
            posts_to_itself = any("action=" not in tag or f'action="{url}"' in tag for tag in tags)
            if not posts_to_itself or not fields:
                transaction.set_rollback(True)
                continue
            checked += 1

            _posting(client, url, name, fields)()
            transaction.set_rollback(True)
    assert checked >= 20


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_lose_nothing(cast, placement, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backups are made of PostgreSQL, the production database")
    from innopraksis import backup

    dump = tmp_path / "innopraksis.dump"
    backup.backup(dump)
    target = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        backup.restore(dump, database=target)
        counts = {}
        for alias_name in (connection.settings_dict["NAME"], target):
            result = subprocess.run(  # noqa: S603
                [  # noqa: S607
                    "psql",
                    "--no-psqlrc",
                    "--tuples-only",
                    "--host",
                    connection.settings_dict["HOST"] or "localhost",
                    "--port",
                    str(connection.settings_dict["PORT"] or 5432),
                    "--username",
                    connection.settings_dict["USER"],
                    "--dbname",
                    alias_name,
                    "--command",
                    "SELECT table_name, (xpath('/row/c/text()', query_to_xml("
                    "format('select count(*) as c from %I', table_name), false, true, '')))[1]::text "
                    "FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            counts[alias_name] = result.stdout
        original, restored = counts.values()
        assert original == restored
        assert re.search(r"^\s*students_placement\s+\|\s+1$", original, re.MULTILINE)
    finally:
        connections.close_all()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_database_with_data_refuses_and_says_what_to_do(cast, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backups are made of PostgreSQL, the production database")
    from innopraksis import backup

    dump = tmp_path / "innopraksis.dump"
    backup.backup(dump)
    output = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("restore_database", str(dump), database=connection.settings_dict["NAME"], stdout=output)
    assert "is not empty" in str(refused.value)
    assert "createdb NEW_NAME" in str(refused.value)
    assert "Traceback" not in str(refused.value)
    assert User.objects.filter(email=cast.student_a.email).count() == 1  # nothing was written over


def test_a_restore_from_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="There is no backup file at"):
        call_command("restore_database", str(tmp_path / "nothing.dump"), database="anything")
