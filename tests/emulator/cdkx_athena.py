"""Athena GetQueryResults paged as AWS pages it.

moto 5.2 answers GetQueryResults with every row of the result at once and ignores
``MaxResults`` and ``NextToken``. Its results come from the queue a test fills
through moto's own ``POST /moto-api/static/athena/query-results``; moto returns
the configured ``rows`` verbatim (it adds no header row: a test that wants the
column-name row AWS sends first for a SELECT puts it first in ``rows``).

``moto.athena.responses.AthenaResponse.get_query_results`` is replaced so that:

* ``MaxResults`` (1..1000, default 1000) limits the rows of a page; the rows are
  paged as one stream, so a header row configured first is on the first page only
  and counts towards that page's ``MaxResults`` (as in AWS);
* ``NextToken`` is opaque, only valid for the query execution that produced it;
  a malformed or foreign one is HTTP 400 ``InvalidRequestException``;
* the last page has no ``NextToken``; ``ResultSetMetadata`` is on every page.

Which result set a query execution gets (moto's queue, taken at
StartQueryExecution or at the first GetQueryResults) is moto's behaviour, kept.
"""

from __future__ import annotations

import base64
import json
from typing import Any

MAX_RESULTS = 1000


def _error(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    err = JsonRESTError("InvalidRequestException", message)
    err.code = 400
    return err


def _token(exec_id: str, offset: int) -> str:
    raw = json.dumps({"e": exec_id, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: Any, exec_id: str, total: int) -> int:
    try:
        if not isinstance(token, str) or not token:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = data["o"]
        if data["e"] != exec_id or not isinstance(offset, int) or isinstance(offset, bool):
            raise ValueError
        if not 0 < offset < total:
            raise ValueError
        return offset
    except Exception:  # noqa: BLE001 - any malformed token is the caller's error
        raise _error("The NextToken provided is invalid.") from None


def page(exec_id: str, rows: list, column_info: list, max_results: Any, next_token: Any) -> dict:
    """One GetQueryResults page of ``rows`` (the whole result, header row included)."""
    if max_results is None:
        max_results = MAX_RESULTS
    if not isinstance(max_results, int) or isinstance(max_results, bool) or not 1 <= max_results <= MAX_RESULTS:
        raise _error(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value between 1 and {MAX_RESULTS}"
        )
    offset = _untoken(next_token, exec_id, len(rows)) if next_token is not None else 0
    end = offset + max_results
    answer: dict[str, Any] = {
        "ResultSet": {
            "Rows": rows[offset:end],
            "ResultSetMetadata": {"ColumnInfo": column_info},
        },
    }
    if end < len(rows):
        answer["NextToken"] = _token(exec_id, end)
    return answer


def _get_query_results_method(self: Any) -> tuple[int, dict, str]:
    """Replaces moto.athena.responses.AthenaResponse.get_query_results."""
    exec_id = self._get_param("QueryExecutionId")
    # Raises moto's QueryStillRunning / assigns a queued result, as before.
    result = self.athena_backend.get_query_results(exec_id)
    # moto's Athena answers carry Content-Type text/html; say what AWS says.
    return 200, {"content-type": "application/x-amz-json-1.1"}, json.dumps(
        page(
            exec_id,
            list(result.rows or []),
            list(result.column_info or []),
            self._get_param("MaxResults"),
            self._get_param("NextToken"),
        )
    )


def install() -> None:
    from moto.athena.responses import AthenaResponse

    AthenaResponse.get_query_results = _get_query_results_method
