"""Every API and page route runs its handler, its commit and its JSON encoding in one worker thread.

FastAPI runs each synchronous piece of a request on a worker thread of its own: the session
dependency's start, the acting user, the handler, the validation of the answer and the session's
commit — five hand-offs between the event loop and the thread pool, each costing as much CPU as a
cheap read's own work (docs/benchmarks.md). ``OneThreadRoute`` makes a synchronous handler one
hand-off: the wrapper below calls it, commits (or rolls back) the request's session and encodes the
answer, all in the same thread, and the session dependency itself does no I/O on the event loop
(``deps.get_session``).

The acting user (``deps.get_actor``) is checked on the event loop and loaded here too, on the same
thread, before the handler runs (``deps.ActorToLoad``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_args

import pydantic_core
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from omnidesk.http.deps import ActorToLoad, get_actor


class OneThreadRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        status_code = kwargs.get("status_code") or 200
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_one_thread(endpoint, status_code=status_code)
        elif _takes_the_actor(endpoint):
            raise TypeError(f"{endpoint.__qualname__}: only a synchronous handler can take the acting user")
        else:
            endpoint = _encoded(endpoint, status_code=status_code)
        super().__init__(path, endpoint, **kwargs)


def _in_one_thread(handler: Callable[..., Any], *, status_code: int) -> Callable[..., Any]:
    async def run(**arguments: Any) -> Any:
        return await run_in_threadpool(_handle, handler, arguments, status_code)

    _looks_like(run, handler)  # without ``__wrapped__``, which FastAPI would run on a thread of its own
    return run


def _encoded(handler: Callable[..., Any], *, status_code: int) -> Callable[..., Any]:
    """An ``async`` handler (one that waits on the event loop), its answer encoded as a synchronous
    handler's is (``_handle``)."""

    async def run(**arguments: Any) -> Any:
        answer = await handler(**arguments)
        if isinstance(answer, Response):
            return answer
        return Response(pydantic_core.to_json(answer), status_code, media_type="application/json")

    _looks_like(run, handler)
    return run


def _looks_like(run: Callable[..., Any], handler: Callable[..., Any]) -> None:
    # FastAPI reads the parameters (and the answer's type, for the OpenAPI schema) from the signature;
    # annotations are resolved here, in the handler's module. No ``__wrapped__``: FastAPI would
    # follow it to the handler itself.
    run.__signature__ = inspect.signature(handler, eval_str=True)  # type: ignore[attr-defined]
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(run, attribute, getattr(handler, attribute))


def _takes_the_actor(endpoint: Callable[..., Any]) -> bool:
    """Whether the handler asks for ``CurrentActor``, which only ``_handle`` loads."""
    for parameter in inspect.signature(endpoint, eval_str=True).parameters.values():
        if any(getattr(extra, "dependency", None) is get_actor for extra in get_args(parameter.annotation)):
            return True
    return False


def _handle(handler: Callable[..., Any], arguments: dict[str, Any], status_code: int) -> Response:
    session = next((value for value in arguments.values() if isinstance(value, Session)), None)
    to_load = {name: value for name, value in arguments.items() if isinstance(value, ActorToLoad)}
    if session is None and to_load:
        # A handler that takes the acting user and no session: the user's session ends here too.
        session = next(iter(to_load.values())).session
    try:
        for name, actor in to_load.items():
            arguments[name] = actor.load()  # refuses a wrong token before the handler runs
        answer = handler(**arguments)
        if not isinstance(answer, Response):
            # What FastAPI sends for the handlers' ``dict[str, Any]``, encoded by the same pydantic core.
            answer = Response(pydantic_core.to_json(answer), status_code, media_type="application/json")
        if session is not None:
            session.commit()  # before the answer leaves: a client never sees success for a lost write
    except BaseException:
        if session is not None:
            session.rollback()
        raise
    return answer
