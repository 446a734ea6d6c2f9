"""CSV import: good files, each kind of bad row and file, re-import, Excel's formats, atomicity."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from innopraksis.models import Invitation, User
from orgs.models import Membership, MembershipRole, Organisation
from students import imports
from students.models import Cohort, ImportBatch, Placement, Student
from tests.conftest import client_for

STUDENTS = (
    "email;full_name;study_programme;internship_course;phone\n"
    "emma@example.org;Emma Johansen;Økonomi og administrasjon;INP3001;+47 912 34 567\n"
    "jakob@example.org;Jakob Olsen;Økonomi og administrasjon;INP3002;\n"
)


@pytest.fixture
def coordinator(cast):
    return client_for(cast.coordinator)


def upload(client, kind, content, name="file.csv", invite=False, encoding="utf-8"):
    data = content.encode(encoding) if isinstance(content, str) else content
    form = {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if invite:
        form["invite"] = "on"
    return client.post(reverse("import_start"), form)


def upload_and_confirm(client, kind, content, django_capture_on_commit_callbacks=None, **options):
    response = upload(client, kind, content, **options)
    assert response.status_code == 302, response.content.decode()[-3000:]
    if django_capture_on_commit_callbacks is None:
        return client.post(response.url, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(response.url, follow=True)


def test_a_good_student_file_shows_a_preview_and_imports_on_confirmation(coordinator, db):
    response = upload(coordinator, "students", STUDENTS)
    preview = coordinator.get(response.url).content.decode()
    assert "2 nye, 0 oppdatert, 0 uendret" in preview
    assert not Student.objects.filter(user__email="emma@example.org").exists()

    response = coordinator.post(response.url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("student_list")
    assert "Importerte file.csv: 2 nye, 0 oppdatert, 0 uendret" in response.content.decode()
    emma = Student.objects.get(user__email="emma@example.org")
    assert (emma.user.full_name, emma.internship_course, emma.phone) == ("Emma Johansen", "INP3001", "+47 912 34 567")


def test_importing_the_same_file_again_changes_nothing(coordinator, db):
    upload_and_confirm(coordinator, "students", STUDENTS)
    response = upload_and_confirm(coordinator, "students", STUDENTS)
    assert "0 nye, 0 oppdatert, 2 uendret" in response.content.decode()
    assert Student.objects.filter(user__email__in=["emma@example.org", "jakob@example.org"]).count() == 2


def test_a_changed_row_updates_the_record_found_by_email(coordinator, db):
    upload_and_confirm(coordinator, "students", STUDENTS)
    changed = STUDENTS.replace("Jakob Olsen;Økonomi og administrasjon;INP3002", "Jakob Olsen;Økonomi;INP3003")
    response = upload_and_confirm(coordinator, "students", changed.replace("emma@", "EMMA@"))
    assert "0 nye, 1 oppdatert, 1 uendret" in response.content.decode()
    assert Student.objects.get(user__email="jakob@example.org").internship_course == "INP3003"
    assert User.objects.filter(email="emma@example.org").count() == 1


def test_comma_separated_with_a_byte_order_mark_works(coordinator, db):
    text = "\ufeff" + STUDENTS.replace(";", ",")
    upload_and_confirm(coordinator, "students", text)
    assert Student.objects.get(user__email="jakob@example.org").user.full_name == "Jakob Olsen"


def test_each_bad_row_is_named_by_line_and_column_and_nothing_is_imported(coordinator, db):
    bad = (
        "email;full_name;study_programme;internship_course;phone\n"
        "emma@example.org;Emma Johansen;;;\n"
        "not-an-address;Nils;;;\n"
        "kari@example.org;;;;\n"
        "ola@example.org;Ola;;;ring meg\n"
        "emma@example.org;Emma igjen;;;\n"
    )
    response = upload(coordinator, "students", bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 feil i filen; ingenting er importert." in html
    assert "<td>3</td><td>epost</td><td>«not-an-address» er ikke en e-postadresse.</td>" in html
    assert "<td>4</td><td>fullt_navn</td>" in html
    assert "<td>5</td><td>telefon</td>" in html
    assert "<td>6</td><td>epost</td><td>Den samme radnøkkelen står også på linje 2" in html
    assert not User.objects.filter(email__in=["emma@example.org", "kari@example.org", "ola@example.org"]).exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Filen er tom"),
        (b"email;full_name\n", "ingen rader å importere"),
        (b"navn;epost\nx;y\n", "mangler kolonnene fullt_navn"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "Dette er ikke en CSV-fil"),
        ("email;full_name\nø@example.org;Øystein\n".encode("latin-1"), "Filen er ikke i UTF-8"),
        (b"email;full_name\n" + b"a@example.org;A\n" * 200_000, "større enn 2 MB"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(coordinator, db, content, message):
    response = upload(coordinator, "students", content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_preview_is_checked_again_and_refused_if_the_data_changed_since(coordinator, cast, db):
    response = upload(
        coordinator,
        "placements",
        f"cohort;student_email;org_number\nVår;{cast.student_a.email};{cast.org_a.org_number}\n",
    )
    assert "Ingen kull heter «Vår»" in response.content.decode()


def test_a_file_is_imported_once_even_if_confirmed_twice(coordinator, db):
    response = upload(coordinator, "students", STUDENTS)
    coordinator.post(response.url)
    again = coordinator.post(response.url, follow=True)
    assert "Denne filen er allerede importert" in again.content.decode()


def test_import_is_all_or_nothing_when_a_row_fails_while_saving(coordinator, db, monkeypatch):
    response = upload(coordinator, "students", STUDENTS)
    saver = imports._student_saver

    def failing_saver(email, values, candidate):
        save = saver(email, values, candidate)

        def save_or_fail():
            if email == "jakob@example.org":
                raise RuntimeError("disk full")
            return save()

        return save_or_fail

    monkeypatch.setattr(imports, "_student_saver", failing_saver)
    with pytest.raises(RuntimeError):
        coordinator.post(response.url)
    assert not User.objects.filter(email="emma@example.org").exists()
    assert ImportBatch.objects.get().applied_at is None


def test_new_people_are_invited_when_asked(coordinator, cast, db, django_capture_on_commit_callbacks):
    upload_and_confirm(coordinator, "students", STUDENTS, django_capture_on_commit_callbacks, invite=True)
    assert sorted(message.to[0] for message in mail.outbox) == ["emma@example.org", "jakob@example.org"]
    mail.outbox.clear()
    upload_and_confirm(coordinator, "students", STUDENTS, django_capture_on_commit_callbacks, invite=True)
    assert mail.outbox == []


def test_organisations_supervisors_and_placements_import_in_order(
    coordinator, cast, db, django_capture_on_commit_callbacks
):
    upload_and_confirm(
        coordinator,
        "organisations",
        "name;org_number;address;website;sector\nHavlys Sjømat AS;956 789 044;Kaiveien 8;havlys.example;privat\n",
    )
    havlys = Organisation.objects.get(org_number="956789044")
    assert (havlys.website, havlys.sector) == ("https://havlys.example", "private")

    upload_and_confirm(
        coordinator,
        "supervisors",
        "email;full_name;org_number;role\neirik@havlys.example;Eirik Moen;956789044;hovedkontakt\n",
        django_capture_on_commit_callbacks,
        invite=True,
    )
    assert Membership.objects.get(user__email="eirik@havlys.example").role == MembershipRole.MAIN_CONTACT
    assert Invitation.objects.get(email="eirik@havlys.example").organisation == havlys

    Cohort.objects.create(
        name="Internship våren 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
    )
    placements = (
        "cohort;student_email;org_number;starts_on;ends_on;work_days;supervisor_emails\n"
        f"internship våren 2023;{cast.student_a.email};956789044;16.01.2023;;tirsdag og torsdag;eirik@havlys.example\n"
    )
    upload_and_confirm(coordinator, "placements", placements)
    placement = Placement.objects.get()
    assert placement.starts_on == datetime.date(2023, 1, 16)
    assert placement.ends_on == datetime.date(2023, 5, 19)
    assert placement.work_days == [2, 4]
    assert [user.email for user in placement.supervisors.all()] == ["eirik@havlys.example"]

    again = upload_and_confirm(coordinator, "placements", placements)
    assert "0 nye, 0 oppdatert, 1 uendret" in again.content.decode()


def test_placement_rows_name_what_is_missing(coordinator, cast, db):
    Cohort.objects.create(name="Vår 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19))
    content = (
        "cohort;student_email;org_number;starts_on;ends_on;work_days;supervisor_emails\n"
        "Vår 2023;nobody@example.org;912345602;;;;\n"
        f"Vår 2023;{cast.student_a.email};999999999;;;;\n"
        f"Vår 2023;{cast.student_b.email};912345602;2023-13-01;;lørdag;{cast.supervisor_b.email}\n"
        f"Vår 2023;{cast.coordinator.email};912345602;2022-12-01;;;\n"
    )
    html = upload(coordinator, "placements", content).content.decode()
    assert "<td>2</td><td>student_epost</td>" in html
    assert "<td>3</td><td>organisasjonsnummer</td>" in html
    assert "<td>4</td><td>starter</td>" in html
    assert "<td>4</td><td>arbeidsdager</td>" in html
    assert "<td>4</td><td>veileder_epost</td>" in html
    assert "<td>5</td><td>student_epost</td>" in html
    assert not Placement.objects.exists()


def test_supervisor_rows_need_a_registered_organisation(coordinator, db):
    html = upload(
        coordinator, "supervisors", "email;full_name;org_number\na@example.org;A;974760673\n"
    ).content.decode()
    assert "Ingen organisasjon har nummeret 974760673" in html


def test_a_wrong_organisation_number_in_a_file_says_so(coordinator, db):
    html = upload(coordinator, "organisations", "name;org_number\nFeil AS;974760674\n").content.decode()
    assert "<td>2</td><td>organisasjonsnummer</td>" in html
    assert "kontrollsifferet stemmer ikke" in html


@pytest.mark.parametrize("kind", ["organisations", "supervisors", "students", "placements"])
def test_each_template_downloads_as_excel_reads_it(coordinator, kind):
    response = coordinator.get(reverse("import_template", kwargs={"kind": kind}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header = text.lstrip("\ufeff").splitlines()[0]
    assert header == ";".join(imports.NORWEGIAN_COLUMNS[column] for column in imports.SPECS[kind].columns)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_template_in_either_language_imports_as_it_is(coordinator, db, language):
    coordinator.post(reverse("set_language"), {"language": language})
    template = coordinator.get(reverse("import_template", kwargs={"kind": "organisations"})).content
    header = template.decode("utf-8").lstrip("\ufeff").splitlines()[0]
    assert header.startswith("navn;organisasjonsnummer" if language == "nb" else "name;org_number")
    response = upload(coordinator, "organisations", template)
    assert response.status_code == 302  # to the preview: the file has no problems
    assert "Havlys Sjømat AS" in coordinator.get(response.url).content.decode()


def test_a_norwegian_header_with_capitals_and_hyphens_is_read(coordinator, db):
    response = upload(coordinator, "students", "E-post;Fullt navn;Telefon\nemma@example.org;Emma Johansen;\n")
    assert response.status_code == 302
    assert "Emma Johansen" in coordinator.get(response.url).content.decode()


def test_the_template_for_an_unknown_kind_is_not_found(coordinator):
    assert coordinator.get(reverse("import_template", kwargs={"kind": "secrets"})).status_code == 404


@pytest.mark.parametrize(
    ("kind", "content", "column"),
    [
        ("students", "email;full_name\nlang@example.org;" + "N" * 200 + "\n", "fullt_navn"),
        ("organisations", "name;org_number;address\nLang AS;974760673;" + "Gate " * 200 + "\n", "adresse"),
    ],
)
def test_a_value_over_its_length_is_reported_in_the_preview_by_line_and_column(coordinator, db, kind, content, column):
    html = upload(coordinator, kind, content).content.decode()
    assert f"<td>2</td><td>{column}</td>" in html
    assert not ImportBatch.objects.exists()
