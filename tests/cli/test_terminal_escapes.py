"""Every export and every printing command, fed every kind of control sequence, sends a
terminal nothing it would act on (issue 13, "Exports leak escapes").

Commands run in a real pseudo-terminal, so what is checked is the bytes a terminal would
receive. Files (``--out``) keep the data as it is; ``--json`` escapes the characters.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cstui.domain import qbr as q
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)
PERIOD = q.default_period(TODAY)
REPO = Path(__file__).resolve().parents[2]

ATTACKS = {
    "bell": "\x07",
    "backspace": "\x08\x08\x08",
    "osc52 clipboard": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "title change": "\x1b]0;owned\x1b\\",
    "full reset": "\x1bc",
    "csi clear": "\x1b[2J\x1b[H",
    "csi colour": "\x1b[31m",
    "c1 csi": "\x9b2J",
    "c1 osc": "\x9d0;owned\x9c",
    "carriage return": "\rfake",
    "bidi override": "\u202egnp.exe",
    "bidi isolate": "\u2067x\u2069",
    "delete": "\x7f",
}
PAYLOAD = "".join(ATTACKS.values())
NAME = f"Evil{PAYLOAD}Corp"

# Bytes a terminal acts on: C0 controls except tab/newline/CR (a pty turns "\n" into
# "\r\n"), DEL, C1 controls in UTF-8 (\xc2\x80-\xc2\x9f), bidi embeddings, overrides, isolates.
FORBIDDEN_C0 = {b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D)} | {0x7F}
FORBIDDEN_SEQ = [bytes([0xC2, b]) for b in range(0x80, 0xA0)] + [
    chr(c).encode() for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
]


def leaks(output: bytes) -> list[str]:
    found = [f"byte {b:#04x}" for b in sorted(set(output) & FORBIDDEN_C0)]
    found += [f"sequence {s!r}" for s in FORBIDDEN_SEQ if s in output]
    # A bare "\r" that is not part of the pty's "\r\n" would move the cursor back.
    if b"\r" in output.replace(b"\r\n", b""):
        found.append("bare carriage return")
    return found


@pytest.fixture(scope="module")
def evil_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cstui import clock

    clock.freeze(TODAY)
    data = tmp_path_factory.mktemp("evil") / "data"
    ws = Workspace.open(data, user="me")
    acc = ws.create_account(
        {
            "name": NAME,
            "arr": 100_000,
            "tier": "high",
            "stage": "adoption",
            "owner": "me",
            "contract_start": date(2026, 1, 1),
            "renewal_date": date(2027, 1, 15),
            "tags": [f"tag{PAYLOAD}"],
            "upsell_ideas": [f"Upsell {PAYLOAD}"],
        }
    )
    contact = ws.add_contact(acc.id, {"name": f"Champ{PAYLOAD}", "role": "champion"})
    ws.log_activity(acc.id, f"Call {PAYLOAD}", day=date(2026, 8, 3), participants=[contact.id])
    ws.add_task(f"Task {PAYLOAD}", account_id=acc.id, due=TODAY)
    ws.add_objective(
        acc.id,
        {"title": f"Goal {PAYLOAD}", "kpi_name": f"KPI {PAYLOAD}", "baseline": 1, "target": 9},
    )
    for section in q.SECTIONS:
        ws.update_qbr_section(acc.id, PERIOD, section, f"{section} {PAYLOAD}\nsecond line")
    ws.record_survey(
        {"account_id": acc.id, "date": date(2026, 11, 1), "score": 2, "comment": PAYLOAD}
    )
    ws.refresh_health()
    ws.close()
    clock.freeze(None)
    return data


def in_pty(*args: str | Path) -> tuple[int, bytes]:
    """Run ``cstui ARGS`` with stdout and stderr on a pseudo-terminal; its bytes and code."""
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CSTUI_USER": "me",
        "CSTUI_CONFIG_DIR": "/nonexistent/cstui-test-config",
        "CSTUI_TODAY": TODAY.isoformat(),
        "COLUMNS": "200",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cstui", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError(f"cstui {args} did not finish")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=30), b"".join(chunks)


COMMANDS = [
    ["export", "accounts"],
    ["export", "accounts", "--format", "json"],
    ["export", "qbr", "Evil", "--period", PERIOD, "--format", "md"],
    ["export", "qbr", "Evil", "--period", PERIOD, "--format", "html"],
    ["today"],
    ["today", "--json"],
    ["tasks", "--all"],
    ["tasks", "--json"],
    ["health"],
    ["health", "--json"],
    ["health", "explain", "Evil"],
    ["report", "kpis"],
    ["report", "kpis", "--json"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:3]) for c in COMMANDS])
def test_nothing_a_terminal_acts_on_reaches_it(evil_book: Path, args: list[str]) -> None:
    code, output = in_pty(*args, "--data-dir", evil_book)
    assert code == 0, output.decode(errors="replace")
    assert leaks(output) == []
    assert b"Evil" in output or b"\\u" in output or args[0] == "report"  # it did print


def test_json_on_a_terminal_parses_back_to_the_data(evil_book: Path) -> None:
    code, output = in_pty("export", "accounts", "--format", "json", "--data-dir", evil_book)
    assert code == 0
    rows = json.loads(output.decode().replace("\r\n", "\n"))
    assert rows[0]["name"] == NAME  # escaped for the terminal, yet the data is whole


def test_files_keep_the_data(evil_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "accounts.csv"
    code, _ = in_pty("export", "accounts", "--data-dir", evil_book, "--out", out)
    assert code == 0
    assert NAME in out.read_bytes().decode("utf-8")
    md = tmp_path / "qbr.md"
    code, _ = in_pty(
        "export", "qbr", "Evil", "--period", PERIOD, "--data-dir", evil_book, "--out", md
    )
    assert code == 0
    text = md.read_bytes().decode("utf-8")  # Markdown-escaped, but not neutralised
    for kept in ("\x07", "\x1bc", "\x9b2J", "\u202egnp.exe", "\x7f"):
        assert kept in text
