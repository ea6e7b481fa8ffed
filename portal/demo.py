"""Demo organisations and users for trying the portal out. Never run against real data."""

from dataclasses import dataclass

from django.db import transaction

from portal import services
from portal.models import Membership, Organisation, Province, User

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - documented demo login, refused in production
DEMO_DOMAIN = "demo.napwps.vn"

# (key, name, short name, kind, province code or None, parent key or None)
ORGANISATIONS = [
    ("vwu", "Trung ương Hội Liên hiệp Phụ nữ Việt Nam", "TW Hội LHPN", "vwu_central", None, None),
    ("vwu-hn", "Hội LHPN Thành phố Hà Nội", "Hội LHPN Hà Nội", "vwu_provincial", "01", "vwu"),
    ("vwu-hp", "Hội LHPN Thành phố Hải Phòng", "Hội LHPN Hải Phòng", "vwu_provincial", "31", "vwu"),
    ("vwu-qt", "Hội LHPN tỉnh Quảng Trị", "Hội LHPN Quảng Trị", "vwu_provincial", "44", "vwu"),
    ("vwu-dn", "Hội LHPN Thành phố Đà Nẵng", "Hội LHPN Đà Nẵng", "vwu_provincial", "48", "vwu"),
    ("vwu-hcm", "Hội LHPN Thành phố Hồ Chí Minh", "Hội LHPN TP.HCM", "vwu_provincial", "79", "vwu"),
    ("vwu-ag", "Hội LHPN tỉnh An Giang", "Hội LHPN An Giang", "vwu_provincial", "91", "vwu"),
    ("vwu-lc", "Hội LHPN tỉnh Lào Cai", "Hội LHPN Lào Cai", "vwu_provincial", "15", "vwu"),
    (
        "vwu-hn-sonson",
        "Chi hội Phụ nữ xã Sóc Sơn",
        "Chi hội PN Sóc Sơn",
        "vwu_commune",
        "01",
        "vwu-hn",
    ),
    (
        "vwu-qt-giolinh",
        "Chi hội Phụ nữ xã Gio Linh",
        "Chi hội PN Gio Linh",
        "vwu_commune",
        "44",
        "vwu-qt",
    ),
    ("cwd", "Trung tâm Phụ nữ và Phát triển (demo)", "CWD (demo)", "vwu_central", None, "vwu"),
    # National bodies that report the NAP's national indicators once a year. Since the 2025
    # reorganisation the Ministry of Home Affairs holds labour and gender equality (formerly
    # MOLISA) and the Ministry of Health social protection.
    ("mofa", "Bộ Ngoại giao (demo)", "Bộ Ngoại giao", "ministry", None, None),
    ("mod", "Bộ Quốc phòng (demo)", "Bộ Quốc phòng", "ministry", None, None),
    ("mps", "Bộ Công an (demo)", "Bộ Công an", "ministry", None, None),
    ("moha", "Bộ Nội vụ (demo)", "Bộ Nội vụ", "ministry", None, None),
    ("moh", "Bộ Y tế (demo)", "Bộ Y tế", "ministry", None, None),
    ("cso-safe", "Mạng lưới Cộng đồng An toàn (demo)", "Cộng đồng An toàn", "cso", "48", None),
    (
        "cso-mekong",
        "Sáng kiến Phụ nữ Mê Kông thích ứng khí hậu (demo)",
        "Mekong Women",
        "cso",
        "91",
        None,
    ),
    (
        "cso-north",
        "Liên minh Phòng chống Mua bán người miền Bắc (demo)",
        "Northern Alliance",
        "cso",
        "15",
        None,
    ),
]

# (e-mail local part, full name, role, organisation key, scope provinces, scope organisations)
USERS = [
    ("admin", "Nguyễn Thị Quản Trị", "admin", "vwu", [], []),
    ("reviewer", "Trần Thị Thẩm Định", "reviewer", "vwu-hn", ["01", "31", "15"], ["cso-north"]),
    ("reviewer.south", "Lê Thị Phương Nam", "reviewer", "vwu-hcm", ["79", "91"], ["cso-mekong"]),
    (
        "reviewer.central",
        "Phạm Thị Miền Trung",
        "reviewer",
        "vwu",
        ["44", "48"],
        ["cwd", "cso-safe"],
    ),
    (
        "reviewer.national",
        "Đinh Thị Quốc Gia",
        "reviewer",
        "vwu",
        [],
        ["vwu", "mofa", "mod", "mps", "moha", "moh"],
    ),
    ("reporter", "Hoàng Thị Báo Cáo", "reporter", "vwu-hn", [], []),
    ("reporter.hp", "Vũ Thị Hải", "reporter", "vwu-hp", [], []),
    ("reporter.qt", "Đặng Thị Trị", "reporter", "vwu-qt", [], []),
    ("reporter.dn", "Bùi Thị Đà", "reporter", "vwu-dn", [], []),
    ("reporter.hcm", "Đỗ Thị Sài Gòn", "reporter", "vwu-hcm", [], []),
    ("reporter.ag", "Ngô Thị An", "reporter", "vwu-ag", [], []),
    ("reporter.lc", "Dương Thị Lào", "reporter", "vwu-lc", [], []),
    ("reporter.sonson", "Lý Thị Sơn", "reporter", "vwu-hn-sonson", [], []),
    ("reporter.giolinh", "Mai Thị Linh", "reporter", "vwu-qt-giolinh", [], []),
    ("reporter.cwd", "Trịnh Thị Bình Yên", "reporter", "cwd", [], []),
    ("reporter.safe", "Hồ Thị An Toàn", "reporter", "cso-safe", [], []),
    ("reporter.mekong", "Châu Thị Mê Kông", "reporter", "cso-mekong", [], []),
    ("reporter.north", "Tạ Thị Bắc", "reporter", "cso-north", [], []),
    ("reporter.vwu", "Lưu Thị Trung Ương", "reporter", "vwu", [], []),
    ("reporter.mofa", "Phan Thị Ngoại Giao", "reporter", "mofa", [], []),
    ("reporter.mod", "Quách Thị Quốc Phòng", "reporter", "mod", [], []),
    ("reporter.mps", "Kiều Thị An Ninh", "reporter", "mps", [], []),
    ("reporter.moha", "Lâm Thị Nội Vụ", "reporter", "moha", [], []),
    ("reporter.moh", "Tôn Thị Y Tế", "reporter", "moh", [], []),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    organisation: str


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


@transaction.atomic
def seed_people() -> list[DemoLogin]:
    """Create (or leave as they are) the demo organisations, users and memberships."""
    provinces = {p.code: p for p in Province.objects.all()}
    organisations: dict[str, Organisation] = {}
    for key, name, short_name, kind, province_code, parent_key in ORGANISATIONS:
        organisations[key], _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "short_name": short_name,
                "kind": kind,
                "province": provinces[province_code] if province_code else None,
                "parent": organisations[parent_key] if parent_key else None,
            },
        )
    logins = []
    for local_part, full_name, role, org_key, scope_provinces, scope_orgs in USERS:
        email = demo_email(local_part)
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "is_staff": role == "admin",
                "is_superuser": role == "admin",
            },
        )
        if created:  # a re-run keeps the password hash, so the rows stay identical
            services.user_set_password(actor=None, user=user, password=DEMO_PASSWORD)
        membership, _ = Membership.objects.get_or_create(
            user=user, organisation=organisations[org_key], role=role
        )
        membership.scope_provinces.set([provinces[code] for code in scope_provinces])
        membership.scope_organisations.set([organisations[key] for key in scope_orgs])
        logins.append(DemoLogin(email, role, organisations[org_key].name))
    return logins
