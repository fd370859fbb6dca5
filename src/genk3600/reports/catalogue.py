"""The reports: what each figure means, its columns and how the console charts it.

Titles, column labels and descriptions are English msgids rendered in the reader's language from the gettext
catalogues (staff's register, in plain words: no formulas or column names in the descriptions).

Common rules (the first and the last also in every description, so the numbers can be read without this file):
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

from genk3600.i18n.catalogue import N_, translator
from genk3600.models.enums import Language

ColumnType = Literal["date", "string", "integer", "number"]


@dataclass(frozen=True)
class Column:
    name: str
    label: str  # an English msgid, rendered in the reader's language
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
    title: str  # msgid
    description: str  # msgid: what the figures count, in plain words (PERIOD and SMALL_GROUPS follow it)
    columns: tuple[Column, ...]
    chart: Chart


# Said after every description, so the numbers can be read without this file.
PERIOD = N_("Days are calendar days in Belgian time; the first and the last day of the period both count.")
# Small groups of OCMW clients could be recognised (two home visits on a day in a small unit): not shown exactly.
# A row is about social work when its unit is an OCMW service or its category is confidential (social), or, in a
# report without a unit or category column, when the figures include an OCMW service. The threshold is the
# setting GENK3600_REPORT_SMALL_COUNT_THRESHOLD (default 5); 0 stays 0.
SMALL_GROUPS = N_(
    "To protect people's privacy, in rows about social work (OCMW) a number from 1 to {largest} is shown as "
    "“< {threshold}” and the row's percentages and averages are left empty."
)

UNIT = Column("unit", N_("Unit"), "string")
UNIT_NAME = Column("unit_name", N_("Unit name"), "string")

REPORTS: tuple[Report, ...] = (
    Report(
        name="contacts-per-channel",
        title=N_("Contacts per channel per day"),
        description=N_(
            "How many contacts were recorded on tickets each day, per channel, split into incoming and outgoing. "
            "Contacts that opened no ticket, such as automatic replies and calls still waiting for their summary, "
            "are not counted. A contact counts for the unit that owns its ticket. Days and channels without "
            "contacts have no row."
        ),
        columns=(
            Column("day", N_("Day"), "date"),
            Column("channel", N_("Channel"), "string"),
            Column("inbound", N_("Incoming"), "integer"),
            Column("outbound", N_("Outgoing"), "integer"),
            Column("contacts", N_("Contacts"), "integer"),
        ),
        chart=Chart("bar", "day", ("contacts",), "channel"),
    ),
    Report(
        name="first-contact-resolution",
        title=N_("First-contact resolution"),
        description=N_(
            "Per unit that owns the tickets: how many tickets were resolved in the period, how many of them at "
            "the first contact, and that share as a percentage. Where the staff member recorded with the "
            "citizen's first contact whether it answered the question, that record counts. Otherwise a ticket "
            "counts when the citizen contacted us once and the ticket was never handed over to another unit. "
            "The last column says for how many tickets the answer was recorded. A closed ticket counts as "
            "resolved; a reopened ticket counts when it is resolved again."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("resolved", N_("Resolved tickets"), "integer"),
            Column("first_contact", N_("Resolved at the first contact"), "integer"),
            Column("fcr_percent", N_("Resolved at the first contact (%)"), "number"),
            Column("outcome_recorded", N_("Answer recorded at the first contact"), "integer"),
        ),
        chart=Chart("bar", "unit", ("fcr_percent",), None),
    ),
    Report(
        name="sla-compliance",
        title=N_("Deadlines met per unit and category"),
        description=N_(
            "Per unit and category: the tickets with a deadline for their answer that were resolved in the "
            "period, how many on time and how many late, and the share on time as a percentage. Time spent "
            "waiting for the citizen moves the deadline. Tickets without a deadline are left out."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("category", N_("Category"), "string"),
            Column("resolved", N_("Resolved with a deadline"), "integer"),
            Column("on_time", N_("On time"), "integer"),
            Column("late", N_("Late"), "integer"),
            Column("compliance_percent", N_("On time (%)"), "number"),
        ),
        chart=Chart("bar", "category", ("compliance_percent",), "unit"),
    ),
    Report(
        name="backlog-age",
        title=N_("Age of open tickets"),
        description=N_(
            "Per unit: the tickets still open at the end of the period (or now, if the period ends later), "
            "grouped by how long ago they were created: less than 1 day, 1 to 3 days, 3 to 7 days, 7 to 30 days, "
            "30 days or more. A reopened ticket counts from the day it was created. Only the end of the period "
            "matters here."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("age_band", N_("Age"), "string"),
            Column("tickets", N_("Open tickets"), "integer"),
        ),
        chart=Chart("bar", "age_band", ("tickets",), "unit"),
    ),
    Report(
        name="escalations",
        title=N_("Hand-overs and their reasons"),
        description=N_(
            "Per unit, two kinds of figures. First: the tickets created in the period that the unit had first, "
            "how many of them were handed over to another unit since (a return to the front office does not "
            "count), and that share as a percentage; these figures repeat on each of the unit's rows. Second: "
            "the hand-overs the unit made in the period, one row per reason, returns included. A unit with "
            "tickets but no hand-overs has one row without a reason."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("tickets", N_("Tickets created"), "integer"),
            Column("escalated_tickets", N_("Tickets handed over"), "integer"),
            Column("escalation_rate_percent", N_("Handed over (%)"), "number"),
            Column("reason", N_("Reason"), "string"),
            Column("escalations", N_("Hand-overs for this reason"), "integer"),
        ),
        chart=Chart("bar", "reason", ("escalations",), "unit"),
    ),
    Report(
        name="roles-per-unit",
        title=N_("Roles per unit"),
        description=N_(
            "Per unit of the staff member and per role (informing, registering, advising, deciding): how often "
            "staff played that role in contacts of the period, and its share of all the unit's roles as a "
            "percentage. A staff member of several units counts in each unit they belong to now."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("role", N_("Role"), "string"),
            Column("participations", N_("Roles played"), "integer"),
            Column("share_percent", N_("Share (%)"), "number"),
        ),
        chart=Chart("bar", "unit", ("participations",), "role"),
    ),
    Report(
        name="handling-time",
        title=N_("Average handling time"),
        description=N_(
            "Per unit that owns the tickets: the tickets resolved in the period and how long they took from "
            "creation to resolution, in clock hours (nights, weekends and waiting for the citizen count too), "
            "as the average and the median."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("resolved", N_("Resolved tickets"), "integer"),
            Column("average_hours", N_("Average (hours)"), "number"),
            Column("median_hours", N_("Median (hours)"), "number"),
        ),
        chart=Chart("bar", "unit", ("average_hours", "median_hours"), None),
    ),
    Report(
        name="callbacks-on-time",
        title=N_("Call-backs on time"),
        description=N_(
            "Per unit that calls back: the call-back requests due in the period, how many reached the citizen by "
            "the time they were due, how many later, how many failed (the tries ran out) or were cancelled, how "
            "many are still open, and the share on time as a percentage of all that were due. A request is due "
            "within the unit's opening hours, or at the end of the time the citizen asked for."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("due", N_("Call-backs due"), "integer"),
            Column("on_time", N_("Reached on time"), "integer"),
            Column("late", N_("Reached late"), "integer"),
            Column("failed", N_("Not reached"), "integer"),
            Column("cancelled", N_("Cancelled"), "integer"),
            Column("still_open", N_("Still open"), "integer"),
            Column("on_time_percent", N_("On time (%)"), "number"),
        ),
        chart=Chart("bar", "unit", ("on_time_percent",), None),
    ),
    Report(
        name="callback-attempts",
        title=N_("Call-back attempts per success"),
        description=N_(
            "Per unit that calls back: the call-back requests that ended in the period, how many reached the "
            "citizen and how many did not, all the calls made for them, and how many calls one success took on "
            "average (all those calls divided by the requests that reached the citizen). Cancelled and open "
            "requests are left out."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("ended", N_("Call-backs ended"), "integer"),
            Column("reached", N_("Reached"), "integer"),
            Column("failed", N_("Not reached"), "integer"),
            Column("attempts", N_("Calls made"), "integer"),
            Column("attempts_per_success", N_("Calls per success"), "number"),
        ),
        chart=Chart("bar", "unit", ("attempts_per_success",), None),
    ),
)

BY_NAME = {report.name: report for report in REPORTS}


def title(report: Report, language: Language | str) -> str:
    return translator(language).gettext(report.title)


def description(report: Report, language: Language | str, threshold: int) -> str:
    """What the report counts, then the period rule and the small-groups rule, in `language`."""
    t = translator(language)
    texts = [t.gettext(report.description), t.gettext(PERIOD)]
    if threshold > 1:  # a threshold of 1 hides nothing, so there is nothing to say
        texts.append(t.gettext(SMALL_GROUPS).format(largest=threshold - 1, threshold=threshold))
    return " ".join(texts)


def label(column: Column, language: Language | str) -> str:
    return translator(language).gettext(column.label)
