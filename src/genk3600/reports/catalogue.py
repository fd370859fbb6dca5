"""The reports: what each figure means, its columns and how the console charts it.

Common rules (also in every description, so the numbers can be read without this file):
- the period is `from`..`to`, both inclusive, as calendar days in the service's time zone (Europe/Brussels),
  so a contact at 23:30 local time on 31 March counts on 31 March, whatever UTC says;
- a ticket counts for the unit that owns it now (unless a report says otherwise), contacts and participations
  for their ticket's or staff member's unit; social (OCMW) tickets are counted like any other, but small
  social groups are not shown exactly (SMALL_GROUPS below);
- the reader sees the units they supervise and every unit below them (admins and unrestricted API keys:
  the whole organisation); `unit` narrows that to one unit and the units below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["date", "string", "integer", "number"]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: ColumnType


@dataclass(frozen=True)
class Chart:
    type: Literal["bar", "line"]
    x: str
    y: tuple[str, ...]
    series: str | None = None


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    chart: Chart


# Small groups of OCMW clients could be recognised (two home visits on a day in a small unit): not shown exactly.
SMALL_GROUPS = (
    " Small social groups: in a row about social work — its unit is an OCMW service, its category is "
    "confidential (social), or, without a unit or category column, the figures include an OCMW service — a count "
    "from 1 to the threshold minus one (setting `GENK3600_REPORT_SMALL_COUNT_THRESHOLD`, default 5) is shown as the "
    "text `< 5` (JSON and CSV), and that row's percentages and averages are null (empty in CSV); 0 stays 0."
)

UNIT = Column("unit", "Unit", "string")
UNIT_NAME = Column("unit_name", "Unit name", "string")

REPORTS: tuple[Report, ...] = (
    Report(
        name="contacts-per-channel",
        title="Contacts per channel per day",
        description=(
            "Contacts recorded on tickets in the period, by the local day (Europe/Brussels) on which they "
            "occurred and by channel, split into inbound and outbound. Contacts that opened no ticket "
            "(auto-replies, calls still awaiting their summary) are not counted. A contact counts for the unit "
            "owning its ticket. Only days and channels with at least one contact have a row." + SMALL_GROUPS
        ),
        columns=(
            Column("day", "Day", "date"),
            Column("channel", "Channel", "string"),
            Column("inbound", "Inbound", "integer"),
            Column("outbound", "Outbound", "integer"),
            Column("contacts", "Contacts", "integer"),
        ),
        chart=Chart("bar", "day", ("contacts",), "channel"),
    ),
    Report(
        name="first-contact-resolution",
        title="First-contact resolution",
        description=(
            "Per owning unit: tickets resolved in the period (`resolved_at` on a local day of the period; "
            "closing counts as resolving; a reopened ticket counts when resolved again), how many of them were "
            "resolved on first contact — exactly one inbound contact and never escalated — and the rate "
            "`first_contact` ÷ `resolved` as a percentage, rounded to one decimal." + SMALL_GROUPS
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("resolved", "Resolved tickets", "integer"),
            Column("first_contact", "Resolved on first contact", "integer"),
            Column("fcr_percent", "First-contact resolution (%)", "number"),
        ),
        chart=Chart("bar", "unit", ("fcr_percent",), None),
    ),
    Report(
        name="sla-compliance",
        title="SLA compliance per unit and category",
        description=(
            "Per owning unit and category: tickets with a resolution deadline that were resolved in the period, "
            "how many on time (`resolved_at` ≤ the resolution deadline, which moves by the time spent waiting "
            "on the citizen) and how many late, and `on_time` ÷ `resolved` as a percentage, rounded to one decimal. "
            "Tickets without an SLA policy have no deadline and are left out." + SMALL_GROUPS
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("category", "Category", "string"),
            Column("resolved", "Resolved with a deadline", "integer"),
            Column("on_time", "On time", "integer"),
            Column("late", "Late", "integer"),
            Column("compliance_percent", "Compliance (%)", "number"),
        ),
        chart=Chart("bar", "category", ("compliance_percent",), "unit"),
    ),
    Report(
        name="backlog-age",
        title="Backlog age",
        description=(
            "Per owning unit: the tickets open at the end of the period (the end of `to`, or now if that is "
            "later than now) — created before that moment and not resolved or closed by then — by wall-clock "
            "age at that moment in bands `<1d`, `1-3d`, `3-7d`, `7-30d`, `30d+` (lower bound inclusive). "
            "A ticket reopened since counts as open from its creation. `from` only bounds the range." + SMALL_GROUPS
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("age_band", "Age", "string"),
            Column("tickets", "Open tickets", "integer"),
        ),
        chart=Chart("bar", "age_band", ("tickets",), "unit"),
    ),
    Report(
        name="escalations",
        title="Escalation rate and reasons",
        description=(
            "Per unit. Rate: tickets created in the period whose first owner was the unit (the from-unit of the "
            "ticket's first escalation, else its current owner), how many of those were escalated at any time "
            "up to now (a return to the front office does not count as an escalation), and "
            "`escalated_tickets` ÷ `tickets` as a percentage, rounded to one decimal. Reasons: escalations the "
            "unit made (as from-unit) in the period, one row per reason, returns included; a unit with tickets but no "
            "escalations has one row with reason null (empty in CSV) and 0 escalations. The rate columns repeat "
            "on each of the unit's rows." + SMALL_GROUPS
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("tickets", "Tickets created", "integer"),
            Column("escalated_tickets", "Escalated tickets", "integer"),
            Column("escalation_rate_percent", "Escalation rate (%)", "number"),
            Column("reason", "Reason", "string"),
            Column("escalations", "Escalations with this reason", "integer"),
        ),
        chart=Chart("bar", "reason", ("escalations",), "unit"),
    ),
    Report(
        name="roles-per-unit",
        title="Roles distribution per unit",
        description=(
            "Per unit of the staff member (a member of several units counts in each) and role (informing, "
            "registering, advising, deciding): the roles recorded on contacts that occurred in the period, and "
            "each role's share of the unit's roles as a percentage, rounded to one decimal. Units are the staff "
            "member's current memberships." + SMALL_GROUPS
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("role", "Role", "string"),
            Column("participations", "Roles played", "integer"),
            Column("share_percent", "Share (%)", "number"),
        ),
        chart=Chart("bar", "unit", ("participations",), "role"),
    ),
    Report(
        name="handling-time",
        title="Average handling time",
        description=(
            "Per owning unit: tickets resolved in the period (as in first-contact resolution) and their handling "
            "time from creation to resolution in wall-clock hours (not business hours: nights, weekends and "
            "time waiting on the citizen count), as the mean and the median, rounded to two decimals." + SMALL_GROUPS
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("resolved", "Resolved tickets", "integer"),
            Column("average_hours", "Average (hours)", "number"),
            Column("median_hours", "Median (hours)", "number"),
        ),
        chart=Chart("bar", "unit", ("average_hours", "median_hours"), None),
    ),
)

BY_NAME = {report.name: report for report in REPORTS}
