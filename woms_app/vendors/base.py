"""The adapter contract and the normalized records every adapter returns.

Vendor JSON never leaves ``woms_app.vendors``: adapters return only the dataclasses below, with
units converted once (kW, kWp, V, A, °C, W/m²) and every instant an aware UTC datetime.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, TypeVar

import httpx

from woms_app.vendors.errors import (
    VendorAuthError,
    VendorError,
    VendorRateLimited,
    VendorTokenExpired,
)
from woms_app.vendors.http import call_with_policy
from woms_app.vendors.limiter import Budget, RequestLimiter, shared_limiter
from woms_app.vendors.netguard import vendor_client
from woms_app.vendors.tokens import TokenKeeper, cache_token, cached_token

log = logging.getLogger("woms.vendors")
T = TypeVar("T")

SEVERITIES = ("critical", "major", "minor", "info")
STATUSES = ("ACTIVE", "RESOLVED")


DEVICE_KINDS = ("inverter", "logger", "weather", "meter", "other")
DEVICE_STATUSES = ("online", "alarm", "fault", "offline", "unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalizedDevice:
    """One device of a plant as its vendor lists it (inverter, logger, weather station, ...)."""

    sn: str
    kind: str  # one of DEVICE_KINDS
    name: str = ""
    status: str = "unknown"  # one of DEVICE_STATUSES
    last_data_at: datetime | None = None  # aware UTC: the vendor's "last data" time, when it gives one


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalizedPlant:
    external_id: str
    name: str
    capacity_kw: float | None = None  # DC nameplate, kWp
    latitude: float | None = None
    longitude: float | None = None
    altitude_m: float | None = None
    tilt_deg: float | None = None
    azimuth_deg: float | None = None  # pvlib convention: 180 = south
    timezone: str = "UTC"  # IANA
    has_irradiance_sensor: bool = False
    address: str | None = None
    devices: tuple[NormalizedDevice, ...] = ()  # empty when the adapter did not list them
    timezone_error: str | None = None  # the vendor's zone could not be understood (timezone is then a placeholder)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """One instant of plant telemetry. ``None`` = the vendor has no value (no sensor, gap)."""

    ts: datetime  # aware UTC
    generation_power_kw: float | None = None  # plant AC output
    voltage_v: float | None = None  # mean AC phase-A voltage across inverters
    current_a: float | None = None  # total AC phase-A current across inverters
    temperature_c: float | None = None  # module temperature (sensor); None without one
    irradiance_w_m2: float | None = None  # plane-of-array / sensor irradiance; None without a sensor
    ambient_temperature_c: float | None = None
    inverter_temperature_c: float | None = None  # heatsink: never use for PR temperature correction


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalizedAlert:
    external_id: str
    plant_external_id: str
    title: str
    message: str = ""
    vendor_code: str = ""
    severity: str = "minor"  # critical | major | minor | info
    category: str = ""
    status: str = "ACTIVE"  # ACTIVE | RESOLVED
    started_at: datetime | None = None  # aware UTC
    resolved_at: datetime | None = None  # aware UTC
    device_sn: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionResult:
    ok: bool
    reason: str
    plant_count: int | None = None
    error: str | None = None  # error class name when not ok

    def __bool__(self) -> bool:
        return self.ok


class PlantRef(Protocol):
    """Anything with ``external_id`` and ``timezone`` (a NormalizedPlant or a woms Plant row)."""

    external_id: str
    timezone: str


@dataclass(frozen=True, slots=True)
class VendorTypeInfo:
    """What the UI needs to render a vendor form."""

    vendor_type: str
    label: str
    credential_fields: tuple[str, ...]
    secret_fields: tuple[str, ...]
    optional_credential_fields: tuple[str, ...]
    default_budget: Budget
    default_base_url: str


class BaseVendorAdapter(ABC):
    """Abstract async adapter. One instance per vendor account; share one ``httpx.AsyncClient``.

    Subclasses set the class attributes and implement the login call (``_login``) and the four data methods;
    the token plumbing is here, written once (``tokens.TokenKeeper``). All network goes through
    ``woms_app.vendors.http`` (timeouts, limiter, error translation).
    """

    vendor_type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[str, ...]] = ()
    optional_credential_fields: ClassVar[tuple[str, ...]] = ()
    secret_fields: ClassVar[tuple[str, ...]] = ()
    default_base_url: ClassVar[str] = ""
    default_budget: ClassVar[Budget] = Budget(10, 1.0, 4)
    # seconds of the vendor limit behind each rate-limit code: a back-off lasts at least one of them
    rate_windows: ClassVar[Mapping[str, float]] = {}
    # keep the account's token across adapters (runs) in ``tokens``' cache: for tokens that live for weeks
    reuse_tokens: ClassVar[bool] = False

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, Any],
        *,
        client: httpx.AsyncClient | None = None,
        budget: Budget | None = None,
        timeout_s: float = 20.0,
        limiter: RequestLimiter | None = None,
        max_rate_limit_wait_s: float = 120.0,
        rate_limit_retries: int | None = None,
        rate_limit_windows: Mapping[str, float] | None = None,
    ) -> None:
        missing = [f for f in self.credential_fields if not str(credentials.get(f) or "").strip()]
        if missing:
            raise VendorAuthError(
                f"missing credential field(s): {', '.join(missing)}", vendor=self.vendor_type
            )
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._credentials = dict(credentials)
        self._own_client = client is None
        self._client = client or vendor_client(timeout_s)  # resolved address checked per connection (SSRF)
        self.timeout_s = timeout_s
        self.budget = budget or self.default_budget
        self.limiter = limiter or shared_limiter(
            (self.vendor_type, self.base_url, self.account_identity()), self.budget
        )
        self.max_rate_limit_wait_s = max_rate_limit_wait_s
        self.rate_limit_retries = rate_limit_retries
        self.rate_limit_windows = {**self.rate_windows, **(rate_limit_windows or {})}
        self.tokens = TokenKeeper(self.vendor_type)

    # ---------------------------------------------------------------- identity & redaction
    def account_identity(self) -> str:
        """Non-secret identity of the account (user/app id) used to key the shared limiter."""
        return ""

    def secrets(self) -> list[str]:
        """Every secret string this adapter holds (for log/exception scrubbing), the session token included."""
        out = [str(self._credentials[f]) for f in self.secret_fields if self._credentials.get(f)]
        if self._token:
            out.append(self._token)
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url} account={self.account_identity()!r} credentials=***>"

    __str__ = __repr__

    @property
    def _token(self) -> str | None:
        return self.tokens.token

    @_token.setter
    def _token(self, value: str | None) -> None:  # tests drop the token to force a login
        self.tokens.token = value

    # ---------------------------------------------------------------- lifecycle
    def rate_window_s(self, exc: VendorRateLimited) -> float:
        """The window of the vendor limit a rate-limit answer refers to (0 when unknown)."""
        return float(self.rate_limit_windows.get(str(exc.code or ""), 0.0))

    async def _with_policy(self, op: Callable[[], Awaitable[T]], *, what: str,
                           reauthenticate: Callable[[], Awaitable[Any]]) -> T:
        """Run one logical call under the house retry policy with this adapter's rate-limit settings."""
        return await call_with_policy(op, reauthenticate=reauthenticate, vendor=self.vendor_type, what=what,
                                      max_rate_limit_wait_s=self.max_rate_limit_wait_s,
                                      rate_limit_retries=self.rate_limit_retries,
                                      rate_window_s=self.rate_window_s, on_rate_limited=self.limiter.hold)

    # ---------------------------------------------------------------- session token
    def refresh_margin(self, lifetime_s: float) -> timedelta | None:
        """The adapter's expiry rule: a token with at most this much of its lifetime left is replaced before
        the next call. None (the default): a token is used until the vendor refuses it."""
        return None

    def _token_cache_key(self) -> tuple[str, str, str]:
        return (self.vendor_type, self.base_url, self.account_identity())

    async def authenticate(self) -> None:
        """Log in (or re-login) and keep the session token. Raises VendorAuthError on bad credentials."""
        token, lifetime_s = await self._login()
        self.tokens.set(token, lifetime_s)
        if self.reuse_tokens and (cached := self.tokens.cached()) is not None:
            cache_token(self._token_cache_key(), cached)
        logging.getLogger(f"woms.vendors.{self.vendor_type}").info(
            "%s: authenticated account %s", self.vendor_type, self.account_identity())

    async def _ensure_token(self) -> None:
        """Before a call: log in when there is no token, or early when the expiry rule says so, or wait for the
        login that replaces a token the vendor already refused (single flight), instead of sending it. With
        ``reuse_tokens`` a token of an earlier run of the same account is taken up first, so a planned tick
        costs no login."""
        if self.reuse_tokens and self._token is None and (cached := cached_token(self._token_cache_key())) is not None:
            self.tokens.set(cached.token, cached.lifetime_s, expires_at=cached.expires_at)
        if self.tokens.expiring(self.refresh_margin):
            await self.tokens.refresh(self.tokens.generation, self.authenticate)
            return
        if self.tokens.current_is_dead:
            await self.tokens.refresh(self.tokens.generation, self.authenticate)

    async def _call_authed(self, send: Callable[[Callable[[], str | None]], Awaitable[T]], *, what: str) -> T:
        """One logical authenticated call. ``send(token_now)`` makes one request and calls ``token_now()``
        inside its budget slot (``request_json(prepare=...)``) for the token current at send time."""
        sent = {"generation": -1}

        async def op() -> T:
            await self._ensure_token()

            def token_now() -> str | None:
                token, sent["generation"] = self.tokens.current()
                if self.tokens.current_is_dead:  # refused meanwhile: do not spend a request on it
                    raise VendorTokenExpired("session token already refused; waiting for the new one",
                                             vendor=self.vendor_type)
                return token

            out = await send(token_now)
            self.tokens.succeeded(sent["generation"])
            return out

        async def reauth() -> None:
            self.tokens.rejected(sent["generation"])
            await self.tokens.refresh(sent["generation"], self.authenticate)

        return await self._with_policy(op, what=what, reauthenticate=reauth)

    async def _login_with_policy(self, op: Callable[[], Awaitable[T]]) -> T:
        """The login call: same policy, but a rejected login never re-authenticates, and says it was the login."""
        async def no_reauth() -> None:
            raise VendorAuthError("login rejected", vendor=self.vendor_type)

        try:
            return await self._with_policy(op, what="login", reauthenticate=no_reauth)
        except VendorAuthError as exc:
            raise VendorAuthError(f"login failed: {exc.message}", vendor=self.vendor_type, code=exc.code) from exc

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def __aenter__(self) -> BaseVendorAdapter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---------------------------------------------------------------- contract
    @abstractmethod
    async def _login(self) -> tuple[str, float | None]:
        """The login call (through ``_login_with_policy``): the session token and its lifetime in seconds (None
        when the vendor gives none). Raises VendorAuthError on bad credentials."""

    @abstractmethod
    async def list_plants(self) -> list[NormalizedPlant]:
        """Every plant the account can see."""

    @abstractmethod
    async def get_telemetry(self, plant: PlantRef, start: datetime, end: datetime) -> list[Reading]:
        """Readings of one plant with ``start <= ts <= end`` (aware UTC), sorted, one per instant."""

    @abstractmethod
    async def get_alerts(self, plants: Sequence[PlantRef], since: datetime) -> list[NormalizedAlert]:
        """Alerts of the given plants that started, were active or were resolved since ``since``."""

    async def test_connection(self) -> ConnectionResult:
        """Log in and list plants. Never raises for vendor problems; returns ok + a human reason."""
        try:
            await self.authenticate()
            n = await self.count_plants()
        except VendorAuthError as exc:
            return ConnectionResult(False, f"Credentials rejected: {exc.message}", error=type(exc).__name__)
        except VendorError as exc:
            return ConnectionResult(False, f"Vendor not reachable or failing: {exc.message}", error=type(exc).__name__)
        return ConnectionResult(True, f"Connected; {n} plant{'s' if n != 1 else ''} visible", plant_count=n)

    async def count_plants(self) -> int:
        """Number of visible plants, as cheaply as the vendor allows (used by test_connection)."""
        return len(await self.list_plants())


def plant_ids(plants: Iterable[PlantRef]) -> list[str]:
    return [str(p.external_id) for p in plants]
