"""Public notices (公示): publish with a window of N working days, objections, closing, resolution.

Lock order: notice → items → objections."""
import logging
from collections.abc import Iterable
from datetime import datetime, time

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.core.rows import RowWriter
from hangqifu.documents.services import document_store
from hangqifu.notifications.services import notify, notify_many
from hangqifu.policy.services import policy_for
from hangqifu.workdays.services import working_deadline
from hangqifu.workflows.set_based import declared_move, state_log_rows
from hangqifu.workflows.transitions import fire

from . import handlers
from .models import NoticeItem, Objection, PublicNotice
from .permissions import RESOLVER_ROLES, can_publish_notices, can_resolve_objections

logger = logging.getLogger(__name__)
MAX_OBJECTION_LENGTH = 5000


def _subject_organisation(subject):
    if isinstance(subject, Organisation):
        return subject
    return getattr(subject, "organisation", None)


def window_end(start_day, working_days: int):
    """The end of the n-th working day after `start_day` (local time) and whether the calendar was provisional."""
    deadline = working_deadline(start_day, working_days)
    end = timezone.make_aware(datetime.combine(deadline.date, time(23, 59, 59)))
    return end, deadline.provisional


def notice_is_open(notice: PublicNotice, at=None) -> bool:
    at = at or clock.now()
    return notice.state == PublicNotice.State.PUBLISHED and notice.closes_at is not None and at <= notice.closes_at


ITEM_CHUNK = 2_000  # items written (and read back) per statement


@transaction.atomic
def notice_publish(*, kind: str, title: str, body: str = "", items: Iterable[tuple[object, str]], actor,
                   working_days: int | None = None) -> PublicNotice:
    """Publish a notice now; it closes at the end of the n-th working day after today
    (n defaults to the year's `notice_working_days`). `actor` is the staff user who decided to publish.
    `items` may be a generator: they are written in chunks, never all held in memory; each organisation on
    the notice gets one notification (listing its items when it has several), not one per item."""
    if not can_publish_notices(actor):
        raise NotPermitted("只有工作人员可以发布公示")
    title = (title or "").strip()
    if not title:
        raise InvalidInput("请填写公示标题", fields={"title": ["请填写公示标题"]})
    if not kind:
        raise InvalidInput("请指定公示类型", fields={"kind": ["请指定公示类型"]})
    if working_days is None:
        working_days = policy_for().notice_working_days
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise InvalidInput("公示期至少为 1 个工作日", fields={"working_days": ["公示期至少为 1 个工作日"]})
    now = clock.now()
    closes_at, provisional = window_end(clock.today(), working_days)
    notice = PublicNotice.objects.create(kind=kind, title=title, body=body or "", working_days=working_days,
                                         created_by=actor)
    count, by_organisation = _add_items(notice, items)  # an invalid item rolls the whole notice back
    fire(notice, "publish", actor=actor, action="notice.publish",
         changes={"published_at": now, "closes_at": closes_at, "window_provisional": provisional},
         payload={"kind": kind, "title": title, "working_days": working_days, "closes_at": closes_at,
                  "items": count})
    url = notice.get_absolute_url()
    window = f"《{title}》公示至 {closes_at:%Y-%m-%d}（{working_days} 个工作日），期间任何人可提出异议。"
    notify_many(messages=_item_messages(by_organisation, title=title, window=window), url=url)
    return notice


def _item_messages(by_organisation: dict, *, title: str, window: str):
    """(organisation id, subject, body) of each organisation on the notice: its one item, or how many it has
    and the first few."""
    for organisation_id, (_, labels, total) in by_organisation.items():
        if total == 1:
            yield organisation_id, f"已进入公示：{labels[0]}", window
        else:
            shown = "；".join(labels) + ("；……" if total > len(labels) else "")
            yield organisation_id, f"已进入公示：{title}（贵机构 {total} 项）", f"{window}\n{shown}"


NOTIFY_LABELS = 20  # items named in one organisation's notification; the notice page lists them all


def _add_items(notice: PublicNotice, items) -> tuple[int, dict]:
    """Write the notice's items in chunks; returns their count and, per organisation on the notice, the
    organisation, the first few labels and its item count."""
    count, by_organisation = 0, {}
    with RowWriter(NoticeItem, ("notice", "content_type", "object_id", "label", "state"), chunk=ITEM_CHUNK) as rows:
        for subject, label in items:
            label = (label or "").strip()
            if getattr(subject, "pk", None) is None or not label:
                raise InvalidInput("公示对象必须是已保存的对象并附公示内容", fields={"items": ["公示对象无效"]})
            rows.add((notice.pk, ContentType.objects.get_for_model(subject).pk, str(subject.pk), label[:300],
                      NoticeItem.State.LISTED))
            count += 1
            organisation = _subject_organisation(subject)
            if organisation is not None:
                entry = by_organisation.setdefault(organisation.pk, [organisation, [], 0])
                if len(entry[1]) < NOTIFY_LABELS:
                    entry[1].append(label)
                entry[2] += 1
    return count, by_organisation


@transaction.atomic
def objection_file(*, notice: PublicNotice, user, content: str, item: NoticeItem | None = None) -> Objection:
    """Any logged-in user objects during the window, to one item or to the whole notice."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotPermitted("请先登录后再提出异议")
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if not notice_is_open(notice):
        raise RuleViolation("该公示不在公示期内，不能再提出异议", code="notice_closed")
    content = (content or "").strip()
    if not content:
        raise InvalidInput("请填写异议内容", fields={"content": ["请填写异议内容"]})
    if len(content) > MAX_OBJECTION_LENGTH:
        raise InvalidInput(f"异议内容不能超过 {MAX_OBJECTION_LENGTH} 字", fields={"content": ["内容过长"]})
    if item is not None and item.notice_id != notice.pk:
        raise InvalidInput("所选公示对象不属于该公示", fields={"item": ["所选公示对象不属于该公示"]})
    objection = Objection.objects.create(notice=notice, item=item, user=user, content=content,
                                         created_at=clock.now())
    audit_record(actor=user, action="notice.objection_file", obj=objection, to_state=objection.state,
                 payload={"notice": notice.pk, "item": getattr(item, "pk", None)})
    target = item.label if item is not None else "整个公示"
    notify(subject=f"公示收到异议：{notice.title}", roles=RESOLVER_ROLES,
           url=reverse("admin:notices_objection_change", args=[objection.pk]),
           body=f"针对：{target}\n异议内容：{content[:200]}")
    return objection


def _covering(objections, item: NoticeItem):
    return [o for o in objections if o.item_id in (None, item.pk)]


def _outcome(covering) -> str | None:
    """What the objections covering an item decide: None (held while one is open), withdrawn, cleared."""
    if any(o.state == Objection.State.OPEN for o in covering):
        return None
    if any(o.state == Objection.State.UPHELD for o in covering):
        return "withdrawn"
    return "cleared"


def _decide_item(item: NoticeItem, objections, *, actor, now) -> str | None:
    """Settle one item of a closed notice from its objections; returns the outcome or None if still held."""
    outcome = _outcome(_covering(objections, item))
    if outcome is None:
        if item.state == NoticeItem.State.LISTED:
            _transition_item(item, "hold", actor=actor, now=None)
        return None
    _transition_item(item, "withdraw" if outcome == "withdrawn" else "clear", actor=actor, now=now)
    handlers.dispatch(item, outcome, actor=actor)
    return outcome


def _transition_item(item: NoticeItem, method: str, *, actor, now) -> None:
    """The notice's outcome for one item: the closing job or the objection's decision settles it."""
    fire(item, method, actor=actor, system=True, action=f"notice.item_{method}", changes={"decided_at": now},
         fields=["decided_at"], payload={"notice": item.notice_id, "label": item.label})


def _locked_items(notice: PublicNotice, *, pks=None, exclude=()) -> list[NoticeItem]:
    items = NoticeItem.objects.select_for_update().filter(notice=notice).exclude(pk__in=exclude).order_by("id")
    if pks is not None:
        items = items.filter(pk__in=pks)
    items = list(items)
    for item in items:
        item.notice = notice  # the locked, current instance
    return items


def _bulk_transition_items(notice: PublicNotice, method: str, *, exclude, now) -> int:
    """Fire `method` on every item of the notice in its source states except `exclude`, as two statements:
    the django-fsm-log rows (what the per-item transition's signal writes) and one conditional UPDATE
    (`hangqifu.workflows.set_based`). The notice is locked by the caller, and every path that changes items
    locks it first.

    A settlement batch's notice lists every claim of the batch (tens of thousands), and the items nobody
    objected to share one outcome decided by the system (`nobody` may fire these transitions): the notice's
    close event, written by `fire`, carries their count, and each item keeps its transition-log row."""
    sources, target = declared_move(NoticeItem, method)
    where = f"notice_id = %s AND state IN ({', '.join(['%s'] * len(sources))})"
    params = [notice.pk, *sources]
    if exclude:
        where += f" AND id NOT IN ({', '.join(['%s'] * len(exclude))})"
        params += list(exclude)
    state_log_rows(NoticeItem, method, where=where, params=params)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {NoticeItem._meta.db_table} SET state = %s, decided_at = %s WHERE {where}",
                       [target, connection.ops.adapt_datetimefield_value(now), *params])
        return cursor.rowcount


@transaction.atomic
def notice_close(*, notice: PublicNotice, actor=None) -> PublicNotice | None:
    """Close a notice whose window has passed: items without open objections clear (or are withdrawn
    when an objection against them was upheld), items with one are held. None if not due.

    The outcome of every item follows from the objections alone, so it is settled first and the notice
    closes through the transition helper with it (its close event records the counts and the outcome of
    each item an objection names); then the items move — the handlers see the closed notice through
    item.notice. Items an objection names are decided one by one (their own audit event and handler call).
    Every other item is covered by the same objections — those against the whole notice, usually none — so
    they share one outcome and move together with one conditional UPDATE; the owning app hears of them at once
    if its handler has `items_cleared` (else item by item); the cleared items are their own rows (state,
    decided_at, the transition log)."""
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    now = clock.now()
    if notice.state != PublicNotice.State.PUBLISHED or now <= notice.closes_at:
        return None
    objections = list(Objection.objects.select_for_update().filter(notice=notice))
    named = sorted({o.item_id for o in objections if o.item_id is not None})
    named_items = _locked_items(notice, pks=named)
    outcomes = {item.pk: _outcome(_covering(objections, item)) for item in named_items}
    shared = _outcome([o for o in objections if o.item_id is None])
    # an upheld objection against the whole notice: each other item is withdrawn by its own handler call
    withdrawn_each = _locked_items(notice, exclude=named) if shared == "withdrawn" else []
    outcomes.update({item.pk: shared for item in withdrawn_each})
    counts = {"cleared": 0, "withdrawn": 0, "held": 0}
    for outcome in outcomes.values():
        counts[outcome or "held"] += 1
    if not withdrawn_each:
        counts[shared or "held"] += NoticeItem.objects.filter(notice=notice).exclude(pk__in=named).count()
    fire(notice, "close_objected" if objections else "close_clear", actor=actor, system=True,
         action="notice.close", changes={"closed_at": now},
         payload={"counts": counts, "items": {str(pk): outcome or "held" for pk, outcome in outcomes.items()}})
    for item in [*named_items, *withdrawn_each]:
        _decide_item(item, objections, actor=actor, now=now)
    if shared == "cleared":
        _bulk_transition_items(notice, "clear", exclude=named, now=now)
        handlers.dispatch_many(notice, NoticeItem.objects.filter(notice=notice, state=NoticeItem.State.CLEARED)
                               .exclude(pk__in=named), "cleared", actor=actor)
    elif shared is None:  # an objection against the whole notice is still open: every other item waits for it
        _bulk_transition_items(notice, "hold", exclude=named, now=None)
    held = counts["held"]
    summary = f"{notice.get_state_display()}。" + (f"{held} 项因异议待处理。" if held else "")
    notify(subject=f"公示期满：{notice.title}", body=summary, url=notice.get_absolute_url(),
           users=[notice.created_by])
    return notice


def notices_close_expired() -> dict:
    """Close every published notice whose window has passed (idempotent; reads the business clock).
    Each notice closes in its own transaction: a failing handler leaves that notice published for the next
    run and does not stop the others."""
    due = PublicNotice.objects.filter(state=PublicNotice.State.PUBLISHED, closes_at__lt=clock.now()).order_by("id")
    closed, failed = [], []
    for notice in due:
        try:
            if notice_close(notice=notice) is not None:
                closed.append(notice.pk)
        except Exception:
            logger.exception("closing notice %s failed", notice.pk)
            failed.append(notice.pk)
    result = {"closed": len(closed), "notices": closed}
    if failed:
        result["failed"] = failed
    return result


@transaction.atomic
def objection_resolve(*, objection: Objection, actor, upheld: bool, opinion: str) -> Objection:
    """Service center or bureau decide an objection. Once a held item has no open objection left, it
    clears (all dismissed) or is withdrawn (any upheld), and the owning app's handler is told."""
    if not can_resolve_objections(actor):
        raise NotPermitted("只有市工信服务中心或市经信局可以处理异议")
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("请填写处理意见", fields={"opinion": ["请填写处理意见"]})
    notice = PublicNotice.objects.select_for_update().get(pk=objection.notice_id)
    # only the items this objection covers: its own, or every item for one against the whole notice
    items = _locked_items(notice, pks=None if objection.item_id is None else [objection.item_id])
    objections = list(Objection.objects.select_for_update().filter(notice=notice))
    objection = next(o for o in objections if o.pk == objection.pk)
    fire(objection, "uphold" if upheld else "dismiss", actor=actor, action="notice.objection_resolve",
         wrong_state="该异议已处理", changes={"opinion": opinion, "resolved_by": actor, "resolved_at": clock.now()},
         payload={"notice": notice.pk, "item": objection.item_id, "opinion": opinion})
    if notice.state != PublicNotice.State.PUBLISHED:
        for item in items:
            if item.state == NoticeItem.State.HELD and objection.item_id in (None, item.pk):
                _decide_item(item, objections, actor=actor, now=clock.now())
    result = "异议成立" if upheld else "异议不成立"
    notify(subject=f"您对《{notice.title}》的异议已处理：{result}", body=f"处理意见：{opinion}",
           url=notice.get_absolute_url(), users=[objection.user])
    return objection


@transaction.atomic
def notice_attach(*, notice: PublicNotice, kind: str, uploaded_file, actor):
    """Attach a file (e.g. the full list being published) to a notice."""

    if not can_publish_notices(actor):
        raise NotPermitted("只有工作人员可以上传公示附件")
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.state not in (PublicNotice.State.DRAFT, PublicNotice.State.PUBLISHED):
        raise InvalidTransition("公示已结束，不能再添加附件")
    return document_store(owner=notice, kind=kind, uploaded_file=uploaded_file, actor=actor,
                          allowed_kinds={"notice_attachment", "other"})
