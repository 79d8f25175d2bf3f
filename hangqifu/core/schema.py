from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

from .api import ErrorSerializer
from .api_views import FilteredListApi, StepApi


class AutoSchema(BaseAutoSchema):
    """Names nested serializers after their owner (HackSoft style: `ClaimApi.InputSerializer` → `ClaimInput`),
    so the many InputSerializer classes get distinct OpenAPI components."""

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else type(serializer)
        parts = cls.__qualname__.split(".")
        if len(parts) >= 2 and parts[-1] in {"InputSerializer", "OutputSerializer", "FilterSerializer"}:
            return parts[-2].removesuffix("Api") + parts[-1].removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    def get_override_parameters(self):
        """A filtered list documents its FilterSerializer as the GET's query parameters."""
        parameters = super().get_override_parameters()
        if isinstance(self.view, FilteredListApi) and self.method == "GET":
            return [self.view.FilterSerializer, *parameters]
        return parameters

    def get_request_serializer(self):
        """A workflow step's body is its `input_serializer` (none: the step takes no body)."""
        if isinstance(self.view, StepApi):
            return self.view.input_serializer
        return super().get_request_serializer()

    # API.md: any call may be refused with the error format — 400 invalid input (or filter), 401 no credentials
    # (where a login is needed), 403 the caller may not, 404 not visible to the caller or a page past the end. Operations that did not declare
    # these get them documented with the Error component, so clients (and the fuzzer) see the real contract.
    COMMON_ERRORS = ("400", "403", "404")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)

        codes = [*self.COMMON_ERRORS, *(["401"] if self._login_required() else [])]
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses

    def _login_required(self) -> bool:
        """An anonymous caller gets 401 `not_authenticated` (token auth asks for credentials) unless every
        permission of the view lets anyone in."""
        from rest_framework.permissions import AllowAny

        return not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
