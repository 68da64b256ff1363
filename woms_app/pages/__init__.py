"""Pages: one module per screen. ``load_all()`` imports every module here, which registers
its ``@rx.page`` functions; a new page needs no edit anywhere else."""
import importlib
import pkgutil


def load_all() -> None:
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
