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
