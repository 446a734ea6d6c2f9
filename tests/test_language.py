from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD, client_for


def test_pages_are_norwegian_by_default_even_for_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="nb">' in html
    assert "Logg inn i InnoPraksis" in html


def test_an_anonymous_visitor_switches_to_english_and_back(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("password_reset")})
    assert response.url == reverse("password_reset")
    assert "Reset password" in client.get(reverse("password_reset")).content.decode()
    client.post(reverse("set_language"), {"language": "nb", "next": reverse("password_reset")})
    assert "Tilbakestill passord" in client.get(reverse("password_reset")).content.decode()


def test_the_choice_is_remembered_for_the_signed_in_user_on_any_device(cast):
    client_for(cast.student_a).post(reverse("set_language"), {"language": "en", "next": "/"})
    cast.student_a.refresh_from_db()
    assert cast.student_a.language == "en"

    other_device = client_for(None)
    other_device.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
    assert "My internship" in other_device.get(reverse("home_student")).content.decode()


def test_an_unknown_language_changes_nothing(cast):
    client = client_for(cast.student_a)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    cast.student_a.refresh_from_db()
    assert cast.student_a.language == "nb"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_switch_does_not_redirect_to_another_site(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


def test_every_page_offers_the_language_switch(cast):
    html = client_for(cast.coordinator).get(reverse("invitation_list")).content.decode()
    assert 'action="/language/"' in html
    assert 'value="en"' in html and 'value="nb"' in html


def test_profile_saves_name_and_language(cast):
    client = client_for(cast.student_a)
    response = client.post(
        reverse("profile"), {"full_name": "Siri S. Student", "language": "en", "reminder_digest": "each"}, follow=True
    )
    assert "Your profile has been saved." in response.content.decode()
    cast.student_a.refresh_from_db()
    assert cast.student_a.full_name == "Siri S. Student"


def test_english_chosen_on_the_sign_in_page_stays_after_signing_in(cast):
    assert cast.student_a.language == "nb"
    client = client_for(None)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert "Sign in to InnoPraksis" in client.get(reverse("login")).content.decode()

    client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})

    assert "My internship" in client.get(reverse("home_student")).content.decode()
    cast.student_a.refresh_from_db()
    assert cast.student_a.language == "en"


def test_signing_in_without_choosing_keeps_the_language_saved_earlier(cast):
    cast.student_a.language = "en"
    cast.student_a.save(update_fields=["language"])
    client = client_for(None)
    client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
    assert "My internship" in client.get(reverse("home_student")).content.decode()
    cast.student_a.refresh_from_db()
    assert cast.student_a.language == "en"


def test_after_signing_out_the_sign_in_page_is_in_the_persons_language(cast):
    cast.student_a.language = "en"
    cast.student_a.save(update_fields=["language"])
    client = client_for(None)
    client.post(reverse("login"), {"username": cast.student_a.email, "password": PASSWORD})
    client.post(reverse("logout"))
    assert "Sign in to InnoPraksis" in client.get(reverse("login")).content.decode()
