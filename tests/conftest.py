"""The fixed cast every test works with, and small helpers.

Cast: a coordinator; supervisors of organisation A and of organisation B;
a student of A and a student of B (placements come with the register); and
the anonymous visitor (the plain ``client``).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.test import Client

from innopraksis.models import User
from orgs.models import Membership, MembershipRole, Organisation
from students.models import Student
from tests.oidc_server import PORTAL_REDIRECT_URIS, OidcProvider, running_provider

PASSWORD = "correct-horse-battery"

_browser_tests_passed = 0


def pytest_runtest_logreport(report):
    global _browser_tests_passed
    if report.when == "call" and report.passed and "browser" in report.keywords:
        _browser_tests_passed += 1


def pytest_sessionfinish(session, exitstatus):
    # CI sets REQUIRE_BROWSER_TESTS: a run where no browser test passed is a failed run.
    if os.environ.get("REQUIRE_BROWSER_TESTS") and _browser_tests_passed == 0 and exitstatus == 0:
        session.config.get_terminal_writer().line("REQUIRE_BROWSER_TESTS is set, but no browser test passed.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Fast hashing in tests; production uses Argon2 (asserted in test_settings).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Each e-mail's task runs when it is queued, so a test reads the mail the server took in mail.outbox;
    # the tests of the worker use the database backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# The authenticator app of the coordinators made here: coordinators must have a second factor.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_authenticator_app(user: User, secret: str = TOTP_SECRET) -> None:
    TOTP.activate(user, secret)


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app with this secret shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> OidcProvider:
    """A real OpenID Connect provider shaped like Feide, on 127.0.0.1, for this test process."""
    with running_provider(tmp_path_factory.mktemp("oidc-provider"), PORTAL_REDIRECT_URIS) as provider:
        yield provider


@dataclass
class Cast:
    org_a: Organisation
    org_b: Organisation
    coordinator: User
    supervisor_a: User
    supervisor_b: User
    student_a: User
    student_b: User

    def by_role(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


def make_user(email: str, full_name: str, **fields) -> User:
    """A person who signs in with PASSWORD; a coordinator also with the authenticator app of TOTP_SECRET."""
    user = User.objects.create_user(email, PASSWORD, full_name=full_name, **fields)
    if user.is_coordinator:
        give_authenticator_app(user)
    return user


@pytest.fixture
def cast(db) -> Cast:
    org_a = Organisation.objects.create(name="Solberg & Dahl Revisjon AS", org_number="912345602")
    org_b = Organisation.objects.create(name="Nordvik kommune", org_number="923456716")
    coordinator = make_user("coordinator@example.org", "Kari Koordinator", is_coordinator=True)
    supervisor_a = make_user("supervisor.a@example.org", "Ane Veileder")
    supervisor_b = make_user("supervisor.b@example.org", "Bjørn Veileder")
    Membership.objects.create(user=supervisor_a, organisation=org_a, role=MembershipRole.MAIN_CONTACT)
    Membership.objects.create(user=supervisor_b, organisation=org_b)
    student_a = make_user("student.a@example.org", "Siri Student")
    student_b = make_user("student.b@example.org", "Sander Student")
    Student.objects.create(user=student_a, study_programme="Økonomi og administrasjon")
    Student.objects.create(user=student_b)
    return Cast(org_a, org_b, coordinator, supervisor_a, supervisor_b, student_a, student_b)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


ROLES = ["anonymous", "coordinator", "supervisor_a", "supervisor_b", "student_a", "student_b"]


def invitation_token(mail_body: str) -> str:
    """The token of the invitation link in an e-mail body."""
    match = re.search(r"/invitation/([A-Za-z0-9_-]+)/", mail_body)
    assert match, "the e-mail holds an invitation link"
    return match.group(1)
