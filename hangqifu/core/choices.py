"""Stable ids shared by every app (API.md "Identifiers"); Chinese labels for the UI."""
from django.db import models


class District(models.TextChoices):
    SHANGCHENG = "shangcheng", "上城区"
    GONGSHU = "gongshu", "拱墅区"
    XIHU = "xihu", "西湖区"
    BINJIANG = "binjiang", "滨江区"
    XIAOSHAN = "xiaoshan", "萧山区"
    YUHANG = "yuhang", "余杭区"
    LINPING = "linping", "临平区"
    QIANTANG = "qiantang", "钱塘区"
    FUYANG = "fuyang", "富阳区"
    LINAN = "linan", "临安区"
    TONGLU = "tonglu", "桐庐县"
    CHUNAN = "chunan", "淳安县"
    JIANDE = "jiande", "建德市"


class ServiceCategory(models.TextChoices):
    DIGITAL_EMPOWERMENT = "digital_empowerment", "数字赋能"
    MANAGEMENT_CONSULTING = "management_consulting", "管理咨询"
    FINANCING_SUPPORT = "financing_support", "融资支持"
    TECHNOLOGY_INNOVATION = "technology_innovation", "科技创新"
    INTELLECTUAL_PROPERTY = "intellectual_property", "知识产权"
    TALENT = "talent", "人才培育"
    LEGAL = "legal", "法律维权"
    INSURANCE = "insurance", "保险保障"
    FINANCE_TAX_AUDIT = "finance_tax_audit", "财税审计"
    OTHER = "other", "其他"


class Honour(models.TextChoices):
    NEW_ABOVE_SCALE = "new_above_scale", "上年度新升规工业企业"
    INNOVATIVE_SME = "innovative_sme", "创新型中小企业"
    PROVINCIAL_SRDI = "provincial_srdi", "省专精特新中小企业"
    PROVINCIAL_HIDDEN_CHAMPION = "provincial_hidden_champion", "省隐形冠军企业"
    NATIONAL_LITTLE_GIANT = "national_little_giant", "国家专精特新“小巨人”企业"
    PROVINCIAL_SRDI_PARK = "provincial_srdi_park", "省级专精特新产业园"
    HIGH_STAR_PARK = "high_star_park", "高星级小微企业园"


TIER2_HONOURS = frozenset({Honour.NEW_ABOVE_SCALE, Honour.INNOVATIVE_SME})
TIER3_HONOURS = frozenset({
    Honour.PROVINCIAL_SRDI, Honour.PROVINCIAL_HIDDEN_CHAMPION, Honour.NATIONAL_LITTLE_GIANT,
    Honour.PROVINCIAL_SRDI_PARK, Honour.HIGH_STAR_PARK,
})


class Industry(models.TextChoices):
    """Industries of the MIIT 2011 size-classification standard (工信部联企业〔2011〕300号)."""
    AGRICULTURE = "agriculture", "农、林、牧、渔业"
    INDUSTRY = "industry", "工业"
    CONSTRUCTION = "construction", "建筑业"
    WHOLESALE = "wholesale", "批发业"
    RETAIL = "retail", "零售业"
    TRANSPORT = "transport", "交通运输业"
    WAREHOUSING = "warehousing", "仓储业"
    POSTAL = "postal", "邮政业"
    ACCOMMODATION = "accommodation", "住宿业"
    CATERING = "catering", "餐饮业"
    INFORMATION_TRANSMISSION = "information_transmission", "信息传输业"
    SOFTWARE_IT = "software_it", "软件和信息技术服务业"
    REAL_ESTATE_DEVELOPMENT = "real_estate_development", "房地产开发经营"
    PROPERTY_MANAGEMENT = "property_management", "物业管理"
    LEASING_BUSINESS = "leasing_business", "租赁和商务服务业"
    OTHER = "other", "其他未列明行业"


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", "制造业"
    DIGITAL_ECONOMY = "digital_economy", "数字经济"
    OTHER = "other", "其他"
