"""Settings from `GENK3600_*` environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only ever used with GENK3600_ENV=dev; production refuses it (see _refuse_placeholder_secrets).
DEV_SECRET_KEY = "genk3600-dev-only-secret-key-not-for-production"  # noqa: S105 - public on purpose
_PLACEHOLDERS = {"changeme", "change-me", "secret", "please-change", DEV_SECRET_KEY}
_REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Runtime configuration; every field maps to `GENK3600_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="GENK3600_", extra="ignore")

    env: Literal["dev", "production"] = Field(
        default="production",
        description="`dev` allows the built-in secret key, dev tokens and the printed demo API key.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of an external PostgreSQL; unset = embedded PostgreSQL in data_dir. The service "
        "connects with it: make its role the application role (owns nothing; see README: Database roles).",
    )
    migration_database_url: SecretStr | None = Field(
        default=None,
        description="URL of the role that owns the schema, for migrations (`migrate`, and the first step of `serve` "
        "and the other commands); unset = database_url.",
    )
    database_app_role: str | None = Field(
        default=None,
        description="Role granted the service's table privileges after every migration; unset = the user of "
        "database_url (genk3600_app on the embedded server).",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Keys the national-number hashes and dev tokens. Required (>= 32 chars) in production.",
    )
    data_dir: Path = Field(default=Path(".genk3600"), description="Embedded database and local state.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "Europe/Brussels"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_request_seconds: float = Field(
        default=8.0,
        gt=0,
        le=600,
        description="Bound on all of one request's database work (waiting for a connection, connecting, every "
        "statement, the commit); beyond it the request's connections are cut and it answers 503.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to /metrics; unset = /metrics answers loopback only.",
    )
    job_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long a background job holds work it claimed (webhook deliveries, outbound mail). A job "
        "that dies mid-send leaves its claim; another worker takes the work over once this time has passed.",
    )
    search_candidate_limit: int = Field(
        default=2000,
        ge=10,
        le=100_000,
        description="Full-text search first ranks the newest 100 matching tickets and 100 matching contacts among "
        "the newest 10,000 of each; when those hold fewer than 100 matches, the word indexes add at most this many "
        "more of each, so a very common word costs this much, not a scan of every match (not asked at all when "
        "every word of the query is common: README, Search).",
    )
    jwt_issuer: str = Field(default="genk3600-dev", description="Expected `iss` of staff tokens.")
    jwt_audience: str = Field(default="genk3600", description="Expected `aud` of staff tokens.")
    jwks_url: str | None = Field(
        default=None, description="JWKS of the identity provider; required for staff tokens in production."
    )
    migrations_dir: Path = Field(default=_REPO_ROOT / "migrations")
    idempotency_ttl_hours: int = Field(
        default=24, ge=1, le=24 * 30, description="How long an Idempotency-Key keeps its first response."
    )
    report_small_count_threshold: int = Field(
        default=5,
        ge=1,
        le=100,
        description="In reports, counts of social (OCMW) rows from 1 up to this number minus one are shown as "
        '"< N", so that small groups of people cannot be recognised.',
    )
    follow_up_window_hours: int = Field(
        default=72,
        ge=0,
        description="A new contact from the same citizen on the same category joins their open ticket "
        "created within this window instead of opening another (0 = never).",
    )
    reopen_window_days: int = Field(
        default=14, ge=0, description="A reply to a ticket resolved less than this long ago reopens it."
    )
    mail_recipients: str = Field(
        default="3600@genk.example",
        description="Comma-separated addresses the SMTP listener accepts mail for.",
    )
    run_jobs: bool = Field(
        default=True, description="Run background jobs (SLA sweeper) inside `serve`; false when `worker` runs them."
    )
    sla_sweep_seconds: float = Field(default=30.0, gt=0, description="How often the SLA sweeper looks.")
    assignment_seconds: float = Field(
        default=2.0, gt=0, description="How often automatic assignment offers waiting tickets and ends late offers."
    )
    presence_ttl_seconds: float = Field(
        default=90.0,
        ge=10,
        description="A console that sent no presence heartbeat for this long counts as offline.",
    )
    smtp_relay_host: str | None = Field(
        default=None, description="SMTP relay for mail to citizens (acknowledgements); unset = nothing is sent."
    )
    smtp_relay_port: int = Field(default=25, ge=1, le=65535)
    mail_from: str = Field(default="Stad Genk <3600@genk.example>", description="Sender of mail to citizens.")
    mail_domain: str = Field(default="genk3600.genk.example", description="Right-hand side of our Message-IDs.")
    mail_send_seconds: float = Field(default=10.0, gt=0, description="How often the mail sender looks.")
    mail_max_attempts: int = Field(default=8, ge=1, le=50, description="Sending attempts before giving up.")
    public_base_url: str | None = Field(
        default=None,
        description="Where citizens reach the public status page (links in mail); unset = where `serve` listens "
        "(see public_url).",
    )
    public_show_staff_names: bool = Field(default=False, description="Name the handling staff member publicly.")
    webhook_max_attempts: int = Field(default=8, ge=1, le=50, description="Attempts before a delivery is dead.")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="Per webhook request.")
    webhook_first_retry_seconds: float = Field(default=30.0, gt=0)
    webhook_max_retry_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_disable_after_dead: int = Field(
        default=5, ge=1, description="Dead deliveries in a row after which a subscription is disabled."
    )
    webhook_concurrency: int = Field(default=8, ge=1, le=100, description="Parallel requests per worker.")
    webhook_send_seconds: float = Field(default=2.0, gt=0, description="How often the delivery job looks.")
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback, link-local and private addresses (or names resolving "
        "there). Off: such subscriptions are refused (422) and such deliveries fail.",
    )
    callback_due_minutes: int = Field(
        default=420,
        ge=1,
        le=60 * 24 * 30,
        description="A call-back is due this many business minutes after it was asked (or after the start of the "
        "citizen's window), on the calendar of the unit that calls back; 420 is one working day in Genk.",
    )
    citizen_unmerge_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="A merge of two citizen records can be undone for this many days after it (judged on the "
        "service's clock); later, un-merging answers 409 and the records stay merged.",
    )
    callback_max_attempts: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Attempts without reaching the citizen after which a call-back closes as failed: the ticket is "
        "flagged and the citizen gets a mail (or, without e-mail but with a postal address, a letter).",
    )
    appointment_reminder_hour: int = Field(
        default=10,
        ge=0,
        le=23,
        description="The reminder of an appointment is mailed the day before, from this hour (local time); an "
        "appointment booked after that moment gets no reminder (its confirmation has just gone out).",
    )
    appointment_reminder_seconds: float = Field(
        default=60.0, gt=0, description="How often the appointment reminder job looks."
    )
    break_glass_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="How long a supervisor's break-the-glass access lasts."
    )
    retention_seconds: float = Field(default=3600.0, gt=0, description="How often the retention job looks.")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, description="Largest mail accepted.")
    max_attachment_bytes: int = Field(
        default=10 * 1024 * 1024, ge=0, description="Attachments above this keep metadata, not content."
    )
    max_request_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body accepted by the API (413 beyond); raw mail has max_message_bytes instead.",
    )
    api_key_requests_per_minute: int = Field(
        default=1200,
        ge=0,
        description="Requests one API key may make per minute, counted in PostgreSQL across replicas (0 = no limit).",
    )
    public_lookups_per_address: int = Field(
        default=30, ge=1, description="Public status lookups per client address per minute (429 beyond)."
    )
    public_lookups_per_reference: int = Field(
        default=20, ge=1, description="Public status lookups of one reference per minute, from anywhere (429 beyond)."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env == "dev":
            if self.secret_key is None:
                self.secret_key = SecretStr(DEV_SECRET_KEY)
            return self
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(key) < 32 or key.lower() in _PLACEHOLDERS:
            raise ValueError(
                "GENK3600_SECRET_KEY must be set to a random value of at least 32 characters in production "
                f"(for example {secrets.token_urlsafe(32)!r}), or set GENK3600_ENV=dev for local development"
            )
        return self

    @property
    def dev_mode(self) -> bool:
        return self.env == "dev"

    @property
    def secret(self) -> bytes:
        if self.secret_key is None:  # _refuse_placeholder_secrets makes this unreachable
            raise RuntimeError("no secret key configured")
        return self.secret_key.get_secret_value().encode()

    @property
    def public_url(self) -> str:
        """Base of the links citizens get: GENK3600_PUBLIC_BASE_URL, else the address `serve` listens on, so that
        choosing another port does not leave the links in mail pointing at the old one."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host  # noqa: S104 - compared, not bound
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def mail_addresses(self) -> tuple[str, ...]:
        return tuple(address.strip().lower() for address in self.mail_recipients.split(",") if address.strip())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()
