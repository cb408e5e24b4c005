"""CloudTrail Lake: event data stores and SQL queries answered from queued results.

moto 5.2 has no CloudTrail Lake. Methods added to
``moto.cloudtrail.responses.CloudTrailResponse`` (as ``lookup_events`` in
cdkx_cloudtrail) make moto's dispatcher route
``X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>`` to
them, so these calls are counted and subject to faults like every other request:

* CreateEventDataStore, ListEventDataStores (all at once, no NextToken);
* StartQuery: the statement must be a SELECT (or WITH ... SELECT) whose FROM /
  JOIN tables are event data store ids (the last part of the ARN) of the caller's
  account and region; every statement is recorded, rejected ones too;
* DescribeQuery, GetQueryResults: every query is FINISHED at once; results are
  paged by MaxQueryResults (1..1000, default 1000) with an opaque NextToken.

Results are queued per account and region through
``POST /moto-api/cdkx/lake/query-results``; each accepted StartQuery takes the
next queued set (nothing queued: no rows). ``GET /moto-api/cdkx/lake/queries``
answers the recorded statements.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from typing import Any

DEFAULT_REGION = "us-east-1"
MAX_QUERY_RESULTS = 1000
EXECUTION_TIME_MS = 100
DEFAULT_SELECTORS = [
    {"Name": "Default management events",
     "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
]

_lock = threading.Lock()
# (account, region) -> {id: event data store}
_stores: dict[tuple[str, str], dict[str, dict]] = {}
# (account, region) -> queued result sets (lists of rows)
_queues: dict[tuple[str, str], list[list]] = {}
# (account, region) -> {query id: query}
_queries: dict[tuple[str, str], dict[str, dict]] = {}
# every StartQuery statement, oldest first
_recorded: list[dict] = []


class ControlError(ValueError):
    """A malformed control request (answered with HTTP 400)."""


def _default_account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


# ---------------------------------------------------------------- control endpoints


def _check_rows(rows: Any) -> list:
    if not isinstance(rows, list):
        raise ControlError('"rows" must be a list of rows, each a list of {"column": "value"} maps')
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise ControlError(f"row {i} must be a list of single-key maps, e.g. [{{\"eventName\": \"x\"}}]")
        for cell in row:
            if not isinstance(cell, dict) or len(cell) != 1:
                raise ControlError(f"row {i}: each cell must be a map with exactly one key, got {json.dumps(cell)[:200]}")
            (key, value), = cell.items()
            if not isinstance(value, str):
                raise ControlError(f"row {i}: the value of {key!r} must be a string (AWS sends strings), "
                                   f"got {json.dumps(value)[:200]}")
    return rows


def add_results(body: Any) -> dict:
    """POST /moto-api/cdkx/lake/query-results: queue one result set."""
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    account = str(body.get("account") or _default_account())
    region = str(body.get("region") or DEFAULT_REGION)
    rows = _check_rows(body.get("rows"))
    with _lock:
        queue = _queues.setdefault((account, region), [])
        queue.append([[dict(cell) for cell in row] for row in rows])
        return {"account": account, "region": region, "queued": len(queue)}


def list_results() -> dict:
    with _lock:
        return {"queued": [{"account": a, "region": r, "sets": [len(s) for s in q]}
                           for (a, r), q in sorted(_queues.items()) if q]}


def clear_results() -> None:
    with _lock:
        _queues.clear()


def list_queries() -> list:
    """GET /moto-api/cdkx/lake/queries: every StartQuery statement, oldest first."""
    with _lock:
        return [dict(q) for q in _recorded]


def clear_queries() -> None:
    with _lock:
        _recorded.clear()


def reset() -> None:
    with _lock:
        _stores.clear()
        _queues.clear()
        _queries.clear()
        _recorded.clear()


# ---------------------------------------------------------------- errors and tokens


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    err = JsonRESTError(code, message)
    err.code = 400
    return err


def _token(query_id: str, offset: int) -> str:
    raw = json.dumps({"q": query_id, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: Any, query_id: str, total: int) -> int:
    try:
        if not isinstance(token, str) or not token:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = data["o"]
        if data["q"] != query_id or not isinstance(offset, int) or isinstance(offset, bool):
            raise ValueError
        if not 0 < offset < total:
            raise ValueError
        return offset
    except Exception:  # noqa: BLE001 - any malformed token is the caller's error
        raise _error("InvalidNextTokenException", "A token that is not valid was specified.") from None


# ---------------------------------------------------------------- SQL: which tables a statement reads

_TOKEN_RE = re.compile(
    r"""
    "(?:[^"]|"")*"            # quoted identifier
    | `[^`]*`                 # back-quoted identifier
    | [A-Za-z0-9_$][A-Za-z0-9_$\-.:/]*   # word (event data store ids contain '-')
    | [(),;]
    | \S                      # anything else, one character at a time
    """,
    re.VERBOSE,
)


def _strip_literals(sql: str) -> str:
    """The statement without string literals and comments (replaced by spaces)."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            j = i + 1
            while j < n:
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise _error("InvalidQueryStatementException",
                             "Your query statement is not valid: unterminated string literal.")
            out.append(" ''")
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            out.append(" ")
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise _error("InvalidQueryStatementException",
                             "Your query statement is not valid: unterminated comment.")
            i = j + 2
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1].replace('""', '"')
    if len(token) >= 2 and token[0] == token[-1] == "`":
        return token[1:-1]
    return token


def tables(sql: str) -> list[str]:
    """The tables named after FROM / JOIN in a SELECT (subqueries included, CTE names
    and table functions excluded). ``FROM`` inside a function call, as in
    ``extract(year FROM eventTime)``, is not a table reference."""
    tokens = _TOKEN_RE.findall(_strip_literals(sql))
    upper = [t.upper() for t in tokens]
    if not upper or upper[0] not in ("SELECT", "WITH", "("):
        raise _error("InvalidQueryStatementException",
                     "Your query statement is not valid: only SELECT statements are supported.")
    ctes = {_unquote(tokens[i]).lower() for i in range(len(tokens) - 2)
            if upper[i + 1] == "AS" and tokens[i + 2] == "("
            and (i == 0 or upper[i - 1] in ("WITH", ",", "RECURSIVE"))}
    found: list[str] = []
    selects = [False]  # per parenthesis level: has a SELECT started at this level?
    i = 0
    while i < len(tokens):
        t = upper[i]
        if t == "(":
            selects.append(False)
        elif t == ")":
            if len(selects) > 1:
                selects.pop()
        elif t == "SELECT":
            selects[-1] = True
        elif (t == "FROM" and selects[-1]) or t == "JOIN":
            j = i + 1
            while j < len(tokens):
                if tokens[j] in ("(", ")", ",", ";") or upper[j] in ("LATERAL", "UNNEST", "TABLE"):
                    break  # a subquery or table function: its own FROM is found later
                if j + 1 < len(tokens) and tokens[j + 1] == "(":
                    break  # a table function
                name = _unquote(tokens[j])
                if name.lower() not in ctes:
                    found.append(name)
                # optional alias, then ", next_table"
                k = j + 1
                if k < len(tokens) and upper[k] == "AS":
                    k += 1
                if k < len(tokens) and re.match(r"^[A-Za-z_\"`]", tokens[k]) and upper[k] not in _CLAUSE_WORDS:
                    k += 1
                if k < len(tokens) and tokens[k] == "," and upper[i] == "FROM":
                    j = k + 1
                    continue
                break
        i += 1
    return found


_CLAUSE_WORDS = {
    "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "INTERSECT", "EXCEPT", "JOIN", "INNER",
    "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "ON", "USING", "OFFSET", "FETCH", "WINDOW",
}


# ---------------------------------------------------------------- the API


def _store_view(store: dict) -> dict:
    return {k: v for k, v in store.items() if not k.startswith("_")}


def create_event_data_store(account: str, region: str, params: dict) -> dict:
    from moto.utilities.utils import get_partition

    name = params.get("Name")
    if not isinstance(name, str) or not re.match(r"^[a-zA-Z0-9._\-]{3,128}$", name):
        raise _error("InvalidParameterException",
                     "Event data store name must be 3-128 characters: letters, digits, '.', '_' or '-'.")
    retention = params.get("RetentionPeriod", 2557)
    if not isinstance(retention, int) or isinstance(retention, bool) or not 7 <= retention <= 3653:
        raise _error("InvalidParameterException", "RetentionPeriod must be between 7 and 3653 days.")
    store_id = str(uuid.uuid4())
    now = time.time()
    store = {
        "EventDataStoreArn": f"arn:{get_partition(region)}:cloudtrail:{region}:{account}:eventdatastore/{store_id}",
        "Name": name,
        "Status": "ENABLED" if params.get("StartIngestion", True) is not False else "STOPPED_INGESTION",
        "AdvancedEventSelectors": params.get("AdvancedEventSelectors") or DEFAULT_SELECTORS,
        "MultiRegionEnabled": bool(params.get("MultiRegionEnabled", True)),
        "OrganizationEnabled": bool(params.get("OrganizationEnabled", False)),
        "RetentionPeriod": retention,
        "TerminationProtectionEnabled": bool(params.get("TerminationProtectionEnabled", True)),
        "CreatedTimestamp": now,
        "UpdatedTimestamp": now,
        "BillingMode": params.get("BillingMode") or "EXTENDABLE_RETENTION_PRICING",
    }
    if params.get("KmsKeyId"):
        store["KmsKeyId"] = params["KmsKeyId"]
    with _lock:
        stores = _stores.setdefault((account, region), {})
        if any(s["Name"] == name for s in stores.values()):
            raise _error("EventDataStoreAlreadyExistsException",
                         f"An event data store with the name {name} already exists.")
        stores[store_id] = store
    answer = _store_view(store)
    if params.get("TagsList"):
        answer["TagsList"] = params["TagsList"]
    return answer


def list_event_data_stores(account: str, region: str, params: dict) -> dict:
    with _lock:
        stores = list((_stores.get((account, region)) or {}).values())
    return {"EventDataStores": [_store_view(s) for s in stores]}


def _record(account: str, region: str, query_id: str | None, statement: Any, error: str | None) -> None:
    entry = {"account": account, "region": region, "queryId": query_id, "statement": statement}
    if error:
        entry["error"] = error
    with _lock:
        _recorded.append(entry)


def start_query(account: str, region: str, params: dict) -> dict:
    statement = params.get("QueryStatement")
    try:
        if not isinstance(statement, str) or not statement.strip():
            raise _error("InvalidQueryStatementException", "Your query statement is not valid: it is empty.")
        names = tables(statement)
        if not names:
            raise _error("InvalidQueryStatementException",
                         "Your query statement is not valid: it must select FROM an event data store ID.")
        with _lock:
            stores = _stores.get((account, region)) or {}
            known = {sid.lower() for sid in stores}
        for name in names:
            if name.lower() not in known:
                raise _error("EventDataStoreNotFoundException",
                             f"The specified event data store {name} was not found. Use the event data store ID "
                             f"(the last part of its ARN) of an event data store in {account} / {region}.")
    except Exception as exc:
        _record(account, region, None, statement, getattr(exc, "error_type", type(exc).__name__))
        raise
    query_id = str(uuid.uuid4())
    with _lock:
        queue = _queues.get((account, region)) or []
        rows = queue.pop(0) if queue else []
        _queries.setdefault((account, region), {})[query_id] = {
            "QueryId": query_id,
            "QueryString": statement,
            "rows": rows,
            "created": time.time(),
            "bytes": len(json.dumps(rows).encode()),
            "alias": params.get("QueryAlias"),
        }
        _recorded.append({"account": account, "region": region, "queryId": query_id, "statement": statement})
    return {"QueryId": query_id}


def _query(account: str, region: str, query_id: Any) -> dict:
    if not isinstance(query_id, str) or not query_id:
        raise _error("InvalidParameterException", "QueryId is required.")
    with _lock:
        query = (_queries.get((account, region)) or {}).get(query_id)
    if query is None:
        raise _error("QueryIdNotFoundException", f"The query ID {query_id} does not exist or does not map to a query.")
    return query


def describe_query(account: str, region: str, params: dict) -> dict:
    query = _query(account, region, params.get("QueryId"))
    count = len(query["rows"])
    return {
        "QueryId": query["QueryId"],
        "QueryString": query["QueryString"],
        "QueryStatus": "FINISHED",
        "QueryStatistics": {
            "EventsMatched": count,
            "EventsScanned": count,
            "BytesScanned": query["bytes"],
            "ExecutionTimeInMillis": EXECUTION_TIME_MS,
            "CreationTime": query["created"],
        },
    }


def get_query_results(account: str, region: str, params: dict) -> dict:
    query = _query(account, region, params.get("QueryId"))
    rows = query["rows"]
    max_results = params.get("MaxQueryResults")
    if max_results is None:
        max_results = MAX_QUERY_RESULTS
    if (not isinstance(max_results, int) or isinstance(max_results, bool)
            or not 1 <= max_results <= MAX_QUERY_RESULTS):
        raise _error("InvalidMaxResultsException",
                     f"MaxQueryResults must be between 1 and {MAX_QUERY_RESULTS}.")
    token = params.get("NextToken")
    offset = _untoken(token, query["QueryId"], len(rows)) if token is not None else 0
    page = rows[offset:offset + max_results]
    answer: dict[str, Any] = {
        "QueryStatus": "FINISHED",
        "QueryStatistics": {
            "ResultsCount": len(page),
            "TotalResultsCount": len(rows),
            "BytesScanned": query["bytes"],
        },
        "QueryResultRows": page,
    }
    if offset + max_results < len(rows):
        answer["NextToken"] = _token(query["QueryId"], offset + max_results)
    return answer


_OPERATIONS = {
    "create_event_data_store": create_event_data_store,
    "list_event_data_stores": list_event_data_stores,
    "start_query": start_query,
    "describe_query": describe_query,
    "get_query_results": get_query_results,
}


def _method(operation):
    def method(self: Any) -> tuple[int, dict, str]:
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            raise _error("SerializationException", "Request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise _error("SerializationException", "Request body must be a JSON object.")
        body = json.dumps(operation(self.current_account, self.region, params))
        return 200, {"content-type": "application/x-amz-json-1.1"}, body

    method.__name__ = operation.__name__
    return method


def install() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse

    for name, operation in _OPERATIONS.items():
        setattr(CloudTrailResponse, name, _method(operation))
