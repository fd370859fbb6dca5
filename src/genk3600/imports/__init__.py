"""Bulk import of historical contacts: `genk3600 import FILE.ndjson` (`-` reads standard input).

The file holds one JSON object per line, one past contact each; every contact becomes a finished ticket:

    {"external_id": "crm-2019-000123", "channel": "web", "occurred_at": "2019-03-04T09:12:00+01:00",
     "category": "waste.pickup", "subject": "Grofvuil niet opgehaald", "body": "Mijn grofvuil staat er nog.",
     "language": "nl", "citizen": {"national_number": "85.07.30-033.28", "email": "jan@example.org"},
     "status": "closed", "resolved_at": "2019-03-06T14:00:00+01:00"}

Required: `external_id` (the record's id in the old system, unique per channel), `channel`, `occurred_at`
(with a UTC offset) and `body`. Optional: `direction` (inbound), `subject` (else the body's first line),
`language` (else the citizen's, else nl), `category` (a code), `unit` (owner; else the category's unit, else
the contact centre), `priority` (else the category's), `citizen` (as in POST /v1/contacts), `status`
(`resolved` or `closed`, the default), `resolved_at` (else `occurred_at`).

How history is written:
- A ticket (reference numbered as usual, year of `occurred_at`), its contact and two timeline entries
  (`created` at `occurred_at`, `status_changed` at `resolved_at`), all by the actor "Bulk import".
- No SLA clock, no acknowledgement mail, no access code and no outbox events (so no webhooks): the past
  is recorded, not re-lived. Consumers of the feed learn of imported tickets by reading them.
- Citizens are matched as intake does (national number, then e-mail, then phone; several matches leave the
  contact unlinked and flagged `ambiguous_citizen`) or registered; existing citizens are not changed.
- Audit: one audit entry per batch (action `import`, the file name, the first and last line number and the
  number of contacts), not one per row.
- Batches of `--batch-size` lines (1000) are written set-based, each in its own transaction: a batch is written whole
  or not at all. Citizens, tickets and contacts go in with COPY; the timeline entries with one INSERT … SELECT whose
  JSON PostgreSQL builds from one array per column (tickets/timeline.insert_history_from). Up to four batches are
  written at once, each on its own connection, so that PostgreSQL's work runs on several cores; their ids are drawn
  and they commit in the file's order (service._Batch), so the rows are those of batches written one by one. Lines
  already imported (same channel and `external_id`) are skipped, so an interrupted import is resumed by running it
  again; one import runs at a time (the import lock, held for the run; a second one waits). Bad lines (unparsable
  JSON, invalid fields, unknown category or unit) are reported on standard error with their line number and
  skipped; the command then exits with status 1.
"""
