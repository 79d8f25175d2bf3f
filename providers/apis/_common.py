"""Shared pieces of the providers API: document output and visibility-first object lookup."""
from django.urls import reverse
from rest_framework import serializers


class ProviderDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, document) -> str:
        return reverse("documents:download", args=[document.pk])


class ProviderDocumentUploadInput(serializers.Serializer):
    kind = serializers.CharField()
    file = serializers.FileField()


class ProviderOpinionInput(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
