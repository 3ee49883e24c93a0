"""Audit lines also go to syslog (AUDIT_SYSLOG_ADDRESS), never at a request's expense.

A real receiver on loopback takes the messages; it stops, hangs and comes back while
the app keeps answering, and nothing is lost without being counted and warned about.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from {{ cookiecutter.package_name }} import PROJECT_SLUG
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.audit_shipping import SyslogShipper, tls_context
from {{ cookiecutter.package_name }}.settings import SettingsError, load_settings

from ..support.live_app import serving
from ..support.syslog_receiver import SyslogReceiver, make_certificates, wait_until

pytestmark = pytest.mark.anyio

RFC5424 = re.compile(
    r"^<110>1 (?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (?P<host>\S+) "
    r"(?P<app>\S+) (?P<pid>\d+) audit - (?P<line>\{.*\})$"
)
SHIPPING_LOGGER = "{{ cookiecutter.package_name }}.audit_shipping"


@pytest.fixture
def receiver():
    collector = SyslogReceiver()
    collector.start()
    yield collector
    collector.stop()


@pytest.fixture
def make_shipper():
    started: list[SyslogShipper] = []

    def make(receiver: SyslogReceiver, **options) -> SyslogShipper:
        host, _, port = receiver.address.rpartition(":")
        values = {"tls": None, "queue_size": 100, "timeout": 0.2, "retry_seconds": 0.05}
        shipper = SyslogShipper(host, int(port), **(values | options))
        shipper.start()
        started.append(shipper)
        return shipper

    yield make
    for shipper in started:
        shipper.close()


def audit(shipper: SyslogShipper, number: int) -> None:
    shipper.handle(logging.makeLogRecord({"msg": json.dumps({"n": number}), "levelno": 20}))


def numbers(messages: list[str]) -> list[int]:
    return [json.loads(RFC5424.match(message)["line"])["n"] for message in messages]


def drop_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SHIPPING_LOGGER]


async def test_each_audit_line_reaches_syslog_as_an_rfc5424_message(
    make_service, receiver, audit_lines
):
    service = make_service(audit_syslog_address=receiver.address)

    async with serving(service.app) as live, live.client() as client:
        response = await client.get("/healthz", headers={"X-Request-ID": "from-a-client"})
        [message] = receiver.wait_for(1)

    parts = RFC5424.match(message)
    assert parts is not None, message
    assert parts["app"] == PROJECT_SLUG[:48]
    assert json.loads(parts["line"]) == audit_lines[-1]
    assert json.loads(parts["line"])["request_id"] == response.headers["x-request-id"]


async def test_audit_lines_go_over_tls_to_a_receiver_the_ca_file_vouches_for(
    make_service, tmp_path
):
    ca_file, signed, _ = make_certificates(tmp_path)
    receiver = SyslogReceiver(tls=signed)
    receiver.start()
    service = make_service(audit_syslog_address=receiver.address, audit_syslog_ca_file=ca_file)
    try:
        async with serving(service.app) as live, live.client() as client:
            response = await client.get("/healthz")
            [message] = receiver.wait_for(1)
    finally:
        receiver.stop()

    line = json.loads(RFC5424.match(message)["line"])
    assert line["request_id"] == response.headers["x-request-id"]


def test_lines_over_tls_share_one_connection(make_shipper, tmp_path):
    """TLS 1.3 receivers send session tickets after the handshake; data the sender
    never asked for is not taken for a closed connection."""
    ca_file, signed, _ = make_certificates(tmp_path)
    receiver = SyslogReceiver(tls=signed)
    receiver.start()
    try:
        shipper = make_shipper(receiver, tls=tls_context(ca_file))
        for number in range(5):
            audit(shipper, number)
            receiver.wait_for(number + 1)
        messages = receiver.wait_for(5)
    finally:
        receiver.stop()

    assert numbers(messages) == [0, 1, 2, 3, 4]
    assert receiver.accepted == 1


def test_a_receiver_the_ca_file_does_not_vouch_for_gets_nothing(make_shipper, tmp_path):
    ca_file, _, unsigned = make_certificates(tmp_path)
    impostor = SyslogReceiver(tls=unsigned)
    impostor.start()
    try:
        audit(make_shipper(impostor, tls=tls_context(ca_file)), 1)
        impostor.wait_for_failed_handshake()
    finally:
        impostor.stop()

    assert impostor.messages == []


def test_lines_written_while_the_receiver_is_down_arrive_in_order_once_it_is_back(
    make_shipper, receiver
):
    shipper = make_shipper(receiver)
    audit(shipper, 0)
    receiver.wait_for(1)

    receiver.stop()
    for number in range(1, 6):
        audit(shipper, number)
    receiver.resume()

    assert numbers(receiver.wait_for(6)) == [0, 1, 2, 3, 4, 5]
    assert shipper.dropped == 0


def test_a_hung_receiver_never_blocks_the_caller_and_each_drop_is_counted_and_warned(
    make_shipper, receiver, caplog
):
    caplog.set_level(logging.WARNING, logger=SHIPPING_LOGGER)
    shipper = make_shipper(receiver, queue_size=3)
    audit(shipper, 0)
    receiver.wait_for(1)

    receiver.hang()
    for number in range(1, 51):
        audit(shipper, number)  # returns at once: a blocked caller would hang this test

    kept = 50 - shipper.dropped
    assert kept in (3, 4)  # the queue, and the line the sender holds once it took one
    [warning] = drop_warnings(caplog)
    assert "being dropped" in warning and "1 dropped since start-up" in warning

    receiver.resume()
    assert numbers(receiver.wait_for(1 + kept)) == list(range(kept + 1))
    wait_until(lambda: len(drop_warnings(caplog)) == 2, "the back-again warning")
    assert f"again; {shipper.dropped} dropped" in drop_warnings(caplog)[1]


def test_lines_still_queued_at_shut_down_with_no_receiver_are_counted_as_dropped(
    make_shipper, receiver, caplog
):
    caplog.set_level(logging.WARNING, logger=SHIPPING_LOGGER)
    shipper = make_shipper(receiver)
    receiver.stop()
    for number in range(3):
        audit(shipper, number)

    shipper.close()

    assert shipper.dropped == 3
    assert "dropped" in drop_warnings(caplog)[0]


@pytest.mark.parametrize(
    "address", ["syslog.example.com", "syslog.example.com:0", "host name:514", "a:b:514"]
)
def test_syslog_address_that_is_not_host_and_port_stops_start_up(monkeypatch, address):
    monkeypatch.setenv("AUDIT_SYSLOG_ADDRESS", address)

    with pytest.raises(SettingsError, match=r"AUDIT_SYSLOG_ADDRESS: .*host:port"):
        load_settings()


def test_syslog_ca_file_that_does_not_exist_stops_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_SYSLOG_ADDRESS", "syslog.example.com:6514")
    monkeypatch.setenv("AUDIT_SYSLOG_CA_FILE", str(tmp_path / "missing.pem"))

    with pytest.raises(SettingsError, match=r"AUDIT_SYSLOG_CA_FILE: .*is not a file"):
        load_settings()


def test_syslog_ca_file_that_holds_no_certificate_stops_start_up_naming_it(make_settings, tmp_path):
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n")
    settings = make_settings(
        audit_syslog_address="syslog.example.com:6514", audit_syslog_ca_file=not_pem
    )

    with pytest.raises(SettingsError, match=rf"AUDIT_SYSLOG_CA_FILE: {not_pem}: not a readable"):
        create_app(settings)


@pytest.mark.parametrize(
    ("address", "receiver"),
    [
        ("", None),
        ("faz.example.com:514", ("faz.example.com", 514)),
        ("[2001:db8::5]:6514", ("2001:db8::5", 6514)),
    ],
)
def test_syslog_address_names_the_receiver(make_settings, address, receiver):
    assert make_settings(audit_syslog_address=address).audit_syslog_receiver == receiver
