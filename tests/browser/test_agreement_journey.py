"""The expectation agreement from both sides and the coordinator's, in a real browser."""

import datetime

from django.test import TestCase
from django.urls import reverse
from playwright.sync_api import expect

from students import placements
from students.models import AgreementState, Cohort, ExpectationAgreement, Placement, PlacementState
from tests.browser.test_journeys import sign_in, sign_out

START = datetime.date(2023, 1, 9)


def open_agreement(cast) -> Placement:
    cohort = Cohort.objects.create(name="Internship våren 2023", starts_on=START, ends_on=datetime.date(2023, 5, 19))
    placement = Placement.objects.create(
        cohort=cohort, student=cast.student_a.student, organisation=cast.org_a, starts_on=START, ends_on=cohort.ends_on
    )
    placement.supervisors.add(cast.supervisor_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        placements.placement_start_agreement(placement=placement)
    return placement


def next_step(page):
    page.get_by_role("button", name="Neste", exact=True).click()


def test_both_parties_fill_in_and_sign_and_the_coordinator_approves(page, cast):
    placement = open_agreement(cast)

    # The student starts, leaves after three steps, and comes back to a saved draft.
    sign_in(page, cast.student_a.email)
    page.get_by_role("link", name="Åpne avtalen").click()
    page.get_by_role("link", name="Fyll ut din del").click()
    page.get_by_role("link", name="Fortsett: Hva du ønsker").click()
    expect(page).to_have_title("Steg 1 av 5: Hva du ønsker – InnoPraksis")
    page.get_by_label("Hva jeg ønsker å få ut av internshipet").fill("Erfaring med budsjett og analyse")
    next_step(page)
    expect(page).to_have_title("Steg 2 av 5: Læringsmål – InnoPraksis")
    next_step(page)  # nothing written: asked to answer, stays on the step
    expect(page.get_by_text("Svar på dette før du går videre.")).to_be_visible()
    page.get_by_label("Mine læringsmål").fill("Lage et budsjett")
    next_step(page)
    page.get_by_label("Mine styrker").fill("Strukturert")
    page.get_by_label("Mine interesser").fill("Bærekraft")
    page.get_by_role("button", name="Lagre og fortsett senere").click()
    sign_out(page)

    sign_in(page, cast.student_a.email)
    page.goto(reverse("agreement_part", kwargs={"pk": placement.pk, "side": "student"}))
    expect(page.get_by_text("Erfaring med budsjett og analyse")).to_be_visible()
    page.get_by_role("link", name="Fortsett: Det du er usikker på").click()
    expect(page).to_have_title("Steg 4 av 5: Det du er usikker på – InnoPraksis")
    page.get_by_label("Det jeg er usikker på").fill("Å spørre om hjelp")
    next_step(page)
    page.get_by_role("checkbox", name="tirsdag").check()
    page.get_by_role("checkbox", name="torsdag").check()
    page.get_by_label("Tider som passer meg, og mer om dagene").fill("9–16")
    page.get_by_role("button", name="Neste: oppsummering").click()
    page.get_by_role("button", name="Gjør ferdig min del").click()
    expect(page.get_by_text("Din del er ferdig.")).to_be_visible()
    sign_out(page)

    # The supervisor fills in the organisation's part, with the student's part beside the tasks.
    sign_in(page, cast.supervisor_a.email)
    page.goto(reverse("agreement_detail", kwargs={"pk": placement.pk}))
    page.get_by_role("link", name="Fyll ut din del").click()
    page.get_by_role("link", name="Fortsett: Hva dere forventer").click()
    page.get_by_label("Hva vi forventer at studenten leverer").fill("En rapport")
    page.get_by_label("Kvaliteten vi forventer").fill("Ryddig")
    page.get_by_label("Hvor selvstendig vi forventer at studenten jobber").fill("Mer og mer selvstendig")
    next_step(page)
    page.get_by_label("Studentens rolle og ansvar").fill("Del av økonomiteamet")
    next_step(page)
    expect(page.get_by_role("complementary")).to_contain_text("Erfaring med budsjett og analyse")
    page.get_by_label("Oppgavene studenten er med på").fill("Budsjett og kundemøter")
    next_step(page)
    page.get_by_label("Hvordan vi gir tilbakemeldinger").fill("Samtale etter hver leveranse")
    page.get_by_label("Hvor ofte vi gir tilbakemeldinger").select_option(label="Hver uke")
    next_step(page)
    page.get_by_label("Kontaktperson", exact=True).fill("Ane Veileder")
    page.get_by_label("Kontaktpersonens e-postadresse").fill("supervisor.a@example.org")
    next_step(page)
    page.get_by_label("Ukedag for spørretiden").select_option(label="tirsdag")
    page.get_by_label("Klokkeslett for spørretiden").fill("14:00")
    page.get_by_label("Varighet i minutter").fill("30")
    page.get_by_label("Sted eller videolenke").fill("Møterom 2")
    page.get_by_role("button", name="Neste: oppsummering").click()
    page.get_by_role("button", name="Gjør ferdig min del").click()
    expect(page.get_by_text("Begge delene er fylt ut")).to_be_visible()

    page.get_by_role("link", name="Les og signer").click()
    expect(page.get_by_text("Budsjett og kundemøter")).to_be_visible()
    page.get_by_role("button", name="Signer avtalen").click()
    expect(page.get_by_text("Du har signert forventningsavklaringen.")).to_be_visible()
    sign_out(page)

    sign_in(page, cast.student_a.email)
    page.goto(reverse("agreement_detail", kwargs={"pk": placement.pk}))
    page.get_by_role("link", name="Les og signer").click()
    page.get_by_role("button", name="Signer avtalen").click()
    expect(page.get_by_text("Venter på godkjenning").first).to_be_visible()
    sign_out(page)

    # The coordinator approves; the placement has started, so it becomes active.
    sign_in(page, cast.coordinator.email)
    page.goto(reverse("agreement_detail", kwargs={"pk": placement.pk}))
    page.get_by_role("link", name="Gå gjennom og godkjenn").click()
    page.get_by_role("button", name="Godkjenn avtalen").click()
    expect(page.get_by_text("Avtalen er godkjent. Begge parter har fått beskjed.")).to_be_visible()

    agreement = ExpectationAgreement.objects.get(placement=placement)
    assert agreement.state == AgreementState.APPROVED
    assert agreement.question_minutes == 30
    assert Placement.objects.get(pk=placement.pk).state == PlacementState.ACTIVE
