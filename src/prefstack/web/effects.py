"""Each ledger event's effect on the figures, over HTTP: ``GET /api/companies/{c}/events/{seq}/effect``.

The answer is :func:`prefstack.effects.event_effect`'s (the state on the event's effective date
as the ledger stood just before the event was recorded, version ``seq - 1``, against just after,
version ``seq``), as JSON: the event, and each figure it changed (series, holder, figure, kind,
before, after, difference, clause; each amount as every answer writes it, with ``_exact`` beside
where the fixed places are not exact). The ledger page's timeline loads it on demand, one event at
a time (``/static/effects.js``). Administrators and auditors only: the figures name every holder.
"""


from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from prefstack.answers import json_ready
from prefstack.books import Books
from prefstack.web.access import Access

__all__ = ["register"]


def register(app: FastAPI, db: str, reader: Callable[..., Access]) -> None:
    """The effect route on ``app`` (``reader``: the dependency admitting administrators and auditors)."""

    @app.get(
        "/api/companies/{company}/events/{seq}/effect",
        tags=["ledger"],
        responses={422: {"description": "No such event"}},
    )
    def event_effect(who: Annotated[Access, Depends(reader)], seq: int) -> JSONResponse:
        """The effect of the event ``seq`` on the figures of its effective date: each holder's figure
        before it was recorded and after (administrator, auditor)."""
        from prefstack.effects import event_effect

        return JSONResponse(json_ready(event_effect(Books(db, who.company), seq)))
