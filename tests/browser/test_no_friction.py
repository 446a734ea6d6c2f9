"""Each journey's friction, fixed: what a person does next is obvious and nothing they typed is lost."""

import io
import re

from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from feedback import lifecycle
from students.models import AgreementState, ExpectationAgreement, Side
from tests.browser.test_agreement_journey import START, open_agreement
from tests.browser.test_checkin_journey import started_today_two_weeks_ago
from tests.browser.test_journeys import sign_in, sign_out
from tests.test_agreement import fill, signed


def test_after_a_failed_send_back_the_focus_is_on_the_error_summary_and_after_a_good_one_on_the_message(page, cast):
    placement = open_agreement(cast)
    ExpectationAgreement.objects.filter(placement=placement).update(state=AgreementState.SIGNING)
    sign_in(page, cast.coordinator.email)
    page.goto(reverse("agreement_review", kwargs={"pk": placement.pk}))
    page.get_by_role("radio", name="Organisasjonen").check()
    page.get_by_role("button", name="Send tilbake").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Hva som bør endres").click()
    expect(page.get_by_label("Hva som bør endres")).to_be_focused()
    page.get_by_label("Hva som bør endres").fill("Beskriv oppgavene mer konkret.")
    page.get_by_role("button", name="Send tilbake").click()
    message = page.locator("#messages .alert").first
    expect(message).to_be_focused()
    expect(message).to_have_text("Avtalen er sendt tilbake med kommentaren din.")


def test_a_students_message_reaches_the_coordinators_home_and_the_answer_reaches_the_student_only(page, cast):
    placement = started_today_two_weeks_ago(cast)
    secret = "Jeg trives, men får for lite å gjøre. Kan vi snakke om det?"

    sign_in(page, cast.student_a.email)
    page.get_by_role("link", name="Samtalen din med koordinatoren").click()
    page.get_by_label("Din melding").fill(secret)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Meldingen din er sendt.")).to_be_focused()
    sign_out(page)

    sign_in(page, cast.coordinator.email)
    new = page.get_by_role("region", name="Nye meldinger fra studenter")
    new.get_by_role("link", name="Siri Student – Solberg & Dahl Revisjon AS").click()
    expect(page.get_by_text(secret)).to_be_visible()
    page.get_by_label("Din melding").fill("Takk! Jeg ringer deg i morgen.")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("link", name="Oversikt", exact=True).click()
    expect(page.get_by_role("region", name="Nye meldinger fra studenter")).to_contain_text("Ingen uleste meldinger")
    sign_out(page)

    sign_in(page, cast.supervisor_a.email)
    expect(page.get_by_role("main")).not_to_contain_text(secret)
    page.goto(reverse("placement_detail", kwargs={"pk": placement.pk}))
    expect(page.get_by_role("main")).not_to_contain_text("Samtale")
    sign_out(page)

    sign_in(page, cast.student_a.email)
    expect(page.get_by_text("Nytt svar")).to_be_visible()
    page.get_by_role("link", name="Samtalen din med koordinatoren").click()
    expect(page.get_by_text("Takk! Jeg ringer deg i morgen.")).to_be_visible()


def both_parts_filled(cast):
    placement = open_agreement(cast)
    fill(placement.agreement, Side.STUDENT, cast.student_a)  # Tuesday and Thursday
    fill(placement.agreement, Side.ORGANISATION, cast.supervisor_a)
    return placement


def test_the_supervisor_is_warned_when_the_question_time_is_not_on_one_of_the_students_days(page, cast):
    placement = open_agreement(cast)
    fill(placement.agreement, Side.STUDENT, cast.student_a)
    sign_in(page, cast.supervisor_a.email)
    page.goto(reverse("agreement_step", kwargs={"pk": placement.pk, "side": "organisation", "step": "question_time"}))
    expect(page.get_by_text("Studenten kan være i organisasjonen på tirsdag, torsdag.")).to_be_visible()
    page.get_by_label("Ukedag for spørretiden").select_option(label="mandag")
    page.get_by_label("Klokkeslett for spørretiden").fill("14:00")
    page.get_by_label("Varighet i minutter").fill("30")
    page.get_by_label("Sted eller videolenke").fill("Møterom 2")
    page.get_by_role("button", name="Lagre og fortsett senere").click()
    expect(page.get_by_role("status").filter(has_text="Spørretiden er på mandag")).to_contain_text(
        "men studenten kan være i organisasjonen på tirsdag, torsdag"
    )


def test_before_signing_the_student_asks_the_organisation_for_a_change(page, cast):
    placement = both_parts_filled(cast)
    sign_in(page, cast.student_a.email)
    page.goto(reverse("agreement_detail", kwargs={"pk": placement.pk}))
    page.get_by_role("link", name="Les og signer, eller be om en endring").click()
    page.get_by_role("button", name="Be om en endring").click()
    expect(page.locator("#form-errors")).to_be_focused()
    page.get_by_label("Hva som bør endres").fill("Legg inn at jeg har eksamen i uke 21.")
    page.get_by_role("button", name="Be om en endring").click()
    expect(page.locator("#messages .alert").first).to_be_focused()
    expect(page.get_by_text("Venter på at Ane Veileder gjør ferdig organisasjonens del.")).to_be_visible()
    expect(page.get_by_role("link", name="Les og signer, eller be om en endring")).to_have_count(0)
    sign_out(page)

    sign_in(page, cast.supervisor_a.email)
    page.goto(reverse("agreement_detail", kwargs={"pk": placement.pk}))
    expect(page.get_by_text("Siri Student ba om en endring i organisasjonens del før signering:")).to_be_visible()
    expect(page.get_by_text("Legg inn at jeg har eksamen i uke 21.")).to_be_visible()
    page.get_by_role("link", name="Fyll ut din del").click()
    expect(page.get_by_text("Legg inn at jeg har eksamen i uke 21.")).to_be_visible()


def test_the_printed_agreement_names_the_signers_and_the_approver_and_numbers_its_pages(page, cast):
    placement = both_parts_filled(cast)
    agreement = signed(cast, placement.agreement)
    lifecycle.agreement_approve_and_start(agreement=agreement, user=cast.coordinator, today=START)
    sign_in(page, cast.student_a.email)
    page.goto(reverse("agreement_print", kwargs={"pk": placement.pk}))
    pages = PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
    text = " ".join(" ".join(pdf_page.extract_text() for pdf_page in pages).split())
    assert "Studentens forventninger" in text and "Organisasjonens forventninger" in text
    assert "Hva studenten ønsker" in text and "Hva du ønsker" not in text  # third person, not the form's "you"
    assert "For Solberg & Dahl Revisjon AS: Ane Veileder" in text
    assert "av Kari Koordinator, koordinator i programmet" in text
    assert len(pages) > 1
    for number, pdf_page in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in pdf_page.extract_text()


def test_english_dates_are_day_month_year_on_a_24_hour_clock(page, cast):
    placement = both_parts_filled(cast)
    signed(cast, placement.agreement)
    sign_in(page, cast.supervisor_a.email)
    page.get_by_role("button", name="English").click()
    for url in (
        reverse("placement_detail", kwargs={"pk": placement.pk}),
        reverse("agreement_detail", kwargs={"pk": placement.pk}),
    ):
        page.goto(url)
        text = page.locator("main").inner_text()
        assert "9 Jan 2023" in text
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)
        assert not re.search(r"\b(a\.m\.|p\.m\.|AM|PM)\b", text)
    expect(page.get_by_text(re.compile(r"Signed by Ane Veileder \d{1,2} \w{3} \d{4} \d\d:\d\d\."))).to_be_visible()


def test_a_wrong_password_shows_one_message_and_the_focus_is_on_it(page, cast):
    sign_in(page, cast.student_a.email, "not-the-password")
    message = page.locator("main .alert-danger")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("E-postadressen eller passordet er feil.")
    expect(message).to_be_focused()
    expect(page.get_by_label("E-postadresse")).to_have_value(cast.student_a.email)


def test_jumping_to_another_step_from_the_list_keeps_what_was_typed(page, cast):
    placement = open_agreement(cast)
    sign_in(page, cast.student_a.email)
    page.goto(reverse("agreement_step", kwargs={"pk": placement.pk, "side": "student", "step": "wants"}))
    page.get_by_label("Hva jeg ønsker å få ut av internshipet").fill("Erfaring med budsjett og analyse")
    page.get_by_role("navigation", name="Steg").get_by_role("link").nth(2).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Steg 3 av")
    placement.agreement.refresh_from_db()
    assert placement.agreement.student_wants == "Erfaring med budsjett og analyse"
