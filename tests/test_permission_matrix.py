"""Every URL × every role, with the status each must get.

A URL pattern without a row here fails test_every_url_pattern_has_a_row.
The admin's own patterns are covered model by model in test_admin.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from innopraksis import access, services
from innopraksis.models import Invitation, InvitationRole
from tests.conftest import ROLES, client_for, invitation_token

LOGIN = "login-redirect"
OK = 200
FORBIDDEN = 403
NOT_ALLOWED = 405


def redirect_to(name: str) -> str:
    return f"redirect:{name}"


ALL = dict.fromkeys(ROLES)


def row(anonymous=LOGIN, coordinator=OK, supervisor_a=OK, supervisor_b=OK, student_a=OK, student_b=OK):
    return {
        "anonymous": anonymous,
        "coordinator": coordinator,
        "supervisor_a": supervisor_a,
        "supervisor_b": supervisor_b,
        "student_a": student_a,
        "student_b": student_b,
    }


def coordinator_only(ok=OK):
    return row(coordinator=ok, supervisor_a=FORBIDDEN, supervisor_b=FORBIDDEN, student_a=FORBIDDEN, student_b=FORBIDDEN)


def pending_invitation(cast) -> dict:
    invitation = Invitation.objects.create(
        email="new.person@example.org",
        role=InvitationRole.STUDENT,
        token_hash="0" * 64,
        invited_by=cast.coordinator,
        expires_at=timezone.now() + timedelta(days=14),
    )
    return {"pk": invitation.pk}


def accept_token(cast) -> dict:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invitation_create(
            email="invitee@example.org",
            role=InvitationRole.STUDENT,
            organisation=None,
            invited_by=cast.coordinator,
            base_url="http://testserver/",
        )
    # The token exists only in the sent e-mail.
    return {"token": invitation_token(mail.outbox[-1].body)}


# name: (method, data, kwargs factory, expected per role)
MATRIX = {
    "home": (
        "get",
        None,
        None,
        row(
            coordinator=redirect_to("home_coordinator"),
            supervisor_a=redirect_to("home_supervisor"),
            supervisor_b=redirect_to("home_supervisor"),
            student_a=redirect_to("home_student"),
            student_b=redirect_to("home_student"),
        ),
    ),
    "home_coordinator": ("get", None, None, coordinator_only()),
    "home_supervisor": (
        "get",
        None,
        None,
        row(coordinator=FORBIDDEN, student_a=FORBIDDEN, student_b=FORBIDDEN),
    ),
    "home_student": ("get", None, None, row(coordinator=FORBIDDEN, supervisor_a=FORBIDDEN, supervisor_b=FORBIDDEN)),
    "switch_role": (
        "post",
        {"role": "student"},
        None,
        row(
            coordinator=FORBIDDEN,
            supervisor_a=FORBIDDEN,
            supervisor_b=FORBIDDEN,
            student_a=redirect_to("home"),
            student_b=redirect_to("home"),
        ),
    ),
    "set_language": (
        "post",
        {"language": "en", "next": "/profile/"},
        None,
        {role: "redirect:profile" for role in ROLES},
    ),
    "profile": ("get", None, None, row()),
    "login": (
        "get",
        None,
        None,
        {role: (OK if role == "anonymous" else redirect_to("home")) for role in ROLES},
    ),
    "logout": ("post", {}, None, {role: (LOGIN if role == "anonymous" else redirect_to("login")) for role in ROLES}),
    "password_change": ("get", None, None, row()),
    "password_change_done": ("get", None, None, row()),
    "password_reset": ("get", None, None, row(anonymous=OK)),
    "password_reset_done": ("get", None, None, row(anonymous=OK)),
    "password_reset_confirm": ("get", None, lambda cast: {"uidb64": "MQ", "token": "bad-token"}, row(anonymous=OK)),
    "password_reset_complete": ("get", None, None, row(anonymous=OK)),
    "invitation_list": ("get", None, None, coordinator_only()),
    "invitation_create": ("get", None, None, coordinator_only()),
    "invitation_resend": ("post", {}, pending_invitation, coordinator_only(ok=redirect_to("invitation_list"))),
    "invitation_accept": ("get", None, accept_token, row(anonymous=OK)),
}


def _named_views(patterns, prefix=""):
    """(namespaced URL name, view) for every named pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _named_views(pattern.url_patterns, prefix + namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, pattern.callback


def test_every_url_pattern_has_a_row():
    names = {name for name, _view in _named_views(get_resolver().url_patterns) if not name.startswith("admin:")}
    assert names - MATRIX.keys() == set(), "URL patterns without a row in the permission matrix"
    assert MATRIX.keys() - names == set(), "rows for URL patterns that no longer exist"


def test_only_the_named_public_views_are_open_without_signing_in():
    public = {
        name
        for name, view in _named_views(get_resolver().url_patterns)
        if getattr(view, "login_required", True) is False
    }
    assert public == access.PUBLIC_URL_NAMES


def _assert_page_structure(response):
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1, "every page has exactly one <h1>"
    assert 'href="#main"' in html, "every page has a skip link"
    assert '<main id="main"' in html
    assert re.search(r'<html lang="(nb|en)">', html)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name, role):
    method, data, kwargs_factory, expected_by_role = MATRIX[name]
    kwargs = kwargs_factory(cast) if kwargs_factory else {}
    url = reverse(name, kwargs=kwargs)
    client = client_for(cast.by_role(role))
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    expected = expected_by_role[role]

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif isinstance(expected, str) and expected.startswith("redirect:"):
        assert response.status_code == 302, response.content[:500]
        assert response.url == reverse(expected.removeprefix("redirect:"))
    else:
        assert response.status_code == expected
        if expected == OK and response["Content-Type"].startswith("text/html"):
            _assert_page_structure(response)
