from .claims import (CLAIM_DOCUMENT_KINDS, REQUIRED_DOCUMENT_KINDS, ClaimLine, ProviderYearCap,
                     RedemptionClaim)
from .settlement import DisbursementOrder, DistrictPayment, SettlementBatch

__all__ = ["CLAIM_DOCUMENT_KINDS", "REQUIRED_DOCUMENT_KINDS", "ClaimLine", "DisbursementOrder", "DistrictPayment",
           "ProviderYearCap", "RedemptionClaim", "SettlementBatch"]
