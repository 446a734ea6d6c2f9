import datetime
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

# The periodic commands (name, how often); every one is safe to run on several servers at once. The reminders
# and the e-mail upkeep run every --every seconds.
JOBS = [
    ("send_reminders", None),
    ("mail_upkeep", None),
    ("delete_stale_imports", HOUR),
    ("advance_placements", DAY),
    ("anonymise_cohorts", DAY),
    ("prune_db_task_results", DAY),
]


class Command(BaseCommand):
    help = (
        "Run the portal's periodic commands until stopped, for a deployment without cron: send_reminders and "
        "mail_upkeep every --every seconds, delete_stale_imports hourly, advance_placements, anonymise_cohorts "
        "and prune_db_task_results daily, each first when it starts. Safe to run on several servers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=300, help="Seconds between reminder runs (default: 300).")

    def handle(self, *args, every: int, **options):
        if every < 1:
            raise CommandError("--every must be at least 1 second.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        # Finished tasks are pruned from the database's task queue; tasks run at once leave none.
        queue_in_database = settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
        jobs = [(name, interval) for name, interval in JOBS if queue_in_database or name != "prune_db_task_results"]
        last_run: dict[str, datetime.datetime] = {}
        while not stop.is_set():
            now = datetime.datetime.now(datetime.UTC)
            for name, interval in jobs:
                if interval is None or name not in last_run or now - last_run[name] >= interval:
                    close_old_connections()
                    call_command(name, stdout=self.stdout, stderr=self.stderr)
                    last_run[name] = now
            stop.wait(every)
