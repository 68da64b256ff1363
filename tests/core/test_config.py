"""Startup refuses weak secrets outside demo mode, with an error that says what to set (core/config.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from woms_app.core import security
from woms_app.core.config import ConfigError, Settings, get_settings, reset_settings

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8="
STRONG = "s" * 32


def _prod(**kw) -> Settings:
    return Settings(_env_file=None, demo=False, **kw)


def test_credentials_key_is_required_outside_demo_mode():
    with pytest.raises(ValueError, match="WOMS_CREDENTIALS_KEY is required outside demo mode"):
        _prod(secret_key=STRONG)
    assert _prod(secret_key=STRONG, credentials_key=FERNET_KEY).credentials_key.get_secret_value() == FERNET_KEY


def test_credentials_key_must_be_a_fernet_key():
    for bad in ("not-a-key", "A" * 43, FERNET_KEY[:-4]):
        with pytest.raises(ValueError, match="WOMS_CREDENTIALS_KEY is not a Fernet key"):
            _prod(secret_key=STRONG, credentials_key=bad)


@pytest.mark.parametrize("secret,ok", [("s" * 31, False), ("é" * 16, True), (STRONG, True), ("s" * 16, False)])
def test_secret_key_is_at_least_32_bytes_outside_demo_mode(secret, ok):
    if ok:
        assert _prod(secret_key=secret, credentials_key=FERNET_KEY)
    else:
        with pytest.raises(ValueError, match="WOMS_SECRET_KEY must be at least 32 bytes"):
            _prod(secret_key=secret, credentials_key=FERNET_KEY)
    # demo mode keeps its looser rule (16 characters, derived credentials key)
    assert Settings(_env_file=None, demo=True, secret_key="s" * 16)


def test_no_derived_credentials_key_outside_demo_mode(monkeypatch):
    """Outside demo mode the Fernet key is the configured one, never a hash of the session key."""
    monkeypatch.setenv("WOMS_DEMO", "false")
    monkeypatch.setenv("WOMS_SECRET_KEY", STRONG)
    monkeypatch.setenv("WOMS_CREDENTIALS_KEY", FERNET_KEY)
    reset_settings()
    try:
        from cryptography.fernet import Fernet

        token = security.encrypt_json({"secret": "x"})
        assert Fernet(FERNET_KEY).decrypt(token.encode()) == b'{"secret": "x"}'
        monkeypatch.delenv("WOMS_CREDENTIALS_KEY")
        reset_settings()
        with pytest.raises(ConfigError, match="WOMS_CREDENTIALS_KEY is required"):
            get_settings()
    finally:
        monkeypatch.undo()
        reset_settings()


def test_startup_error_names_every_variable_to_set(tmp_path):
    """The command line (and the app's rxconfig) stop with one readable message, not a validation traceback."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WOMS_DEMO": "false", "WOMS_SECRET_KEY": "short-secret-of-17",
           "WOMS_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "WOMS_TELEMETRY_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    r = subprocess.run([sys.executable, "-m", "woms_app", "migrate"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert "WOMS cannot start with this configuration" in r.stderr
    assert "WOMS_SECRET_KEY must be at least 32 bytes outside demo mode" in r.stderr
    assert "WOMS_CREDENTIALS_KEY is required outside demo mode" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-c", "import rxconfig"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0 and "WOMS_CREDENTIALS_KEY is required outside demo mode" in r.stderr
