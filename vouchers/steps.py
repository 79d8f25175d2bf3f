"""Step progress of an order (第十条)."""
from hangqifu.core.steps import workflow

ORDER = workflow(
    "vouchers.Order",
    steps=[("签约下单", []), ("服务履约", ["signed"]), ("满意度评价", ["completed"]), ("服务券抵扣", ["rated"])],
    done=["deducted"], stopped={"cancelled": "订单已取消"},
    next_actor={"signed": "服务机构（提供服务并确认完成）", "completed": "购买方（满意度评价）",
                "rated": "购买方（使用服务券抵扣）"},
)
