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


# What a check remembers of each chain (ChainCheck.heads), so that the next check notices a truncated tail: the
# last verified event's id and hash and how many events the chain had up to it, keyed by the chain as a string
# (JSON). The next check must find that event on its chain, unchanged, with as many events before it.
Checkpoint = dict  # {"id": int, "hash": str, "count": int}

# why a chain broke
LINK = "link"  # an event whose digest or link to its predecessor does not verify
MISSING = "missing"  # the previously verified head is not on its chain any more (deleted: a truncation)
CHANGED = "changed"  # the previously verified head is there but with another hash or another count before it


@dataclass
class ChainResult:
    chain: int
    checked: int = 0  # events that verified (up to the first break)
    broken_id: int | None = None  # the first event of this chain that does not verify (see `reason`)
    head: str = ""  # hash of the last verified event (the genesis when none)
    head_id: int | None = None  # id of the last verified event (None when none)
    reason: str = ""  # LINK, MISSING or CHANGED when broken
    checkpoint: Checkpoint | None = None  # the head the previous check verified, if any
    reached: bool = False  # the walk verified that checkpoint (same id, hash and count)
    broken_hash: str = ""  # the stored hash of the event at broken_id (LINK only)

    @property
    def problem(self) -> str:
        """What is wrong with this chain, in one Chinese sentence ("" when it verifies)."""
        if self.broken_id is None:
            return ""
        if self.reason == MISSING:
            return f"链 {self.chain} 的已核验事件 #{self.broken_id} 已不存在（疑似被截断，上次核验时该链共 " \
                   f"{self.checkpoint['count']} 条，现可核验 {self.checked} 条）"
        if self.reason == CHANGED:
            return f"链 {self.chain} 的已核验事件 #{self.broken_id} 已被改写（哈希或此前事件数与上次核验不符）"
        return f"链 {self.chain} 在事件 #{self.broken_id} 处校验失败（此前 {self.checked} 条正常）"

    def _break(self, event_id: int, reason: str, stored_hash: str = "") -> None:
        self.broken_id, self.reason, self.broken_hash = event_id, reason, stored_hash


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
        """The lowest id that does not verify, over all chains (for a truncation: the missing checkpoint's id,
        the one id of the deleted tail that is known for sure)."""
        broken = self.broken
        return broken[0].broken_id if broken else None

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def problems(self) -> list[str]:
        return [r.problem for r in self.broken]

    def heads(self) -> dict[str, Checkpoint]:
        """The checkpoints for the next check. A chain's checkpoint only moves forward past a point this check
        verified: to its verified head when the previous checkpoint was reached (or there was none), else the
        previous checkpoint is kept, so a truncation stays reported until someone looks into it rather than
        being accepted by the next check. A chain that broke after its checkpoint (or had none) is checkpointed
        at its first bad event, as stored: deleting that event and the rest of the chain is still seen, and a
        chain repaired from a backup verifies again."""
        heads = {}
        for chain, r in self.chains.items():
            if r.checkpoint is not None and not r.reached:
                heads[str(chain)] = r.checkpoint
            elif r.reason == LINK:
                heads[str(chain)] = {"id": r.broken_id, "hash": r.broken_hash, "count": r.checked + 1}
            elif r.head_id is not None:
                heads[str(chain)] = {"id": r.head_id, "hash": r.head, "count": r.checked}
        return heads


def verify_chains(queryset, *, checkpoints: dict[str, Checkpoint] | None = None) -> Verification:
    """Recompute every event's digest and its link to the previous event of its chain, all chains in one pass
    in id order. A chain is checked up to its first bad event; the other chains go on.

    `checkpoints` (the previous check's `heads()`): each chain must still contain its checkpoint event, with
    the same hash and the same number of events up to it. The walk passing a checkpoint's id without having
    verified it, or ending before it, means the event is gone (MISSING, e.g. a deleted tail); finding it with
    another hash or count means it was rewritten (CHANGED). A chain broken before its checkpoint is reported
    at that first break only. A checkpointed chain without any event left is MISSING too."""
    result = Verification()
    checkpoints = checkpoints or {}
    for event in queryset.order_by("id").iterator(chunk_size=2000):
        state = result.chains.get(event.chain)
        if state is None:
            state = result.chains[event.chain] = ChainResult(event.chain, head=genesis(event.chain),
                                                             checkpoint=checkpoints.get(str(event.chain)))
        if state.broken_id is not None:
            continue
        due = state.checkpoint is not None and not state.reached
        if due and event.pk > state.checkpoint["id"]:
            state._break(state.checkpoint["id"], MISSING)  # walked past it: not on this chain any more
            continue
        if event.prev_hash != state.head or digest_of(event) != event.hash:
            state._break(event.pk, LINK, event.hash)
            continue
        if due and event.pk == state.checkpoint["id"]:
            if event.hash != state.checkpoint["hash"] or state.checked + 1 != state.checkpoint["count"]:
                state._break(event.pk, CHANGED)
                continue
            state.reached = True
        state.head, state.head_id = event.hash, event.pk
        state.checked += 1
    for key, checkpoint in checkpoints.items():
        state = result.chains.get(int(key))
        if state is None:  # the whole chain is gone
            state = result.chains[int(key)] = ChainResult(int(key), head=genesis(int(key)), checkpoint=checkpoint)
        if state.broken_id is None and not state.reached:
            state._break(checkpoint["id"], MISSING)  # the walk ended before it: the tail was cut off
    result.chains = dict(sorted(result.chains.items()))
    return result


def verify_chain(queryset) -> tuple[int, int | None]:
    """(events checked over all chains, lowest id of an event that does not verify or None)."""
    result = verify_chains(queryset)
    return result.checked, result.broken_id
