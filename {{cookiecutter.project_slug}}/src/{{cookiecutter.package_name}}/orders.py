"""The sample resource: orders kept in memory, one store per app."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OrderIn(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=1000)


class Order(OrderIn):
    id: int
    created_by: str


class OrderStore:
    def __init__(self) -> None:
        self._orders: dict[int, Order] = {}

    def all(self) -> list[Order]:
        return list(self._orders.values())

    def get(self, order_id: int) -> Order | None:
        return self._orders.get(order_id)

    def add(self, order: OrderIn, created_by: str) -> Order:
        created = Order(id=len(self._orders) + 1, created_by=created_by, **order.model_dump())
        self._orders[created.id] = created
        return created
