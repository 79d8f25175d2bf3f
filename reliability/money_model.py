"""A seeded random driver of the whole money flow through the real services, on the real database.

`MoneyModel(seed).run(steps)` sets up a small world — one fund, two issuance batches (one with a short
validity so vouchers expire mid-run), a few buyers with different quotas, a few providers in different
districts with listed products, the staff — then performs `steps` random actions: claim, order, cancel,
complete+rate, deduct (sometimes asking too much; and aimed at the fund's remainder: one cent over it, exactly
it, one cent under — money_model_fund.py), suspend or reinstate a holder (vouchers frozen, not voided),
import a dishonesty list naming a buyer or a provider and record its delisting (信用修复), probe the days just
outside the policy's validity period, tick the clock and run the daily jobs,
file/submit/pre-review/approve/reject/withdraw redemption claims, and walk settlement batches through
collection, notice, two signatures, issuing and district payments (confirm / fail / replay). The fund, the
batch slots and the provider cap are deliberately small so every limit is reached.

After every step `check_invariants()` runs; a domain refusal (DomainError) is an expected outcome, any other
exception is a defect and stops the run. The result counts steps, actions by outcome and violations."""
from __future__ import annotations

import random
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .invariants import check_invariants
from .money_model_fund import FundRemainderActions

START = "2026-06-01T09:00:00+08:00"


@dataclass
class ModelResult:
    seed: int
    steps: int = 0
    checks: int = 0
    outcomes: Counter = field(default_factory=Counter)
    violations: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.errors


class MoneyModel(FundRemainderActions):
    def __init__(self, seed: int, *, buyers: int = 6, providers: int = 3, fund_total: str = "15000.00",
                 provider_cap: str = "12000.00"):
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_buyers, self.n_providers = buyers, providers
        self.fund_total, self.provider_cap = Decimal(fund_total), Decimal(provider_cap)
        self.result = ModelResult(seed=seed)

    # --- world -------------------------------------------------------------------------------------------
    def setup(self):
        from django.utils.dateparse import parse_datetime

        from hangqifu.accounts.models import Organisation
        from hangqifu.accounts.roles import Role
        from hangqifu.accounts.tests.factories import OrganisationFactory, UserFactory
        from hangqifu.core import clock
        from hangqifu.core.choices import ServiceCategory
        from hangqifu.policy.models import PolicyYear
        from vouchers.models import Fund
        from vouchers.tests import money_factories as mf

        clock.set_test_clock(parse_datetime(START), frozen=True)
        for year in (2026, 2027):
            PolicyYear.objects.get_or_create(year=year)
        PolicyYear.objects.filter(year=2026).update(provider_annual_cap=self.provider_cap)
        cats = (ServiceCategory.DIGITAL_EMPOWERMENT, ServiceCategory.LEGAL)
        self.categories = cats
        self.batches = [
            mf.open_batch(types=((cats[0], "1000.00", 8), (cats[0], "2000.00", 4), (cats[1], "1500.00", 5))),
            mf.open_batch(types=((cats[0], "500.00", 10), (cats[1], "800.00", 6)), valid_until=date(2026, 6, 20)),
        ]
        Fund.objects.filter(year=2026).update(total=self.fund_total)
        quotas = ["5000.00", "10000.00", "20000.00"]
        self.buyers = [mf.qualified_buyer(quota=quotas[i % 3], role=Role.PARK if i % 4 == 3 else Role.ENTERPRISE)
                       for i in range(self.n_buyers)]
        districts = ["xihu", "binjiang", "gongshu", "yuhang"]
        self.providers, self.products = [], {}
        for i in range(self.n_providers):
            provider = mf.provider_user()
            Organisation.objects.filter(pk=provider.organisation_id).update(district=districts[i % len(districts)])
            provider.organisation.refresh_from_db()
            self.providers.append(provider)
            for cat in cats:
                price = self.rng.choice(["3000.00", "6000.00", "9999.99"])
                self.products[(provider.pk, cat)] = mf.listed_product(provider, category=cat, price=price,
                                                                      title=f"服务 {i} {cat}")
        self.center = UserFactory(role=Role.SERVICE_CENTER)
        self.bureau = UserFactory(role=Role.BUREAU)
        self.finance = UserFactory(role=Role.FINANCE_BUREAU)
        self.districts = {}
        for district in districts:
            org = OrganisationFactory(kind=Organisation.Kind.DISTRICT, credit_code=None, district=district,
                                      name=f"{district}财政局")
            self.districts[district] = UserFactory(role=Role.DISTRICT, organisation=org)

    # --- helpers -----------------------------------------------------------------------------------------
    def _pick(self, seq):
        seq = list(seq)
        return self.rng.choice(seq) if seq else None

    def _amount(self, maximum: Decimal) -> str:
        """A random amount up to `maximum`, sometimes exactly it, sometimes a little more (to be refused)."""
        roll = self.rng.random()
        if roll < 0.15:
            value = maximum
        elif roll < 0.25:
            value = maximum + Decimal("0.01")
        else:
            value = (maximum * Decimal(self.rng.randint(1, 100)) / 100).quantize(Decimal("0.01"))
        return str(max(value, Decimal("0.01")))

    def _advance(self, days: float):
        from hangqifu.core import clock

        clock.set_test_clock(clock.now() + timedelta(days=days), frozen=True)

    # --- actions -----------------------------------------------------------------------------------------
    def claim(self):
        from vouchers.services.voucher_claims import voucher_claim

        buyer = self._pick(self.buyers)
        batch = self._pick(self.batches)
        vtype = self._pick(batch.voucher_types.all())
        voucher_claim(actor=buyer, batch_id=batch.pk, voucher_type_id=vtype.pk)

    def order(self):
        from vouchers.services.orders import order_create
        from vouchers.tests.money_factories import pdf_file

        buyer, provider = self._pick(self.buyers), self._pick(self.providers)
        product = self.products[(provider.pk, self._pick(self.categories))]
        order_create(actor=buyer, product_id=product.pk, amount=self._amount(product.price),
                     contract=pdf_file("合同.pdf"))

    def _orders(self, state):
        from vouchers.models import Order

        return Order.objects.filter(state=state).select_related("buyer_user", "provider")

    def cancel(self):
        from vouchers.services.orders import order_cancel

        order = self._pick(self._orders("signed"))
        if not order:
            return "skip"
        actor = order.buyer_user if self.rng.random() < 0.5 else self._provider_user(order.provider_id)
        order_cancel(actor=actor, order_id=order.pk, reason="随机取消")

    def _provider_user(self, organisation_id):
        return next(p for p in self.providers if p.organisation_id == organisation_id)

    def complete_and_rate(self):
        from vouchers.services.orders import order_complete, order_rate, order_upload_stamped_letter
        from vouchers.tests.money_factories import pdf_file

        order = self._pick(self._orders("signed"))
        if not order:
            return "skip"
        order_upload_stamped_letter(actor=order.buyer_user, order_id=order.pk, uploaded_file=pdf_file("承诺书.pdf"))
        order_complete(actor=self._provider_user(order.provider_id), order_id=order.pk,
                       service_records=[pdf_file("记录.pdf")])
        order_rate(actor=order.buyer_user, order_id=order.pk,
                   satisfaction=self._pick(["satisfied", "basically_satisfied"]))

    def deduct(self):
        from hangqifu.core.money import share
        from vouchers.models import Voucher
        from vouchers.services.deductions import deduction_apply

        rated = self._orders("rated")
        if self.rng.random() < 0.8:  # mostly a voucher that fits one of the holder's rated orders
            voucher = self._pick(Voucher.objects.filter(state="live", organisation_id__in=rated.values("buyer_id")))
            order = voucher and self._pick(rated.filter(buyer_id=voucher.organisation_id, category=voucher.category))
        else:  # sometimes any voucher of the holder: wrong category, used up, expired, voided
            order = self._pick(rated)
            voucher = order and self._pick(Voucher.objects.filter(organisation_id=order.buyer_id))
        if not order or not voucher:
            return "skip"
        cap = min(share(order.amount, Decimal("0.5")), voucher.balance) if voucher.balance else Decimal("1.00")
        deduction_apply(actor=order.buyer_user, order_id=order.pk, voucher_id=voucher.pk, amount=self._amount(cap),
                        declares_no_other_subsidy=self.rng.random() > 0.05)

    def tick(self):
        """Days pass; the daily jobs run (expiry, batch closing, notices, settlement resume)."""
        from hangqifu.core.jobs import run_due_jobs

        self._advance(self.rng.choice([1, 2, 3, 5, 9]))
        run_due_jobs()

    def suspend(self):
        """Staff suspend (vouchers frozen) or reinstate a holder (a list suspension is refused: credit_listed)."""
        from registration.services.qualification import qualification_reinstate, qualification_suspend
        from vouchers.tests.money_factories import qualification_of

        buyer = self._pick(self.buyers)
        qualification = qualification_of(buyer)
        self._advance(1 / 1440)
        try:
            if qualification.state == "active" and self.rng.random() < 0.5:
                qualification_suspend(actor=self.center, qualification=qualification, reason="随机抽查暂停")
            elif qualification.state == "suspended":
                qualification_reinstate(actor=self.center, qualification=qualification, reason="核查后恢复")
        finally:
            self._advance(1 / 1440)

    # --- 第六条 lists, frozen vouchers and 第二十二条's period ----------------------------------------------
    # Each act on the lists or on a qualification's state moves the business clock by a minute before and
    # after, so the invariants can order it against the claims and deductions of the same day (E6, E11).
    def list_import(self):
        """Staff import a list naming a buyer or a provider, listed from today or from tomorrow."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from hangqifu.core import clock
        from registration.services.imports import import_credit_list

        party = self._pick([*self.buyers, *self.providers])
        listed_on = clock.today() + timedelta(days=self.rng.choice([0, 0, 1]))
        text = f"统一社会信用代码,名称,列入日期\n{party.organisation.credit_code},{party.organisation.name},{listed_on}\n"
        self._advance(1 / 1440)
        import_credit_list(actor=self.center, list_kind=self._pick(["severe_dishonesty", "judgment_defaulter"]),
                           uploaded_file=SimpleUploadedFile("名单.csv", text.encode()), source="随机导入")
        self._advance(1 / 1440)

    def delist(self):
        """Staff record a 信用修复 for an entry in force (with evidence); the suspensions it caused lift."""
        from hangqifu.core import clock
        from registration.selectors.eligibility import listed_entries
        from registration.services.credit_lists import credit_delisting_record
        from vouchers.tests.money_factories import pdf_file

        entry = self._pick(listed_entries(clock.today()).filter(listed_on__lt=clock.today()))
        if entry is None:
            return "skip"
        self._advance(1 / 1440)
        credit_delisting_record(actor=self.center, entry_id=entry.pk, reason="信用修复", evidence=pdf_file())
        self._advance(1 / 1440)

    def period_probe(self):
        """Outside 第二十二条's period (the day before it starts, the day after it ends) a claim, an order and a
        deduction are refused with policy_not_in_force; a district payment after the end still goes through."""
        from django.utils.dateparse import parse_datetime

        from hangqifu.core import clock
        from hangqifu.core.errors import DomainError

        saved = clock.now()
        outside = self._pick(["2026-05-02T10:00:00+08:00", "2029-01-01T10:00:00+08:00"])
        clock.set_test_clock(parse_datetime(outside), frozen=True)
        try:
            for action in (self.claim, self.order, self.deduct):
                try:
                    outcome = action()
                except DomainError as exc:
                    if exc.code not in ("policy_not_in_force", "not_eligible", "invalid"):
                        self.result.outcomes[f"period_probe:{action.__name__}:{exc.code}"] += 1
                    continue
                if outcome != "skip":
                    self.result.violations.append(f"step {self.result.steps}: {action.__name__} on {outside} "
                                                  "outside the policy's period was accepted")
        finally:
            clock.set_test_clock(saved, frozen=True)

    def file_claim(self):
        from redemption.models import ClaimLine
        from redemption.services.redemption_claims import claim_create
        from redemption.tests.factories import attach_documents, line_for

        provider = self._pick(self.providers)
        orders = list(self._orders("deducted").filter(provider_id=provider.organisation_id)
                      .exclude(pk__in=ClaimLine.objects.filter(live=True).values("order_id"))
                      .exclude(redemption__isnull=False).select_related("deduction"))
        if not orders:
            # sometimes try to claim an order already claimed (must be refused)
            orders = list(self._orders("deducted").filter(provider_id=provider.organisation_id)[:1])
            if not orders:
                return "skip"
        chosen = self.rng.sample(orders, k=min(len(orders), self.rng.randint(1, 3)))
        claim = claim_create(actor=provider, lines=[line_for(o) for o in chosen])
        attach_documents(claim, provider)

    def _claims(self, *states):
        from redemption.models import RedemptionClaim

        return RedemptionClaim.objects.filter(state__in=states).select_related("provider", "created_by")

    def review_claim(self):
        from redemption.services import redemption_claims as svc

        claim = self._pick(self._claims("draft", "returned", "submitted", "pre_reviewed"))
        if claim is None:
            return "skip"
        roll = self.rng.random()
        if claim.state in ("draft", "returned"):
            if roll < 0.85:
                svc.claim_submit(claim=claim, actor=claim.created_by)
            else:
                svc.claim_withdraw(claim=claim, actor=claim.created_by)
        elif claim.state == "submitted":
            if roll < 0.8:
                verified = None
                if self.rng.random() < 0.3:
                    line = self._pick(claim.lines.all())
                    verified = {line.order_id: (line.amount * Decimal("0.8")).quantize(Decimal("0.01"))}
                svc.claim_pre_review(claim=claim, actor=self.center, passed=True, opinion="材料齐全", verified=verified)
            elif roll < 0.9:
                svc.claim_pre_review(claim=claim, actor=self.center, passed=False, opinion="请补正发票")
            else:
                svc.claim_reject(claim=claim, actor=self.center, opinion="材料不实")
        else:
            svc.claim_approve(claim=claim, actor=self.bureau)

    def settle(self):
        """Move the current settlement batch one step (open → … → issued)."""
        from hangqifu.core import clock
        from hangqifu.notices import services as notice_services
        from redemption.models import SettlementBatch
        from redemption.services import settlement as svc

        # an empty batch (nothing collected, or everything pulled out by objections) is a dead end: skip it
        batch = (SettlementBatch.objects.exclude(state__in=["disbursed", "completed"])
                 .exclude(state__in=["collected", "notice_closed"], claims__isnull=True).order_by("-id").first())
        if batch is None:
            if not self._claims("approved").exists():
                return "skip"
            today = clock.today()
            svc.batch_open(actor=self.center, period_start=date(today.year, 1, 1), period_end=date(today.year, 12, 31))
        elif batch.state == "open":
            svc.batch_close(batch=batch, actor=self.center)
        elif batch.state == "collected":
            svc.batch_approve(batch=batch, actor=self.bureau)
        elif batch.state == "approved":
            svc.batch_publish(batch=batch, actor=self.bureau)
        elif batch.state == "in_notice":
            if batch.notice.closes_at > clock.now():
                clock.set_test_clock(batch.notice.closes_at + timedelta(hours=1), frozen=True)
            notice_services.notices_close_expired()
            svc.batch_sign(batch=SettlementBatch.objects.get(pk=batch.pk), actor=self.bureau)
        elif batch.state == "notice_closed":
            svc.batch_sign(batch=batch, actor=self.bureau)
        elif batch.state == "bureau_signed":
            svc.batch_sign(batch=batch, actor=self.finance)

    def pay(self):
        from hangqifu.core import clock
        from redemption.models import DistrictPayment
        from redemption.services.payments import payment_confirm, payment_fail

        payment = self._pick(DistrictPayment.objects.all())
        if payment is None:
            return "skip"
        actor = self.districts[payment.district]
        if self.rng.random() < 0.1:  # an official of another district tries
            actor = self._pick(u for d, u in self.districts.items() if d != payment.district)
        if payment.state != "paid" and self.rng.random() < 0.2:
            payment_fail(payment=payment, actor=actor, reason="账户信息有误")
        else:
            reference = payment.reference or f"QQ{payment.pk:08d}"
            if payment.state == "paid" and self.rng.random() < 0.3:
                reference += "X"  # a second, different confirmation must be refused
            payment_confirm(payment=payment, actor=actor, reference=reference, paid_at=clock.now())

    ACTIONS = (("claim", 14), ("order", 12), ("cancel", 2), ("complete_and_rate", 14), ("deduct", 16),
               ("tick", 4), ("suspend", 4), ("file_claim", 8), ("review_claim", 10), ("settle", 6), ("pay", 4),
               ("list_import", 2), ("delist", 2), ("period_probe", 1), ("deduct_remainder", 6))

    # --- run ---------------------------------------------------------------------------------------------
    def step(self):
        from hangqifu.core.errors import DomainError

        names = [name for name, _ in self.ACTIONS]
        weights = [weight for _, weight in self.ACTIONS]
        name = self.rng.choices(names, weights)[0]
        try:
            outcome = getattr(self, name)() or "ok"  # services own their transactions, as in a request
            self.result.outcomes[f"{name}:{outcome}"] += 1
        except DomainError as exc:
            self.result.outcomes[f"{name}:{exc.code}"] += 1
        except Exception:  # noqa: BLE001 - any other exception is a defect the run reports
            self.result.errors.append(f"step {self.result.steps} {name}: {traceback.format_exc(limit=6)}")
        self.result.steps += 1
        violations = check_invariants()
        self.result.checks += 1
        if violations:
            self.result.violations.extend(f"step {self.result.steps} after {name}: {v}" for v in violations)

    def run(self, steps: int) -> ModelResult:
        self.setup()
        for _ in range(steps):
            self.step()
            if self.result.violations or self.result.errors:
                break
        return self.result
