"""Data generators: set-based SQL (INSERT … SELECT generate_series) so 20,000 enterprises or a million vouchers
take seconds. Ids start at fixed offsets so related rows line up by arithmetic; sequences are moved past
them afterwards so the application's own inserts never collide."""
import hashlib
import hmac
import os
from datetime import datetime
from zoneinfo import ZoneInfo


TZ = ZoneInfo("Asia/Shanghai")
BASE = 1_000_000
DISTRICTS = ["shangcheng", "gongshu", "xihu", "binjiang", "xiaoshan", "yuhang", "linping", "qiantang", "fuyang",
             "linan", "tonglu", "chunan", "jiande"]
CATEGORY = "digital_empowerment"


def current_year() -> int:
    return datetime.now(TZ).year


def token(i: int) -> str:
    """The API token seeded for user BASE + i (same formula as token_key)."""
    return (hashlib.md5(f"bench-token-{i}".encode()).hexdigest()
            + hashlib.md5(f"bench-salt-{i}".encode()).hexdigest())[:40]


def unusable_password_stamp() -> str:
    """The password stamp (Django's session auth hash) of the seeded users' unusable password '!', as the
    bench processes' settings (bench.settings: DJANGO_SECRET_KEY or base.py's development default) compute it:
    an API token is valid only while it matches."""
    key = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-hangqifu")
    key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
    digest_key = hashlib.sha256((key_salt + key).encode()).digest()
    return hmac.new(digest_key, msg=b"!", digestmod=hashlib.sha256).hexdigest()


def token_key(i_sql: str) -> str:
    return f"substr(md5('bench-token-' || {i_sql}) || md5('bench-salt-' || {i_sql}), 1, 40)"


def buyers_sql(n: int, *, year: int, quota: str = "5000.00", base: int = BASE, with_tokens: bool = True,
               prefix: str = "bench-e") -> str:
    """n enterprises, each with one enterprise user (token), an active qualification of `year`."""
    tokens = (f"INSERT INTO accounts_apitoken (digest, token_key, created, expiry, user_id, second_factor, "
              f"password_stamp, label, revoked_reason) "
              f"SELECT encode(sha512(convert_to({token_key('i')}, 'UTF8')), 'hex'), substr({token_key('i')}, 1, 15), "
              f"now(), now() + interval '30 days', {base} + i, false, '{unusable_password_stamp()}', 'bench', '' "
              f"FROM generate_series(1, {n}) i;") if with_tokens else ""
    return f"""
INSERT INTO accounts_organisation (id, kind, name, credit_code, district, contact_name, contact_phone, address, created_at)
  SELECT {base} + i, 'enterprise', '压测企业' || i, NULL, (ARRAY{DISTRICTS})[1 + i % 13], '', '', '', now()
  FROM generate_series(1, {n}) i;
INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, role, phone, organisation_id)
  SELECT {base} + i, '!', false, '{prefix}-' || i, '', '', '', false, true, now(), 'enterprise', '', {base} + i
  FROM generate_series(1, {n}) i;
{tokens}
INSERT INTO vouchers_qualification (id, year, kind, tier, quota, used, reserved, state, honours, state_reason,
                                    created_at, updated_at, organisation_id)
  SELECT {base} + i, {year}, 'enterprise', 'default', {quota}, 0, 0, 'active', '[]', '', now(), now(), {base} + i
  FROM generate_series(1, {n}) i;
"""


def providers_sql(n: int, *, base: int, prefix: str) -> str:
    """n provider organisations across the 13 districts, each with one provider user."""
    return f"""
INSERT INTO accounts_organisation (id, kind, name, credit_code, district, contact_name, contact_phone, address, created_at)
  SELECT {base} + i, 'provider', '压测服务机构' || lpad(i::text, 4, '0'), NULL, (ARRAY{DISTRICTS})[1 + i % 13], '', '', '',
         now()
  FROM generate_series(1, {n}) i;
INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, role, phone, organisation_id)
  SELECT {base} + i, '!', false, '{prefix}-' || i, '', '', '', false, true, now(), 'provider', '', {base} + i
  FROM generate_series(1, {n}) i;
"""


def products_sql(n: int, *, base: int) -> str:
    """One listed product of 4000 yuan in CATEGORY for each of the n providers seeded by providers_sql at `base`
    (product base + i belongs to provider base + i)."""
    return f"""
INSERT INTO providers_product (id, category, title, description, deliverables, duration_days, price,
    last_year_average_price, state, review_opinion, delist_reason, listed_at, order_count, rating_count,
    satisfied_count, dissatisfied_count, created_at, provider_id, selection_opinion, selection_reviewer)
  SELECT {base} + i, '{CATEGORY}', '数字化诊断服务 ' || i, '标准化服务', '诊断报告', 30, 4000, 4000, 'listed', '', '',
         now(), 0, 0, 0, 0, now(), {base} + i, '', ''
  FROM generate_series(1, {n}) i;
"""


def provider_service_years_sql(year: int) -> str:
    """Every provider's service-year counter (第十二条, vouchers_providerserviceyear) as the deductions would have
    left it: Σ its deductions of the year under the year's cap. A seed whose deductions pass a provider's cap fails
    here on the counter's CHECK instead of a bench being refused `provider_cap_exceeded` unseen."""
    return f"""
INSERT INTO vouchers_providerserviceyear (provider_id, year, cap, deducted)
  SELECT o.id, {year}, (SELECT provider_annual_cap FROM policy_policyyear WHERE year = {year}),
         coalesce((SELECT sum(d.amount) FROM vouchers_deduction d JOIN vouchers_order r ON r.id = d.order_id
                   WHERE r.provider_id = o.id AND d.year = {year}), 0)
  FROM accounts_organisation o WHERE o.kind = 'provider';
"""


def fix_sequences_sql(tables: list[str]) -> str:
    return "\n".join(
        f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT max(id) FROM {t}), 1));" for t in tables)


def fund_batch_sql(*, year: int, total: str, slots: int, face: str = "1000.00", batch_id: int = BASE,
                   type_id: int = BASE) -> str:
    return f"""
INSERT INTO vouchers_fund (year, total, deducted, exhausted_at, created_at) VALUES ({year}, {total}, 0, NULL, now())
  ON CONFLICT (year) DO UPDATE SET total = EXCLUDED.total;
INSERT INTO vouchers_issuancebatch (id, year, title, opens_at, closes_at, valid_until, state, created_at, opened_at)
  VALUES ({batch_id}, {year}, '{year} 年压测批次', now() - interval '1 hour', now() + interval '1 day',
          '{year}-12-31', 'open', now(), now());
INSERT INTO vouchers_vouchertype (id, category, face_value, count, remaining, batch_id)
  VALUES ({type_id}, '{CATEGORY}', {face}, {slots}, {slots}, {batch_id});
"""


def claim_entries_sql(*, year: int, amount: str) -> str:
    """One claim ledger entry per voucher (as the claim service writes), so the ledger balances."""
    return f"""
INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
    reference, memo, actor_id, business_time, recorded_at)
  SELECT 'claim', {year}, {amount}, v.organisation_id, (SELECT id FROM vouchers_fund WHERE year = {year}), v.id, NULL,
         NULL, '', '压测批次 领券', v.claimed_by_id, now(), now()
  FROM vouchers_voucher v;
"""
