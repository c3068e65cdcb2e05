from django.conf import settings

from rescind.accounts.parties import is_support, store_ids_of
from rescind.clock.service import now as clock_now
from rescind.notifications.inbox import unread_count


def rescind_context(request):
    user = request.user
    return {
        "demo_mode": settings.DEMO_MODE,
        "clock_now": clock_now(),
        "is_seller": bool(store_ids_of(user)),
        "is_support": is_support(user),
        "unread_count": unread_count(user),
    }
