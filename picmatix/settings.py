"""picmatix settings: everything comes from environment variables (see .env.example).

With nothing set, the shop runs embedded on one machine: SQLite, files in ./var/media, a Celery
broker in ./var/broker (kombu's filesystem transport, no server), email printed to the console,
reCAPTCHA off and payments not configured. Each production part is switched on explicitly.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from picmatix.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PICMATIX_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # Embedded default: a random key kept in var/ so sessions and signed links survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute base for links in emails (the worker has no request to build them from).
SITE_URL = env_str("PICMATIX_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_recaptcha",
    "styles",
    "orders",
    "payments",
    "rendering",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "picmatix.urls"
WSGI_APPLICATION = "picmatix.wsgi.application"

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
                "picmatix.context_processors.shop",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'picmatix.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file at once: WAL lets readers run beside a
    # writer, and IMMEDIATE transactions take the write lock up front instead of failing with
    # "database is locked" when a read transaction tries to upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, progress) ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SILENCED_SYSTEM_CHECKS: list[str] = [
    # django-ratelimit lists only a few cache backends as shared; Django's own RedisCache is shared
    # and atomic, and the embedded default runs a single web process, where LocMemCache is enough.
    "django_ratelimit.W001",
]

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "picmatix" / "static"]
# Serve straight from the app folders unless the operator ran collectstatic for a CDN/production.
WHITENOISE_USE_FINDERS = env_bool("PICMATIX_STATIC_FINDERS", True)

STORAGE_BACKEND = env_choice("PICMATIX_STORAGE", "local", ("local", "s3"))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# No MEDIA_URL on purpose: photos and renders are private and reach a browser only through views
# that check the order's token (orders/views.py).
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300, minimum=10),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Email ------------------------------------------------------------------------------------
EMAIL_MODE = env_choice("PICMATIX_EMAIL", "console", ("console", "file", "smtp"))
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}[EMAIL_MODE]
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "picmatix <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("staff", a) for a in env_list("PICMATIX_STAFF_EMAILS", [])]

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Renders go to GPU workers (`-Q render`); emails and housekeeping to the light `default` queue.
CELERY_TASK_ROUTES = {"rendering.tasks.*": {"queue": "render"}}
# A render takes minutes: a worker must not reserve messages it cannot start, or they wait behind
# it while another GPU idles.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Early acknowledgement: the database row owns the job (claim + lease in orders/services.py), so a
# message lost with a dead worker is recovered from the row, never by broker redelivery.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- reCAPTCHA --------------------------------------------------------------------------------
# off: no captcha (embedded default: Google's verification needs the internet, which a machine
# running fully offline lacks); test: Google's public test keys (always pass, not protecting);
# on: real keys from RECAPTCHA_PUBLIC_KEY / RECAPTCHA_PRIVATE_KEY.
RECAPTCHA_MODE = env_choice("PICMATIX_RECAPTCHA", "off", ("off", "test", "on"))
if RECAPTCHA_MODE == "on":
    RECAPTCHA_PUBLIC_KEY = env_str("RECAPTCHA_PUBLIC_KEY")
    RECAPTCHA_PRIVATE_KEY = env_str("RECAPTCHA_PRIVATE_KEY")
else:
    # The test keys raise a system-check error that blocks `migrate`; silence it only here.
    SILENCED_SYSTEM_CHECKS.append("django_recaptcha.recaptcha_test_key_error")

# --- Shop rules -------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("PICMATIX_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_PIXELS = env_int("PICMATIX_UPLOAD_MAX_PIXELS", 40_000_000, minimum=10_000)
UPLOAD_RATE = env_str("PICMATIX_UPLOAD_RATE", "20/h")
# Client IP for rate limits; behind a proxy set PICMATIX_TRUSTED_PROXY_HEADER=HTTP_X_FORWARDED_FOR.
TRUSTED_PROXY_HEADER = env_str("PICMATIX_TRUSTED_PROXY_HEADER")

# --- Rendering --------------------------------------------------------------------------------
RENDER_DEVICE = env_choice("PICMATIX_RENDER_DEVICE", "auto", ("auto", "cpu", "cuda"))
RENDER_LEASE_SECONDS = env_int("PICMATIX_RENDER_LEASE_SECONDS", 120, minimum=10)
RENDER_MAX_ATTEMPTS = env_int("PICMATIX_RENDER_MAX_ATTEMPTS", 3, minimum=1)
RENDER_PROGRESS_EVERY_SECONDS = env_int("PICMATIX_RENDER_PROGRESS_EVERY_SECONDS", 2, minimum=0)
RENDER_PROGRESS_IMAGE_EVERY = env_int("PICMATIX_RENDER_PROGRESS_IMAGE_EVERY", 10, minimum=0)
# The recipe new styles start from; `quick` keeps the embedded default under a few minutes on a CPU.
DEFAULT_STYLE_RECIPE = env_str("PICMATIX_DEFAULT_RECIPE", "quick")
WAIFU2X_DIR = env_str("PICMATIX_WAIFU2X_DIR")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
