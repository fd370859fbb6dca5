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


NameKind = Literal["unit", "category", "channel", "reason", "role", "age_band"]


@dataclass(frozen=True)
class Column:
    name: str
    label: str  # an English msgid, rendered in the reader's language
    type: ColumnType
    # A column of names: the code column it names, and what kind of code that is. The code column stays for
    # scripts; people (the console, a CSV in their language) read the names.
    names: tuple[str, NameKind] | None = None


def coded(name: str, code_label: str, label: str, kind: NameKind) -> tuple[Column, Column]:
    """A column of codes and the column of their names in the reader's language (`<name>_name`)."""
    return Column(name, code_label, "string"), Column(f"{name}_name", label, "string", (name, kind))


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

UNIT, UNIT_NAME = coded("unit", N_("Unit (code)"), N_("Unit"), "unit")
CHANNEL = coded("channel", N_("Channel (code)"), N_("Channel"), "channel")
CATEGORY = coded("category", N_("Category (code)"), N_("Category"), "category")
AGE_BAND = coded("age_band", N_("Age (code)"), N_("Age"), "age_band")
REASON = coded("reason", N_("Reason (code)"), N_("Reason"), "reason")
ROLE = coded("role", N_("Role (code)"), N_("Role"), "role")
# The age bands of open tickets (backlog-age's codes), in words.
AGE_BANDS = {
    "<1d": N_("less than 1 day"),
    "1-3d": N_("1 to 3 days"),
    "3-7d": N_("3 to 7 days"),
    "7-30d": N_("7 to 30 days"),
    "30d+": N_("30 days or more"),
}

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
            *CHANNEL,
            Column("inbound", N_("Incoming"), "integer"),
            Column("outbound", N_("Outgoing"), "integer"),
            Column("contacts", N_("Contacts"), "integer"),
        ),
        chart=Chart("bar", "day", ("contacts",), "channel_name"),
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
        chart=Chart("bar", "unit_name", ("fcr_percent",), None),
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
            *CATEGORY,
            Column("resolved", N_("Resolved with a deadline"), "integer"),
            Column("on_time", N_("On time"), "integer"),
            Column("late", N_("Late"), "integer"),
            Column("compliance_percent", N_("On time (%)"), "number"),
        ),
        chart=Chart("bar", "category_name", ("compliance_percent",), "unit_name"),
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
            *AGE_BAND,
            Column("tickets", N_("Open tickets"), "integer"),
        ),
        chart=Chart("bar", "age_band_name", ("tickets",), "unit_name"),
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
            *REASON,
            Column("escalations", N_("Hand-overs for this reason"), "integer"),
        ),
        chart=Chart("bar", "reason_name", ("escalations",), "unit_name"),
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
            *ROLE,
            Column("participations", N_("Roles played"), "integer"),
            Column("share_percent", N_("Share (%)"), "number"),
        ),
        chart=Chart("bar", "unit_name", ("participations",), "role_name"),
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
        chart=Chart("bar", "unit_name", ("average_hours", "median_hours"), None),
    ),
    Report(
        name="assignment-offers",
        title=N_("Automatic assignment: offers and answers"),
        description=N_(
            "Per unit that offered the tickets and per day: how many tickets automatic assignment offered to "
            "staff, how many offers were accepted, declined, not answered in time, or withdrawn because the "
            "ticket was taken another way, the share accepted as a percentage, and the median time in seconds "
            "from an offer to its acceptance. Units that assign nothing by themselves have no rows."
        ),
        columns=(
            Column("day", N_("Day"), "date"),
            UNIT,
            UNIT_NAME,
            Column("offered", N_("Offers"), "integer"),
            Column("accepted", N_("Accepted"), "integer"),
            Column("declined", N_("Declined"), "integer"),
            Column("expired", N_("Not answered in time"), "integer"),
            Column("withdrawn", N_("Withdrawn"), "integer"),
            Column("accepted_percent", N_("Accepted (%)"), "number"),
            Column("median_seconds_to_accept", N_("Median time to accept (seconds)"), "number"),
        ),
        chart=Chart("bar", "day", ("offered", "accepted"), None),
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
    Report(
        name="appointments",
        title=N_("Appointments and home visits"),
        description=N_(
            "Per unit and kind of appointment: the appointments planned in the period (by their start), how many "
            "took place, how many the citizen missed, how many were cancelled and how many are still ahead or not "
            "recorded yet, and the missed ones as a percentage of those that took place or were missed."
        ),
        columns=(
            UNIT,
            UNIT_NAME,
            Column("kind", N_("Kind of appointment (code)"), "string"),
            Column("appointments", N_("Appointments"), "integer"),
            Column("held", N_("Took place"), "integer"),
            Column("no_show", N_("Citizen did not come"), "integer"),
            Column("cancelled", N_("Cancelled"), "integer"),
            Column("still_booked", N_("Still booked"), "integer"),
            Column("no_show_percent", N_("Missed (%)"), "number"),
        ),
        chart=Chart("bar", "unit", ("no_show_percent",), None),
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
