"""Which programmes the demo organisations run. Never run against real data."""

from django.db import transaction

from indicators.models import Programme
from portal.demo import ORGANISATIONS
from portal.models import Organisation

# Programmes each demo organisation runs (and so is expected to report on every period).
ORGANISATION_PROGRAMMES = {
    "vwu": ["other", "nap-national", "international-cooperation"],
    "mofa": ["nap-national", "international-cooperation"],
    "mod": ["nap-national", "international-cooperation"],
    "mps": ["nap-national", "international-cooperation"],
    "moha": ["nap-national"],
    "moh": ["nap-national"],
    "cwd": ["peace-house"],
    "cso-safe": ["trusted-address", "peace-house"],
    "cso-mekong": ["climate-resilience"],
    "cso-north": ["anti-trafficking"],
    "vwu-hn-sonson": ["trusted-address"],
    "vwu-qt-giolinh": ["trusted-address", "climate-resilience"],
}
PROVINCIAL_PROGRAMMES = ["peace-house", "trusted-address", "anti-trafficking", "climate-resilience"]


@transaction.atomic
def seed_programmes_run() -> None:
    """Give each demo organisation (made by `portal.demo.seed_people`) the programmes it runs."""
    programmes = {p.code: p for p in Programme.objects.all()}
    names = {key: name for key, name, *_rest in ORGANISATIONS}
    organisations = Organisation.objects.in_bulk(list(names.values()), field_name="name")
    for key, name in names.items():
        codes = ORGANISATION_PROGRAMMES.get(key, PROVINCIAL_PROGRAMMES)
        organisations[name].programmes.set([programmes[code] for code in codes])
