from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the FilterSet's parameters: building
    and validating its form costs more than the rest of an unfiltered page."""

    def names_a_filter(self, request, queryset, view) -> bool:
        filterset_class = self.get_filterset_class(view, queryset)
        return filterset_class is not None and any(
            name in request.query_params for name in filterset_class.base_filters
        )

    def filter_queryset(self, request, queryset, view):
        if not self.names_a_filter(request, queryset, view):
            return queryset
        return super().filter_queryset(request, queryset, view)
