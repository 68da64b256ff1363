"""Sungrow iSolarCloud OpenAPI (family 1: appkey + user login) adapter (vendor-apis.md Part B).

``parsers`` holds the pure ``parse_*`` functions (body → normalized records, tested against recorded bodies in
tests/data/sungrow/), ``envelope`` the ``result_code`` check and its error codes, ``adapter`` the class that
only orchestrates calls.

Quirks handled: HTTP 200 with ``result_code != "1"`` for errors; a failed login still says
``result_code "1"`` and is visible only through ``login_state`` / a missing token; numbers are strings
(``"--"`` = no data); ``{unit, value}`` objects auto-scaled in W/kW/MW, Wh/kWh/MWh, 度/万度;
``design_capacity`` in Wp; ``ps_current_time_zone`` is ``"GMT+x"``; minute data only in ≤ 3 h windows
of plant-local ``yyyyMMddHHmmss``; fault window format ``yyyy-MM-dd HH:mm:ss`` or ``yyyyMMddHHmm``;
closed-fault queries may not cross a month boundary; token expiry E00003 (re-login once, retry once);
rate limits E901/E999/E998.
"""
