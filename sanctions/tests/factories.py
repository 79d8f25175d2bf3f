import factory

from hangqifu.accounts.tests.factories import OrganisationFactory, UserFactory
from hangqifu.core import clock
from sanctions.models import Sanction


class SanctionFactory(factory.django.DjangoModelFactory):
    """A decision already in force (tests of the service itself go through sanction_impose)."""

    class Meta:
        model = Sanction

    organisation = factory.SubFactory(OrganisationFactory)
    reason = "虚报服务合同金额，骗取服务券抵扣"
    ban_years = 3
    starts_on = factory.LazyFunction(clock.today)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on.replace(year=o.starts_on.year + o.ban_years))
    decided_by = factory.SubFactory(UserFactory, role="bureau")
    decided_at = factory.LazyFunction(clock.now)
