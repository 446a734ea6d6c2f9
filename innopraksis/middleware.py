import logging
import sys
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers


def request_language(request) -> str:
    """A signed-in user's saved language wins; then the language cookie; then Norwegian.

    The browser's Accept-Language is not used: the portal is Norwegian unless
    a person chooses English.
    """
    available = {code for code, _name in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in available:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in available:
        return cookie
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class HealthMiddleware:
    """``/healthz`` (the process answers, no database) and ``/readyz`` (the database answers too).

    First in the chain, so that neither touches sessions, users or the database
    unless asked to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except DatabaseError:
                return JsonResponse({"status": "database unavailable"}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)


UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer a plain 503 page rather than a stack trace.

    The page is rendered without the request context, which would need the
    database for the user and the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE_ERRORS):
            return database_unavailable(request)
        return None


def database_unavailable(request) -> HttpResponse:
    """The plain 503 page, rendered without anything that needs the database: in the language of the
    visitor's cookie (their account cannot be read), not whichever the process served last."""
    logging.getLogger("innopraksis.reliability").error("database unavailable for %s", request.path)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = cookie if cookie in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE
    with translation.override(language):
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


SESSION_STARTED_KEY = "session_started"
SESSION_SEEN_KEY = "session_seen"
# How often the idle clock is written to the session: not on every request, to spare the database.
SEEN_RESOLUTION_SECONDS = 60


def start_session_clock(session) -> None:
    """Called at sign-in: both limits count from now."""
    now = int(time.time())
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now


class SessionLifetimeMiddleware:
    """Ends a signed-in session after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS
    after signing in however active it has been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session, now = request.session, int(time.time())
            started = session.get(SESSION_STARTED_KEY)
            seen = session.get(SESSION_SEEN_KEY)
            if started is None or seen is None:
                start_session_clock(session)
            elif now - started > settings.SESSION_MAX_HOURS * 3600 or now - seen > settings.SESSION_IDLE_MINUTES * 60:
                logging.getLogger("innopraksis.security").info("session expired user=%s", request.user.pk)
                logout(request)
                return redirect_to_login(request.get_full_path())
            elif now - seen > SEEN_RESOLUTION_SECONDS:
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


def server_error(request) -> HttpResponse:
    """handler500: a database that went away while the request ran gets the 503 page, anything else 500.

    Exceptions raised in other middleware (the session's, for one) arrive here
    rather than at DatabaseUnavailableMiddleware.process_exception.
    """
    if isinstance(sys.exc_info()[1], UNAVAILABLE_ERRORS):
        return database_unavailable(request)
    return HttpResponse(render_to_string("500.html"), status=500)
