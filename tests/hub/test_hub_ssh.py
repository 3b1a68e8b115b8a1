"""Clone and sync through a real OpenSSH server on 127.0.0.1 (its own sshd, host key and
user key in a temporary folder; nothing of the machine's ssh setup is used or changed)."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cstui.exitcodes import EXIT_DATA, EXIT_REMOTE

from .conftest import Team

SSHD = "/usr/sbin/sshd"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(SSHD) or shutil.which("ssh") is None,
        reason="OpenSSH server not installed (.ci/run installs openssh-server with apt-get)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[dict[str, str]]:
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "user"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    (keys / "authorized_keys").write_text((keys / "user.pub").read_text())
    os.chmod(keys / "authorized_keys", 0o600)
    port = _free_port()
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPidFile {keys / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPermitRootLogin prohibit-password\nLogLevel ERROR\n"
    )
    host_pub = (keys / "host.pub").read_text().split()
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    proc = subprocess.Popen([SSHD, "-f", str(config), "-D", "-e"], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        ssh = (
            f"ssh -p {port} -i {keys / 'user'} -o IdentitiesOnly=yes "
            f"-o UserKnownHostsFile={keys / 'known_hosts'} -o StrictHostKeyChecking=yes"
        )
        yield {
            "CSTUI_SSH_COMMAND": ssh,
            "CSTUI_REMOTE_COMMAND": f"{shlex.quote(sys.executable)} -m cstui",
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_clone_and_sync_over_ssh(team: Team, sshd: dict[str, str]) -> None:
    env = {**team.env, **sshd}
    laptop = team.root / "over-ssh"
    remote = f"127.0.0.1:{team.hub}"
    done = subprocess.run(
        [sys.executable, "-m", "cstui", "clone", remote, str(laptop), "-q"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with team.store(laptop) as s:
        aid = next(iter(s.scan("accounts")))["id"]
        s.put("accounts", aid, {"seats": 4242})
    done = subprocess.run(
        [sys.executable, "-m", "cstui", "sync", "--data-dir", str(laptop), "-q"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert team.get(team.hub, "accounts", aid)["seats"] == 4242
    # a wrong path on the server: one sentence, exit 4, nothing created there
    wrong = f"127.0.0.1:{team.root}/nope"
    done = subprocess.run(
        [sys.executable, "-m", "cstui", "clone", wrong, str(team.root / "x")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == EXIT_DATA
    assert "does not exist" in done.stderr
    assert not (team.root / "nope").exists()


def test_ssh_failing_is_one_clear_sentence(team: Team, sshd: dict[str, str]) -> None:
    env = {**team.env, **sshd}
    env["CSTUI_SSH_COMMAND"] = env["CSTUI_SSH_COMMAND"].replace("-i ", "-i /nonexistent-key-")
    done = subprocess.run(
        [sys.executable, "-m", "cstui", "clone", f"127.0.0.1:{team.hub}", str(team.root / "y")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == EXIT_REMOTE
    assert "ssh could not connect to 127.0.0.1" in done.stderr
    assert done.stderr.count("\n") == 1
