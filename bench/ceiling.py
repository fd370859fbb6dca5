"""Scenario 2, ceiling: the SQL one intake request executes, replayed by pgbench on the same database.

The statements are captured from PostgreSQL's own log (`log_statement = 'all'` for one request, which also logs
the bound parameter values), then turned into a pgbench script that runs them in one transaction with the same
parameters as prepared statements (`-M prepared`, like asyncpg). Values that must be unique per request (the
Idempotency-Key, the ticket reference) become random per transaction.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.environment import Postgres

_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(?P<pid>\d+)\] (?P<level>[A-Z]+):  (?P<text>.*)$")
_EXECUTE = re.compile(r"^(?:execute [^:]*|statement): (?P<sql>.*)$", re.DOTALL)
_PARAMETER = re.compile(r"\$(?P<n>\d+) = (?P<value>NULL|'(?:[^']|'')*')", re.DOTALL)
_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b", re.IGNORECASE)
_INSERT_RETURNING_ID = re.compile(r"^INSERT INTO (?P<table>\w+)\s.*\sRETURNING\s.*\b(?:\w+\.)?id\b", re.DOTALL)
_INSERT_ANYWHERE = re.compile(r"\bINSERT\s+INTO\b", re.IGNORECASE)
# A data-modifying CTE that inserts into a table: `new_ticket AS (INSERT INTO ticket …`.
_INSERTING_CTE = re.compile(r"\b(?P<cte>\w+) AS\s+\(INSERT INTO (?P<table>\w+)\b")
REFERENCE = re.compile(r"^(G3600-\d{4}-)\d{6,}$")
CAPTURE_MARKER = "bench-capture-"


@dataclass
class Statement:
    pid: int
    sql: str
    parameters: dict[int, str | None] = field(default_factory=dict)


def parse_log(text: str) -> list[Statement]:
    """Every statement in PostgreSQL log output (`log_statement = 'all'`) with its bound parameters, in order."""
    entries: list[tuple[int, str, str]] = []
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match:
            entries.append((int(match["pid"]), match["level"], match["text"]))
        elif entries and line.startswith("\t"):
            pid, level, body = entries[-1]
            entries[-1] = (pid, level, body + "\n" + line[1:])
    statements: list[Statement] = []
    last_by_pid: dict[int, Statement] = {}
    for pid, level, body in entries:
        if level == "LOG":
            match = _EXECUTE.match(body)
            if match:
                statement = Statement(pid, match["sql"].strip().rstrip(";"))
                statements.append(statement)
                last_by_pid[pid] = statement
        elif level == "DETAIL" and body.startswith("Parameters: ") and pid in last_by_pid:
            for param in _PARAMETER.finditer(body.removeprefix("Parameters: ")):
                value = param["value"]
                last_by_pid[pid].parameters[int(param["n"])] = (
                    None if value == "NULL" else value[1:-1].replace("''", "'")
                )
    return statements


def request_transaction(statements: list[Statement]) -> list[Statement]:
    """The statements of the one transaction that carried the capture's Idempotency-Key, without BEGIN/COMMIT."""
    marked = next(
        (i for i, s in enumerate(statements) if any(CAPTURE_MARKER in (v or "") for v in s.parameters.values())),
        None,
    )
    if marked is None:
        raise RuntimeError("the captured log holds no statement of the capture request")
    pid = statements[marked].pid
    own = [(i, s) for i, s in enumerate(statements) if s.pid == pid]
    starts = [i for i, s in own if i <= marked and s.sql.upper().startswith(("BEGIN", "START TRANSACTION"))]
    ends = [i for i, s in own if i > marked and _CONTROL.match(s.sql)]
    begin, end = (starts[-1] if starts else -1), (ends[0] if ends else len(statements))
    return [s for i, s in own if begin < i < end]


@dataclass(frozen=True)
class CapturedCitizen:
    """The citizen of the captured request; citizens `burger<n>@example.org` have id n + id_offset."""

    email: str
    id: int
    population: int
    id_offset: int


def values_rows(sql: str) -> int:
    """How many rows the first VALUES list of a statement holds (parenthesised groups separated by commas)."""
    start = re.search(r"\bVALUES\s*", sql, re.IGNORECASE)
    if start is None:
        return 0
    position, rows = start.end(), 0
    while position < len(sql) and sql[position] == "(":
        depth = 0
        for index in range(position, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[index], 0)
            if depth == 0:
                position = index + 1
                break
        else:
            break
        rows += 1
        rest = sql[position:].lstrip()
        if not rest.startswith(","):
            break
        position = len(sql) - len(rest[1:].lstrip())
    return rows


def pgbench_script(
    statements: list[Statement],
    unique_values: set[str],
    inserted_ids: dict[str, list[int]],
    citizen: CapturedCitizen | None = None,
) -> tuple[str, dict[str, str]]:
    r"""The script text and its string variables (for `-D name=value`).

    Every bound parameter becomes a pgbench variable, so `-M prepared` sends it as a parameter like the driver
    did. Values that must be unique per request (the Idempotency-Key, the ticket reference, other values of
    unique columns) are built from a random number per transaction instead; ids of the rows the request
    inserted are taken from that INSERT's RETURNING in the script's own transaction (`\gset`), so updates
    and references hit the new rows, as in the API. A statement of data-modifying CTEs (the new ticket, its
    contact and timeline in one) hands its rows' ids on with `\aset`: when the follow-up check inserts nothing,
    the client keeps the ids of its own previous ticket (the captured ones before its first). Ids and keys
    inside arrays (the rows the commit writes from `unnest`) are replaced element by element, so no two
    clients update one idempotency row or lock one ticket row. The citizen is drawn at random per
    transaction, as wrk does, so that transactions do not all queue on one citizen's row locks.
    """
    variables: dict[str, str] = {}
    id_variables: dict[str, str] = {}
    ambiguous: set[str] = set()
    # Inside the rows the commit writes (arrays, JSON), an id two new rows share (a new ticket and its contact
    # can both be 450) stands for the first of them: the ticket, whose row the outbox's and the mail's foreign
    # keys lock; the other row's id appears there only as text on the audit trail.
    first_variables: dict[str, str] = {}

    def row_variable(element: str) -> str | None:
        return first_variables[element] if element in ambiguous else id_variables.get(element)

    remaining = {table: list(ids) for table, ids in inserted_ids.items()}
    # Only values the request writes can collide with a unique index; values it looks up stay as they are.
    inserted_values = {
        value for s in statements if s.sql.upper().startswith("INSERT") for value in s.parameters.values()
    }
    # The commit's combined write (WITH … INSERT …, then an UPDATE) inserts too, some rows from arrays.
    inserted_values |= {value for s in statements if _INSERT_ANYWHERE.search(s.sql) for value in s.parameters.values()}
    inserted_values |= {element for value in inserted_values if value and (element := single_element(value))}
    inserted_values |= {field for value in inserted_values if value for _, _, field in json_row_fields(value)}
    lines = [
        "-- Generated by bench/ceiling.py from the statements of one POST /v1/contacts.",
        r"\set u random(100000000000, 999999999999)",
    ]
    if citizen is not None:
        lines.append(rf"\set c random(1, {citizen.population})")
    lines.append("BEGIN;")
    for index, statement in enumerate(statements, start=1):

        def substitute(match: re.Match[str], index: int = index, statement: Statement = statement) -> str:
            number = int(match[1])
            value = statement.parameters.get(number)
            if value is None:
                return "NULL"
            if citizen is not None and value == citizen.email:
                return "('burger' || :c::text || '@example.org')"
            if citizen is not None and value == str(citizen.id):
                return f"(:c + {citizen.id_offset})"
            follow_up = f"follow-up:{citizen.id}:" if citizen is not None else None
            if citizen is not None and follow_up and value.startswith(follow_up):
                # The lock that serialises one citizen's follow-ups: keyed by the drawn citizen, as in the API,
                # else every pgbench client would queue on the captured citizen's lock.
                rest = value[len(follow_up) :]
                return f"('follow-up:' || (:c + {citizen.id_offset})::text || ':{rest}')"
            if value in id_variables and value not in ambiguous:
                return f":{id_variables[value]}"
            reference = REFERENCE.match(value)
            if reference:
                return f"('{reference[1]}' || :u::text)"
            if value.startswith(CAPTURE_MARKER) or (value in unique_values and value in inserted_values):
                variables[f"s{index}_{number}"] = value
                return f"(:client_id::text || '.' || :u::text || '.' || :s{index}_{number})"
            element = single_element(value)
            if element is not None and (
                element.startswith(CAPTURE_MARKER) or (element in unique_values and element in inserted_values)
            ):
                variables[f"s{index}_{number}"] = element
                return f"('{{' || :client_id::text || '.' || :u::text || '.' || :s{index}_{number} || '}}')"
            elements = simple_elements(value)
            if elements and any(e in id_variables for e in elements):
                parts = [f":{row_variable(e)}::text" if e in id_variables else f"'{e}'" for e in elements]
                return "('{' || " + " || ',' || ".join(parts) + " || '}')"
            fields = json_row_fields(value)
            if fields:
                # Rows sent as one JSON array (the audit entries of the commit): the same values
                # per client as in arrays, spliced into the JSON text between the captured pieces.
                pieces: list[str] = []
                end = 0
                for start, stop, field in fields:
                    if field in id_variables:
                        expression = f":{row_variable(field)}::text"
                    elif reference := REFERENCE.match(field):
                        expression = f"'{reference[1]}' || :u::text"
                    elif field.startswith(CAPTURE_MARKER) or (field in unique_values and field in inserted_values):
                        name = f"s{index}_{number}_{len(pieces) + 1}"  # the slot of this expression
                        variables[name] = field
                        expression = f":client_id::text || '.' || :u::text || '.' || :{name}::text"
                    else:
                        continue
                    name = f"s{index}_{number}_{len(pieces)}"
                    variables[name] = value[end:start]
                    pieces += [f":{name}::text", expression]
                    end = stop
                if pieces:
                    name = f"s{index}_{number}_{len(pieces)}"
                    variables[name] = value[end:]
                    return "(" + " || ".join([*pieces, f":{name}::text"]) + ")"
            name = f"s{index}_{number}"
            variables[name] = value
            return f":{name}"

        sql = re.sub(r"\$(\d+)\b", substitute, statement.sql)
        # pgbench ends a command at a semicolon at the end of a line; keep each statement on one line.
        sql = " ".join(sql.split())
        ctes = _INSERTING_CTE.findall(statement.sql)
        if ctes and not statement.sql.upper().startswith("INSERT"):
            lines.append(sql + f" \\aset r{index}_")
            for cte, table in ctes:
                # The output column that carries the CTE's one new id, in the statement's last select list.
                aliases = re.findall(rf"\b{cte}\.id\s+AS\s+([a-z_][a-z0-9_]*)\b", statement.sql)
                if aliases and remaining.get(table):
                    new_id = str(remaining[table].pop(0))
                    if new_id in id_variables:
                        ambiguous.add(new_id)
                    id_variables[new_id] = f"r{index}_{aliases[-1]}"
                    first_variables.setdefault(new_id, id_variables[new_id])
                    variables[id_variables[new_id]] = new_id
            continue
        insert = _INSERT_RETURNING_ID.match(statement.sql)
        rows = values_rows(statement.sql) if insert else 0
        if insert and rows == 1 and remaining.get(insert["table"]):
            new_id = str(remaining[insert["table"]].pop(0))
            if new_id in id_variables:
                ambiguous.add(new_id)
            id_variables[new_id] = f"r{index}_id"
            first_variables.setdefault(new_id, id_variables[new_id])
            lines.append(f"{sql} \\gset r{index}_")
        else:
            # A multi-row INSERT's ids cannot go into pgbench variables (\gset takes one row); they stay as
            # captured where later statements use them (foreign keys to older rows: the same work).
            if insert:
                del remaining.get(insert["table"], [])[:rows]
            lines.append(sql + ";")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n", variables


def capture_intake_statements(
    postgres: Postgres, base_url: str, body: dict[str, Any], api_key: str
) -> tuple[str, dict[str, Any]]:
    """Log every statement for the length of one intake request; return that part of the server log and the
    request's response body."""
    log_path = Path(postgres.server.log)
    postgres.psql("ALTER SYSTEM SET log_statement = 'all'; ")
    postgres.psql("SELECT pg_reload_conf();")
    time.sleep(1.0)
    start = log_path.stat().st_size
    headers = {"X-API-Key": api_key, "Idempotency-Key": f"{CAPTURE_MARKER}{time.time_ns()}"}
    response = httpx.post(f"{base_url}/v1/contacts", json=body, headers=headers, timeout=30)
    response.raise_for_status()
    time.sleep(0.5)
    postgres.psql("ALTER SYSTEM RESET log_statement;")
    postgres.psql("SELECT pg_reload_conf();")
    with log_path.open("rb") as log:
        log.seek(start)
        text = log.read().decode("utf-8", errors="replace")
    recorded: dict[str, Any] = response.json()
    return text, recorded


def _quote(value: str) -> str:
    tag = "$v" + secrets.token_hex(4) + "$"
    return f"{tag}{value}{tag}"


def single_element(value: str) -> str | None:
    """The element of a one-element array literal as the server log spells it (`{abc@example.org}`), if it is one
    that needs no quoting; else None."""
    if len(value) > 2 and value[0] == "{" and value[-1] == "}" and not any(c in value[1:-1] for c in '{}",\\ '):
        return value[1:-1]
    return None


def simple_elements(value: str) -> list[str]:
    """The elements of an array literal whose elements need no quoting (`{1108,1113}`); else []."""
    if len(value) > 2 and value[0] == "{" and value[-1] == "}" and not any(c in value[1:-1] for c in '{}"\\ '):
        return value[1:-1].split(",")
    return []


# The tokens of JSON text: a string, a number, a literal, punctuation, white space.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|[\[\]{}:,]|\s+')


def json_row_fields(value: str) -> list[tuple[int, int, str]]:
    """The scalar fields of the rows of a JSON array of rows (objects or arrays) as the server log spells the
    parameter (`[{"target_id": "5007", …}, [5007, "created", {…}]]`): (start, end, text) of each, a string's
    span being its text inside the quotes (strings with escapes are left out). Keys, and values nested deeper
    (a payload, changes), are not fields. [] if the value is not such an array."""
    if not (value.startswith("[{") or value.startswith("[[")):
        return []
    fields: list[tuple[int, int, str]] = []
    depth = 0
    position = 0
    appended = False  # whether the last token (white space aside) became a field
    while position < len(value):
        token = _JSON_TOKEN.match(value, position)
        if token is None:
            return []
        text, position = token[0], token.end()
        if text.isspace():
            continue
        if text == ":" and appended:
            fields.pop()  # the string before a colon was a key
        appended = False
        if text in ("[", "{"):
            depth += 1
        elif text in ("]", "}"):
            depth -= 1
        elif depth == 2 and text[0] == '"' and "\\" not in text:
            fields.append((token.start() + 1, token.end() - 1, text[1:-1]))
            appended = True
        elif depth == 2 and (text[0] == "-" or text[0].isdigit()):
            fields.append((token.start(), token.end(), text))
            appended = True
    return fields if depth == 0 else []


def unique_column_values(postgres: Postgres, statements: list[Statement]) -> set[str]:
    """The captured string values that already stand in a single-column unique index (they would collide)."""
    columns = postgres.psql(
        "SELECT c.relname || '.' || a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
        "AND a.attnum = i.indkey[0] WHERE i.indisunique AND i.indnatts = 1 AND n.nspname = 'public' "
        "AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)"
    ).split()
    values = {v for s in statements for v in s.parameters.values() if v is not None and len(v) < 2000}
    # Rows sent as one JSON array (the audit entries of the commit): their fields.
    values |= {f for s in statements for v in s.parameters.values() if v for _, _, f in json_row_fields(v)}
    # A row written from unnest(one array per column) (the mail at the commit) binds its values as arrays.
    values |= {element for v in values if (element := single_element(v)) is not None}
    if not values or not columns:
        return set()
    # The values once (a command line holds at most 128 KiB), looked up in every unique column.
    array = "ARRAY[" + ", ".join(_quote(v) for v in sorted(values)) + "]::text[]"
    selects = []
    for qualified in columns:
        table, column = qualified.split(".")
        selects.append(f"SELECT {column}::text FROM {table} WHERE {column} IN (SELECT v FROM captured)")
    return set(
        postgres.psql(f"WITH captured(v) AS (SELECT unnest({array})) " + " UNION ".join(selects)).splitlines()
    ) - {""}


def inserted_row_ids(postgres: Postgres, statements: list[Statement], reference: str) -> dict[str, list[int]]:
    """Ids of the rows the captured transaction inserted, per table, in insertion (id) order."""
    xid = postgres.psql(f"SELECT xmin FROM ticket WHERE reference = {_quote(reference)}").strip()
    if not xid:
        return {}
    tables = {m["table"] for s in statements if (m := _INSERT_RETURNING_ID.match(s.sql))}
    tables |= {table for s in statements for _, table in _INSERTING_CTE.findall(s.sql)}
    return {
        table: [int(x) for x in postgres.psql(f"SELECT id FROM {table} WHERE xmin = '{int(xid)}' ORDER BY id").split()]
        for table in sorted(tables)
    }


@dataclass
class PgbenchResult:
    clients: int
    seconds: float
    transactions: int
    tps: float
    latency_avg_ms: float
    failed: int
    # PostgreSQL's and pgbench's CPU per transaction over the run, when the harness read them (bench/cpu.py).
    cpu: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "cpu"} | self.cpu


def run_pgbench(
    postgres: Postgres, script: Path, variables: dict[str, str], clients: int, seconds: float, threads: int
) -> PgbenchResult:
    command = [
        str(postgres.bin_dir / "pgbench"), "-h", postgres.socket_dir, "-U", "postgres", "-n", "-M", "prepared", "-r",
        "-c", str(clients), "-j", str(min(threads, clients)), "-T", f"{seconds:.0f}", "-f", str(script),
    ]  # fmt: skip
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    out = subprocess.run([*command, postgres.database], capture_output=True, text=True, check=False)
    # Kept for reading: -r lists the average latency of every statement of the script.
    script.with_suffix(f".c{clients}.out").write_text(out.stdout + out.stderr)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return parse_pgbench(out.stdout, clients, seconds)


def parse_pgbench(output: str, clients: int, seconds: float) -> PgbenchResult:
    def number(pattern: str, default: float | None = None) -> float:
        match = re.search(pattern, output)
        if match is None:
            if default is not None:
                return default
            raise RuntimeError(f"pgbench output lacks {pattern!r}:\n{output}")
        return float(match[1])

    return PgbenchResult(
        clients=clients,
        seconds=seconds,
        transactions=int(number(r"number of transactions actually processed: (\d+)")),
        tps=round(number(r"tps = ([\d.]+)"), 1),
        latency_avg_ms=round(number(r"latency average = ([\d.]+) ms"), 2),
        failed=int(number(r"number of failed transactions: (\d+)", 0)),
    )


def captured_citizen(postgres: Postgres, response: dict[str, Any], population: int) -> CapturedCitizen | None:
    citizen = response["ticket"].get("citizen")
    if not citizen or not citizen.get("email"):
        return None
    first = postgres.psql("SELECT id FROM citizen WHERE email = 'burger1@example.org'").strip()
    if not first:
        return None
    return CapturedCitizen(citizen["email"], int(citizen["id"]), population, int(first) - 1)
