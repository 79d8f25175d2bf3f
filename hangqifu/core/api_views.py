"""Base views of the API conventions (API.md): a filtered list and a workflow step. Apart from api.py, which DRF's
settings import (the pagination class) while its own views are still loading."""
from collections.abc import Callable

from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.views import APIView

from .api import Pagination


# A paginated list whose query string is parsed by the view's nested FilterSerializer: a malformed filter is a 400
# in the error format, and the schema documents the filters as the GET's query parameters. `filtered_queryset`
# takes the parsed filters as keyword arguments and gives the rows.
class FilteredListApi(ListAPIView):
    pagination_class = Pagination
    FilterSerializer: type[serializers.Serializer]
    filtered_queryset: Callable

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return self.filtered_queryset(**filters.validated_data)


# One step of a workflow (API.md `…/{id}/<step>/`). POST: the object the caller may see (`target`), the body
# parsed by `input_serializer` (None: the step takes no body), the `step` service called with the actor, the object
# as `target_name` and the parsed input; answers `respond` with the object as it is now. (A comment, not a
# docstring: a view's docstring is its OpenAPI description, and each step describes itself.)
class StepApi(APIView):

    input_serializer: type[serializers.Serializer] | None = None
    target_name: str
    step: Callable  # the app's service, as a staticmethod
    target: Callable  # (request, pk) -> the object, 404 when the caller may not see it
    respond: Callable  # (request, obj) -> the Response

    def post(self, request, pk):
        obj = self.target(request, pk)
        data = {}
        if self.input_serializer is not None:
            parsed = self.input_serializer(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = parsed.validated_data
        self.step(actor=request.user, **{self.target_name: obj}, **data)
        return self.respond(request, obj)
