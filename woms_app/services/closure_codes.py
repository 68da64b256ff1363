"""The closure taxonomy: problem → cause → remedy (table ``closure_codes``, seeded by migration a16c0e5d1b01 with
solar failure modes). Global reference data: every signed-in viewer reads it; only migrations change it.

A DONE work order names a cause (required) of a problem, and optionally a remedy of the same problem; the problem
may be left out and is then the cause's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from woms_app.core.errors import ValidationFailed
from woms_app.models.enums import ClosureLevel
from woms_app.models.work_order import ClosureCode
from woms_app.services.viewer import Viewer


@dataclass
class CodeOption:
    code: str
    label: str


@dataclass
class ProblemOption:
    code: str
    label: str
    causes: list[CodeOption] = field(default_factory=list)
    remedies: list[CodeOption] = field(default_factory=list)


def closure_tree(session: Session, viewer: Viewer) -> list[ProblemOption]:
    """Every problem with its causes and remedies, in the taxonomy's order (not audited: reference data)."""
    rows = session.exec(select(ClosureCode).order_by(ClosureCode.sort, ClosureCode.code)).all()
    problems = {r.code: ProblemOption(r.code, r.label) for r in rows if r.level == ClosureLevel.PROBLEM}
    for r in rows:
        parent = problems.get(r.parent_code or "")
        if parent is None:
            continue
        (parent.causes if r.level == ClosureLevel.CAUSE else parent.remedies).append(CodeOption(r.code, r.label))
    return list(problems.values())


@dataclass(frozen=True)
class Closure:
    problem_code: str
    cause_code: str
    remedy_code: str | None
    text: str  # "Inverter trip / Over-temperature → Reset": for the history


def validate_closure(session: Session, problem_code: str | None, cause_code: str | None,
                     remedy_code: str | None) -> Closure:
    """The codes of a closure, checked: the cause is required and must belong to the problem (the problem is the
    cause's when not given); a remedy, if given, belongs to the same problem."""
    def load(code: str | None, level: ClosureLevel, what: str) -> ClosureCode | None:
        code = (code or "").strip()
        if not code:
            return None
        row = session.get(ClosureCode, code)
        if row is None or ClosureLevel(row.level) != level:
            raise ValidationFailed(f"Unknown {what} code {code!r}", field=f"{what}_code")
        return row

    cause = load(cause_code, ClosureLevel.CAUSE, "cause")
    if cause is None:
        raise ValidationFailed("A cause code is required to close the work order as done", field="cause_code")
    problem = load(problem_code, ClosureLevel.PROBLEM, "problem") or session.get(ClosureCode, cause.parent_code)
    if problem is None or cause.parent_code != problem.code:
        raise ValidationFailed(f"Cause {cause.label!r} is not a cause of problem {problem.label if problem else '?'!r}",
                               field="cause_code")
    remedy = load(remedy_code, ClosureLevel.REMEDY, "remedy")
    if remedy is not None and remedy.parent_code != problem.code:
        raise ValidationFailed(f"Remedy {remedy.label!r} is not a remedy of problem {problem.label!r}",
                               field="remedy_code")
    text = f"{problem.label} / {cause.label}" + (f" → {remedy.label}" if remedy else "")
    return Closure(problem.code, cause.code, remedy.code if remedy else None, text)


def labels(session: Session, codes: set[str | None]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {c: lbl for c, lbl in session.exec(select(ClosureCode.code, ClosureCode.label)
                                               .where(ClosureCode.code.in_(wanted))).all()}
