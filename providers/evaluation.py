"""The annual evaluation of an admitted provider (第十六条) and its grading rule.

第十六条 names the inputs — enterprises' satisfaction ratings, the service-benefit evaluation, third-party audits —
and leaves the combination to the service center ("综合确定"). (our reading) The rule below is what a bureau
writes down in its 绩效评价细则: a weighted score out of 100 in the four-grade form of government performance
evaluations (优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60, 不合格 < 60, as in 财预〔2020〕10号 项目支出绩效评价), and the
findings 第十七条 itself names as grounds for removal fail the year whatever the score:
  - a dissatisfaction rate at the year's removal threshold (第十七条五, the year's `dissatisfaction_threshold`
    and `dissatisfaction_min_ratings`);
  - a service-benefit evaluation below the pass mark (第十七条五 "服务效益评价不合格");
  - a third-party audit finding redemptions inconsistent with the audit (第十七条四).
A failing grade opens the 第十七条 removal procedure (proposal → bureau confirmation → announcement)."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Weights of the components, in percent of the combined score (they add up to 100).
EVALUATION_WEIGHTS = {"satisfaction": 40, "benefit": 30, "spot_checks": 20, "complaints": 10}
EVALUATION_PASS_MARK = Decimal("60")
EVALUATION_GRADES = ((Decimal("90"), "excellent"), (Decimal("75"), "good"), (EVALUATION_PASS_MARK, "pass"))
# Each complaint upheld in the year takes this many points off the complaints component (100 → 0 at four).
POINTS_PER_UPHELD_COMPLAINT = 25

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class EvaluationFigures:
    rated: int                   # satisfaction ratings in the year
    satisfied: int               # satisfied + basically satisfied
    dissatisfied: int
    benefit_score: Decimal       # service-benefit evaluation, 0–100, entered by staff
    spot_checks: int             # spot checks of the provider's orders in the year
    spot_checks_passed: int
    complaints_upheld: int
    audit_serious: bool          # the third-party audit found redemptions inconsistent with the audit


@dataclass(frozen=True)
class EvaluationResult:
    components: dict             # component → points 0–100 before weighting
    score: Decimal               # combined, 0–100, two places
    grade: str                   # excellent / good / pass / fail
    vetoes: list                 # the findings that fail the year whatever the score (Chinese)


def _rate(part: int, whole: int) -> Decimal:
    return (HUNDRED * part / whole).quantize(CENT, ROUND_HALF_UP)


def grade(figures: EvaluationFigures, *, dissatisfaction_threshold: Decimal, min_ratings: int) -> EvaluationResult:
    """The combined score and grade. Without ratings the satisfaction component takes the benefit score (no
    enterprise judged the year); without spot checks that component is full (nothing adverse found)."""
    satisfaction = _rate(figures.satisfied, figures.rated) if figures.rated else figures.benefit_score
    spot = _rate(figures.spot_checks_passed, figures.spot_checks) if figures.spot_checks else HUNDRED
    complaints = Decimal(max(0, 100 - POINTS_PER_UPHELD_COMPLAINT * figures.complaints_upheld))
    components = {"satisfaction": satisfaction, "benefit": figures.benefit_score, "spot_checks": spot,
                  "complaints": complaints}
    score = (sum(components[k] * EVALUATION_WEIGHTS[k] for k in EVALUATION_WEIGHTS) / HUNDRED).quantize(
        CENT, ROUND_HALF_UP)
    vetoes = []
    if figures.rated >= min_ratings and figures.rated \
            and Decimal(figures.dissatisfied) / figures.rated >= dissatisfaction_threshold:
        vetoes.append(f"年度不满意率 {_rate(figures.dissatisfied, figures.rated)}% 达到 "
                      f"{dissatisfaction_threshold:.0%} 的清退阈值（第十七条第五项）")
    if figures.benefit_score < EVALUATION_PASS_MARK:
        vetoes.append(f"服务效益评价 {figures.benefit_score:.2f} 分，低于 {EVALUATION_PASS_MARK} 分合格线（第十七条第五项）")
    if figures.audit_serious:
        vetoes.append("第三方审计核查发现兑付内容与审计不符（第十七条第四项）")
    return EvaluationResult(components, score, "fail" if vetoes else grade_for_score(score), vetoes)


def grade_for_score(score: Decimal) -> str:
    return next((label for mark, label in EVALUATION_GRADES if score >= mark), "fail")


def rule_text() -> str:
    """The rule as published with the results."""
    weights = "、".join(f"{label} {EVALUATION_WEIGHTS[k]}%" for k, label in (
        ("satisfaction", "企业满意度"), ("benefit", "服务效益评价"), ("spot_checks", "抽查合格率"),
        ("complaints", "投诉情况")))
    return (f"综合得分 = {weights}（满分 100）。满意度按“满意”“基本满意”占评价数的比例计，无评价的按服务效益评价得分计；"
            f"抽查合格率无抽查的按满分计；投诉情况每经核实成立 1 件扣 {POINTS_PER_UPHELD_COMPLAINT} 分。"
            f"90 分及以上为优秀，75 分及以上为良好，{EVALUATION_PASS_MARK} 分及以上为合格，低于 {EVALUATION_PASS_MARK} 分为不合格；"
            "年度不满意率达到清退阈值、服务效益评价低于合格线或第三方审计发现兑付内容与审计不符的，直接评为不合格。"
            "评价不合格的，按第十七条启动清退程序。")
