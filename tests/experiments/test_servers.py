"""Servers bind to loopback and say when they do not: the live view's address and port, and Dask's local cluster."""

from __future__ import annotations

import socket
import subprocess

import pytest

from pacsim.experiments.cli import main
from pacsim.experiments.preflight import check_bind, is_loopback


def free_port() -> int:
    """A TCP port nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_loopback_addresses() -> None:
    """127.0.0.0/8, ::1 and localhost are loopback; the wildcard and a LAN address are not."""
    ground_truth = {
        "127.0.0.1": True,
        "127.3.2.1": True,
        "::1": True,
        "localhost": True,
        "0.0.0.0": False,
        "::": False,
        "192.168.1.10": False,
        "example.org": False,
    }
    assert {host: is_loopback(host) for host in ground_truth} == ground_truth


def test_viz_on_a_non_loopback_host_warns_in_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`pacsim viz --host 0.0.0.0` serves, after one warning line on stderr; on 127.0.0.1 it prints no warning."""
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda command, env: started.append(command) or 0)
    port = free_port()
    assert main(["viz", "--host", "0.0.0.0", "--port", str(port)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning" in err[0] and "0.0.0.0" in err[0] and "loopback" in err[0]
    assert started and started[-1][started[-1].index("--host") + 1] == "0.0.0.0"
    assert main(["viz", "--port", str(port)]) == 0
    assert capsys.readouterr().err == ""
    assert started[-1][started[-1].index("--host") + 1] == "127.0.0.1"


def test_a_port_in_use_is_refused() -> None:
    """Binding the live view's port is tried before the server starts; a port in use is a one-line error."""
    from pacsim.experiments.errors import ServerError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(ServerError, match=r"cannot serve on 127\.0\.0\.1:\d+ \(Address already in use\)"):
            check_bind("127.0.0.1", sock.getsockname()[1])


def test_dask_cluster_listens_on_loopback_only_and_serves_no_dashboard() -> None:
    """The sweep's Dask LocalCluster opens no dashboard (nothing on :8787) and every socket it listens on is 127.0.0.1."""
    pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    from pacsim.experiments.executors import open_backend

    with open_backend("dask", 1) as backend:
        assert backend.executor.submit(sum, [1, 2]).result(timeout=60) == 3
        me = psutil.Process()
        listening = [
            c.laddr for p in [me, *me.children(recursive=True)] for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
        ]
    assert listening, "the cluster listens nowhere?"
    assert all(addr.ip == "127.0.0.1" for addr in listening), listening
    assert all(addr.port != 8787 for addr in listening), listening
