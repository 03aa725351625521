"""Settings, read from the environment in one place (12-factor). See the README for every variable."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_fernet_key,
    env_float,
    env_int,
    env_int_list,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var").resolve()  # SQLite, dev secrets, static, embedded data

TESTING = "pytest" in sys.modules
DEBUG = env_bool("DEBUG", default=False)

# Embedded defaults: `make run` and the test setup start these when the variable is unset.
EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 6390, minimum=1, maximum=65535)
EMBEDDED_MONGODB_PORT = env_int("EMBEDDED_MONGODB_PORT", 27018, minimum=1, maximum=65535)


def _dev_secret(name: str, make: str = "token") -> str:
    """A per-checkout secret kept under var/ so development works with no environment at all."""
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    path = VAR_DIR / "dev-secrets.json"
    VAR_DIR.mkdir(exist_ok=True)
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = Fernet.generate_key().decode() if make == "fernet" else secrets.token_urlsafe(48)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored[name]


SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _dev_secret("DJANGO_SECRET_KEY")
WIDGET_TOKEN_SECRET = env_str("WIDGET_TOKEN_SECRET") or _dev_secret("WIDGET_TOKEN_SECRET")
if len(WIDGET_TOKEN_SECRET) < 32:
    raise ImproperlyConfigured("WIDGET_TOKEN_SECRET must be at least 32 characters")
SECRETS_ENCRYPTION_KEY = env_fernet_key("SECRETS_ENCRYPTION_KEY") or _dev_secret("SECRETS_ENCRYPTION_KEY", "fernet")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", schemes={"http", "https"}, default=f"http://127.0.0.1:{PORT}")

DATABASES = {
    "default": database_from_url(
        "DATABASE_URL",
        f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        pool_size=env_int("DATABASE_POOL_SIZE", 10, minimum=1, maximum=500),
    )
}
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
    # A file, not memory, so live-server tests can share the test database with a Daphne child process.
    # Named per process so concurrent test runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
REDIS_URL = env_url(
    "REDIS_URL", schemes={"redis", "rediss", "unix"}, default=f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
)
REDIS_EMBEDDED = not env_str("REDIS_URL")
MONGODB_URI = env_url(
    "MONGODB_URI",
    schemes={"mongodb", "mongodb+srv"},
    default=f"mongodb://127.0.0.1:{EMBEDDED_MONGODB_PORT}/voiceagents",
)
MONGODB_EMBEDDED = not env_str("MONGODB_URI")

OPENAI_API_KEY = env_str("OPENAI_API_KEY")
# Where sessions go upstream: OpenAI with a key, else the local realtime simulator.
REALTIME_URL = env_url(
    "REALTIME_URL",
    schemes={"ws", "wss"},
    default="wss://api.openai.com/v1/realtime" if OPENAI_API_KEY else "ws://127.0.0.1:8765/v1/realtime",
)
# The local realtime simulator's voice (manage.py realtime_sim): eSpeak NG speech, or the soft tone tests may use.
SIMULATOR_VOICE = env_choice("SIMULATOR_VOICE", "espeak", ("espeak", "tone"))
# The upstream socket uses a proxy only when this names one: HTTPS_PROXY/ALL_PROXY in the environment are ignored.
REALTIME_PROXY = env_url("REALTIME_PROXY", schemes={"http", "https", "socks5", "socks5h", "socks4", "socks4a"})
OPENAI_EDITOR_MODEL = env_str("OPENAI_EDITOR_MODEL", "gpt-4.1-mini")
# The OpenAI HTTP API Draft with AI calls: OpenAI itself, or a compatible gateway in front of it.
OPENAI_BASE_URL = env_url("OPENAI_BASE_URL", schemes={"http", "https"}, default="https://api.openai.com/v1")
# Live sessions renew lastSeenAt and their lease this often and recheck revocation and budget; the stale
# threshold and the lease lifetime are three heartbeats (usage/timers.py).
SESSION_HEARTBEAT_SECONDS = env_float("SESSION_HEARTBEAT_SECONDS", 45.0, minimum=5.0, maximum=600.0)
# Multiplies every session timer (duration, idle, heartbeat and what derives from it); 1 in production,
# smaller in drills and tests.
SESSION_TIME_SCALE = env_float("SESSION_TIME_SCALE", 1.0, minimum=0.001, maximum=1.0)
# How long before the idle timeout the widget asks "Still there?" (scaled by SESSION_TIME_SCALE too); at most half
# the tenant's idle timeout.
SESSION_IDLE_WARNING_SECONDS = env_float("SESSION_IDLE_WARNING_SECONDS", 30.0, minimum=1.0, maximum=600.0)
# How many times real time a visitor may stream input audio (plus a 3 s burst, agents/audio_budget.py); past it
# appends are refused and a flood ends the session. 1 in production; the relay bench saturates the relay.
VOICE_AUDIO_SPEED_LIMIT = env_float("VOICE_AUDIO_SPEED_LIMIT", 1.0, minimum=1.0, maximum=100000.0)

# The demo customers (/demo/ sites and APIs, `seed_demo`): an app of its own that production leaves out.
DEMO_ENABLED = env_bool("DEMO_ENABLED", default=DEBUG or TESTING)

# Development only: lets HTTP tools reach loopback (the demo tools call this server's /demo/ APIs).
HTTPTOOLS_ALLOW_LOOPBACK = env_bool("HTTPTOOLS_ALLOW_LOOPBACK", default=False)
HTTPTOOLS_ALLOWED_PORTS = env_int_list("HTTPTOOLS_ALLOWED_PORTS", [80, 443, 8000, 8080, 8443])

INSTALLED_APPS = [
    "daphne",
    "tenants.admin_apps.PlatformAdminConfig",  # django.contrib.admin with the tenant-scoped site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "tenants",
    "agents",
    "httptools",
    "transcripts",
    "usage",
    "widget",
    *(["demo"] if DEMO_ENABLED else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.FrameAncestorsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# The visitor's widget speaks its agent's language (widget/strings.py); the translations are compiled into
# locale/<lang>/LC_MESSAGES/django.mo, committed beside their .po files (`make messages`).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}

# No channel layer: audio never goes through one (Channels dispatches one message at a time per
# connection), and without a layer each consumer waits on its socket alone.
CHANNEL_LAYERS: dict[str, dict[str, str]] = {}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Celery: the broker is Redis; beat runs the janitor and the heartbeat reaper.
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The reaper runs once a heartbeat, so a crashed session is ended about one heartbeat after it goes stale.
_REAPER_EVERY = SESSION_HEARTBEAT_SECONDS * SESSION_TIME_SCALE
CELERY_BEAT_SCHEDULE = {
    "heartbeat-reaper": {
        "task": "usage.tasks.reap_stale_sessions",
        "schedule": _REAPER_EVERY,
        "options": {"expires": _REAPER_EVERY * 0.9},
    },
    "janitor": {
        "task": "usage.tasks.run_janitor",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
}

# /metrics answers loopback freely; anyone else must send `Authorization: Bearer $METRICS_TOKEN`.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# At most this many tenants are named in a metric's labels; the rest are summed as "other".
METRICS_TENANT_LABELS = env_int("METRICS_TENANT_LABELS", 20, minimum=1, maximum=1000)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "daphne": {"level": "WARNING"}},
}
