"""`shop` suite: a small shop with stock, orders, cancellations and refunds to store credit.

State: `{"products": {sku: {"name", "price", "stock"}}, "orders": [{"id", "customer",
"sku", "quantity", "total", "status"}], "credit": {customer: amount}}`. An order is `placed`
(may be cancelled: the stock comes back) or `shipped` (may be refunded: the total goes to
the customer's store credit); both end states are final. Compared keys: each product's
stock, each order's status, each customer's credit; partial credit is the share of changed
keys that end as expected (judge.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from agent_rl.envs.function_call.services.base import Service, ServiceError


class Shop(Service):
    """Products, orders, cancellations and refunds."""

    suite: ClassVar[str] = "shop"
    tool_names: ClassVar[tuple[str, ...]] = (
        "search_products",
        "list_orders",
        "get_order",
        "place_order",
        "cancel_order",
        "refund_order",
        "get_credit",
    )
    mutating: ClassVar[frozenset[str]] = frozenset({"place_order", "cancel_order", "refund_order"})

    def _load(self, state: dict[str, Any]) -> None:
        self.products: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in state.get("products", {}).items()
        }
        self.orders: list[dict[str, Any]] = [dict(o) for o in state.get("orders", [])]
        self.credit: dict[str, float] = {
            k: round(float(v), 2) for k, v in state.get("credit", {}).items()
        }

    def state(self) -> dict[str, Any]:
        return {"products": self.products, "orders": self.orders, "credit": self.credit}

    def comparable_state(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"stock:{k}": v["stock"] for k, v in self.products.items()}
        out.update({f"order:{o['id']}": o["status"] for o in self.orders})
        out.update({f"credit:{k}": v for k, v in self.credit.items() if v})
        return out

    def _order(self, order_id: int) -> dict[str, Any]:
        for order in self.orders:
            if order["id"] == order_id:
                return order
        raise ServiceError(f"no order #{order_id}")

    def search_products(self, query: str) -> list[dict[str, Any]]:
        """Products whose name contains the query (case-insensitive).

        Args:
            query: words of the product name.
        """
        q = query.casefold().strip()
        return [
            {"sku": k, **v} for k, v in sorted(self.products.items()) if q in v["name"].casefold()
        ]

    def list_orders(self, customer: str) -> list[dict[str, Any]]:
        """A customer's orders, oldest first.

        Args:
            customer: the customer's name.
        """
        return [o for o in self.orders if o["customer"] == customer]

    def get_order(self, order_id: int) -> dict[str, Any]:
        """One order.

        Args:
            order_id: the order number.
        """
        return dict(self._order(order_id))

    def place_order(self, customer: str, sku: str, quantity: int) -> dict[str, Any]:
        """Order a product; refused when there is not enough stock.

        Args:
            customer: who orders.
            sku: the product's SKU (from search_products).
            quantity: how many, at least 1.
        """
        product = self.products.get(sku)
        if product is None:
            raise ServiceError(f"no product with SKU {sku!r}")
        if quantity < 1:
            raise ServiceError("quantity must be at least 1")
        if product["stock"] < quantity:
            raise ServiceError(f"only {product['stock']} of {product['name']!r} in stock")
        product["stock"] -= quantity
        order = {
            "id": max([o["id"] for o in self.orders], default=100) + 1,
            "customer": customer,
            "sku": sku,
            "quantity": quantity,
            "total": round(product["price"] * quantity, 2),
            "status": "placed",
        }
        self.orders.append(order)
        self.log("place_order", customer=customer, sku=sku, quantity=quantity)
        return dict(order)

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        """Cancel an order that has not shipped; its stock comes back.

        Args:
            order_id: the order number.
        """
        order = self._order(order_id)
        if order["status"] != "placed":
            raise ServiceError(
                f"order #{order_id} is {order['status']}; only placed orders can be cancelled"
            )
        order["status"] = "cancelled"
        self.products[order["sku"]]["stock"] += order["quantity"]
        self.log("cancel_order", order_id=order_id)
        return dict(order)

    def refund_order(self, order_id: int) -> dict[str, Any]:
        """Refund a shipped order to the customer's store credit.

        Args:
            order_id: the order number.
        """
        order = self._order(order_id)
        if order["status"] != "shipped":
            raise ServiceError(
                f"order #{order_id} is {order['status']}; only shipped orders can be refunded"
            )
        order["status"] = "refunded"
        who = order["customer"]
        self.credit[who] = round(self.credit.get(who, 0.0) + order["total"], 2)
        self.log("refund_order", order_id=order_id)
        return dict(order)

    def get_credit(self, customer: str) -> float:
        """A customer's store credit.

        Args:
            customer: the customer's name.
        """
        return self.credit.get(customer, 0.0)
