"""A small in-memory sample resource: reading and writing need different permissions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from ...identity.principal import Principal
from ..deps import require_permissions

router = APIRouter(prefix="/v1/orders", tags=["orders"])

CanRead = Annotated[Principal, require_permissions("orders:read")]
CanWrite = Annotated[Principal, require_permissions("orders:write")]


class OrderIn(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=1000)


class Order(OrderIn):
    id: int
    created_by: str


@router.get("", summary="List orders")
async def list_orders(request: Request, principal: CanRead) -> list[Order]:
    return list(request.app.state.orders.values())


@router.get("/{order_id}", summary="Read one order")
async def read_order(order_id: int, request: Request, principal: CanRead) -> Order:
    order = request.app.state.orders.get(order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="No such order.")
    return order


@router.post("", status_code=201, summary="Create an order")
async def create_order(order: OrderIn, request: Request, principal: CanWrite) -> Order:
    orders = request.app.state.orders
    created = Order(id=len(orders) + 1, created_by=principal.subject, **order.model_dump())
    orders[created.id] = created
    return created
