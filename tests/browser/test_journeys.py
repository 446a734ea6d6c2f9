"""Each role's main journey, as a person would walk it: by visible labels and roles."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core import mail
from playwright.sync_api import expect

from innopraksis.management.commands.seed_demo import DEMO_PASSWORD
from innopraksis.second_factor import code_was_used
from tests.conftest import PASSWORD, invitation_token


def sign_in(page, email, password=PASSWORD):
    """Sign in with e-mail address and password, and, for a person with an authenticator app (every
    coordinator), the code it shows."""
    page.goto("/")
    page.get_by_label("E-postadresse").fill(email)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()
    code = authenticator_code(email)
    if code is not None and password in (PASSWORD, DEMO_PASSWORD):
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.get_by_label("Kode").fill(code)
        page.get_by_role("button", name="Logg inn").click()


def authenticator_code(email: str) -> str | None:
    """The code the person's authenticator app shows now, or None if they have none. A code works once, so a
    second sign-in within the same 30 seconds gives the next one (accepted a period early)."""
    app = Authenticator.objects.filter(user__email__iexact=email, type=Authenticator.Type.TOTP).first()
    if app is None:
        return None
    secret = decrypt(app.data["secret"])
    counter = int(time.time()) // 30
    code = format_hotp_value(hotp_value(secret, counter))
    if code_was_used(app.user, code):
        code = format_hotp_value(hotp_value(secret, counter + 1))
    return code


def sign_out(page):
    """Sign out from the user menu."""
    page.locator("#user-menu > button").click()
    page.get_by_role("button", name="Logg ut").click()


def test_coordinator_invites_a_student_who_sets_a_password_from_the_email(page, cast):
    sign_in(page, cast.coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Trenger oppmerksomhet nå")

    page.get_by_role("link", name="Inviter en person").first.click()
    page.get_by_label("E-postadresse").fill("ny.student@example.org")
    page.get_by_label("Fullt navn").fill("Nora Ny")
    page.get_by_label("Invitert som").select_option(label="Student")
    page.get_by_role("button", name="Send invitasjon").click()
    expect(page.get_by_text("Invitasjon sendt til ny.student@example.org.")).to_be_visible()
    expect(page.get_by_role("cell", name="ny.student@example.org Nora Ny")).to_be_visible()
    sign_out(page)

    (message,) = mail.outbox
    assert message.to == ["ny.student@example.org"]
    page.goto(f"/invitation/{invitation_token(message.body)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen til InnoPraksis")
    expect(page.get_by_label("Fullt navn")).to_have_value("Nora Ny")
    page.get_by_label(re.compile(r"^\s*Nytt passord\W*$")).fill("my-own-long-password")
    page.get_by_label("Nytt passord en gang til").fill("my-own-long-password")
    page.get_by_role("button", name="Lagre og logg inn").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")
    expect(page.get_by_text("Velkommen til InnoPraksis! Passordet ditt er lagret.")).to_be_visible()

    sign_out(page)
    sign_in(page, "ny.student@example.org", "my-own-long-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")


def test_a_person_switches_the_language_to_english_and_back(page, cast):
    sign_in(page, cast.supervisor_a.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine studenter")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My students")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("My students")

    page.get_by_role("button", name="Norsk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine studenter")
    expect(page.locator("html")).to_have_attribute("lang", "nb")


def test_the_skip_link_moves_focus_to_the_main_content(page, cast):
    sign_in(page, cast.student_a.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til hovedinnholdet")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("width", [1366, 1920, 390])
def test_without_javascript_the_menus_stay_usable_and_sign_out_works(chromium, live_server, cast, width):
    context = chromium.new_context(base_url=live_server.url, locale="nb-NO", java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    try:
        sign_in(page, cast.coordinator.email)
        # The open menus push the page down; they do not lie over its heading.
        heading = page.get_by_role("heading", level=1)
        box = heading.bounding_box()
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('h1') !== null",
            [box["x"] + 5, box["y"] + box["height"] / 2],
        )
        assert on_top
        expect(page.get_by_role("link", name="Profil")).to_be_visible()
        expect(page.get_by_role("link", name="Oversiktstavle")).to_be_visible()
        page.get_by_role("button", name="Logg ut").click()
        expect(page.get_by_role("heading", name="Logg inn i InnoPraksis")).to_be_visible()
    finally:
        context.close()
