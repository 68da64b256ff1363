"""SOLARMAN OpenAPI adapter (vendor-apis.md Part A).

``parsers`` holds the pure ``parse_*`` functions (body → normalized records, tested against recorded bodies in
tests/data/solarman/), ``envelope`` the ``success``/``code`` check and its error codes, ``adapter`` the class that
only orchestrates calls.

Quirks handled: every call is POST; errors arrive with HTTP 200 and ``success:false``; numbers may be
numeric strings; token expiry is 2101019/2101017 (re-login once, retry once); rate limit 2101002;
device history frames are timeType 1 (v1.x) or 5 (V2 docs) — we try 1 then fall back to 5; frame
``collectTime`` is epoch seconds as a string or a local ``yyyy-MM-dd HH:mm:ss``; history dates are
plant-local calendar days; alertV2 may be refused for Home accounts (fallback to ``/station/v1.0/alert``).
"""
