"""Factories for the providers domain: a Trait per state where it matters."""
from datetime import date, timedelta
from decimal import Decimal

import factory

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.accounts.tests.factories import OrganisationFactory, UserFactory
from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.documents.tests.factories import pdf_upload
from providers.models import ApplicationProduct, Product, ProviderApplication, ProviderProfile, SelectionRound
from providers.models.applications import REQUIRED_APPLICATION_DOCUMENTS


class SelectionRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelectionRound

    year = factory.LazyFunction(clock.current_year)
    title = factory.Sequence(lambda n: f"第{n + 1}批服务机构遴选")
    announcement = "申报条件与材料见《杭州市中小微企业服务券管理办法》第十四、十五条。"
    opens_at = factory.LazyFunction(lambda: clock.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=30))


def provider_user(**kwargs):
    organisation = OrganisationFactory(kind=Organisation.Kind.PROVIDER)
    return UserFactory(role=Role.PROVIDER, organisation=organisation, **kwargs)


def application_data(organisation, **overrides) -> dict:
    """A body meeting every 第十四条 condition of the seeded policy (2 years, 3M, 5 staff, 3 cases)."""
    data = {
        "name": organisation.name, "credit_code": organisation.credit_code,
        "established_on": clock.today() - timedelta(days=5 * 365), "district": District.XIHU,
        "revenue": Decimal("5000000.00"), "professional_staff": 12, "cases_last_year": 20,
        "categories": [ServiceCategory.DIGITAL_EMPOWERMENT],
        "products": [{"category": ServiceCategory.DIGITAL_EMPOWERMENT, "title": "中小企业数字化诊断",
                      "description": "现场调研、数字化水平评估、改造路线图", "deliverables": "诊断报告一份",
                      "duration_days": 30, "price": Decimal("20000.00"),
                      "last_year_average_price": Decimal("20000.00"), "cases_last_year": 8}],
    }
    data.update(overrides)
    return data


def upload_all_documents(application, actor):
    from providers import services

    for kind in REQUIRED_APPLICATION_DOCUMENTS:
        services.application_document_add(actor=actor, application=application, kind=kind,
                                          uploaded_file=pdf_upload(f"{kind}.pdf"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application row in a given state (built directly, for selectors and permissions tests)."""

    class Meta:
        model = ProviderApplication
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PROVIDER)
    round = factory.SubFactory(SelectionRoundFactory)
    applicant = factory.LazyAttribute(lambda o: UserFactory(role=Role.PROVIDER, organisation=o.organisation))
    name = factory.LazyAttribute(lambda o: o.organisation.name)
    credit_code = factory.LazyAttribute(lambda o: o.organisation.credit_code)
    established_on = date(2018, 1, 1)
    district = District.XIHU
    revenue = Decimal("5000000.00")
    professional_staff = 10
    cases_last_year = 10
    categories = factory.LazyFunction(lambda: [ServiceCategory.DIGITAL_EMPOWERMENT])

    @factory.post_generation
    def with_product(self, create, extracted, **kwargs):
        if create and extracted is not False:
            ApplicationProduct.objects.create(application=self, category=ServiceCategory.DIGITAL_EMPOWERMENT,
                                              title="数字化诊断", description="诊断", price=Decimal("10000"),
                                              last_year_average_price=Decimal("10000"), cases_last_year=5)

    class Params:
        pre_reviewed = factory.Trait(state=ProviderApplication.State.PRE_REVIEWED,
                                     submitted_at=factory.LazyFunction(clock.now))


def admitted_provider(*, district=District.XIHU, **user_kwargs):
    """A provider user whose organisation is admitted (built directly; the admission flow has its own tests)."""
    user = provider_user(**user_kwargs)
    application = ApplicationFactory(organisation=user.organisation, applicant=user, district=district,
                                     state=ProviderApplication.State.ADMITTED, admitted_at=clock.now())
    ProviderProfile.objects.create(organisation=user.organisation, district=district,
                                   categories=application.categories, round=application.round,
                                   application=application, admitted_at=clock.now())
    return user


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    provider = factory.LazyFunction(lambda: admitted_provider().organisation)
    category = ServiceCategory.DIGITAL_EMPOWERMENT
    title = factory.Sequence(lambda n: f"标准化服务产品{n}")
    description = "标准化服务内容"
    deliverables = "交付成果"
    duration_days = 30
    price = Decimal("10000.00")
    last_year_average_price = Decimal("10000.00")

    class Params:
        listed = factory.Trait(state=Product.State.LISTED, listed_at=factory.LazyFunction(clock.now))
        submitted = factory.Trait(state=Product.State.SUBMITTED, submitted_at=factory.LazyFunction(clock.now))


# A pre-reviewer's ticks on the three 第十四条 judgement items (fixed premises, licences, serving SMEs).
JUDGEMENTS_MET = {
    "premises": {"met": True, "note": "营业执照住所与租赁合同一致"},
    "licences": {"met": True, "note": "资质证书在有效期内"},
    "serves_smes": {"met": True, "note": "案例客户均为中小微企业"},
}
