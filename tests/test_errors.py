import importlib
import inspect
import pickle
import pkgutil
import threading

import pytest

import engine
from engine.errors import Cancelled, CancelToken, LumiereError
from engine.jobs import JobError
from engine.media.open_file import MediaFileError


def test_lumiere_error_names_its_field():
    err = LumiereError("strength must be in [0, 1]", field="strength")
    assert err.field == "strength"
    assert str(err) == "strength must be in [0, 1]"
    assert LumiereError("no field").field is None


def test_cancelled_is_not_an_error():
    assert not issubclass(Cancelled, LumiereError)


def test_cancel_token_raises_only_after_cancel_from_another_thread():
    token = CancelToken()
    token.raise_if_cancelled()
    assert not token.cancelled
    worker = threading.Thread(target=token.cancel)
    worker.start()
    worker.join()
    assert token.cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()


def _engine_exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            # private classes are control flow caught inside their module, never raised out
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.append(obj)
    return found


def test_every_engine_exception_is_a_lumiere_error_or_the_one_cancelled():
    classes = _engine_exception_classes()
    assert len(classes) >= 25  # the walk found the engine's modules
    strays = [
        c.__qualname__ for c in classes if c is not Cancelled and not issubclass(c, LumiereError)
    ]
    assert strays == []
    assert [c for c in classes if "Cancel" in c.__name__ or "Abort" in c.__name__] == [Cancelled]


def test_errors_keep_their_old_base_for_existing_handlers():
    assert issubclass(JobError, ValueError) and issubclass(MediaFileError, OSError)
    with pytest.raises(ValueError):
        raise JobError("frames must be at least 1", field="frames")


def test_field_survives_pickling_to_a_worker_process():
    err = pickle.loads(pickle.dumps(JobError("steps must be at least 1", field="steps")))
    assert type(err) is JobError and err.field == "steps" and str(err) == "steps must be at least 1"


def test_cancel_token_is_set_follows_cancel():
    token = CancelToken()
    poll = token.is_set  # what engine calls take as `cancel`
    assert not poll()
    token.cancel()
    assert poll() and token.cancelled
