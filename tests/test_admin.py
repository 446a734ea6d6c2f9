import pytest
from django.contrib import admin
from django.urls import reverse

from tests.conftest import client_for


def _admin_pages(cast):
    """The index, and every registered model's list, add and change pages."""
    pages = [reverse("admin:index")]
    objects = {"user": cast.student_a, "organisation": cast.org_a, "membership": cast.org_a.memberships.first()}
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_Request(cast.coordinator)):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        obj = objects.get(model._meta.model_name) or model._default_manager.first()
        if obj is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return pages


class _Request:
    def __init__(self, user):
        self.user = user


def test_coordinator_can_open_every_admin_page(cast):
    client = client_for(cast.coordinator)
    for url in _admin_pages(cast):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["supervisor_a", "student_b"])
def test_other_roles_get_403_in_the_admin(cast, role):
    client = client_for(getattr(cast, role))
    for url in _admin_pages(cast):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_the_portal_sign_in_page_from_the_admin(client, cast):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert b"Logg inn" in response.content or b"Sign in" in response.content


def test_coordinator_sees_the_organisation_register_in_the_admin(cast):
    response = client_for(cast.coordinator).get(reverse("admin:orgs_organisation_changelist"))
    assert "Solberg &amp; Dahl Revisjon AS" in response.content.decode()
