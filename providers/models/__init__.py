from .applications import (
    ApplicationProduct,
    ConflictDeclaration,
    ExpertAssignment,
    ProviderApplication,
    Review,
    SelectionRound,
)
from .evaluations import AnnualEvaluation
from .products import Product, ProviderProfile
from .removals import Removal, RemovalReason

__all__ = [
    "AnnualEvaluation", "ApplicationProduct", "ConflictDeclaration", "ExpertAssignment", "Product", "ProviderApplication",
    "ProviderProfile", "Removal", "RemovalReason", "Review", "SelectionRound",
]
