import factory
from factory.django import DjangoModelFactory

from portal.models import Membership, Organisation, Province, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


def province(code: str = "01") -> Province:
    return Province.objects.get(code=code)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CSO
    province = factory.LazyFunction(province)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.REPORTER

    @factory.post_generation
    def scope_provinces(self, create, extracted, **kwargs):
        if create and extracted:
            self.scope_provinces.set(extracted)

    @factory.post_generation
    def scope_organisations(self, create, extracted, **kwargs):
        if create and extracted:
            self.scope_organisations.set(extracted)


def reporter(organisation=None, **kwargs) -> User:
    organisation = organisation or OrganisationFactory()
    return MembershipFactory(organisation=organisation, role="reporter", **kwargs).user


def reviewer(*, provinces=(), organisations=(), organisation=None) -> User:
    membership = MembershipFactory(
        organisation=organisation or OrganisationFactory(kind=Organisation.Kind.VWU_PROVINCIAL),
        role="reviewer",
        scope_provinces=list(provinces),
        scope_organisations=list(organisations),
    )
    return membership.user


def admin_user(**kwargs) -> User:
    organisation = OrganisationFactory(kind=Organisation.Kind.VWU_CENTRAL, province=None)
    membership = MembershipFactory(organisation=organisation, role="admin", **kwargs)
    user = membership.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user
