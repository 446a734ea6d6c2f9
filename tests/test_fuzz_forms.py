"""Every form each role can reach, POSTed with odd values: never a 500.

Each role walks its pages (the permission matrix's pages it gets a 200 on, and a few pages in states the
matrix does not show), reads each ``<form method="post">`` from the HTML, and POSTs every form it has not
seen yet:

- filled in as a person would (the page's values; a plausible value in an empty field; the first option
  of an open choice), so that the form's success path runs at least once;
- once per odd value of SWEPT with that value in every field (empty, 100 000 characters, a NUL byte, a
  lone surrogate, emoji with right-to-left text, numbers out of range, impossible dates), and once with
  every field left out;
- then in examples hypothesis draws: the form filled in, with one to three fields given an odd value, one
  of the form's other options, or left out, so that odd values also reach the checks (and the saving,
  the mail, the next page) that only run once the rest of the form is valid.

A redirect after the POST is followed and the ``on_commit`` callbacks (mail) are run: a crash there is a
crash of the form too. The CSV import gets odd files: raw ones, and the import templates with odd cells.

The database: the cast is made once per test in pytest-django's transaction. Each page's data is made in
a savepoint rolled back after the page, and each POST runs in a savepoint of its own, rolled back after
the POST, with the client's cookies put back, so every example starts from the same rows and session,
whatever the one before saved, deleted or signed out. (``hypothesis.extra.django.TestCase`` would build
the cast again for every example.) The ``@given`` function is built inside the test, so hypothesis never
sees pytest's function-scoped fixtures. Examples are derandomized: CI and a laptop try the same values.

Supervisor B and student B are not walked: the matrix gives them the pages of supervisor A and student A
minus organisation A's, so their forms are among those fuzzed here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import TestCase
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from orgs.models import Membership
from students import imports, onboarding
from students.agreement_steps import ORGANISATION_STEPS, STUDENT_STEPS
from students.models import AgreementState, Cohort, ExpectationAgreement
from tests.conftest import PASSWORD, client_for
from tests.test_permission_matrix import (
    LEFT_OUT,
    MATRIX,
    OK,
    WRITES,
    agreement_part_of,
    agreement_step_of,
    agreement_to_sign_of_student_a,
    cohort,
    late_checkin_of_student_a,
    pending_invitation,
    undelivered_mail,
    without_arguments,
)

# Examples hypothesis draws per form, after the sweeps.
MIXED_EXAMPLES = 6

FILLED = "<filled>"  # what a person would send
ABSENT = "<absent>"  # the field is not sent

ODD: dict[str, str | bytes] = {
    "<empty>": "",
    "<huge>": "x" * 100_000,
    "<nul>": "a\x00b",
    "<surrogate>": "\ud800",  # sent as the bytes UTF-8 would give it, which no decoder accepts
    "<emoji-rtl>": "👩🏽‍💻🎉 \u202eabc\u202c שלום مرحبا <b>{{ x }}</b>",
    "<minus-one>": "-1",
    "<huge-number>": str(10**20),
    "<overflow-float>": "1e999",
    "<superscript>": "²",
    "<february-30>": "2026-02-30",
    "<year-zero>": "0000-00-00",
    "<norwegian-date>": "31.02.2026",
    # Only in the drawn examples, where the rest of the form is valid:
    "<newline-header>": "Kari\r\nBcc: outsider@example.org",
    "<nan>": "NaN",
    "<arabic-digit>": "٣",
    "<last-date>": "9999-12-31",
    "<first-date>": "0001-01-01",
}
SWEPT = list(ODD)[: list(ODD).index("<newline-header>")]

# What a person would type into an empty field, by the end of its name or else by its input type.
PLAUSIBLE_BY_NAME = {
    "org_number": "974760673",
    "ends_on": "2026-06-19",
    "ends_at": "14:00",
    "phone": "+47 912 34 567",
    "username": "student.a@example.org",
    "password": PASSWORD,  # signing in, and the old password when changing it
}
PLAUSIBLE = {
    "email": "ny.person@example.org",
    "date": "2026-03-02",
    "time": "10:00",
    "number": "3",
    "url": "https://example.org",
    "tel": "+47 912 34 567",
    "password": "Korrekt-hest-batteri-9",
}

# A file field gets a raw odd file, or an import template of a kind with one column ("*": all) made odd.
RAW_FILES: dict[str, bytes] = {
    "<file-empty>": b"",
    "<file-nul>": b"name;org_number\r\nA\x00;1\r\n",
    "<file-not-utf8>": b"name;org_number\r\n\xff\xfe\xc3(;\x80\r\n",
    "<file-huge-line>": b"name;org_number\r\n" + b"x" * 1_000_000 + b"\r\n",
    "<file-binary>": bytes(range(256)) * 64,
    "<file-only-newlines>": b"\r\n" * 1000,
}
IMPORT_KINDS = [str(kind) for kind in imports.SPECS]
FILES = st.one_of(
    st.sampled_from([ABSENT, *RAW_FILES]),
    st.tuples(st.sampled_from(IMPORT_KINDS), st.sampled_from(["*", 0, 1, 2, 3, 4]), st.sampled_from(list(ODD))),
)

# Sent as the page gave them. The test client does not check CSRF tokens, so an odd one would test nothing.
KEPT = {"csrfmiddlewaretoken"}


@dataclass
class Field:
    kind: str  # "text", "choice" (hidden, select, radio, checkbox, button) or "file"
    type: str = ""  # the input's type, or "textarea"
    default: str | None = None  # None: a browser would not send it
    options: list[str] = field(default_factory=list)

    def filled(self, name: str) -> str:
        if self.kind == "choice":
            return self.default or next((option for option in self.options if option), "")
        by_name = next((value for end, value in PLAUSIBLE_BY_NAME.items() if name.endswith(end)), None)
        return self.default or by_name or PLAUSIBLE.get(self.type, "Prøve")


@dataclass
class Form:
    action: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)

    def offer(self, name: str, value: str, kind: str, input_type: str = "", *, chosen=False, first=False) -> None:
        """A value offered for a field: ``chosen`` when filled in or selected, ``first`` when a browser sends
        it unless another is chosen (a select's first option, the first submit button)."""
        spec = self.fields.setdefault(name, Field(kind, input_type))
        if chosen or (first and spec.default is None):
            spec.default = value
        if value not in spec.options:
            spec.options.append(value)

    def fuzzed(self) -> dict[str, Field]:
        return {name: spec for name, spec in self.fields.items() if name not in KEPT}


class PostForms(HTMLParser):
    """The POST forms of a page, with each field's default and offered values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "form":
            self._form = None
            if attributes.get("method", "get").lower() == "post":
                self._form = Form(attributes.get("action", ""), attributes.get("enctype") == "multipart/form-data")
                self.forms.append(self._form)
        elif self._form is None or (not name and tag != "option"):
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            value = attributes.get("value", "")
            if kind in ("checkbox", "radio"):
                self._form.offer(name, value or "on", "choice", chosen="checked" in attributes)
            elif kind in ("submit", "image"):
                self._form.offer(name, value, "choice", first=True)
            elif kind == "hidden":
                self._form.offer(name, value, "choice", chosen=True)
            else:
                self._form.offer(name, value, "file" if kind == "file" else "text", kind, chosen=True)
        elif tag == "button" and attributes.get("type", "submit") == "submit":
            self._form.offer(name, attributes.get("value", ""), "choice", first=True)
        elif tag == "select":
            self._select = name
            self._form.fields.setdefault(name, Field("choice"))
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            self._form.offer(self._select, value, "choice", chosen="selected" in attributes, first=True)
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            text = "".join(self._text).removeprefix("\n")
            self._form.offer(self._textarea, text, "text", "textarea", chosen=True)
            self._textarea = None


def post_forms(response) -> list[Form]:
    """The page's POST forms, with absolute actions; forms with the same action and fields are one form."""
    parser = PostForms()
    parser.feed(response.content.decode())
    page = response.request["PATH_INFO"]
    merged: dict[tuple, Form] = {}
    for form in parser.forms:
        form.action = urlsplit(urljoin(page, form.action)).path
        key = (form.action, frozenset(form.fields))
        if key not in merged:
            merged[key] = form
            continue
        for name, found in form.fields.items():
            for option in found.options:
                merged[key].offer(name, option, found.kind)
    return list(merged.values())


# --- From labels to a request body -----------------------------------------------------------------------------------


def _as_text(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def _file_content(label) -> bytes | None:
    """ABSENT, a raw file's label, or (import kind, column or "*", FILLED or an odd label)."""
    if label == ABSENT:
        return None
    if isinstance(label, str):
        return RAW_FILES[label]
    kind, column, odd = label
    spec = imports.SPECS[kind]
    cells = list(spec.example_row())
    if odd != FILLED:
        odd_at = range(len(cells)) if column == "*" else [column % len(cells)]
        cells = [_as_text(ODD[odd]) if number in odd_at else cell for number, cell in enumerate(cells)]
    text = ";".join(spec.column_names()) + "\r\n" + ";".join(cells) + "\r\n"
    return text.encode("utf-8", "surrogatepass")


def _value(name: str, spec: Field, label: str) -> str | bytes | None:
    if label == ABSENT:
        return None
    if label == FILLED:
        return spec.filled(name)
    return ODD.get(label, label)  # else one of the form's own options


def encode(form: Form, labels: dict) -> tuple[bytes, str]:
    """The request body and its content type, as a browser would send them, lone surrogates and all."""
    pairs, files = [], []
    for name, spec in form.fields.items():
        label = labels.get(name, FILLED)
        if spec.kind == "file":
            content = _file_content((IMPORT_KINDS[0], "*", FILLED) if label == FILLED else label)
            if content is not None:
                files.append((name, content))
        elif (value := _value(name, spec, label)) is not None:
            pairs.append((name, value))
    if not form.multipart:
        return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode(), "application/x-www-form-urlencoded"
    boundary = "fuzz-7Hq2xK"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + (value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass"))
        for name, value in pairs
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="fuzz.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        for name, content in files
    ]
    return b"\r\n".join([*parts, f"--{boundary}--\r\n".encode()]), f"multipart/form-data; boundary={boundary}"


# --- Fuzzing one form ------------------------------------------------------------------------------------------------


def _sweep(form: Form, label: str) -> dict:
    """Every field gets ``label``; a file field, the first import template with ``label`` in every cell."""
    return {
        name: (IMPORT_KINDS[0], "*", label) if spec.kind == "file" and label != ABSENT else label
        for name, spec in form.fuzzed().items()
    }


@st.composite
def _filled_with_a_few_odd(draw, form: Form) -> dict:
    specs = form.fuzzed()
    labels = dict.fromkeys(specs, FILLED)
    if specs:
        for name in draw(st.lists(st.sampled_from(sorted(specs)), min_size=1, max_size=3, unique=True)):
            spec = specs[name]
            others = [option for option in spec.options if option != spec.filled(name)]
            labels[name] = draw(FILES if spec.kind == "file" else st.sampled_from([ABSENT, *ODD, *others]))
    return labels


def fuzz_form(client, form: Form) -> None:
    """POST the form in every sweep and MIXED_EXAMPLES drawn examples; fail on any answer of 500 or more."""

    def post(labels: dict) -> None:
        body, content_type = encode(form, labels)
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            try:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    response = client.post(form.action, body, content_type=content_type, follow=True)
            finally:
                client.cookies = cookies
                transaction.set_rollback(True)
        # The labels say which value each field got; hypothesis prints them with a failing example.
        assert response.status_code < 500, f"{response.status_code} from POST {form.action}"

    @settings(
        max_examples=MIXED_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(_filled_with_a_few_odd(form))
    def fuzz(labels):
        post(labels)

    for label in [FILLED, *SWEPT, ABSENT]:
        fuzz = example(_sweep(form, label))(fuzz)
    fuzz()


# --- The pages each role walks ---------------------------------------------------------------------------------------


def signed_agreement_of_student_a(cast) -> dict:
    """Student A's agreement signed by both parties, for the coordinator to approve."""
    kwargs = agreement_to_sign_of_student_a(cast)
    now = timezone.now()
    ExpectationAgreement.objects.filter(placement_id=kwargs["pk"]).update(
        state=AgreementState.SIGNED, student_signed_at=now, org_signed_at=now
    )
    return kwargs


def cohort_with_the_default_checklist(cast) -> dict:
    kwargs = cohort(cast)
    onboarding.cohort_add_default_template(cohort=Cohort.objects.get(pk=kwargs["pk"]))
    return kwargs


def student_a_supervising_in_org_b_too(cast) -> dict:
    """Student A is also a supervisor of organisation B: two roles, and the menu offers the switch."""
    Membership.objects.create(user=cast.student_a, organisation=cast.org_b)
    return {}


def reset_link_of_student_a(cast) -> dict:
    """The link of a password reset e-mail to student A, still valid."""
    user = cast.student_a
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


# Pages in states the matrix does not show, where other forms are offered: (name, kwargs factory, roles).
MORE_PAGES = [
    *[("agreement_step", agreement_step_of("student", step.key), ["student_a"]) for step in STUDENT_STEPS],
    *[("agreement_step", agreement_step_of("organisation", step.key), ["supervisor_a"]) for step in ORGANISATION_STEPS],
    ("agreement_part", agreement_part_of("organisation"), ["supervisor_a"]),
    ("agreement_sign", agreement_to_sign_of_student_a, ["student_a", "supervisor_a"]),
    ("agreement_review", agreement_to_sign_of_student_a, ["coordinator"]),
    ("agreement_review", signed_agreement_of_student_a, ["coordinator"]),
    ("cohort_onboarding", cohort_with_the_default_checklist, ["coordinator"]),
    ("home_coordinator", without_arguments(late_checkin_of_student_a), ["coordinator"]),
    ("placement_detail", late_checkin_of_student_a, ["coordinator"]),
    ("invitation_list", without_arguments(pending_invitation), ["coordinator"]),
    ("mail_undelivered", without_arguments(undelivered_mail), ["coordinator"]),
    ("password_reset_confirm", reset_link_of_student_a, ["anonymous"]),
    ("privacy", student_a_supervising_in_org_b_too, ["student_a"]),
]


def pages_of(role: str):
    for name, (method, _data, factory, expected) in sorted(MATRIX.items()):
        if method == "get" and expected[role] == OK:
            yield name, factory
    for name, factory, roles in MORE_PAGES:
        if role in roles:
            yield name, factory


# Forms every signed-in person has, whose views do not look at the role: fuzzed as the coordinator.
ANY_SIGNED_IN = {
    *("calendar_renew", "invitation_accept", "logout", "password_change", "password_reset", "profile"),
    "set_language",
}

# The URLs each role's forms post to. A form that disappears fails the test, and so does a new one until
# it has its place here: this is the list of what the fuzzing covers.
REACHABLE = {
    "anonymous": {"invitation_accept", "login", "password_reset", "password_reset_confirm", "set_language"},
    "coordinator": {
        *("agreement_review", "calendar_renew", "cohort_create", "cohort_edit", "cohort_onboarding"),
        *("conversation", "gathering_attendance", "gathering_create", "gathering_edit", "import_preview"),
        *("import_start", "invitation_accept", "invitation_create", "invitation_resend", "logout"),
        *("membership_add", "membership_invite", "membership_remove", "organisation_create"),
        *("organisation_edit", "password_change", "password_reset", "placement_cancel", "placement_create"),
        *("placement_edit", "placement_transition", "profile", "reminder_send", "report_edit"),
        *("set_language", "student_create", "student_edit", "student_invite"),
        *("pairing_add", "round_applicants", "round_create", "round_edit", "round_import", "round_organisation"),
        *("round_remind", "run_make", "run_publish", "pairing_remove"),
        *("account_reauthenticate", "mfa_reauthenticate", "mail_send_again"),
    },
    "supervisor_a": {
        *("agreement_part", "agreement_sign", "agreement_step", "calendar_renew", "checkin_detail"),
        *("evaluation_detail", "experience_create", "followup_create", "invitation_accept", "logout"),
        *("office_hour_edit", "onboarding_checklist", "onboarding_item_add", "organisation_edit"),
        *("password_change", "password_reset", "profile", "set_language"),
        *("round_applicants", "round_organisation", "account_reauthenticate"),
    },
    "student_a": {
        *("agreement_part", "agreement_sign", "agreement_step", "calendar_renew", "checkin_detail"),
        *("conversation", "evaluation_detail", "invitation_accept", "logout", "password_change"),
        *("password_reset", "profile", "set_language", "switch_role"),
        *("round_ranking", "account_reauthenticate"),
    },
}


@pytest.mark.parametrize("role", sorted(REACHABLE))
def test_no_form_answers_odd_values_with_a_server_error(cast, subtests, role):
    people = [cast.coordinator, cast.supervisor_a, cast.supervisor_b, cast.student_a, cast.student_b]
    seen = set()
    for name, factory in pages_of(role):
        with transaction.atomic():
            client = client_for(cast.by_role(role))
            response = client.get(reverse(name, kwargs=factory(cast) if factory else {}), follow=True)
            assert response.status_code == 200, name
            forms = [] if response.streaming or "html" not in response["Content-Type"] else post_forms(response)
            for form in forms:
                target = resolve(form.action).view_name
                if (target, frozenset(form.fields)) in seen:
                    continue
                seen.add((target, frozenset(form.fields)))
                if target in ANY_SIGNED_IN and role not in ("anonymous", "coordinator"):
                    continue
                with subtests.test(msg=f"{role} POST {form.action} ({target}, on {name})"):
                    fuzz_form(client, form)
            transaction.set_rollback(True)
        for person in people:
            person.refresh_from_db()  # the page's data is gone, including what its factory wrote on the cast
    assert {target for target, _fields in seen} == REACHABLE[role]


def test_every_form_posts_to_a_url_the_write_matrix_covers_or_leaves_out_on_purpose():
    covered = {key.split(" ")[0] for key in WRITES} | LEFT_OUT
    assert set().union(*REACHABLE.values()) - covered == set()


# Posted by the matrix, but on no page here: the Feide buttons show only when Feide is set up (their forms hold
# no field but the CSRF token; test_feide posts them), and account_logout is the name allauth's flows know the
# sign-out by.
NO_FORM_HERE = {"feide_link", "invitation_accept_feide", "account_logout"}


def test_every_url_the_matrix_posts_to_is_fuzzed():
    posted = {name for name, (method, *_rest) in MATRIX.items() if method == "post"}
    posted |= {key.split(" ")[0] for key in WRITES}
    assert posted - NO_FORM_HERE <= set().union(*REACHABLE.values())
