"""Change history (变更记录) base: django-simple-history records plus where the change came from."""

import contextvars
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, router, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

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


# The reason every change-history record written inside `history_reason(...)` carries, whether it
# is written by a model's save (the receiver below) or in bulk (`bulk_history_options`).
_reason: contextvars.ContextVar[str] = contextvars.ContextVar("history_reason", default="")


@contextmanager
def history_reason(reason: str):
    """Tag every change-history record written inside the block with `reason` (an import batch:
    "台账导入 #12"), so its records can be found, and told apart from later changes, by it."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def bulk_history_options(user=None) -> dict:
    """Keyword arguments for simple-history's `bulk_create_with_history` and
    `bulk_update_with_history`, which send none of the signals a single save does: the records
    get the user, the `history_reason` and the request's client IP that a save's receivers
    (below) would have given them."""
    request = getattr(HistoricalRecords.context, "request", None)
    return {
        "default_user": user,
        "default_change_reason": _reason.get(),
        "custom_historical_attrs": {
            "ip_address": client_ip(request) if request is not None else None
        },
    }


def bulk_delete_with_history(
    objs: list,
    model,
    *,
    default_user=None,
    default_change_reason: str = "",
    custom_historical_attrs: dict | None = None,
) -> None:
    """Delete `objs` with one statement per 10,000 and write their deletion ("-") records with
    one insert: simple-history has bulk helpers for creating and updating, and its delete
    receiver writes one record per object. Takes `bulk_history_options()`. For models that
    nothing else references (their own rows only: no cascade, no delete signals are sent)."""
    if not objs:
        return
    record_model = model.history.model
    now = timezone.now()
    record_model.objects.bulk_create(
        record_model(
            history_date=now,
            history_type="-",
            history_user=default_user,
            history_change_reason=default_change_reason or "",
            **(custom_historical_attrs or {}),
            **{f.attname: getattr(obj, f.attname) for f in record_model.tracked_fields},
        )
        for obj in objs
    )
    # A plain DELETE of the rows themselves: QuerySet.delete() would send the delete signals,
    # whose history receiver writes the records above again, one at a time.
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    ids = [obj.pk for obj in objs]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 10_000):
            some = ids[start : start + 10_000]
            cursor.execute(
                f"DELETE FROM {qn(model._meta.db_table)} "  # noqa: S608  # nosec B608 (quoted names)
                f"WHERE {qn(model._meta.pk.column)} IN ({', '.join(['%s'] * len(some))})",
                some,
            )


# Rows per UPDATE … FROM (VALUES …) and per history INSERT … SELECT (fewer on SQLite when the
# columns would pass its limit of query parameters).
BULK_UPDATE_SIZE = 2000


def update_from_values(objs: list, model, fields: list[str], *, batch_size: int) -> int:
    """Write `fields` of `objs` (saved instances of `model`, their values already set) with one
    statement per `batch_size` rows, every value a query parameter:

        WITH v(id, a, b) AS (VALUES (%s, %s, %s), (%s, %s, %s), …)
        UPDATE <table> SET a = v.a, b = v.b FROM v WHERE <table>.id = v.id

    Django's `bulk_update` writes one `CASE WHEN id = … THEN … END` per row and column instead,
    which costs a `When` expression per value in Python and which PostgreSQL evaluates one WHEN
    after another. Rows are matched by primary key whatever the default manager filters out.

    One statement for both databases (SQLite 3.33+ has UPDATE … FROM; it names a VALUES list's
    columns only through a CTE's column list, hence the CTE). The one difference is PostgreSQL's:
    a VALUES column takes its type from its values, and a parameter is sent as an untyped literal,
    so the first row casts each value to its column's type without length or precision
    (`%s::numeric`, `%s::varchar`: the assignment still rounds or refuses as an UPDATE of the
    column would, where casting to `varchar(12)` would truncate silently). SQLite needs no cast:
    the column's affinity converts what is stored. Values are prepared by each field's
    `get_db_prep_save`, as `bulk_update` and `save` prepare them. Returns the rows updated."""
    if not objs or not fields:
        return 0
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    pk = model._meta.pk
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    batch_size = max(1, min(batch_size, connection.ops.bulk_batch_size(columns, objs)))
    table = qn(model._meta.db_table)
    names = ", ".join(qn(f.column) for f in columns)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in columns[1:])
    plain = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if connection.vendor == "postgresql":
        first = "(" + ", ".join(f"%s::{_base_type(f, connection)}" for f in columns) + ")"
    else:
        first = plain
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection)
                for obj in batch
                for f in columns
            ]
            rows = ", ".join([first, *[plain] * (len(batch) - 1)])
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {rows}) "  # noqa: S608  # nosec B608 (quoted names; values are parameters)
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{qn(pk.column)} = v.{qn(pk.column)}",
                params,
            )
            updated += cursor.rowcount
    return updated


def _base_type(field, connection) -> str:
    """The column's PostgreSQL type without its length or precision: numeric(18, 6) -> numeric."""
    return field.cast_db_type(connection).split("(", 1)[0].strip()


def bulk_update_with_history(
    objs: list,
    model,
    fields: list[str],
    *,
    batch_size: int | None = None,
    default_user=None,
    default_change_reason: str = "",
    custom_historical_attrs: dict | None = None,
) -> int:
    """simple-history's `bulk_update_with_history`, each batch written by `update_from_values`
    and its change ("~") records copied from the rows just written by one INSERT … SELECT (no
    historical instance is built in Python). The records carry what simple-history's would:
    `default_user`, `default_change_reason` and `custom_historical_attrs` (take
    `bulk_history_options()`), one `history_date` for the call. `batch_size`: BULK_UPDATE_SIZE
    unless given. Returns the rows updated."""
    objs = list(objs)
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    batch_size = batch_size or BULK_UPDATE_SIZE
    batch_size = max(1, min(batch_size, connection.ops.bulk_batch_size([model._meta.pk], objs)))
    with transaction.atomic(using=connection.alias, savepoint=False):
        updated = 0
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            updated += update_from_values(batch, model, fields, batch_size=batch_size)
            if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
                _history_in_batches(
                    [obj.pk for obj in batch],
                    model,
                    connection,
                    "~",
                    default_user,
                    default_change_reason,
                    custom_historical_attrs,
                )
    return updated


def bulk_create_with_history(
    objs: list,
    model,
    *,
    default_user=None,
    default_change_reason: str = "",
    custom_historical_attrs: dict | None = None,
) -> list:
    """simple-history's `bulk_create_with_history`: one `bulk_create` of `objs`, then their
    creation ("+") records copied from the rows just written, one INSERT … SELECT per
    BULK_UPDATE_SIZE rows (simple-history builds a historical instance per row and bulk-creates
    those: most of a large import's time). Both databases return the new primary keys from a bulk
    insert (PostgreSQL; SQLite 3.35+). The records carry what simple-history's would (take
    `bulk_history_options()`). Returns the objects, saved."""
    objs = list(objs)
    if not objs:
        return []
    connection = connections[router.db_for_write(model)]
    with transaction.atomic(using=connection.alias, savepoint=False):
        created = model._default_manager.bulk_create(objs)
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            ids = [obj.pk for obj in created]
            if None in ids:
                raise RuntimeError("the database returned no primary keys from a bulk insert")
            _history_in_batches(
                ids,
                model,
                connection,
                "+",
                default_user,
                default_change_reason,
                custom_historical_attrs,
            )
    return created


def _history_in_batches(
    ids: list, model, connection, history_type: str, user, reason: str, attrs: dict | None
) -> None:
    batch_size = max(
        1, min(BULK_UPDATE_SIZE, connection.ops.bulk_batch_size([model._meta.pk], ids))
    )
    for start in range(0, len(ids), batch_size):
        _copy_to_history(
            ids[start : start + batch_size],
            model,
            connection,
            {
                "history_date": timezone.now(),
                "history_type": history_type,
                "history_user_id": user.pk if user is not None else None,
                "history_change_reason": reason,
                **(attrs or {}),
            },
        )


def _copy_to_history(ids: list, model, connection, extra: dict) -> None:
    """INSERT INTO <historical table> SELECT the tracked columns of the rows `ids` as they are
    now, with `extra` (the record's own columns, by attname) as parameters."""
    record_model = model.history.model
    qn = connection.ops.quote_name
    tracked = {f.attname for f in record_model.tracked_fields}
    columns, values, params = [], [], []
    for record_field in record_model._meta.concrete_fields:
        if record_field.attname in extra:
            columns.append(qn(record_field.column))
            values.append("%s")
            params.append(record_field.get_db_prep_save(extra[record_field.attname], connection))
        elif record_field.attname in tracked:
            columns.append(qn(record_field.column))
            values.append(f"t.{qn(model._meta.get_field(record_field.name).column)}")
    sql = (
        f"INSERT INTO {qn(record_model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608  # nosec B608 (quoted names; values are parameters)
        f"SELECT {', '.join(values)} FROM {qn(model._meta.db_table)} t "
        f"WHERE t.{qn(model._meta.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids])


@receiver(pre_create_historical_record)
def _record_ip_and_reason(sender, history_instance, **kwargs) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None:
        history_instance.ip_address = client_ip(request)
    reason = _reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


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
