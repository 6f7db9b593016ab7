"""多单位: which unit a clerk, an import or a scanner means, and its base quantity."""

from ordermgmt.errors import InvalidInput

from ..models import Product, ProductUnit


def resolve_unit(product: Product, typed: str) -> ProductUnit | None:
    """The product's unit named (or bar-coded) ``typed``; None for its base unit or nothing typed.

    Refused with the units the product has, so the clerk can pick one.
    """
    typed = (typed or "").strip()
    if not typed or typed == product.unit:
        return None
    units = list(product.units.all())
    for unit in units:
        if typed in (unit.name, unit.barcode):
            return unit
    known = "、".join([product.unit] + [f"{u.name}（={u.factor}{product.unit}）" for u in units])
    raise InvalidInput(f"商品 {product.sku} 没有单位“{typed}”，可选：{known}")


def product_unit_by_barcode(barcode: str) -> ProductUnit | None:
    """A scanned barcode → the unit (and so the product) it is printed on."""
    barcode = (barcode or "").strip()
    if not barcode:
        return None
    return ProductUnit.objects.select_related("product").filter(barcode=barcode).first()
