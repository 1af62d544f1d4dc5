"""The Salesforce client: an httpx client that logs in, retries and tracks API usage."""

from __future__ import annotations

import codecs
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import httpx

from .. import _registry
from .._concurrency import (
    AsyncSharedLock,
    default_transport_async,
    iterate_within_async,
    monotonic,
    read_raw_within_async,
    run_in_thread_async,
    sleep_async,
)
from .._exports import publish
from .._session import SessionState, normalize_api_version, parse_versions, pick_api_version
from .._twins import TwinMixin, twin_kwargs
from .._wire.errors import (
    connection_error,
    error_from_response,
    is_redirect,
    renewal_refused,
    timeout_error,
    undecodable_body,
)
from .._wire.limits import ApiUsage, Throttle, parse_limit_info
from .._wire.retry import Deadline, RetryPolicy, bounded_timeout
from .._wire.secrets import SECRETS_EXTENSION, SecretMask
from .._wire.urls import retarget, same_origin
from ..auth import CliCommand, CliResult, Login, LoginFlow, Session, run_cli_command
from ..exceptions import ClientClosedError

__all__ = ["AsyncSalesforceClient"]

logger = logging.getLogger("sf_toolkit")

#: Salesforce answers most calls quickly, but a 2,000-record query page or a bulk result page
#: can take minutes to stream: connect briefly, read patiently.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=30.0)

#: Request extension that marks a POST as safe to repeat (a read, or an idempotent write).
IDEMPOTENT = "sf_toolkit.idempotent"

#: Response extension of a streamed answer: the call's deadline and attempt, for its body.
_BUDGET = "sf_toolkit.budget"


class AsyncSalesforceClient(TwinMixin, httpx.AsyncClient):
    """
    An httpx client for one Salesforce org.

    The client logs in on first need (entering the context manager, or the first request),
    picks the API version (the one given, else the org's newest) and resolves relative URLs
    against the org's REST root, ``{instance}/services/data/vXX.X/``: plain httpx calls such as
    ``client.get("sobjects/Account/describe")`` keep working. An expired session is renewed
    once, for all concurrent requests together; transient failures are retried under
    ``retry``, within its overall time ``budget``; every response's ``Sforce-Limit-Info``
    updates :attr:`api_usage`. The token goes only to the instance origin (scheme, host, port).

    Args:
        login: How to log in, for example ``SalesforceLogin(username=..., password=...)``.
        api_version: REST API version such as ``"62.0"``; default: the org's newest.
        timeout: httpx timeout; default: 10 s to connect, 120 s to read.
        connection_name: The name under which the client registers as a default connection,
            for operations called without a client.
        retry: The retry policy; ``RetryPolicy.disabled()`` turns retries off.
        throttle: Slow down as the org's daily API usage nears its limit; off by default.
        **kwargs: Passed to httpx (``transport``, ``event_hooks``, ``verify``, ...).

    Raises:
        TypeError: If ``login`` is not a login object.
        ValueError: If ``api_version`` does not look like ``"62.0"``.
    """

    def __init__(
        self,
        login: Login,
        *,
        api_version: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        connection_name: str = _registry.DEFAULT_CONNECTION,
        retry: RetryPolicy | None = None,
        throttle: Throttle | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(login, Login):
            raise TypeError(
                "login must be a login object such as SalesforceLogin(username=..., "
                f"password=...), got {type(login).__name__}"
            )
        if "base_url" in kwargs:
            raise TypeError("base_url is set from the login; pass api_version= to choose it")
        if api_version is None:
            api_version = getattr(login, "api_version", None)
        self._shared = SessionState(
            login=login, requested_version=normalize_api_version(api_version)
        )
        self.connection_name = connection_name
        self.retry = retry if retry is not None else RetryPolicy()
        self.throttle = throttle
        self._httpx_kwargs = dict(kwargs)
        self._rng = random.Random()
        self._detached = False
        self._mask_cache: tuple[int, SecretMask] | None = None
        #: Whether requests go through httpx's own transport, whose ``trace`` extension
        #: reports when a request has left (the query reads ahead on it).
        self._reports_sends = all(
            kwargs.get(name) is None for name in ("transport", "mounts", "proxy")
        ) or isinstance(kwargs.get("transport"), httpx.AsyncHTTPTransport)
        transport = default_transport_async(kwargs)
        if transport is not None:
            kwargs["transport"] = transport
        super().__init__(timeout=timeout, **kwargs)
        _registry.register(self, connection_name)

    @classmethod
    def _from_twin(cls, origin: Any) -> AsyncSalesforceClient:
        """Build the twin of ``origin``: same session and settings, its own connections."""
        kwargs = twin_kwargs(origin._httpx_kwargs, for_class=cls)
        client = cls(
            origin._shared.login,
            api_version=origin._shared.requested_version,
            timeout=origin.timeout,
            connection_name=origin.connection_name,
            retry=origin.retry,
            throttle=origin.throttle,
            **kwargs,
        )
        client._shared = origin._shared
        client._twin = origin
        if origin._shared.base_url is not None:
            client.base_url = origin._shared.base_url
        return client

    def __repr__(self) -> str:
        session = self._shared.session
        where = session.instance_url if session else "not logged in"
        return (
            f"<{type(self).__name__} connection={self.connection_name!r} {where} "
            f"api_version={self._shared.api_version!r}>"
        )

    # -- state --------------------------------------------------------------------------------

    @property
    def api_version(self) -> str | None:
        """The REST API version in use; None until the client has logged in."""
        return self._shared.api_version

    @property
    def api_usage(self) -> ApiUsage | None:
        """The org's API usage from the last ``Sforce-Limit-Info``, shared with the twin."""
        return self._shared.api_usage

    @property
    def session(self) -> Session | None:
        """The current session (its repr hides the token); None until logged in."""
        return self._shared.session

    @property
    def secret_mask(self) -> SecretMask:
        """
        Mask every secret this client knows (password, security token, access and refresh
        tokens, client secret...) in a text: ``client.secret_mask(text)``; parsed JSON with
        ``client.secret_mask.data(value)``. It follows the session: renewed tokens included.
        """
        state = self._shared
        cached = self._mask_cache
        if cached is None or cached[0] != state.generation:
            cached = self._mask_cache = (state.generation, SecretMask(state.secrets()))
        return cached[1]

    @property
    def is_closed(self) -> bool:
        """Whether the client was closed (directly, or by closing its origin)."""
        return self._detached or super().is_closed

    def _check_open(self) -> None:
        if self.is_closed:
            raise ClientClosedError(
                f"this {type(self).__name__} is closed; create a new client to send requests"
            )

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncSalesforceClient:
        self._check_open()
        await super().__aenter__()
        try:
            await self.ensure_logged_in()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._release()
        await super().__aexit__(exc_type, exc_value, traceback)

    async def aclose(self) -> None:
        """Close the client and its twin, and hand its connection name back."""
        self._release()
        await super().aclose()

    def _release(self) -> None:
        _registry.unregister(self, self.connection_name)
        self._close_twin()

    def _detach(self) -> None:
        """Mark closed from the other half, which cannot wait for this half's pool to close."""
        self._detached = True
        _registry.unregister(self, self.connection_name)

    # -- logging in ---------------------------------------------------------------------------

    async def ensure_logged_in(self) -> Session:
        """Log in unless a session exists; return it."""
        self._check_open()
        state = self._shared
        if state.session is None:
            async with AsyncSharedLock(state.lock):
                if state.session is None:
                    await self._login(state.login.flow())
        assert state.session is not None
        if self._shared.base_url is not None and str(self.base_url) != self._shared.base_url:
            self.base_url = self._shared.base_url
        return state.session

    async def _refresh(self, seen_generation: int) -> None:
        """Renew the session, unless another request already did since ``seen_generation``."""
        state = self._shared
        async with AsyncSharedLock(state.lock):
            if state.generation != seen_generation:
                return
            assert state.session is not None
            logger.info("session expired; logging in again")
            await self._login(state.login.refresh_flow(state.session))

    async def _login(self, flow: LoginFlow) -> None:
        """Drive a login flow to its session, then learn the API version."""
        state = self._shared
        try:
            step = next(flow)
            while True:
                reply: httpx.Response | CliResult
                if isinstance(step, CliCommand):
                    reply = await run_in_thread_async(run_cli_command, step)
                else:
                    reply = await self._send_bare(step)
                step = flow.send(reply)
        except StopIteration as done:
            session: Session = done.value
        if state.api_version is None:
            versions = await self._send_bare(
                httpx.Request("GET", f"{session.instance_url}/services/data/")
            )
            state.api_version = pick_api_version(parse_versions(versions), state.requested_version)
        state.session = session
        state.generation += 1
        self.base_url = state.base_url or ""

    async def _send_bare(self, request: httpx.Request) -> httpx.Response:
        """
        Send a login-time request: no token, never redirected, retried only where harmless.

        A login request carries a password or a secret, so a redirect is never followed, even
        on a client built with ``follow_redirects=True``; the login flow reports it.
        """
        request.extensions[SECRETS_EXTENSION] = self._shared.secrets()
        deadline = Deadline.start(self.retry.budget, monotonic())
        return await self._send_handling_retries(request, deadline, follow_redirects=False)

    # -- requests -----------------------------------------------------------------------------

    async def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        """Send a request, logging in first if needed; relative URLs use the REST root."""
        await self.ensure_logged_in()
        return await super().request(method, url, **kwargs)

    @asynccontextmanager
    async def stream(
        self, method: str, url: httpx.URL | str, **kwargs: Any
    ) -> AsyncIterator[httpx.Response]:
        """Stream a response, logging in first if needed; relative URLs use the REST root."""
        await self.ensure_logged_in()
        async with super().stream(method, url, **kwargs) as response:
            yield response

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        """
        Send with the session's token; renew an expired session once and retry what is safe.

        The layers, outermost first, each asking a sans-I/O policy what to do next: the
        session (the token goes only to the instance origin: scheme, host and port; a 401
        renews the session once and, when the instance moved, re-targets the request), then
        retries (transient failures, within the policy's overall time budget), then one
        exchange (the answer read within that budget).

        A request whose body is streamed from an iterator can be sent only once, so it is
        never retried or resent; after a 401 the session is still renewed for the next one.

        A redirect is never followed, whatever ``follow_redirects`` says (on the client or the
        call): the target may not deserve the token or the body, so any 3xx answer raises
        :class:`~sf_toolkit.exceptions.RedirectError` naming its target. Only 300 (several
        records match an external id) and a 304 answering a conditional request
        (``If-Modified-Since``, ``If-None-Match``) are answers, returned as they are.

        Raises:
            ClientClosedError: If the client is closed.
            RedirectError: If the answer is a redirect (nothing is sent to its target).
            SalesforceConnectionError: If the request got no answer and may not be retried.
            SalesforceTimeoutError: If the call ran out of the retry policy's time budget.
            UnexpectedResponseError: If the body does not match its ``Content-Encoding``.
            AuthenticationError: If Salesforce refuses a freshly renewed session (with
                Salesforce's own code and message).
        """
        await self.ensure_logged_in()
        await self._throttle()
        deadline = Deadline.start(self.retry.budget, monotonic())
        kwargs["follow_redirects"] = False
        response = await self._send_handling_session(request, deadline, **kwargs)
        if is_redirect(response):
            await response.aclose()
            raise error_from_response(response, base_path=self._rest_path())
        return response

    async def _send_handling_session(
        self, request: httpx.Request, deadline: Deadline, **kwargs: Any
    ) -> httpx.Response:
        """The session loop: the token for the instance origin only, one renewal on 401."""
        state = self._shared
        replayable = isinstance(request.stream, httpx.ByteStream)
        renewed = False
        while True:
            session, generation = state.session, state.generation
            assert session is not None
            with_token = same_origin(request.url, session.instance_url)
            bearer = f"Bearer {session.access_token}"
            if with_token:
                request.headers["Authorization"] = bearer
            elif request.headers.get("Authorization") == bearer:
                del request.headers["Authorization"]  # ours, but the request left the instance
            request.extensions[SECRETS_EXTENSION] = state.secrets()
            response = await self._send_handling_retries(request, deadline, **kwargs)
            if response.status_code != 401 or not with_token:
                return response
            await response.aread()
            if renewed:
                raise renewal_refused(response, base_path=self._rest_path())
            renewed = True
            await self._refresh(generation)
            if not replayable:
                return response
            await response.aclose()
            assert state.session is not None
            request = retarget(request, session.instance_url, state.session.instance_url)

    async def _send_handling_retries(
        self, request: httpx.Request, deadline: Deadline, **kwargs: Any
    ) -> httpx.Response:
        """The retry loop: transient failures are tried again while the budget allows."""
        idempotent = request.extensions.get(IDEMPOTENT)
        replayable = isinstance(request.stream, httpx.ByteStream)
        attempt = 0
        started = monotonic()
        while True:
            attempt += 1
            try:
                response = await self._send_one(request, deadline, attempt, **kwargs)
            except httpx.TransportError as exc:
                if replayable and self.retry.should_retry(
                    method=request.method, attempt=attempt, error=exc, idempotent=idempotent
                ):
                    delay = self.retry.next_delay(attempt, None, self._rng)
                    if deadline.allows_wait(delay, monotonic()):
                        self._log_retry(request, attempt, type(exc).__name__)
                        await sleep_async(delay)
                        continue
                if deadline.expired(monotonic()):
                    raise timeout_error(
                        request, deadline.budget, attempt, base_path=self._rest_path()
                    ) from exc
                raise connection_error(exc, request, base_path=self._rest_path()) from exc
            self._track_usage(response)
            if (
                replayable
                and response.status_code >= 400
                and response.status_code != 401
                and attempt < self.retry.attempts
            ):
                await response.aread()
                if self.retry.should_retry(
                    method=request.method,
                    attempt=attempt,
                    response=response,
                    idempotent=idempotent,
                ):
                    delay = self.retry.next_delay(attempt, response, self._rng)
                    if deadline.allows_wait(delay, monotonic()):
                        await response.aclose()
                        self._log_retry(request, attempt, str(response.status_code))
                        await sleep_async(delay)
                        continue
            logger.debug(
                "%s %s -> %s in %.3fs (%d attempt%s)",
                request.method,
                request.url.path,
                response.status_code,
                monotonic() - started,
                attempt,
                "" if attempt == 1 else "s",
            )
            return response

    async def _send_one(
        self, request: httpx.Request, deadline: Deadline, attempt: int, **kwargs: Any
    ) -> httpx.Response:
        """
        One exchange. Unless the caller streams, the answer is read here, chunk by chunk, so
        that a server trickling bytes cannot hold the call past its budget.
        """
        stream = kwargs.pop("stream", False)
        remaining = deadline.remaining(monotonic())
        if remaining != float("inf"):
            request.extensions["timeout"] = bounded_timeout(
                request.extensions.get("timeout"), remaining
            )
        try:
            response = await super().send(request, stream=True, **kwargs)
        except httpx.DecodingError as exc:  # a transport that decodes eagerly
            raise undecodable_body(request, exc, base_path=self._rest_path()) from exc
        if stream:
            response.extensions[_BUDGET] = (deadline, attempt)
            return response
        return await self._read_within(response, deadline, attempt)

    async def _read_within(
        self, response: httpx.Response, deadline: Deadline, attempt: int
    ) -> httpx.Response:
        """Read an answer's body within the deadline; return the answer with its body read."""
        request = response.request
        try:
            response.content  # noqa: B018 - already read: a transport that answers in memory
        except httpx.ResponseNotRead:
            pass
        else:
            return response
        try:
            content = await read_raw_within_async(response, deadline.remaining(monotonic()))
        finally:
            await response.aclose()
        if content is None:
            raise timeout_error(request, deadline.budget, attempt, base_path=self._rest_path())
        try:
            read = httpx.Response(
                response.status_code,
                headers=response.headers,
                content=content,
                request=request,
                extensions=response.extensions,
                history=response.history,
                default_encoding=response.default_encoding,
            )
        except httpx.DecodingError as exc:
            raise undecodable_body(request, exc, base_path=self._rest_path()) from exc
        read.elapsed = response.elapsed
        return read

    # -- streamed bodies ----------------------------------------------------------------------

    async def read_body(self, response: httpx.Response) -> httpx.Response:
        """
        Read a streamed answer's whole body within the call's time budget; return the answer
        with its body read (use it for an error answer met while streaming).

        Raises:
            SalesforceTimeoutError: If the body did not arrive within the retry policy's
                ``budget``, counted from when the request was sent.
            SalesforceConnectionError: If the connection broke off midway.
            UnexpectedResponseError: If the body does not match its ``Content-Encoding``.
        """
        deadline, attempt = self._budget_of(response)
        try:
            return await self._read_within(response, deadline, attempt)
        except httpx.TransportError as exc:
            raise connection_error(exc, response.request, base_path=self._rest_path()) from exc

    async def body_chunks(
        self, response: httpx.Response, chunk_size: int | None = None
    ) -> AsyncIterator[bytes]:
        """
        Iterate over a streamed answer's decoded body in chunks (of ``chunk_size`` bytes when
        given), within the call's time budget: the way to read ``client.stream(...)``.

        Raises:
            SalesforceTimeoutError: If the body did not arrive within the retry policy's
                ``budget``, counted from when the request was sent (a trickling server).
            SalesforceConnectionError: If the connection broke off midway.
            UnexpectedResponseError: If the body does not match its ``Content-Encoding``.
        """
        buffer = bytearray()
        async for piece in self._decoded(response):
            if chunk_size is None:
                yield piece
                continue
            buffer += piece
            while len(buffer) >= chunk_size:
                yield bytes(buffer[:chunk_size])
                del buffer[:chunk_size]
        if buffer:
            yield bytes(buffer)

    async def body_lines(self, response: httpx.Response) -> AsyncIterator[str]:
        """
        Iterate over a streamed answer's body as text lines (``\\n`` or ``\\r\\n`` removed),
        decoded with the answer's charset, within the call's time budget; errors as
        :meth:`body_chunks`.
        """
        text = codecs.getincrementaldecoder(response.encoding or "utf-8")(errors="replace")
        pending = ""
        async for piece in self._decoded(response):
            *lines, pending = (pending + text.decode(piece)).split("\n")
            for line in lines:
                yield line.removesuffix("\r")
        pending += text.decode(b"", final=True)
        if pending:
            yield pending.removesuffix("\r")

    async def _decoded(self, response: httpx.Response) -> AsyncIterator[bytes]:
        """
        The body, decoded here rather than by httpx: a decoding error raised inside httpx's
        own iterators would leave the inner ones suspended (a warning on trio).
        """
        try:
            content = response.content  # a transport that answers in memory: read already
        except httpx.ResponseNotRead:
            pass
        else:
            if content:
                yield content
            return
        request = response.request
        deadline, attempt = self._budget_of(response)
        decoder = response._get_content_decoder()  # httpx's decoder for the Content-Encoding
        raw = iterate_within_async(response.aiter_raw(), deadline.remaining(monotonic()))
        try:
            async for piece in raw:
                decoded = decoder.decode(piece)
                if decoded:
                    yield decoded
            tail = decoder.flush()
            if tail:
                yield tail
        except TimeoutError:
            raise timeout_error(
                request, deadline.budget, attempt, base_path=self._rest_path()
            ) from None
        except httpx.DecodingError as exc:
            raise undecodable_body(request, exc, base_path=self._rest_path()) from exc
        except httpx.TransportError as exc:
            raise connection_error(exc, request, base_path=self._rest_path()) from exc
        finally:
            await raw.aclose()

    def _budget_of(self, response: httpx.Response) -> tuple[Deadline, int]:
        """The deadline a streamed answer's request was sent under (a fresh one if unknown)."""
        budget = response.extensions.get(_BUDGET)
        if budget is None:
            return Deadline.start(self.retry.budget, monotonic()), 1
        return budget  # type: ignore[no-any-return]

    async def _throttle(self) -> None:
        if self.throttle is not None:
            delay = self.throttle.delay_for(self.api_usage)
            if delay:
                logger.info("API usage at %s: waiting %.2fs", self.api_usage, delay)
                await sleep_async(delay)

    def _rest_path(self) -> str:
        version = self._shared.api_version
        return f"/services/data/v{version}" if version else ""

    def _track_usage(self, response: httpx.Response) -> None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self._shared.api_usage = usage

    @staticmethod
    def _log_retry(request: httpx.Request, attempt: int, reason: str) -> None:
        logger.info(
            "retrying %s %s after %s (attempt %d)",
            request.method,
            request.url.path,
            reason,
            attempt,
        )


publish("sf_toolkit", [AsyncSalesforceClient])  # its public path, for reprs and the docs
