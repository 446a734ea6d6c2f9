"""Security: deployment checks, the Content-Security-Policy, sessions, security events, forms and links."""

from __future__ import annotations

import datetime
import importlib
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django import forms
from django.apps import apps
from django.core import mail
from django.db import transaction
from django.test import Client, TestCase
from django.urls import get_resolver, reverse

from innopraksis.converters import RefConverter
from students.models import Cohort, Placement
from tests.conftest import PASSWORD, client_for
from tests.test_permission_matrix import MATRIX, _named_views

ROOT = Path(__file__).resolve().parent.parent


def test_the_deployment_check_passes_with_production_settings():
    # The browser tests allow sync database calls from Playwright's event loop; production never does.
    inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "false",
        "SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-9f8e7d6c5b4a",
        "HTTPS": "true",
        "ALLOWED_HOSTS": "praksis.example.no",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_html_page_carries_a_strict_content_security_policy(cast):
    response = client_for(cast.coordinator).get(reverse("home_coordinator"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    anonymous = Client().get(reverse("login"))
    assert "script-src 'self'" in anonymous["Content-Security-Policy"]


def test_every_response_turns_off_the_browser_features_the_portal_never_uses(cast):
    for response in (client_for(cast.student_a).get(reverse("home_student")), Client().get(reverse("login"))):
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy


def test_no_page_has_inline_script_or_style(cast):
    """Every GET page of the permission matrix, as the first role that may see it."""
    for name, (method, _data, factory, expected) in MATRIX.items():
        if method != "get":
            continue
        role = next((role for role, status in expected.items() if status == 200), None)
        if role is None:
            continue
        with transaction.atomic():
            kwargs = factory(cast) if factory else {}
            response = client_for(cast.by_role(role)).get(reverse(name, kwargs=kwargs))
            transaction.set_rollback(True)
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        # Data for a script (JSON, never run) may stand in the page; code may not.
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html), name
        assert not re.search(r"\sstyle=", html), name
        assert not re.search(r"\son[a-z]+=", html), name


class TestSessions:
    def test_the_session_key_changes_at_sign_in(self, cast):
        client = Client()
        client.get(reverse("login"))
        client.cookies.load({"sessionid": "x"})
        client.get(reverse("login"))
        before = client.session.session_key
        client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
        assert client.session.session_key != before

    def test_a_session_ends_after_the_idle_time(self, cast, settings):
        settings.SESSION_IDLE_MINUTES = 30
        client = Client()
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0), tick=False) as traveller:
            client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
            assert client.get(reverse("home_student")).status_code == 200
            traveller.shift(datetime.timedelta(minutes=29))
            assert client.get(reverse("home_student")).status_code == 200
            traveller.shift(datetime.timedelta(minutes=31))
            response = client.get(reverse("home_student"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_a_session_ends_after_its_lifetime_however_active(self, cast, settings):
        settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS = 60, 2
        client = Client()
        with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0), tick=False) as traveller:
            client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
            for _step in range(4):
                traveller.shift(datetime.timedelta(minutes=29))
                assert client.get(reverse("home_student")).status_code == 200
            traveller.shift(datetime.timedelta(minutes=10))  # 2 h 6 min after signing in
            response = client.get(reverse("home_student"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


class TestSecurityEvents:
    def events(self, caplog) -> list[str]:
        return [record.getMessage() for record in caplog.records if record.name == "innopraksis.security"]

    def test_sign_in_failure_throttling_and_success_are_logged_without_secrets(self, cast, caplog, settings):
        settings.LOGIN_FAILURE_LIMIT = 2
        caplog.set_level(logging.INFO, logger="innopraksis.security")
        client = Client(REMOTE_ADDR="192.0.2.7")
        for _attempt in range(3):
            client.post(reverse("login"), {"username": cast.student_a.email, "password": "wrong-password-123"})
        Client(REMOTE_ADDR="192.0.2.8").post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
        events = self.events(caplog)
        assert any(f"event=sign_in_failed user=- ip=192.0.2.7 email={cast.student_a.email}" in e for e in events)
        assert any("event=sign_in_throttled" in e and "ip=192.0.2.7" in e for e in events)
        assert any(f"event=sign_in user={cast.student_a.pk} ip=192.0.2.8" in e for e in events)
        assert not any("wrong-password" in e or PASSWORD in e for e in events)

    def test_invitations_role_changes_and_exports_are_logged(self, cast, caplog):
        caplog.set_level(logging.INFO, logger="innopraksis.security")
        coordinator = client_for(cast.coordinator)
        with TestCase.captureOnCommitCallbacks(execute=True):
            coordinator.post(
                reverse("invitation_create"),
                {"email": "ny@example.org", "full_name": "Ny", "role": "student", "language": "nb"},
            )
        token = re.search(r"/invitation/([A-Za-z0-9_-]+)/", mail.outbox[-1].body).group(1)
        coordinator.get(reverse("dashboard_export"))
        coordinator.get(reverse("person_data_export", kwargs={"pk": cast.student_a.pk}))
        events = self.events(caplog)
        for event in ("invitation_sent", "dashboard_export", "personal_data_export"):
            assert any(f"event={event} user={cast.coordinator.pk}" in e for e in events), event
        assert not any(token in e for e in events)


def _project_modules():
    for app in apps.get_app_configs():
        if Path(app.path).is_relative_to(ROOT) and ".venv" not in app.path:
            for path in Path(app.path).glob("*.py"):
                yield f"{app.name}.{path.stem}"


def test_every_model_form_lists_its_fields():
    for module in _project_modules():
        importlib.import_module(module)
    checked = 0
    pending = list(forms.ModelForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending += form.__subclasses__()
        if form.__module__.split(".")[0] not in {"innopraksis", "orgs", "students", "feedback"}:
            continue
        meta = getattr(form, "Meta", None)
        if meta is None or not hasattr(meta, "model"):
            continue
        checked += 1
        assert isinstance(meta.fields, list | tuple), form
        assert not hasattr(meta, "exclude"), form
    assert checked >= 10


def test_every_post_is_csrf_protected(cast):
    """Without the token, a POST to any URL is refused, whoever sends it."""
    names = {name for name, _view in _named_views(get_resolver().url_patterns)}
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.coordinator)
    for name in sorted(names - {"admin:login"}):
        if name.startswith("admin:"):
            continue
        _method, _data, factory, _expected = MATRIX[name]
        with transaction.atomic():
            kwargs = factory(cast) if factory else {}
            response = client.post(reverse(name, kwargs=kwargs), {})
            transaction.set_rollback(True)
        assert response.status_code == 403, name


class TestUnguessableLinks:
    def test_placement_links_carry_a_keyed_mac(self, cast):
        cohort = Cohort.objects.create(
            name="Vår", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
        )
        placement = Placement.objects.create(
            cohort=cohort,
            student=cast.student_a.student,
            organisation=cast.org_a,
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
        )
        url = reverse("placement_detail", kwargs={"pk": placement.pk})
        assert re.fullmatch(rf"/placements/{placement.pk}-[0-9a-f]{{12}}/", url)
        client = client_for(cast.coordinator)
        assert client.get(url).status_code == 200
        assert client.get(f"/placements/{placement.pk}/").status_code == 404
        forged = url.replace(url.split("-")[1][:4], "0000" if not url.split("-")[1].startswith("0000") else "1111")
        assert client.get(forged).status_code == 404

    def test_a_mac_belongs_to_one_id(self):
        converter = RefConverter()
        five, six = converter.to_url(5), converter.to_url(6)
        assert converter.to_python(five) == 5
        with pytest.raises(ValueError):
            converter.to_python(f"6-{five.split('-')[1]}")
        assert five.split("-")[1] != six.split("-")[1]
