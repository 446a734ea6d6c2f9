from django.core.management.base import BaseCommand

from feedback import status
from students.services import placements_activate_due, placements_complete_due


class Command(BaseCommand):
    help = (
        "Start the placements whose agreement is approved and whose start date has come, and complete those "
        "whose end date has passed with both final evaluations in. Run daily."
    )

    def handle(self, *args, **options):
        started = placements_activate_due()
        completed = placements_complete_due()
        status.refresh_all()  # a safety net: the status is kept on every write, and checked once a day
        self.stdout.write(f"Started {started} placement(s), completed {completed}.")
