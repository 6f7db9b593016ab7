"""The complaint categories a fresh installation starts with; a 主管 keeps them afterwards
(投诉分类: add, rename, switch off, and note the 改进措施 for each)."""

DEFAULT_CATEGORIES = {
    "物流延误": ["未按期送达", "物流信息长时间不更新", "送货人员问题"],
    "商品质量": ["破损", "功能故障", "与描述不符"],
    "错发漏发": ["错发", "漏发/少件"],
    "服务态度": ["客服", "销售", "送货/安装人员"],
    "价格/账单": ["价格争议", "发票问题", "多收/重复收款"],
    "售后处理": ["退换货慢", "维修不满意"],
    "其他": [],
}


def ensure_default_categories(category_model=None) -> None:
    """Create the missing default categories; renamed or switched-off ones are left alone."""
    if category_model is None:
        # Data migrations pass their historical model; only then is the live one not needed.
        from .models import ComplaintCategory as category_model
    for position, (name, children) in enumerate(DEFAULT_CATEGORIES.items(), start=1):
        parent, _ = category_model.objects.get_or_create(parent=None, name=name, defaults={"position": position * 10})
        for child_position, child in enumerate(children, start=1):
            category_model.objects.get_or_create(parent=parent, name=child, defaults={"position": child_position * 10})
