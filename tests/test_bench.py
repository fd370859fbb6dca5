"""The benchmark harness's pure parts: SQL capture to pgbench script, wrk script, NDJSON generator, pgbench output.

The benchmarks themselves run with `make bench`, never in the test suite (no timings are asserted here).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bench.bulk_import import historical_contacts
from bench.ceiling import (
    CapturedCitizen,
    Statement,
    json_row_fields,
    parse_log,
    parse_pgbench,
    pgbench_script,
    request_transaction,
    values_rows,
)
from bench.intake import lua_script
from bench.report import table

CAPTURED_LOG = """\
2026-11-23 17:05:18.181 UTC [41] LOG:  statement: BEGIN;
2026-11-23 17:05:18.190 UTC [40] LOG:  execute s1: SELECT 1 FROM other_request WHERE x = $1
2026-11-23 17:05:18.190 UTC [40] DETAIL:  Parameters: $1 = 'not ours'
2026-11-23 17:05:18.204 UTC [41] LOG:  execute s2: INSERT INTO idempotency_key (principal, key)
\tVALUES ($1::VARCHAR, $2::VARCHAR)
\tON CONFLICT DO NOTHING RETURNING idempotency_key.key
2026-11-23 17:05:18.204 UTC [41] DETAIL:  Parameters: $1 = 'api_client:1', $2 = 'bench-capture-123'
2026-11-23 17:05:18.210 UTC [41] LOG:  execute s3: SELECT citizen.id FROM citizen WHERE citizen.email = $1::VARCHAR
2026-11-23 17:05:18.210 UTC [41] DETAIL:  Parameters: $1 = 'burger43217@example.org'
2026-11-23 17:05:18.215 UTC [41] LOG:  execute s8: SELECT pg_advisory_xact_lock(hashtextextended($1, 3600))
2026-11-23 17:05:18.215 UTC [41] DETAIL:  Parameters: $1 = 'follow-up:43217:12'
2026-11-23 17:05:18.220 UTC [41] LOG:  execute s4: INSERT INTO ticket (reference, subject, citizen_id)
\tVALUES ($1::VARCHAR, $2::VARCHAR, $3::BIGINT)
\tRETURNING ticket.id, ticket.created_at
2026-11-23 17:05:18.220 UTC [41] DETAIL:  Parameters: $1 = 'G3600-2026-000007', $2 = 'It''s full', $3 = '43217'
2026-11-23 17:05:18.230 UTC [41] LOG:  execute s5: UPDATE ticket SET version=$1::INTEGER WHERE ticket.id = $2::BIGINT
2026-11-23 17:05:18.230 UTC [41] DETAIL:  Parameters: $1 = '2', $2 = '5007'
2026-11-23 17:05:18.240 UTC [41] LOG:  execute s6: INSERT INTO outbound_mail (ticket_id, message_id)
\tVALUES ($1::BIGINT, $2::VARCHAR) RETURNING outbound_mail.id
2026-11-23 17:05:18.240 UTC [41] DETAIL:  Parameters: $1 = '5007', $2 = '1795.3642@genk3600.example'
2026-11-23 17:05:18.250 UTC [41] LOG:  statement: COMMIT;
2026-11-23 17:05:18.260 UTC [41] LOG:  execute s7: SELECT 2 FROM after_commit
"""


def test_captured_request_becomes_a_pgbench_script_of_the_same_work() -> None:
    statements = request_transaction(parse_log(CAPTURED_LOG))

    assert [s.sql.split()[0] for s in statements] == ["INSERT", "SELECT", "SELECT", "INSERT", "UPDATE", "INSERT"]
    assert statements[3].parameters == {1: "G3600-2026-000007", 2: "It's full", 3: "43217"}
    citizen = CapturedCitizen("burger43217@example.org", 43217, population=50_000, id_offset=0)
    script, variables = pgbench_script(
        statements, {"1795.3642@genk3600.example"}, {"ticket": [5007], "outbound_mail": [9]}, citizen
    )
    lines = script.splitlines()

    assert r"\set c random(1, 50000)" in lines
    assert lines[lines.index("BEGIN;") + 1].startswith("INSERT INTO idempotency_key")
    assert lines[-1] == "COMMIT;"
    # Per-transaction values where the API would collide on a unique index or pile up on one citizen.
    assert "(:client_id::text || '.' || :u::text || '.' || :s1_2)::VARCHAR" in script
    assert "('burger' || :c::text || '@example.org')::VARCHAR" in script
    assert "('G3600-2026-' || :u::text)::VARCHAR" in script
    assert "(:c + 0)::BIGINT" in script
    assert "hashtextextended(('follow-up:' || (:c + 0)::text || ':12'), 3600)" in script
    # The new ticket's id comes from its own INSERT ... RETURNING, so the UPDATE hits the new row.
    ticket_insert = next(line for line in lines if line.startswith("INSERT INTO ticket"))
    assert ticket_insert.endswith(r"RETURNING ticket.id, ticket.created_at \gset r4_")
    assert "WHERE ticket.id = :r4_id::BIGINT;" in script
    assert "(:client_id::text || '.' || :u::text || '.' || :s6_2)::VARCHAR" in script
    assert variables["s4_2"] == "It's full"
    assert "not ours" not in variables.values()
    assert "after_commit" not in script


def test_multi_row_inserts_are_counted_and_keep_their_ids() -> None:
    # SQLAlchemy's insertmanyvalues form: two rows, nested parentheses inside each.
    sql = (
        "INSERT INTO ticket_event (ticket_id, summary) SELECT p0::BIGINT, p1::VARCHAR FROM "
        "(VALUES ($1::BIGINT, lower($2), 0), ($3::BIGINT, lower($4), 1)) AS imp_sen(p0, p1, sen_counter) "
        "ORDER BY sen_counter RETURNING ticket_event.id"
    )
    assert values_rows(sql) == 2
    assert values_rows("INSERT INTO t (a) VALUES ($1) RETURNING t.id") == 1
    statement = Statement(1, sql, {1: "5007", 2: "a", 3: "5007", 4: "b"})
    script, _ = pgbench_script([statement], set(), {"ticket_event": [70, 71]})
    assert r"\gset" not in script  # pgbench's \gset takes exactly one row


def test_one_statement_of_inserting_ctes_hands_its_ids_to_the_arrays_of_the_commit() -> None:
    # The new ticket, its contact and timeline in one statement; the commit writes outbox rows and the stored
    # answer from unnest(arrays) that hold the new ticket's id and the Idempotency-Key.
    new_ticket = Statement(
        1,
        "WITH new_ticket AS \n(INSERT INTO ticket (subject) SELECT $1::VARCHAR RETURNING ticket.id), "
        "new_contact AS \n(INSERT INTO contact (ticket_id) SELECT new_ticket.id AS id FROM new_ticket "
        "RETURNING contact.id) SELECT new_ticket.id AS t_id, new_contact.id AS c_id, "
        "CAST(new_ticket.id AS TEXT) AS t_text FROM new_ticket JOIN new_contact ON true",
        {1: "Sluikstort"},
    )
    commit = Statement(
        1,
        "WITH outbox_rows AS \n(INSERT INTO outbox_event (ticket_id) SELECT t FROM unnest($1::BIGINT[]) AS t "
        "RETURNING outbox_event.id) UPDATE idempotency_key SET status_code = 201 FROM unnest($2::TEXT[]) AS k(key) "
        "WHERE idempotency_key.key = k.key",
        {1: "{5007,5007,12}", 2: "{bench-capture-123}"},
    )
    script, variables = pgbench_script(
        [new_ticket, commit], set(), {"ticket": [5007], "contact": [9001], "outbox_event": [1, 2, 3]}
    )
    lines = script.splitlines()

    # No rows when the follow-up check finds an open ticket: \aset keeps the client's previous ids, which start
    # as the captured ones.
    assert lines[lines.index("BEGIN;") + 1].endswith(r"FROM new_ticket JOIN new_contact ON true \aset r1_")
    assert (variables["r1_t_id"], variables["r1_c_id"]) == ("5007", "9001")
    # Every client writes for its own new ticket and its own key: no shared row to queue on.
    assert "unnest(('{' || :r1_t_id::text || ',' || :r1_t_id::text || ',' || '12' || '}')::BIGINT[])" in script
    assert "unnest(('{' || :client_id::text || '.' || :u::text || '.' || :s2_2 || '}')::TEXT[])" in script
    assert variables["s2_2"] == "bench-capture-123"


def test_rows_sent_as_one_json_array_get_each_clients_ids_and_keys() -> None:
    # Rows the commit sends as one JSON array (its audit entries): the new ticket's id and a
    # unique value inside them become per-client values too, spliced into the JSON text; keys, other values
    # and what is nested deeper (a payload) stay as captured.
    new_ticket = Statement(
        1,
        "WITH new_ticket AS \n(INSERT INTO ticket (subject) SELECT $1::VARCHAR RETURNING ticket.id) "
        "SELECT new_ticket.id AS t_id FROM new_ticket",
        {1: "Sluikstort"},
    )
    rows = (
        '[{"action": "insert", "target_id": "5007", "request_id": "bench-capture-9"}, '
        '[5007, "created", {"ticket_id": 5007}], [12, "note", {}]]'
    )
    commit = Statement(
        1,
        "INSERT INTO outbox_event (ticket_id) SELECT CAST(e.value ->> 0 AS BIGINT) "
        "FROM json_array_elements(CAST($1::VARCHAR AS JSON)) AS e(value)",
        {1: rows},
    )
    script, variables = pgbench_script([new_ticket, commit], set(), {"ticket": [5007]})

    expression = script.split("json_array_elements(CAST(")[1].split("::VARCHAR AS JSON)")[0]
    assert expression == (
        "(:s2_1_0::text || :r1_t_id::text || :s2_1_2::text || :client_id::text || '.' || :u::text || '.' || "
        ":s2_1_3::text || :s2_1_4::text || :r1_t_id::text || :s2_1_6::text)"
    )
    assert variables["s2_1_0"] == '[{"action": "insert", "target_id": "'
    assert variables["s2_1_2"] == '", "request_id": "'
    assert variables["s2_1_3"] == "bench-capture-9"
    assert variables["s2_1_4"] == '"}, ['
    assert variables["s2_1_6"] == ', "created", {"ticket_id": 5007}], [12, "note", {}]]'
    # Spliced back with the captured values, the pieces are the captured text.
    pieces = [variables["s2_1_0"], "5007", variables["s2_1_2"], "bench-capture-9", variables["s2_1_4"], "5007"]
    assert "".join([*pieces, variables["s2_1_6"]]) == rows


def test_an_id_a_new_ticket_and_its_contact_share_stands_for_the_ticket_in_the_commits_rows() -> None:
    # Ticket 450 and contact 450: the outbox's and the mail's foreign keys must lock each client's own ticket.
    new_ticket = Statement(
        1,
        "WITH new_ticket AS \n(INSERT INTO ticket (subject) SELECT $1::VARCHAR RETURNING ticket.id), "
        "new_contact AS \n(INSERT INTO contact (ticket_id) SELECT new_ticket.id AS id FROM new_ticket "
        "RETURNING contact.id) SELECT new_ticket.id AS t_id, new_contact.id AS c_id "
        "FROM new_ticket JOIN new_contact ON true",
        {1: "Sluikstort"},
    )
    commit = Statement(
        1,
        "WITH mail_rows AS \n(INSERT INTO outbound_mail (ticket_id) SELECT t FROM unnest($1::BIGINT[]) AS t) "
        "INSERT INTO outbox_event (ticket_id) SELECT CAST(e.value ->> 0 AS BIGINT) "
        "FROM json_array_elements(CAST($2::VARCHAR AS JSON)) AS e(value)",
        {1: "{450}", 2: '[[450, "ticket.created", {}]]'},
    )
    script, variables = pgbench_script([new_ticket, commit], set(), {"ticket": [450], "contact": [450]})

    assert "unnest(('{' || :r1_t_id::text || '}')::BIGINT[])" in script
    assert "CAST((:s2_2_0::text || :r1_t_id::text || :s2_2_2::text)::VARCHAR AS JSON)" in script
    assert (variables["s2_2_0"], variables["s2_2_2"]) == ("[[", ', "ticket.created", {}]]')


def test_json_row_fields_are_the_rows_scalar_values_not_keys_or_nested_values() -> None:
    value = '[{"a": "x", "b": 7, "c": {"d": "y"}, "e": null, "f": "q\\"z"}, [-3, "w", [1]]]'
    assert [field for _, _, field in json_row_fields(value)] == ["x", "7", "-3", "w"]
    assert json_row_fields("{1,2}") == []
    assert json_row_fields("[1, 2]") == []


def test_pgbench_output_is_read() -> None:
    output = (
        "number of transactions actually processed: 6012\nnumber of failed transactions: 0 (0.000%)\n"
        "latency average = 53.219 ms\ntps = 300.612345 (without initial connection time)\n"
    )
    result = parse_pgbench(output, clients=16, seconds=20)
    assert (result.transactions, result.tps, result.latency_avg_ms, result.failed) == (6012, 300.6, 53.22, 0)


def test_wrk_script_and_import_file_are_well_formed() -> None:
    script = lua_script('key-with-"quote', citizens=500)
    assert 'local api_key = "key-with-\\"quote"' in script
    assert "local citizens = 500" in script
    assert '["Idempotency-Key"]' in script
    assert "function done(summary, latency, requests)" in script

    contacts = list(historical_contacts(200, citizens=50))
    assert len({c["external_id"] for c in contacts}) == 200
    assert {c["language"] for c in contacts} == {"nl", "fr"}
    for contact in contacts:
        line = json.dumps(contact, ensure_ascii=False)
        assert "\n" not in line
        assert contact["resolved_at"] >= contact["occurred_at"]


def _scenarios(rps: float, p99: float, cpu: float, tps: float, load: float) -> dict[str, Any]:
    run = {
        "connections": 16, "requests_per_second": rps, "p50_ms": p99 / 2, "p95_ms": p99 * 0.9, "p99_ms": p99,
        "errors": 0, "statuses": {"201": 100}, "server_cpu_ms_per_request": cpu,
        "involuntary_switches_per_request": 1.0,
    }  # fmt: skip
    return {
        "intake": {"runs": [run], "load_average_1m": {"start": load, "end": load + 0.5}},
        "ceiling": {"runs": [{"clients": 16, "tps": tps}], "ratio": {"16": round(rps / tps, 3)}},
    }


def _results(**extra: Any) -> dict[str, Any]:
    machine = {"nproc": 2, "cpu": "AMD EPYC", "ram_gib": 23.5}
    return {"date": "2026-12-06", "git_commit": "a" * 40, "machine": machine, **extra}


def _rows(printed: str) -> dict[str, list[str]]:
    """The table's rows by figure: cells are apart by two spaces or more, words within one by one."""
    return {cells[0]: cells[1:] for line in printed.splitlines()[4:] if (cells := re.split(r"\s{2,}", line))}


def test_a_compare_run_shows_before_and_after_and_judges_after() -> None:
    results = _results(
        before={"ref": "78d8447", "commit": "b" * 40, "tree": "/x"},
        scenarios_before=_scenarios(rps=30, p99=900.0, cpu=20.9, tps=500, load=4.0)
        | {"scale": {"error": "the scale loader writes ticket.tier, which this tree's schema lacks\nmore"}},
        scenarios=_scenarios(rps=300, p99=40.0, cpu=3.5, tps=500, load=5.0),
    )
    printed = table(results)
    lines = printed.splitlines()
    rows = _rows(printed)

    assert "before 78d8447 (bbbbbbbbbbbb), after aaaaaaaaaaaa" in lines[0]
    assert re.split(r"\s{2,}", lines[2]) == ["figure", "before", "after", "target", "met (after)"]
    assert rows["intake c=16 p50/p95/p99 ms"] == ["450.0 / 810.0 / 900.0", "20.0 / 36.0 / 40.0", "p99 <= 50", "met"]
    assert rows["intake c=16 server CPU ms/req"][1:] == ["3.50 (1.00 invol. cs/req)", "<= 4", "met"]
    assert rows["ratio c=16 (req/s ÷ TPS)"] == ["0.06", "0.60", "≥ 0.5", "met"]
    assert rows["load avg 1 min, intake + ceiling"] == ["4 → 4.5", "5 → 5.5"]
    # A failure of one tree is in its column (its first line); a target neither measured is still named.
    assert rows["scale scenario"] == [
        "FAILED: the scale loader writes ticket.tier, which this tree's schema lacks",
        "ran",
    ]
    assert rows["scale sweeper pass"] == ["not measured", "not measured", "<= 0.5 s", "-"]


def test_a_plain_run_keeps_one_measured_column() -> None:
    sweeper_failed = {"tickets": 20_000, "requests": {}, "sweeper": {"error": "ImportError: sla\nTraceback"}}
    scenarios = _scenarios(rps=30, p99=900.0, cpu=20.9, tps=500, load=4.0) | {"scale": sweeper_failed}
    printed = table(_results(scenarios=scenarios))
    rows = _rows(printed)

    assert "at aaaaaaaaaaaa:" in printed.splitlines()[0]
    assert re.split(r"\s{2,}", printed.splitlines()[2]) == ["figure", "measured", "target", "met"]
    assert rows["intake c=16 server CPU ms/req"] == ["20.90 (1.00 invol. cs/req)", "<= 4", "NOT met"]
    assert rows["import contacts/s"] == ["not measured", "≥ 10000", "-"]
    # The scale scenario's requests were measured; its sweeper pass failed, and says so.
    assert rows["scale sweeper pass"] == ["FAILED: ImportError: sla", "<= 0.5 s", "see JSON"]
