"""Schema fuzzing of /api against the app's own OpenAPI document: no input makes the server fail (5xx), and every
answer conforms to the document — its status code is declared for the operation, its content type too, and its
body matches the declared schema (the error bodies included: ``{detail, field}``, 422 ``{detail, errors}``)."""
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from woms_app.api.app import create_api

BASE = "http://localhost:3000"
SKIP = {("POST", "/api/logout")}  # would end the session the generated cases use
EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _fuzz(app, cookies: dict, who: str, failures: list[str]) -> int:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10  # the whole API is in the document
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
                failures.append(f"{who}: {case.method} {case.formatted_path} → {type(exc).__name__}: {exc}")
                return
            try:
                case.validate_response(r, checks=CHECKS)
            except FailureGroup as group:  # one entry per failed check
                for f in group.exceptions:
                    failures.append(f"{who}: {case.method} {op.path} → {r.status_code}: {f.title}: "  # noqa: B023
                                    f"{' '.join(str(f.message).split())[:200]}")
            if r.status_code == 422:
                assert r.json().get("detail"), f"{case.method} {case.formatted_path}: a 422 must say why"

        run()
    return tried


def test_every_answer_conforms_to_the_openapi_document(demo):
    app = create_api()
    failures: list[str] = []
    tried = 0
    # signed in (an ORG operator: writes are possible, foreign ids answer 404) and anonymous (every route 401)
    with TestClient(app, base_url=BASE) as c:
        assert c.post("/api/login", json={"email": "ops@sunrise.demo.woms",
                                          "password": "woms-demo-pass"}).status_code == 200
        cookies = {"woms_session": c.cookies.get("woms_session")}
    tried += _fuzz(app, cookies, "ORG", failures)
    tried += _fuzz(app, {}, "anonymous", failures)
    print(f"\nfuzzed requests: {tried}, conformance failures: {len(failures)}")
    assert tried > 200
    assert not failures, f"{len(failures)} non-conforming answers:\n" + "\n".join(sorted(set(failures))[:40])
