from hangqifu.core.choices import District
from hangqifu.core.demo import DEMO_PASSWORD

from .models import Organisation, User
from .roles import Role
from .second_factor import DEMO_TOTP_SECRET, demo_device
from .second_factor_rule import requires_second_factor
from .services import user_create
from .validators import make_credit_code

# username, role, organisation (kind, name, 17-char credit code body or None, district)
DEMO_ACCOUNTS = [
    ("demo-enterprise", Role.ENTERPRISE, ("enterprise", "杭州示范智造科技有限公司", "91330106MA2H00001", District.XIHU)),
    ("demo-park", Role.PARK, ("park", "杭州示范小微企业园运营有限公司", "91330110MA2H00002", District.YUHANG)),
    ("demo-provider", Role.PROVIDER, ("provider", "杭州示范数字服务有限公司", "91330106MA2H00003", District.XIHU)),
    ("demo-center", Role.SERVICE_CENTER, ("agency", "杭州市工业和信息服务研究中心", None, "")),
    ("demo-bureau", Role.BUREAU, ("agency", "杭州市经济和信息化局", None, "")),
    ("demo-finance", Role.FINANCE_BUREAU, ("agency", "杭州市财政局", None, "")),
    ("demo-district", Role.DISTRICT, ("district", "西湖区财政局", None, District.XIHU)),
    ("demo-expert", Role.EXPERT, None),
]


# Each organisation its own switchboard: the fraud rules flag organisations that share a phone or address, and
# the demo companies must not look like a ring of shell companies to a newcomer.
DEMO_PHONES = {"demo-enterprise": "0571-85012345", "demo-park": "0571-86666666", "demo-provider": "0571-87654321",
               "demo-center": "0571-85251234", "demo-bureau": "0571-85252000", "demo-finance": "0571-87058000",
               "demo-district": "0571-87971234"}
DEMO_CONTACTS = {"demo-enterprise": "张三", "demo-park": "李四", "demo-provider": "陈晓"}


def seed(ctx):
    ctx["accounts"] = []
    ctx["users"] = {}
    for username, role, org in DEMO_ACCOUNTS:
        organisation = None
        if org:
            kind, name, code_body, district = org
            organisation, _ = Organisation.objects.get_or_create(
                name=name, kind=kind,
                defaults={"credit_code": make_credit_code(code_body) if code_body else None, "district": district,
                          "contact_name": DEMO_CONTACTS.get(username, "办公室"),
                          "contact_phone": DEMO_PHONES.get(username, "")},
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=DEMO_PASSWORD, role=role, organisation=organisation,
                               email=f"{username}@example.com", validate_password=False)
        if requires_second_factor(user):
            demo_device(user=user)  # the published demo secret: staff log in with a code computed from it
        ctx["users"][role.value] = user
        label = f"{role.label}（动态口令密钥 {DEMO_TOTP_SECRET}）" if requires_second_factor(user) else role.label
        ctx["accounts"].append((username, label))
