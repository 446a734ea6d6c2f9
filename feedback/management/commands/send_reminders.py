from django.core.management.base import BaseCommand

from feedback import reminders


class Command(BaseCommand):
    help = (
        "Write each person an e-mail of what is due or late for them (agreement parts and signatures, onboarding "
        "items, check-ins, evaluations): when it falls due, then the cohort's chasers. The background worker "
        "sends them. Safe to run from cron on several servers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; write nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        dues = reminders.send(dry_run=dry_run)
        verb = "Would remind" if dry_run else "Reminded"
        for due in dues:
            self.stdout.write(
                f"{verb} {due.recipient.email}: {due.what} – {due.student}, {due.organisation} ({due.due_on})"
            )
        people = len({due.recipient.pk for due in dues})
        self.stdout.write(f"{verb} {people} person(s) of {len(dues)} thing(s).")
