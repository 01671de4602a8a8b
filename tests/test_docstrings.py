"""Every public name of the package has a docstring of its own.

``inspect.getdoc`` inherits: a class without a docstring shows its base
class's, so a check built on it cannot fail for a subclass. The check below
reads ``__doc__`` from the class's own ``__dict__``. A method or property
defined in a class needs its own docstring, unless it overrides a base-class
member that has one (``forward`` of a layer means what ``Module.forward``
says).
"""

import importlib
import inspect
import pkgutil
import types

import tinygrad_nn


def public_modules():
    names = ["tinygrad_nn"] + [info.name for info in pkgutil.walk_packages(tinygrad_nn.__path__, "tinygrad_nn.")]
    return [importlib.import_module(name) for name in names if not any(part.startswith("_") for part in
                                                                       name.split(".")[1:])]


def has_text(doc):
    return isinstance(doc, str) and bool(doc.strip())


def own_class_doc(cls):
    return has_text(cls.__dict__.get("__doc__"))


def member_doc(value):
    """The docstring of a class attribute as written, through staticmethod/classmethod/property."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    return getattr(value, "__doc__", None)


def is_member(value):
    return isinstance(value, (staticmethod, classmethod, property)) or inspect.isfunction(value)


def undocumented_members(cls):
    """Public methods and properties defined in ``cls`` with no docstring of their own or of what they override."""
    missing = []
    for attr, value in vars(cls).items():
        if attr.startswith("_") or not is_member(value) or has_text(member_doc(value)):
            continue
        overridden = [base.__dict__[attr] for base in cls.__mro__[1:] if attr in base.__dict__]
        if not (overridden and has_text(member_doc(overridden[0]))):
            missing.append(f"{cls.__qualname__}.{attr}")
    return missing


def undocumented(module):
    missing = [] if has_text(module.__doc__) else [f"{module.__name__} (the module)"]
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or not (inspect.isclass(obj) or inspect.isroutine(obj)):
            continue
        if getattr(obj, "__module__", module.__name__) != module.__name__:
            continue  # a re-export: checked in the module that defines it
        if inspect.isclass(obj):
            if not own_class_doc(obj):
                missing.append(f"{module.__name__}.{name}")
            missing += [f"{module.__name__}.{member}" for member in undocumented_members(obj)]
        elif not has_text(obj.__doc__):
            missing.append(f"{module.__name__}.{name}")
    return missing


def test_every_public_module_class_function_and_method_has_a_docstring():
    missing = [entry for module in public_modules() for entry in undocumented(module)]
    assert not missing, f"no docstring: {missing}"


def test_the_check_sees_a_subclass_without_its_own_docstring():
    class Base:
        """Documented."""

        def method(self):
            """Documented."""

    class Quiet(Base):
        def method(self):  # overrides a documented method: fine
            pass

        def new_method(self):
            pass

    assert inspect.getdoc(Quiet) == "Documented."   # why inspect.getdoc cannot be the test
    assert not own_class_doc(Quiet) and own_class_doc(Base)
    assert undocumented_members(Quiet) == [f"{Quiet.__qualname__}.new_method"]
