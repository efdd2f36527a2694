"""picmatix settings: everything comes from environment variables (see .env.example).

With nothing set, the shop runs embedded on one machine: SQLite, files in ./var/media, a Celery
broker in ./var/broker (kombu's filesystem transport, no server), email printed to the console,
reCAPTCHA off and payments not configured. Each production part is switched on explicitly.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.clientip import proxy_networks
from payments.money import MINOR_UNITS
from picmatix.env import env_bool, env_choice, env_int, env_list, env_str, env_token
from picmatix.logs import logging_config, sentry_before_breadcrumb, sentry_before_send

BASE_DIR = Path(__file__).resolve().parent.parent
# Site-wide templates and translations: templates/ and locale/ beside manage.py in a checkout; inside
# this package when it was installed from a wheel (setup.py copies them there).
_PACKAGE_DIR = Path(__file__).resolve().parent
_IN_WHEEL = (_PACKAGE_DIR / "templates").is_dir()
SITE_TEMPLATES_DIR = _PACKAGE_DIR / "templates" if _IN_WHEEL else BASE_DIR / "templates"
SITE_LOCALE_DIR = _PACKAGE_DIR / "locale" if _IN_WHEEL else BASE_DIR / "locale"
VAR_DIR = Path(env_str("PICMATIX_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Production (behind a TLS load balancer). It fails closed: a setting that would make it unsafe, or
# make its hosts disagree, stops every process at start-up with one line naming the variable.
HTTPS = env_bool("PICMATIX_HTTPS", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if HTTPS:
        # A key made per host would sign HD links on a worker that the web tier then refuses.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: production (PICMATIX_HTTPS) needs one long random key, the same on every host"
        )
    # Embedded default: a random key kept in var/ so sessions and signed links survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Rotation: the old key stays here for as long as links signed with it must keep working.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", False)
if HTTPS and DEBUG:
    raise ImproperlyConfigured("DEBUG is on: production (PICMATIX_HTTPS) must run with DEBUG=false")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute base for links in emails (the worker has no request to build them from).
SITE_URL = env_str("PICMATIX_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Behind a load balancer or CDN that ends TLS (deploy/): believe its X-Forwarded-Proto, send
# cookies over HTTPS only and tell browsers to stay on HTTPS. /healthz and /readyz stay plain HTTP.
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("PICMATIX_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("PICMATIX_HSTS_SECONDS", 3600, minimum=0)
    # The shop's own subdomains (if any) are ours too; preloading is a separate commitment (a year's
    # max-age and a submission to the browsers' list) that the operator opts into.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PICMATIX_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("PICMATIX_HSTS_PRELOAD", False)

INSTALLED_APPS = [
    # django.contrib.admin with the shop's own site: its apps first, dj-stripe's pages left out.
    "backoffice.sites.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_recaptcha",
    "djstripe",
    "styles",
    "orders",
    "payments",
    "rendering",
    "gallery",
    "backoffice",
    # The project package itself, for its management commands (runshop, picmatix_setup) and its
    # static files (found by the app finder, so they are not in STATICFILES_DIRS as well).
    "picmatix",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # Before anything reads the body (CSRF parses uploads): too large a request gets a 413 unread.
    "picmatix.request_limits.RequestSizeLimitMiddleware",
    # Then: the proxy's word about HTTPS counts only when a proxy of ours says it.
    "core.clientip.ForwardedProtoMiddleware",
    # Then: load balancer probes address the container by IP, before ALLOWED_HOSTS is checked.
    "picmatix.health.HealthCheckMiddleware",
    # So does Prometheus scraping each web pod: /metrics is answered here too, by its bearer token.
    "backoffice.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "picmatix.urls"
WSGI_APPLICATION = "picmatix.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_TEMPLATES_DIR],
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
if HTTPS and not SECURE_HSTS_PRELOAD:
    # `check --deploy` asks every site to join the browsers' HSTS preload list. Joining is a manual
    # submission that needs a year's max-age and binds every subdomain for months after leaving:
    # the operator's decision (PICMATIX_HSTS_PRELOAD=true), not a default of the shop.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The admin login is throttled by django-axes: after PICMATIX_ADMIN_LOGIN_FAILURES wrong passwords
# for one username from one client address (core/clientip.py), that pair is locked out for
# PICMATIX_ADMIN_LOCKOUT_MINUTES, counted from the last failure. Username and address together:
# by address alone, staff behind one office NAT would lock each other out. A username alone is
# locked only after many more failures from all addresses (ADMIN_USERNAME_FAILURE_LIMIT below,
# picmatix/lockout.py): guesses spread over a botnet stop there, at the price that a stranger can
# keep a username locked. Staff unlock with `manage.py axes_reset_username <name>`.
AUTHENTICATION_BACKENDS = [
    "picmatix.lockout.AdminLoginThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("PICMATIX_ADMIN_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PICMATIX_ADMIN_LOCKOUT_MINUTES", 60, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ONLY_ADMIN_SITE = True  # the admin's is the shop's only login
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no "AXES: BEGIN" line each time a process starts; lockouts are still logged
# An IPv6 client counts as its /64: one subscriber's block, not one of its 2^64 addresses.
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip_for_lockout"
# Wrong passwords for one username from all addresses together, within the cool-off (picmatix/lockout.py):
# guesses spread over many addresses stop here. Higher than the per-address limit, so that a stranger
# cannot lock a curator out in five tries.
ADMIN_USERNAME_FAILURE_LIMIT = env_int("PICMATIX_ADMIN_USERNAME_FAILURES", 20, minimum=1)
# Staff sessions (the only sessions: customers sign in nowhere) end after a working day.
SESSION_COOKIE_AGE = env_int("PICMATIX_STAFF_SESSION_HOURS", 12, minimum=1, maximum=24 * 14) * 3600
AXES_LOCKOUT_CALLABLE = "picmatix.lockout.admin_lockout_response"

# --- Languages --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [SITE_LOCALE_DIR]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Files ------------------------------------------------------------------------------------
# A CDN in front of the web tier: PICMATIX_STATIC_URL=https://cdn.example.com/static/ (origin: whitenoise).
STATIC_URL = env_str("PICMATIX_STATIC_URL", "/static/")
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app folders unless the operator ran collectstatic for a CDN/production.
WHITENOISE_USE_FINDERS = env_bool("PICMATIX_STATIC_FINDERS", True)

STORAGE_BACKEND = env_choice("PICMATIX_STORAGE", "local", ("local", "s3"))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# No MEDIA_URL on purpose: photos and renders are private and reach a browser only through views
# that check the order's token (orders/views.py).
_default_storage: dict[str, object]
if STORAGE_BACKEND == "s3":
    _s3_options: dict[str, object] = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
        "region_name": env_str("AWS_S3_REGION_NAME") or None,
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300, minimum=10),
        "file_overwrite": False,
        "signature_version": "s3v4",
        "addressing_style": env_choice("AWS_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
    }
    if not _s3_options["bucket_name"]:
        raise ImproperlyConfigured("PICMATIX_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    # django-storages builds plain, unsigned URLs for a custom domain unless it can sign them for
    # CloudFront: every private photo would be public to anyone holding its link, for ever.
    if env_str("AWS_S3_CUSTOM_DOMAIN"):
        if not (env_str("AWS_CLOUDFRONT_KEY_ID") and env_str("AWS_CLOUDFRONT_KEY")):
            raise ImproperlyConfigured(
                "AWS_S3_CUSTOM_DOMAIN turns presigned URLs off: set AWS_CLOUDFRONT_KEY_ID and AWS_CLOUDFRONT_KEY "
                "(a CloudFront key pair, so links are signed and expire) or leave AWS_S3_CUSTOM_DOMAIN unset"
            )
        _s3_options.update(
            custom_domain=env_str("AWS_S3_CUSTOM_DOMAIN"),
            cloudfront_key_id=env_str("AWS_CLOUDFRONT_KEY_ID"),
            cloudfront_key=env_str("AWS_CLOUDFRONT_KEY").replace("\\n", "\n").encode(),
        )
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
    # Django creates it at the first file saved; /readyz needs it before (a fresh stack's first
    # probe). A folder that cannot be made is what /readyz then reports.
    with contextlib.suppress(OSError):
        MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if env_bool("PICMATIX_STATIC_MANIFEST", False):
    # Hashed, compressed names that a CDN may cache for ever; needs `collectstatic` before start.
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
# Browsers upload photos straight to S3 with a presigned POST (orders/direct_upload.py); the web
# tier then fetches and checks them. Off by default: the normal upload through the form works too.
DIRECT_UPLOAD = env_bool("PICMATIX_DIRECT_UPLOAD", False)
if DIRECT_UPLOAD and STORAGE_BACKEND != "s3":
    raise ImproperlyConfigured("PICMATIX_DIRECT_UPLOAD=1 needs PICMATIX_STORAGE=s3")
DIRECT_UPLOAD_EXPIRE = env_int("PICMATIX_DIRECT_UPLOAD_EXPIRE", 600, minimum=10)
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
# None: the URL's scheme names the transport. The embedded default's is kombu's filesystem transport
# with messages named so that they are taken in the order sent.
CELERY_BROKER_TRANSPORT: str | None = None
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast/control messages (celery inspect, pidbox): default is ./control in the cwd.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Renders go to GPU workers (`-Q render`); emails and housekeeping to the light `default` queue.
CELERY_TASK_ROUTES = {
    "rendering.tasks.render_job_run": {"queue": "render"},
    # Staff test renders of a style on the sample photos need the same GPU workers.
    "rendering.tasks.style_trial_run": {"queue": "render"},
}
# A render takes minutes: a worker must not reserve messages it cannot start, or they wait behind
# it while another GPU idles. Render workers also run one task at a time (`-c 1`, one per GPU).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Early acknowledgement plus the lease reaper, not late acknowledgement: with Redis, an unacked
# message comes back after the visibility timeout even while its render is still running, so a
# render longer than that timeout would run twice (celery issues 5935, 3430). Here the database
# row owns the job: a claim is a conditional UPDATE, a worker renews its lease while rendering,
# and `render_jobs_reap` re-queues a job whose worker died or whose message the broker lost.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Time limits: short tasks (emails, housekeeping) are killed after 5 minutes. Render workers run
# the solo pool (the SIGTERM grace logic needs the task in the main process), where Celery cannot
# enforce limits, so the render's own limit is checked in its progress callback.
CELERY_TASK_TIME_LIMIT = env_int("PICMATIX_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Redis keeps a message "unacked" only until acknowledged, which is at once here (early ack); the
# visibility timeout matters only for the short default-queue tasks, so the default (1 h) is fine.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "render-jobs-reap": {
        "task": "orders.tasks.render_jobs_reap",
        "schedule": float(env_int("PICMATIX_REAP_EVERY_SECONDS", 60, minimum=1)),
    },
    "storage-reconcile": {"task": "orders.tasks.storage_reconcile", "schedule": 24 * 3600.0},
    # A payment whose webhook never came is found by asking Stripe (payments/tasks.py).
    "payments-recover": {"task": "payments.tasks.payments_recover", "schedule": 300.0},
    # Emails that the normal path lost, sent from what the order rows record (orders/outbox.py).
    "preview-emails-outbox": {"task": "orders.tasks.preview_emails_outbox_send_task", "schedule": 300.0},
    "hd-emails-outbox": {"task": "payments.tasks.hd_emails_outbox_send_task", "schedule": 300.0},
    "order-links-outbox": {"task": "orders.tasks.order_links_outbox_send_task", "schedule": 300.0},
    # Money that buys nothing and is not refunded yet (payments/refunds.py).
    "flagged-payments-refund": {"task": "payments.tasks.flagged_payments_refund_sweep_task", "schedule": 300.0},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- reCAPTCHA --------------------------------------------------------------------------------
# off: no captcha (embedded default: Google's verification needs the internet, which a machine
# running fully offline lacks); test: Google's public test keys (always pass, not protecting);
# on: real keys from RECAPTCHA_PUBLIC_KEY / RECAPTCHA_PRIVATE_KEY.
RECAPTCHA_MODE = env_choice("PICMATIX_RECAPTCHA", "off", ("off", "test", "on"))
if RECAPTCHA_MODE == "on":
    RECAPTCHA_PUBLIC_KEY = env_str("RECAPTCHA_PUBLIC_KEY")
    RECAPTCHA_PRIVATE_KEY = env_str("RECAPTCHA_PRIVATE_KEY")
    # Empty keys would fall back to Google's test keys, which let every robot through.
    for _name, _value in (
        ("RECAPTCHA_PUBLIC_KEY", RECAPTCHA_PUBLIC_KEY),
        ("RECAPTCHA_PRIVATE_KEY", RECAPTCHA_PRIVATE_KEY),
    ):
        if not _value:
            raise ImproperlyConfigured(f"{_name} is not set: PICMATIX_RECAPTCHA=on needs both reCAPTCHA keys")
else:
    # The test keys raise a system-check error that blocks `migrate`; silence it only here.
    SILENCED_SYSTEM_CHECKS.append("django_recaptcha.recaptcha_test_key_error")

# --- Shop rules -------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("PICMATIX_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# A request body above this is refused with 413 before it is read (picmatix/request_limits.py):
# the photo limit plus room for the form's other fields and the multipart framing.
REQUEST_MAX_BYTES = env_int("PICMATIX_MAX_REQUEST_BYTES", UPLOAD_MAX_BYTES + 1024 * 1024, minimum=UPLOAD_MAX_BYTES)
# Whatever passes that cap is held in memory, never spooled to a temporary file (a few sync
# workers x threads x 21 MB at most); fields other than files stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated: form fields and webhook JSON
UPLOAD_MAX_PIXELS = env_int("PICMATIX_UPLOAD_MAX_PIXELS", 40_000_000, minimum=10_000)
# The stored photo's long side at most (orders/images.py). The renders never use more: the largest
# pass of any preset recipe is 960 px (`seed`), staff test renders paint at most 1024 px, and the
# order page compares the photo with a preview of at most 1024 px. A photo is only ever scaled down,
# and a 12 MP phone photo is then decoded at half scale (bench/README.md, "Uploads"). A shop whose own recipes
# paint larger than this raises it; photos already stored keep their size.
PHOTO_MAX_SIDE = env_int("PICMATIX_PHOTO_MAX_SIDE", 1024, minimum=256, maximum=16_384)
UPLOAD_RATE = env_str("PICMATIX_UPLOAD_RATE", "20/h")
# Customers deleting their data from an order's page, per client: the token is the real guard, this
# stops a script that learnt many tokens (a leaked log, say) from wiping orders wholesale.
DATA_DELETE_RATE = env_str("PICMATIX_DATA_DELETE_RATE", "10/h")
# "Find my orders" emails an address the links to its orders: per client, and per mailbox whatever
# its spelling (orders/mailbox.py), so that nobody can flood someone's inbox from many addresses.
# Publishing a painting on a share page, per client (each one writes a row and an event).
SHARE_RATE = env_str("PICMATIX_SHARE_RATE", "20/h")
PHOTO_CHECK_RATE = env_str("PICMATIX_PHOTO_CHECK_RATE", "60/h")
FIND_ORDERS_RATE = env_str("PICMATIX_FIND_ORDERS_RATE", "10/h")
FIND_ORDERS_ADDRESS_RATE = env_str("PICMATIX_FIND_ORDERS_ADDRESS_RATE", "3/d")
# New orders one email address may place in 24 hours (0: no limit). Each order queues a render and
# sends mail to that address, so this bounds what one address can cost us or receive unasked.
ORDERS_PER_EMAIL_PER_DAY = env_int("PICMATIX_ORDERS_PER_EMAIL_PER_DAY", 5, minimum=0)
# The proxies in front of the shop (IPs or CIDR networks, any order): X-Forwarded-For is believed
# only as far as these wrote it (core/clientip.py). Without any, only the socket's address is
# believed: anyone can write an X-Forwarded-For header. Rate limits, the currency and the admin
# lockout all count customers by this address.
TRUSTED_PROXIES = env_list("PICMATIX_TRUSTED_PROXIES", [])
try:
    proxy_networks(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(f"PICMATIX_TRUSTED_PROXIES: {error}") from None
if env_str("PICMATIX_TRUSTED_PROXY_HEADER") and not TRUSTED_PROXIES:
    # The old variable was read and never used: whoever set it believes the shop sees customers'
    # addresses behind their proxy, while every rate limit counted the proxy instead.
    raise ImproperlyConfigured(
        "PICMATIX_TRUSTED_PROXY_HEADER is no longer read: set PICMATIX_TRUSTED_PROXIES to your proxies' "
        "addresses instead (docs/operations.md)"
    )
RATELIMIT_IP_META_KEY = "core.clientip.client_ip_for_limits"

# Production fails closed: each of these is fine on one machine and unsafe for customers.
if HTTPS:
    if EMAIL_MODE == "console":
        raise ImproperlyConfigured(
            "PICMATIX_EMAIL=console is refused with PICMATIX_HTTPS: it prints every customer's private links "
            "to the log; use smtp"
        )
    if RECAPTCHA_MODE != "on":
        raise ImproperlyConfigured(
            f"PICMATIX_RECAPTCHA={RECAPTCHA_MODE} is refused with PICMATIX_HTTPS: set it to on, with "
            "RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY"
        )
    if not SITE_URL.startswith("https://"):
        raise ImproperlyConfigured(
            f"PICMATIX_SITE_URL={SITE_URL!r} is refused with PICMATIX_HTTPS: the links in emails must be https://"
        )
    if not REDIS_URL:
        raise ImproperlyConfigured(
            "REDIS_URL is not set: with PICMATIX_HTTPS the rate limits and the one-order-per-upload guard must be "
            "shared by every process (each would count alone)"
        )
    if not TRUSTED_PROXIES:
        raise ImproperlyConfigured(
            "PICMATIX_TRUSTED_PROXIES is not set: with PICMATIX_HTTPS the shop believes X-Forwarded-Proto and "
            "X-Forwarded-For only from its own proxies; list their addresses or networks"
        )

# --- Payments (Stripe, through dj-stripe, or the demonstration provider) -------------------------
# PICMATIX_PAYMENTS: stripe (card data only ever goes from Stripe.js to Stripe), demo (a provider
# inside the shop that takes test card numbers and moves no money, so the whole journey works on one
# machine) or off. Default: stripe when a Stripe key is set, else demo, but off behind HTTPS: a
# public shop must never hand out paintings for made-up card numbers.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
if STRIPE_SECRET_KEY or STRIPE_PUBLISHABLE_KEY:
    _payments_default = "stripe"
else:
    _payments_default = "off" if env_bool("PICMATIX_HTTPS", False) else "demo"
# The provider new payments go to (payments/providers/), chosen once from this; "off" is none.
PAYMENTS_PROVIDER = env_choice("PICMATIX_PAYMENTS", _payments_default, ("stripe", "demo", "off"))
if PAYMENTS_PROVIDER == "demo" and env_bool("PICMATIX_HTTPS", False):
    raise ImproperlyConfigured("PICMATIX_PAYMENTS=demo is refused with PICMATIX_HTTPS: demo payments move no money")
if PAYMENTS_PROVIDER == "demo" and "_live_" in STRIPE_SECRET_KEY + STRIPE_PUBLISHABLE_KEY:
    raise ImproperlyConfigured("PICMATIX_PAYMENTS=demo is refused with live Stripe keys")
if PAYMENTS_PROVIDER == "stripe":
    # The key format dj-stripe accepts: (sk|rk|pk)_(test|live)_ and at least 24 letters or digits.
    if not (
        re.fullmatch(r"(sk|rk)_(test|live)_[A-Za-z0-9]{24,}", STRIPE_SECRET_KEY)
        and re.fullmatch(r"pk_(test|live)_[A-Za-z0-9]{24,}", STRIPE_PUBLISHABLE_KEY)
    ):
        raise ImproperlyConfigured("Stripe needs both STRIPE_SECRET_KEY (sk_…) and STRIPE_PUBLISHABLE_KEY (pk_…)")
    if ("_live_" in STRIPE_SECRET_KEY) != ("_live_" in STRIPE_PUBLISHABLE_KEY):
        raise ImproperlyConfigured("STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY are from different modes (test/live)")
if HTTPS and PAYMENTS_PROVIDER == "stripe" and not STRIPE_WEBHOOK_SECRET:
    # Without it no webhook verifies: customers would pay and never get their painting.
    raise ImproperlyConfigured(
        "STRIPE_WEBHOOK_SECRET is not set: with Stripe keys, production (PICMATIX_HTTPS) needs the webhook's "
        "signing secret (whsec_…)"
    )
if STRIPE_WEBHOOK_SECRET and not STRIPE_WEBHOOK_SECRET.startswith("whsec_"):
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET: expected the endpoint's signing secret (whsec_…)")
# dj-stripe's own names. Live mode follows the key, so a test key can never run a "live" shop.
STRIPE_LIVE_MODE = "_live_" in STRIPE_SECRET_KEY
if env_bool("STRIPE_LIVE_MODE", STRIPE_LIVE_MODE) != STRIPE_LIVE_MODE:
    raise ImproperlyConfigured("STRIPE_LIVE_MODE disagrees with the mode of STRIPE_SECRET_KEY")
STRIPE_PUBLIC_KEY = STRIPE_PUBLISHABLE_KEY
# dj-stripe 2.11 keeps each webhook's signing secret on its WebhookEndpoint row (ours follows
# STRIPE_WEBHOOK_SECRET, payments/services.py) and always uses native JSON fields: it no longer reads
# DJSTRIPE_WEBHOOK_SECRET or DJSTRIPE_USE_NATIVE_JSONFIELD, so they are not set here.
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
# Suggested when neither the IP nor the browser's region points to a currency staff have priced.
PAYMENTS_DEFAULT_CURRENCY = env_choice(
    "PICMATIX_DEFAULT_CURRENCY", "usd", tuple(code.lower() for code in MINOR_UNITS)
).upper()
PAYMENTS_BUY_RATE = env_str("PICMATIX_BUY_RATE", "30/h")
# A payment still pending after this long is looked up at Stripe (a webhook may have been lost),
# for as long as the window lasts; abandoned payments are then left alone.
PAYMENTS_RECOVER_AFTER_SECONDS = env_int("PICMATIX_PAYMENTS_RECOVER_AFTER_SECONDS", 600, minimum=60)
PAYMENTS_RECOVER_WINDOW_HOURS = env_int("PICMATIX_PAYMENTS_RECOVER_WINDOW_HOURS", 72, minimum=1)
# The HD download link in the email; in S3 mode it redirects to a presigned URL this short-lived.
HD_LINK_MAX_AGE_DAYS = env_int("PICMATIX_HD_LINK_DAYS", 7, minimum=1)
HD_PRESIGNED_SECONDS = env_int("PICMATIX_HD_PRESIGNED_SECONDS", 60, minimum=10)
# How often a customer may ask for a new download link for one order (it emails the order's address).
HD_LINK_REQUEST_RATE = env_str("PICMATIX_HD_LINK_REQUEST_RATE", "3/h")

# --- Rendering --------------------------------------------------------------------------------
RENDER_DEVICE = env_choice("PICMATIX_RENDER_DEVICE", "auto", ("auto", "cpu", "cuda"))
RENDER_LEASE_SECONDS = env_int("PICMATIX_RENDER_LEASE_SECONDS", 120, minimum=2)
RENDER_MAX_ATTEMPTS = env_int("PICMATIX_RENDER_MAX_ATTEMPTS", 3, minimum=1)
# A job still queued this long after its message was sent is sent again (the broker may have lost
# it); duplicates are harmless because the claim decides.
RENDER_REQUEUE_AFTER_SECONDS = env_int("PICMATIX_RENDER_REQUEUE_AFTER_SECONDS", 600, minimum=1)
# Longest a render may run before it is failed; on SIGTERM a worker finishes the current job only if
# its estimated time left is below the grace period, else it hands the job back at once.
RENDER_TIME_LIMIT_SECONDS = env_int("PICMATIX_RENDER_TIME_LIMIT_SECONDS", 4 * 3600, minimum=10)
RENDER_SHUTDOWN_GRACE_SECONDS = env_int("PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS", 60, minimum=0)
RENDER_PROGRESS_EVERY_SECONDS = env_int("PICMATIX_RENDER_PROGRESS_EVERY_SECONDS", 2, minimum=0)
RENDER_PROGRESS_IMAGE_EVERY = env_int("PICMATIX_RENDER_PROGRESS_IMAGE_EVERY", 10, minimum=0)
# A render worker (solo pool, render queue) loads torch, the VGG weights and the network as it starts,
# so that its first job does not wait for them (rendering/tasks.py).
RENDER_WARM_START = env_bool("PICMATIX_RENDER_WARM_START", True)
# The recipe new styles start from; `cpu`, the embedded default, is sized for a small CPU. GPU hosts
# set `seed` (deploy/env/production.env.example says why not `nimble`).
DEFAULT_STYLE_RECIPE = env_str("PICMATIX_DEFAULT_RECIPE", "cpu")
WAIFU2X_DIR = env_str("PICMATIX_WAIFU2X_DIR")

# --- Retention --------------------------------------------------------------------------------
# Photos and renders of unpaid orders are deleted this many days after the order (the upload page
# says so); paid orders keep their files, the HD image included, this long after payment.
RETENTION_UNPAID_DAYS = env_int("PICMATIX_RETENTION_UNPAID_DAYS", 30, minimum=1)
RETENTION_PAID_DAYS = env_int("PICMATIX_RETENTION_PAID_DAYS", 365, minimum=1)
CELERY_BEAT_SCHEDULE["retention-purge"] = {"task": "orders.tasks.retention_purge_run", "schedule": 6 * 3600.0}

# --- Metrics ----------------------------------------------------------------------------------
# /metrics (Prometheus text, backoffice/metrics.py) answers only a scraper that sends
# `Authorization: Bearer <this token>`; without a token the endpoint does not exist (404).
METRICS_TOKEN = env_token("PICMATIX_METRICS_TOKEN", min_length=24)


# --- Content-Security-Policy ------------------------------------------------------------------
# Scripts only from the shop (and the static CDN) or inline with the response's nonce; no inline
# handlers. Stripe's and Google's origins are added by the two views that use them (payments.views.buy,
# picmatix.views.upload). Inline style attributes stay allowed: a few layout values come from the
# server (the comparison's aspect ratio) and the admin's widgets write some; they cannot run code.
def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


_own = [SELF, *filter(None, [_origin(STATIC_URL)])]
_files: list[str] = []  # where the browser fetches private files (presigned) and posts direct uploads
if STORAGE_BACKEND == "s3":
    _bucket, _region = str(_s3_options["bucket_name"]), str(_s3_options["region_name"] or "us-east-1")
    _custom = _s3_options.get("custom_domain")
    _endpoint = _origin(str(_s3_options["endpoint_url"] or ""))
    if _custom:
        _files = [f"https://{_custom}"]
    elif _endpoint:
        _files = [_endpoint]
    else:  # boto3 signs with the regional host or the global one, as its configuration says
        _files = [f"https://{_bucket}.s3.{_region}.amazonaws.com", f"https://{_bucket}.s3.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [*_own, NONCE],
        "style-src": [*_own, UNSAFE_INLINE],
        "img-src": [*_own, "data:", "blob:", *_files],
        "font-src": _own,
        "connect-src": [SELF, *_files],
        # No frames of its own (default-src covers them); Stripe and reCAPTCHA add theirs where used.
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logs and errors --------------------------------------------------------------------------
# Console always (journald, `docker logs`); json in production; an optional file per process.
LOGGING = logging_config(
    fmt=env_choice("PICMATIX_LOG_FORMAT", "plain", ("plain", "json")),
    level=env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")).upper(),
    file=env_str("PICMATIX_LOG_FILE"),
    file_max_bytes=env_int("PICMATIX_LOG_FILE_MAX_MB", 50, minimum=0) * 1024 * 1024,
    file_backups=env_int("PICMATIX_LOG_FILE_BACKUPS", 5, minimum=1),
)
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        raise ImproperlyConfigured("SENTRY_DSN is set but sentry-sdk is not installed: pip install '.[prod]'") from None
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Customers' emails and IPs stay out of the error tracker, and so do order tokens and HD
        # link signatures (in URLs, headers, messages, local variables).
        send_default_pii=False,
        # Frames' variables and request bodies hold customers' email addresses (an order, a form):
        # an error report needs the stack, not them.
        include_local_variables=False,
        max_request_body_size="never",
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
        before_breadcrumb=sentry_before_breadcrumb,
    )
