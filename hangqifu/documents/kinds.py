"""Document kinds of API.md (stable ids) with their Chinese labels, and the accepted file formats."""

KIND_LABELS = {
    # registration (enterprise / park)
    "business_licence": "营业执照",
    "revenue_proof": "上年度营业收入证明",
    "tax_proof": "纳税证明",
    "social_insurance_proof": "社保缴纳证明",
    "size_commitment_letter": "企业划型承诺书",
    "credit_proof": "信用证明",
    "honour_evidence": "荣誉称号证明",
    "park_operator_proof": "园区运营主体证明",
    # provider application
    "qualification": "资质证明",
    "product_cases": "产品案例及证明",
    "audit_report": "上年度审计报告",
    "tax_credit_rating": "纳税信用等级",
    "admission_commitment": "入驻承诺书",
    # order and redemption
    "contract": "服务合同",
    "stamped_commitment_letter": "盖章承诺书",
    "commitment_letter": "承诺书",
    "service_record": "服务记录",
    "invoice": "增值税发票",
    "bank_receipt": "银行回单",
    "service_evidence": "服务佐证材料",
    "change_evidence": "变更证明材料",
    "credit_repair_evidence": "信用修复证明材料",
    "notice_attachment": "公示附件",
    "other": "其他材料",
}

# Sniffed content type → stored file extension.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Extensions a user's file name may carry for each content type.
NAME_EXTENSIONS = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg", ".jpe"}, "image/png": {".png"}}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
