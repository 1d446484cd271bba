"""The web application is the API with the portal beside it: the API alone has no
pages, and with the portal a page's address answers a browser with a page while the
API's addresses keep their problem+json answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credo.app import create_app
from credo.config import Settings
from credo.service import ServiceContext, create_api

PROBLEM = "application/problem+json"


@pytest.fixture
def context(tmp_path: Path) -> ServiceContext:
    return ServiceContext.build(Settings(home=tmp_path))


def test_the_api_alone_serves_no_pages(context: ServiceContext) -> None:
    client = TestClient(create_api(context=context))
    for path in ("/login", "/me", "/console", "/static/portal.css", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM, path
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_whole_app_answers_pages_with_pages_and_the_api_with_problems(
        context: ServiceContext) -> None:
    client = TestClient(create_app(context=context))
    assert client.get("/login").headers["content-type"].startswith("text/html")
    assert client.get("/static/portal.css").status_code == 200
    missing_page = client.get("/no-such-page")
    assert missing_page.status_code == 404
    assert missing_page.headers["content-type"].startswith("text/html")
    missing_endpoint = client.get("/v1/no-such-endpoint")
    assert missing_endpoint.status_code == 404
    assert missing_endpoint.headers["content-type"] == PROBLEM
