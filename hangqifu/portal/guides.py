"""办事指南: one page per service an enterprise, park or provider uses, laid out as 浙江政务服务网 lays out a
matter — 设定依据, 服务对象, 申请条件, 申请材料, 办理流程, 办理时限, 收费, 办理入口. The text restates the
policy (杭经信联中小〔2026〕34号); figures the bureau sets each year (quota tiers, ratio, working days, the
provider cap and conditions) are read from that year's policy parameters, never written here."""
from dataclasses import dataclass

from hangqifu.core.money import fmt


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    basis: str
    audience: str
    conditions: tuple[str, ...]
    materials: tuple[str, ...]
    steps: tuple[str, ...]
    time_limit: str
    start_url: str  # URL name of the page where the service starts
    start_label: str
    result: str = ""


GUIDES: tuple[Guide, ...] = (
    Guide("registration", "中小微企业、小微企业园注册认定", "第六条、第八条、第九条",
          "在杭州市依法注册登记的中小微企业；经认定且在有效期内的省级小微企业园（运营主体）",
          ("依法注册登记，连续经营 {enterprise_min_years} 年以上（含），具有独立法人资格，运营规范、诚信守法",
           "属于制造业或数字经济领域，按工信部最新划型标准为中型、小型或微型企业",
           "小微企业园须为经认定且在有效期内的省级小微企业园",
           "未列入严重失信名单、未纳入失信被执行人名单"),
          ("营业执照", "企业：上年度营业收入证明、纳税证明、社会保险参保证明",
           "企业：中小微企业划型承诺函（平台按申请内容生成，盖章后上传）", "企业信用证明材料",
           "小微企业园：小微园运营主体的证明材料（认定文件等）"),
          ("在“注册认定”填写基本信息、规模与行业、荣誉称号，上传材料并提交",
           "平台形式预审（材料有效性）", "市工信服务中心复核确认资格，核定年度服务券额度",
           "账号启用，平台发送开通通知"),
          "市工信服务中心自受理之日起 {review_working_days} 个工作日内办结（按国家法定节假日和调休安排计算）",
          "registration:my-registrations", "申请注册认定",
          "年度额度：一般 {quota_default} 元；上年度新升规工业企业、创新型中小企业 {quota_tier2} 元；省专精特新中小企业、"
          "省隐形冠军企业、国家专精特新“小巨人”企业及省级专精特新产业园、高星级小微企业园 {quota_tier3} 元"),
    Guide("rereview", "下一年度申领资格复审", "第九条第四项",
          "已取得本年度服务券资格的中小微企业、小微企业园",
          ("仍符合第六条规定的条件", "按时确认或更新申请信息"),
          ("营业执照（沿用上年材料，发生变化的重新上传）", "企业：上年度营业收入证明、纳税证明、社会保险参保证明、划型承诺函",
           "企业信用证明材料"),
          ("复审开启后，平台为每个有效资格生成下一年度复审申请草稿", "确认或更新信息，重新上传年度证明材料并提交",
           "市工信服务中心审核，通过后核定下一年度额度"),
          "市工信服务中心自受理之日起 {review_working_days} 个工作日内办结",
          "registration:my-registrations", "查看复审申请"),
    Guide("change-report", "划型调整及重大变化报告", "第九条第四项",
          "已通过注册认定的中小微企业、小微企业园",
          ("企业划型调整，或生产经营环节、生产要素发生重大变化",),
          ("变化情况说明", "相关佐证材料（如新的划型依据、变更登记文件等）"),
          ("在“变更报告”填写变化类型、发生日期和说明，上传佐证材料并提交", "市工信服务中心核查"),
          "自变化发生之日起 {change_report_working_days} 个工作日内报告；未及时报告被检查或复审发现的，"
          "可取消领券、用券资格，已领取的服务券作废",
          "registration:change-report-list", "报告变更"),
    Guide("claim", "领取服务券", "第四条、第七条、第八条、第九条第五项",
          "持有本年度有效资格的中小微企业、小微企业园",
          ("本年度资格有效（未暂停、未撤销）", "发放批次在领取时间内，所选券种尚有剩余",
           "领取后已使用额度与已领未用服务券余额之和不超过年度额度（还可领取的金额不低于券面额）",
           "未被禁止使用服务券"),
          ("无需材料",),
          ("在“领取服务券”查看开放或即将开放的批次（页面按平台时间倒计时，到点自动可领）",
           "选择服务类别和面额，点击“领取”，先到先得", "领取成功后在“我的服务券”查看余额和有效期"),
          "按批次公布的领取时间办理；服务券有效期至当年 12 月 31 日（以批次公布为准），期满未使用的作废，不结转下一年度",
          "vouchers:batch-list", "去领券",
          "服务券不得转让、买卖、质押、流通和挪作他用；年度资金用完后当年未使用的服务券作废"),
    Guide("order", "签约下单与服务券抵扣", "第八条、第十条",
          "持有有效服务券的中小微企业、小微企业园",
          ("选择入驻服务机构上架的服务产品，与服务机构签订服务合同", "服务完成并由本单位作出满意度评价后方可抵扣",
           "单笔抵扣不超过订单实际金额的 {deduction_ratio}，且不超过服务券余额、年度剩余额度和年度资金余额",
           "该订单未享受对标提升、创新券、数改券等支持（不得重复享受）", "每个订单只能抵扣一次"),
          ("双方盖章的服务合同（协议）", "盖章的《中小微企业划型及用券承诺书》或《小微企业园认定及用券承诺书》（平台生成，盖章后上传并交服务机构）"),
          ("在“服务产品目录”选择产品，签约下单并上传合同", "下载承诺书，盖章后上传",
           "服务机构提供服务并确认完成", "本单位进行满意度评价（不满意须说明原因）",
           "选择服务券、填写抵扣金额，核对后确认抵扣（抵扣后不可撤销）"),
          "服务券有效期内办理；抵扣即时完成",
          "providers:catalogue", "选择服务产品"),
    Guide("redemption", "服务券兑付申请", "第十一条、第十二条、第十三条",
          "已入驻的服务机构",
          ("订单已完成服务券抵扣", "发票金额等于订单实际金额减去服务券抵扣金额",
           "本机构年度兑付总额不超过 {provider_annual_cap} 元"),
          ("双方盖章版服务协议（合同）扫描件",
           "开具给服务对象的除服务券抵扣金额外剩余金额的增值税发票、银行收款凭证（事业单位提供政府统一的经营性收入票据）",
           "服务对象提供的盖章版划型及用券承诺书", "佐证材料：服务成果证明、服务台账、业务开展资料等", "兑付需要的其他材料"),
          ("在“兑付申请”选择已抵扣订单，填写发票信息，上传材料并提交", "市工信服务中心形式预审，核实抵用额度，提出预审意见",
           "市经信局审核", "公示无异议", "市经信局会同市财政局下达拨付文件，资金下拨各区、县（市）",
           "区、县（市）通过“亲清在线”平台拨付"),
          "年度定期分批兑付，集中兑付时间以平台公告为准（见“兑付批次安排”）；公示期 {notice_working_days} 个工作日",
          "redemption:claim-new", "申请兑付"),
    Guide("provider-admission", "服务机构入驻申请", "第十四条、第十五条",
          "拟为中小微企业提供服务券服务的专业服务机构",
          ("依法注册和登记纳税，具有独立法人资格和固定经营场所，设立时间不少于 {provider_min_years} 年",
           "申报的主要服务产品符合服务券使用范围，具有相应经营许可、服务资质",
           "经营和信用状况良好，近 3 年无严重失信行为记录，未被纳入失信被执行人名单",
           "服务对象以中小微企业为主，每个申报产品上年度服务杭州中小微企业、小微企业园成功案例不少于 {provider_min_cases} 家次，"
           "营业收入不少于 {provider_min_revenue} 元，专业服务人员（以实际缴纳社保人数为准）不低于 {provider_min_staff} 人",
           "自愿承诺接受市经信局、市财政局的监督检查"),
          ("营业执照（执业许可证）或事业单位法人登记证复印件", "从事相应服务领域的资质证明", "信用证明材料",
           "产品（项目）基本信息及上年度服务案例清单和证明材料", "上年度审计报告、纳税证明、纳税信用评级和实际社保缴纳证明",
           "服务机构入驻承诺书", "其他需要提供的资料"),
          ("在遴选批次开放期间提交入驻申请和拟上架产品", "市工信服务中心形式预审", "专家评审或第三方评审",
           "市经信局审核确认", "公示无异议后公布入驻名单，开通账号、发布产品"),
          "按遴选批次公布的时间受理；公示期 {notice_working_days} 个工作日",
          "providers:applications", "申请入驻"),
    Guide("product", "服务产品上架", "第十五条",
          "已入驻的服务机构",
          ("产品为标准化产品，服务内容、服务价格明确", "定价一般以同款产品上年度服务合同金额平均值为依据",
           "具备完整的知识产权、销售体系及售后服务", "产品的服务类别须在本机构入驻的服务类别内"),
          ("产品说明（服务内容、交付成果、服务周期）", "定价依据（上年度同款产品合同清单及金额）"),
          ("入驻时申报的产品：上传定价依据并提交审核，市工信服务中心审核通过后上架",
           "入驻后新增的产品：提交后参加当期或下一期遴选批次，经形式预审、专家或第三方评审、市经信局确认并公示无异议后上架",
           "下架后重新上架须再次审核"),
          "入驻时申报的产品由市工信服务中心审核；新增产品随遴选批次评审，公示期 {notice_working_days} 个工作日",
          "providers:my-products", "管理服务产品"),
    Guide("complaint", "投诉举报与公示异议", "第十八条、第十九条、第二十条",
          "企业、服务机构和社会各界",
          ("对服务券发放、使用、兑付中的违规行为，可随时投诉举报", "对公示内容有异议的，在公示期内提出"),
          ("投诉事项说明", "相关证据材料（可选）"),
          ("在“投诉举报”填写并提交，获得查询编号", "市工信服务中心受理、调查", "办结后答复投诉人；查实的依规处理"),
          "自受理之日起 {complaint_working_days} 个工作日内办结；公示异议须在 {notice_working_days} 个工作日的公示期内提出",
          "audit:complaint-new", "投诉举报",
          "以虚报、冒领等手段骗取财政资金的，追回资金，{sanction_ban_years} 年内禁止使用服务券"),
)

_BY_SLUG = {guide.slug: guide for guide in GUIDES}


def guide_get(slug: str) -> Guide | None:
    return _BY_SLUG.get(slug)


def guide_parameters(policy) -> dict:
    """The figures a guide quotes, from the year's policy parameters (the bureau edits them in the admin)."""
    if policy is None:
        return {}
    return {
        "quota_default": fmt(policy.quota_default), "quota_tier2": fmt(policy.quota_tier2),
        "quota_tier3": fmt(policy.quota_tier3), "deduction_ratio": f"{policy.deduction_ratio:.0%}",
        "provider_annual_cap": fmt(policy.provider_annual_cap),
        "change_report_working_days": policy.change_report_working_days,
        "notice_working_days": policy.notice_working_days, "review_working_days": policy.review_working_days,
        "complaint_working_days": policy.complaint_working_days, "provider_min_years": policy.provider_min_years,
        "provider_min_cases": policy.provider_min_cases, "provider_min_revenue": fmt(policy.provider_min_revenue),
        "provider_min_staff": policy.provider_min_staff, "enterprise_min_years": policy.enterprise_min_years,
        "sanction_ban_years": policy.sanction_ban_years,
    }


def render_text(text: str, parameters: dict) -> str:
    try:
        return text.format(**parameters)
    except (KeyError, IndexError):
        return text.format_map({key: "（以当年政策参数为准）" for key in _fields(text)} | parameters)


def _fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]
