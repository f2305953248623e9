"""Running the workbench: a uvicorn server bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chatcode.coding.project import LEAD, Project
from chatcode.errors import ChatcodeError, Location

__all__ = ["allowed_hosts", "serve"]

LOCAL = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(host: str) -> list[str] | None:
    """The Host headers the server answers (a guard against DNS rebinding): only the local
    names when bound to this machine; the host given and the local names when bound to one
    address; any when bound to all addresses (0.0.0.0 or ::)."""
    if host in LOCAL:
        return list(LOCAL[:2])
    if host in ("0.0.0.0", "::"):
        return None
    return [host, *LOCAL[:2]]


def serve(project: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
          certfile: str | Path | None = None, keyfile: str | Path | None = None,
          announce: Callable[[str], None] = print) -> None:
    """Serve the workbench of ``project`` until interrupted.

    A new lead link is made at every start and passed to ``announce`` (the old one stops
    working); coders' links are made on the lead page. With ``certfile`` and ``keyfile`` the
    server speaks HTTPS only.
    """
    import uvicorn

    from chatcode.coding.workbench.app import create_app

    if (certfile is None) != (keyfile is None):
        raise ChatcodeError("HTTPS needs both --certfile and --keyfile",
                            hint="give both files, or neither for plain HTTP on 127.0.0.1")
    for f in (certfile, keyfile):
        if f is not None and not Path(f).is_file():
            raise ChatcodeError("no such file", where=Location(Path(f)),
                                hint="give the PEM certificate and key files")
    proj = Project(project)
    token = proj.new_token(LEAD)
    secure = certfile is not None
    app = create_app(proj, secure=secure, allowed_hosts=allowed_hosts(host))
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    base = f"{'https' if secure else 'http'}://{shown}:{port}"
    announce(f"lead link (valid until the next start; keep it private): {base}/t/{token}")
    if host not in LOCAL:
        announce(f"serving on {host}: anyone on the network can reach the login page; "
                 "coders need their personal links (made on the lead page)")
    uvicorn.run(app, host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                log_level="warning", server_header=False, date_header=False)
