"""Configuration: the only module that reads the environment.

Every variable is listed in ``.env.example`` with its default.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"

PLACEHOLDER_SECRET = "change-me-in-production"
MIN_SECRET_BYTES = 32  # outside demo mode (HS256 key of the session tokens)
GENERATE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
GENERATE_FERNET = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class ConfigError(RuntimeError):
    """The environment does not configure WOMS well enough to start; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WOMS_", env_file=PROJECT_ROOT / ".env", extra="ignore"
    )

    # demo mode: demo seed, demo vendors on the emulator, relaxed cookie Secure default
    demo: bool = True
    database_url: str = f"sqlite:///{DATA_DIR / 'woms.db'}"
    telemetry_database_url: str = f"sqlite:///{DATA_DIR / 'woms_telemetry.db'}"
    # Migrations run as the owner of the schema; the app itself connects as a role that owns nothing
    # (PostgreSQL row-level security). Empty: the same URLs as the app.
    migration_database_url: str = ""
    migration_telemetry_database_url: str = ""
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    # Fernet key (urlsafe base64, 32 bytes) for vendor credentials at rest. Required outside demo mode; in demo
    # mode an empty key is derived from the secret key.
    credentials_key: SecretStr = SecretStr("")
    # public origin(s) of the app, comma separated (CORS + websocket Origin check)
    public_origin: str = "http://localhost:3000"
    host: str = "127.0.0.1"
    port: int = 3000
    cookie_secure: bool | None = None  # default: on outside demo mode
    session_ttl_hours: int = 12
    # Addresses / CIDRs of reverse proxies in front of WOMS, comma separated. Only a request whose peer is one of
    # them has its client address taken from X-Forwarded-For (login throttling). Empty: the header is ignored.
    trusted_proxies: str = ""
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 20
    login_window_minutes: int = 15
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    emulator_host: str = "127.0.0.1"
    emulator_port: int = 8090
    emulator_seed: int = 42
    # vendor base URLs on private/loopback networks (the local emulator); default: allowed only in demo mode
    allow_private_vendor_urls: bool | None = None
    scheduler_enabled: bool = True
    # How often each backend worker checks the scheduler leadership (and the leader reconciles its jobs).
    # A crashed leader is replaced within one heartbeat on PostgreSQL, within four (lock expiry) otherwise;
    # keep it below the shortest job interval (vendor alerts: 30 s at least).
    scheduler_heartbeat_s: float = Field(default=5.0, gt=0, le=30)
    redis_url: str = ""
    log_level: str = "INFO"
    # typical ambient air temperature [°C] assumed for the PR of a plant-day without any temperature reading
    # (stated in each such day's method string)
    kpi_fallback_ambient_c: float = Field(default=20.0, ge=-40.0, le=50.0)
    # where work-order attachments (photos, PDFs) and their thumbnails are stored (core/storage.py: local disk);
    # a relative path is taken from the project folder
    attachments_dir: Path = DATA_DIR / "attachments"
    # the largest attachment accepted, in MB (refused with 413 while the upload is read, never read whole)
    attachment_max_mb: float = Field(default=10.0, gt=0, le=1024)
    # E-mail notifications over SMTP. No host: e-mails wait in the outbox (last error "SMTP not configured").
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "WOMS <woms@localhost>"
    smtp_starttls: bool = True  # STARTTLS before login (port 587); off for a local relay without TLS

    @model_validator(mode="after")
    def _check_secrets(self) -> Settings:
        problems = []
        secret = self.secret_key.get_secret_value()
        if not self.demo and secret == PLACEHOLDER_SECRET:
            problems.append(f"WOMS_SECRET_KEY is the placeholder: set a real secret outside demo mode "
                            f"(at least {MIN_SECRET_BYTES} bytes; generate one: {GENERATE_SECRET})")
        elif not self.demo and len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            problems.append(f"WOMS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes outside demo mode "
                            f"(it is {len(secret.encode('utf-8'))}; generate one: {GENERATE_SECRET})")
        elif len(secret) < 16:
            problems.append("WOMS_SECRET_KEY must be at least 16 characters")
        key = self.credentials_key.get_secret_value()
        if not key and not self.demo:
            problems.append("WOMS_CREDENTIALS_KEY is required outside demo mode (it encrypts vendor credentials "
                            f"at rest and is never derived from the session key); generate one: {GENERATE_FERNET}")
        elif key and not _is_fernet_key(key):
            problems.append("WOMS_CREDENTIALS_KEY is not a Fernet key (32 bytes, url-safe base64); "
                            f"generate one: {GENERATE_FERNET}")
        for entry in self.trusted_proxies.split(","):
            try:
                if entry.strip():
                    ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                problems.append(f"WOMS_TRUSTED_PROXIES: {entry.strip()!r} is not an IP address or CIDR network")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(e.strip(), strict=False) for e in self.trusted_proxies.split(",") if e.strip()]

    @property
    def secure_cookies(self) -> bool:
        return (not self.demo) if self.cookie_secure is None else self.cookie_secure

    @property
    def private_vendor_urls_allowed(self) -> bool:
        return self.demo if self.allow_private_vendor_urls is None else self.allow_private_vendor_urls

    @property
    def configured_origins(self) -> list[str]:
        """WOMS_PUBLIC_ORIGIN, a comma-separated list: the addresses users open (the first is shown to them)."""
        return [o.strip().rstrip("/") for o in self.public_origin.split(",") if o.strip()]

    @property
    def origins(self) -> list[str]:
        """Every origin the app accepts (CORS, the websocket's Origin check, the API's write guard): the configured
        ones, plus in demo mode the three spellings of loopback on the served port (Reflex prints 127.0.0.1,
        the docs say localhost, and IPv6 browsers may use [::1])."""
        out = self.configured_origins
        if self.demo:
            out += [f"http://{h}:{self.port}" for h in ("localhost", "127.0.0.1", "[::1]")]
        return list(dict.fromkeys(out))

    @property
    def attachments_path(self) -> Path:
        """WOMS_ATTACHMENTS_DIR as an absolute folder (relative to the project folder)."""
        path = self.attachments_dir.expanduser()
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.attachment_max_mb * 1024 * 1024)

    @property
    def emulator_url(self) -> str:
        return f"http://{self.emulator_host}:{self.emulator_port}"


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings; an environment WOMS cannot start with raises :class:`ConfigError` naming what to set."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            loc = ".".join(str(p) for p in err.get("loc", ()))
            if loc:  # a value of the wrong type
                lines.append(f"  - WOMS_{loc.upper()}: {msg}")
            else:  # the checks above, one line each
                lines.extend(f"  - {m}" for m in msg.split("\n"))
        raise ConfigError("WOMS cannot start with this configuration:\n" + "\n".join(lines)) from None


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
