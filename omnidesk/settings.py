"""The one settings object. Nothing else in Omnidesk reads ``os.environ``.

Every value comes from an ``OMNIDESK_*`` environment variable with a safe development default;
a value that cannot be parsed stops the process with a message naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "omnidesk-development-secret-do-not-use-in-production"
ENVIRONMENTS = ("development", "test", "production")
LOG_FORMATS = ("text", "json")
MIN_METRICS_TOKEN_LENGTH = 16


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the variable to fix."""


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    host: str
    port: int
    public_url: str
    # Argon2 cost: production-grade by default; the test suite lowers it to stay fast.
    argon2_time_cost: int
    argon2_memory_kib: int
    log_level: str
    # Request bodies: the public routes (visitors, webhooks, login) get the small limit.
    max_body_bytes: int = 1024 * 1024
    max_public_body_bytes: int = 64 * 1024
    # Earlier secret keys that still decrypt stored secrets until `omnidesk rotate-secrets` has run.
    secret_key_fallbacks: tuple[str, ...] = ()
    # Whether OMNIDESK_PUBLIC_URL names the public address; if not, it follows where serve listens.
    public_url_explicit: bool = False
    # Redis, for several processes: their event bus and who is connected where (OMNIDESK_REDIS_URL).
    redis_url: str | None = None
    # The prefix of every Redis key and stream of this deployment (several may share one Redis).
    redis_prefix: str = "omnidesk"
    # "text" for people, "json" for a log collector (one object per line).
    log_format: str = "text"
    # The bearer token GET /metrics asks for; empty, /metrics is off.
    metrics_token: str = ""
    # Where uploaded files are kept (the local file store); by default ``files`` beside the SQLite file.
    files_dir: Path = Path("files")
    # The largest body the upload routes take, whatever FileUpload_MaxFileSize allows (which they check).
    max_upload_bytes: int = 104857600 + 64 * 1024

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int(name: str, raw: str, *, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env_vars = os.environ if environ is None else environ

    def get(name: str, default: str) -> str:
        return env_vars.get(name, default)

    env = get("OMNIDESK_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"OMNIDESK_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")

    secret_key = get("OMNIDESK_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    if env == "production" and secret_key == DEVELOPMENT_SECRET_KEY:
        raise ConfigurationError(
            "OMNIDESK_SECRET_KEY is the development default; set a long random value in production "
            '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if env == "production" and len(secret_key) < 32:
        raise ConfigurationError("OMNIDESK_SECRET_KEY must be at least 32 characters in production")

    default_db = f"sqlite:///{Path.cwd() / 'omnidesk.sqlite3'}"
    database_url = get("OMNIDESK_DATABASE_URL", default_db)
    if not database_url.startswith(("sqlite", "postgresql")):
        raise ConfigurationError(
            "OMNIDESK_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, "
            f"got {database_url.split(':', 1)[0]!r}"
        )
    if database_url.startswith(("postgresql://", "postgres://")):
        # Plain postgresql:// would make SQLAlchemy look for psycopg2; we ship psycopg 3.
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]

    host = get("OMNIDESK_HOST", "127.0.0.1")
    port = _int("OMNIDESK_PORT", get("OMNIDESK_PORT", "3000"), minimum=1)
    public_url = get("OMNIDESK_PUBLIC_URL", f"http://{host}:{port}").rstrip("/")
    public_url_explicit = bool(env_vars.get("OMNIDESK_PUBLIC_URL"))

    redis_url = get("OMNIDESK_REDIS_URL", "").strip() or None
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            "OMNIDESK_REDIS_URL must be a redis://, rediss:// or unix:// URL, "
            f"got {redis_url.split(':', 1)[0]!r}"
        )

    redis_prefix = get("OMNIDESK_REDIS_PREFIX", "omnidesk")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", redis_prefix):
        raise ConfigurationError(
            f"OMNIDESK_REDIS_PREFIX must be 1-64 letters, digits, '_', '.' or '-', got {redis_prefix!r}"
        )

    log_level = get("OMNIDESK_LOG_LEVEL", "info").lower()
    if log_level not in ("critical", "error", "warning", "info", "debug"):
        raise ConfigurationError(f"OMNIDESK_LOG_LEVEL must be a log level name, got {log_level!r}")

    log_format = get("OMNIDESK_LOG_FORMAT", "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(
            f"OMNIDESK_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}"
        )
    metrics_token = get("OMNIDESK_METRICS_TOKEN", "")
    if metrics_token and len(metrics_token) < MIN_METRICS_TOKEN_LENGTH:
        raise ConfigurationError(
            f"OMNIDESK_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} characters "
            "(or unset, which turns /metrics off)"
        )

    sqlite_file = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else ""
    default_files_dir = (
        Path(sqlite_file).resolve().parent / "files"
        if sqlite_file and sqlite_file != ":memory:"
        else Path.cwd() / "files"
    )
    files_dir = Path(get("OMNIDESK_FILES_DIR", "") or default_files_dir)

    return Settings(
        env=env,
        files_dir=files_dir,
        max_upload_bytes=_int(
            "OMNIDESK_MAX_UPLOAD_BYTES", get("OMNIDESK_MAX_UPLOAD_BYTES", "104923136"), minimum=1024
        ),
        database_url=database_url,
        secret_key=secret_key,
        host=host,
        port=port,
        public_url=public_url,
        argon2_time_cost=_int("OMNIDESK_ARGON2_TIME_COST", get("OMNIDESK_ARGON2_TIME_COST", "3"), minimum=1),
        argon2_memory_kib=_int(
            "OMNIDESK_ARGON2_MEMORY_KIB", get("OMNIDESK_ARGON2_MEMORY_KIB", "65536"), minimum=32
        ),
        log_level=log_level,
        log_format=log_format,
        metrics_token=metrics_token,
        public_url_explicit=public_url_explicit,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        secret_key_fallbacks=tuple(
            key.strip() for key in get("OMNIDESK_SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
        ),
        max_body_bytes=_int(
            "OMNIDESK_MAX_BODY_BYTES", get("OMNIDESK_MAX_BODY_BYTES", "1048576"), minimum=1024
        ),
        max_public_body_bytes=_int(
            "OMNIDESK_MAX_PUBLIC_BODY_BYTES", get("OMNIDESK_MAX_PUBLIC_BODY_BYTES", "65536"), minimum=1024
        ),
    )


def listening_on(settings: Settings, *, host: str | None, port: int | None) -> Settings:
    """The settings with ``serve``'s --host/--port, which win over OMNIDESK_HOST/PORT. The public URL
    (webhook addresses, Twilio's signed URLs, printed links) follows them unless OMNIDESK_PUBLIC_URL
    names it."""
    host = host or settings.host
    port = port or settings.port
    public_url = settings.public_url if settings.public_url_explicit else f"http://{host}:{port}"
    return replace(settings, host=host, port=port, public_url=public_url)
