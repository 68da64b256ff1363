"""Password hashing, session tokens and secrets at rest."""
from datetime import timedelta

import jwt
import pytest

from woms_app.core import clock, security
from woms_app.core.config import Settings, reset_settings


def test_bcrypt_hash_verifies_and_rejects():
    h = security.hash_password("correct horse battery", rounds=4)
    assert h.startswith("$2b$04$")
    assert security.verify_password("correct horse battery", h)
    assert not security.verify_password("correct horse batterz", h)
    assert not security.verify_password("anything", None)  # unknown account burns time and fails
    assert not security.verify_password("anything", "not-a-bcrypt-hash")


def test_production_default_cost_is_at_least_12(monkeypatch):
    monkeypatch.delenv("WOMS_BCRYPT_ROUNDS", raising=False)
    assert Settings(_env_file=None).bcrypt_rounds >= 12
    reset_settings()


def test_placeholder_secret_refused_outside_demo():
    with pytest.raises(ValueError, match="placeholder"):
        Settings(_env_file=None, demo=False, secret_key="change-me-in-production")
    assert Settings(_env_file=None, demo=False, secret_key="a-real-secret-of-enough-length-0123456789",
                    credentials_key="UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8=").secure_cookies


def _token(hours=1):
    sid = security.new_session_id()
    return sid, security.sign_session_token(sid, clock.utcnow() + timedelta(hours=hours))


def test_token_roundtrip():
    sid, token = _token()
    assert security.read_session_token(token) == sid


def test_tampered_token_rejected():
    sid, token = _token()
    header, payload, sig = token.split(".")
    forged = jwt.encode({"sid": "someone-else", "aud": "woms-session", "exp": 9999999999}, "guess", algorithm="HS256")
    assert security.read_session_token(forged) is None
    assert security.read_session_token(f"{header}.{forged.split('.')[1]}.{sig}") is None
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert security.read_session_token(f"{header}.{payload}.{flipped}") is None
    assert security.read_session_token("") is None
    assert security.read_session_token("x" * 5000) is None


def test_alg_none_rejected():
    unsigned = jwt.encode({"sid": "abc", "aud": "woms-session", "exp": 9999999999}, None, algorithm="none")
    assert security.read_session_token(unsigned) is None


def test_expired_token_rejected():
    sid, token = _token(hours=1)
    clock.freeze(clock.utcnow() + timedelta(hours=2))
    try:
        assert security.read_session_token(token) is None
    finally:
        clock.freeze(None)


def test_wrong_key_rejected(monkeypatch):
    sid, token = _token()
    monkeypatch.setenv("WOMS_SECRET_KEY", "another-secret-key-0123456789")
    reset_settings()
    try:
        assert security.read_session_token(token) is None
    finally:
        monkeypatch.undo()
        reset_settings()
    assert security.read_session_token(token) == sid


def test_credentials_encrypted_at_rest():
    blob = security.encrypt_json({"app_secret": "s3cr3t-value", "password": "pw"})
    assert "s3cr3t-value" not in blob
    assert security.decrypt_json(blob) == {"app_secret": "s3cr3t-value", "password": "pw"}
    with pytest.raises(ValueError, match="cannot be decrypted"):
        security.decrypt_json(blob[:-4] + "AAAA")
