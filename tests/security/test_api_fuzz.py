"""Schema fuzzing of /api against the app's own OpenAPI document: no input makes the server fail (5xx)."""
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from woms_app.api.app import create_api

BASE = "http://localhost:3000"
SKIP = {("POST", "/api/logout")}  # would end the session the generated cases use
EXAMPLES = 25


def test_no_input_makes_the_api_fail(demo):
    app = create_api()
    with TestClient(app, base_url=BASE) as c:
        assert c.post("/api/login", json={"email": "admin@demo.woms", "password": "woms-demo-pass"}).status_code == 200
        cookies = {"woms_session": c.cookies.get("woms_session")}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10  # the whole API is in the document
    failures = []
    tried = 0
    for op in operations:
        if (op.method.upper(), op.path) in SKIP:
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            nonlocal tried
            tried += 1
            try:
                r = case.call(cookies=cookies, headers={"Origin": BASE}, base_url=BASE)
            except Exception as exc:  # the test client re-raises what the app did not handle: a 500
                failures.append(f"{case.method} {case.formatted_path} {case.query or ''} → {type(exc).__name__}: {exc}")
                return
            if r.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query or ''} → {r.status_code}")
            elif r.status_code == 422:
                assert r.json().get("detail"), f"{case.method} {case.formatted_path}: a 422 must say why"

        run()
    assert tried > len(operations) * 3
    assert not failures, "server errors:\n" + "\n".join(sorted(set(failures))[:30])
