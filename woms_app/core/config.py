"""Configuration: the only module that reads the environment.

Every variable is listed in ``.env.example`` with its default.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"

PLACEHOLDER_SECRET = "change-me-in-production"


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
    # Fernet key (urlsafe base64, 32 bytes) for vendor credentials at rest; derived from
    # the secret key when empty.
    credentials_key: SecretStr = SecretStr("")
    # public origin(s) of the app, comma separated (CORS + websocket Origin check)
    public_origin: str = "http://localhost:3000"
    host: str = "127.0.0.1"
    port: int = 3000
    cookie_secure: bool | None = None  # default: on outside demo mode
    session_ttl_hours: int = 12
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

    @model_validator(mode="after")
    def _check_secret(self) -> "Settings":
        if not self.demo and self.secret_key.get_secret_value() == PLACEHOLDER_SECRET:
            raise ValueError(
                "WOMS_SECRET_KEY is the placeholder: set a real secret outside demo mode"
            )
        if len(self.secret_key.get_secret_value()) < 16:
            raise ValueError("WOMS_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def secure_cookies(self) -> bool:
        return (not self.demo) if self.cookie_secure is None else self.cookie_secure

    @property
    def private_vendor_urls_allowed(self) -> bool:
        return self.demo if self.allow_private_vendor_urls is None else self.allow_private_vendor_urls

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.public_origin.split(",") if o.strip()]

    @property
    def emulator_url(self) -> str:
        return f"http://{self.emulator_host}:{self.emulator_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
