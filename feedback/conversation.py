"""The private conversation between a placement's student and the programme's coordinators.

The organisation never sees it: nothing here mails, exports or shows a message to anybody but the student
and coordinators. Who may read and write is decided in ``innopraksis.access.get_conversation_for``.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from feedback.models import CheckIn, Message, MessageRead
from innopraksis.mail import absolute_url, send_templated_mail
from innopraksis.models import User
from innopraksis.once import save_once
from students.models import Placement


@transaction.atomic
def message_write(
    *, placement: Placement, user: User, text: str, checkin: CheckIn | None = None, key: str | None = None
) -> Message:
    """Add a message to the placement's conversation, from its student or a coordinator; the same form sent
    twice (``key``) adds it once. The writer has read everything up to it; when a coordinator writes, the
    student is e-mailed, in their language."""
    student = placement.student.user
    message = Message(
        placement=placement, author=user, from_student=user.pk == student.pk, checkin=checkin, text=text.strip()
    )
    message, created = save_once(message, key)
    if not created:
        return message
    conversation_read(placement=placement, user=user, up_to=message.written_at)
    if not message.from_student:
        send_templated_mail(
            to=student.email,
            template="message_answered",
            language=student.language,
            context={
                "person": student,
                "author": user.get_full_name(),
                "organisation_name": placement.organisation.name,
                "link": absolute_url(reverse("conversation", kwargs={"pk": placement.pk})),
            },
        )
    return message


def conversation_read(*, placement: Placement, user: User, up_to=None) -> None:
    """Mark the conversation read by this person up to now (or ``up_to``): one upsert."""
    MessageRead.objects.bulk_create(
        [MessageRead(placement=placement, user=user, read_at=up_to or timezone.now())],
        update_conflicts=True,
        unique_fields=["placement", "user"],
        update_fields=["read_at"],
    )
