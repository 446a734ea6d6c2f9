"""Outgoing e-mail: written as a row in the transaction that causes it, sent by a background task.

A page never waits for the mail server. ``enqueue`` writes a ``Mail`` row and, when the transaction
commits, queues the ``deliver`` task (Django's tasks framework, the database backend in production, run
by ``manage.py db_worker``). ``deliver`` locks the row, hands the message to the mail server and marks it
sent in one transaction, so two workers never send one message, and a worker that dies mid-way leaves
the row waiting: ``requeue_stalled`` (run by ``manage.py mail_upkeep``) queues it again. A mail server
that refuses or is down is tried again with growing pauses, and after the last try the message is kept,
with the mail server's answer, on the coordinators' page of undelivered e-mail.

The rule is at least once: a worker killed after the mail server took a message but before the row was
updated sends it again. Each message carries its row's key as its Message-ID, so that a second copy can
be recognised as the same message.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task, task_backends

from innopraksis.models import Mail, MailStatus

logger = logging.getLogger(__name__)

# What a mail server that is down or refuses a message raises.
MAIL_FAILURES = (smtplib.SMTPException, OSError)

# The pauses before the second, third, … attempt; after the last, the message is given up and shown.
RETRY_PAUSES = [datetime.timedelta(minutes=minutes) for minutes in (1, 5, 30, 120)]

# A queued message whose task should have run this long ago lost its worker (or its task) and is queued again.
STALLED_AFTER = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    template: str  # what kind of e-mail it is, for the page of undelivered e-mail


def enqueue(messages: list[Message]) -> list[Mail]:
    """Write the messages, in one query however many, and queue their sending for when the surrounding
    transaction commits (a rolled-back change sends nothing)."""
    now = timezone.now()
    mails = Mail.objects.bulk_create(
        Mail(
            key=uuid.uuid4().hex,
            to=message.to,
            template=message.template,
            subject=message.subject[:300],
            body=message.body,
            next_attempt_at=now,
            queued_at=now,
        )
        for message in messages
    )
    ids = [mail.pk for mail in mails]
    if ids:
        # The change is saved whatever happens here: a task queue that fails now is logged, and mail_upkeep
        # hands the e-mails to a worker later.
        transaction.on_commit(lambda: _queue(ids), robust=True)
    return mails


def _queue(mail_ids: list[int], run_after: datetime.datetime | None = None) -> None:
    """Queue the task that sends these messages, to run at ``run_after`` (None: at once)."""
    if run_after is None:
        deliver.enqueue(mail_ids)
    else:
        deliver.using(run_after=run_after).enqueue(mail_ids)


def can_wait() -> bool:
    """Whether the task backend can run a task later (the worker's can; running tasks at once cannot)."""
    return task_backends[deliver.backend].supports_defer


@task()
def deliver(mail_ids: list[int]) -> list[str]:
    """Send these messages, each in a transaction of its own."""
    return [_deliver_one(mail_id) for mail_id in mail_ids]


def _deliver_one(mail_id: int) -> str:
    """Send one message, unless it was sent, given up, not due yet (a second task for it came early), or
    another worker is sending it right now. Once sent, its text is blanked: it may hold a link that signs in."""
    with transaction.atomic():
        mail = (
            Mail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, status=MailStatus.QUEUED, next_attempt_at__lte=timezone.now())
            .first()
        )
        if mail is None:
            return "nothing to do"
        try:
            message_of(mail).send()
        except MAIL_FAILURES as error:
            _failed(mail, error)
            return mail.status
        except Exception as error:  # a message that cannot be made (a bad address): trying again will not help
            _failed(mail, error, give_up=True)
            return mail.status
        mail.status = MailStatus.SENT
        mail.sent_at = timezone.now()
        mail.attempts += 1
        mail.last_error = ""
        mail.body = ""
        mail.save(update_fields=["status", "sent_at", "attempts", "last_error", "body"])
    return mail.status


def message_of(mail: Mail) -> EmailMessage:
    """The message as the mail server receives it, with the row's key as its Message-ID."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    return EmailMessage(mail.subject, mail.body, None, [mail.to], headers={"Message-ID": f"<{mail.key}@{domain}>"})


def _failed(mail: Mail, error: BaseException, *, give_up: bool = False) -> None:
    """Record a refused or failed attempt: try again after a pause, or, after the last (or with ``give_up``),
    give it up."""
    mail.attempts += 1
    mail.last_error = reason_of(error)[:500]
    now = timezone.now()
    if give_up or mail.attempts > len(RETRY_PAUSES):
        mail.status = MailStatus.FAILED
        logger.warning("E-mail %s not delivered after %s attempts: %s", mail.pk, mail.attempts, mail.last_error)
    else:
        mail.next_attempt_at = now + RETRY_PAUSES[mail.attempts - 1]
        logger.info(
            "E-mail %s not delivered (attempt %s); tried again from %s", mail.pk, mail.attempts, mail.next_attempt_at
        )
        if can_wait():
            mail.queued_at = mail.next_attempt_at
            mail_id, run_after = mail.pk, mail.next_attempt_at
            transaction.on_commit(lambda: _queue([mail_id], run_after))
        else:  # ``requeue_stalled`` queues it when it is due
            mail.queued_at = None
    mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "queued_at"])


def reason_of(error: BaseException) -> str:
    """What went wrong, as the mail server said it where it answered (its code and words), for coordinators."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {_text(answer)}" for address, (code, answer) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error) or type(error).__name__


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def requeue_stalled(now: datetime.datetime | None = None) -> int:
    """Queue again every waiting message whose attempt is due and whose task is overdue by STALLED_AFTER or
    was never queued (tasks run at once): a worker died, or the task queue lost it. Returns how many."""
    now = now or timezone.now()
    stalled = Mail.objects.filter(status=MailStatus.QUEUED, next_attempt_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=now - STALLED_AFTER)
    )
    with transaction.atomic():
        ids = list(stalled.select_for_update(skip_locked=True).values_list("pk", flat=True)[:1000])
        Mail.objects.filter(pk__in=ids).update(queued_at=now)
        if ids:
            transaction.on_commit(lambda: _queue(ids))
    return len(ids)


@transaction.atomic
def mail_send_again(*, mail: Mail) -> bool:
    """A coordinator sends an undelivered message again, to the same address, once its reason is dealt with;
    False when it was already sent again or is not one to send again as it was (Mail.may_be_sent_again)."""
    if not mail.may_be_sent_again:
        return False
    now = timezone.now()
    again = Mail.objects.filter(pk=mail.pk, status=MailStatus.FAILED).update(
        status=MailStatus.QUEUED, attempts=0, last_error="", next_attempt_at=now, queued_at=now
    )
    if again:
        transaction.on_commit(lambda: _queue([mail.pk]))
    return bool(again)


def prune(now: datetime.datetime | None = None) -> int:
    """Delete messages (they hold names and answers) sent more than MAIL_KEEP_DAYS ago, and undelivered ones
    written that long ago; returns how many."""
    now = now or timezone.now()
    before = now - datetime.timedelta(days=settings.MAIL_KEEP_DAYS)
    deleted, _ = Mail.objects.filter(
        Q(status=MailStatus.SENT, sent_at__lt=before) | Q(status=MailStatus.FAILED, created_at__lt=before)
    ).delete()
    return deleted
