"""Reusable pieces for apps that accept uploads: a multipart input serializer, the output shape, a form."""
from django import forms
from django.urls import reverse
from rest_framework import serializers

from .kinds import KIND_LABELS
from .models import Document

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DocumentUploadSerializer(serializers.Serializer):
    """multipart `kind`, `file`. Content checks happen in document_store (code invalid_document)."""

    kind = serializers.CharField(max_length=50)
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class DocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "kind_label", "original_name", "mime_type", "size", "sha256", "uploaded_at",
                  "download_url"]

    def get_download_url(self, obj) -> str:
        return reverse("api:document-download", args=[obj.pk])


class DocumentUploadForm(forms.Form):
    """Page form: pass `kinds=[...]` to offer a choice of kinds (labels from API.md)."""

    kind = forms.ChoiceField(label="材料类型")
    file = forms.FileField(label="文件", allow_empty_file=True,
                           help_text="PDF、JPG 或 PNG，按文件内容识别格式",
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = list(kinds or KIND_LABELS)
        self.fields["kind"].choices = [(k, KIND_LABELS.get(k, k)) for k in kinds]
