"""Ids in REST paths go through the one id parser (core.ids): anything but 1..MAX_ID in ASCII digits answers
404 "<what> not found", like an id that names no row (never a 422 or a 500 that tells the two apart)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator

from woms_app.core.ids import MAX_ID, require_id


def path_id(what: str):
    """The type of a path parameter naming a row: ``plant_id: path_id("Plant")``."""

    def check(value):
        # NotFound is not a ValueError: pydantic lets it through, and the app's WomsError handler answers 404
        return require_id(value, what)

    return Annotated[int, BeforeValidator(check),
                     Path(description=f"the {what.lower()}'s id (1..{MAX_ID}); anything else answers 404",
                          json_schema_extra={"minimum": 1, "maximum": MAX_ID})]


PlantId = path_id("Plant")
VendorId = path_id("Vendor")
AlertId = path_id("Alert")
WorkOrderId = path_id("Work order")
# issue 16: checklists and attachments
ChecklistTemplateId = path_id("Checklist template")
ChecklistId = path_id("Checklist")
ChecklistItemId = path_id("Checklist item")
AttachmentId = path_id("Attachment")
WebhookId = path_id("Webhook")
