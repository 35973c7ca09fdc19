"""The live server's in-flight counter that browser tests wait on before the database is flushed."""

import threading
import time

from chaindesk.browser_tests.conftest import InFlight


def _app(environ, start_response):  # noqa: ANN001, ANN202
    start_response("200 OK", [("Content-Type", "text/plain")])
    return iter([b"a", b"b"])


def test_counts_until_the_response_is_closed() -> None:
    in_flight = InFlight(_app)
    body = in_flight({}, lambda *a: None)
    assert in_flight.count == 1
    assert list(body) == [b"a", b"b"]
    assert not in_flight.wait(timeout=0.01)  # read but not yet closed by the server
    body.close()
    assert in_flight.count == 0
    assert in_flight.wait(timeout=0.01)


def test_an_app_that_raises_is_not_left_counted() -> None:
    def broken(environ, start_response):  # noqa: ANN001, ANN202
        raise RuntimeError("boom")

    in_flight = InFlight(broken)
    try:
        in_flight({}, lambda *a: None)
    except RuntimeError:
        pass
    assert in_flight.count == 0


def test_wait_returns_when_another_thread_closes() -> None:
    in_flight = InFlight(_app)
    body = in_flight({}, lambda *a: None)

    def close_later() -> None:
        time.sleep(0.05)
        body.close()

    closer = threading.Thread(target=close_later)
    closer.start()
    assert in_flight.wait(timeout=5)
    closer.join()
