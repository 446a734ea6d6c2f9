"""CSV import: good files, each kind of bad row and file, re-import, Excel's formats, atomicity."""

import datetime
import io
import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

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


def spring_cohort() -> Cohort:
    return Cohort.objects.create(
        name="Vår 2023", starts_on=datetime.date(2023, 1, 9), ends_on=datetime.date(2023, 5, 19)
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
    assert "nye 2, oppdatert 0, uendret 0" in preview
    assert not Student.objects.filter(user__email="emma@example.org").exists()

    response = coordinator.post(response.url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("student_list")
    assert "Importerte file.csv: nye 2, oppdatert 0, uendret 0" in response.content.decode()
    emma = Student.objects.get(user__email="emma@example.org")
    assert (emma.user.full_name, emma.internship_course, emma.phone) == ("Emma Johansen", "INP3001", "+47 912 34 567")


def test_importing_the_same_file_again_changes_nothing(coordinator, db):
    upload_and_confirm(coordinator, "students", STUDENTS)
    response = upload_and_confirm(coordinator, "students", STUDENTS)
    assert "nye 0, oppdatert 0, uendret 2" in response.content.decode()
    assert Student.objects.filter(user__email__in=["emma@example.org", "jakob@example.org"]).count() == 2


def test_a_changed_row_updates_the_record_found_by_email(coordinator, db):
    upload_and_confirm(coordinator, "students", STUDENTS)
    changed = STUDENTS.replace("Jakob Olsen;Økonomi og administrasjon;INP3002", "Jakob Olsen;Økonomi;INP3003")
    response = upload_and_confirm(coordinator, "students", changed.replace("emma@", "EMMA@"))
    assert "nye 0, oppdatert 1, uendret 1" in response.content.decode()
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

    def disk_full(*args, **kwargs):
        raise RuntimeError("disk full")

    # The people are saved first, then their student records, which fail.
    monkeypatch.setattr(Student.objects, "bulk_create", disk_full)
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
    assert "nye 0, oppdatert 0, uendret 1" in again.content.decode()


def test_placement_rows_name_what_is_missing(coordinator, cast, db):
    spring_cohort()
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


def test_the_student_template_imports_with_its_phone_number_written_safe_for_spreadsheets(coordinator, db):
    template = coordinator.get(reverse("import_template", kwargs={"kind": "students"})).content
    assert b";'+47 912 34 567" in template  # a cell starting with + is written so Excel will not run it
    upload_and_confirm(coordinator, "students", template)
    assert Student.objects.get(user__email="emma.student@example.org").phone == "+47 912 34 567"


def test_a_header_that_does_not_fit_names_the_columns_as_the_file_writes_them(coordinator, db):
    html = upload(coordinator, "organisations", "epost;Fullt navn\nemma@example.org;Emma\n").content.decode()
    assert "epost, Fullt navn" in html


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


class TestWhatExcelWrites:
    def test_a_separator_at_the_end_of_every_line_is_an_empty_column_and_ignored(self, coordinator, db):
        content = "email;full_name;\nemma@example.org;Emma Johansen;\njakob@example.org;Jakob Olsen;\n"
        upload_and_confirm(coordinator, "students", content)
        assert Student.objects.filter(user__email__in=["emma@example.org", "jakob@example.org"]).count() == 2

    def test_old_mac_line_endings_are_read(self, coordinator, db):
        upload_and_confirm(coordinator, "students", STUDENTS.replace("\n", "\r"))
        assert Student.objects.filter(user__email__in=["emma@example.org", "jakob@example.org"]).count() == 2

    @pytest.mark.parametrize(
        "written", ["974\u00a0760\u00a0673", "NO 974 760 673 MVA", "no974760673mva", "974.760.673"]
    )
    def test_organisation_numbers_as_copied_or_as_on_an_invoice(self, coordinator, db, written):
        upload_and_confirm(coordinator, "organisations", f"name;org_number\nHavlys Sjømat AS;{written}\n")
        assert Organisation.objects.get(name="Havlys Sjømat AS").org_number == "974760673"

    def test_a_row_after_a_cell_on_several_lines_is_named_by_its_excel_row(self, coordinator, db):
        content = (
            "email;full_name;study_programme\n"
            'emma@example.org;Emma Johansen;"Økonomi\nog\nadministrasjon"\n'
            "not-an-address;Jakob Olsen;Økonomi\n"
        )
        html = upload(coordinator, "students", content).content.decode()
        assert "<td>3</td><td>epost</td>" in html  # Excel's row 3, the file's line 5


class TestPeopleWhoChangeName:
    def test_a_known_supervisor_under_another_name_shows_the_change_in_the_preview(self, coordinator, cast, db):
        content = f"email;full_name;org_number\n{cast.supervisor_a.email};Vera V. Veileder;{cast.org_b.org_number}\n"
        old_name = cast.supervisor_a.full_name
        response = upload(coordinator, "supervisors", content)
        preview = coordinator.get(response.url).content.decode()
        assert f"Navnet endres:</strong> {old_name} → Vera V. Veileder" in preview
        cast.supervisor_a.refresh_from_db()
        assert cast.supervisor_a.full_name == old_name  # nothing until confirmed
        coordinator.post(response.url)
        cast.supervisor_a.refresh_from_db()
        assert cast.supervisor_a.full_name == "Vera V. Veileder"

    def test_a_student_renamed_by_the_file_counts_as_updated(self, coordinator, cast, db):
        content = f"email;full_name\n{cast.student_a.email};Siri Studentsen\n"
        preview = coordinator.get(upload(coordinator, "students", content).url).content.decode()
        assert "nye 0, oppdatert 1, uendret 0" in preview
        assert "→ Siri Studentsen" in preview

    def test_one_address_with_two_names_in_a_file_is_refused(self, coordinator, cast, db):
        content = (
            "email;full_name;org_number\n"
            f"kari@example.org;Kari Nordmann;{cast.org_a.org_number}\n"
            f"kari@example.org;Kari Nordman;{cast.org_b.org_number}\n"
        )
        html = upload(coordinator, "supervisors", content).content.decode()
        assert "<td>3</td><td>fullt_navn</td>" in html
        assert "Linje 2 har samme person som «Kari Nordmann»" in html


class TestUploadedFiles:
    def test_the_file_is_forgotten_once_imported(self, coordinator, db):
        upload_and_confirm(coordinator, "students", STUDENTS)
        batch = ImportBatch.objects.get()
        assert batch.applied_at is not None
        assert batch.content == ""

    def test_cancelling_deletes_the_file(self, coordinator, db):
        response = upload(coordinator, "students", STUDENTS)
        cancelled = coordinator.post(response.url, {"action": "cancel"}, follow=True)
        assert cancelled.redirect_chain[-1][0] == reverse("import_start")
        assert "Importen ble avbrutt" in cancelled.content.decode()
        assert not ImportBatch.objects.exists()
        assert not User.objects.filter(email="emma@example.org").exists()

    def test_a_file_never_confirmed_is_deleted_after_a_day(self, coordinator, db, settings):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            upload(coordinator, "students", STUDENTS)
        with time_machine.travel(start + datetime.timedelta(hours=settings.IMPORT_KEEP_HOURS - 1), tick=False):
            call_command("delete_stale_imports", stdout=io.StringIO())
            assert ImportBatch.objects.count() == 1
        with time_machine.travel(start + datetime.timedelta(hours=settings.IMPORT_KEEP_HOURS + 1), tick=False):
            call_command("delete_stale_imports", stdout=io.StringIO())
            assert not ImportBatch.objects.exists()

    def test_a_stale_upload_can_no_longer_be_previewed_or_confirmed_even_before_it_is_deleted(
        self, coordinator, db, settings
    ):
        settings.IMPORT_KEEP_HOURS, settings.SESSION_IDLE_MINUTES = 1, 120  # the coordinator stays signed in
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            url = upload(coordinator, "students", STUDENTS).url
        with time_machine.travel(start + datetime.timedelta(hours=settings.IMPORT_KEEP_HOURS, minutes=1), tick=False):
            assert coordinator.get(url).status_code == 404
            assert coordinator.post(url).status_code == 404
        assert not User.objects.filter(email="emma@example.org").exists()

    def test_cancelling_a_file_already_imported_says_so(self, coordinator, db):
        response = upload(coordinator, "students", STUDENTS)
        coordinator.post(response.url)
        cancelled = coordinator.post(response.url, {"action": "cancel"}, follow=True)
        assert "Denne filen var allerede importert" in cancelled.content.decode()
        assert ImportBatch.objects.get().applied_at is not None


def _placements_file(cast, cohort, count: int) -> str:
    """``count`` students placed at organisation A with its supervisor."""
    for number in range(count):
        user = User.objects.create_user(f"s{count}-{number}@example.org", full_name=f"Student {count}-{number}")
        Student.objects.create(user=user)
    rows = [
        f"{cohort.name};s{count}-{number}@example.org;{cast.org_a.org_number};;;tirsdag;{cast.supervisor_a.email}"
        for number in range(count)
    ]
    return "cohort;student_email;org_number;starts_on;ends_on;work_days;supervisor_emails\n" + "\n".join(rows) + "\n"


def _students_file(count: int) -> str:
    return "email;full_name\n" + "".join(f"n{count}-{n}@example.org;Ny Student {n}\n" for n in range(count))


def _supervisors_file(cast, count: int) -> str:
    number = cast.org_b.org_number
    return "email;full_name;org_number\n" + "".join(
        f"v{count}-{n}@example.org;Veileder {n};{number}\n" for n in range(count)
    )


class TestQueryCounts:
    """Checking and confirming a file costs the same queries for 3 rows as for 30: 5,000 confirm in seconds."""

    def confirm_queries(self, coordinator, kind, content, invite=False) -> int:
        response = upload(coordinator, kind, content, invite=invite)
        assert response.status_code == 302, response.content.decode()[-2000:]
        with CaptureQueriesContext(connection) as queries:
            confirmed = coordinator.post(response.url)
        assert confirmed.status_code == 302
        return len(queries)

    def test_placements(self, coordinator, cast, db):
        cohort = spring_cohort()
        counts = [self.confirm_queries(coordinator, "placements", _placements_file(cast, cohort, n)) for n in (3, 30)]
        assert counts[0] == counts[1]
        assert Placement.objects.count() == 33
        assert Placement.history.count() == 33
        assert Placement.objects.filter(supervisors=cast.supervisor_a).count() == 33

    def test_placements_changed_by_a_second_file(self, coordinator, cast, db):
        cohort = spring_cohort()
        counts = []
        for count in (3, 30):
            content = _placements_file(cast, cohort, count)
            upload_and_confirm(coordinator, "placements", content)
            counts.append(self.confirm_queries(coordinator, "placements", content.replace("tirsdag", "onsdag")))
        assert counts[0] == counts[1]
        assert {tuple(days) for days in Placement.objects.values_list("work_days", flat=True)} == {(3,)}

    def test_students_with_invitations(self, coordinator, db, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            counts = [self.confirm_queries(coordinator, "students", _students_file(n), invite=True) for n in (3, 30)]
        assert counts[0] == counts[1]
        assert Invitation.objects.count() == len(mail.outbox) == 33

    def test_supervisors(self, coordinator, cast, db):
        counts = [self.confirm_queries(coordinator, "supervisors", _supervisors_file(cast, n)) for n in (3, 30)]
        assert counts[0] == counts[1]
        assert Membership.objects.filter(organisation=cast.org_b).count() == 34

    def test_organisations(self, coordinator, db):
        numbers = ["910000004", "910000012", "910000020", "910000039"]

        def organisations(count):
            return "name;org_number\n" + "".join(f"Org {n};{numbers[n]}\n" for n in range(count))

        assert self.confirm_queries(coordinator, "organisations", organisations(1)) == self.confirm_queries(
            coordinator, "organisations", organisations(4)
        )


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_confirming_the_same_file_at_once_get_a_clear_answer(cast):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL, the production database")
    first, second = (
        ImportBatch.objects.create(kind="students", filename="studenter.csv", content=STUDENTS) for _ in range(2)
    )
    first_saved, may_commit = threading.Event(), threading.Event()
    outcome = {}

    def confirm_first():
        try:
            with transaction.atomic():
                imports.import_confirm(batch=first, invited_by=cast.coordinator)
                first_saved.set()
                may_commit.wait(timeout=60)
        finally:
            connection.close()

    def confirm_second():
        try:
            with translation.override("nb"):
                imports.import_confirm(batch=second, invited_by=cast.coordinator)
        except ValidationError as error:
            outcome["error"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm_first), threading.Thread(target=confirm_second)]
    threads[0].start()
    assert first_saved.wait(timeout=60)
    threads[1].start()
    # The second waits on the rows the first has not committed yet: let the first commit once it does.
    with connection.cursor() as cursor:
        for _ in range(100_000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
    may_commit.set()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome["error"].code == "imported_meanwhile"
    assert "importerte de samme radene i samme øyeblikk" in outcome["error"].messages[0]
    assert Student.objects.filter(user__email__in=["emma@example.org", "jakob@example.org"]).count() == 2
    second.refresh_from_db()
    assert second.applied_at is None


def test_a_new_supervisor_of_two_organisations_gets_one_invitation(
    coordinator, cast, db, django_capture_on_commit_callbacks
):
    content = (
        "email;full_name;org_number\n"
        f"kari@example.org;Kari Nordmann;{cast.org_a.org_number}\n"
        f"kari@example.org;Kari Nordmann;{cast.org_b.org_number}\n"
    )
    upload_and_confirm(coordinator, "supervisors", content, django_capture_on_commit_callbacks, invite=True)
    assert [message.to for message in mail.outbox] == [["kari@example.org"]]
    assert Invitation.objects.filter(email="kari@example.org").count() == 1
    assert Membership.objects.filter(user__email="kari@example.org").count() == 2


def test_a_started_placement_keeps_its_dates_and_says_where_to_change_them(coordinator, cast, db):
    cohort = spring_cohort()
    placement = Placement.objects.create(
        cohort=cohort,
        student=cast.student_a.student,
        organisation=cast.org_a,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        state="active",
    )
    content = (
        "cohort;student_email;org_number;starts_on;ends_on\n"
        f"Vår 2023;{cast.student_a.email};{cast.org_a.org_number};09.01.2023;08.02.2023\n"
    )
    html = upload(coordinator, "placements", content).content.decode()
    assert "Denne praksisplassen har startet: endre organisasjon, datoer eller arbeidsdager på siden dens." in html
    placement.refresh_from_db()
    assert placement.ends_on == cohort.ends_on
