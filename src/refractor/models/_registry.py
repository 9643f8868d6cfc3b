"""Model registry: model name -> the module that holds its :class:`ModelSpec` (``SPEC``)."""
from __future__ import annotations

from importlib import import_module

from refractor.errors import NotFoundError
from refractor.models._spec import ModelSpec

# name -> module (relative to refractor.models) defining SPEC; imported lazily.
_MODULES: dict[str, str] = {
    "glue": "refractor.models.glue",
    "bcl2": "refractor.models.bcl2",
    "trail": "refractor.models.trail",
}


def list_models() -> list[str]:
    """Names of the registered models (``glue``, ``bcl2``, ``trail``)."""
    return list(_MODULES)


def get_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of model ``name`` (NotFoundError if unknown)."""
    try:
        module = _MODULES[name]
    except KeyError:
        raise NotFoundError(
            f"unknown model {name!r}; available: {', '.join(_MODULES)}"
        ) from None
    spec = import_module(module).SPEC
    if not isinstance(spec, ModelSpec):  # pragma: no cover - guards a broken model module
        raise TypeError(f"{module}.SPEC is not a ModelSpec")
    return spec


_MODELS: dict[str, object] = {}


def get_model(name: str):
    """A :class:`~refractor.models.Model` for ``name`` (one instance per process)."""
    from refractor.models._model import Model

    if name not in _MODELS:
        _MODELS[name] = Model(get_spec(name))
    return _MODELS[name]


__all__ = ["list_models", "get_spec", "get_model"]


def simulate(model: str, **kwargs):
    """``get_model(model).simulate(**kwargs)``; see :meth:`Model.simulate`."""
    return get_model(model).simulate(**kwargs)


def dose_response(model: str, **kwargs):
    """``get_model(model).dose_response(**kwargs)``; see :meth:`Model.dose_response`."""
    return get_model(model).dose_response(**kwargs)


__all__ += ["simulate", "dose_response"]
