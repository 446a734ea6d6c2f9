"""Settings for the InnoPraksis portal, read from environment variables.

Every setting a deployment may change is listed in README.md with its default.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from innopraksis.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=true for local development).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind a load balancer: how many proxies in front of the app append to
# X-Forwarded-For. 0 means the app is reached directly and REMOTE_ADDR is used.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# A session ends after this long without a request, and in any case this long after signing in.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# Content-Security-Policy: only this origin, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Permissions-Policy: the browser features the portal never uses are turned off for it and anything it shows.
UNUSED_BROWSER_FEATURES = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "usb",
    "xr-spatial-tracking",
]
PERMISSIONS_POLICY = {feature: [] for feature in UNUSED_BROWSER_FEATURES}
# Passkeys and security keys (the second factor) are used by the portal's own pages only.
PERMISSIONS_POLICY["publickey-credentials-get"] = ["self"]
PERMISSIONS_POLICY["publickey-credentials-create"] = ["self"]

INSTALLED_APPS = [
    "innopraksis",
    "orgs",
    "students",
    "feedback",
    "innopraksis.admin_apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "js_lib_bootstrap_icons",
    "csp",
    "simple_history",
    # Feide sign-in (OpenID Connect) and the second factor: innopraksis/signin.py.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    # E-mail as background tasks (innopraksis/outbox.py), kept in the database and run by `manage.py db_worker`.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "innopraksis.middleware.HealthMiddleware",
    "innopraksis.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "innopraksis.middleware.SessionLifetimeMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "innopraksis.second_factor.SecondFactorRequiredMiddleware",
    "innopraksis.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "innopraksis.urls"
WSGI_APPLICATION = "innopraksis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "innopraksis.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode a connection may change between two transactions, so a cursor that
# lives on the server (as QuerySet.iterator() opens on PostgreSQL) cannot be used (README: PgBouncer).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_TRANSACTION_POOLING", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "innopraksis.User"
AUTHENTICATION_BACKENDS = ["innopraksis.backends.SignInBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "innopraksis.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24, minimum=1) * 3600

# Sign-in throttling (innopraksis/throttle.py): after this many failures within the cool-off, for one
# account from one address, for one account from any address, or from one address for any account,
# further attempts in that scope are refused until the cool-off has passed.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50, minimum=1)
LOGIN_COOLOFF = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
# Password-reset e-mails to one address: at most this many per window; further requests send nothing.
PASSWORD_RESET_MAIL_LIMIT = env_int("PASSWORD_RESET_MAIL_LIMIT", 3, minimum=1)
PASSWORD_RESET_MAIL_WINDOW = timedelta(minutes=env_int("PASSWORD_RESET_MAIL_WINDOW_MINUTES", 60, minimum=1))

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1)

# Signing in goes through django-allauth's login flow (innopraksis/signin.py), so that a person with a second
# factor gives it whichever way they signed in; nobody signs up, and allauth's own pages for e-mail
# addresses and passwords are not used (the portal has its own).
ACCOUNT_ADAPTER = "innopraksis.signin.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "innopraksis.signin.FeideAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# Failed codes count in the portal's own throttle (innopraksis/throttle.py), shared by every app server.
ACCOUNT_RATE_LIMITS = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"

# Feide: the portal is registered as a service in Feide's customer portal (see README). Without a client id,
# the sign-in page offers password sign-in only.
FEIDE_CLIENT_ID = env_str("FEIDE_CLIENT_ID", "")
FEIDE_CLIENT_SECRET = env_str("FEIDE_CLIENT_SECRET", "")
FEIDE_ISSUER = env_str("FEIDE_ISSUER", "https://auth.dataporten.no").rstrip("/")
# Only identities from these realms (the part after @ in the Feide name, e.g. uio.no) may sign in; empty: any.
FEIDE_REALMS = [realm.lower() for realm in env_list("FEIDE_REALMS", [])]
# openid: the stable identifier that signs a person in; userid-feide: the Feide name, whose realm is checked;
# profile: the name, for an invitation that gives none.
FEIDE_SCOPES = ["openid", "userid-feide", "profile"]


def feide_providers(client_id: str, secret: str, issuer: str) -> dict:
    """django-allauth's OpenID Connect app for Feide, at ``/accounts/oidc/feide/``; none without a client id."""
    app = {
        "provider_id": "feide",
        "name": "Feide",
        "client_id": client_id,
        "secret": secret,
        "settings": {"server_url": issuer, "scope": FEIDE_SCOPES, "oauth_pkce_enabled": True},
    }
    return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app] if client_id else []}}


SOCIALACCOUNT_PROVIDERS = feide_providers(FEIDE_CLIENT_ID, FEIDE_CLIENT_SECRET, FEIDE_ISSUER)

# The second factor: an authenticator app (TOTP) or a passkey or security key (WebAuthn), with recovery codes.
# Coordinators, who see every student's answers, must have one (innopraksis/second_factor.py).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_FORMS = {
    "authenticate": "innopraksis.second_factor.ThrottledAuthenticateForm",
    "reauthenticate": "innopraksis.second_factor.ThrottledReauthenticateForm",
    "add_webauthn": "innopraksis.second_factor.NamedKeyForm",
    "edit_webauthn": "innopraksis.second_factor.RenamedKeyForm",
}
MFA_ALLOW_UNVERIFIED_EMAIL = True  # the portal's addresses come from the programme's register
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_TOTP_ISSUER = "InnoPraksis"
# A code from the 30 seconds before or after is accepted too: a phone's clock is seldom exact. A used code is
# remembered for that long in the shared cache, and refused again (innopraksis/second_factor.py).
MFA_TOTP_PERIOD = 30
MFA_TOTP_TOLERANCE = 1
MFA_PASSKEY_LOGIN_ENABLED = False
# Browsers allow passkeys on http://localhost; the server must then accept that origin too.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "innopraksis_language"
# English with day-month-year dates and a 24-hour clock (innopraksis/formats/en).
FORMAT_MODULE_PATH = ["innopraksis.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS[env_choice("EMAIL_BACKEND", "console", set(_EMAIL_BACKENDS))]
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds the worker waits for the mail server before the attempt counts as failed (and is tried again).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true; choose one.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "InnoPraksis <noreply@innopraksis.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people reach the portal at: links in e-mails sent outside a
# request (reminders, notifications from commands) start with it.
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
# A finished cohort's personal data is anonymised this many months after its end.
RETENTION_MONTHS = env_int("RETENTION_MONTHS", 36, minimum=1)
# An uploaded import file (names, addresses, phone numbers) is deleted when it is imported or cancelled, and
# one that is neither is deleted this many hours after the upload.
IMPORT_KEEP_HOURS = env_int("IMPORT_KEEP_HOURS", 24, minimum=1)
# Days without a supervisor follow-up or check-in answer before a placement is flagged.
FOLLOW_UP_DAYS = env_int("FOLLOW_UP_DAYS", 21, minimum=1)
# The dashboard caches each cohort's figures until a change clears them (students.models.CachedFigures);
# off, it computes them on every request (the benchmark measures both).
CACHE_DASHBOARD_FIGURES = env_bool("CACHE_DASHBOARD_FIGURES", True)
# Reminders go out this many days before something is due (and once more never).
REMINDER_LEAD_DAYS = env_int("REMINDER_LEAD_DAYS", 2, minimum=0)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The cache every app server shares. It remembers the second factor's used codes. With REDIS_URL it is Redis,
# and the sessions live there too; without, it is a table in the database (`manage.py createcachetable`,
# which `make run` and the tests' database set-up run) and the sessions are rows in the database.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "innopraksis_cache"}}

# Background tasks (every e-mail: innopraksis/outbox.py) wait in the database for `manage.py db_worker`;
# "immediate" runs each when it is queued, in the process that queues it (the tests do).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_choice("TASKS_BACKEND", "database", {"database", "immediate"})]
    }
}
# Sent e-mails are deleted this many days after sending (they hold names and answers), and undelivered ones
# this many days after they were written (until then, coordinators see them and can send them again).
MAIL_KEEP_DAYS = env_int("MAIL_KEEP_DAYS", 30, minimum=1)

# Confirmations travel in a signed cookie (the session only when too long): showing one costs no database write.
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No secret from an address (calendar feed, invitation, password reset) is ever written out.
    "filters": {"redact_secrets": {"()": "innopraksis.logredact.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
    },
    # Django's own records (requests, the development server) go through the same handler, and only it.
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Each task's start and end is noise beside the e-mails themselves (innopraksis.outbox logs failures).
        "django_tasks": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
