"""A picture for each product, drawn from its name (and the colour chosen, if any) without any
network: the demo's catalogue has no photos, and a list of orders reads better with one."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from rescind.orders.models import Product

# Colour options the demo's products offer, as fill colours; any other comes from the name.
COLOURS = {"black": "#2b2b2b", "white": "#e9e6df", "red": "#c0392b", "blue": "#2e6db4",
           "navy": "#24345c", "clear": "#9fb8c8", "brass": "#b08d3c"}
_DARK_TEXT = {"white", "clear"}


def product_svg(name: str, colour: str = "") -> str:
    """A square with the product's initials on a colour of its own (or the chosen one)."""
    fill = COLOURS.get(colour)
    if fill is None:
        hue = int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) % 360
        fill = f"hsl({hue}, 45%, 42%)"
    ink = "#1d1d1d" if colour in _DARK_TEXT else "#ffffff"
    initials = "".join(word[0] for word in name.split()[:2]).upper() or "?"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">'
        f'<rect width="96" height="96" rx="12" fill="{fill}"/>'
        '<circle cx="76" cy="20" r="26" fill="#ffffff" fill-opacity="0.12"/>'
        f'<text x="48" y="60" font-family="sans-serif" font-size="34" font-weight="600" '
        f'text-anchor="middle" fill="{ink}">{escape(initials)}</text></svg>')


@login_required
@require_GET
def product_image(request: HttpRequest, product_id: int) -> HttpResponse:
    name = Product.objects.filter(pk=product_id).values_list("name", flat=True).first()
    if name is None:
        raise Http404("No such product.")
    response = HttpResponse(product_svg(name, request.GET.get("colour", "")[:20]),
                            content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=86400"
    return response
