"""The emulator ASGI app: SOLARMAN under ``/solarman``, Sungrow under ``/sungrow``, admin under ``/_admin``.

Admin endpoints (JSON):
* ``POST /_admin/faults`` ``{kind, vendor, count?, duration_s?, delay_s?, path?}`` → the fault
  (kinds: token_expiry, rate_limit, http_429, http_500, timeout, malformed_json, nan_values, duplicates, down,
  alertv2_unsupported); ``DELETE /_admin/faults`` clears them.
* ``GET /_admin/stats?window_s=`` → per account request counts, arrival timestamps, max in flight,
  max arrivals in any window.
* ``POST /_admin/reset`` → tokens, faults, stats, windows and injected alerts forgotten.
* ``POST /_admin/alerts`` ``{vendor, plant_id, name?, code?, severity?, duration_s?}`` → an alert that
  starts now (and clears after duration_s, if given); ``POST /_admin/alerts/{id}/clear`` clears it now.
* ``GET|POST /_admin/config`` → read / change latency_s, limits, token TTLs, frame type, clock offset,
  ``plants_per_account`` (rescales the fleet), and the token modes ``<vendor>_token_max_calls`` (a token
  dies after N accepted calls; null = never) and ``<vendor>_login_kills_older`` (a login invalidates the
  account's older tokens).
* ``GET /_admin/fleet`` → accounts (without credentials) and plants.
"""
from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from woms_app.emulator import solarman_api, sungrow_api
from woms_app.emulator.solarman_api import SmError, SolarmanApi
from woms_app.emulator.state import Config, EmulatorState, InjectedAlert
from woms_app.emulator.sungrow_api import SgError, SungrowApi

SEVERITY_LEVELS = {"critical": (2, 1), "major": (2, 2), "minor": (1, 3), "info": (0, 4)}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, allow_nan=True, ensure_ascii=False), status_code=status,
                    media_type="application/json", headers=headers)


async def _body(request: Request) -> dict:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return {"__invalid__": True}
    return data if isinstance(data, dict) else {"__invalid__": True}


def create_app(config: Config | None = None, state: EmulatorState | None = None) -> FastAPI:
    state = state or EmulatorState(config)
    sm = SolarmanApi(state)
    sg = SungrowApi(state)
    app = FastAPI(title="WOMS vendor emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = state

    async def pre_faults(vendor: str, path: str) -> tuple[Response | None, list]:
        faults = state.take_faults(vendor, path)
        kinds = {f.kind for f in faults}
        if state.config.latency_s > 0:
            await asyncio.sleep(state.config.latency_s)
        if "down" in kinds:
            return _json({"error": "service unavailable"}, 503), faults
        if "http_429" in kinds:
            return _json({"error": "too many requests"}, 429, headers={"Retry-After": "0.2"}), faults
        if "http_500" in kinds:
            return Response("Internal Server Error", status_code=500, media_type="text/plain"), faults
        if "timeout" in kinds:
            await asyncio.sleep(max(f.delay_s for f in faults if f.kind == "timeout"))
        return None, faults

    def post_faults(vendor: str, body: Any, faults: list) -> Response:
        kinds = {f.kind for f in faults}
        if "malformed_json" in kinds:
            return Response('{"code": null, "success": tru', media_type="application/json")
        mod = solarman_api if vendor == "solarman" else sungrow_api
        target = body if vendor == "solarman" else (body.get("result_data") if isinstance(body, dict) else None)
        if target is not None:
            if "nan_values" in kinds:
                mod.poison_numbers(target)
            if "duplicates" in kinds:
                mod.duplicate_points(target)
        return _json(body)

    # ------------------------------------------------------------ SOLARMAN
    @app.post("/solarman/{path:path}")
    async def solarman(path: str, request: Request) -> Response:
        path = "/" + path
        body = await _body(request)
        if path == "/account/v1.0/token":
            app_id = request.query_params.get("appId")
            account = sm.account_for_app(app_id) or "unknown"
        else:
            auth = request.headers.get("authorization", "")
            scheme, _, tok = auth.partition(" ")
            account = state.check_token("solarman", tok.strip()) if scheme.lower() == "bearer" else None
            if not auth.strip():
                account_label = "anonymous"
            else:
                account_label = account or "invalid-token"
        st = state.record("solarman", account if path == "/account/v1.0/token" else account_label, path)
        state.enter(st)
        try:
            early, faults = await pre_faults("solarman", path)
            if early is not None:
                return early
            kinds = {f.kind for f in faults}
            acct_for_limit = account if account and account != "unknown" else "anonymous"
            if "rate_limit" in kinds:
                st.rate_limited += 1
                return _json(solarman_api.err("2101002", "request too frequently"), headers={"Retry-After": "0.2"})
            wait = state.over_limit("solarman", acct_for_limit, "burst", state.config.solarman_limit)
            if wait is not None:
                st.rate_limited += 1
                return _json(solarman_api.err("2101002", "request too frequently"),
                             headers={"Retry-After": f"{wait:.3f}"})
            if body.get("__invalid__"):
                return _json(solarman_api.err("2101006", "invalid param"))
            try:
                if path == "/account/v1.0/token":
                    st.logins += 1
                    result = sm.token(app_id, body)
                else:
                    if not request.headers.get("authorization", "").strip():
                        st.token_rejected += 1
                        raise SmError("2101017", "auth token not found")
                    if account is None:
                        st.token_rejected += 1
                        raise SmError("2101019", "auth invalid token")
                    st.token_ok += 1
                    if state.calls_of("solarman", account) > state.config.solarman_allowance:
                        raise SmError("2101009", "appId locked: call allowance exhausted")
                    handler = sm.routes.get(path)
                    if handler is None:
                        raise SmError("2101024", "resource not found")
                    if path == "/station/v1.0/alertV2" and "alertv2_unsupported" in kinds:
                        raise SmError("2101022", "business error")
                    result = handler(account, body)
            except SmError as exc:
                return post_faults("solarman", solarman_api.err(exc.code, exc.msg), faults)
            return post_faults("solarman", result, faults)
        finally:
            state.leave(st)

    # ------------------------------------------------------------ Sungrow
    @app.post("/sungrow/openapi/{method}")
    async def sungrow(method: str, request: Request) -> Response:
        body = await _body(request)
        account = sg.account_for(body.get("appkey"), request.headers.get("x-access-key"))
        st = state.record("sungrow", account or "unknown", method)
        state.enter(st)
        try:
            early, faults = await pre_faults("sungrow", method)
            if early is not None:
                return early
            kinds = {f.kind for f in faults}
            if "rate_limit" in kinds:
                st.rate_limited += 1
                return _json(sungrow_api.envelope("E901", "er_call_too_frequent"), headers={"Retry-After": "0.2"})
            if account:
                if state.config.sungrow_burst:
                    wait = state.over_limit("sungrow", account, "burst", state.config.sungrow_burst)
                    if wait is not None:
                        st.rate_limited += 1
                        return _json(sungrow_api.envelope("E901", "er_call_too_frequent"),
                                     headers={"Retry-After": f"{wait:.3f}"})
                wait = state.over_limit("sungrow", account, "hour", state.config.sungrow_limit)
                if wait is not None:
                    st.rate_limited += 1
                    return _json(sungrow_api.envelope("E999", "er_hour_limit"), headers={"Retry-After": f"{wait:.3f}"})
            try:
                if not request.headers.get("sys_code"):
                    raise SgError("003", "er_missing_sys_code")
                if body.get("__invalid__"):
                    raise SgError("010", "er_parameter_value_invalid")
                if not body.get("appkey"):
                    raise SgError("001", "er_missing_appkey")
                if account is None:
                    if sg.known_appkey(body.get("appkey")):
                        raise SgError("E900", "er_unauthorized_access")  # the app exists: wrong access key
                    raise SgError("E00000", "er_invalid_appkey")
                if method == "login":
                    st.logins += 1
                    data = sg.login(account, body)
                else:
                    tok = body.get("token") or request.headers.get("token")
                    if not tok:
                        st.token_rejected += 1
                        raise SgError("002", "er_missing_token")
                    if state.check_token("sungrow", str(tok)) != account:
                        st.token_rejected += 1
                        raise SgError("E00003", "er_token_login_invalid")
                    st.token_ok += 1
                    handler = sg.routes.get(method)
                    if handler is None or method in state.config.sungrow_missing_methods:
                        raise SgError("E996", "er_api_not_found")
                    data = handler(account, body)
            except SgError as exc:
                return post_faults("sungrow", sungrow_api.envelope(exc.code, exc.msg, None), faults)
            return post_faults("sungrow", sungrow_api.envelope(data=data), faults)
        finally:
            state.leave(st)

    # ------------------------------------------------------------ admin
    @app.post("/_admin/faults")
    async def add_fault(request: Request) -> Response:
        b = await _body(request)
        try:
            f = state.add_fault(str(b.get("kind")), str(b.get("vendor") or "*"),
                                None if b.get("count") is None else int(b["count"]),
                                None if b.get("duration_s") is None else float(b["duration_s"]),
                                None if b.get("delay_s") is None else float(b["delay_s"]), b.get("path"))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 422)
        return JSONResponse(f.public())

    @app.delete("/_admin/faults")
    async def clear_faults() -> Response:
        with state.lock:
            state.faults.clear()
        return JSONResponse({"ok": True})

    @app.get("/_admin/stats")
    async def stats(window_s: float | None = None) -> Response:
        return _json(state.stats_public(window_s))

    @app.post("/_admin/reset")
    async def reset() -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    @app.post("/_admin/alerts")
    async def inject_alert(request: Request) -> Response:
        b = await _body(request)
        vendor = b.get("vendor")
        try:
            plant = state.fleet.plant(str(vendor), int(b.get("plant_id")))
        except (TypeError, ValueError):
            plant = None
        if plant is None:
            return JSONResponse({"error": "unknown vendor/plant_id"}, 422)
        sev = str(b.get("severity") or "major").lower()
        if sev not in SEVERITY_LEVELS:
            return JSONResponse({"error": "severity must be critical|major|minor|info"}, 422)
        lvl, slvl = SEVERITY_LEVELS[sev]
        now = state.now()
        a = InjectedAlert(state.next_id() + 900_000_000, plant.vendor, plant.plant_id,
                          str(b.get("name") or "Injected Inverter Fault"), str(b.get("code") or "60064"), lvl, slvl,
                          str(b.get("message") or "Alert injected through the emulator admin API."),
                          now - 1, (now + float(b["duration_s"])) if b.get("duration_s") else None)
        with state.lock:
            state.injected.append(a)
        return JSONResponse({"id": a.alert_id, "vendor": a.vendor, "plant_id": a.plant_id, "start": a.start,
                             "end": a.end, "severity": sev, "name": a.name})

    @app.post("/_admin/alerts/{alert_id}/clear")
    async def clear_alert(alert_id: int) -> Response:
        with state.lock:
            for a in state.injected:
                if a.alert_id == alert_id:
                    a.end = state.now()
                    return JSONResponse({"id": alert_id, "end": a.end})
        return JSONResponse({"error": "unknown alert"}, 404)

    @app.get("/_admin/config")
    async def get_config() -> Response:
        return JSONResponse(_config_public(state))

    @app.post("/_admin/config")
    async def set_config(request: Request) -> Response:
        b = await _body(request)
        c = state.config
        try:
            if "solarman_allowance" in b:
                c.solarman_allowance = int(b["solarman_allowance"])
            for key in ("latency_s", "solarman_token_ttl_s", "sungrow_token_ttl_s", "clock_offset_s"):
                if key in b:
                    setattr(c, key, float(b[key]))
            for key in ("solarman_limit", "sungrow_limit", "sungrow_burst"):
                if key in b:
                    setattr(c, key, None if b[key] is None else (int(b[key][0]), float(b[key][1])))
            for key in ("solarman_token_max_calls", "sungrow_token_max_calls"):
                if key in b:
                    if b[key] is not None and int(b[key]) < 1:
                        raise ValueError(f"{key} must be >= 1 or null")
                    setattr(c, key, None if b[key] is None else int(b[key]))
            for key in ("solarman_login_kills_older", "sungrow_login_kills_older"):
                if key in b:
                    if not isinstance(b[key], bool):
                        raise ValueError(f"{key} must be true or false")
                    setattr(c, key, b[key])
            if "solarman_frame_type" in b:
                if b["solarman_frame_type"] not in ("both", "v2"):
                    raise ValueError("solarman_frame_type must be both or v2")
                c.solarman_frame_type = b["solarman_frame_type"]
            if "sungrow_missing_methods" in b:
                c.sungrow_missing_methods = tuple(str(m) for m in (b["sungrow_missing_methods"] or ()))
            if "plants_per_account" in b:
                state.rescale(None if b["plants_per_account"] is None else int(b["plants_per_account"]))
        except (ValueError, TypeError, IndexError) as exc:
            return JSONResponse({"error": str(exc)}, 422)
        return JSONResponse(_config_public(state))

    @app.get("/_admin/fleet")
    async def fleet() -> Response:
        return _json({
            "seed": state.config.seed,
            "accounts": [{"vendor": a.vendor, "name": a.name, "org_name": a.org_name} for a in state.fleet.accounts],
            "plants": [{"vendor": p.vendor, "account": p.account, "plant_id": p.plant_id, "name": p.name,
                        "capacity_kw": p.capacity_kw, "latitude": p.latitude, "longitude": p.longitude,
                        "timezone": p.tz_name, "tilt_deg": p.tilt_deg, "azimuth_deg": p.azimuth_deg,
                        "has_sensor": p.has_sensor, "devices": [d.sn for d in p.devices]}
                       for p in state.fleet.plants],
        })

    @app.get("/_admin/health")
    async def health() -> Response:
        return JSONResponse({"ok": True, "plants": len(state.fleet.plants)})

    return app


def _config_public(state: EmulatorState) -> dict:
    c = state.config
    out = {k: getattr(c, k) for k in c.__dataclass_fields__}
    out["plants"] = len(state.fleet.plants)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in out.items()
            if not (isinstance(v, float) and math.isnan(v))}
