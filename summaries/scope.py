"""Which summary rows a user may read, and the filters of the summaries pages and files."""

from dataclasses import dataclass

from indicators.models import Indicator
from portal.models import Membership, Organisation, Province, User

MEMO = "_summary_province_ids"
WORKING = "working"
PUBLISHED = "published"


@dataclass
class SummaryFilters:
    view: str = PUBLISHED
    year: int | None = None
    quarter: int | None = None
    province: Province | None = None
    pillar: str = ""
    programme_id: int | None = None
    indicator: Indicator | None = None

    def as_dict(self) -> dict:
        return {
            "view": self.view,
            "year": self.year,
            "quarter": self.quarter,
            "province": self.province.code if self.province else None,
            "pillar": self.pillar or None,
            "programme": self.programme_id,
            "indicator": self.indicator.code if self.indicator else None,
        }


def province_ids_in_scope(*, user: User) -> set[int] | None:
    """Provinces whose summaries the user may see; None means all of them (admins).

    From memberships and the organisation tree alone (their organisations' provinces, those of
    the organisations below them, and their review scope), never by joining reports, and worked
    out once per user object, so once per request."""
    memo = vars(user)  # the user object lives as long as the request
    if MEMO in memo:
        remembered: set[int] | None = memo[MEMO]
        return remembered
    ids: set[int] | None
    if user.is_portal_admin:
        ids = None
    else:
        organisations = user.organisation_ids(Membership.Role.REPORTER)
        provinces, reviewed_organisations = user.review_scope()
        organisations |= reviewed_organisations | user.subtree_organisation_ids
        ids = set(provinces)
        if organisations:
            ids |= set(
                Organisation.objects.filter(
                    pk__in=organisations, province__isnull=False
                ).values_list("province_id", flat=True)
            )
    memo[MEMO] = ids
    return ids


def can_download(user: User) -> bool:
    return user.reviews_reports


def working_province_ids(*, user: User) -> set[int] | None:
    """Provinces whose working figures the user may see: those where they may read every report
    behind a figure. None means all of them (admins); an empty set, none (they see releases)."""
    if user.is_portal_admin:
        return None
    provinces, _organisations = user.review_scope()
    return set(provinces)


def working_organisation_ids(*, user: User) -> set[int] | None:
    """For staff of a parent organisation who review no province: the organisations whose
    approved reports make their working figures (those they report for and every organisation
    below their organisations), all of whose reports they may read. None for everybody else."""
    if user.is_portal_admin or working_province_ids(user=user):
        return None
    descendants = user.subtree_organisation_ids
    if not descendants:
        return None
    return set(descendants) | user.organisation_ids(Membership.Role.REPORTER)


def may_see_working(user: User) -> bool:
    return (
        working_province_ids(user=user) != set() or working_organisation_ids(user=user) is not None
    )
