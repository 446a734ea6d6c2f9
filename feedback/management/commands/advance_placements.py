from django.core.management.base import BaseCommand

from feedback.lifecycle import placements_activate_due, placements_complete_due
from feedback.status import status_recompute


class Command(BaseCommand):
    help = (
        "Start the placements whose agreement is approved and whose start date has come, complete those "
        "whose end date has passed with both final evaluations in, and check every placement's status. Run daily."
    )

    def handle(self, *args, **options):
        started = placements_activate_due()
        completed = placements_complete_due()
        # The services keep each status up to date as they write; a correction here (logged) means one did not.
        corrected = status_recompute()
        self.stdout.write(f"Started {started} placement(s), completed {completed}; corrected {corrected} status(es).")
