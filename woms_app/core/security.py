"""Passwords (bcrypt), session tokens (PyJWT HS256) and secrets at rest (Fernet)."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import bcrypt
import jwt
from cryptography.fernet import Fernet, InvalidToken

from woms_app.core.clock import utcnow
from woms_app.core.config import get_settings

TOKEN_AUDIENCE = "woms-session"
TOKEN_ALGORITHM = "HS256"
# The HttpOnly session cookie: set by POST /api/login, read by the REST dependencies and the Reflex socket
COOKIE_NAME = "woms_session"

# A fixed hash to verify against when the email is unknown, so that an unknown email
# and a wrong password cost the same time.
_DUMMY_HASH: bytes | None = None


# ---------------------------------------------------------------- passwords
def hash_password(password: str, rounds: int | None = None) -> str:
    if not password:
        raise ValueError("empty password")
    rounds = rounds or get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-work check; ``password_hash=None`` burns the same time and fails."""
    global _DUMMY_HASH
    if password_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = bcrypt.hashpw(b"dummy-password", bcrypt.gensalt(get_settings().bcrypt_rounds))
        bcrypt.checkpw(password.encode("utf-8")[:72], _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8")[:72], password_hash.encode("ascii"))
    except ValueError:
        return False


# ---------------------------------------------------------------- session tokens
def new_session_id() -> str:
    """A random session id (only its SHA-256 is stored)."""
    return secrets.token_urlsafe(32)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def sign_session_token(session_id: str, expires_at: datetime) -> str:
    key = get_settings().secret_key.get_secret_value()
    payload = {
        "sid": session_id,
        "aud": TOKEN_AUDIENCE,
        "iat": int(utcnow().timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(payload, key, algorithm=TOKEN_ALGORITHM)


def read_session_token(token: str) -> str | None:
    """The session id named by a valid, unexpired token; ``None`` for anything else."""
    if not token or len(token) > 2048:
        return None
    key = get_settings().secret_key.get_secret_value()
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            # expiry is checked below against the application clock (the one "now")
            options={"require": ["exp", "sid", "aud"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    if not isinstance(payload.get("exp"), int) or payload["exp"] <= int(utcnow().timestamp()):
        return None
    sid = payload.get("sid")
    return sid if isinstance(sid, str) and sid else None


def session_expiry() -> datetime:
    return utcnow() + timedelta(hours=get_settings().session_ttl_hours)


# ---------------------------------------------------------------- secrets at rest
def _fernet() -> Fernet:
    settings = get_settings()
    key = settings.credentials_key.get_secret_value()
    if not key:
        if not settings.demo:  # refused at startup already (core/config); never derive outside demo mode
            raise RuntimeError("WOMS_CREDENTIALS_KEY is required outside demo mode")
        digest = hashlib.sha256(
            b"woms-credentials:" + settings.secret_key.get_secret_value().encode("utf-8")
        ).digest()
        key = base64.urlsafe_b64encode(digest).decode("ascii")
    return Fernet(key)


def encrypt_json(data: dict[str, Any]) -> str:
    """Encrypt a JSON-able mapping (vendor credentials) for storage."""
    return _fernet().encrypt(json.dumps(data, sort_keys=True).encode("utf-8")).decode("ascii")


def decrypt_json(token: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(_fernet().decrypt(token.encode("ascii")))
        return data
    except (InvalidToken, ValueError) as exc:
        raise ValueError("stored credentials cannot be decrypted with the configured key") from exc


def redact(value: Any, keep: int = 0) -> str:
    """A printable stand-in for a secret."""
    s = str(value or "")
    if not s:
        return ""
    return (s[:keep] + "…") if keep and len(s) > keep * 3 else "***"
