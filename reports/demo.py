"""Demo reports: plausible figures in every state, the same rows for the same seed.

Rows are written with bulk inserts in batches, so that 100,000 reports load in minutes; they
bypass the services on purpose because they describe a past that the demo pretends happened. They
behave like real data all the same: every date is before the day the demo pretends (and never after
the real now), and each report carries the versions (django-simple-history rows) the services
would have kept, so that "See this version" opens the report as it was.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from indicators.models import Donor, Indicator, Programme
from portal.demo import demo_email
from portal.models import Membership, Organisation, Province, User
from reports.models import (
    ActivityReport,
    Figure,
    FundingSource,
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


def _ratio_cells(
    report: ActivityReport, indicator: Indicator, numerator: int, denominator: int
) -> list[Figure]:
    """A ratio's cells: the denominator split at random, the numerator split in proportion (never
    above a cell's denominator). A random stream of its own, so that the rest of the demo draws
    the same numbers whatever the indicators declare."""
    rng = random.Random(numerator * 1_000_003 + denominator)
    rows = []
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
                Figure(
                    report=report,
                    indicator=indicator,
                    dimension=dimension,
                    category=category,
                    numerator=cell_numerator,
                    denominator=cell_denominator,
                )
            )
    return rows


def _figures(
    rng: random.Random, report: ActivityReport, indicators: list[Indicator], complete: bool
):
    rows = []
    for indicator in indicators:
        if not complete and rng.random() < 0.3:
            continue
        if rng.random() < 0.05:
            rows.append(Figure(report=report, indicator=indicator, not_applicable=True))
            continue
        if indicator.is_ratio:
            denominator = rng.randint(5, 200)
            numerator = rng.randint(denominator // 3, denominator)
            rows.append(
                Figure(
                    report=report, indicator=indicator, numerator=numerator, denominator=denominator
                )
            )
            rows += _ratio_cells(report, indicator, numerator, denominator)
            continue
        low, high = UNIT_RANGES.get(indicator.unit, (1, 80))
        total = rng.randint(low, high)
        rows.append(Figure(report=report, indicator=indicator, value=total))
        for dimension in indicator.disaggregations:
            cells = indicator.categories_of(dimension)
            for (category, _label), value in zip(
                cells, _split(rng, total, len(cells)), strict=True
            ):
                rows.append(
                    Figure(
                        report=report,
                        indicator=indicator,
                        dimension=dimension,
                        category=category,
                        value=value,
                    )
                )
    return rows


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
DECIDED = "('approved', 'returned')"
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


def _spending(
    r: random.Random, report: ActivityReport, pillars: list[str], donors: list[int]
) -> list[Spending]:
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
        lines.append(
            Spending(
                report=report,
                amount=r.randint(20, 3000) * 100_000,
                source=source,
                donor_id=r.choice(donors) if source == FundingSource.DONOR else None,
                pillar=r.choice(pillars),
            )
        )
    return lines


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
    reviewers = list(
        Membership.objects.filter(role=Membership.Role.REVIEWER)
        .select_related("user")
        .prefetch_related("scope_provinces", "scope_organisations")
        .order_by("user__email")
    )
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
                author = _reporter_for(slot.organisation, reporters, admin)
                created_at, submitted_at, reviewed_at = _timeline(slot.period, r, limit)
                in_scope = [
                    m.user
                    for m in reviewers
                    if slot.organisation.province_id in {p.pk for p in m.scope_provinces.all()}
                    or slot.organisation.pk in {o.pk for o in m.scope_organisations.all()}
                ]
                reviewer = in_scope[0] if in_scope else admin
                report = ActivityReport(
                    organisation=slot.organisation,
                    programme=slot.programme,
                    period=slot.period,
                    province_id=None
                    if slot.programme.is_national
                    else slot.organisation.province_id or r.choice(provinces),
                    title=f"{slot.programme.name_vi} · {slot.period.label}",
                    narrative=r.choice(NARRATIVES),
                    status=state,
                    version={"draft": 2, "submitted": 3, "returned": 4, "approved": 4}[state],
                    created_by=author,
                    created_at=created_at,
                    updated_at={"draft": created_at, "submitted": submitted_at}.get(
                        state, reviewed_at
                    ),
                    submitted_by=author if state != "draft" else None,
                    submitted_at=submitted_at if state != "draft" else None,
                    reviewed_by=reviewer if state in {"approved", "returned"} else None,
                    reviewed_at=reviewed_at if state in {"approved", "returned"} else None,
                )
                reports.append(report)
                plans.append((r, state, author, reviewer, created_at, submitted_at, reviewed_at))
            ActivityReport.objects.bulk_create(reports, batch_size=1000)
            pillars, figures, events, spending = [], [], [], []
            for report, (r, state, author, reviewer, created_at, submitted_at, reviewed_at) in zip(
                reports, plans, strict=True
            ):
                tags = [report.programme.default_pillar]
                if r.random() < 0.3:
                    extra = r.choice(
                        ["participation", "prevention", "protection", "relief_recovery"]
                    )
                    if extra != report.programme.default_pillar:
                        tags.append(extra)
                pillars += [ReportPillar(report=report, pillar=tag) for tag in tags]
                figures += _figures(r, report, indicators[report.programme_id], state != "draft")
                spending += _spending(r, report, tags, donors)
                events.append(_event(report, author, "created", "", "draft", created_at))
                if state == "draft":
                    continue
                events.append(
                    _event(report, author, "submitted", "draft", "submitted", submitted_at)
                )
                if state == "approved":
                    events.append(
                        _event(report, reviewer, "approved", "submitted", "approved", reviewed_at)
                    )
                elif state == "returned":
                    events.append(
                        _event(
                            report,
                            reviewer,
                            "returned",
                            "submitted",
                            "returned",
                            reviewed_at,
                            r.choice(RETURN_COMMENTS),
                        )
                    )
            ReportPillar.objects.bulk_create(pillars, batch_size=5000)
            Figure.objects.bulk_create(figures, batch_size=5000)
            Spending.objects.bulk_create(spending, batch_size=5000)
            _versions([report.pk for report in reports])
            ReportEvent.objects.bulk_create(events, batch_size=5000)
        created += len(reports)
    return created


def _event(report, actor, kind, from_status, to_status, at, text=""):
    return ReportEvent(
        report=report,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        text=text,
        created_at=at,
    )
