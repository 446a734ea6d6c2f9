"""The main journeys with the keyboard alone: Tab, Shift+Tab, Space and Enter, plus typing text."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import expect

from students.models import AgreementState, ExpectationAgreement
from tests.browser.test_checkin_journey import started_today_two_weeks_ago
from tests.conftest import PASSWORD

MAX_TABS = 60


def focused_is(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``locator`` has the focus; fail if it is never reached."""
    for _press in range(MAX_TABS):
        if focused_is(locator):
            assert_focus_visible(page)
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{locator} cannot be reached with the keyboard")


def assert_focus_visible(page) -> None:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    outline, width, shadow = style
    assert (outline != "none" and width != "0px") or shadow != "none", f"no visible focus: {style}"


def test_sign_in_answer_a_check_in_and_start_the_agreement_by_keyboard(page, cast):
    placement = started_today_two_weeks_ago(cast)

    page.goto(reverse("login"))
    tab_to(page, page.get_by_label("E-postadresse"))
    page.keyboard.type(cast.student_a.email)
    tab_to(page, page.get_by_label("Passord"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")

    checkin = placement.checkins.order_by("due_on").first()
    page.goto(reverse("checkin_detail", kwargs={"pk": placement.pk, "checkin_pk": checkin.pk}))
    send = page.get_by_role("button", name="Send svarene mine")
    tab_to(page, send)
    page.keyboard.press("Enter")  # nothing answered: the errors are announced and lead to the fields
    summary = page.get_by_role("alert").filter(has_text="Gå til:")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Hvordan er arbeidsmengden?")).to_have_attribute("href", "#id_workload_0")

    tab_to(page, page.get_by_label("1 – altfor lite"))
    page.keyboard.press("Space")
    tab_to(
        page,
        page.get_by_role("group", name="I hvor stor grad føler du deg som en ressurs for organisasjonen?").get_by_label(
            "1 – ikke i det hele tatt"
        ),
    )
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("group", name="Hvor mye lærer du?").get_by_label("1 – ikke i det hele tatt"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Ja"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Hva som bør justeres"))
    page.keyboard.type("Mer å gjøre, takk.")
    tab_to(page, page.get_by_role("button", name="Send svarene mine"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Takk, svarene dine er lagret.")).to_be_visible()

    # The first step of the agreement, back and forth with Tab and Shift+Tab.
    ExpectationAgreement.objects.filter(placement=placement).update(state=AgreementState.DRAFT, approved_at=None)
    page.goto(reverse("agreement_step", kwargs={"pk": placement.pk, "side": "student", "step": "wants"}))
    answer = page.get_by_label("Hva jeg ønsker å få ut av internshipet")
    tab_to(page, answer)
    page.keyboard.type("Erfaring med budsjett")
    tab_to(page, page.get_by_role("button", name="Lagre og fortsett senere"))
    tab_to(page, page.get_by_role("button", name="Neste", exact=True), backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_title("Steg 2 av 5: Læringsmål – InnoPraksis")
    # No trap: Tab keeps moving on through the page.
    seen = set()
    for _press in range(20):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)"))
    assert len(seen) > 10
