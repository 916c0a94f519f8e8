"""A local fake of the Salesforce and Gainsight APIs, for tests and benchmarks.

It speaks, over HTTPS on 127.0.0.1 (simple-salesforce builds `https://` URLs),
the parts of the protocols our clients use:

* Salesforce SOAP login (`POST /services/Soap/u/<v>`: sessionId + serverUrl),
  and Bulk API 2.0 ingest: create job, `PUT .../batches` (CSV), `PATCH` state
  UploadComplete, `GET` job state, `successfulResults` / `failedResults` /
  `unprocessedrecords`; upserts match on the job's `externalIdFieldName`, an empty
  cell leaves a field unchanged and `#N/A` sets it to null, like Salesforce.
* Gainsight Custom Object upsert (`PUT /v1/data/objects/<object>?keys=<field>`,
  header `Accesskey`, body `{"records": [...]}`, at most 50) and delete by
  condition (`DELETE /v1/data/objects/<object>`, body `{"conditions": [{"name",
  "value": [...], "operator": "IN"}]}`, at most 50 keys).

It keeps every record it accepted (one per key: an upsert), every raw request
body (so tests can look for personal data in what left the warehouse), and
accepts injected faults (status codes with `Retry-After`, or a timeout: the
request is held past the client's timeout and dropped unprocessed) and
per-key rejections.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import ipaddress
import json
import re
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

SF_USERNAME = "integration@example.invalid"
SF_PASSWORD = "password"
SF_TOKEN = "token"
GS_ACCESS_KEY = "test-access-key"


@dataclass
class Fault:
    method: str
    path: str  # regular expression matched against the URL path
    status: int | None = None  # None: a timeout
    retry_after: str | None = None
    times: int = 1


@dataclass
class Job:
    id: str
    object: str
    external_id: str
    state: str = "Open"
    data: str = ""
    successful: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    unprocessed: list[dict] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it via REQUESTS_CA_BUNDLE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "fake_api.pem", folder / "fake_api.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )
    return cert_path, key_path


class FakeApiServer:
    def __init__(self, cert_dir: Path, timeout_hold_seconds: float = 1.0):
        self.cert_path, key_path = make_certificate(cert_dir)
        self.timeout_hold_seconds = timeout_hold_seconds
        self.lock = threading.Lock()
        self.session_id = "00D000000000001!" + uuid.uuid4().hex
        self.sf_records: dict[str, dict[str, dict]] = {}
        self.gs_records: dict[str, dict[str, dict]] = {}
        self.jobs: dict[str, Job] = {}
        self.faults: list[Fault] = []
        self.sf_reject: dict[str, str] = {}
        self.sf_unprocessed: set[str] = set()
        self.gs_reject: dict[str, str] = {}
        self.gs_delete_reject: dict[str, str] = {}
        self.bodies: list[bytes] = []
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.accepted: list[tuple[str, str]] = []  # (system, key) per accepted record write
        self.deleted: list[tuple[str, str]] = []  # (system, key) per accepted delete
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self.server = server
        self.port = server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeApiServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- test controls
    def reset(self) -> None:
        with self.lock:
            self.sf_records.clear()
            self.gs_records.clear()
            self.jobs.clear()
            self.faults.clear()
            self.sf_reject.clear()
            self.sf_unprocessed.clear()
            self.gs_reject.clear()
            self.gs_delete_reject.clear()
            self.bodies.clear()
            self.requests.clear()
            self.accepted.clear()
            self.deleted.clear()

    def clear_log(self) -> None:
        with self.lock:
            self.bodies.clear()
            self.requests.clear()
            self.accepted.clear()
            self.deleted.clear()

    def inject(self, method: str, path: str, status: int | None = None, retry_after: str | None = None,
               times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method, path, status, retry_after, times))

    def accepted_keys(self, system: str) -> list[str]:
        return [k for s, k in self.accepted if s == system]

    def received_text(self) -> str:
        return b"\n".join(self.bodies).decode("utf-8", errors="replace")

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and re.search(fault.path, path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None


def _handler_for(api: FakeApiServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs (every reply has a Content-Length)
        wbufsize = 1 << 16  # headers and body in one write: no delayed-ACK stall per reply
        disable_nagle_algorithm = True

        def log_message(self, *args):  # quiet
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _reply(self, status: int, body: bytes | str | dict | list = b"", content_type="application/json",
                   headers: dict | None = None):
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode("utf-8")
            with api.lock:
                api.requests.append((self.command, urlparse(self.path).path, status))
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

        def _handle(self):
            url = urlparse(self.path)
            body = self._body()
            with api.lock:
                api.bodies.append(body)
            fault = api._take_fault(self.command, url.path)
            if fault is not None:
                if fault.status is None:
                    with api.lock:
                        api.requests.append((self.command, url.path, 0))
                    time.sleep(api.timeout_hold_seconds)  # past the client's timeout; dropped unprocessed
                    return
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._reply(fault.status, [{"errorCode": "INJECTED", "message": "injected fault"}], headers=headers)
                return
            try:
                route(api, self, url, body)
            except Exception as exc:  # a bug in the fake should be visible, not a hang
                self._reply(599, {"fake_api_error": repr(exc)})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler


def route(api: FakeApiServer, req, url, body: bytes) -> None:
    path, method = url.path, req.command
    if method == "POST" and re.fullmatch(r"/services/Soap/u/[\d.]+", path):
        return soap_login(api, req, body)
    if path.startswith("/services/data/"):
        if req.headers.get("Authorization") != f"Bearer {api.session_id}":
            return req._reply(401, [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}])
        return bulk2(api, req, method, path, body)
    match = re.fullmatch(r"/v1/data/objects/([A-Za-z0-9_]+)", path)
    if match and method == "PUT":
        return gainsight_upsert(api, req, match.group(1), parse_qs(url.query), body)
    if match and method == "DELETE":
        return gainsight_delete(api, req, match.group(1), body)
    return req._reply(404, [{"errorCode": "NOT_FOUND", "message": f"{method} {path}"}])


# ------------------------------------------------------------------- Salesforce
def soap_login(api: FakeApiServer, req, body: bytes) -> None:
    tree = ElementTree.fromstring(body)
    values = {el.tag.split("}")[-1]: (el.text or "") for el in tree.iter()}
    if values.get("username") != SF_USERNAME or values.get("password") != SF_PASSWORD + SF_TOKEN:
        fault = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com">'
            "<soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><detail><sf:LoginFault>"
            "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, "
            "security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        return req._reply(500, fault, "text/xml")  # as Salesforce does
    ok = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com">'
        "<soapenv:Body><loginResponse><result>"
        f"<serverUrl>{api.url}/services/Soap/u/59.0/00D000000000001</serverUrl>"
        f"<sessionId>{api.session_id}</sessionId><userId>005000000000001AAA</userId>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return req._reply(200, ok, "text/xml")


def _job_info(job: Job) -> dict:
    return {
        "id": job.id, "operation": "upsert", "object": job.object, "externalIdFieldName": job.external_id,
        "state": job.state, "contentType": "CSV", "apiVersion": 59.0, "lineEnding": "LF", "columnDelimiter": "COMMA",
        "numberRecordsProcessed": len(job.successful) + len(job.failed),
        "numberRecordsFailed": len(job.failed),
    }


def _csv(header: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def bulk2(api: FakeApiServer, req, method: str, path: str, body: bytes) -> None:
    match = re.fullmatch(r"/services/data/v[\d.]+/jobs/ingest(?:/([^/]+))?(?:/([A-Za-z]+))?", path)
    if not match:
        return req._reply(404, [{"errorCode": "NOT_FOUND", "message": path}])
    job_id, tail = match.groups()
    if job_id is None and method == "POST":
        spec = json.loads(body)
        if spec.get("operation") != "upsert" or not spec.get("externalIdFieldName"):
            return req._reply(400, [{"errorCode": "INVALIDJOB", "message": "only upsert with an external id"}])
        job = Job(id="750" + uuid.uuid4().hex[:15], object=spec["object"], external_id=spec["externalIdFieldName"])
        with api.lock:
            api.jobs[job.id] = job
        return req._reply(200, _job_info(job))
    job = api.jobs.get(job_id or "")
    if job is None:
        return req._reply(404, [{"errorCode": "NOT_FOUND", "message": f"job {job_id}"}])
    if tail == "batches" and method == "PUT":
        if job.state != "Open":
            return req._reply(400, [{"errorCode": "INVALIDJOBSTATE", "message": job.state}])
        job.data += body.decode("utf-8")
        return req._reply(201, b"", "text/plain")
    if tail is None and method == "PATCH":
        state = json.loads(body).get("state")
        if state == "UploadComplete" and job.state == "Open":
            _process(api, job)
        elif state == "Aborted":
            job.state = "Aborted"
        return req._reply(200, _job_info(job))
    if tail is None and method == "GET":
        return req._reply(200, _job_info(job))
    if method == "GET" and tail in ("successfulResults", "failedResults", "unprocessedrecords", "unprocessedRecords"):
        if tail == "successfulResults":
            text = _csv(["sf__Id", "sf__Created", *job.header], job.successful)
        elif tail == "failedResults":
            text = _csv(["sf__Id", "sf__Error", *job.header], job.failed)
        else:
            text = _csv(job.header, job.unprocessed)
        return req._reply(200, text, "text/csv")
    return req._reply(405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": f"{method} {path}"}])


def _process(api: FakeApiServer, job: Job) -> None:
    reader = csv.DictReader(io.StringIO(job.data))
    job.header = list(reader.fieldnames or [])
    with api.lock:
        store = api.sf_records.setdefault(job.object, {})
        for row in reader:
            key = row.get(job.external_id, "")
            if key in api.sf_unprocessed:
                job.unprocessed.append(row)
                continue
            if not key or key in api.sf_reject:
                error = api.sf_reject.get(key, "REQUIRED_FIELD_MISSING:External ID is empty:--")
                job.failed.append({"sf__Id": "", "sf__Error": error, **row})
                continue
            created = key not in store
            record = store.setdefault(key, {})
            for name, value in row.items():
                if value == "":
                    continue  # Bulk API: an empty cell leaves the field unchanged
                record[name] = None if value == "#N/A" else value
            api.accepted.append(("salesforce", key))
            job.successful.append({"sf__Id": "001" + key[-15:], "sf__Created": str(created).lower(), **row})
    job.state = "JobComplete"


# -------------------------------------------------------------------- Gainsight
def gainsight_upsert(api: FakeApiServer, req, object_name: str, query: dict, body: bytes) -> None:
    if req.headers.get("Accesskey") != GS_ACCESS_KEY:
        return req._reply(401, {"result": False, "errorCode": "GS_1001", "errorDesc": "Invalid access key"})
    keys = (query.get("keys") or [""])[0].split(",")
    records = json.loads(body).get("records") or []
    if len(records) > 50:
        return req._reply(400, {"result": False, "errorCode": "GS_1102", "errorDesc": "max 50 records per call"})
    errors = []
    with api.lock:
        store = api.gs_records.setdefault(object_name, {})
        for record in records:
            key = "|".join(str(record.get(k)) for k in keys)
            if key in api.gs_reject:
                errors.append({keys[0]: record.get(keys[0]), "errorCode": "GS_2601", "errorDesc": api.gs_reject[key]})
                continue
            store[key] = dict(record)
            api.accepted.append(("gainsight", key))
    return req._reply(200, {
        "result": True, "errorCode": None, "errorDesc": None, "requestId": str(uuid.uuid4()),
        "data": {"count": len(records) - len(errors), "errors": errors},
    })


def gainsight_delete(api: FakeApiServer, req, object_name: str, body: bytes) -> None:
    if req.headers.get("Accesskey") != GS_ACCESS_KEY:
        return req._reply(401, {"result": False, "errorCode": "GS_1001", "errorDesc": "Invalid access key"})
    spec = json.loads(body)
    conditions = spec.get("conditions") or []
    if len(conditions) != 1 or conditions[0].get("operator") != "IN":
        return req._reply(400, {"result": False, "errorCode": "GS_1103", "errorDesc": "one IN condition expected"})
    field_name, keys = conditions[0]["name"], [str(k) for k in conditions[0].get("value") or []]
    if len(keys) > 50:
        return req._reply(400, {"result": False, "errorCode": "GS_1102", "errorDesc": "max 50 records per call"})
    errors = []
    with api.lock:
        store = api.gs_records.setdefault(object_name, {})
        for key in keys:
            if key in api.gs_delete_reject:
                errors.append({field_name: key, "errorCode": "GS_2602", "errorDesc": api.gs_delete_reject[key]})
                continue
            store.pop(key, None)
            api.deleted.append(("gainsight", key))
    return req._reply(200, {
        "result": True, "errorCode": None, "errorDesc": None, "requestId": str(uuid.uuid4()),
        "data": {"count": len(keys) - len(errors), "errors": errors},
    })
