"""From the career day to the placements: a student ranks three organisations with the keyboard alone, an
organisation ranks the students who chose it, and a coordinator runs the match, places a student beforehand,
runs it again, compares the two runs and publishes one."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from orgs.models import Organisation
from students import rounds
from students.models import Applicant, Cohort, MatchingRound, RoundOrganisation
from tests.browser.test_journeys import sign_in, sign_out
from tests.browser.test_keyboard import tab_to

DAY = datetime.timedelta(days=1)


def set_phase(matching_round: MatchingRound, *, opens: int, students: int, organisations: int) -> None:
    """Move the round's dates so that today falls where the journey needs it."""
    today = timezone.localdate()
    MatchingRound.objects.filter(pk=matching_round.pk).update(
        opens_on=today + opens * DAY,
        students_until=today + students * DAY,
        organisations_until=today + organisations * DAY,
    )


def test_students_and_an_organisation_rank_and_the_coordinator_matches_and_publishes(page, cast):
    today = timezone.localdate()
    cohort = Cohort.objects.create(name="Internship høsten 2027", starts_on=today + 90 * DAY, ends_on=today + 200 * DAY)
    org_c = Organisation.objects.create(name="Fjellheim Sparebank", org_number="934567838")
    matching_round = MatchingRound.objects.create(
        cohort=cohort, opens_on=today - 5 * DAY, students_until=today + 5 * DAY, organisations_until=today + 10 * DAY
    )
    participants = {
        organisation.pk: RoundOrganisation.objects.create(
            round=matching_round, organisation=organisation, capacity=1, tasks="Regnskap, analyse og kundemøter"
        )
        for organisation in (cast.org_a, cast.org_b, org_c)
    }
    for user in (cast.student_a, cast.student_b):
        Applicant.objects.create(round=matching_round, student=user.student)
    rounds.ranking_save(
        applicant=Applicant.objects.get(student=cast.student_b.student),
        choices=[(participants[cast.org_a.pk], "Jeg vil lære revisjon.")],
        today=today,
    )

    # The student ranks three organisations with the keyboard alone.
    sign_in(page, cast.student_a.email)
    page.get_by_role("link", name="Ranger organisasjonene").click()
    for organisation in (cast.org_a, cast.org_b, org_c):
        tab_to(page, page.get_by_role("button", name=f"Legg til i rangeringen min – {organisation.name}"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=3, name=organisation.name)).to_be_visible()
    tab_to(page, page.get_by_label(f"Hvorfor {org_c.name}?"))
    page.keyboard.type("Jeg vil jobbe med kunder i en bank.")
    tab_to(page, page.get_by_role("button", name=f"Flytt opp – {org_c.name}"))
    page.keyboard.press("Enter")
    headings = page.locator("ol h3")
    expect(headings).to_have_text([f"1. {cast.org_a.name}", f"2. {org_c.name}", f"3. {cast.org_b.name}"])
    expect(page.get_by_label(f"Hvorfor {org_c.name}?")).to_have_value("Jeg vil jobbe med kunder i en bank.")
    tab_to(page, page.get_by_role("button", name="Lagre rangeringen min"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Rangeringen din er lagret.")).to_be_in_viewport()
    sign_out(page)

    # After the students' last day, the organisation ranks the students who chose it.
    set_phase(matching_round, opens=-10, students=-1, organisations=5)
    sign_in(page, cast.supervisor_a.email)
    page.get_by_role("link", name=f"{cast.org_a.name} i matchingrunden for {cohort.name}").click()
    page.get_by_role("link", name="Se og ranger dem").click()
    expect(page.get_by_text("Jeg vil lære revisjon.")).to_be_visible()
    page.get_by_label("Plass for Sander Student").fill("1")
    page.get_by_label("Plass for Siri Student").fill("2")
    page.get_by_role("button", name="Lagre rangeringen").click()
    expect(page.get_by_text("Rangeringen av studentene er lagret.")).to_be_visible()
    sign_out(page)

    # The coordinator runs the match, places a student beforehand, runs it again, compares and publishes.
    set_phase(matching_round, opens=-20, students=-10, organisations=-1)
    sign_in(page, cast.coordinator.email)
    page.get_by_role("button", name="Mer").click()
    page.get_by_role("link", name="Matchingrunder").click()
    page.get_by_role("link", name=cohort.name).click()
    page.get_by_role("button", name="Kjør matchingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kjøring 1 av matchingen for {cohort.name}")
    expect(page.get_by_text(f"Du fikk ditt 2. valg, {org_c.name}.")).to_be_visible()
    page.get_by_role("link", name=cohort.name).click()
    page.get_by_role("combobox", name="Student").select_option(label="Siri Student")
    page.get_by_role("combobox", name="Organisasjon").select_option(label=cast.org_a.name)
    page.get_by_label("Plassert på forhånd").check()
    page.get_by_role("button", name="Lagre beslutningen").click()
    expect(page.get_by_text("Det gjelder fra neste kjøring.")).to_be_visible()
    page.get_by_role("button", name="Kjør matchingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kjøring 2 av matchingen for {cohort.name}")
    expect(page.get_by_text("Par som heller ville hatt hverandre")).to_be_visible()
    page.get_by_role("link", name=cohort.name).click()
    page.get_by_role("button", name="Sammenlign").click()
    expect(page.get_by_role("heading", name="2 studenter med ulikt resultat")).to_be_visible()
    page.get_by_role("link", name="Kjøring 2").first.click()
    page.get_by_role("link", name="Publiser denne kjøringen").click()
    page.get_by_role("button", name="Publiser").click()
    expect(page.get_by_text("Kjøring 2 er publisert: 1 praksisplass er opprettet")).to_be_visible()
    sign_out(page)

    # The student sees the result and why.
    sign_in(page, cast.student_a.email)
    page.get_by_role("link", name="Se resultatet ditt og hvorfor").click()
    expect(page.get_by_text(f"Koordinatorene plasserte deg hos {cast.org_a.name} før matchingen.")).to_be_visible()
