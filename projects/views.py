"""Staff pages for projects. Thin: forms in, services for writes, selectors for reads."""

import uuid
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.scoping import can_edit, check_can_edit_region
from core.filtersets import sort_words
from core.forms import apply_errors
from core.history import history_rows
from core.money import format_wan
from core.pagination import CappedPaginator
from core.templatetags.crm import PLACEHOLDER_PK, light_chip
from core.textnorm import normalize_name
from savedviews.lists import list_state
from savedviews.models import ListName

from . import selectors, services
from .filtersets import ProjectFilterSet
from .forms import (
    ClaimDecisionForm,
    FollowUpForm,
    MonthlyAmountForm,
    ProjectForm,
    QuickLeadForm,
    StageForm,
)
from .models import PIPELINE, ClaimConflict, LightReason, Project, Stage

PAGE_SIZE = 25
# The lights a board card shows its chip for, and their reasons' labels.
LIT = ("red", "yellow")
REASONS = dict(LightReason.choices)
STAGE_LABELS = dict(Stage.choices)


def _require_editor(request: HttpRequest) -> None:
    if not can_edit(request.user):
        raise PermissionDenied(_("Your role may not change records."))


def _check_filters(user):
    """Validates a saved view's parameters with the list's own FilterSet (no rows read)."""
    return lambda params: ProjectFilterSet(params, queryset=Project.objects.none(), user=user)


# The filters the list's own form shows (templates/projects/project_list.html). The others arrive
# from links (a dashboard's funds months, the caliber, a scores cell) and are kept as hidden fields,
# so changing a control keeps them.
LIST_FORM_FIELDS = {
    "q",
    "region",
    "stage",
    "chain",
    "park",
    "method",
    "origin",
    "late_entry",
    "light",
    "sort",
    "amount_min",
    "amount_max",
    "signed_from",
    "signed_to",
    "started_from",
    "started_to",
    "planned_start_from",
    "planned_start_to",
}


def _options(choices, value) -> str:
    """The <option>s of a select (`choices` as (value, label)), those the form holds selected
    (`value`, a list for a multiple choice), as HTML: one f-string an option, its texts escaped,
    rather than a template loop evaluating three variables and an {% if %} for each of the form's
    ~70 options."""
    held = value if isinstance(value, list | tuple) else [value]
    chosen = {"" if v is None else str(v) for v in held}
    return mark_safe(  # noqa: S308 (every text in it escaped)
        "".join(
            f'<option value="{escape(key)}"{" selected" if key in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in ((str(key), label) for key, label in choices)
        )
    )


def _filter_form_context(filterset, params) -> dict:
    """What templates/projects/_filter_form.html needs, on the list and on the board alike. The
    selects' options are read here once, a query of two columns each for regions, chains, parks and
    methods (no model instances), and written out as HTML with the form's values selected."""
    form = filterset.form
    value = {name: form[name].value() for name in ("region", "stage", "chain", "park", "method")}
    lists = {
        "region": filterset.offered_regions.values_list("code", "name"),
        "chain": filterset.filters["chain"].queryset.values_list("code", "name"),
        "park": filterset.filters["park"].queryset.values_list("pk", "name"),
        "method": filterset.filters["method"].queryset.values_list("code", "name"),
        "stage": Stage.choices,
    }
    options = {name: _options(choices, value[name]) for name, choices in lists.items()}
    # Their fields' own choices, the empty one ("All", the default order) first.
    for name in ("origin", "light", "sort"):
        options[name] = _options(form.fields[name].choices, form[name].value())
    return {
        "filter": filterset,
        "stages": Stage.choices,
        "options": options,
        "active_filters": sum(
            1 for k in form.fields if k != "sort" and any(v.strip() for v in params.getlist(k))
        ),
        # On phones (and always on the board) the form is folded; it opens by itself only to show
        # what was refused.
        "filter_open": bool(filterset.errors),
        "advanced_open": any(
            params.get(k) for k in LIST_FORM_FIELDS if k not in ("q", "region", "stage", "sort")
        ),
        "kept_params": [
            (k, v)
            for k in params
            if k in form.fields and k not in LIST_FORM_FIELDS
            for v in params.getlist(k)
        ],
    }


def _rows_html(rows: list[dict], *, can_edit: bool, panel: str = "") -> str:
    """The HTML of /projects/'s rows (`selectors.project_rows`, or a quick action's one row), each
    its own <tbody> so that a quick action (htmx) swaps a row and its panel together; `panel` is
    that one row's panel or notice (templates/projects/_quick_panel.html). On phones (< 576 px)
    each tbody is a card (app.css .table-cards).

    A row is one f-string, as the board's cards are (`_cards_html`): each tag or variable the
    template engine evaluates was paid 25 times a page. Texts (name, investor, region, chain) are
    escaped by html.escape, as django.utils.html.escape does; the labels are translated once;
    the id is written unlocalized (the template wrote 12345 as "12,345", which broke the row's
    element id and its quick actions' htmx target); the detail and quick-action URLs are
    reversed once; the amount is in 万元, the dates YYYY-MM-DD; for a red or yellow light the
    亮灯 chip (core.templatetags.crm.light_chip, as every page shows it)."""
    placeholder = str(PLACEHOLDER_PK)
    detail_url, followup_url, stage_url = (
        reverse(name, args=[PLACEHOLDER_PK])
        for name in ("projects:detail", "projects:quick_followup", "projects:quick_stage")
    )
    label = {
        key: escape(_(text))
        for key, text in (
            ("investor", "Investor"),
            ("region", "Region"),
            ("chain", "Industry chain"),
            ("stage", "Stage"),
            ("amount", "Investment (万元)"),
            ("signed", "Signed on"),
            ("registered", "Registered on"),
            ("followup", "Follow-up"),
        )
    }
    confidential = escape(_("Confidential"))
    confidential = f' <span class="badge bg-yellow-lt" title="{confidential}">{confidential}</span>'
    late_title = escape(
        _("First reported after it was signed: the signing date precedes registration.")
    )
    late = (
        f' <span class="badge bg-orange-lt" data-testid="late-entry" title="{late_title}">'
        f"{escape(_('Late entry'))}</span>"
    )
    shown = []
    for row in rows:
        pk = str(row["pk"])
        target = f"#project-row-{pk}"
        name = escape(row["name"])
        stage = row["stage"]
        stage_label = escape(STAGE_LABELS.get(stage, stage))
        if row["light"] in LIT:
            reason = row["light_reason"]
            chip = " " + light_chip(row["light"], REASONS.get(reason, reason), row["light_since"])
        else:
            chip = ""
        signed, registered = row["signed_on"], row["registered_on"]
        if can_edit:
            actions = (
                '    <td class="text-end text-nowrap cell-actions">\n'
                '      <button type="button" class="btn btn-sm btn-outline-primary" '
                f'hx-get="{followup_url.replace(placeholder, pk, 1)}" hx-target="{target}" '
                f'hx-swap="outerHTML" data-testid="quick-followup">{label["followup"]}</button>\n'
                '      <button type="button" class="btn btn-sm btn-outline-primary" '
                f'hx-get="{stage_url.replace(placeholder, pk, 1)}" hx-target="{target}" '
                f'hx-swap="outerHTML" data-testid="quick-stage">{label["stage"]}</button>\n'
                "    </td>\n"
            )
        else:
            actions = ""
        shown.append(
            f'<tbody class="project-row" id="project-row-{pk}" data-testid="project-row">\n'
            "  <tr>\n"
            f'    <td class="cell-title" data-testid="row-name">'
            f'<a href="{detail_url.replace(placeholder, pk, 1)}">{name}</a>'
            f"{confidential if row['is_confidential'] else ''}"
            f"{late if row['late_entry'] else ''}</td>\n"
            f'    <td class="d-none d-md-table-cell cell-card" data-label="{label["investor"]}">'
            f"{escape(row['investor_name'] or '')}</td>\n"
            f'    <td class="text-nowrap" data-testid="row-region" data-label="{label["region"]}">'
            f"{escape(row['region_name'] or '')}</td>\n"
            f'    <td class="d-none d-lg-table-cell" data-label="{label["chain"]}">'
            f"{escape(row['chain_name'] or '—')}</td>\n"
            f'    <td data-label="{label["stage"]}" data-testid="row-stage">'
            f'<span class="badge stage-{escape(stage)} text-white">{stage_label}</span>{chip}</td>\n'
            f'    <td class="num" data-label="{label["amount"]}">'
            f"{format_wan(row['planned_investment'])}</td>\n"
            f'    <td class="d-none d-md-table-cell text-nowrap" data-label="{label["signed"]}">'
            f"{signed.isoformat() if signed else '—'}</td>\n"
            f'    <td class="d-none d-lg-table-cell text-nowrap" data-label="{label["registered"]}">'
            f"{registered.isoformat() if registered else ''}</td>\n"
            f"{actions}"
            "  </tr>\n"
            f"{panel}"
            "</tbody>\n"
        )
    return mark_safe("".join(shown))  # noqa: S308 (every text in it escaped above)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    views = list_state(request, list_name=ListName.PROJECTS, check=_check_filters(request.user))
    if views.redirect:
        return redirect(views.redirect)
    filterset, qs = selectors.project_list(user=request.user, params=views.params)
    # One count (with the sum) for the totals and the pages; the page is sorted on the projects
    # table and only its rows are read with their names.
    totals = selectors.project_totals(qs, filterset)
    ids = qs.values_list("pk", flat=True)
    paginator = CappedPaginator(ids, PAGE_SIZE, count=totals["count"], capped=totals["capped"])
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.project_rows(page.object_list)
    editor = can_edit(request.user)
    params = views.params
    sort_value = params.get("sort", "") if not filterset.errors.get("sort") else ""
    return render(
        request,
        "projects/project_list.html",
        {
            **_filter_form_context(filterset, params),
            "page": page,
            "rows_html": _rows_html(page.object_list, can_edit=editor),
            "totals": totals,
            "can_edit": editor,
            # The filters and sort in force (a saved view's too), for the export links.
            "export_query": views.query,
            "export_url": reverse("imports:export", args=["projects"]),
            "views": views,
            "sort_value": sort_value,
            "default_sort": "-registered",
            "sort_words": sort_words(filterset, sort_value),
        },
    )


@login_required
def quick_lead(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    if request.method == "POST":
        form = QuickLeadForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            known = services.quick_lead_investor(
                investor_name=data["investor_name"], credit_code=data["credit_code"]
            )
            try:
                project, conflicts = services.quick_lead_create(
                    by=request.user,
                    token=data["token"],
                    name=data["name"],
                    investor_name=data["investor_name"],
                    credit_code=data["credit_code"],
                    region=data["region"],
                    chain=data["chain"],
                    planned_investment=data["planned_investment"],
                    contact_name=data["contact_name"],
                    contact_mobile=data["contact_mobile"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Lead “%(name)s” saved.") % {"name": project.name})
                if known is None and project.investor_id:
                    messages.info(
                        request,
                        _("A new enterprise “%(name)s” was created.")
                        % {"name": project.investor.name},
                    )
                for conflict in conflicts:
                    messages.warning(
                        request,
                        _(
                            "First report, first talk: this investor already has an active project in %(region)s "
                            "(“%(holder)s”, registered first). The lead is recorded as a conflict for the city "
                            "investment-service centre to decide."
                        )
                        % {"region": conflict.holder.region.name, "holder": conflict.holder.name},
                    )
                return redirect("projects:detail", pk=project.pk)
    else:
        form = QuickLeadForm(initial={"token": uuid.uuid4()}, user=request.user)
    return render(request, "projects/quick_lead.html", {"form": form})


@login_required
def quick_lead_investor_status(request: HttpRequest) -> HttpResponse:
    """The line under the quick-lead investor field (htmx): whether the typed investor is a known
    enterprise or a new one the lead will create."""
    name = request.GET.get("investor_name", "").strip()[:200]
    credit_code = request.GET.get("credit_code", "").strip()[:30]
    known = services.quick_lead_investor(investor_name=name, credit_code=credit_code)
    return render(
        request,
        "projects/_investor_status.html",
        {"name": name, "known": known, "checked": bool(name or credit_code)},
    )


def _stage_actions(project: Project) -> list[dict]:
    """The stage buttons a project offers: the next stage(s), one back, drop or revive."""
    actions = []
    if project.stage == Stage.DROPPED:
        reached = services._last_reached_stage(project)
        actions.append(
            {
                "to": reached,
                "label": _("Revive (back to %(stage)s)") % {"stage": Stage(reached).label},
                "style": "outline-primary",
                "needs_reason": True,
            }
        )
        return actions
    i = PIPELINE.index(project.stage)
    # Moving forward to signed records a signing (date, amount, agreement kind, event): the page
    # links to the events app's signing form for it instead of the date-only stage form.
    if i + 1 < len(PIPELINE):
        nxt = PIPELINE[i + 1]
        actions.append(
            {
                "to": nxt,
                "label": _("Move to %(stage)s") % {"stage": Stage(nxt).label},
                "style": "primary",
                "needs_reason": False,
                "signing_form": _needs_signing(project, nxt),
            }
        )
    if project.stage == Stage.LEAD:
        actions.append(
            {
                "to": Stage.SIGNED,
                "label": _("Signed directly"),
                "style": "outline-primary",
                "needs_reason": False,
                "signing_form": True,
            }
        )
    if i > 0:
        prev = PIPELINE[i - 1]
        actions.append(
            {
                "to": prev,
                "label": _("Back to %(stage)s") % {"stage": Stage(prev).label},
                "style": "outline-secondary",
                "needs_reason": True,
            }
        )
    actions.append(
        {"to": Stage.DROPPED, "label": _("Drop"), "style": "outline-danger", "needs_reason": True}
    )
    return actions


def _needs_signing(project: Project, to: str) -> bool:
    """A forward move to 签约 records a signing (date, amount, agreement kind, event): it goes
    through the events app's signing form, not the date-only stage form."""
    return to == Stage.SIGNED and project.stage in (Stage.LEAD, Stage.NEGOTIATING)


def _move_action(project: Project, to: str) -> dict:
    """The stage form's action for a move to `to`: the project page's button for it when it has
    one, else a plain "move to" (the service decides whether the move is allowed)."""
    for action in _stage_actions(project):
        if action["to"] == to:
            return action
    backward = (
        project.stage == Stage.DROPPED
        or to == Stage.DROPPED
        or (PIPELINE.index(to) < PIPELINE.index(project.stage))
    )
    if to == Stage.DROPPED:
        label = _("Drop")
    elif backward:
        label = _("Back to %(stage)s") % {"stage": Stage(to).label}
    else:
        label = _("Move to %(stage)s") % {"stage": Stage(to).label}
    return {"to": to, "label": label, "needs_reason": backward}


def _detail_context(request: HttpRequest, project: Project, **extra) -> dict:
    milestones = []
    for index, stage in enumerate(PIPELINE):
        date = getattr(project, services.MILESTONE_FIELD[stage])
        milestones.append(
            {
                "stage": Stage(stage),
                "date": date,
                "reached": bool(date) or index <= project.pipeline_index,
            }
        )
    context = {
        "project": project,
        "milestones": milestones,
        "stage_changes": project.stage_changes.select_related("changed_by"),
        "follow_ups": project.follow_ups.select_related("author"),
        "funds": project.funds.all(),
        "completed": project.completed_investments.all(),
        "conflicts": selectors.conflicts_shown(
            ClaimConflict.objects.filter(Q(project=project) | Q(holder=project)).select_related(
                "project", "project__region", "holder", "holder__region"
            ),
            user=request.user,
        ),
        "history": history_rows(project),
        "can_edit": can_edit(request.user),
        "stage_actions": _stage_actions(project),
        "stage_form": StageForm(),
        "followup_form": FollowUpForm(initial={"happened_on": services.today()}),
        "money_form": MonthlyAmountForm(initial={"month": services.today().replace(day=1)}),
    }
    context.update(extra)
    return context


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    return render(request, "projects/project_detail.html", _detail_context(request, project))


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    # A save needs the row alone (the service reads it again, locked); the form's page its names.
    project = selectors.project_get(user=request.user, pk=pk, related=request.method != "POST")
    if request.method == "POST":
        form = ProjectForm(request.POST, project=project)
        if form.is_valid():
            try:
                services.project_update(project=project, by=request.user, **form.changed_values())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Project saved."))
                return redirect("projects:detail", pk=project.pk)
    else:
        form = ProjectForm(initial=ProjectForm.initial_for(project), project=project)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@login_required
@require_POST
def project_stage(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.project_advance_stage(
                project=project,
                to=form.cleaned_data["to"],
                on=form.cleaned_data["on"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("Stage changed to %(stage)s.") % {
                "stage": Stage(form.cleaned_data["to"]).label
            }
            if request.htmx:  # the pipeline board's move dialog: it reloads its columns
                return trigger_client_event(
                    HttpResponse(status=204), "projectMoved", {"message": message}
                )
            messages.success(request, message)
            return redirect("projects:detail", pk=project.pk)
    project.refresh_from_db()
    to = request.POST.get("to", "")
    if request.htmx and to in Stage.values:
        # The board's dialog again, with the refusal beside its field. A 200: htmx swaps it in
        # as it is, and the browser logs no failed request for a refusal the page shows.
        return render(
            request,
            "projects/_stage_form.html",
            {
                "project": project,
                "action": _move_action(project, to),
                "stage_form": form,
                "open_stage": to,
                "dialog": True,
            },
        )
    return render(
        request,
        "projects/project_detail.html",
        _detail_context(request, project, stage_form=form, open_stage=request.POST.get("to")),
        status=400,
    )


@login_required
@require_POST
def project_followup(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.followup_record(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_detail.html",
        _detail_context(request, project, followup_form=form, open_followup=True),
        status=400,
    )


@login_required
@require_POST
def project_money(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    form = MonthlyAmountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        record = (
            services.funds_record
            if data["kind"] == "funds"
            else services.completed_investment_record
        )
        try:
            record(
                project=project,
                month=data["month"],
                amount=data["amount"],
                by=request.user,
                note=data["note"],
                correction_reason=data["correction_reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Amount recorded."))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_detail.html",
        _detail_context(request, project, money_form=form, open_money=True),
        status=400,
    )


@login_required
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    if request.method == "POST":
        services.project_delete(project=project, by=request.user)
        messages.success(
            request,
            _("Project “%(name)s” deleted. It can be restored from its page.")
            % {"name": project.name},
        )
        return redirect("projects:list")
    return render(request, "projects/project_confirm_delete.html", {"project": project})


@login_required
@require_POST
def project_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.deleted_project_get(user=request.user, pk=pk)
    services.project_restore(project=project, by=request.user)
    messages.success(request, _("Project restored."))
    return redirect("projects:detail", pk=project.pk)


@login_required
def deleted_list(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    from accounts.scoping import scope_projects

    qs = scope_projects(Project.all_objects.filter(is_deleted=True), request.user).select_related(
        "region", "investor"
    )
    page = Paginator(qs.order_by("-deleted_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/deleted_list.html", {"page": page})


@login_required
def conflict_list(request: HttpRequest) -> HttpResponse:
    conflicts = selectors.open_conflicts(user=request.user)
    may_decide = request.user.is_superuser or request.user.role in ("city_admin", "city_staff")
    return render(
        request,
        "projects/conflict_list.html",
        {
            "conflicts": selectors.conflicts_shown(conflicts, user=request.user),
            "may_decide": may_decide,
            "decision_form": ClaimDecisionForm(),
            "normalize_name": normalize_name,
        },
    )


@login_required
@require_POST
def conflict_decide(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = get_object_or_404(selectors.open_conflicts(user=request.user), pk=pk)
    form = ClaimDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.claim_decide(
                conflict=conflict,
                status=form.cleaned_data["status"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Decision recorded."))
    else:
        messages.error(request, _("Please choose a decision."))
    return redirect("projects:conflicts")


def _cards_html(cards: list[dict], *, can_edit: bool) -> str:
    """The HTML of board cards (`selectors.board_cards` / `board_columns`), which
    templates/projects/_board_cards.html writes: a board shows up to 350, and each tag, variable
    or include the template engine evaluates (as each value format_html escapes, or each
    str.format of a long pattern) is paid 350 times, so a card is one f-string here. Its texts
    (name, investor, region, owner, stage) are escaped by the standard library's html.escape, as
    django.utils.html.escape does; its id is written unlocalized (data-pk: the template would
    write 12345 as "12,345"), its detail URL reversed once, its amount in 万元 with its unit,
    `draggable` for an editor only, and for a red or yellow light the 亮灯 chip
    (core.templatetags.crm.light_chip, as every page shows it)."""
    detail_url = reverse("projects:detail", args=[PLACEHOLDER_PK])
    placeholder = str(PLACEHOLDER_PK)
    unit = escape(_("万元"))
    draggable = 'draggable="true"' if can_edit else ""
    confidential = f' <span class="badge bg-yellow-lt">{escape(_("Confidential"))}</span>'
    shown = []
    for card in cards:
        pk = str(card["pk"])
        url = detail_url.replace(placeholder, pk, 1)
        stage, name = escape(card["stage"]), escape(card["name"])
        investor, region = escape(card["investor_name"]), escape(card["region_name"])
        if card["light"] in LIT:
            reason = card["light_reason"]
            chip = light_chip(card["light"], REASONS.get(reason, reason), card["light_since"])
        else:
            chip = ""
        owner = card["owner"]
        if owner:
            owner = f' · <span data-testid="card-owner">{escape(owner)}</span>'
        secret = confidential if card["is_confidential"] else ""
        amount = format_wan(card["planned_investment"])
        shown.append(
            f'\n<article class="board-card" data-testid="board-card" data-pk="{pk}" data-stage="{stage}"\n'
            f"         {draggable}>\n"
            '  <div class="d-flex justify-content-between gap-2 board-card-head">\n'
            f'    <a class="board-card-name" href="{url}">{name}</a>\n'
            f"    {chip}\n"
            "  </div>\n"
            f'  <div class="small text-secondary text-truncate" title="{investor}">{investor}</div>\n'
            '  <div class="d-flex justify-content-between align-items-center gap-2 small">\n'
            f'    <span class="text-truncate">{region}{owner}{secret}</span>\n'
            f'    <span class="num text-nowrap" data-testid="card-amount">{amount} {unit}</span>\n'
            "  </div>\n"
            "</article>\n"
        )
    return mark_safe("".join(shown))  # noqa: S308 (every text in it escaped above)


def _board_context(request: HttpRequest, views) -> dict:
    params = views.params
    filterset, qs = selectors.project_list(user=request.user, params=params)
    chosen = filterset.form.cleaned_data.get("stage") if filterset.is_valid() else None
    stages = [s for s in selectors.BOARD_STAGES if not chosen or s in chosen]
    columns = selectors.board_columns(qs, stages=stages)
    editor = can_edit(request.user)
    for column in columns:
        column["cards_html"] = _cards_html(column["cards"], can_edit=editor)
    return {
        **_filter_form_context(filterset, params),
        "columns": columns,
        "can_edit": editor,
        "views": views,
    }


@login_required
@require_GET
def project_board(request: HttpRequest) -> HttpResponse:
    """The pipeline board: a column per stage over the list's own filtered, scoped queryset
    (`selectors.project_list`), each with the list's totals for that stage and its first cards.
    A card is moved by the project page's own stage forms, opened in a dialog (`project_move`)."""
    views = list_state(request, list_name=ListName.BOARD, check=_check_filters(request.user))
    if views.redirect:
        return redirect(views.redirect)
    return render(request, "projects/project_board.html", _board_context(request, views))


@login_required
@require_GET
def board_column(request: HttpRequest) -> HttpResponse:
    """The next page of one board column (its "more" button, htmx): `col` the stage, `offset`
    the cards already shown, and the board's filters."""
    stage = request.GET.get("col", "")
    if stage not in Stage.values:
        return HttpResponseBadRequest(_("Unknown stage."))
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    # The board's filters, a saved view's included (`?view=` rides along on the button's URL).
    views = list_state(request, list_name=ListName.BOARD, check=_check_filters(request.user))
    _filterset, qs = selectors.project_list(user=request.user, params=views.params)
    cards, more = selectors.board_cards(qs, stage=stage, offset=offset)
    return render(
        request,
        "projects/_board_cards.html",
        {
            "cards_html": _cards_html(cards, can_edit=can_edit(request.user)),
            "more": more,
            "column_stage": stage,
            "next_offset": offset + len(cards),
        },
    )


@login_required
@require_GET
def project_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The dialog a board card opens when dragged (or moved from its menu) to stage `to`: the
    project page's own form for that move — the signing form for a forward move to 签约, the stage
    form (date, and reason when moving back, dropping or reviving) otherwise. Both post to their
    own views, which call the services."""
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    check_can_edit_region(request.user, project.region)
    to = request.GET.get("to", "")
    if to not in Stage.values or to == project.stage:
        return HttpResponseBadRequest(_("Choose another stage to move the project to."))
    if _needs_signing(project, to):
        return redirect("events:signing_new", project_pk=project.pk)
    return render(
        request,
        "projects/_stage_form.html",
        {
            "project": project,
            "action": _move_action(project, to),
            "stage_form": StageForm(initial={"to": to}),
            "dialog": True,
        },
    )


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """Home page: what needs doing today (follow-ups due, leads gone quiet, first-report conflicts)."""
    today = services.today()
    due = list(selectors.follow_ups_due(user=request.user, today=today)[:50])
    stale = list(selectors.stale_leads(user=request.user, today=today)[:50])
    conflicts = list(selectors.open_conflicts(user=request.user)[:20])
    recent_signed = (
        selectors.project_queryset(user=request.user)
        .filter(signed_on__isnull=False)
        .order_by("-signed_on", "-id")[:10]
    )
    return render(
        request,
        "projects/my_work.html",
        {
            "today": today,
            "due": due,
            "overdue_count": sum(1 for f in due if f.next_due_on < today),
            "stale": stale,
            "conflicts": conflicts,
            "recent_signed": recent_signed,
            "can_edit": can_edit(request.user),
        },
    )


# --- quick actions on a row of /projects/ (htmx): the same forms and services as the detail page --
def _row(request: HttpRequest, project: Project, **context) -> HttpResponse:
    """One row of the list (its <tbody>), read as the list reads it, with a panel or a notice
    (templates/projects/_quick_panel.html: `panel` "followup" or "stage" with its form, or `done`)."""
    (row,) = selectors.project_rows(Project.objects.filter(pk=project.pk).values("pk"))
    row_id = str(row["pk"])
    panel = ""
    if context:
        panel = render_to_string(
            "projects/_quick_panel.html", {"project": row, "row_id": row_id, **context}, request
        )
    return HttpResponse(_rows_html([row], can_edit=can_edit(request.user), panel=panel))


@login_required
def project_quick_row(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    return _row(request, project)


@login_required
def project_quick_followup(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    if request.method != "POST":
        form = FollowUpForm(initial={"happened_on": services.today()})
        return _row(request, project, panel="followup", form=form)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.followup_record(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _row(request, project, done=_("Follow-up recorded."))
    # 200, not 400: htmx swaps only successful answers, and the form must come back with its errors.
    return _row(request, project, panel="followup", form=form)


@login_required
def project_quick_stage(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    project = selectors.project_get(user=request.user, pk=pk)
    actions = _stage_actions(project)
    context = {
        "panel": "stage",
        "actions": actions,
        "signing_action": next((a for a in actions if a.get("signing_form")), None),
    }
    if request.method != "POST":
        return _row(request, project, form=StageForm(initial={"on": services.today()}), **context)
    form = StageForm(request.POST)
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.project_advance_stage(
                project=project,
                to=to,
                on=form.cleaned_data["on"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _row(
                request, project, done=_("Stage changed to %(stage)s.") % {"stage": Stage(to).label}
            )
    project.refresh_from_db()
    return _row(request, project, form=form, **context)
