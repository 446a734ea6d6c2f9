"""A coordinator keeps the register right: import, fix, confirm."""

from playwright.sync_api import expect

from students.models import Student
from tests.browser.test_journeys import sign_in

HEADER = "email;full_name;study_programme;internship_course;phone\n"


def choose_file(page, name: str, content: str) -> None:
    page.get_by_label("CSV-fil").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": ("\ufeff" + content).encode()}]
    )


def test_coordinator_imports_students_fixes_a_bad_row_and_confirms(page, cast):
    sign_in(page, cast.coordinator.email)
    page.get_by_role("button", name="Mer").click()
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer fra CSV")

    page.get_by_label("Studenter").check()
    choose_file(
        page,
        "studenter.csv",
        HEADER + "emma@example.org;Emma Johansen;Økonomi;INP3001;\nnils(at)example.org;Nils Ny;;;\n",
    )
    page.get_by_role("button", name="Sjekk filen").click()

    expect(page.get_by_role("alert")).to_contain_text("1 feil i filen; ingenting er importert.")
    error_row = page.get_by_role("row", name="3 epost")
    expect(error_row).to_contain_text("«nils(at)example.org» er ikke en e-postadresse.")
    assert not Student.objects.filter(user__email="emma@example.org").exists()

    page.get_by_label("Studenter").check()
    choose_file(
        page, "studenter.csv", HEADER + "emma@example.org;Emma Johansen;Økonomi;INP3001;\nnils@example.org;Nils Ny;;;\n"
    )
    page.get_by_role("button", name="Sjekk filen").click()
    expect(page.get_by_text("Studenter: nye 2, oppdatert 0, uendret 0.")).to_be_visible()
    expect(page.get_by_role("row", name="3 Ny Nils Ny <nils@example.org>")).to_be_visible()

    page.get_by_role("button", name="Bekreft og importer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Studenter")
    expect(page.get_by_text("Importerte studenter.csv: nye 2, oppdatert 0, uendret 0.")).to_be_visible()
    expect(page.get_by_role("link", name="Nils Ny")).to_be_visible()
    assert Student.objects.filter(user__email__in=["emma@example.org", "nils@example.org"]).count() == 2
