"""state/work_order_form.py: the form's own checks before it calls the service."""
from __future__ import annotations

from types import SimpleNamespace

from woms_app.services import work_orders as svc
from woms_app.state.work_order_form import PRIORITY_FORM_CHOICES, WorkOrderFormState


def _validate(**fields) -> dict[str, str]:
    form = SimpleNamespace(**{"title": "Clean the modules", "description": "", "selected": [{"id": "1"}], **fields})
    return WorkOrderFormState._validate(form)


def test_a_complete_form_has_no_errors():
    assert _validate() == {}


def test_title_length_counts_collapsed_blanks():
    assert "title" in _validate(title="  a    ")  # one character once blanks collapse
    assert "title" not in _validate(title="  a   b ")  # "a b": three
    assert "title" in _validate(title="x" * (svc.TITLE_MAX + 1))
    assert "title" not in _validate(title="x" * svc.TITLE_MAX + "     ")


def test_description_and_plants():
    assert "description" in _validate(description="x" * (svc.DESCRIPTION_MAX + 1))
    assert _validate(selected=[]) == {"plant_ids": "Pick at least one plant"}


def test_busy_selected_warns_for_plants_on_another_active_work_order():
    form = SimpleNamespace(selected=[{"name": "North", "busy": "On active #4 'Inverter'"},
                                     {"name": "South", "busy": ""}])
    assert WorkOrderFormState.busy_selected.fget(form) == "North: On active #4 'Inverter'"


def test_priority_choices_are_the_enum():
    assert [c["value"] for c in PRIORITY_FORM_CHOICES] == ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
