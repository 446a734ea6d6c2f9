"""The supervisor works the onboarding checklist; the student sees the progress."""

from django.urls import reverse
from playwright.sync_api import expect

from feedback import lifecycle
from students import onboarding
from tests.browser.test_agreement_journey import START, open_agreement
from tests.browser.test_journeys import sign_in, sign_out
from tests.test_agreement import signed


def test_two_ticks_and_a_note_are_saved_in_one_press_and_the_student_sees_the_progress(page, cast):
    placement = open_agreement(cast)
    onboarding.cohort_add_default_template(cohort=placement.cohort)
    lifecycle.agreement_approve_and_start(
        agreement=signed(cast, placement.agreement), user=cast.coordinator, today=START
    )

    sign_in(page, cast.supervisor_a.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine studenter")
    page.get_by_role("link", name="1 av 6 gjort").click()  # the question time, set in the agreement
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding: Siri Student")

    clarify = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Avklar hva studenten ønsker å få ut av internshipet")
    )
    clarify.get_by_label("Gjort").check()
    clarify.get_by_label("Notat").fill("Gikk gjennom målene hennes første dag.")
    adapted = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Tilpass oppgavene til hvem studenten er")
    )
    adapted.get_by_label("Gjort").check()
    # Two ticks and a note, one press: all of it is saved.
    page.get_by_role("button", name="Lagre sjekklisten").click()
    expect(page.get_by_text("Sjekklisten er lagret.")).to_be_visible()
    expect(page.get_by_text("3 av 6 gjort")).to_be_visible()
    expect(page.get_by_label("Notat").first).to_have_value("Gikk gjennom målene hennes første dag.")
    sign_out(page)

    sign_in(page, cast.student_a.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt internship")
    expect(page.get_by_text("3 av 6 gjort")).to_be_visible()
    expect(page.get_by_text("Hver tirsdag 14:00–14:30, Møterom 2")).to_be_visible()
    page.get_by_role("link", name="Åpne sjekklisten").click()
    expect(page.get_by_text("Gikk gjennom målene hennes første dag.")).to_be_visible()
    expect(page.get_by_text("Gjort av Ane Veileder").first).to_be_visible()


def test_a_coordinator_moves_a_template_item_twice_from_the_keyboard(page, cast):
    placement = open_agreement(cast)
    onboarding.cohort_add_default_template(cohort=placement.cohort)
    titles = [item.display_title for item in placement.cohort.onboarding_template.order_by("position")]
    sign_in(page, cast.coordinator.email)
    page.goto(reverse("cohort_onboarding", kwargs={"pk": placement.cohort.pk}))
    page.get_by_role("button", name=f"Ned – {titles[0]}").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text(f"«{titles[0]}» er flyttet.")).to_be_visible()
    # The focus is on the moved item, so the next Tab reaches its buttons again, without a search.
    expect(page.locator(f"li#template-item-{placement.cohort.onboarding_template.get(position=2).pk}")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # its "Ned" again
    expect(page.get_by_text(f"«{titles[0]}» er flyttet.")).to_be_visible()
    order = [item.display_title for item in placement.cohort.onboarding_template.order_by("position")]
    assert order[:3] == [titles[1], titles[2], titles[0]]
