"""python -m woms_app: create-admin (password prompted, never echoed or logged) and seed-demo."""
import logging

from sqlmodel import select

from woms_app.__main__ import main
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Account, Organization, Vendor


def test_create_admin_prompts_and_never_prints_the_password(db, monkeypatch, capsys, caplog):
    secret = "a-very-secret-passw0rd"
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or secret)
    caplog.set_level(logging.DEBUG)
    assert main(["create-admin", "--email", "Root@Example.org", "--name", "Root"]) == 0
    out = capsys.readouterr()
    assert "root@example.org" in out.out
    assert secret not in out.out + out.err + caplog.text
    assert prompts == ["Password: ", "Repeat password: "]
    with main_session(SYSTEM_CONTEXT) as s:
        acc = s.exec(select(Account).where(Account.email == "root@example.org")).one()
        assert acc.account_type == "SUPERADMIN" and acc.password_hash.startswith("$2b$")
        assert secret not in acc.password_hash


def test_create_admin_refuses_mismatch_short_password_and_duplicates(db, monkeypatch, capsys):
    answers = iter(["first-password-1", "second-password-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["create-admin", "--email", "a@example.org"]) == 2
    assert "do not match" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "short")
    assert main(["create-admin", "--email", "a@example.org"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "long-enough-password")
    assert main(["create-admin", "--email", "a@example.org"]) == 0
    assert main(["create-admin", "--email", "A@EXAMPLE.ORG"]) == 2
    assert "already exists" in capsys.readouterr().err
    with main_session(SYSTEM_CONTEXT) as s:
        assert len(s.exec(select(Account)).all()) == 1


def test_seed_demo_is_idempotent(db, capsys):
    assert main(["seed-demo"]) == 0
    assert main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    assert "0 organizations created, 0 accounts created, 0 vendors created" in out
    assert "Demo history: 10 plants, 350 energy days and 350 KPI days written, 1 work orders created" in out
    assert "Demo work orders: 12 created" in out  # six per organization (services/demo_work_orders.py)
    assert "Demo history: 10 plants, 0 energy days and 0 KPI days written, 0 work orders created\n" \
           "Demo work orders: 0 created" in out
    with main_session(SYSTEM_CONTEXT) as s:
        assert len(s.exec(select(Organization)).all()) == 2
        assert len(s.exec(select(Account)).all()) == 8  # admin, govt, a manager and two technicians per organization
        vendors = s.exec(select(Vendor)).all()
        assert len(vendors) == 2 and all(v.credentials_encrypted for v in vendors)


def test_seed_demo_refused_outside_demo_mode(db, monkeypatch, capsys):
    from woms_app.core.config import reset_settings

    monkeypatch.setenv("WOMS_DEMO", "false")
    monkeypatch.setenv("WOMS_CREDENTIALS_KEY", "UlW8vWnVVk3-0Vvs-pgXPEfd61yLiJPU6VrtsX9DMR8=")
    reset_settings()
    try:
        assert main(["seed-demo"]) == 2
        assert "only in demo mode" in capsys.readouterr().err
    finally:
        monkeypatch.undo()
        reset_settings()
