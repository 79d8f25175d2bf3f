"""The worlds several browser journeys start from."""
from hangqifu.core.choices import ServiceCategory
from vouchers.tests.money_factories import PDF, listed_product, open_batch, provider_user, qualified_buyer

CATEGORY = ServiceCategory.DIGITAL_EMPOWERMENT


def voucher_market(tmp_path, *, buyer: str, provider: str, title: str) -> dict:
    """What the voucher journeys buy with: an enterprise (`buyer`, a 5,000 yuan quota), a provider (`provider`)
    with one listed digital-empowerment product at 6,000 yuan (`title`), a batch open with ten 2,000 yuan
    vouchers of that category, and a scanned PDF to upload (`scan`, its path)."""
    world = {"buyer": qualified_buyer(quota="5000.00", username=buyer), "provider": provider_user(username=provider)}
    world["product"] = listed_product(world["provider"], category=CATEGORY, price="6000.00", title=title)
    world["batch"] = open_batch(types=((CATEGORY, "2000.00", 10),))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    return {**world, "scan": str(scan)}
