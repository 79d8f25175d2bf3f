from .applications import (
    ApplicationProduct,
    ConflictDeclaration,
    ExpertAssignment,
    ProviderApplication,
    Review,
    SelectionRound,
)
from .products import Product, ProviderProfile
from .removals import Removal, RemovalReason

__all__ = [
    "ApplicationProduct", "ConflictDeclaration", "ExpertAssignment", "Product", "ProviderApplication",
    "ProviderProfile", "Removal", "RemovalReason", "Review", "SelectionRound",
]
