"""WSGI entry point of the test OpenID Connect provider."""

import os
import signal
import threading
import time

from django.core.wsgi import get_wsgi_application

# Set outright, not by default: the portal's settings module may be inherited from the environment.
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

application = get_wsgi_application()


def _stop_server_when_gone(pid: int) -> None:
    """Stop the server (this worker's parent) once process ``pid`` has ended."""
    while True:
        time.sleep(1)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os.kill(os.getppid(), signal.SIGTERM)
            return
        except PermissionError:
            pass


# The test run that started the server may end without stopping it (killed, or interrupted before its
# clean-up): the server then stops by itself rather than linger.
if parent_pid := os.environ.get("OIDC_PROVIDER_PARENT_PID"):
    threading.Thread(target=_stop_server_when_gone, args=(int(parent_pid),), daemon=True).start()
