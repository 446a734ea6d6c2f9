"""Free text has a maximum length, checked by the forms, model validation and the database alike."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.urls import reverse

from feedback.models import CheckIn, Message
from students.models import ExpectationAgreement
from tests.conftest import client_for
from tests.test_agreement import agreement, placement  # noqa: F401  (fixtures)

LONG = "x" * 100_000


def test_a_100_kb_answer_is_refused_with_a_message_and_nothing_is_saved(cast, agreement):  # noqa: F811
    client = client_for(cast.student_a)
    url = reverse("agreement_step", kwargs={"pk": agreement.placement_id, "side": "student", "step": "wants"})
    base = client.get(url).context["form"]["base"].value()
    response = client.post(url, {"student_wants": LONG, "base": base, "go": "save"})
    assert response.status_code == 200
    assert "Sørg for at denne verdien har 4000 eller færre tegn (den har nå 100000)." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.student_wants == ""


def test_a_long_message_to_the_coordinator_is_refused(cast, agreement):  # noqa: F811
    response = client_for(cast.student_a).post(
        reverse("conversation", kwargs={"pk": agreement.placement_id}), {"text": LONG}
    )
    assert response.status_code == 200 and 'id="form-errors"' in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("model", "field"),
    [(ExpectationAgreement, "student_wants"), (CheckIn, "to_adjust"), (ExpectationAgreement, "return_comment")],
)
def test_the_database_refuses_what_bypasses_the_forms(cast, agreement, model, field):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("the database checks lengths on PostgreSQL, the production database")
    CheckIn.objects.create(placement_id=agreement.placement_id, due_on=agreement.placement.starts_on)
    with pytest.raises(DataError), transaction.atomic():
        model.objects.update(**{field: LONG})
