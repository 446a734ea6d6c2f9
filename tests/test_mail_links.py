"""Every link in every e-mail starts with the portal's public address, whatever address the request came to."""

from __future__ import annotations

import datetime
import re

from django.core import mail
from django.test import TestCase
from django.urls import reverse

from feedback import reminders
from students import placements
from students.models import Cohort, Placement
from tests.conftest import client_for

PORTAL = "https://portal.example"


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def test_invitation_reset_agreement_and_reminder_e_mails_link_to_the_portal_url(cast, settings):
    settings.PORTAL_URL = PORTAL
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(cast.coordinator).post(
            reverse("invitation_create"),
            {"email": "ny@example.org", "full_name": "Nora Ny", "role": "student", "language": "nb"},
            HTTP_HOST="localhost:8000",  # the address one app server was reached at, not the public one
        )
        client_for(None).post(reverse("password_reset"), {"email": cast.student_a.email}, HTTP_HOST="127.0.0.1:8000")
        cohort = Cohort.objects.create(
            name="Våren 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
        )
        placement = Placement.objects.create(
            cohort=cohort,
            student=cast.student_a.student,
            organisation=cast.org_a,
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
        )
        placements.placement_start_agreement(placement=placement)
        reminders.send(today=datetime.date(2022, 12, 24))
    kinds = {message.subject for message in mail.outbox}
    assert len(kinds) >= 4, kinds  # invitation, password reset, agreement opened, reminder
    found = [link for message in mail.outbox for link in links(message)]
    assert found and all(link.startswith(PORTAL + "/") for link in found), found
