"""疑点线索 (第十六、十九条): documented rules, computed nightly into `FraudSignal`, that rank orders, redemption
claims and organisations for staff attention and weight the risk-based spot checks.

Every rule is one set-based query (or a handful) over the look-back window — never a Python loop over all
orders. Each rule lists its reasons in Chinese so staff see *why* a subject is flagged; the thresholds are the
named constants below. A signal is a lead, not a finding: only an investigation or a spot check confirms fraud.

Bank accounts: no model of the platform stores a bank account (district payments go to the account registered
on QinQing Online, outside this system), so the shared-details rule compares contact phone and address only."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Trim, Upper
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.core import clock
from redemption.models import ClaimLine
from vouchers.models import Deduction, Order, OtherSubsidyAward, Satisfaction, Voucher
from vouchers.services.subsidies import on_near_match, subsidy_matches

from .models import FraudSignal

Rule = FraudSignal.Rule
Subject = FraudSignal.Subject

LOOKBACK_DAYS = 365                      # orders signed / claims created within this many days are examined
PAIR_ORDER_THRESHOLD = 5                 # one buyer–provider pair with at least this many orders
PRICE_BASIS_FACTOR = Decimal("2")        # an order amount above this multiple of the product's price basis
QUICK_DEDUCTION_MINUTES = 5              # deduction applied within this many minutes of the rating
INSTANT_RATING_HOURS = 2                 # ratings given within this many hours of completion …
INSTANT_RATING_MIN_RATINGS = 5           # … all "satisfied", over at least this many ratings of the provider
MAX_SCORE = 100

SCORES = {
    Rule.PAIR_VOLUME: 30,
    Rule.ABOVE_PRICE_BASIS: 40,
    Rule.TWICE_BALANCE: 35,
    Rule.QUICK_DEDUCTION: 20,
    Rule.SHARED_CONTACT: 40,
    Rule.INSTANT_SATISFACTION: 30,
    Rule.REPEATED_INVOICE: 60,
    Rule.OTHER_SUBSIDY_NEAR: 50,
}


@dataclass(frozen=True)
class RuleDoc:
    rule: str
    label: str
    subject: str
    description: str
    score: int


def rule_docs() -> list[RuleDoc]:
    """What the rules page shows: each rule, what it looks at, its threshold and its score."""
    return [
        RuleDoc(Rule.PAIR_VOLUME, Rule.PAIR_VOLUME.label, "订单",
                f"近 {LOOKBACK_DAYS} 天内同一购买方向同一服务机构下单不少于 {PAIR_ORDER_THRESHOLD} 笔（未取消），"
                "该组合的每一笔订单均列为线索；笔数越多分值越高。", SCORES[Rule.PAIR_VOLUME]),
        RuleDoc(Rule.ABOVE_PRICE_BASIS, Rule.ABOVE_PRICE_BASIS.label, "订单",
                f"合同实际金额超过产品价格基准（上年度同类产品平均合同金额）的 {PRICE_BASIS_FACTOR} 倍。",
                SCORES[Rule.ABOVE_PRICE_BASIS]),
        RuleDoc(Rule.TWICE_BALANCE, Rule.TWICE_BALANCE.label, "订单",
                "已抵扣订单的金额恰为抵扣前服务券余额的两倍，或未抵扣订单的金额恰为购买方某张同类有效服务券余额的两倍"
                "（按 50% 抵扣比例“凑满”服务券）。", SCORES[Rule.TWICE_BALANCE]),
        RuleDoc(Rule.QUICK_DEDUCTION, Rule.QUICK_DEDUCTION.label, "订单",
                f"满意度评价后 {QUICK_DEDUCTION_MINUTES} 分钟内即申请抵扣。", SCORES[Rule.QUICK_DEDUCTION]),
        RuleDoc(Rule.SHARED_CONTACT, Rule.SHARED_CONTACT.label, "组织",
                "两个及以上企业、园区或服务机构登记的联系电话或地址相同（去除空格后比较）；"
                "其中有购买方与服务机构之间存在订单的，分值加倍。平台不保存银行账户，故不比较银行账户。",
                SCORES[Rule.SHARED_CONTACT]),
        RuleDoc(Rule.INSTANT_SATISFACTION, Rule.INSTANT_SATISFACTION.label, "组织",
                f"服务机构近 {LOOKBACK_DAYS} 天内不少于 {INSTANT_RATING_MIN_RATINGS} 条评价全部为“满意”，"
                f"且全部在服务完成后 {INSTANT_RATING_HOURS} 小时内作出。", SCORES[Rule.INSTANT_SATISFACTION]),
        RuleDoc(Rule.REPEATED_INVOICE, Rule.REPEATED_INVOICE.label, "兑付申请",
                "同一发票号码（忽略大小写与首尾空格）出现在两条及以上有效的兑付申请明细中。",
                SCORES[Rule.REPEATED_INVOICE]),
        RuleDoc(Rule.OTHER_SUBSIDY_NEAR, Rule.OTHER_SUBSIDY_NEAR.label, "订单",
                "订单购买方在同一年度的创新券、数改券、对标提升等支持名单中有相近项目（项目名称相近、同一服务机构或"
                "同一金额，第八条）：完全相同的项目在抵扣时即被拒绝，相近的列为线索待核实。",
                SCORES[Rule.OTHER_SUBSIDY_NEAR]),
    ]


def _signal(rule, subject_type, subject_id, organisation_id, reasons, score, *, on, now) -> FraudSignal:
    return FraudSignal(rule=rule, subject_type=subject_type, subject_id=subject_id,
                       organisation_id=organisation_id, score=min(int(score), MAX_SCORE), reasons=reasons,
                       computed_for=on, computed_at=now)


def _recent_orders(on: date):
    since = on - timedelta(days=LOOKBACK_DAYS)
    return Order.objects.filter(signed_at__date__gte=since, signed_at__date__lte=on).exclude(
        state=Order.State.CANCELLED)


def rule_pair_volume(on: date, now) -> list[FraudSignal]:
    """One buyer–provider pair with at least PAIR_ORDER_THRESHOLD orders in the window: each of its orders."""
    orders = _recent_orders(on)
    pair_count = Subquery(orders.filter(buyer_id=OuterRef("buyer_id"), provider_id=OuterRef("provider_id"))
                          .values("buyer_id").annotate(n=Count("id")).values("n")[:1])
    rows = (orders.annotate(pair=pair_count).filter(pair__gte=PAIR_ORDER_THRESHOLD)
            .values_list("pk", "buyer_id", "buyer__name", "provider__name", "pair"))
    base = SCORES[Rule.PAIR_VOLUME]
    return [_signal(Rule.PAIR_VOLUME, Subject.ORDER, pk, buyer_id,
                    [f"购买方“{buyer}”近 {LOOKBACK_DAYS} 天内向服务机构“{provider}”下单 {n} 笔"
                     f"（阈值 {PAIR_ORDER_THRESHOLD} 笔）"],
                    base + 5 * (n - PAIR_ORDER_THRESHOLD), on=on, now=now)
            for pk, buyer_id, buyer, provider, n in rows]


def rule_above_price_basis(on: date, now) -> list[FraudSignal]:
    rows = (_recent_orders(on).filter(amount__gt=F("product__last_year_average_price") * PRICE_BASIS_FACTOR)
            .values_list("pk", "buyer_id", "amount", "product__last_year_average_price", "product_title"))
    return [_signal(Rule.ABOVE_PRICE_BASIS, Subject.ORDER, pk, buyer_id,
                    [f"订单金额 {amount} 元超过产品“{title}”价格基准 {basis} 元的 {PRICE_BASIS_FACTOR} 倍"],
                    SCORES[Rule.ABOVE_PRICE_BASIS], on=on, now=now)
            for pk, buyer_id, amount, basis, title in rows]


def rule_twice_balance(on: date, now) -> list[FraudSignal]:
    money = DecimalField(max_digits=14, decimal_places=2)
    earlier = Subquery(Deduction.objects.filter(voucher_id=OuterRef("voucher_id"), pk__lt=OuterRef("pk"))
                       .values("voucher_id").annotate(s=Sum("amount")).values("s")[:1], output_field=money)
    deducted = (Deduction.objects.filter(order__in=_recent_orders(on))
                .annotate(before=ExpressionWrapper(F("voucher__face_value") - Coalesce(earlier, Value(Decimal("0"))),
                                                   output_field=money))
                .filter(order_amount=F("before") * 2)
                .values_list("order_id", "organisation_id", "order_amount", "before"))
    signals = [_signal(Rule.TWICE_BALANCE, Subject.ORDER, order_id, org_id,
                       [f"订单金额 {amount} 元恰为抵扣前服务券余额 {before} 元的两倍"],
                       SCORES[Rule.TWICE_BALANCE], on=on, now=now)
               for order_id, org_id, amount, before in deducted]
    live = Voucher.objects.filter(organisation_id=OuterRef("buyer_id"), category=OuterRef("category"),
                                  state=Voucher.State.LIVE, balance__gt=0)
    matching = Subquery(live.filter(balance=OuterRef("amount") / 2).values("balance")[:1], output_field=money)
    pending = (_recent_orders(on).filter(deduction__isnull=True).annotate(balance=matching)
               .filter(balance__isnull=False).values_list("pk", "buyer_id", "amount", "balance"))
    signals += [_signal(Rule.TWICE_BALANCE, Subject.ORDER, pk, buyer_id,
                        [f"订单金额 {amount} 元恰为购买方同类有效服务券余额 {balance} 元的两倍"],
                        SCORES[Rule.TWICE_BALANCE], on=on, now=now)
                for pk, buyer_id, amount, balance in pending]
    return signals


def rule_quick_deduction(on: date, now) -> list[FraudSignal]:
    rows = (_recent_orders(on).filter(deducted_at__isnull=False, rated_at__isnull=False,
                                      deducted_at__lt=F("rated_at") + timedelta(minutes=QUICK_DEDUCTION_MINUTES))
            .values_list("pk", "buyer_id", "rated_at", "deducted_at"))
    return [_signal(Rule.QUICK_DEDUCTION, Subject.ORDER, pk, buyer_id,
                    [f"评价（{timezone.localtime(rated):%m-%d %H:%M:%S}）后 "
                     f"{max(int((deducted - rated).total_seconds() // 60), 0)} 分钟即抵扣"
                     f"（阈值 {QUICK_DEDUCTION_MINUTES} 分钟）"],
                    SCORES[Rule.QUICK_DEDUCTION], on=on, now=now)
            for pk, buyer_id, rated, deducted in rows]


def _normalised(value: str) -> str:
    return "".join((value or "").split())


def rule_shared_contact(on: date, now) -> list[FraudSignal]:
    """Organisations (enterprise, park, provider) sharing a phone or an address; doubled when a buyer and a
    provider of the group have orders together."""
    kinds = [Organisation.Kind.ENTERPRISE, Organisation.Kind.PARK, Organisation.Kind.PROVIDER]
    parties = Organisation.objects.filter(kind__in=kinds)
    groups: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    for field, label in (("contact_phone", "联系电话"), ("address", "地址")):
        shared = (parties.annotate(v=Trim(field)).exclude(v="").values("v").annotate(n=Count("id"))
                  .filter(n__gt=1).values("v"))
        for pk, name, kind, value in (parties.annotate(v=Trim(field)).filter(v__in=Subquery(shared))
                                      .values_list("pk", "name", "kind", "v")):
            groups.setdefault((label, _normalised(value)), []).append((pk, name, kind))
    if not groups:
        return []

    member_ids = {pk for members in groups.values() for pk, _, _ in members}
    traded = set(Order.objects.filter(buyer_id__in=member_ids, provider_id__in=member_ids)
                 .values_list("buyer_id", "provider_id").distinct())
    reasons: dict[int, list[str]] = {}
    scores: dict[int, int] = {}
    for (label, value), members in groups.items():
        for pk, name, kind in members:
            others = [other for other in members if other[0] != pk]
            if not others:
                continue
            together = [o for o in others if (pk, o[0]) in traded or (o[0], pk) in traded]
            text = f"{label}“{value}”与 " + "、".join(o[1] for o in others) + " 相同"
            if together:
                text += "，其中与 " + "、".join(o[1] for o in together) + " 之间存在服务券订单"
            reasons.setdefault(pk, []).append(text)
            score = SCORES[Rule.SHARED_CONTACT] * (2 if together else 1)
            scores[pk] = max(scores.get(pk, 0), score) + (10 if pk in scores else 0)
    return [_signal(Rule.SHARED_CONTACT, Subject.ORGANISATION, pk, pk, reasons[pk], scores[pk], on=on, now=now)
            for pk in sorted(reasons)]


def rule_instant_satisfaction(on: date, now) -> list[FraudSignal]:
    quick = Q(satisfaction=Satisfaction.SATISFIED,
              rated_at__lte=F("completed_at") + timedelta(hours=INSTANT_RATING_HOURS))
    rows = (_recent_orders(on).filter(rated_at__isnull=False, completed_at__isnull=False).values("provider_id")
            .annotate(rated=Count("id"), quick=Count("id", filter=quick))
            .filter(rated__gte=INSTANT_RATING_MIN_RATINGS, quick=F("rated"))
            .values_list("provider_id", "rated"))
    return [_signal(Rule.INSTANT_SATISFACTION, Subject.ORGANISATION, provider_id, provider_id,
                    [f"近 {LOOKBACK_DAYS} 天 {rated} 条评价全部为“满意”，且均在服务完成后 "
                     f"{INSTANT_RATING_HOURS} 小时内作出"],
                    SCORES[Rule.INSTANT_SATISFACTION], on=on, now=now)
            for provider_id, rated in rows]


def rule_repeated_invoice(on: date, now) -> list[FraudSignal]:
    since = on - timedelta(days=LOOKBACK_DAYS)
    lines = ClaimLine.objects.filter(live=True).annotate(invoice=Upper(Trim("invoice_number")))
    repeated = lines.values("invoice").annotate(n=Count("id")).filter(n__gt=1).values("invoice")
    rows = (lines.filter(invoice__in=Subquery(repeated), claim__created_at__date__gte=since)
            .values_list("claim_id", "claim__provider_id", "invoice").order_by("claim_id", "invoice"))
    per_claim: dict[int, tuple[int, list[str]]] = {}
    for claim_id, provider_id, invoice in rows:
        per_claim.setdefault(claim_id, (provider_id, []))[1].append(invoice)
    return [_signal(Rule.REPEATED_INVOICE, Subject.CLAIM, claim_id, provider_id,
                    [f"发票号码 {invoice} 在多条兑付申请明细中重复出现" for invoice in sorted(set(invoices))],
                    SCORES[Rule.REPEATED_INVOICE] + 10 * (len(set(invoices)) - 1), on=on, now=now)
            for claim_id, (provider_id, invoices) in sorted(per_claim.items())]


def _other_subsidy_signal(order, near, *, on, now) -> FraudSignal:
    return _signal(Rule.OTHER_SUBSIDY_NEAR, Subject.ORDER, order.pk, order.buyer_id,
                   [f"{m.describe()}：{'；'.join(m.reasons)}" for m in near], SCORES[Rule.OTHER_SUBSIDY_NEAR], on=on,
                   now=now)


def rule_other_subsidy_near(on: date, now) -> list[FraudSignal]:
    """Deducted orders whose buyer has a near-matching award of another programme (only buyers on the lists
    are examined, so the Python comparison runs over a handful of orders)."""
    codes = OtherSubsidyAward.objects.values("credit_code")
    orders = (_recent_orders(on).filter(deducted_at__isnull=False, buyer__credit_code__in=codes)
              .select_related("buyer", "provider"))
    signals = []
    for order in orders:
        near = [m for m in subsidy_matches(order) if not m.exact]
        if near:
            signals.append(_other_subsidy_signal(order, near, on=on, now=now))
    return signals


@on_near_match
def other_subsidy_signal_raise(*, order, near) -> None:
    """At the deduction: a near match becomes today's signal at once (the nightly run recomputes the same row)."""
    if near:
        FraudSignal.objects.bulk_create([_other_subsidy_signal(order, near, on=clock.today(), now=clock.now())],
                                        ignore_conflicts=True)


RULES = (rule_pair_volume, rule_above_price_basis, rule_twice_balance, rule_quick_deduction, rule_shared_contact,
         rule_instant_satisfaction, rule_repeated_invoice, rule_other_subsidy_near)


@transaction.atomic
def fraud_signals_compute(*, on: date | None = None) -> dict:
    """Recompute every rule for business day `on` (default today): the day's rows are replaced, so running the
    nightly job twice gives the same table (idempotent per day)."""
    on = on or clock.today()
    now = clock.now()
    signals = [signal for rule in RULES for signal in rule(on, now)]
    FraudSignal.objects.filter(computed_for=on).delete()
    FraudSignal.objects.bulk_create(signals, batch_size=1000)
    counts: dict[str, int] = {}
    for signal in signals:
        counts[signal.rule] = counts.get(signal.rule, 0) + 1
    return {"date": on.isoformat(), "signals": len(signals), "by_rule": counts}


# --- reading ----------------------------------------------------------------------------------------------

def latest_day() -> date | None:
    return FraudSignal.objects.order_by("-computed_for").values_list("computed_for", flat=True).first()


def signal_list(*, rule: str = "", subject_type: str = "", on: date | None = None):
    """The ranked list staff see: the latest day's signals (or `on`), highest score first."""
    on = on or latest_day()
    qs = FraudSignal.objects.filter(computed_for=on).select_related("organisation").order_by("-score", "id")
    if rule:
        qs = qs.filter(rule=rule)
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    return qs


def risk_scores(*, subject_type: str, ids=None) -> dict[int, int]:
    """Risk score per order or redemption claim from the latest signals: its own signals plus those of the
    organisations involved (an order's buyer and provider; a claim's provider and its orders). Two queries."""
    on = latest_day()
    if on is None:
        return {}
    rows = FraudSignal.objects.filter(computed_for=on).values_list("subject_type", "subject_id", "score")
    by_subject: dict[tuple[str, int], int] = {}
    for kind, pk, score in rows:
        by_subject[(kind, pk)] = by_subject.get((kind, pk), 0) + score
    org = lambda pk: by_subject.get((Subject.ORGANISATION, pk), 0)  # noqa: E731
    order_score = lambda pk: by_subject.get((Subject.ORDER, pk), 0)  # noqa: E731
    scores: dict[int, int] = {}
    if subject_type == Subject.ORDER:
        qs = Order.objects.all() if ids is None else Order.objects.filter(pk__in=ids)
        for pk, buyer_id, provider_id in qs.values_list("pk", "buyer_id", "provider_id"):
            scores[pk] = order_score(pk) + org(buyer_id) + org(provider_id)
    else:
        qs = ClaimLine.objects.filter(live=True)
        if ids is not None:
            qs = qs.filter(claim_id__in=ids)
        for claim_id, provider_id, order_id, buyer_id in qs.values_list("claim_id", "claim__provider_id",
                                                                        "order_id", "order__buyer_id"):
            base = scores.get(claim_id, by_subject.get((Subject.CLAIM, claim_id), 0) + org(provider_id))
            scores[claim_id] = base + order_score(order_id) + org(buyer_id)
    return scores
