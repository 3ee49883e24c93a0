"""A small in-memory sample resource: reading and writing need different permissions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException

from ...identity.principal import Principal
from ...openapi import problem_answer
from ...orders import Order, OrderIn
from ..deps import AuthenticatedRoute, ServicesDep, require_permissions

router = APIRouter(prefix="/v1/orders", tags=["orders"], route_class=AuthenticatedRoute)

CanRead = Annotated[Principal, require_permissions("orders:read")]
CanWrite = Annotated[Principal, require_permissions("orders:write")]


@router.get("", summary="List orders")
async def list_orders(services: ServicesDep, principal: CanRead) -> list[Order]:
    return services.orders.all()


NO_SUCH_ORDER = "No such order."


@router.get(
    "/{order_id}",
    summary="Read one order",
    responses={404: problem_answer(404, "No order has this id.", NO_SUCH_ORDER)},
)
async def read_order(order_id: int, services: ServicesDep, principal: CanRead) -> Order:
    order = services.orders.get(order_id)
    if order is None:
        raise HTTPException(status_code=404, detail=NO_SUCH_ORDER)
    return order


@router.post("", status_code=201, summary="Create an order")
async def create_order(order: OrderIn, services: ServicesDep, principal: CanWrite) -> Order:
    return services.orders.add(order, created_by=principal.subject)
