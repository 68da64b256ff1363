"""Run-time state of the emulator: tokens, request statistics, rate-limit windows, faults, injected
alerts and configuration. Telemetry values never live here (they are pure functions of the seed)."""
from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from woms_app.emulator.fleet import Fleet, build_fleet

FAULT_KINDS = (
    "token_expiry",  # every current token of the vendor becomes invalid now
    "rate_limit",  # answer with the vendor's rate-limit code
    "http_429",  # HTTP 429 Too Many Requests (Retry-After: 0.2)
    "http_500",  # HTTP 500
    "timeout",  # reply only after delay_s (slow reply)
    "malformed_json",  # HTTP 200 with a body that is not JSON
    "nan_values",  # NaN / negative values in data points
    "duplicates",  # duplicate and out-of-order points in time series
    "down",  # HTTP 503 for every request (vendor down), usually with duration_s
    "alertv2_unsupported",  # SOLARMAN alertV2 answers 2101022 (Home account)
)


@dataclass
class Fault:
    fault_id: int
    kind: str
    vendor: str  # "solarman" | "sungrow" | "*"
    remaining: int | None = None  # number of requests it applies to
    until: float | None = None  # wall-clock end
    delay_s: float = 30.0
    path: str | None = None  # substring filter on the request path

    def active(self, now: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.until is not None and now >= self.until:
            return False
        return True

    def public(self) -> dict[str, Any]:
        return {"id": self.fault_id, "kind": self.kind, "vendor": self.vendor, "remaining": self.remaining,
                "until": self.until, "delay_s": self.delay_s, "path": self.path}


@dataclass
class InjectedAlert:
    alert_id: int
    vendor: str
    plant_id: int
    name: str
    code: str
    level: int  # SOLARMAN 0..2
    sungrow_level: int  # 1..4
    description: str
    start: float
    end: float | None


@dataclass
class AccountStats:
    count: int = 0
    timestamps: deque = field(default_factory=lambda: deque(maxlen=100_000))
    in_flight: int = 0
    max_in_flight: int = 0
    rate_limited: int = 0
    logins: int = 0
    token_ok: int = 0  # calls whose token was accepted
    token_rejected: int = 0  # calls refused for an expired / revoked / missing token
    paths: dict[str, int] = field(default_factory=dict)


@dataclass
class Config:
    seed: int = 42
    plants_per_account: int | None = None
    latency_s: float = 0.0
    solarman_limit: tuple[int, float] = (300, 10.0)  # 2101002 beyond
    sungrow_limit: tuple[int, float] = (14400, 3600.0)  # E999 beyond
    sungrow_burst: tuple[int, float] | None = None  # E901 beyond (off by default)
    solarman_token_ttl_s: float = 5183999.0
    sungrow_token_ttl_s: float = 86400.0  # sliding
    # token modes for the expiry tests: a token dies after N accepted calls (None = never); a login
    # invalidates every older token of the same account (one session per account)
    solarman_token_max_calls: int | None = None
    sungrow_token_max_calls: int | None = None
    solarman_login_kills_older: bool = False
    sungrow_login_kills_older: bool = False
    solarman_frame_type: str = "both"  # "both" (1 and 5 = frame) | "v2" (only 5 = frame)
    sungrow_missing_methods: tuple[str, ...] = ()  # answer E996 "API not found" (e.g. getDeviceListByUser)
    clock_offset_s: float = 0.0
    # SOLARMAN call allowance per appId (vendor-apis.md A.9): /account/v1.0/balance answers ``total`` = calls
    # left (the balance call itself counts); once spent every call answers 2101009 (appId locked)
    solarman_allowance: int = 10_000_000


class EmulatorState:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.lock = threading.Lock()
        self.fleet: Fleet = build_fleet(self.config.seed, self.config.plants_per_account)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.tokens: dict[str, dict[str, Any]] = {}
            self.faults: list[Fault] = []
            self.stats: dict[str, AccountStats] = {}
            self.windows: dict[tuple[str, str, str], deque] = {}
            self.injected: list[InjectedAlert] = []
            self._next_id = 1
            self.started = time.time()

    def rescale(self, plants_per_account: int | None) -> None:
        self.config.plants_per_account = plants_per_account
        self.fleet = build_fleet(self.config.seed, plants_per_account)

    def now(self) -> float:
        return time.time() + self.config.clock_offset_s

    def next_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    # ------------------------------------------------------------ tokens
    def issue_token(self, vendor: str, account: str, user_id: str = "") -> str:
        if vendor == "solarman":
            tok = "eyJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(24) + "." + secrets.token_urlsafe(16)
            ttl = self.config.solarman_token_ttl_s
        else:
            tok = f"{user_id}_{secrets.token_hex(16)}"
            ttl = self.config.sungrow_token_ttl_s
        with self.lock:
            if getattr(self.config, f"{vendor}_login_kills_older"):
                for t in self.tokens.values():
                    if t["vendor"] == vendor and t["account"] == account:
                        t["expires"] = 0.0
            self.tokens[tok] = {"vendor": vendor, "account": account, "expires": time.time() + ttl, "ttl": ttl,
                                "uses": 0}
        return tok

    def check_token(self, vendor: str, token: str | None) -> str | None:
        """The account of a valid token (sliding expiry for Sungrow), else None."""
        if not token:
            return None
        with self.lock:
            t = self.tokens.get(token)
            if not t or t["vendor"] != vendor or t["expires"] <= time.time():
                return None
            max_calls = getattr(self.config, f"{vendor}_token_max_calls")
            if max_calls is not None and t["uses"] >= max_calls:
                t["expires"] = 0.0  # died after its N calls
                return None
            t["uses"] += 1
            if vendor == "sungrow":
                t["expires"] = time.time() + t["ttl"]
            return t["account"]

    def expire_tokens(self, vendor: str) -> int:
        with self.lock:
            n = 0
            for t in self.tokens.values():
                if vendor in ("*", t["vendor"]) and t["expires"] > 0:
                    t["expires"] = 0.0
                    n += 1
            return n

    # ------------------------------------------------------------ faults
    def add_fault(self, kind: str, vendor: str, count: int | None, duration_s: float | None,
                  delay_s: float | None, path: str | None) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if vendor not in ("solarman", "sungrow", "*"):
            raise ValueError("vendor must be solarman, sungrow or *")
        if kind == "token_expiry":
            self.expire_tokens(vendor)
        f = Fault(self.next_id(), kind, vendor, remaining=count,
                  until=time.time() + duration_s if duration_s else None,
                  delay_s=30.0 if delay_s is None else float(delay_s), path=path)
        if count is None and duration_s is None and kind != "token_expiry":
            f.remaining = 1
        if kind == "token_expiry":
            f.remaining = 0  # one-shot, already applied
        with self.lock:
            self.faults.append(f)
        return f

    def take_faults(self, vendor: str, path: str) -> list[Fault]:
        """Active faults matching this request (counted faults are consumed)."""
        now = time.time()
        out = []
        with self.lock:
            for f in self.faults:
                if f.vendor not in ("*", vendor) or not f.active(now):
                    continue
                if f.path and f.path not in path:
                    continue
                if f.remaining is not None:
                    f.remaining -= 1
                out.append(f)
        return out

    # ------------------------------------------------------------ stats & limits
    def record(self, vendor: str, account: str, path: str) -> AccountStats:
        key = f"{vendor}:{account}"
        with self.lock:
            st = self.stats.setdefault(key, AccountStats())
            st.count += 1
            st.timestamps.append(time.time())
            st.paths[path] = st.paths.get(path, 0) + 1
            return st

    def enter(self, st: AccountStats) -> None:
        with self.lock:
            st.in_flight += 1
            st.max_in_flight = max(st.max_in_flight, st.in_flight)

    def leave(self, st: AccountStats) -> None:
        with self.lock:
            st.in_flight -= 1

    def over_limit(self, vendor: str, account: str, name: str, limit: tuple[int, float]) -> float | None:
        """Count this request in a sliding window; seconds until a slot frees if over the limit."""
        n, window = limit
        now = time.time()
        with self.lock:
            dq = self.windows.setdefault((vendor, account, name), deque())
            while dq and dq[0] <= now - window:
                dq.popleft()
            if len(dq) >= n:
                return max(dq[0] + window - now, 0.01)
            dq.append(now)
            return None

    def calls_of(self, vendor: str, account: str, since: float | None = None) -> int:
        """Requests an account made since the last reset (or since ``since``, epoch seconds)."""
        with self.lock:
            st = self.stats.get(f"{vendor}:{account}")
            if st is None:
                return 0
            if since is None:
                return st.count
            return sum(1 for t in st.timestamps if t >= since)

    def stats_public(self, window_s: float | None = None) -> dict[str, Any]:
        with self.lock:
            out = {}
            for key, st in self.stats.items():
                ts = list(st.timestamps)
                item = {"count": st.count, "max_in_flight": st.max_in_flight, "in_flight": st.in_flight,
                        "rate_limited": st.rate_limited, "logins": st.logins,
                        "token_ok": st.token_ok, "token_rejected": st.token_rejected, "paths": dict(st.paths),
                        "timestamps": ts}
                if window_s:
                    item["max_in_window"] = max_in_window(ts, window_s)
                out[key] = item
            return {"accounts": out, "faults": [f.public() for f in self.faults], "started": self.started}


def max_in_window(timestamps: list[float], window_s: float) -> int:
    """Largest number of timestamps within any half-open window of ``window_s`` seconds."""
    ts = sorted(timestamps)
    best, j = 0, 0
    for i, t in enumerate(ts):
        while ts[j] <= t - window_s:
            j += 1
        best = max(best, i - j + 1)
    return best
