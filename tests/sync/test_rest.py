"""The generic REST adapter against an in-memory CRM (httpx.MockTransport: no sockets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from cstui.exitcodes import EXIT_PARTIAL
from cstui.store import Store
from cstui.sync.config import SyncConfig
from cstui.sync.errors import ConfigError, GarbageResponse
from cstui.sync.service import SyncService
from cstui.workspace import Workspace

from .conftest import FAST, seed_local


class RestCRM:
    """Records per path, a change counter as the cursor, PUT/DELETE keyed by cstui id."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.version = 0
        self.garbage = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer rest-token"
        parts = request.url.path.removeprefix("/api/").strip("/").split("/")
        path = parts[0]
        rows = self.rows.setdefault(path, {})
        if request.method == "GET":
            if self.garbage:
                return httpx.Response(200, json={"items": [{"name": "no id"}]})
            since = int(request.url.params.get("since", "0"))
            limit = int(request.url.params["limit"])
            fresh = sorted((r for r in rows.values() if r["_v"] > since), key=lambda r: r["_v"])
            page = fresh[:limit]
            cursor = str(page[-1]["_v"]) if page else str(since)
            items = [{k: v for k, v in r.items() if k != "_v"} for r in page]
            return httpx.Response(
                200, json={"items": items, "cursor": cursor, "more": len(fresh) > limit}
            )
        key = parts[1]
        if request.method == "DELETE":
            return httpx.Response(204 if rows.pop(key, None) else 404)
        body = json.loads(request.content)
        if body.get("name") == "Reject me":
            return httpx.Response(422, json={"message": "name is reserved"})
        self.version += 1
        row = rows.setdefault(key, {"id": f"r{len(rows) + 1}", "cstui_id": key})
        row.update(body)
        row["_v"] = self.version
        return httpx.Response(200, json={k: v for k, v in row.items() if k != "_v"})

    def add(self, path: str, values: dict[str, Any]) -> None:
        self.version += 1
        rows = self.rows.setdefault(path, {})
        rid = f"x{len(rows) + 1}"
        rows[rid] = {"id": rid, **values, "_v": self.version}


def _service(store: Store, tmp_path: Path, **options: Any) -> SyncService:
    section = {"base_url": "https://crm.invalid/api", "page_size": 2, **options}
    config = SyncConfig(
        adapter="rest",
        directory=tmp_path,
        env={"CSTUI_REST_TOKEN": "rest-token"},
        sections={"rest": section},
    )
    return SyncService(store, config)


@pytest.fixture
def rest(tmp_path: Path) -> Any:
    ws = Workspace.open(tmp_path / "data", user="me")
    yield ws
    ws.close()


def test_rest_pushes_pulls_and_maps_fields(rest: Workspace, tmp_path: Path) -> None:
    crm = RestCRM()
    [acc] = seed_local(rest, 1)
    crm.add("companies", {"company_name": "From REST", "domain": "rest.example.com", "arr": 42})
    service = _service(
        rest.store,
        tmp_path,
        resources={"accounts": "companies"},
        fields={"accounts": {"name": "company_name"}},
    )
    adapter = service.adapter(http=httpx.MockTransport(crm), retry=FAST)
    report = service.run(adapter)
    assert report.exit_code == 0
    names = sorted(a.name for a in rest.accounts())
    assert names == ["From REST", "Local 0 KK"]
    pushed = crm.rows["companies"][acc]
    assert pushed["company_name"] == "Local 0 KK"
    assert pushed["arr"] == 1000
    assert crm.rows["contacts"]  # children carry their company's CRM id
    assert all(r["parent_id"] == pushed["id"] for r in crm.rows["contacts"].values())
    rest.update_account(acc, {"stage": "renewal"})
    service.run(adapter)
    assert crm.rows["companies"][acc]["stage"] == "renewal"
    task = rest.tasks(acc)[0]
    rest.store.delete("tasks", task.id)
    assert service.run(adapter).deleted["tasks"] == 1
    assert task.id not in crm.rows["tasks"]
    adapter.close()


def test_rest_rejections_are_per_item_and_garbage_is_refused(
    rest: Workspace, tmp_path: Path
) -> None:
    crm = RestCRM()
    rest.create_account({"name": "Reject me"})
    seed_local(rest, 1)
    service = _service(rest.store, tmp_path)
    adapter = service.adapter(http=httpx.MockTransport(crm), retry=FAST)
    report = service.run(adapter)
    assert report.exit_code == EXIT_PARTIAL
    assert [f.message for f in report.failures] == [
        "the CRM refused PUT /accounts/"
        + report.failures[0].record_id
        + " (HTTP 422: name is reserved)."
    ]
    crm.garbage = True
    with pytest.raises(GarbageResponse, match="an item whose id is None"):
        service.run(adapter)
    adapter.close()


def test_rest_needs_a_base_url(rest: Workspace, tmp_path: Path) -> None:
    config = SyncConfig(adapter="rest", directory=tmp_path, env={"CSTUI_REST_TOKEN": "t"})
    with pytest.raises(ConfigError, match=r"\[rest\] base_url is required"):
        SyncService(rest.store, config).adapter()
