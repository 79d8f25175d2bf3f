"""The hash chains of the audit trail.

The trail is CHAINS independent SHA-256 chains so that appends on different chains do not wait for each other.
An event's chain follows from its subject organisation (`chain_for`); each chain starts from its own genesis
value and every event carries the hash of the previous event *of its chain* (prev_hash is UNIQUE across the
table, so no chain can fork and no two chains can share a link). Chain 0 keeps the original genesis and digest,
so the events written before the split are simply the start of chain 0.

A transaction locks the chains it appends to until COMMIT, and only in ascending order (so writers cannot
deadlock on chains): an event whose chain is below a chain the transaction already holds, and is not held
itself, goes to the highest chain held instead (migration 0008, audit_chain_heads). The stored `chain` column
is what verification follows; `chain_for` only decides where new events go."""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder

# Changing it later is safe: stored events keep their chain; only new events map differently.
CHAINS = 16
GENESIS = "0" * 64


def genesis(chain: int) -> str:
    """The prev_hash of a chain's first event: distinct per chain, fixed forever."""
    if chain == 0:
        return GENESIS
    return hashlib.sha256(f"hangqifu.audit.chain:{chain}".encode()).hexdigest()


def chain_for(organisation_id: int | None) -> int:
    """One organisation's events always go to the same chain; events without one go to chain 0."""
    return organisation_id % CHAINS if organisation_id else 0


def event_digest(*, prev_hash: str, occurred_at, business_time, actor_id, organisation_id, action, object_type,
                 object_id, from_state, to_state, payload, ip, chain: int = 0) -> str:
    values = [prev_hash, occurred_at.astimezone(UTC).isoformat(), business_time.astimezone(UTC).isoformat(),
              actor_id, organisation_id, action, object_type, str(object_id), from_state, to_state, payload, ip]
    if chain:
        values.append(chain)  # chain 0 keeps the original digest, so events from before the split verify
    canonical = json.dumps(values, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def digest_of(event) -> str:
    return event_digest(
        prev_hash=event.prev_hash, occurred_at=event.occurred_at, business_time=event.business_time,
        actor_id=event.actor_id, organisation_id=event.organisation_id, action=event.action,
        object_type=event.object_type, object_id=event.object_id, from_state=event.from_state,
        to_state=event.to_state, payload=event.payload, ip=event.ip, chain=event.chain,
    )


@dataclass
class ChainResult:
    chain: int
    checked: int = 0  # events that verified (up to the first break)
    broken_id: int | None = None  # the first event of this chain that does not verify
    head: str = ""  # hash of the last verified event (the genesis when none)


@dataclass
class Verification:
    chains: dict[int, ChainResult] = field(default_factory=dict)

    @property
    def checked(self) -> int:
        return sum(result.checked for result in self.chains.values())

    @property
    def broken(self) -> list[ChainResult]:
        return sorted((r for r in self.chains.values() if r.broken_id is not None), key=lambda r: r.broken_id)

    @property
    def broken_id(self) -> int | None:
        """The lowest id that does not verify, over all chains."""
        broken = self.broken
        return broken[0].broken_id if broken else None

    @property
    def ok(self) -> bool:
        return not self.broken


def verify_chains(queryset) -> Verification:
    """Recompute every event's digest and its link to the previous event of its chain, all chains in one pass
    in id order. A chain is checked up to its first bad event; the other chains go on."""
    result = Verification()
    for event in queryset.order_by("id").iterator(chunk_size=2000):
        state = result.chains.get(event.chain)
        if state is None:
            state = result.chains[event.chain] = ChainResult(event.chain, head=genesis(event.chain))
        if state.broken_id is not None:
            continue
        if event.prev_hash != state.head or digest_of(event) != event.hash:
            state.broken_id = event.pk
            continue
        state.head = event.hash
        state.checked += 1
    result.chains = dict(sorted(result.chains.items()))
    return result


def verify_chain(queryset) -> tuple[int, int | None]:
    """(events checked over all chains, lowest id of an event that does not verify or None)."""
    result = verify_chains(queryset)
    return result.checked, result.broken_id
