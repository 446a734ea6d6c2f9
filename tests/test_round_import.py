"""Importing the students' rankings in a matching round from CSV: good files replace the rankings of the students
in them, every kind of bad row is reported by line and column with nothing written, and the import takes the same
number of queries for any length of file."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from orgs.models import Organisation
from students import round_imports
from students.imports import ImportFileError
from students.models import Applicant, Choice, Cohort, MatchingRound, RoundOrganisation, Student
from tests.conftest import client_for, make_user

ORG_C = "945678933"
HEADER = "student_email;org_number;choice;motivation\n"
NOW = datetime.datetime(2026, 10, 5, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _english():
    # The messages are asserted in English, whichever of them the Norwegian catalogue has translated yet.
    with translation.override("en"):
        yield


@pytest.fixture
def matching_round(cast) -> MatchingRound:
    """A round with the cast's two organisations and a third; student A ranked B then A, student B ranked A."""
    cohort = Cohort.objects.create(
        name="Internship våren 2027", starts_on=datetime.date(2027, 1, 11), ends_on=datetime.date(2027, 5, 21)
    )
    matching_round = MatchingRound.objects.create(
        cohort=cohort,
        opens_on=datetime.date(2026, 10, 1),
        students_until=datetime.date(2026, 10, 15),
        organisations_until=datetime.date(2026, 10, 29),
    )
    org_c = Organisation.objects.create(name="Fjordlys Energi AS", org_number=ORG_C)
    a, b, _c = (
        RoundOrganisation.objects.create(round=matching_round, organisation=organisation, capacity=2)
        for organisation in (cast.org_a, cast.org_b, org_c)
    )
    student_a = Applicant.objects.create(round=matching_round, student=cast.student_a.student, saved_at=NOW)
    student_b = Applicant.objects.create(round=matching_round, student=cast.student_b.student, saved_at=NOW)
    Choice.objects.create(applicant=student_a, participant=b, rank=1, motivation="Kommunal økonomi.")
    Choice.objects.create(applicant=student_a, participant=a, rank=2)
    Choice.objects.create(applicant=student_b, participant=a, rank=1, motivation="Revisjon.")
    return matching_round


def ranking(matching_round: MatchingRound, email: str) -> list[tuple[int, str, str]]:
    """A student's ranking as saved: (rank, organisation number, motivation), best first."""
    return list(
        Choice.objects.filter(applicant__round=matching_round, applicant__student__user__email=email)
        .order_by("rank")
        .values_list("rank", "participant__organisation__org_number", "motivation")
    )


def import_file(matching_round: MatchingRound, content: str) -> round_imports.PreferencesResult:
    return round_imports.preferences_import(matching_round=matching_round, raw=content.encode())


def new_student(email: str, name: str = "Nora Ny") -> Student:
    return Student.objects.create(user=make_user(email, name))


# Good files


def test_a_good_file_replaces_the_rankings_of_its_students_and_leaves_the_others(matching_round, cast):
    before_b = ranking(matching_round, cast.student_b.email)
    content = (
        "student_email,org_number,choice,motivation\n"
        f"{cast.student_a.email},{cast.org_a.org_number},1,Jeg vil lære revisjon.\n"
        f"{cast.student_a.email},{ORG_C},2,\n"
    )
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        result = import_file(matching_round, content)

    assert result.errors == []
    assert (result.students, result.choices, result.added) == (1, 2, 0)
    assert ranking(matching_round, cast.student_a.email) == [
        (1, cast.org_a.org_number, "Jeg vil lære revisjon."),
        (2, ORG_C, ""),
    ]
    assert ranking(matching_round, cast.student_b.email) == before_b
    saved = dict(Applicant.objects.filter(round=matching_round).values_list("student__user__email", "saved_at"))
    assert saved == {cast.student_a.email: NOW + datetime.timedelta(days=2), cast.student_b.email: NOW}


def test_a_norwegian_header_with_semicolons_as_excel_saves_it_is_read(matching_round, cast):
    content = (
        "\ufeffStudent_Epost;Organisasjonsnummer;Valg;Motivasjon;\r\n"
        f"{cast.student_b.email.upper()};NO 923 456 716 MVA;1;Kommune;\r\n"
        f"{cast.student_b.email};{cast.org_a.org_number};2;'=Revisjon;\r\n"
    )
    result = import_file(matching_round, content)

    assert result.errors == []
    assert ranking(matching_round, cast.student_b.email) == [
        (1, cast.org_b.org_number, "Kommune"),
        (2, cast.org_a.org_number, "=Revisjon"),
    ]


def test_the_choices_are_ordered_by_their_numbers_and_gaps_are_closed_up(matching_round, cast):
    content = HEADER + (
        f"{cast.student_a.email};{ORG_C};4;\n"
        f"{cast.student_a.email};{cast.org_b.org_number};1;\n"
        f"{cast.student_a.email};{cast.org_a.org_number};3;\n"
    )
    result = import_file(matching_round, content)

    assert result.errors == []
    assert [number for _rank, number, _motivation in ranking(matching_round, cast.student_a.email)] == [
        cast.org_b.org_number,
        cast.org_a.org_number,
        ORG_C,
    ]
    assert [rank for rank, _number, _motivation in ranking(matching_round, cast.student_a.email)] == [1, 2, 3]


def test_a_registered_student_not_yet_in_the_round_is_added_to_it(matching_round, cast):
    nora = new_student("nora@example.org")
    with time_machine.travel(NOW, tick=False):
        result = import_file(matching_round, HEADER + f"nora@example.org;{ORG_C};1;Energi.\n")

    assert (result.students, result.choices, result.added) == (1, 1, 1)
    applicant = Applicant.objects.get(round=matching_round, student=nora)
    assert applicant.saved_at == NOW
    assert ranking(matching_round, "nora@example.org") == [(1, ORG_C, "Energi.")]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_template_in_either_language_has_the_header_the_import_reads(matching_round, cast, language):
    with translation.override(language):
        template = round_imports.template_csv()
    header, example = template.lstrip("\ufeff").splitlines()
    expected = "student_epost;organisasjonsnummer;valg;motivasjon" if language == "nb" else HEADER.strip()
    assert header == expected
    assert example.startswith("emma.student@example.org;956789044;1;")

    filled = f"\ufeff{header}\r\n{cast.student_b.email};{ORG_C};1;\r\n"
    assert import_file(matching_round, filled).errors == []
    assert ranking(matching_round, cast.student_b.email) == [(1, ORG_C, "")]


# Bad files and rows


def _bad_rows(cast) -> dict[str, tuple[str, str, str]]:
    a, b = cast.student_a.email, cast.org_a.org_number
    return {
        # case: (row on line 3, column reported, what the message says)
        "unknown address": (f"nobody@example.org;{b};2;", "student_email", "No student has the address"),
        "not a student": (f"{cast.supervisor_a.email};{b};2;", "student_email", "Import or add the student first"),
        "not an address": (f"not-an-address;{b};2;", "student_email", "is not an e-mail address"),
        "no address": (f";{b};2;", "student_email", "An e-mail address is required"),
        "wrong check digit": (f"{a};912345603;2;", "org_number", "the check digit does not match"),
        "too short": (f"{a};12345;2;", "org_number", "exactly nine digits"),
        "not in the round": (f"{a};956789044;2;", "org_number", "does not take part in this round"),
        "no organisation": (f"{a};;2;", "org_number", "The organisation number is required"),
        "a word": (f"{a};{ORG_C};first;", "choice", "“first” is not a choice"),
        "zero": (f"{a};{ORG_C};0;", "choice", "“0” is not a choice"),
        "a fraction": (f"{a};{ORG_C};1.5;", "choice", "Write a whole number"),
        "no choice": (f"{a};{ORG_C};;", "choice", "The choice is required"),
        "organisation twice": (f"{a};{b};2;", "org_number", "is on line 2 for this student too"),
        "number twice": (f"{a};{ORG_C};1;", "choice", "Choice 1 is on line 2 for this student too"),
        "long motivation": (f"{a};{ORG_C};2;{'x' * 1001}", "motivation", "at most 1000 characters"),
    }


BAD_CASES = [
    "unknown address",
    "not a student",
    "not an address",
    "no address",
    "wrong check digit",
    "too short",
    "not in the round",
    "no organisation",
    "a word",
    "zero",
    "a fraction",
    "no choice",
    "organisation twice",
    "number twice",
    "long motivation",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_row_is_reported_by_line_and_column_and_nothing_is_written(matching_round, cast, case):
    row, column, message = _bad_rows(cast)[case]
    before = {email: ranking(matching_round, email) for email in (cast.student_a.email, cast.student_b.email)}
    content = HEADER + f"{cast.student_a.email};{cast.org_a.org_number};1;Revisjon.\n" + row + "\n"

    result = import_file(matching_round, content)

    assert [(error.line, error.column) for error in result.errors] == [(3, column)]
    assert message in result.errors[0].message
    assert (result.students, result.choices, result.added) == (0, 0, 0)
    assert {email: ranking(matching_round, email) for email in before} == before
    assert Applicant.objects.get(round=matching_round, student__user=cast.student_a).saved_at == NOW


def test_every_bad_row_is_reported_at_once_in_the_order_of_the_file(matching_round, cast):
    new_student("nora@example.org")
    content = HEADER + (
        f"nora@example.org;{ORG_C};1;\n"
        "nobody@example.org;974760673;x;\n"
        f"{cast.student_a.email};{cast.org_a.org_number};1;\n"
        f"{cast.student_a.email};{cast.org_a.org_number};1;{'x' * 1001}\n"
    )
    result = import_file(matching_round, content)

    assert [(error.line, error.column) for error in result.errors] == [
        (3, "student_email"),
        (3, "org_number"),
        (3, "choice"),
        (5, "org_number"),
        (5, "choice"),
        (5, "motivation"),
    ]
    assert not Applicant.objects.filter(round=matching_round, student__user__email="nora@example.org").exists()


def test_the_columns_of_the_errors_are_named_as_the_reader_reads_them(matching_round, cast):
    content = HEADER + f"{cast.student_a.email};{ORG_C};først;\n"
    with translation.override("nb"):
        result = import_file(matching_round, content)
        assert [error.column_name for error in result.errors] == ["valg"]
    assert [error.column_name for error in result.errors] == ["choice"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty"),
        (HEADER, "no rows to import"),
        ("student_email;org_number;motivation\nx;y;z\n", "it lacks the columns choice"),
        ("student_email;org_number;choice;rank\nx;y;1;2\n", "does not know: rank"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(matching_round, cast, content, message):
    before = ranking(matching_round, cast.student_a.email)
    with pytest.raises(ImportFileError, match=message):
        import_file(matching_round, content)
    assert ranking(matching_round, cast.student_a.email) == before


def test_a_published_round_refuses_the_file_and_nothing_changes(matching_round, cast):
    matching_round.published_at = timezone.now()
    matching_round.save(update_fields=["published_at"])
    before = ranking(matching_round, cast.student_a.email)

    with pytest.raises(ValidationError) as refused:
        import_file(matching_round, HEADER + f"{cast.student_a.email};{ORG_C};1;\n")

    assert refused.value.code == "published"
    assert ranking(matching_round, cast.student_a.email) == before


# Cost


def _file_for(students: list[str], cast) -> str:
    numbers = [cast.org_a.org_number, cast.org_b.org_number, ORG_C]
    return HEADER + "".join(f"{email};{number};{n};\n" for email in students for n, number in enumerate(numbers, 1))


def test_the_import_takes_the_same_number_of_queries_for_3_and_for_30_rows(
    matching_round, cast, django_assert_num_queries
):
    # Each file has a student already in the round and students who are added, so both take every path.
    new_student("nora@example.org")
    small_file = HEADER + (
        f"{cast.student_a.email};{cast.org_a.org_number};1;\n"
        f"{cast.student_a.email};{cast.org_b.org_number};2;\n"
        f"nora@example.org;{ORG_C};1;\n"
    )
    large = [cast.student_b.email] + [new_student(f"student{n}@example.org").user.email for n in range(9)]

    with CaptureQueriesContext(connection) as queries:
        result = import_file(matching_round, small_file)
    assert (result.errors, result.choices, result.added) == ([], 3, 1)

    # Lock, the round's organisations, the students, their places in the round, add the new ones, mark all saved,
    # delete the old rankings, save the new ones; and the transaction's savepoint and its release.
    assert len(queries) == 11
    with django_assert_num_queries(len(queries)):
        result = import_file(matching_round, _file_for(large, cast))
    assert (result.errors, result.choices, result.added) == ([], 30, 9)


# Through the page, as the coordinator uses it


@pytest.fixture
def coordinator(cast):
    cast.coordinator.language = "en"
    cast.coordinator.save(update_fields=["language"])
    return client_for(cast.coordinator)


def upload(client, matching_round: MatchingRound, content: str):
    file = SimpleUploadedFile("rankings.csv", content.encode(), content_type="text/csv")
    return client.post(reverse("round_import", kwargs={"pk": matching_round.pk}), {"file": file}, follow=True)


def student_row(html: str, name: str) -> str:
    """The round page's table row of one student, its cells separated by spaces."""
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S) if name in row]
    assert len(rows) == 1, name
    return " ".join(re.sub(r"<[^>]+>", " ", rows[0]).split())


def test_the_coordinator_imports_a_file_and_the_round_page_shows_the_new_rankings(matching_round, cast, coordinator):
    nora = new_student("nora@example.org", "Nora Ny")
    content = HEADER + (
        f"{cast.student_a.email};{cast.org_a.org_number};1;\n"
        f"{cast.student_a.email};{cast.org_b.org_number};2;\n"
        f"{cast.student_a.email};{ORG_C};3;\n"
        f"{nora.user.email};{ORG_C};1;Energi.\n"
    )
    response = upload(coordinator, matching_round, content)

    assert response.redirect_chain == [(reverse("round_detail", kwargs={"pk": matching_round.pk}), 302)]
    html = response.content.decode()
    assert "The rankings of 2 students have been imported (4 choices)." in html
    assert student_row(html, "Siri Student").startswith("Siri Student Økonomi og administrasjon 3 ")
    assert student_row(html, "Nora Ny").startswith("Nora Ny – 1 ")
    assert student_row(html, "Sander Student").startswith("Sander Student – 1 ")
    assert [number for _rank, number, _m in ranking(matching_round, cast.student_a.email)] == [
        cast.org_a.org_number,
        cast.org_b.org_number,
        ORG_C,
    ]


def test_the_page_lists_each_bad_row_by_line_and_column_and_nothing_changes(matching_round, cast, coordinator):
    before = {email: ranking(matching_round, email) for email in (cast.student_a.email, cast.student_b.email)}
    content = HEADER + (
        f"{cast.student_a.email};{cast.org_a.org_number};1;\n"
        f"{cast.student_b.email};{ORG_C};first;\n"
        f"nobody@example.org;{ORG_C};1;\n"
    )
    response = upload(coordinator, matching_round, content)

    html = response.content.decode()
    assert response.redirect_chain == []
    assert "2 problems in the file; nothing was imported." in html
    assert "<td>3</td><td>choice</td><td>“first” is not a choice." in html
    assert "<td>4</td><td>student_email</td><td>No student has the address nobody@example.org." in html
    assert 'enctype="multipart/form-data"' in html
    assert {email: ranking(matching_round, email) for email in before} == before


def test_the_page_offers_the_template_to_download(matching_round, coordinator):
    html = coordinator.get(reverse("round_import", kwargs={"pk": matching_round.pk})).content.decode()
    template_url = reverse("round_import_template", kwargs={"pk": matching_round.pk})
    assert f'href="{template_url}"' in html
    assert html.count("<h1") == 1
    assert "<h1>Import rankings</h1>" in html
    assert '<button type="submit" class="btn btn-primary">Import</button>' in html

    response = coordinator.get(template_url)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().lstrip("\ufeff").startswith(HEADER.strip() + "\r\n")


def test_a_file_that_cannot_be_read_gets_its_message_on_the_page(matching_round, cast, coordinator):
    before = ranking(matching_round, cast.student_a.email)
    response = upload(coordinator, matching_round, "student_email;org_number\nx;y\n")
    assert "it lacks the columns choice" in response.content.decode()
    assert ranking(matching_round, cast.student_a.email) == before


def test_a_published_round_refuses_an_upload_with_a_message(matching_round, cast, coordinator):
    matching_round.published_at = timezone.now()
    matching_round.save(update_fields=["published_at"])
    before = ranking(matching_round, cast.student_a.email)
    response = upload(coordinator, matching_round, HEADER + f"{cast.student_a.email};{ORG_C};1;\n")
    assert "The round has been published and can no longer be changed." in response.content.decode()
    assert ranking(matching_round, cast.student_a.email) == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("supervisor_a", 403), ("supervisor_b", 403), ("student_a", 403), ("student_b", 403)],
)
def test_no_one_but_a_coordinator_can_import_a_file(matching_round, cast, role, status):
    before = {email: ranking(matching_round, email) for email in (cast.student_a.email, cast.student_b.email)}
    file = SimpleUploadedFile("r.csv", (HEADER + f"{cast.student_a.email};{ORG_C};1;\n").encode())
    response = client_for(cast.by_role(role)).post(
        reverse("round_import", kwargs={"pk": matching_round.pk}), {"file": file}
    )
    assert response.status_code == status
    assert {email: ranking(matching_round, email) for email in before} == before
