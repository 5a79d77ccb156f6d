"""`?view=<id>` on the API's lists: a saved view's filters and sort, applied by the list's own
FilterSet under the caller's scoping, exactly as its page applies them.

- The view must be one the caller may open on that list (their own, their region's, the city's):
  any other id answers 404, as another county's record does.
- Parameters the request names besides `view` are laid over the view's (a page, another sort).
- A view whose filters no longer validate answers 400 with the FilterSet's errors (the page, for a
  person, drops them with a notice instead; a program should be told, not silently given more rows).
- A person's default view is a page convenience: the API never applies it unasked.
"""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_basic_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from core.api.filters import FilterBackend

from ..lists import view_params
from ..selectors import saved_view_get


class SavedViewFilterBackend(FilterBackend):
    """core.api.filters.FilterBackend plus `view`. The view set names its list in
    `saved_view_list` ("projects", "enterprises", "events")."""

    def names_a_filter(self, request, queryset, view) -> bool:
        return "view" in request.query_params or super().names_a_filter(request, queryset, view)

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        asked = request.query_params.get("view")
        if asked not in (None, "", "0"):
            saved = saved_view_get(user=request.user, list_name=view.saved_view_list, pk=asked)
            kwargs["data"] = view_params(saved, request.query_params)
        return kwargs


class SavedViewFilterExtension(DjangoFilterExtension):
    """The schema of a list filtered by SavedViewFilterBackend: its FilterSet's parameters and
    `view`."""

    target_class = "savedviews.api.filters.SavedViewFilterBackend"
    match_subclasses = True
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        view = build_parameter_type(
            name="view",
            schema=build_basic_type(OpenApiTypes.INT),
            location=OpenApiParameter.QUERY,
            description=(
                "A saved view's id (保存的视图): its filters and sort, under your scoping; "
                "other parameters override it. 404 for a view not shared with you."
            ),
        )
        return [*parameters, view]
