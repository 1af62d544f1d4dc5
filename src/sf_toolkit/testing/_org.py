"""
:class:`FakeOrg`: an in-memory Salesforce org answering ``httpx.Request``\\ s.

``handle()`` is the sans-I/O core: it routes a request (SOAP and OAuth logins, REST, Collections,
Bulk API 2.0), applies authentication, limits and injected faults, and returns an
``httpx.Response``. The transports and the loopback server only add latency and I/O around it.
"""

from __future__ import annotations

import datetime
import gzip
import json
import re
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote

import httpx

from ..ids import is_valid_id, to_id18
from ._auth import Auth, ConnectedApp, FakeUser, OAuthError, SoapFault
from ._collections import collections_route
from ._composite import batch, composite, tree
from ._faults import FaultDice, Faults, RequestRecord, Stats
from ._http import ApiError, Call, error_response, json_response, not_allowed, not_found
from ._rest import QueryCursors, global_describe, sobject_route
from ._schema import standard_objects
from ._store import Store, api_version_var, lock_row_var, user_id_var

__all__ = ["DEFAULT_API_VERSIONS", "ConnectionDropped", "FakeOrg"]

DEFAULT_API_VERSIONS: tuple[str, ...] = tuple(f"{v}.0" for v in range(31, 65))
"""Versions the org lists at ``/services/data/``, oldest first (31.0 to 64.0)."""

_SECRET_PARAMS = frozenset(
    {"token", "password", "client_secret", "refresh_token", "assertion", "access_token", "code"}
)
_LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
_LOG_SIZE = 10_000
_LOGGED_BODY_LIMIT = 1_000_000
_DAILY_LIMIT = 15_000
_MAX_URI = 16_384
_LAST_RETIRED_VERSION = 30.0
"""Versions 7.0 to 30.0 are retired ("API End-of-Life"): Salesforce answers them with 410."""

#: Resources that exist but answer 405 METHOD_NOT_ALLOWED to other methods ("Status Codes and
#: Error Responses"); /sobjects/... and /composite/sobjects decide for themselves.
_ALLOWED_METHODS = {
    "versions": "HEAD,GET",
    "resources": "HEAD,GET",
    "limits": "HEAD,GET",
    "global_describe": "HEAD,GET",
    "query": "HEAD,GET",
    "query_more": "HEAD,GET",
    "composite": "HEAD,GET,POST",
    "composite_batch": "POST",
    "composite_tree": "POST",
}


#: The first API version serving a resource; earlier versions answer 404 NOT_FOUND ("Composite
#: Batch": 34.0 and later; "sObject Collections": 42.0 and later).
_AVAILABLE_SINCE = {"composite_batch": 34.0, "collections": 42.0}


class ConnectionDropped(Exception):
    """
    Raised by :meth:`FakeOrg.handle` when a fault drops the connection.

    The transports turn it into ``httpx.RemoteProtocolError``; the server closes the socket.
    ``applied`` tells whether the request took effect before the drop.
    """

    def __init__(self, applied: bool) -> None:
        self.applied = applied
        super().__init__("connection dropped by fault injection")


def _release_label(version: str) -> str:
    number = int(float(version))
    year, season = divmod(number - 62, 3)
    return f"{('Winter', 'Spring', 'Summer')[season]} '{25 + year:02d}"


def _base62_seed(seed: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    digits = []
    number = abs(seed)
    for _ in range(7):
        number, rest = divmod(number, 62)
        digits.append(alphabet[rest])
    return "".join(reversed(digits))


class FakeOrg:
    """
    An in-memory Salesforce org, faithful at the HTTP level.

    Args:
        records: Accounts to seed (each with two Contacts; a few get Attachments).
        seed: Makes Ids, tokens, seeded data and fault draws reproducible.
        username: Login user's username.
        password: Login user's password.
        security_token: Appended to the password by SOAP and password-flow logins.
        client_id: Consumer key of the default connected app.
        client_secret: Consumer secret of the default connected app.
        instance_url: Instance URL handed out by logins; by default the host the request
            reached (``login``/``test.salesforce.com`` map to
            ``https://fake-org.my.salesforce.com``).
        api_versions: Versions listed at ``/services/data/``, oldest first.
        latency: Seconds the transports and server wait before answering (``faults.latency``).
        faults: Initial fault settings (``latency`` above wins when given).
        clock: Returns the current moment (an aware datetime, or a naive one meaning UTC);
            defaults to the wall clock. ``CreatedDate``, ``LastModifiedDate`` and
            ``SystemModstamp``, Bulk API job dates, OAuth ``issued_at`` and relative date
            literals in SOQL (``TODAY``, ``LAST_N_DAYS:7``) read it. Also the :attr:`clock`
            attribute.
    """

    def __init__(
        self,
        *,
        records: int = 0,
        seed: int = 0,
        username: str = "user@example.com",
        password: str = "password",
        security_token: str = "",
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        instance_url: str | None = None,
        api_versions: tuple[str, ...] = DEFAULT_API_VERSIONS,
        latency: float = 0.0,
        faults: Faults | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
    ) -> None:
        if records < 0:
            raise ValueError(f"records must be 0 or more, got {records}")
        if not api_versions or not all(
            isinstance(v, str) and re.fullmatch(r"[1-9]\d\.0", v) for v in api_versions
        ):
            raise ValueError(
                "api_versions must list versions such as '59.0', oldest first, "
                f"got {api_versions!r}"
            )
        self.seed = seed
        self.api_versions = tuple(api_versions)
        self.instance_url = instance_url.rstrip("/") if instance_url else None
        self.org_id = to_id18("00D5g" + _base62_seed(seed) + "EA2")
        self.store = Store(self.org_id)
        if clock is not None:
            self.clock = clock
        for obj in standard_objects():
            self.store.register(obj)
        self.auth = Auth(self.org_id, seed, clock=self.store.now)
        self.faults = faults if faults is not None else Faults()
        if latency:
            self.faults.latency = latency
        self._dice = FaultDice(seed)
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        self._log: deque[RequestRecord] = deque(maxlen=_LOG_SIZE)
        self._cursors = QueryCursors()
        self._bulk: Any = None
        self.internal_errors: list[BaseException] = []
        """Unexpected exceptions turned into 500s; a test can assert it stays empty."""
        self.tls_certificate: str | None = None
        """Path of the PEM certificate while ``serve(tls=True)`` runs."""
        self.user_id = self.add_user(username, password, security_token)
        self.store.default_user_id = self.user_id
        self.add_connected_app(client_id, client_secret, run_as=username)
        if records:
            from ._seed import populate

            populate(self, records, seed)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{obj.name}={self.store.count(obj.name)}"
            for obj in self.store.objects()
            if self.store.count(obj.name)
        )
        return f"<FakeOrg {self.org_id} {counts}>"

    @property
    def clock(self) -> Callable[[], datetime.datetime]:
        """
        The org's clock: a callable returning the current moment, the wall clock by default.

        Set it to make timestamps deterministic, for example
        ``org.clock = lambda: datetime(2024, 1, 31, 12, 0, tzinfo=timezone.utc)``; record audit
        dates, Bulk API job dates, OAuth ``issued_at`` and SOQL relative date literals follow
        it from then on.
        Session expiry (``Faults.session_ttl_seconds``) keeps measuring real time.
        """
        return self.store.clock

    @clock.setter
    def clock(self, value: Callable[[], datetime.datetime]) -> None:
        if not callable(value):
            raise TypeError(f"clock must be a callable returning a datetime, got {value!r}")
        self.store.clock = value

    # --- configuration ------------------------------------------------------------------

    def add_user(self, username: str, password: str, security_token: str = "") -> str:
        """Create a User who can log in; return the User Id."""
        with self.store.lock:
            local = username.split("@", 1)[0] or "user"
            user_id = self.store.create(
                "User",
                {
                    "Username": username,
                    "LastName": local.title(),
                    "Email": username if "@" in username else f"{local}@example.com",
                    "Alias": local[:8],
                    "TimeZoneSidKey": "America/Los_Angeles",
                    "LocaleSidKey": "en_US",
                },
            )
            row = self.store.find("User", user_id)
            assert row is not None
            for name in ("CreatedById", "LastModifiedById"):
                if not row[name]:
                    row[name] = user_id
            self.auth.users[username.lower()] = FakeUser(
                username, user_id, password, security_token
            )
            return user_id

    def add_connected_app(
        self,
        client_id: str,
        client_secret: str | None = None,
        *,
        certificate: str | None = None,
        run_as: str | None = None,
    ) -> None:
        """
        Register an OAuth connected app.

        Args:
            client_id: The consumer key.
            client_secret: The consumer secret (None: public client).
            certificate: PEM certificate or public key; JWT assertions must then carry a valid
                RS256 signature.
            run_as: Username the client_credentials flow logs in as.
        """
        with self.store.lock:
            self.auth.apps[client_id] = ConnectedApp(client_id, client_secret, certificate, run_as)

    def add_object(self, describe: Mapping[str, Any]) -> str:
        """Add an sObject from a describe-style dict (``name``, ``fields``...); return its name."""
        return self.store.add_object(describe)

    def add_field(self, sobject: str, describe: Mapping[str, Any]) -> None:
        """Add a field to an sObject from a describe-style dict (``name``, ``type``...)."""
        self.store.add_field(sobject, describe)

    def add_model(self, cls: type[Any]) -> str:
        """
        Declare an SObject model class's object and fields (missing ones only); return its name.

        Python types map to describe types (``str`` string, ``int`` int, ``float`` double,
        ``Decimal`` currency, ``bool`` boolean, ``date``/``datetime``/``time``, ``bytes``
        base64); parent relationships become reference fields.

        Raises:
            TypeError: If ``cls`` is not an SObject model class.
        """
        from ._models import model_describe

        describe = model_describe(cls)
        with self.store.lock:
            obj = self.store.object(describe["name"])
            if obj is None:
                return self.store.add_object(describe)
            for field in describe["fields"]:
                if obj.get(field["name"]) is None:
                    self.store.add_field(obj.name, field)
            return obj.name

    # --- data helpers --------------------------------------------------------------------

    def insert(self, sobject: str, values: Mapping[str, Any]) -> str:
        """
        Create a record through the same validation as the API; return its Id.

        Raises:
            ValueError: With Salesforce's error code and message if the record is refused.
        """
        outcome = self.store.insert(sobject, values)
        if not outcome.success or outcome.id is None:
            first = outcome.errors[0]
            raise ValueError(f"{first.status_code}: {first.message}")
        return outcome.id

    def _known(self, sobject: str) -> str:
        name = self.store.canonical_object(sobject)
        if name is None:
            raise KeyError(f"the fake org has no sObject {sobject!r}; add it with add_object()")
        return name

    def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """
        A live record as REST returns it (with ``attributes``), or None.

        Raises:
            KeyError: If the org has no such sObject.
        """
        with self.store.lock:
            name = self._known(sobject)
            if not is_valid_id(record_id):
                return None
            row = self.store.find(name, record_id)
            if row is None or row["IsDeleted"]:
                return None
            return self.store.record_json(name, row)

    def records(self, sobject: str) -> list[dict[str, Any]]:
        """
        Copies of every live record of an sObject, as REST returns them, oldest first.

        Raises:
            KeyError: If the org has no such sObject.
        """
        with self.store.lock:
            name = self._known(sobject)
            return [
                self.store.record_json(name, row)
                for row in self.store.rows(name, include_deleted=False)
            ]

    def count(self, sobject: str) -> int:
        """
        How many live records an sObject has.

        Raises:
            KeyError: If the org has no such sObject.
        """
        with self.store.lock:
            return self.store.count(self._known(sobject))

    def blob(self, record_id: str) -> bytes | None:
        """The stored body of an Attachment, ContentVersion or Document."""
        with self.store.lock:
            return self.store.blob(record_id) if is_valid_id(record_id) else None

    # --- sessions -------------------------------------------------------------------------

    def access_token(self, username: str | None = None) -> str:
        """Issue a session for a user without a login request (for static-token clients)."""
        with self.store.lock:
            user = self.auth.users.get((username or self._username()).lower())
            if user is None:
                raise KeyError(f"unknown user {username!r}")
            return self.auth.new_session(user.user_id).token

    def issue_refresh_token(self, username: str | None = None, client_id: str | None = None) -> str:
        """Issue a refresh token, as a completed web-server flow would."""
        with self.store.lock:
            user = self.auth.users.get((username or self._username()).lower())
            if user is None:
                raise KeyError(f"unknown user {username!r}")
            app = client_id or next(iter(self.auth.apps))
            return self.auth.new_refresh_token(user.user_id, app)

    def _username(self) -> str:
        return next(u.username for u in self.auth.users.values() if u.user_id == self.user_id)

    def expire_sessions(self) -> None:
        """Expire every access token now (refresh tokens keep working)."""
        with self.store.lock:
            self.auth.expire_all()

    # --- observability --------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """The requests answered so far (the last 10,000), oldest first."""
        with self._stats_lock:
            return list(self._log)

    def reset_stats(self) -> None:
        """Clear the request log and the counters (``api_usage`` included)."""
        with self._stats_lock:
            self._log.clear()
            in_flight = self.stats.in_flight
            self.stats = Stats(in_flight=in_flight, max_in_flight=in_flight)

    @contextmanager
    def _flight(self) -> Iterator[None]:
        with self._stats_lock:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            yield
        finally:
            with self._stats_lock:
                self.stats.in_flight -= 1

    def _delay(self) -> float:
        return self._dice.delay(self.faults)

    # --- ways to reach it -----------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport for ``httpx.Client`` / ``SalesforceClient`` (any host)."""
        from ._transport import FakeOrgTransport

        return FakeOrgTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport for ``httpx.AsyncClient`` on asyncio or trio."""
        from ._transport import AsyncFakeOrgTransport

        return AsyncFakeOrgTransport(self)

    def requests_adapter(self) -> Any:
        """
        A ``requests`` adapter answering from this org: ``session.mount("https://", adapter)``.

        Useful for code built on ``requests``, such as simple-salesforce, which always speaks
        ``https://{domain}.salesforce.com``. Needs the ``requests`` package.
        """
        from ._requests_adapter import make_requests_adapter

        return make_requests_adapter(self)

    @contextmanager
    def serve(self, *, tls: bool = False, port: int = 0) -> Iterator[str]:
        """
        Serve the org over HTTP/1.1 on the loopback interface; yield its base URL.

        Args:
            tls: Serve HTTPS with a freshly generated self-signed certificate for
                ``127.0.0.1``/``localhost`` (path in :attr:`tls_certificate`).
            port: TCP port; 0 picks a free one.
        """
        from ._server import serve_org

        with serve_org(self, tls=tls, port=port) as url:
            yield url

    # --- the sans-I/O core ------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """
        Answer one request (its body already read), without sleeping.

        Raises:
            ConnectionDropped: When a ``rate_drop`` fault fires.
        """
        with self._flight():
            response = self.respond(request)
        response.read()  # a Bulk result download is streamed from stored bytes; read it here
        return response

    def respond(self, request: httpx.Request) -> httpx.Response:
        """
        :meth:`handle` without the in-flight accounting (used by the transports); a Bulk
        query result download comes back as a stream, read by the caller outside the org's
        locks.
        """
        body = _decoded_body(request)
        method = request.method.upper()
        if method == "HEAD":
            # Salesforce answers HEAD as GET without the body.
            head = self.respond(httpx.Request("GET", request.url, headers=request.headers))
            return httpx.Response(head.status_code, headers=head.headers, content=b"")
        # Route on the raw path: an encoded "/" inside a segment (an external id value) must
        # not split it; _match unquotes each segment on its own.
        path = request.url.raw_path.decode("ascii").partition("?")[0]
        route, version, segments = self._match(method, path)
        response: httpx.Response | None = None
        try:
            response = self._guarded(request, method, route, version, segments, body)
        except ConnectionDropped:
            self._record(request, route, 0, body)
            raise
        self._record(request, route, response.status_code, body)
        if "Date" not in response.headers:
            # Every Salesforce answer carries the server's clock (RFC 9110, 6.6.1: an origin
            # server with a clock sends Date), to the second.
            response.headers["Date"] = formatdate(usegmt=True)
        return response

    def _match(self, method: str, path: str) -> tuple[str, str | None, list[str]]:
        if path in ("/services/data", "/services/data/"):
            return "versions", None, []
        if path.startswith("/services/Soap/u/"):
            return "soap_login", path.removeprefix("/services/Soap/u/").strip("/"), []
        if path.rstrip("/") == "/services/oauth2/token":
            return "oauth_token", None, []
        if path.rstrip("/") == "/services/oauth2/revoke":
            return "oauth_revoke", None, []
        if not path.startswith("/services/data/v"):
            return "unknown", None, []
        head, _, rest = path.removeprefix("/services/data/v").partition("/")
        segments = [unquote(s) for s in rest.split("/")]
        while segments and segments[-1] == "":
            segments.pop()
        first = segments[0] if segments else ""
        route = {
            "": "resources",
            "limits": "limits",
            "sobjects": "sobject",
            "query": "query",
            "queryAll": "query",
            "composite": "collections",
            "jobs": "bulk",
        }.get(first, "unknown")
        if route == "sobject":
            if len(segments) == 1:
                route = "global_describe"
            elif len(segments) == 3 and segments[2] == "describe":
                route = "describe"
            elif len(segments) == 4 and is_valid_id(segments[2]):
                obj = self.store.object(segments[1])
                if obj is not None and (obj.blob_field or "").lower() == segments[3].lower():
                    route = "blob"
        if route == "query" and len(segments) > 1:
            route = "query_more"
        if route == "collections" and len(segments) == 1:
            route = "composite"
        elif route == "collections" and segments[1:] == ["batch"]:
            route = "composite_batch"
        elif route == "collections" and len(segments) == 3 and segments[1] == "tree":
            route = "composite_tree"
        elif route == "collections" and segments[1] != "sobjects":
            route = "unknown"
        return route, head, segments

    def _guarded(
        self,
        request: httpx.Request,
        method: str,
        route: str,
        version: str | None,
        segments: list[str],
        body: bytes,
    ) -> httpx.Response:
        faults = self.faults
        targeted = faults.applies_to(method, route)
        if targeted and self._dice.roll(faults.rate_503):
            return json_response(
                503,
                [
                    {
                        "errorCode": "SERVER_UNAVAILABLE",
                        "message": "Server is temporarily unavailable. Please try again later.",
                    }
                ],
            )
        dropping = targeted and self._dice.roll(faults.rate_drop)
        if dropping and not faults.drop_after_apply:
            raise ConnectionDropped(applied=False)
        try:
            with self.store.lock:
                response = self._dispatch(request, method, route, version, segments, body)
        except Exception as exc:  # a bug in the fake, never a client mistake
            self.internal_errors.append(exc)
            response = error_response(
                500,
                "UNKNOWN_EXCEPTION",
                f"An unexpected error occurred in the fake org: {type(exc).__name__}",
            )
        if dropping:
            raise ConnectionDropped(applied=True)
        return response

    def _dispatch(
        self,
        request: httpx.Request,
        method: str,
        route: str,
        version: str | None,
        segments: list[str],
        body: bytes,
    ) -> httpx.Response:
        uri = len(request.url.raw_path)
        if uri > _MAX_URI:
            return error_response(
                414, "URI_TOO_LONG", f"The request URI is longer than {_MAX_URI:,} bytes"
            )
        if uri + sum(len(k) + len(v) + 4 for k, v in request.headers.raw) > _MAX_URI:
            return error_response(
                431,
                "REQUEST_HEADER_FIELDS_TOO_LARGE",
                f"The request URI and headers are longer than {_MAX_URI:,} bytes",
            )
        if route == "versions":
            return self._versions(method)
        if route == "soap_login":
            return self._soap_login(request, version or "", body)
        if route == "oauth_token":
            return self._oauth_token(request, method, body)
        if route == "oauth_revoke":
            return self._revoke(request, body)
        if route == "unknown" and version is None:
            return not_found().response()
        if version is None or version not in self.api_versions:
            return _unlisted_version(version)
        session_or_error = self._authenticate(request)
        if isinstance(session_or_error, httpx.Response):
            return session_or_error
        with self._stats_lock:
            self.stats.api_usage += 1
            used = self.stats.api_usage
        limit = self.faults.request_limit
        headers = {"Sforce-Limit-Info": f"api-usage={used}/{limit or _DAILY_LIMIT}"}
        if limit is not None and used > limit:
            response = error_response(
                403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
            )
        else:
            call = Call(
                method=method,
                segments=segments,
                params=dict(request.url.params),
                headers=request.headers,
                body=body,
                version=version,
                user_id=session_or_error,
                store=self.store,
                lock_row=lambda: (
                    self.faults.applies_to(method, route)
                    and self._dice.roll(self.faults.rate_lock_row)
                ),
            )
            version_token = api_version_var.set(version)
            user_token = user_id_var.set(session_or_error)
            lock_token = lock_row_var.set(call.lock_row)
            try:
                response = self._rest(call, route)
            except ApiError as error:
                response = error.response()
            finally:
                api_version_var.reset(version_token)
                user_id_var.reset(user_token)
                lock_row_var.reset(lock_token)
        response.headers.update(headers)
        return response

    def _rest(self, call: Call, route: str) -> httpx.Response:
        if call.version_number < _AVAILABLE_SINCE.get(route, 0.0):
            raise not_found()
        allowed = _ALLOWED_METHODS.get(route)
        if allowed is not None and call.method not in allowed.split(","):
            raise not_allowed(call.method, allowed)
        if route == "resources" and call.method == "GET":
            names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
            return json_response(200, {name: call.url(name) for name in names})
        if route == "limits" and call.method == "GET":
            return json_response(200, self._limits())
        if route == "global_describe" and call.method == "GET":
            return global_describe(call)
        if route in ("sobject", "describe", "blob"):
            return sobject_route(call)
        if route in ("query", "query_more") and call.method == "GET":
            return self._cursors.query(call, include_deleted=call.segments[0] == "queryAll")
        if route == "collections":
            return collections_route(call)
        if route == "composite" and call.method in ("GET", "HEAD"):
            # "Get a List of Composite Resources": those this org serves (not Composite Graph).
            served = ("tree", "batch", "sobjects")
            return json_response(200, {name: call.url(f"composite/{name}") for name in served})
        if route == "composite":
            return composite(call, lambda m, u, b: self._subrequest(call, m, u, b))
        if route == "composite_tree" and call.method == "POST":
            return tree(call, call.segments[2])
        if route == "composite_batch" and call.method == "POST":
            return batch(call, lambda m, u, b: self._metered_subrequest(call, m, u, b))
        if route == "bulk":
            return self._bulk_api().handle(  # type: ignore[no-any-return]
                call.method,
                "/".join(call.segments[1:]),
                call.params,
                call.headers,
                call.body,
                call.version,
                call.user_id,
            )
        raise not_found()

    def _metered_subrequest(
        self, parent: Call, method: str, url: str, body: bytes
    ) -> httpx.Response:
        """A Composite Batch subrequest: "Each subrequest counts against rate limits"."""
        with self._stats_lock:
            self.stats.api_usage += 1
        return self._subrequest(parent, method, url, body)

    def _subrequest(self, parent: Call, method: str, url: str, body: bytes) -> httpx.Response:
        """Run one Composite subrequest as the parent call's user, without metering it."""
        target = httpx.URL(url)
        route, version, segments = self._match(method, target.raw_path.decode().partition("?")[0])
        if version is None or version not in self.api_versions:
            return _unlisted_version(version)
        if route in ("composite", "composite_batch", "composite_tree", "bulk", "blob", "unknown"):
            return error_response(
                400, "INVALID_SUBREQUEST", f"{method} {target.path} is not allowed in Composite"
            )
        call = replace(
            parent,
            method=method,
            segments=segments,
            params=dict(target.params),
            body=body,
            version=version,
        )
        api_token = api_version_var.set(version)
        try:
            return self._rest(call, route)
        except ApiError as error:
            return error.response()
        finally:
            api_version_var.reset(api_token)

    @property
    def bulk(self) -> Any:
        """
        The org's Bulk API 2.0 service (a ``BulkApi``), created on first use.

        Its ``max_upload_bytes``, ``polls_in_progress`` and ``query_page_size`` can be changed
        at run time, for example to test how a client splits a large upload.
        """
        return self._bulk_api()

    def _bulk_api(self) -> Any:
        if self._bulk is None:
            from ._bulk import BulkApi

            self._bulk = BulkApi(self.store, clock=self.store.now)
        return self._bulk

    def _limits(self) -> dict[str, dict[str, int]]:
        daily = self.faults.request_limit or _DAILY_LIMIT
        used = min(self.stats.api_usage, daily)
        return {
            "DailyApiRequests": {"Max": daily, "Remaining": daily - used},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 1024, "Remaining": 1024},
            "FileStorageMB": {"Max": 1024, "Remaining": 1024},
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        }

    # --- unauthenticated endpoints ----------------------------------------------------------

    def _versions(self, method: str) -> httpx.Response:
        if method != "GET":
            return not_allowed(method, _ALLOWED_METHODS["versions"]).response()
        return json_response(
            200,
            [
                {"label": _release_label(v), "url": f"/services/data/v{v}", "version": v}
                for v in self.api_versions
            ],
        )

    def _instance(self, request: httpx.Request) -> str:
        if self.instance_url:
            return self.instance_url
        if request.url.host in _LOGIN_HOSTS:
            return "https://fake-org.my.salesforce.com"
        port = f":{request.url.port}" if request.url.port else ""
        return f"{request.url.scheme}://{request.url.host}{port}"

    def _login_result(self, ok: bool) -> None:
        with self._stats_lock:
            if ok:
                self.stats.logins += 1
            else:
                self.stats.failed_logins += 1

    def _soap_login(self, request: httpx.Request, version: str, body: bytes) -> httpx.Response:
        try:
            float(version)
        except ValueError:
            return not_found().response()
        try:
            _session, xml = self.auth.soap_login(body, version, self._instance(request))
        except SoapFault as fault:
            self._login_result(False)
            return self.auth.soap_fault(fault)
        self._login_result(True)
        return httpx.Response(
            200, headers={"Content-Type": "text/xml;charset=UTF-8"}, content=xml.encode()
        )

    def _oauth_token(self, request: httpx.Request, method: str, body: bytes) -> httpx.Response:
        if method != "POST":
            return self.auth.oauth_error(
                OAuthError("invalid_request", "must use HTTP POST", status=400)
            )
        try:
            _session, response = self.auth.oauth_token(request, body, self._instance(request))
        except OAuthError as error:
            self._login_result(False)
            return self.auth.oauth_error(error)
        self._login_result(True)
        return response

    def _revoke(self, request: httpx.Request, body: bytes) -> httpx.Response:
        from urllib.parse import parse_qsl

        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        token = form.get("token") or request.url.params.get("token", "")
        if not token:
            return self.auth.oauth_error(
                OAuthError("unsupported_token_type", "this token type is not supported")
            )
        if not self.auth.revoke(token):
            return self.auth.oauth_error(OAuthError("invalid_token", "invalid token"))
        return httpx.Response(200, content=b"")

    def _authenticate(self, request: httpx.Request) -> str | httpx.Response:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if header and scheme.lower() not in ("bearer", "oauth"):
            return error_response(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
        session = self.auth.check(
            token.strip(),
            ttl_requests=self.faults.session_ttl_requests,
            ttl_seconds=self.faults.session_ttl_seconds,
        )
        if session is None:
            return error_response(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return session.user_id

    def _record(self, request: httpx.Request, route: str, status: int, body: bytes) -> None:
        params = {
            key: ("***" if key.lower() in _SECRET_PARAMS else value)
            for key, value in request.url.params.items()
        }
        parsed: Any = None
        # Bodies over 1 MB are left out, so long benchmark runs keep a bounded log.
        content_type = request.headers.get("Content-Type", "json")
        if body and len(body) <= _LOGGED_BODY_LIMIT and "json" in content_type:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        entry = RequestRecord(request.method, request.url.path, params, route, status, parsed)
        with self._stats_lock:
            self._log.append(entry)
            self.stats.requests_by_route[route] += 1


def _unlisted_version(version: str | None) -> httpx.Response:
    """404 for a version the org does not know, 410 GONE for a retired one."""
    try:
        number = float(version or "")
    except ValueError:
        number = None
    if number is not None and number <= _LAST_RETIRED_VERSION:
        # "Status Codes and Error Responses": 410, the requested resource has been retired.
        # The body is undocumented: errorCode GONE is what users reported Salesforce answering
        # for a retired version (restforce issue 941); the message is ours.
        return error_response(
            410, "GONE", f"API version {version} has been retired and is no longer supported"
        )
    return not_found().response()


def _decoded_body(request: httpx.Request) -> bytes:
    body = request.read()
    encoding = request.headers.get("Content-Encoding", "").lower()
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, zlib.error):
        return b"\x00invalid-compressed-body"
    return body
