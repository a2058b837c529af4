"""Django settings for kexie, read from the environment with safe demo defaults.

Environment:
    DATABASE_URL        default sqlite:///var/kexie.sqlite3 (PostgreSQL: postgres://user@host/db)
    KEXIE_SECRET_KEY    Django secret key (required by `kexie serve`, kexie.wsgi and `kexie db_worker`;
                        elsewhere, e.g. `kexie demo` and the tests, the published demo key stands in)
    KEXIE_PII_KEY       key for encrypting ID and phone numbers (required like KEXIE_SECRET_KEY, never derived
                        from it; a published demo PII key stands in elsewhere)
    KEXIE_PII_OLD_KEYS  comma-separated earlier PII keys, to read values during `kexie pii rotate`
    KEXIE_DEBUG         1/0
    KEXIE_ALLOWED_HOSTS comma-separated
    KEXIE_HTTPS         1 when the site is served over HTTPS (directly or behind a TLS proxy that sets
                        X-Forwarded-Proto: https): secure session and CSRF cookies, HSTS for a year including
                        subdomains, the proxy's header trusted, plain-HTTP requests redirected (default 0)
    KEXIE_VAR_DIR       where the SQLite database, media and job files live (default ./var)
    KEXIE_TASK_BACKEND  immediate | database (default database)
    KEXIE_SITE_URL      the address people open, for links in e-mails (default http://127.0.0.1:8000)
    KEXIE_EMAIL_BACKEND Django mail backend (default: the console; set EMAIL_HOST etc. for SMTP)
    KEXIE_PASSWORD_MAX_AGE_DAYS  passwords expire after this many days (default 90; 0: never)
    KEXIE_SESSION_IDLE_SECONDS   sign out after this long without a request (default 1800)
    KEXIE_SESSION_SECONDS        absolute session lifetime from login (default 8 hours)
    KEXIE_API_USER_RATE / KEXIE_API_ANON_RATE  API throttles per user / per address (default 600/min, 60/min)
    KEXIE_API_TOKEN_DAYS         default lifetime of a new API token (default 90)
    KEXIE_ANON_FORM_RATE         public forms (enquiries, password reset) per address (default 20/10m)
    KEXIE_SMS_BACKEND            dotted path of the SMS backend for verification codes (default: the console)
    KEXIE_REDIS_URL              Redis for the 数字科普 view buffer (default: none, an in-process batch)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("KEXIE_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("KEXIE_DEBUG", False)
# Published with the source, so only for the demo and the tests: servers and workers refuse them
# (kexie.core.crypto.require_server_keys); the PII key is never derived from the secret key.
KEXIE_DEMO_SECRET_KEY = "kexie-demo-secret-key-not-for-production-0123456789abcdef"
KEXIE_DEMO_PII_KEY = "kexie-demo-pii-key-not-for-production-fedcba9876543210"
SECRET_KEY = os.environ.get("KEXIE_SECRET_KEY") or KEXIE_DEMO_SECRET_KEY
PII_KEY = os.environ.get("KEXIE_PII_KEY") or KEXIE_DEMO_PII_KEY
PII_OLD_KEYS = [k.strip() for k in os.environ.get("KEXIE_PII_OLD_KEYS", "").split(",") if k.strip()]
if PII_KEY == KEXIE_DEMO_PII_KEY:
    # Demo databases made before the PII key stood apart were sealed with a key derived from the demo secret.
    PII_OLD_KEYS.append(KEXIE_DEMO_SECRET_KEY)
ALLOWED_HOSTS = [h for h in os.environ.get("KEXIE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("KEXIE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_filters",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "kexie.core",
    "kexie.home",
    "kexie.accounts",
    "kexie.orgs",
    "kexie.people",
    "kexie.members",
    "kexie.api",
    "kexie.demo",
    "kexie.imports",
    "kexie.census",
    "kexie.identity",
    "kexie.notices",
    "kexie.reports",
    "kexie.evaluation",
    "kexie.governance",
    "kexie.calls",
    "kexie.innovation",
    "kexie.exports",
    "kexie.signup",
    "kexie.portal",
    "kexie.kepu",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kexie.core.uploads.UploadLimitMiddleware",  # before anything reads request.POST: @upload_limit views
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kexie.core.middleware.NoStoreMiddleware",  # no-store for signed-in pages and downloads
    "kexie.core.middleware.RejectNulMiddleware",  # NUL characters in a request: the 400 page
    "kexie.kepu.effect.readers.ReaderCookieMiddleware",  # the 数字科普 reader cookie kx_r, when one was made up
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "kexie.accounts.middleware.SessionTimeoutMiddleware",
    "kexie.accounts.middleware.PasswordPolicyMiddleware",
]

ROOT_URLCONF = "kexie.urls"
WSGI_APPLICATION = "kexie.wsgi.application"

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
                "django.template.context_processors.i18n",
                "kexie.notices.context.unread",
                "kexie.core.context_processors.main_menu",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kexie.sqlite3'}"),
        conn_max_age=int(os.environ.get("KEXIE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "static").mkdir(exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: JIT compilation costs more than it saves (measured ~30 ms on list pages).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kexie.signup.backends.ContactBackend",  # ModelBackend + sign-in by verified phone or e-mail (decision 0038)
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# 等保 level 3: ten characters or more from three of four classes, not common, not like the user's name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "kexie.accounts.validators.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")}},
    {"NAME": "kexie.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "kexie.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "kexie.accounts.validators.CommonPasswordValidator"},
    {"NAME": "kexie.accounts.validators.NumericPasswordValidator"},
]
KEXIE_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("KEXIE_PASSWORD_MAX_AGE_DAYS", "90"))
PASSWORD_RESET_TIMEOUT = 3600  # the link in the reset e-mail works for one hour
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# 等保三级: lockout after repeated failures, sessions expire, secure cookies behind TLS.
AXES_FAILURE_LIMIT = int(os.environ.get("KEXIE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account, from whatever address; staff unlock at /accounts/locked/
AXES_USERNAME_CALLABLE = "kexie.signup.backends.lockout_username"  # a phone or e-mail counts for its account
# axes.W006 asks for the address in the lockout key; counting per account alone is the point here (an attacker
# rotating addresses or browsers still meets the same count), and a per-address lock would shut out a whole
# office behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
SESSION_COOKIE_AGE = int(os.environ.get("KEXIE_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Signed out after this long without a request; SESSION_COOKIE_AGE counts from login whatever the activity
# (kexie.accounts.middleware.SessionTimeoutMiddleware).
KEXIE_SESSION_IDLE_SECONDS = int(os.environ.get("KEXIE_SESSION_IDLE_SECONDS", "1800"))
SESSION_COOKIE_HTTPONLY = True
# KEXIE_HTTPS=1: the site is served over HTTPS (directly or behind a TLS proxy that sets X-Forwarded-Proto):
# cookies only over TLS, HSTS for a year (subdomains included), plain-HTTP requests redirected.
KEXIE_HTTPS = _env_bool("KEXIE_HTTPS", False)
SESSION_COOKIE_SECURE = KEXIE_HTTPS or _env_bool("KEXIE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if KEXIE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = KEXIE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if KEXIE_HTTPS else None
SECURE_SSL_REDIRECT = KEXIE_HTTPS
CSRF_FAILURE_VIEW = "kexie.core.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["kexie.formats"]  # ISO first in date inputs (kexie/formats/zh_Hans/formats.py)
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[os.environ.get("KEXIE_TASK_BACKEND", "database")],
        # "identity": the duplicate search (`kexie people dedup`), long and one at a time.
        "QUEUES": ["default", "identity"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kexie.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kexie.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["kexie.api.throttling.UserThrottle", "kexie.api.throttling.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("KEXIE_API_USER_RATE", "600/min"),
                               "anon": os.environ.get("KEXIE_API_ANON_RATE", "60/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kexie API",
    "DESCRIPTION": "科协数字平台 REST API — every endpoint answers only within the caller's organisation scope.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# List pages count exactly up to this many rows, then say "超过 N 条".
KEXIE_SITE_URL = os.environ.get("KEXIE_SITE_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = os.environ.get("KEXIE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kexie@localhost")
# Verification codes by SMS (kexie.signup.sms): the dotted path of a backend class with send(phone, message).
KEXIE_SMS_BACKEND = os.environ.get("KEXIE_SMS_BACKEND", "kexie.signup.sms.ConsoleBackend")

KEXIE_API_TOKEN_DAYS = int(os.environ.get("KEXIE_API_TOKEN_DAYS", "90"))
# Public forms (marketplace enquiries, password reset): at most N posts per address per period.
KEXIE_ANON_FORM_RATE = os.environ.get("KEXIE_ANON_FORM_RATE", "20/10m")

KEXIE_LIST_COUNT_CAP = int(os.environ.get("KEXIE_LIST_COUNT_CAP", "2000"))

# 数字科普 view counting (kexie.kepu.effect.counter): a Redis list when KEXIE_REDIS_URL is set (redis://host:6379/0),
# else an in-process batch written every KEXIE_KEPU_VIEW_BATCH views or 5 seconds; the reader hash is keyed.
KEXIE_REDIS_URL = os.environ.get("KEXIE_REDIS_URL", "")
KEXIE_KEPU_VIEW_BATCH = int(os.environ.get("KEXIE_KEPU_VIEW_BATCH", "200"))
# Reading beacons (/kepu/beacon/) and ratings per address.
KEXIE_KEPU_BEACON_RATE = os.environ.get("KEXIE_KEPU_BEACON_RATE", "120/10m")

# Membership status rules (days).
KEXIE_MEMBERSHIP_NEW_DAYS = 90
KEXIE_MEMBERSHIP_GRACE_DAYS = 90

# Spreadsheet imports (decisions 0006, 0018). Uploaded files and error workbooks hold ID numbers and phones in
# clear: `kexie daily` deletes them this many days after the import. Limits are checked before a file is read;
# files over the inline limits run in the task worker, never in the request. An import whose process stops
# beating for KEXIE_IMPORT_STALE_MINUTES is marked failed (nothing was written) and can be retried.
KEXIE_IMPORT_FILE_DAYS = int(os.environ.get("KEXIE_IMPORT_FILE_DAYS", "7"))
KEXIE_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("KEXIE_IMPORT_MAX_UNPACKED_BYTES", str(200 * 1024 * 1024)))
KEXIE_IMPORT_MAX_RATIO = int(os.environ.get("KEXIE_IMPORT_MAX_RATIO", "200"))
KEXIE_IMPORT_MAX_ROWS = int(os.environ.get("KEXIE_IMPORT_MAX_ROWS", "1000000"))
KEXIE_IMPORT_INLINE_BYTES = int(os.environ.get("KEXIE_IMPORT_INLINE_BYTES", str(1024 * 1024)))
KEXIE_IMPORT_INLINE_ROWS = int(os.environ.get("KEXIE_IMPORT_INLINE_ROWS", "5000"))
KEXIE_IMPORT_STALE_MINUTES = int(os.environ.get("KEXIE_IMPORT_STALE_MINUTES", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KEXIE_LOG_LEVEL", "WARNING")},
}
