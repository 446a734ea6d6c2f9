import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

# Each request commits, so that the reset e-mail is handed to the worker (here: sent at once) as in use.
pytestmark = pytest.mark.django_db(transaction=True)


def without_csrf_tokens(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def test_reset_page_answers_the_same_for_known_and_unknown_addresses(client, cast):
    known = client.post(reverse("password_reset"), {"email": cast.student_a.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert without_csrf_tokens(known.content) == without_csrf_tokens(unknown.content)
    assert [message.to for message in mail.outbox] == [[cast.student_a.email]]


def test_reset_link_from_the_email_sets_a_new_password(client, cast):
    client.post(reverse("password_reset"), {"email": "STUDENT.A@example.org"})
    link = re.search(r"https?://[^/]+(/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Velg et nytt passord" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "brand-new-secret-9", "new_password2": "brand-new-secret-9"}
    )
    assert response.url == reverse("password_reset_complete")
    assert client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD}).status_code == 200
    response = client.post(reverse("login"), {"username": cast.student_a.email, "password": "brand-new-secret-9"})
    assert response.status_code == 302


def test_reset_email_is_in_the_recipients_language(client, cast):
    cast.student_b.language = "en"
    cast.student_b.save()
    client.post(reverse("password_reset"), {"email": cast.student_b.email})
    client.post(reverse("password_reset"), {"email": cast.student_a.email})
    english, norwegian = mail.outbox
    assert english.subject == "Reset your InnoPraksis password"
    assert norwegian.subject == "Tilbakestill passordet ditt i InnoPraksis"


def test_a_used_reset_link_says_it_no_longer_works(client, cast):
    client.post(reverse("password_reset"), {"email": cast.student_a.email})
    link = re.search(r"https?://[^/]+(/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "brand-new-secret-9", "new_password2": "brand-new-secret-9"}
    )
    again = client.get(link, follow=True)
    assert "Denne lenken virker ikke lenger" in again.content.decode()


def test_reset_mails_to_one_address_are_limited_and_the_page_answers_the_same(client, cast, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pages = [
            client.post(reverse("password_reset"), {"email": cast.student_a.email}, follow=True) for _ in range(10)
        ]
    assert len(mail.outbox) == settings.PASSWORD_RESET_MAIL_LIMIT == 3
    assert all(page.redirect_chain == pages[0].redirect_chain for page in pages)
    # Another address is not held back by it; the same address gets one again after the window.
    client.post(reverse("password_reset"), {"email": cast.student_b.email})
    assert mail.outbox[-1].to == [cast.student_b.email]
    with time_machine.travel(start + settings.PASSWORD_RESET_MAIL_WINDOW + timedelta(seconds=1), tick=False):
        client.post(reverse("password_reset"), {"email": cast.student_a.email})
    assert mail.outbox[-1].to == [cast.student_a.email]
    assert len(mail.outbox) == 5
