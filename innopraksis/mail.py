from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from innopraksis import outbox

# Someone reminded by hand (a party late with a placement, a student who has not ranked) is not reminded by hand
# again before this much time has passed, so that two coordinators pressing at once do not fill their inbox.
REMIND_BY_HAND_GAP = datetime.timedelta(hours=20)


def send_templated_mail(*, to: str, template: str, context: dict, language: str) -> None:
    """Send ``emails/<template>_subject.txt`` and ``_body.txt`` in the recipient's language.

    Written now, in the surrounding transaction, and handed to the mail server by a background task once it
    commits (``innopraksis.outbox``): a rolled-back change mails nobody, and a page never waits for the server.
    """
    send_templated_mails([TemplatedMail(to, template, context, language)])


@dataclass(frozen=True)
class TemplatedMail:
    to: str
    template: str
    context: dict
    language: str


def send_templated_mails(mails: list[TemplatedMail]) -> None:
    """``send_templated_mail`` for many, written in one query."""
    messages = []
    for mail in mails:
        with translation.override(mail.language):
            subject = " ".join(render_to_string(f"emails/{mail.template}_subject.txt", mail.context).split())
            body = render_to_string(f"emails/{mail.template}_body.txt", mail.context)
        messages.append(outbox.Message(mail.to, subject, body, mail.template))
    outbox.enqueue(messages)


def absolute_url(path: str) -> str:
    """A link for an e-mail: the portal's public address (PORTAL_URL) and ``path``."""
    return settings.PORTAL_URL + path


def may_remind_by_hand(last_sent: datetime.datetime | None, now: datetime.datetime) -> bool:
    """Whether someone last reminded by hand at ``last_sent`` (None: never) may be reminded by hand now."""
    return last_sent is None or last_sent <= now - REMIND_BY_HAND_GAP


def refuse_if_reminded_lately(last_sent: datetime.datetime | None, now: datetime.datetime) -> None:
    """Refuse, saying when the next reminder can go, unless ``may_remind_by_hand``."""
    if may_remind_by_hand(last_sent, now):
        return
    raise ValidationError(
        _("They were reminded %(when)s. The next reminder can be sent from %(next)s.")
        % {
            "when": formats.date_format(timezone.localtime(last_sent), "SHORT_DATETIME_FORMAT"),
            "next": formats.date_format(timezone.localtime(last_sent + REMIND_BY_HAND_GAP), "SHORT_DATETIME_FORMAT"),
        },
        code="reminded_lately",
    )
