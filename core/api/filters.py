from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the FilterSet's parameters: building
    and validating its form costs more than the rest of an unfiltered page."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
