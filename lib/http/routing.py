"""Request routing for HTTP handlers: path patterns to resources, methods to functions.

A resource is any object with methods named after HTTP methods (GET, PUT,
POST, DELETE); HEAD is served by GET. The router answers 404 for unknown
paths and 405 (with Allow) for methods a resource lacks, so handlers only
write the operations they support.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Callable

from ganeti import http

_METHODS = (http.HTTP_GET, http.HTTP_HEAD, http.HTTP_POST, http.HTTP_PUT, http.HTTP_DELETE)


def AllowedMethods(resource: Any) -> list[str]:
    """The HTTP methods a resource serves, in a stable order."""
    allowed = [m for m in _METHODS if m != http.HTTP_HEAD and callable(getattr(resource, m, None))]
    if http.HTTP_GET in allowed:
        allowed.insert(1, http.HTTP_HEAD)
    return allowed


class Router:
    """Ordered (regular expression, resource) routes; the first full match wins.

    Groups of the expression are percent-decoded and returned as arguments,
    so "/2/instances/([^/]+)" yields the instance name.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], Any]] = []

    def Add(self, pattern: str, resource: Any) -> None:
        self._routes.append((re.compile(pattern + r"\Z"), resource))

    def Match(self, path: str) -> tuple[Any, tuple[str, ...]]:
        """(resource, decoded groups) for a path; HttpNotFound if none matches."""
        for regex, resource in self._routes:
            match = regex.match(path)
            if match:
                return resource, tuple(urllib.parse.unquote(g) if g is not None else None
                                       for g in match.groups())
        raise http.HttpNotFound()

    def Resolve(self, method: str, path: str) -> tuple[Callable[..., Any], tuple[str, ...]]:
        """(bound method of the resource, decoded groups); 404 or 405 otherwise."""
        resource, groups = self.Match(path)
        name = http.HTTP_GET if method == http.HTTP_HEAD else method
        fn = getattr(resource, name, None) if name in _METHODS else None
        if not callable(fn):
            raise http.HttpMethodNotAllowed(
                "Method %s is not supported here" % method[:16],
                headers={http.HTTP_ALLOW: ", ".join(AllowedMethods(resource))})
        return fn, groups
