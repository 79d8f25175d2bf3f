from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    """Names nested serializers after their owner (HackSoft style: `ClaimApi.InputSerializer` → `ClaimInput`),
    so the many InputSerializer classes get distinct OpenAPI components."""

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else type(serializer)
        parts = cls.__qualname__.split(".")
        if len(parts) >= 2 and parts[-1] in {"InputSerializer", "OutputSerializer", "FilterSerializer"}:
            return parts[-2].removesuffix("Api") + parts[-1].removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    # API.md: any call may be refused with the error format — 400 invalid input (or filter), 403 the caller may
    # not, 404 not visible to the caller or a page past the end of a list. Operations that did not declare
    # these get them documented with the Error component, so clients (and the fuzzer) see the real contract.
    COMMON_ERRORS = ("400", "403", "404")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        from .api import ErrorSerializer

        for code in self.COMMON_ERRORS:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses
