import signal
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections


class Command(BaseCommand):
    help = (
        "Run send_reminders every few minutes until stopped: the scheduler of a deployment without cron. "
        "Safe to run on several servers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=300, help="Seconds between runs (default: 300).")

    def handle(self, *args, every: int, **options):
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            close_old_connections()
            call_command("send_reminders", stdout=self.stdout)
            stop.wait(every)
