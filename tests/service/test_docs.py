"""/docs and /redoc load everything from this server, under a CSP that allows only it."""

from __future__ import annotations

import re

import pytest

from .conftest import World


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_need_nothing_from_elsewhere(sqlite_world: World, path: str) -> None:
    c = sqlite_world.client
    r = c.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "http" not in csp
    assert "<script>" not in r.text  # no inline script: the CSP would block it
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not on this server"
        got = c.get(asset)
        assert got.status_code == 200, asset
        assert len(got.content) > 100
    spec = re.search(r'(?:spec-url|data-openapi)="([^"]+)"', r.text)
    assert spec and c.get(spec.group(1)).json()["info"]["title"] == "credo scoring service"
