"""Orders' figures for the providers' performance evaluation and removal proposals (第十六、十七条).

Registered with `providers.performance`, which reads them nightly: per provider and year, the orders placed,
the ratings and the day of the provider's latest voucher-funded order (an order that took a deduction)."""
from django.db.models import Count, Max, Q
from django.utils import timezone

from providers.performance import ProviderYearStats, order_stats_source

from .models import Order, Satisfaction


@order_stats_source
def provider_stats(*, year: int, organisation_ids: list[int]) -> dict[int, ProviderYearStats]:
    counts = {
        row["provider_id"]: row
        for row in Order.objects.filter(provider_id__in=organisation_ids, year=year)
        .exclude(state=Order.State.CANCELLED)
        .values("provider_id")
        .annotate(
            orders=Count("id"),
            rated=Count("id", filter=~Q(satisfaction="")),
            satisfied=Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED,
                                                              Satisfaction.BASICALLY_SATISFIED])),
            dissatisfied=Count("id", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
        )
    }
    last_voucher_order = dict(
        Order.objects.filter(provider_id__in=organisation_ids, deduction__isnull=False)
        .values("provider_id").annotate(last=Max("deduction__created_at")).values_list("provider_id", "last")
    )
    stats = {}
    for organisation_id in organisation_ids:
        row = counts.get(organisation_id, {})
        last = last_voucher_order.get(organisation_id)
        stats[organisation_id] = ProviderYearStats(
            organisation_id=organisation_id, year=year, order_count=row.get("orders", 0),
            rated_count=row.get("rated", 0), satisfied_count=row.get("satisfied", 0),
            dissatisfied_count=row.get("dissatisfied", 0),
            last_voucher_order_on=timezone.localdate(last) if last else None,
        )
    return stats
