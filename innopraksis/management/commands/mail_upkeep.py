from django.core.management.base import BaseCommand

from innopraksis import outbox


class Command(BaseCommand):
    help = (
        "Hand each e-mail whose worker died (its task 10 minutes overdue) back to a worker, and delete e-mail "
        "older than MAIL_KEEP_DAYS. Run it every few minutes (run_schedule does); safe on several servers at once."
    )

    def handle(self, *args, **options):
        stalled = outbox.requeue_stalled()
        deleted = outbox.prune()
        self.stdout.write(f"Handed {stalled} waiting e-mail(s) back to the worker; deleted {deleted} old e-mail(s).")
