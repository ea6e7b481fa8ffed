"""Demo reports: plausible figures in every state, the same rows for the same seed.

Rows are drawn as plain tuples and written in batches with PostgreSQL's COPY (bulk inserts on
SQLite), so that 100,000 reports load in minutes; they bypass the services on purpose because they
describe a past that the demo pretends happened. They behave like real data all the same: every
date is before the day the demo pretends (and never after the real now), each report carries the
versions (django-simple-history rows) the services would have kept, so that "See this version"
opens the report as it was, and the notices the services would have sent for its events.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone

from indicators.models import Donor, Indicator, Programme
from portal.demo import demo_email
from portal.models import Membership, Organisation, Province, User
from reports.disaggregation import TOTAL
from reports.models import (
    ActivityReport,
    Figure,
    FundingSource,
    Notification,
    ReportEvent,
    ReportingPeriod,
    ReportPillar,
    Spending,
)

BATCH_REPORTS = 2000  # ~40,000 figure rows per batch: bounded memory, few round trips
STATES = [("approved", 55), ("submitted", 20), ("returned", 10), ("draft", 15)]
RETURN_COMMENTS = [
    "Số liệu theo giới tính chưa khớp với tổng, đề nghị kiểm tra lại.",
    "Đề nghị bổ sung mô tả hoạt động tại xã.",
    "Please check the counselling figures against the register.",
]
NARRATIVES = [
    "Tổ chức sinh hoạt chuyên đề và tư vấn tại cộng đồng; phối hợp với công an xã.",
    "Duy trì mô hình, tập huấn cho thành viên tổ và tổ chức truyền thông.",
    "Outreach sessions in villages, referral of cases to district services.",
]
SPENDING_SHARE = 0.7  # reports that record what their activities cost
# Who pays, as a demo guesses it: mostly the state budget and the Union, some donors.
SOURCE_WEIGHTS = [
    (FundingSource.STATE_CENTRAL, 1),
    (FundingSource.STATE_PROVINCIAL, 3),
    (FundingSource.STATE_COMMUNE, 2),
    (FundingSource.VWU_OWN, 3),
    (FundingSource.DONOR, 2),
]
UNIT_RANGES = {"persons": (5, 120), "cases": (3, 60), "sessions": (5, 150), "count": (1, 12)}


@dataclass(frozen=True)
class Slot:
    organisation: Organisation
    programme: Programme
    period: ReportingPeriod


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


# A figure row as `_figures` draws it, in the order of these fields (the report comes first).
FIGURE_FIELDS = (
    "report_id",
    "indicator_id",
    "dimension",
    "category",
    "value",
    "numerator",
    "denominator",
    "not_applicable",
)


def _ratio_cells(
    report_id: int, indicator: Indicator, numerator: int, denominator: int
) -> list[tuple]:
    """A ratio's cells: the denominator split at random, the numerator split in proportion (never
    above a cell's denominator). A random stream of its own, so that the rest of the demo draws
    the same numbers whatever the indicators declare."""
    rng = random.Random(numerator * 1_000_003 + denominator)
    rows: list[tuple] = []
    for dimension in indicator.disaggregations:
        cells = indicator.categories_of(dimension)
        denominators = _split(rng, denominator, len(cells))
        numerators = [numerator * d // denominator for d in denominators]
        for index in range(len(cells)):  # what the rounding left, where there is room
            extra = min(numerator - sum(numerators), denominators[index] - numerators[index])
            numerators[index] += extra
        for (category, _label), cell_numerator, cell_denominator in zip(
            cells, numerators, denominators, strict=True
        ):
            rows.append(
                (
                    report_id,
                    indicator.pk,
                    dimension,
                    category,
                    None,
                    cell_numerator,
                    cell_denominator,
                    False,
                )
            )
    return rows


def _figures(
    rng: random.Random, report_id: int, indicators: list[Indicator], complete: bool
) -> list[tuple]:
    """A report's figure rows (tuples in FIGURE_FIELDS order): plain values are written by COPY,
    as a million model instances would be slow to make."""
    rows: list[tuple] = []
    for indicator in indicators:
        if not complete and rng.random() < 0.3:
            continue
        if rng.random() < 0.05:
            rows.append((report_id, indicator.pk, TOTAL, "", None, None, None, True))
            continue
        if indicator.is_ratio:
            denominator = rng.randint(5, 200)
            numerator = rng.randint(denominator // 3, denominator)
            rows.append((report_id, indicator.pk, TOTAL, "", None, numerator, denominator, False))
            rows += _ratio_cells(report_id, indicator, numerator, denominator)
            continue
        low, high = UNIT_RANGES.get(indicator.unit, (1, 80))
        total = rng.randint(low, high)
        rows.append((report_id, indicator.pk, TOTAL, "", total, None, None, False))
        for dimension in indicator.disaggregations:
            cells = indicator.categories_of(dimension)
            for (category, _label), value in zip(
                cells, _split(rng, total, len(cells)), strict=True
            ):
                rows.append(
                    (report_id, indicator.pk, dimension, category, value, None, None, False)
                )
    return rows


def _write(model: type[models.Model], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain rows: PostgreSQL's COPY (several times faster than INSERTs), or bulk inserts
    elsewhere (SQLite). `fields` name every column but the primary key (or all of them), so that
    a field added to the model later fails here rather than being left to a default."""
    missing = {
        field.attname for field in model._meta.concrete_fields if not field.primary_key
    } - set(fields)
    if missing:
        raise ValueError(f"{model.__name__}: the demo writes no {sorted(missing)}")
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=500
        )
        return
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _write_returning_ids(
    model: type[models.Model], fields: tuple[str, ...], rows: list[tuple]
) -> list[int]:
    """`_write`, for rows whose primary keys are needed: drawn from the table's sequence first,
    in one query, then written with the rows (bulk inserts return them elsewhere)."""
    if connection.vendor != "postgresql":
        made = model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=500
        )
        return [instance.pk for instance in made]
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    _write(
        model,
        (model._meta.pk.attname, *fields),
        [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
    )
    return ids


EXTRA_PREFIX = "Chi hội Phụ nữ xã Demo "


def _extra_organisations(count: int, programmes: list[Programme]) -> list[Organisation]:
    """Commune chapters that give a large demo enough distinct reporting organisations."""
    parents = list(
        Organisation.objects.filter(kind=Organisation.Kind.VWU_PROVINCIAL).order_by("name")
    )
    existing = set(
        Organisation.objects.filter(name__startswith=EXTRA_PREFIX).values_list("name", flat=True)
    )
    new = []
    for number in range(1, count + 1):
        name = f"{EXTRA_PREFIX}{number:05d}"
        parent = parents[number % len(parents)]
        if name not in existing:
            new.append(
                Organisation(
                    name=name,
                    short_name=f"Demo {number:05d}",
                    kind=Organisation.Kind.VWU_COMMUNE,
                    province_id=parent.province_id,
                    parent=parent,
                )
            )
    Organisation.objects.bulk_create(new, batch_size=1000)
    extra = list(
        Organisation.objects.filter(name__startswith=EXTRA_PREFIX).order_by("name")[:count]
    )
    links = Organisation.programmes.through
    links.objects.bulk_create(
        [links(organisation=o, programme=p) for o in extra for p in programmes],
        ignore_conflicts=True,
        batch_size=5000,
    )
    return extra


def _slots(count: int, rng: random.Random, today: datetime.date) -> list[Slot]:
    """Distinct (organisation, programme, period) slots: each organisation's own programmes, in
    periods that began before `today` (a report needs a day of its period to be written in)."""
    programmes = list(Programme.objects.filter(is_active=True).order_by("code"))
    before_today = today - datetime.timedelta(days=1)
    periods = {
        kind: list(
            ReportingPeriod.objects.started(before_today).filter(kind=kind).order_by("start_date")
        )
        for kind in ReportingPeriod.Kind.values
    }

    def periods_of(programme):
        return periods[programme.period_kind]

    organisations = list(
        Organisation.objects.exclude(name__startswith=EXTRA_PREFIX)
        .filter(memberships__role=Membership.Role.REPORTER)
        .prefetch_related("programmes")
        .distinct()
        .order_by("name")
    )
    slots = [
        Slot(organisation, programme, period)
        for organisation in organisations
        for programme in sorted(organisation.programmes.all(), key=lambda p: p.code)
        for period in periods_of(programme)
    ]
    # Commune chapters run the provincial programmes; national ones are the ministries'.
    programmes = [programme for programme in programmes if not programme.is_national]
    if count > len(slots):
        per_org = sum(len(periods_of(p)) for p in programmes)
        extra = _extra_organisations(-(-(count - len(slots)) // per_org), programmes)
        slots += [
            Slot(organisation, programme, period)
            for organisation in extra
            for programme in programmes
            for period in periods_of(programme)
        ]
    rng.shuffle(slots)
    # Every national body files its national reports of each closed year: the demo's releases
    # then show every national indicator.
    filed = [slot for slot in slots if is_filed_national(slot, today)]
    return [*filed, *(slot for slot in slots if not is_filed_national(slot, today))][:count]


def is_filed_national(slot: Slot, today: datetime.date) -> bool:
    """A national programme's report for a year whose deadline has passed: always approved."""
    return slot.programme.is_national and slot.period.deadline_date < today


def _reporter_for(organisation: Organisation, fallbacks: dict[int, User], default: User) -> User:
    parent_id = organisation.parent_id
    return (
        fallbacks.get(organisation.pk)
        or (fallbacks.get(parent_id) if parent_id is not None else None)
        or default
    )


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(8)) + datetime.timedelta(
        minutes=rng.randint(0, 9 * 60)
    )
    return timezone.make_aware(moment)


def _timeline(
    period: ReportingPeriod, r: random.Random, limit: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime]:
    """When a report was created, submitted and decided: around the end of its period, and all
    before `limit`. A period not long over has its steps fitted between its start and the limit."""
    created_at = _at(period.end_date - datetime.timedelta(days=r.randint(0, 20)), r)
    submitted_at = created_at + datetime.timedelta(days=r.randint(1, 25), hours=2)
    reviewed_at = submitted_at + datetime.timedelta(days=r.randint(1, 10), hours=1)
    # A draw of its own, so that the report's figures stay those of earlier demos.
    margin = random.Random(created_at.timestamp()).randint(30, 12 * 60)
    end = limit - datetime.timedelta(minutes=margin)
    if reviewed_at <= end:
        return created_at, submitted_at, reviewed_at
    start = timezone.make_aware(datetime.datetime.combine(period.start_date, datetime.time()))
    start = min(start, end - datetime.timedelta(minutes=10))
    span, room = reviewed_at - created_at, end - start

    def fit(moment: datetime.datetime) -> datetime.datetime:
        return start + (moment - created_at) * (room / span)

    return fit(created_at), fit(submitted_at), end


VERSIONS = """
INSERT INTO {history} ({columns}, history_date, history_change_reason, history_type,
    history_user_id)
SELECT {values}, {history_date}, '', '{kind}', {user}
FROM {table} t JOIN {report} r ON r.id = t.{report_column}
WHERE r.id IN ({report_ids}) {condition}
"""

UNDECIDED = {"reviewed_by_id": "NULL", "reviewed_at": "NULL"}
DRAFT = {"status": "'draft'", "submitted_by_id": "NULL", "submitted_at": "NULL", **UNDECIDED}
SAVED = {**DRAFT, "version": "2", "updated_at": "r.created_at"}
DECIDED = "('approved', 'approved_1', 'returned')"
SUBMITTED = {"status": "'submitted'", "version": "3", "updated_at": "r.submitted_at", **UNDECIDED}
# The versions the services would have kept of a demo report and its figures: (model, the columns
# that differ from the row as it is now, when, by whom, kind, which reports). Created and saved
# with its figures (v2), submitted (v3), decided (v4: the row as it is).
REPORT_VERSIONS = [
    ("report", SAVED, "r.created_at", "r.created_by_id", "+", ""),
    ("figure", {}, "r.created_at", "r.created_by_id", "+", ""),
    ("spending", {}, "r.created_at", "r.created_by_id", "+", ""),
    ("report", SUBMITTED, "r.submitted_at", "r.submitted_by_id", "~", "AND r.status <> 'draft'"),
    ("report", {}, "r.reviewed_at", "r.reviewed_by_id", "~", f"AND r.status IN {DECIDED}"),
]


def _versions(report_ids: list[int]) -> None:
    """Write the demo reports' history (django-simple-history rows) inside the database: one
    INSERT ... SELECT per kind of version and batch, as millions of rows would be slow through
    Python. The statements hold only our own table and column names and fixed values."""
    quote = connection.ops.quote_name
    models = {
        "report": (ActivityReport, ActivityReport.history.model, "id"),
        "figure": (Figure, Figure.history.model, "report_id"),
        "spending": (Spending, Spending.history.model, "report_id"),
    }
    with connection.cursor() as cursor:
        for name, changes, when, user, kind, condition in REPORT_VERSIONS:
            model, historical, report_column = models[name]
            columns = [field.column for field in model._meta.concrete_fields]
            statement = VERSIONS.format(
                history=quote(historical._meta.db_table),
                table=quote(model._meta.db_table),
                report=quote(ActivityReport._meta.db_table),
                report_column=quote(report_column),
                columns=", ".join(quote(c) for c in columns),
                values=", ".join(changes.get(c, f"t.{quote(c)}") for c in columns),
                history_date=when,
                user=user,
                kind=kind,
                condition=condition,
                report_ids=", ".join(["%s"] * len(report_ids)),
            )
            cursor.execute(statement, report_ids)


# A spending line as `_spending` draws it, in the order of these fields.
SPENDING_FIELDS = ("report_id", "amount", "source", "donor_id", "pillar")


def _spending(
    r: random.Random, report_id: int, pillars: list[str], donors: list[int]
) -> list[tuple]:
    """One to three lines of what a report's activities cost, for some reports: amounts in
    hundreds of thousands of đồng, each for one of the report's pillars."""
    if r.random() >= SPENDING_SHARE:
        return []
    sources = [source for source, _w in SOURCE_WEIGHTS]
    weights = [w for _s, w in SOURCE_WEIGHTS]
    lines = []
    for _line in range(r.randint(1, 3)):
        source = r.choices(sources, weights)[0]
        if source == FundingSource.DONOR and not donors:
            source = FundingSource.VWU_OWN
        amount = r.randint(20, 3000) * 100_000
        donor_id = r.choice(donors) if source == FundingSource.DONOR else None
        lines.append((report_id, amount, str(source), donor_id, r.choice(pillars)))
    return lines


REPORT_FIELDS = (
    "organisation_id",
    "programme_id",
    "period_id",
    "province_id",
    "commune",
    "title",
    "narrative",
    "status",
    "version",
    "approval_levels",
    "created_by_id",
    "created_at",
    "updated_at",
    "submitted_by_id",
    "submitted_at",
    "reviewed_by_id",
    "reviewed_at",
)
EVENT_FIELDS = ("report_id", "actor_id", "kind", "from_status", "to_status", "text", "created_at")

# Who the services notify of each kind of event (`reports.services._notification_recipients`):
# the reviewers whose scope covers a submission; the central reviewers when level 1 approves;
# the organisation's reporters of every decision; the level-1 approver when level 2 accepts.
# Never the actor, only active users.
NOTIFICATIONS = """
INSERT INTO {notification} (recipient_id, kind, event_id, event_kind, report_title,
    organisation_id, organisation_name, programme_id, period_id, created_at, read_at, emailed_at)
SELECT x.user_id, %s, e.id, e.kind, r.title, o.id, o.name, r.programme_id, r.period_id,
    e.created_at, CASE WHEN e.created_at < %s THEN e.created_at END, e.created_at
FROM (
    SELECT m.user_id AS user_id, e.id AS event_id
    FROM {event} e
    JOIN {report} r ON r.id = e.report_id
    JOIN {membership} m ON (
        (e.kind = 'submitted' AND m.role = 'reviewer' AND (
            EXISTS (SELECT 1 FROM {scope_provinces} sp
                    WHERE sp.membership_id = m.id AND sp.province_id = r.province_id)
            OR EXISTS (SELECT 1 FROM {scope_organisations} so
                       WHERE so.membership_id = m.id AND so.organisation_id = r.organisation_id)))
        OR (e.kind = 'approved_1' AND m.role = 'reviewer' AND EXISTS (
            SELECT 1 FROM {organisation} c WHERE c.id = m.organisation_id AND c.kind = %s))
        OR (e.kind IN ('returned', 'approved_1', 'accepted', 'approved') AND m.role = 'reporter'
            AND m.organisation_id = r.organisation_id))
    WHERE e.report_id IN ({report_ids})
    UNION
    SELECT level_1.actor_id, e.id
    FROM {event} e
    JOIN {event} level_1 ON level_1.report_id = e.report_id AND level_1.kind = 'approved_1'
    WHERE e.kind = 'accepted' AND e.report_id IN ({report_ids})
) x
JOIN {event} e ON e.id = x.event_id
JOIN {report} r ON r.id = e.report_id
JOIN {organisation} o ON o.id = r.organisation_id
JOIN {user} u ON u.id = x.user_id AND u.is_active
WHERE x.user_id <> e.actor_id
"""


def _notifications(report_ids: list[int], *, read_before: datetime.datetime) -> None:
    """The notices the services would have sent for the demo reports' events, e-mailed when
    made and read if older than `read_before`; one INSERT ... SELECT per batch. The statement
    holds only our own table names and fixed values."""
    quote = connection.ops.quote_name
    tables: dict[str, type[models.Model]] = {
        "notification": Notification,
        "event": ReportEvent,
        "report": ActivityReport,
        "organisation": Organisation,
        "membership": Membership,
        "scope_provinces": Membership.scope_provinces.through,
        "scope_organisations": Membership.scope_organisations.through,
        "user": User,
    }
    statement = NOTIFICATIONS.format(
        **{name: quote(model._meta.db_table) for name, model in tables.items()},
        report_ids=", ".join(["%s"] * len(report_ids)),
    )
    central = str(Organisation.Kind.VWU_CENTRAL)
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [str(Notification.Kind.EVENT), read_before, central, *report_ids, *report_ids],
        )


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed_reports(count: int, *, seed: int, today: datetime.date | None = None) -> int:
    """Create up to `count` demo reports (fewer if some exist); returns how many are new."""
    if count <= 0:
        return 0
    now = timezone.now()
    today = min(today or datetime.date(2026, 11, 1), timezone.localdate(now))
    # Everything the demo writes happened before the day it pretends, and before now.
    limit = min(timezone.make_aware(datetime.datetime.combine(today, datetime.time())), now)
    rng = random.Random(seed)
    slots = _slots(count, rng, today)
    existing = set(
        ActivityReport.objects.values_list("organisation_id", "programme_id", "period_id")
    )
    reporters = {
        m.organisation_id: m.user
        for m in Membership.objects.filter(role=Membership.Role.REPORTER).select_related("user")
    }
    admin = User.objects.get(email=demo_email("admin"))
    central = [m.user for m in reviewers_central()]
    reviewers = list(
        Membership.objects.filter(role=Membership.Role.REVIEWER)
        .select_related("user")
        .prefetch_related("scope_provinces", "scope_organisations")
        .order_by("user__email")
    )
    # Each reviewer's scope read once, not for every report.
    scopes = [
        (
            m.user,
            {p.pk for p in m.scope_provinces.all()},
            {o.pk for o in m.scope_organisations.all()},
        )
        for m in reviewers
    ]
    indicators = {
        p.pk: list(p.indicators.order_by("code"))
        for p in Programme.objects.prefetch_related("indicators")
    }
    provinces = list(Province.objects.order_by("code").values_list("pk", flat=True))
    donors = list(
        Donor.objects.filter(is_active=True)
        .order_by("position", "code")
        .values_list("pk", flat=True)
    )
    labels: dict[int, str] = {}
    weights = [w for _s, w in STATES]
    states = [s for s, _w in STATES]
    created = 0
    for batch in _batches(slots, BATCH_REPORTS):
        draws = [(slot, random.Random(rng.random())) for slot in batch]
        fresh = [
            (slot, r)
            for slot, r in draws
            if (slot.organisation.pk, slot.programme.pk, slot.period.pk) not in existing
        ]
        if not fresh:
            continue
        with transaction.atomic():
            reports, plans = [], []
            for slot, r in fresh:
                state = r.choices(states, weights)[0]
                if is_filed_national(slot, today):
                    state = "approved"
                levels = slot.programme.approval_levels if state != "draft" else 1
                if levels == 2 and state == "approved" and _waits_for_level_2(slot):
                    state = "approved_1"
                author = _reporter_for(slot.organisation, reporters, admin)
                created_at, submitted_at, reviewed_at = _timeline(slot.period, r, limit)
                organisation = slot.organisation
                reviewer = next(
                    (
                        user
                        for user, scope_provinces, scope_organisations in scopes
                        if organisation.province_id in scope_provinces
                        or organisation.pk in scope_organisations
                    ),
                    admin,
                )
                # Level 2 is someone else: a central reviewer, or the admin.
                acceptor = next((u for u in central if u != reviewer), admin)
                decided = state in DECIDED_STATES
                if slot.period.pk not in labels:
                    labels[slot.period.pk] = slot.period.label
                province_id = (
                    None
                    if slot.programme.is_national
                    else organisation.province_id or r.choice(provinces)
                )
                reports.append(
                    (
                        organisation.pk,
                        slot.programme.pk,
                        slot.period.pk,
                        province_id,
                        "",
                        f"{slot.programme.name_vi} · {labels[slot.period.pk]}",
                        r.choice(NARRATIVES),
                        state,
                        {"draft": 2, "submitted": 3, "returned": 4, "approved_1": 4}.get(
                            state, 3 + levels
                        ),
                        levels,
                        author.pk,
                        created_at,
                        {"draft": created_at, "submitted": submitted_at}.get(state, reviewed_at),
                        author.pk if state != "draft" else None,
                        submitted_at if state != "draft" else None,
                        (acceptor if levels == 2 and state == "approved" else reviewer).pk
                        if decided
                        else None,
                        reviewed_at if decided else None,
                    )
                )
                plans.append(
                    (
                        slot.programme,
                        levels,
                        r,
                        state,
                        author,
                        (reviewer, acceptor),
                        created_at,
                        submitted_at,
                        reviewed_at,
                    )
                )
            report_ids = _write_returning_ids(ActivityReport, REPORT_FIELDS, reports)
            pillars: list[tuple] = []
            figures: list[tuple] = []
            spending: list[tuple] = []
            events: list[tuple] = []
            for report_id, plan in zip(report_ids, plans, strict=True):
                programme, levels, r, state, author, deciders, *moments = plan
                created_at, submitted_at, reviewed_at = moments
                reviewer, acceptor = deciders
                tags = [programme.default_pillar]
                if r.random() < 0.3:
                    extra = r.choice(
                        ["participation", "prevention", "protection", "relief_recovery"]
                    )
                    if extra != programme.default_pillar:
                        tags.append(extra)
                pillars += [(report_id, tag) for tag in tags]
                figures += _figures(r, report_id, indicators[programme.pk], state != "draft")
                spending += _spending(r, report_id, tags, donors)
                events.append((report_id, author.pk, "created", "", "draft", "", created_at))
                if state == "draft":
                    continue
                events.append(
                    (report_id, author.pk, "submitted", "draft", "submitted", "", submitted_at)
                )
                if levels == 2 and state in {"approved", "approved_1"}:
                    # Level 1 an hour before the decision time, level 2 at it.
                    level_1_at = reviewed_at - datetime.timedelta(hours=1)
                    events.append(
                        (
                            report_id,
                            reviewer.pk,
                            "approved_1",
                            "submitted",
                            "approved_1",
                            "",
                            level_1_at,
                        )
                    )
                    if state == "approved":
                        events.append(
                            (
                                report_id,
                                acceptor.pk,
                                "accepted",
                                "approved_1",
                                "approved",
                                "",
                                reviewed_at,
                            )
                        )
                elif state == "approved":
                    events.append(
                        (
                            report_id,
                            reviewer.pk,
                            "approved",
                            "submitted",
                            "approved",
                            "",
                            reviewed_at,
                        )
                    )
                elif state == "returned":
                    comment = r.choice(RETURN_COMMENTS)
                    events.append(
                        (
                            report_id,
                            reviewer.pk,
                            "returned",
                            "submitted",
                            "returned",
                            comment,
                            reviewed_at,
                        )
                    )
            _write(ReportPillar, ("report_id", "pillar"), pillars)
            _write(Figure, FIGURE_FIELDS, figures)
            _write(Spending, SPENDING_FIELDS, spending)
            _versions(report_ids)
            _write(ReportEvent, EVENT_FIELDS, events)
            _notifications(report_ids, read_before=limit - datetime.timedelta(days=30))
        created += len(report_ids)
    _vacuum()
    return created


DECIDED_STATES = {"approved", "approved_1", "returned"}


def reviewers_central() -> list[Membership]:
    """The demo's central reviewers (VWU central), who accept at level 2."""
    return list(
        Membership.objects.filter(
            role=Membership.Role.REVIEWER, organisation__kind=Organisation.Kind.VWU_CENTRAL
        )
        .select_related("user")
        .order_by("user__email")
    )


def _waits_for_level_2(slot: Slot) -> bool:
    """About a third of a two-level programme's approvals still wait for the central union: a
    draw of its own, so that the report's figures stay those of earlier demos."""
    key = f"{slot.organisation.pk}-{slot.programme.pk}-{slot.period.pk}"
    return random.Random(key).random() < 0.35


def _vacuum() -> None:
    """After a bulk load on PostgreSQL, what autovacuum would do later: planner statistics and
    the visibility map (index-only counts), so that the pages are measured as they will run.
    Skipped inside a transaction (tests), where VACUUM cannot run."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (ActivityReport, Figure, ReportPillar, Spending, ReportEvent, Notification):
            # VACUUM takes no parameters; the name is one of our models' tables, quoted.
            cursor.execute(f"VACUUM (ANALYZE) {quote(model._meta.db_table)}")
