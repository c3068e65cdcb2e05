"""An attachment as an HTTP answer, the same for the pages and the API (R28). The caller has
checked that the reader may see the order (`attachment_for_reader`)."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from rescind.domain.attachments import IMAGE_TYPES
from rescind.domain.errors import DomainError, ErrorKind
from rescind.messaging.models import MessageAttachment


def attachment_response(attachment: MessageAttachment) -> FileResponse:
    """Images show inline; a PDF downloads. The type is the one detected at upload, and the
    browser may neither sniff another nor run anything the file contains."""
    try:
        content = attachment.file.open("rb")
    except FileNotFoundError:
        raise DomainError("attachment_not_found", _("The file of this attachment is gone."),
                          kind=ErrorKind.NOT_FOUND) from None
    response = FileResponse(content, content_type=attachment.content_type,
                            as_attachment=attachment.content_type not in IMAGE_TYPES,
                            filename=attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
