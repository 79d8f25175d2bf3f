from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from . import selectors
from .responses import download_response


def download(request, pk: int):
    """Only users the owning object admits; everyone else gets 404 (existence is never revealed).
    Anonymous visitors are sent to log in first, whatever the id."""
    document = selectors.document_for_download(document_id=pk, user=request.user)
    if document is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("材料不存在")
    return download_response(document, user=request.user)
