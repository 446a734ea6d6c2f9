"""Every link in every e-mail starts with the portal's public address, whatever address the request came to."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from django.core import mail
from django.template.loader import render_to_string
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from feedback import reminders
from students import placements
from students.models import Cohort, Placement
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parent.parent

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


def test_every_agreement_e_mail_has_a_subject_in_both_languages():
    """Each event the agreement's e-mail body words has a subject too (a missing branch sends an empty one)."""
    body = (ROOT / "templates/emails/agreement_body.txt").read_text()
    events = set(re.findall(r'event == "(\w+)"', body))
    assert len(events) >= 8
    for event in sorted(events):
        for language in ("nb", "en"):
            with translation.override(language):
                subject = render_to_string(
                    "emails/agreement_subject.txt",
                    {"event": event, "student_name": "Siri Student", "organisation_name": "Solberg & Dahl"},
                )
            assert "Siri Student" in subject, (event, language)
