"""The order page's conversation: send a message with files, and open an attachment (R6, R11,
R16, R17). The same services as the API (R28)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError
from rescind.messaging.download import attachment_response
from rescind.messaging.reads import attachment_for_reader
from rescind.messaging.services import message_send
from rescind.web.acting import service_run
from rescind.web.views import amount_minor


@login_required
@require_POST
def message_post(request: HttpRequest, order_id: int) -> HttpResponse:
    new_total = request.POST.get("new_total", "").strip()
    service_run(request, lambda: message_send(
        order_id=order_id, user=request.user, body=request.POST.get("body", ""),
        attachments=request.FILES.getlist("files"),
        new_total=amount_minor(new_total, order_id) if new_total else None, now=clock_now()),
        done=_("Message sent."))
    return redirect(reverse("order", kwargs={"order_id": order_id}) + "#messages")


@login_required
@require_GET
def message_attachment(request: HttpRequest, order_id: int, message_id: int,
                       attachment_id: int) -> HttpResponse:
    try:
        return attachment_response(attachment_for_reader(
            request.user, order_id=order_id, message_id=message_id,
            attachment_id=attachment_id))
    except DomainError as exc:
        raise Http404(exc.message) from None
