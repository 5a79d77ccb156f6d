"""Change history (变更记录) base: django-simple-history records plus where the change came from."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connections, models, router
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from core.bulk import copy_insert, new_instance
from core.money import format_wan
from core.requestinfo import client_ip


class IPAddressHistoricalModel(models.Model):
    """Abstract base for every historical table: the client IP of the request that made the change."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True


def history(*, excluded_fields: tuple[str, ...] = ("updated_at",), **options) -> HistoricalRecords:
    """Historical records for a model. `updated_at` (TimeStampedModel) is never worth a row of its
    own; a model without it passes its own `excluded_fields`."""
    return HistoricalRecords(
        bases=[IPAddressHistoricalModel], excluded_fields=list(excluded_fields), **options
    )


def uniform_history_receiver(func):
    """Marks a `pre_create_historical_record` receiver whose changes to a record depend on the
    context only (the request, an import batch), never on the object or the record's values:
    `bulk_history` may run it on one record and give every record of the call what it set."""
    func.history_uniform = True
    return func


def bulk_history_listener(bulk):
    """Marks a `post_create_historical_record` receiver as replaced, when `bulk_history` writes
    its records in SQL without building them, by `bulk(record_model, pairs)`: `pairs` are the
    (object id, history id) of every record written, in history id order."""

    def mark(func):
        func.history_bulk = bulk
        return func

    return mark


def _receivers(signal, sender) -> list:
    found = signal._live_receivers(sender)
    if isinstance(found, tuple):  # Django 5: (sync, async)
        return [r for group in found for r in group]
    return list(found)


def bulk_history(objs: list, *, user=None, update: bool = False, batch_size: int = 2000):
    """Change-history records for objects written in bulk (bulk_create / bulk_update skip the
    per-save signal that writes them); `objs` must hold what the database holds (just written).
    `batch_size` is kept for callers and no longer used.

    When every receiver of simple-history's signals is known to treat all records of one call
    alike (`uniform_history_receiver`, `bulk_history_listener`: the client IP, the import
    batch's reason and list) and every object has the same history user, the records are
    written by one `INSERT … SELECT` from the objects' own rows: the receivers run on one record
    built for the first object, and what they set (change reason, IP, …) is given to all;
    the listeners get every (object id, history id) pair at once. Returns the records as a lazy
    queryset. Otherwise each record is built, the pre- and post-create signals are sent for
    every record as a single save would, and the records are written with one COPY
    (`core.bulk.copy_insert`); returns the list of records."""
    if not objs:
        return []
    model = type(objs[0])
    record_model = model.history.model
    now = timezone.now()
    using = router.db_for_write(model)
    history_type = "~" if update else "+"
    users = [
        getattr(obj, "_history_user", None) or user or record_model.get_default_history_user(obj)
        for obj in objs
    ]
    first = _record(record_model, objs[0], users[0], now, history_type)
    pre = _receivers(pre_create_historical_record, record_model)
    post = _receivers(post_create_historical_record, record_model)
    uniform = (
        all(getattr(r, "history_uniform", False) for r in pre)
        and all(getattr(r, "history_bulk", None) for r in post)
        and all(_user_key(u) == _user_key(users[0]) for u in users)
    )
    if uniform:
        _send_pre(first, objs[0], now, using)
        pairs = _insert_select(record_model, model, objs, first, using)
        for receiver_ in post:
            receiver_.history_bulk(record_model, pairs)
        return (
            record_model.objects.using(using)
            .filter(history_id__in=[h for _, h in pairs])
            .order_by("history_id")
        )
    records = [first] + [
        _record(record_model, obj, u, now, history_type)
        for obj, u in zip(objs[1:], users[1:], strict=True)
    ]
    for obj, record in zip(objs, records, strict=True):
        _send_pre(record, obj, now, using)
    copy_insert(records, using=using)
    for obj, record in zip(objs, records, strict=True):
        post_create_historical_record.send(
            sender=record_model,
            instance=obj,
            history_instance=record,
            history_date=now,
            history_user=record.history_user,
            history_change_reason=record.history_change_reason,
            using=using,
        )
    return records


def _user_key(user):
    return None if user is None else (type(user), user.pk)


def _record(record_model, obj, history_user, now, history_type):
    # Built without the model constructor (`core.bulk.new_instance`): its per-field work costs
    # several times more than the values themselves.
    tracked = _TRACKED.get(record_model)
    if tracked is None:
        tracked = _TRACKED[record_model] = [f.attname for f in record_model.tracked_fields]
    data = obj.__dict__
    values = {a: data[a] if a in data else getattr(obj, a) for a in tracked}
    values.update(
        history_id=None,
        history_date=now,
        history_user=history_user,
        history_change_reason="",
        history_type=history_type,
    )
    return new_instance(record_model, values)


_TRACKED: dict = {}


def _send_pre(record, obj, now, using) -> None:
    pre_create_historical_record.send(
        sender=type(record),
        instance=obj,
        history_date=now,
        history_user=record.history_user,
        history_change_reason="",
        using=using,
        history_instance=record,
    )


def _insert_select(record_model, model, objs, first, using) -> list[tuple[int, int]]:
    """One INSERT … SELECT per slice of INSERT_SLICE objects: the tracked columns from the
    objects' rows, every other column of the record (date, type, user, reason, IP …) as `first`
    holds it. Returns the (object id, history id) pairs in history id order.

    The same statement on PostgreSQL and SQLite (`make run`): ids as an `IN` list (not
    PostgreSQL's `= ANY(array)`), and the record's own values as plain parameters prepared by
    their fields, which both databases convert to the target column's type in an INSERT … SELECT
    (a CAST would turn SQLite's text datetimes into numbers)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    tracked = {f.name for f in record_model.tracked_fields}
    pk = record_model._meta.pk
    columns, selected, params = [], [], []
    for f in record_model._meta.concrete_fields:
        if f is pk:
            continue
        columns.append(qn(f.column))
        if f.name in tracked:
            selected.append("t." + qn(model._meta.get_field(f.name).column))
        else:
            selected.append("%s")
            params.append(f.get_db_prep_save(getattr(first, f.attname), connection))
    source_pk = qn(model._meta.pk.column)
    record_id = qn(record_model._meta.get_field(model._meta.pk.name).column)
    ids = [obj.pk for obj in objs]
    pairs: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), INSERT_SLICE):
            some = ids[start : start + INSERT_SLICE]
            # Only quoted table and column names from the models are formatted in; values are
            # params.
            sql = (
                f"INSERT INTO {qn(record_model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608  # nosec B608
                f"SELECT {', '.join(selected)} FROM {qn(model._meta.db_table)} t "
                f"WHERE t.{source_pk} IN ({', '.join(['%s'] * len(some))}) "
                f"ORDER BY t.{source_pk} "
                f"RETURNING {record_id}, {qn(pk.column)}"
            )
            cursor.execute(sql, [*params, *some])
            pairs.extend(cursor.fetchall())
    pairs.sort(key=lambda row: row[1])
    if len(pairs) != len(objs):
        raise ValueError(f"bulk_history: {len(objs) - len(pairs)} objects are not in the database")
    return [(obj_id, history_id) for obj_id, history_id in pairs]


# Objects per history INSERT … SELECT: under SQLite's limit of 32,766 parameters, and one
# statement for a 10,000-row ledger.
INSERT_SLICE = 10_000


@receiver(pre_create_historical_record)
@uniform_history_receiver
def _record_ip(sender, **kwargs) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None:
        kwargs["history_instance"].ip_address = client_ip(request)


# --- reading the history: field-level before / after, with verbose names ----------------------------
# Fields never worth showing: bookkeeping, derived search keys and tokens.
HIDDEN_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "creation_token",
    "normalized_name",
    "name_pinyin",
    "name_initials",
    # Attachments: the record they hang on is the page they are shown on; the stored path is random.
    "content_type",
    "object_id",
    "file",
    # Soft delete shows as "deleted: No → Yes"; the timestamp is the entry's own.
    "deleted_at",
    "latest_output_value",  # derived from the year figures, which have their own history
    "tier_value",  # the same
}
ACTIONS = {"+": _("record created"), "~": _("record changed"), "-": _("record deleted")}


class _Subscriptable:
    """Lets templates and callers written for the older dict rows (row["changes"], c["name"])
    read these objects too."""

    def __getitem__(self, key: str):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


@dataclass(frozen=True)
class FieldChange(_Subscriptable):
    field: str  # verbose name, for people
    old: str
    new: str
    name: str = ""  # the model field's name, for code


@dataclass
class HistoryEntry(_Subscriptable):
    """One historical record as people read it: who, when, from where, what changed."""

    history_id: int
    when: datetime
    action: str  # "+", "~", "-"
    user: str
    ip_address: str | None
    model: str  # verbose name of the model
    object_id: int
    object_label: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    record: object = None  # the simple-history record itself (history_user, history_date …)

    @property
    def action_label(self) -> str:
        return str(ACTIONS.get(self.action, self.action))


def _tracked_fields(record_model) -> list:
    return [
        f
        for f in record_model.tracked_fields
        if f.name not in HIDDEN_FIELDS and f.name not in getattr(record_model, "_hidden", ())
    ]


def _display(field_obj, value, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if field_obj.is_relation:
        obj = related.get((field_obj.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if field_obj.choices:
        return str(dict(field_obj.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        # Exact, so a correction at the fen is visible: 12000.500000 -> "12,000.5"
        return format_wan(value, 6).rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _value(record, field_obj):
    return getattr(record, field_obj.attname)


def entries_from_records(records: Iterable, previous: dict[int, object]) -> list[HistoryEntry]:
    """Turn historical records into entries. `previous` maps a record's history_id to the record
    before it (absent for the first). Related objects are fetched once per model, soft-deleted ones
    included, so a list of N entries costs a constant number of queries."""
    records = list(records)
    wanted: dict = defaultdict(set)
    for rec in [*records, *previous.values()]:
        for f in _tracked_fields(type(rec)):
            if f.is_relation and f.many_to_one and _value(rec, f) is not None:
                wanted[f.related_model].add(_value(rec, f))
    related = {}
    for model, ids in wanted.items():
        for pk, obj in model._base_manager.in_bulk(ids).items():
            related[(model, pk)] = obj
    user_ids = {r.history_user_id for r in records if r.history_user_id}
    users = get_user_model()._base_manager.in_bulk(user_ids) if user_ids else {}

    entries = []
    for rec in records:
        prev = previous.get(rec.history_id)
        fields = _tracked_fields(type(rec))
        changes = []
        for f in fields:
            new = _value(rec, f)
            old = _value(prev, f) if prev is not None else None
            if rec.history_type == "-" or (prev is not None and old == new):
                continue
            if prev is None:
                break  # a new record: the page itself shows what it holds
            changes.append(
                FieldChange(
                    field=str(f.verbose_name),
                    old=_display(f, old, related),
                    new=_display(f, new, related),
                    name=f.name,
                )
            )
        if rec.history_type == "~" and not changes and prev is not None:
            continue  # a save that changed nothing anyone can see (a password, a timestamp)
        user = users.get(rec.history_user_id)
        entries.append(
            HistoryEntry(
                history_id=rec.history_id,
                when=rec.history_date,
                action=rec.history_type,
                user=user.display_name if user is not None else str(_("system")),
                ip_address=rec.ip_address,
                model=str(rec.instance_type._meta.verbose_name),
                object_id=rec.id,
                object_label=_object_label(rec, related),
                reason=rec.history_change_reason or "",
                changes=changes,
                record=rec,
            )
        )
    return entries


def _object_label(rec, related: dict) -> str:
    for name in ("name", "username", "title"):
        if hasattr(rec, name) and getattr(rec, name):
            return str(getattr(rec, name))
    # A monthly figure (funds in place, completed investment) reads as its project and month; the
    # project was fetched with the page's other related names, so this costs no query.
    project_field = next((f for f in _tracked_fields(type(rec)) if f.name == "project"), None)
    if project_field is not None and getattr(rec, "project_id", None):
        project = related.get((project_field.related_model, rec.project_id))
        month = getattr(rec, "month", None)
        if project is not None:
            return f"{project} · {month:%Y-%m}" if month else str(project)
    try:
        return str(rec.instance)
    except Exception:  # a half-built instance (missing relation) must not break the page
        return f"#{rec.id}"


def history_entries(obj, *, limit: int = 100) -> list[HistoryEntry]:
    """The change history (变更记录) of one object, newest first, field by field.

    The caller has already checked that the user may see `obj` (accounts.scoping)."""
    manager = obj.history
    records = list(manager.order_by("-history_date", "-history_id")[: limit + 1])
    previous = {newer.history_id: older for newer, older in zip(records, records[1:], strict=False)}
    return entries_from_records(records[:limit], previous)


def history_rows(instance, limit: int = 50) -> list[HistoryEntry]:
    """The name the project page uses; the same as `history_entries`."""
    return history_entries(instance, limit=limit)


def history_models() -> dict[str, type[models.Model]]:
    """Every model with a change history: label ("projects.project") -> historical model."""
    from simple_history.models import registered_models

    found = {}
    for model in registered_models.values():
        manager = getattr(model, "_meta", None) and getattr(model, "history", None)
        if manager is not None and hasattr(manager, "model"):
            found[model._meta.label_lower] = manager.model
    return dict(sorted(found.items()))


def _text_condition(hist_model, text: str) -> models.Q:
    cond = models.Q()
    for f in _tracked_fields(hist_model):
        if isinstance(f, models.CharField | models.TextField) and not f.choices:
            cond |= models.Q(**{f"{f.attname}__icontains": text})
    cond |= models.Q(history_change_reason__icontains=text)
    if text.isdigit():
        cond |= models.Q(id=int(text))
    return cond


def history_search(
    *,
    user_id: int | None = None,
    model_label: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    text: str = "",
    action: str = "",
):
    """Historical records across every tracked model, newest first, as one UNION query of
    (history_id, history_date, model label) rows; paginate it, then `materialize()` a page.

    Text matches any text field of the recorded object (name, notes, …), the change reason, or the
    object's id. Dates are Shanghai calendar days, inclusive."""
    text = text.strip()
    parts = []
    for label, hist_model in history_models().items():
        if model_label and label != model_label:
            continue
        qs = hist_model.objects.all()
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if date_from:
            qs = qs.filter(history_date__date__gte=date_from)
        if date_to:
            qs = qs.filter(history_date__date__lte=date_to)
        if action:
            qs = qs.filter(history_type=action)
        if text:
            qs = qs.filter(_text_condition(hist_model, text))
        parts.append(
            qs.annotate(model_label=models.Value(label, output_field=models.CharField()))
            .values_list("history_id", "history_date", "model_label")
            .order_by()
        )
    if not parts:
        return []
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-history_date", "-history_id")


def materialize(rows: Iterable[tuple[int, datetime, str]]) -> list[HistoryEntry]:
    """Entries for one page of `history_search` rows. A page of 25 costs a few queries per entry
    (the record before it, the related names): bounded by the page size, not by the table."""
    rows = list(rows)
    models_ = history_models()
    by_label: dict[str, list[int]] = defaultdict(list)
    for history_id, _when, label in rows:
        by_label[label].append(history_id)
    records = {}
    previous = {}
    for label, ids in by_label.items():
        for rec in models_[label].objects.filter(history_id__in=ids):
            records[(label, rec.history_id)] = rec
            prev = rec.prev_record
            if prev is not None:
                previous[(label, rec.history_id)] = prev
    ordered = [records[(label, hid)] for hid, _when, label in rows if (label, hid) in records]
    # entries_from_records keys `previous` by history_id; ids of different tables may collide.
    entries = []
    for rec in ordered:
        key = (type(rec).instance_type._meta.label_lower, rec.history_id)
        prev = previous.get(key)
        entries.extend(entries_from_records([rec], {rec.history_id: prev} if prev else {}))
    return entries
