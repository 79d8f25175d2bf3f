"""Demo supervision data: one complaint from the public and one from the demo enterprise, waiting for the
service center (no sanction: a ban would lock the demo enterprise out of every other flow)."""
from hangqifu.accounts.roles import Role

from . import complaints
from .models import Complaint

PUBLIC_SUBJECT = "服务机构要求另付“服务券手续费”"
ENTERPRISE_SUBJECT = "服务报告迟迟未交付"


def seed(ctx):
    users = ctx.get("users", {})
    if not Complaint.objects.filter(subject=PUBLIC_SUBJECT).exists():
        complaints.complaint_file(
            actor=None, name="陈先生", contact="13700001234", subject=PUBLIC_SUBJECT,
            content="签约时服务机构称使用服务券须另付 10% 手续费，否则不予抵扣。",
        )
    enterprise, provider = users.get(Role.ENTERPRISE.value), users.get(Role.PROVIDER.value)
    if enterprise and provider and not Complaint.objects.filter(subject=ENTERPRISE_SUBJECT).exists():
        complaints.complaint_file(
            actor=enterprise, subject=ENTERPRISE_SUBJECT, content="合同约定 30 日内交付诊断报告，已逾期两周。",
            object_type="organisation", object_id=str(provider.organisation_id),
        )
