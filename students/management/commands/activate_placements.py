from django.core.management.base import BaseCommand

from students.services import placements_activate_due


class Command(BaseCommand):
    help = "Start the placements whose agreement is approved and whose start date has come. Run daily."

    def handle(self, *args, **options):
        started = placements_activate_due()
        self.stdout.write(f"Started {started} placement(s).")
