"""
The exceptions sf_toolkit raises.

Every exception derives from :class:`SalesforceError`::

    SalesforceError
    ├── SalesforceApiError            an error answer from Salesforce (or an input it would refuse)
    │   ├── AuthenticationError       a login failed: SOAP fault, OAuth error, expired session
    │   ├── InvalidIdError            a malformed record Id, refused before any request is sent
    │   ├── NotFoundError             404: unknown record, resource or external id field
    │   ├── MultipleChoicesError      300: an external id matched several records
    │   ├── RequestLimitError         403 REQUEST_LIMIT_EXCEEDED
    │   ├── RedirectError             3xx: an answer pointing elsewhere (never followed)
    │   ├── UnexpectedResponseError   an answer that is not what the resource documents
    │   └── ServerError               5xx
    ├── BulkJobError                  a Bulk API 2.0 job did not end as asked
    │   ├── BulkJobFailedError        the job ended Failed (its errorMessage says why)
    │   ├── BulkJobTimeoutError       wait(timeout=...) ran out before the job finished
    │   └── BulkUploadError           starting ingest jobs failed after one was created
    ├── SalesforceConnectionError     the request never got an answer (the httpx error is chained)
    │   └── SalesforceTimeoutError    a call ran out of its overall time budget
    ├── ClientClosedError             a closed client was used
    ├── EventLoopError                an async client's connections were used from another loop
    └── NoClientError                 no client was passed and none is registered under the name

No exception ever carries a password, security token, access token, refresh token, client secret
or JWT: every secret the client knows is masked, in every encoding it was sent in, even when the
server echoes it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AuthenticationError",
    "BulkJobError",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkUploadError",
    "ClientClosedError",
    "EventLoopError",
    "InvalidIdError",
    "MultipleChoicesError",
    "NoClientError",
    "NotFoundError",
    "RedirectError",
    "RequestLimitError",
    "SalesforceApiError",
    "SalesforceConnectionError",
    "SalesforceError",
    "SalesforceTimeoutError",
    "ServerError",
    "UnexpectedResponseError",
]


class SalesforceError(Exception):
    """The root of every exception raised by sf_toolkit."""


class SalesforceApiError(SalesforceError):
    """
    Salesforce answered with an error, or would have: the input was refused before sending.

    Attributes:
        status_code: The HTTP status, or ``None`` when the error was detected before any request.
        error_code: Salesforce's code, for example ``"NOT_FOUND"`` or ``"MALFORMED_ID"``.
        message: Salesforce's message.
        fields: The fields the error is about, possibly empty.
        method: The HTTP method of the failed request, when there was one.
        url: The URL of the failed request, without query secrets.
        body: The answer's full body as text (secrets masked), when there was one; the message
            holds only its readable part (an HTML page's title and visible text, for example).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        fields: Sequence[str] = (),
        method: str | None = None,
        url: str | None = None,
        body: str | None = None,
    ) -> None:
        self.message = message
        self.body = body
        self.status_code = status_code
        self.error_code = error_code
        self.fields = tuple(fields)
        self.method = method
        self.url = url
        super().__init__(message)

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status_code, self.error_code) if part)
        if self.method and self.url:
            head = f"{head} on {self.method} {self.url}" if head else f"{self.method} {self.url}"
        return f"{head}: {self.message}" if head else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"error_code={self.error_code!r}, message={self.message!r})"
        )


class AuthenticationError(SalesforceApiError):
    """A login or token refresh failed; the message names the failure, never the secret."""


class InvalidIdError(SalesforceApiError, ValueError):
    """A record Id is not 15 or 18 characters of ``[A-Za-z0-9]``; nothing was sent."""


class NotFoundError(SalesforceApiError):
    """404: the record, resource or external id field does not exist."""


class MultipleChoicesError(SalesforceApiError):
    """300: an external id value matched several records."""


class RequestLimitError(SalesforceApiError):
    """403 REQUEST_LIMIT_EXCEEDED: the org's API request limit was reached."""


class RedirectError(SalesforceApiError):
    """
    3xx: the answer points elsewhere. It is never followed: the target may not deserve the token.

    Attributes:
        location: The target named by the ``Location`` header, or ``None`` when it has none.
    """

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        self.location = location
        super().__init__(message, **kwargs)


class UnexpectedResponseError(SalesforceApiError):
    """
    An answer that is not what the resource documents.

    For example a cut-off JSON body, a query page without ``records``, a body whose
    ``Content-Encoding`` does not match it, or a ``nextRecordsUrl`` that leaves the instance.
    """


class ServerError(SalesforceApiError):
    """5xx: Salesforce failed, and retries (if any) did not help."""


class BulkJobError(SalesforceError):
    """
    A Bulk API 2.0 job did not end as asked.

    Attributes:
        job_id: The job's Id, to look it up later (``BulkIngestJob.get(job_id)``).
        state: The job's state when the error was raised.
    """

    def __init__(self, message: str, *, job_id: str, state: str) -> None:
        self.job_id = job_id
        self.state = state
        super().__init__(message)


class BulkJobFailedError(BulkJobError):
    """
    The job ended ``Failed`` (Salesforce could not process it; ``error_message`` says why), or
    a query job ended ``Aborted`` and so has no results.

    An ingest job's rows can still be read: ``unprocessed_records()`` gives them back.
    """

    def __init__(self, *, job_id: str, state: str, error_message: str | None) -> None:
        self.error_message = error_message
        super().__init__(
            f"Bulk job {job_id} ended {state}: {error_message or 'no reason given'}",
            job_id=job_id,
            state=state,
        )


class BulkJobTimeoutError(BulkJobError, TimeoutError):
    """``wait(timeout=...)`` ran out before the job finished; the job keeps running."""

    def __init__(self, *, job_id: str, state: str, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            f"Bulk job {job_id} is still {state} after {timeout:g} s; it was not aborted "
            "(wait again, or get it later by its Id)",
            job_id=job_id,
            state=state,
        )


class BulkUploadError(BulkJobError):
    """
    Starting Bulk ingest jobs failed after one was created, so the jobs are not lost.

    Raised by ``save_insert_bulk`` and its siblings when creating a later job of a group,
    uploading, closing (``UploadComplete``), or the progress callback after closing fails.
    A job left ``Open`` by a failed upload or close is aborted (the message says whether
    that worked); jobs already closed keep running in Salesforce. The cause (a
    :class:`SalesforceConnectionError`, :class:`ServerError`, the callback's own
    exception, ...) is chained as ``__cause__`` and named in the message.

    Attributes:
        jobs: The jobs the call created, in input order (``BulkIngestJob`` objects, or
            ``AsyncBulkIngestJob`` in the async half), with their last known state.
        job_ids: Their Ids, for ``BulkIngestJobGroup.get(job_ids)``.
        job_id: The Id of the job the failure is about (the last one).
        state: That job's last known state.
    """

    def __init__(self, message: str, *, jobs: Sequence[Any]) -> None:
        self.jobs = list(jobs)
        self.job_ids = [job.id for job in self.jobs]
        super().__init__(message, job_id=self.jobs[-1].id, state=self.jobs[-1].state)


class SalesforceConnectionError(SalesforceError):
    """The request got no answer: connect error, dropped connection or timeout."""


class SalesforceTimeoutError(SalesforceConnectionError):
    """A call (all its retries included) ran out of its overall time budget."""


class ClientClosedError(SalesforceError, RuntimeError):
    """A client was used after it was closed."""


class EventLoopError(SalesforceError, RuntimeError):
    """
    An async client that keeps idle connections in one event loop was used from another, or
    a request it started ahead was cancelled by its event loop closing.
    """


class NoClientError(SalesforceError, LookupError):
    """No client was passed and none is registered under the connection name."""
