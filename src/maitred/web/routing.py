"""Routes of the ops pages answer in HTML, failures included.

The API's handlers turn every failure into JSON; the host's screen needs a page (or a fragment
htmx can swap) instead, so each /ops route handles its own failures: no session sends the host
to sign in, a missing CSRF token is a 403 page, a domain error is shown in words.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse

from maitred.api.errors import status_of
from maitred.domain.errors import MaitredError
from maitred.web.rendering import problem, render
from maitred.web.session import SIGN_IN_PATH, CsrfRefused, SignInRequired

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _sign_in(request: Request, exc: SignInRequired) -> Response:
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": SIGN_IN_PATH})
    return RedirectResponse(SIGN_IN_PATH, status_code=303)


def _failure(request: Request, status: int, title: str, message: str) -> Response:
    """A page; for htmx, a fragment shown in the day page's alert slot, whatever the target."""
    context = {"title": title, "message": message, "problems": []}
    if is_htmx(request):
        headers = {"HX-Retarget": "#banner", "HX-Reswap": "innerHTML"}
        return render(request, "_failure.html", context, status_code=status, headers=headers)
    return render(request, "failure.html", context, status_code=status)


def _invalid(request: Request, exc: RequestValidationError) -> Response:
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('query', 'body'))}: {e['msg']}"
        for e in exc.errors()
    ]
    message = "The request is invalid: " + "; ".join(problems[:3])
    return _failure(request, 400, "Invalid request", message)


class OpsRoute(APIRoute):
    """An APIRoute whose failures are pages or fragments, never the API's JSON."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                return _sign_in(request, exc)
            except CsrfRefused:
                message = "This form has expired. Reload the page and try again."
                return _failure(request, 403, "Refused", message)
            except RequestValidationError as exc:
                return _invalid(request, exc)
            except MaitredError as exc:
                words = problem(exc)
                return _failure(request, status_of(exc.code), exc.code, words["message"])

        return guarded
