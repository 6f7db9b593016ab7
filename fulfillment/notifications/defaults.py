"""The templates a fresh installation starts with (editable in the portal afterwards)."""

DEFAULT_TEMPLATES = {
    ("order_approved", "email"): (
        "您的订单 {订单号} 已受理",
        "{联系人}，您好：\n\n您于 {下单日期} 提交的订单 {订单号} 已审核通过，我们正在为您备货。\n"
        "随时查看订单进度：{查询链接}\n\n感谢您的订购！",
    ),
    ("order_approved", "sms"): ("", "您的订单{订单号}已受理，正在备货。查看进度：{查询链接}"),
    ("order_rejected", "email"): (
        "您的订单 {订单号} 需要补充信息",
        "{联系人}，您好：\n\n您的订单 {订单号} 暂未通过审核，原因：{驳回原因}\n"
        "我们的销售同事会尽快与您联系确认。\n\n订单进度：{查询链接}",
    ),
    ("order_rejected", "sms"): ("", "您的订单{订单号}暂未通过审核：{驳回原因}。销售将与您联系。{查询链接}"),
    ("order_shipped", "email"): (
        "您的订单 {订单号} 已发货",
        "{联系人}，您好：\n\n您的订单 {订单号} 已发货。\n承运商：{承运商}\n物流单号：{物流单号}\n"
        "预计送达：{预计送达}\n\n跟踪物流：{查询链接}",
    ),
    ("order_shipped", "sms"): ("", "您的订单{订单号}已发货，{承运商} {物流单号}，预计{预计送达}送达。跟踪：{查询链接}"),
    ("order_delivered", "email"): (
        "您的订单 {订单号} 已签收",
        "{联系人}，您好：\n\n您的订单 {订单号} 已签收。如有任何问题，请联系我们的客服。\n\n订单详情：{查询链接}",
    ),
    ("order_delivered", "sms"): ("", "您的订单{订单号}已签收，感谢惠顾！如有问题请联系客服。{查询链接}"),
    ("shipment_exception", "email"): (
        "您的订单 {订单号} 物流出现{异常类型}",
        "{联系人}，您好：\n\n您的订单 {订单号}（{承运商} {物流单号}）出现{异常类型}：{异常说明}\n"
        "我们正在与承运商核实，会尽快给您答复。给您带来不便，深表歉意。\n\n跟踪物流：{查询链接}",
    ),
    ("shipment_exception", "sms"): ("", "您的订单{订单号}物流{异常类型}，我们正在跟进处理，将尽快答复您。{查询链接}"),
    ("exception_resolved", "email"): (
        "您的订单 {订单号} 物流问题处理结果",
        "{联系人}，您好：\n\n关于订单 {订单号}（{承运商} {物流单号}）的{异常类型}，处理结果：{处理结果}\n\n跟踪物流：{查询链接}",
    ),
    ("exception_resolved", "sms"): ("", "您的订单{订单号}物流问题处理结果：{处理结果}。{查询链接}"),
    ("order_cancelled", "email"): (
        "您的订单 {订单号} 已取消",
        "{联系人}，您好：\n\n您的订单 {订单号} 已取消。原因：{原因}\n如已付款，退款将按规则原路退回。\n\n订单详情：{查询链接}",
    ),
    ("order_cancelled", "sms"): ("", "您的订单{订单号}已取消：{原因}。如已付款将按规则退款。{查询链接}"),
    ("after_sales_opened", "email"): (
        "您的订单 {订单号} 售后申请已受理",
        "{联系人}，您好：\n\n我们已收到订单 {订单号} 的售后申请（{原因}），将尽快为您处理。\n\n售后进度：{查询链接}",
    ),
    ("after_sales_opened", "sms"): ("", "您的订单{订单号}售后申请已受理，我们将尽快处理。进度：{查询链接}"),
    ("order_refunded", "email"): (
        "您的订单 {订单号} 已退款 {退款金额}",
        "{联系人}，您好：\n\n订单 {订单号} 已办理退款 {退款金额}。{原因}\n\n订单详情：{查询链接}",
    ),
    ("order_refunded", "sms"): ("", "您的订单{订单号}已退款{退款金额}，请注意查收。{查询链接}"),
    ("complaint_resolved", "email"): (
        "您的投诉 {投诉单号} 处理结果",
        "{联系人}，您好：\n\n您的投诉 {投诉单号} 已处理：{投诉处理}\n"
        "请告诉我们问题是否已经解决：{确认链接}\n\n感谢您的耐心，给您带来不便，深表歉意。",
    ),
    ("complaint_resolved", "sms"): ("", "您的投诉{投诉单号}已处理：{投诉处理}。请确认是否解决：{确认链接}"),
}


def ensure_default_templates(template_model=None) -> None:
    """Create the missing default templates; edited ones are left alone."""
    if template_model is None:
        # Data migrations pass their historical model; only then is the live one not needed.
        from ..models import NotificationTemplate as template_model
    for (key, channel), (subject, body) in DEFAULT_TEMPLATES.items():
        template_model.objects.get_or_create(key=key, channel=channel, defaults={"subject": subject, "body": body})
