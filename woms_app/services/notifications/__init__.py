"""Notifications (issue 17): per-user preferences, the organizations' webhooks, the outbox and its delivery.

* ``prefs`` — which events each account wants on which channel (defaults in code, a row only when changed);
* ``webhooks`` — the organization's endpoints (secret shown once, Fernet at rest) and their delivery log;
* ``outbox`` — ``enqueue``: the one entry point, writing rows in the caller's transaction;
* ``signing`` — the webhook signature (the recipe docs/WEBHOOKS.md documents);
* ``mail`` — the digest e-mail and its SMTP send (standard library);
* ``deliver`` — the job: claim due rows with a lease, send, mark sent or back off (24 h, then dead);
* ``events`` — the hooks other services call (new vendor alerts).
"""
