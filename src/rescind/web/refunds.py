"""Support's retry of a refund that failed for good, from the console (R23, R28: the same
service as POST /api/v1/refunds/{id}/retry)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rescind.accounts.parties import is_support
from rescind.clock.service import now as clock_now
from rescind.refunds.recovery import refund_retry
from rescind.web.acting import service_run


@login_required
@require_POST
def support_refund_retry(request: HttpRequest, refund_id: int) -> HttpResponse:
    if not is_support(request.user):
        raise Http404("No such page.")
    service_run(request, lambda: refund_retry(refund_id=refund_id, user=request.user,
                                              now=clock_now()),
                done=_("The refund is being sent again, as a new refund on the ledger."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("support-disputes")
