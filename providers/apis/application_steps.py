"""The steps of a provider application (API.md `provider-applications/{id}/<step>/`): submit, pre-review, return,
reject, assign experts, expert and third-party review, the bureau's confirmation. Each parses its input, calls one
service and answers the updated application."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from hangqifu.core.api import rule_refusal
from hangqifu.core.api_views import StepApi

from .. import selectors, services
from ..conditions import JUDGEMENT_ITEMS
from ..models.applications import RUBRIC
from ._common import ProviderOpinionInput
from .applications import ERRORS, ProviderApplicationDetailSerializer, application_detail_response


def _responses(*refusals: str) -> dict:
    """200 with the updated application; 409 names the refusal codes (a step in the wrong state is
    `invalid_transition`)."""
    return {200: ProviderApplicationDetailSerializer, **ERRORS, 409: rule_refusal("invalid_transition", *refusals)}


class ProviderEmptyInput(serializers.Serializer):
    pass


class ProviderJudgementInput(serializers.Serializer):
    met = serializers.BooleanField(help_text="核验符合")
    note = serializers.CharField(max_length=500, allow_blank=True, help_text="核验说明：依据的材料")


class ProviderPreReviewInput(serializers.Serializer):
    passed = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    judgements = serializers.DictField(
        child=ProviderJudgementInput(), required=False, default=dict,
        help_text="通过预审时必填：第十四条需人工核验的每一项（" + "、".join(
            f"{key} {label}" for key, (label, _) in JUDGEMENT_ITEMS.items()) + "）均须 met=true 并填写 note；"
        "硬性条件（成立年限、营业收入、专业人员、案例、信用名单）不符合的，409 admission_conditions_unmet")


class ProviderRequiredOpinionInput(serializers.Serializer):
    opinion = serializers.CharField()


class ProviderAssignExpertsInput(serializers.Serializer):
    experts = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class ProviderReviewInput(serializers.Serializer):
    score = serializers.DecimalField(max_digits=6, decimal_places=2, required=False,
                                     help_text="总分 0–100；或用 scores 逐项打分")
    scores = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=2), required=False,
                                   help_text="逐项得分：" + "；".join(f"{k} {label} 0–{m}" for k, (label, m) in RUBRIC.items()))
    opinion = serializers.CharField()


class ProviderThirdPartyReviewInput(ProviderReviewInput):
    reviewer_name = serializers.CharField(max_length=200)


# A step of the application the caller may see; answers the updated application.
class ApplicationStepApi(StepApi):
    input_serializer = ProviderEmptyInput
    target_name = "application"

    def target(self, request, pk):
        return selectors.application_get(user=request.user, pk=pk)

    def respond(self, request, obj):
        return application_detail_response(request, obj)


@extend_schema(responses=_responses())
class ProviderApplicationSubmitApi(ApplicationStepApi):
    """[provider] submit"""

    step = staticmethod(services.application_submit)


@extend_schema(responses=_responses("admission_conditions_unmet", "banned"),
               description="[service center] formal pre-review: passed → awaits experts; not passed → returned for "
                           "correction. Passing refuses (409 admission_conditions_unmet, fields name the failing "
                           "第十四条 items) while a hard condition fails; every judgement item must be ticked met "
                           "with a note (400 judgement_missing)")
class ProviderApplicationPreReviewApi(ApplicationStepApi):
    """[service center] formal pre-review (第十四条 hard conditions and judgement items)."""

    input_serializer = ProviderPreReviewInput
    step = staticmethod(services.application_pre_review)


@extend_schema(responses=_responses())
class ProviderApplicationReturnApi(ApplicationStepApi):
    """[service center] return for correction"""

    input_serializer = ProviderRequiredOpinionInput
    step = staticmethod(services.application_return)


@extend_schema(responses=_responses())
class ProviderApplicationRejectApi(ApplicationStepApi):
    """[service center, bureau] reject"""

    input_serializer = ProviderRequiredOpinionInput
    step = staticmethod(services.application_reject)


@extend_schema(responses=_responses())
class ProviderApplicationAssignExpertsApi(ApplicationStepApi):
    """[service center] assign experts (role expert, no declared conflict)"""

    input_serializer = ProviderAssignExpertsInput
    step = staticmethod(services.experts_assign)


@extend_schema(responses=_responses())
class ProviderApplicationExpertReviewApi(ApplicationStepApi):
    """[assigned expert] score (total or per rubric criterion) and opinion"""

    input_serializer = ProviderReviewInput
    step = staticmethod(services.review_record)


@extend_schema(responses=_responses())
class ProviderApplicationThirdPartyReviewApi(ApplicationStepApi):
    """[service center] record a third-party institution's review"""

    input_serializer = ProviderThirdPartyReviewInput
    step = staticmethod(services.third_party_review_record)


@extend_schema(responses=_responses("admission_conditions_unmet", "banned"),
               description="[bureau] confirm; publishes the public notice (admitted when it closes clear). "
                           "Re-checks the 第十四条 hard conditions on the day (credit against the lists in force "
                           "today) and the pre-review's judgement ticks: 409 admission_conditions_unmet")
class ProviderApplicationConfirmApi(ApplicationStepApi):
    """[bureau] confirm; publishes the public notice."""

    input_serializer = ProviderOpinionInput
    step = staticmethod(services.application_confirm)
