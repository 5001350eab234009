"""The web service (``prefstack serve``): the questions of the command line over HTTP, for the
company, its holders and their auditors, each seeing only what is theirs.

:mod:`prefstack.web.accounts` keeps the users, roles, tokens and sessions (it needs no web
framework: ``prefstack users`` uses it); :mod:`prefstack.web.access` decides who may ask what;
:mod:`prefstack.web.app` is the FastAPI application; :func:`serve` runs it with uvicorn.
"""

from __future__ import annotations


def serve(db: str, host: str, port: int) -> None:
    """Run the service over the store at ``db`` on ``host``:``port`` until interrupted."""
    import uvicorn

    from prefstack.web.app import create_app

    uvicorn.run(create_app(db), host=host, port=port, log_level="info")
