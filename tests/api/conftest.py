import pytest
from fastapi.testclient import TestClient

from woms_app.api.app import create_api


@pytest.fixture
def client(demo):
    with TestClient(create_api(), base_url="http://localhost:3000") as c:
        yield c


def login(client, email, password="woms-demo-pass"):
    return client.post("/api/login", json={"email": email, "password": password})
