from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer
from hangqifu.core.errors import NotFound

from . import selectors
from .responses import download_response


class DocumentDownloadApi(APIView):
    """The file, to users the owning object admits; 404 for everyone else."""

    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
                              401: ErrorSerializer, 404: ErrorSerializer}, tags=["documents"])
    def get(self, request, pk: int):
        document = selectors.document_for_download(document_id=pk, user=request.user)
        if document is None:
            if not request.user.is_authenticated:
                raise NotAuthenticated()
            raise NotFound("材料不存在")
        return download_response(document, user=request.user)
