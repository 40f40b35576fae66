import threading

import pytest

from engine.errors import Cancelled, CancelToken, LumiereError


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
