"""Connectors against a server started on 127.0.0.1 that answers in the recorded formats of
korean-public-data.md (§0.2 envelopes, §1.2/§1.3 CCTV, §2.2, §3, §4.1, §5.2, §6). No internet."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from connectors import DATA_GO_KR_KEY_ENV, SEOUL_KEY_ENV, ConnectorError, HttpSettings, fetch
from connectors.envelopes import read_data_go_kr

# Characters a data.go.kr key really has (+ / =), so every URL spelling of it is exercised.
KEY = "Tst+Key/abc123XYZ=="
SEOUL_KEY = "6d4b7a5a6b4e7a4f3132"
FAST = HttpSettings(connect_timeout=2, read_timeout=2, attempts=3, backoff_initial=0.01, backoff_max=0.05)


@dataclass
class Request:
    path: str
    query: dict[str, str]
    raw: str  # the request target as sent, percent-encoding included


@dataclass
class Answer:
    status: int
    body: bytes
    delay: float = 0.0


Route = Callable[[Request], Answer]


@dataclass
class Replay:
    """A loopback server: `route` builds each answer; `requests` is what it saw, in order."""

    url: str
    route: Route = field(default=lambda r: Answer(404, b"no route"))
    requests: list[Request] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)  # bodies of 200 answers, in order


@pytest.fixture
def server() -> Iterator[Replay]:
    replay: Replay

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            request = Request(unquote(parts.path), {k: v[0] for k, v in parse_qs(parts.query).items()}, self.path)
            replay.requests.append(request)
            answer = replay.route(request)
            time.sleep(answer.delay)
            if answer.status == 200:
                replay.sent.append(answer.body)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    replay = Replay(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield replay
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_GO_KR_KEY_ENV, KEY)
    monkeypatch.setenv(SEOUL_KEY_ENV, SEOUL_KEY)


def dumps(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


# ---- recorded-format envelopes -------------------------------------------------------------------

def standard_page(items: list[dict], total: int, page_no: int, rows: int) -> bytes:
    """§0.2 표준데이터: everything a string, including the counts."""
    return dumps({"response": {
        "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE", "type": "json"},
        "body": {"items": items, "totalCount": str(total), "numOfRows": str(rows), "pageNo": str(page_no)}}})


def standard_result(code: str, message: str) -> bytes:
    return dumps({"response": {"header": {"resultCode": code, "resultMsg": message, "type": "json"}, "body": {}}})


def cctv_info_page(items: list[dict], total: int, page_no: int, rows: int) -> bytes:
    """§0.2 / §1.3: the 1741000 API, `items.item`, numeric counts, resultCode "0"."""
    return dumps({"response": {
        "body": {"dataType": "JSON", "items": {"item": items}, "numOfRows": rows, "pageNo": page_no, "totalCount": total},
        "header": {"resultCode": "0", "resultMsg": "정상"}}})


def koroad_page(items: object, total: int, page_no: int = 1, rows: int = 1000) -> bytes:
    """§0.2 / §3: no `response` wrapper; `items.item` a list, a dict for one row, or "" / null."""
    return dumps({"resultCode": "00", "resultMsg": "NORMAL_CODE", "items": items, "totalCount": total,
                  "numOfRows": rows, "pageNo": page_no})


def semas_page(items: list[dict], total: int, page_no: int, rows: int, code: str = "00") -> bytes:
    """§5.2 소상공인 storeListInDong."""
    header = {"description": "소상공인시장진흥공단 행정동별 상가업소정보", "columns": ["상가업소번호", "상호명"],
              "stdrYm": "202603", "resultCode": code, "resultMsg": "NORMAL SERVICE" if code == "00" else "NODATA_ERROR"}
    body = {"items": items, "numOfRows": rows, "pageNo": page_no, "totalCount": total}
    return dumps({"header": header, "body": body} if code == "00" else {"header": header})


def seoul_page(service: str, rows: list[dict], total: int) -> bytes:
    """§0.2 / §6: numbers as JSON numbers."""
    return dumps({service: {"list_total_count": total, "RESULT": {"CODE": "INFO-000", "MESSAGE": "정상 처리되었습니다"},
                            "row": rows}})


def seoul_result(code: str, message: str) -> bytes:
    return dumps({"RESULT": {"CODE": code, "MESSAGE": message}})


def cctv_row(i: int) -> dict[str, str]:
    """§1.2 field names, fictitious values, all strings, `rdnmadr` the literal "null"."""
    return {"institutionNm": "서울특별시 강서구청", "rdnmadr": "null", "lnmadr": f"서울특별시 강서구 화곡동 {100 + i}",
            "installationPurpsType": "생활방범", "cctvNumber": "2", "cctvPixel": "200", "potogrfInfo": "360도",
            "cstdyDay": "30", "installationYymm": "2021-05", "phoneNumber": "02-0000-0000",
            "latitude": "37.55", "longitude": "126.84", "referenceDate": "2026-05-18",
            "insttCode": "3150000", "insttNm": "서울특별시 강서구"}


def hotspot_row(i: int) -> dict[str, object]:
    """§3.2, with the polygon as a GeoJSON string."""
    return {"afos_fid": 6700000 + i, "afos_id": "2025066", "bjd_cd": "1150010300", "spot_cd": f"1150{i:04d}",
            "sido_sgg_nm": f"서울특별시 강서구{i}", "spot_nm": "서울특별시 강서구 화곡동(가상교차로 부근)",
            "occrrnc_cnt": 4, "caslt_cnt": 4, "dth_dnv_cnt": 0, "se_dnv_cnt": 1, "sl_dnv_cnt": 3, "wnd_dnv_cnt": 0,
            "geom_json": '{"type":"Polygon","coordinates":[[[126.84,37.55],[126.85,37.55],[126.84,37.55]]]}',
            "lo_crd": "126.845", "la_crd": "37.551"}


def paged(rows: list[dict], envelope: Callable[[list[dict], int, int, int], bytes]) -> Route:
    """A data.go.kr server that honours pageNo/numOfRows over `rows`."""
    def route(request: Request) -> Answer:
        page_no, size = int(request.query["pageNo"]), int(request.query["numOfRows"])
        return Answer(200, envelope(rows[(page_no - 1) * size:page_no * size], len(rows), page_no, size))
    return route


def chain(error: BaseException | None) -> Iterator[BaseException]:
    """The error and every exception chained to it (a traceback prints them all)."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def pages_of(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---- paging ----------------------------------------------------------------------------------------

def test_standard_api_pages_until_total_count(server: Replay, tmp_path: Path) -> None:
    server.route = paged([cctv_row(i) for i in range(25)], standard_page)
    summary = fetch("cctv", tmp_path, service="tn_pubr_public_cctv_api", base_url=server.url, http=FAST, rows_per_page=10)

    assert (summary.pages, summary.rows, summary.total_count) == (3, 25, 25)
    assert [r.query["pageNo"] for r in server.requests] == ["1", "2", "3"]
    first = server.requests[0]
    assert first.path == "/openapi/tn_pubr_public_cctv_api"
    assert first.query | {"serviceKey": "?"} == {"serviceKey": "?", "pageNo": "1", "numOfRows": "10", "type": "json",
                                                   "insttCode": "3150000"}
    assert first.query["serviceKey"] == KEY  # sent decoded-then-encoded once: the server reads the real key
    folder = tmp_path / "cctv"
    assert pages_of(folder) == [f"tn_pubr_public_cctv_api_insttCode-3150000_p000{n}.json" for n in (1, 2, 3)]
    assert [(folder / name).read_bytes() for name in pages_of(folder)] == server.sent  # verbatim


def test_encoded_portal_key_is_sent_once_encoded(server: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_GO_KR_KEY_ENV, "Tst%2BKey%2Fabc123XYZ%3D%3D")  # the portal's "Encoding" key
    server.route = paged([cctv_row(0)], standard_page)
    fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST)
    assert server.requests[0].query["serviceKey"] == KEY


def test_cctv_info_items_item_list_and_numeric_counts(server: Replay, tmp_path: Path) -> None:
    server.route = paged([{"MNG_NO": f"2026315000000080{i:04d}", "WGS84_LAT": "37.55"} for i in range(3)], cctv_info_page)
    summary = fetch("cctv", tmp_path, base_url=server.url, http=FAST, rows_per_page=2)
    assert (summary.pages, summary.rows, summary.total_count) == (2, 3, 3)
    assert server.requests[0].path == "/1741000/cctv_info/info"
    assert server.requests[0].query["cond[OPN_ATMY_GRP_CD::EQ]"] == "3150000"


def test_koroad_single_dict_item_page(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(200, koroad_page({"item": hotspot_row(1)}, 1))
    summary = fetch("taas_child_hotspots", tmp_path, service="schoolzoneChild", base_url=server.url, http=FAST)

    assert (summary.pages, summary.rows, summary.total_count) == (1, 1, 1)
    request = server.requests[0]
    assert request.path == "/B552061/schoolzoneChild/getRestSchoolzoneChild"
    assert {k: request.query[k] for k in ("siDo", "guGun", "searchYearCd")} == {"siDo": "11", "guGun": "500",
                                                                                "searchYearCd": "2025066"}
    [saved] = summary.files
    assert saved.read_bytes() == server.sent[0]
    assert read_data_go_kr(saved.read_bytes()).rows == [hotspot_row(1)]


def test_koroad_fetches_both_child_services_with_paging(server: Replay, tmp_path: Path) -> None:
    rows = [hotspot_row(i) for i in range(5)]

    def route(request: Request) -> Answer:
        page_no, size = int(request.query["pageNo"]), int(request.query["numOfRows"])
        return Answer(200, koroad_page({"item": rows[(page_no - 1) * size:page_no * size]}, len(rows), page_no, size))

    server.route = route
    summary = fetch("taas_child_hotspots", tmp_path, base_url=server.url, http=FAST, rows_per_page=2)
    assert summary.services == ("schoolzoneChild", "frequentzoneChild")
    assert (summary.pages, summary.rows, summary.total_count) == (6, 10, 10)
    assert [r.path.split("/")[2] for r in server.requests] == ["schoolzoneChild"] * 3 + ["frequentzoneChild"] * 3


@pytest.mark.parametrize("empty", ["", None, {"item": ""}, {"item": None}, []])
def test_koroad_empty_items(server: Replay, tmp_path: Path, empty: object) -> None:
    server.route = lambda r: Answer(200, koroad_page(empty, 0))
    summary = fetch("taas_child_hotspots", tmp_path, service="frequentzoneChild", base_url=server.url, http=FAST)
    assert (summary.pages, summary.rows, summary.total_count) == (1, 0, 0)
    assert len(server.requests) == 1
    assert summary.files[0].read_bytes() == server.sent[0]  # the empty page is kept: the fetch happened


def test_standard_nodata_is_empty(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(200, standard_result("03", "NODATA_ERROR"))
    summary = fetch("parking_lots", tmp_path, base_url=server.url, http=FAST)
    assert (summary.pages, summary.rows, summary.total_count) == (1, 0, 0)
    assert server.requests[0].path == "/openapi/tn_pubr_prkplce_info_api"


def test_stores_by_signgu_with_paging_and_nodata(server: Replay, tmp_path: Path) -> None:
    stores = [{"bizesId": f"MA0101202207{i:08d}", "bizesNm": f"가상상회{i}", "signguCd": "11500",
               "adongCd": "11500510", "lnoCd": "1150010100101230000"} for i in range(7)]
    server.route = paged(stores, semas_page)
    summary = fetch("stores", tmp_path, base_url=server.url, http=FAST, rows_per_page=3)
    assert (summary.pages, summary.rows, summary.total_count) == (3, 7, 7)
    assert server.requests[0].path == "/B553077/api/open/sdsc2/storeListInDong"
    assert {k: server.requests[0].query[k] for k in ("divId", "key")} == {"divId": "signguCd", "key": "11500"}
    assert pages_of(tmp_path / "stores")[0] == "storeListInDong_divId-signguCd_key-11500_p0001.json"

    server.route = lambda r: Answer(200, semas_page([], 0, 1, 1000, code="03"))
    summary = fetch("stores", tmp_path, base_url=server.url, http=FAST, key="11590")
    assert (summary.pages, summary.rows) == (1, 0)


def test_seoul_windows_of_at_most_1000_rows(server: Replay, tmp_path: Path) -> None:
    rows = [{"STDR_YYQU_CD": "20244", "TRDAR_CD": f"3110{i:03d}", "THSMON_SELNG_AMT": 1000 * i} for i in range(2500)]

    def route(request: Request) -> Answer:
        _, key, kind, service, start, end, quarter = request.path.split("/")
        assert (key, kind, service, quarter) == (SEOUL_KEY, "json", "VwsmTrdarSelngQq", "20244")
        return Answer(200, seoul_page(service, rows[int(start) - 1:int(end)], len(rows)))

    server.route = route
    summary = fetch("commerce_sales", tmp_path, base_url=server.url, http=FAST, STDR_YYQU_CD="20244")
    assert (summary.pages, summary.rows, summary.total_count) == (3, 2500, 2500)
    assert [r.path.split("/")[4:6] for r in server.requests] == [["1", "1000"], ["1001", "2000"], ["2001", "3000"]]
    assert pages_of(tmp_path / "commerce_sales") == [f"VwsmTrdarSelngQq_STDR_YYQU_CD-20244_p000{n}.json" for n in (1, 2, 3)]


def test_seoul_info_200_is_empty(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(200, seoul_result("INFO-200", "해당하는 데이터가 없습니다."))
    summary = fetch("commerce_store_stats", tmp_path, base_url=server.url, http=FAST, STDR_YYQU_CD="20191")
    assert (summary.pages, summary.rows, summary.total_count) == (1, 0, 0)
    assert len(server.requests) == 1


def test_seoul_without_quarter_asks_for_the_whole_series(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(200, seoul_page("TbgisTrdarRelm", [{"TRDAR_CD": "3110001"}], 1))
    fetch("commerce_areas", tmp_path, base_url=server.url, http=FAST)
    assert server.requests[0].path == f"/{SEOUL_KEY}/json/TbgisTrdarRelm/1/1000"


@pytest.mark.parametrize(("code", "message"), [
    ("INFO-100", "인증키가 유효하지 않습니다. 인증키가 없는 경우, 홈페이지에서 인증키를 신청하십시오."),
    ("ERROR-336", "데이터요청은 한번에 최대 1000건을 넘을 수 없습니다."),
])
def test_seoul_error_codes_are_clear_errors(server: Replay, tmp_path: Path, code: str, message: str) -> None:
    server.route = lambda r: Answer(200, seoul_result(code, message))
    with pytest.raises(ConnectorError) as raised:
        fetch("commerce_floating_population", tmp_path, base_url=server.url, http=FAST)
    text = str(raised.value)
    assert "VwsmTrdarFlpopQq" in text and code in text and message in text
    assert SEOUL_KEY not in text
    assert len(server.requests) == 1  # an API error is not retried
    assert not any(p for p in (tmp_path / "commerce_floating_population").iterdir())  # nothing saved


# ---- errors and retries ----------------------------------------------------------------------------

def test_error_result_code_names_service_code_and_message(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(200, standard_result("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR"))
    with pytest.raises(ConnectorError, match=r"child_protection_zones: tn_pubr_public_child_prtc_zn_api page 1: "
                                             r"resultCode 22: LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR"):
        fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST)


def test_api_message_echoing_the_key_is_redacted(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(200, seoul_result("INFO-100", f"인증키가 유효하지 않습니다: {SEOUL_KEY}"))
    with pytest.raises(ConnectorError, match=r"INFO-100: 인증키가 유효하지 않습니다: \*\*\*$") as raised:
        fetch("commerce_sales", tmp_path, base_url=server.url, http=FAST)
    assert all(SEOUL_KEY not in str(e) for e in chain(raised.value))


def test_gateway_xml_key_error_is_surfaced(server: Replay, tmp_path: Path) -> None:
    xml = ("<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
           "<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>"
           "<returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>").encode()
    server.route = lambda r: Answer(200, xml)
    with pytest.raises(ConnectorError, match="resultCode 30: SERVICE_KEY_IS_NOT_REGISTERED_ERROR"):
        fetch("parking_lots", tmp_path, base_url=server.url, http=FAST)


def test_retries_a_503_then_succeeds(server: Replay, tmp_path: Path) -> None:
    ok = paged([cctv_row(0)], standard_page)
    server.route = lambda r: Answer(503, b"Service Unavailable") if len(server.requests) == 1 else ok(r)
    summary = fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST)
    assert len(server.requests) == 2
    assert (summary.pages, summary.rows) == (1, 1)


def test_gives_up_after_the_configured_attempts(server: Replay, tmp_path: Path) -> None:
    server.route = lambda r: Answer(502, b"Bad Gateway")
    with pytest.raises(ConnectorError, match="HTTP 502"):
        fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST)
    assert len(server.requests) == FAST.attempts


def test_retries_a_timeout(server: Replay, tmp_path: Path) -> None:
    ok = paged([cctv_row(0)], standard_page)
    server.route = lambda r: Answer(200, b"{}", delay=1.0) if len(server.requests) == 1 else ok(r)
    impatient = HttpSettings(connect_timeout=1, read_timeout=0.3, attempts=2, backoff_initial=0.01)
    summary = fetch("child_protection_zones", tmp_path, base_url=server.url, http=impatient)
    assert len(server.requests) == 2 and summary.rows == 1


def test_retries_a_refused_connection(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectorError, match="cctv: cctv_info page 1: connection failed") as raised:
        fetch("cctv", tmp_path, base_url=f"http://127.0.0.1:{port}", http=FAST)
    assert [type(e).__name__ for e in chain(raised.value)] == ["TransientError"]  # httpx's ConnectError holds the URL
    assert caplog.text.count("retrying") == FAST.attempts - 1


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_no_retry_on_4xx(server: Replay, tmp_path: Path, status: int) -> None:
    # The gateway's 4xx body may echo the request URL, key included: it must come out redacted.
    server.route = lambda r: Answer(status, f"Unauthorized request {r.raw}".encode())
    with pytest.raises(ConnectorError) as raised:
        fetch("stores", tmp_path, base_url=server.url, http=FAST)
    text = str(raised.value)
    assert len(server.requests) == 1
    assert f"HTTP {status}" in text and "stores: storeListInDong page 1" in text
    assert "***" in text
    assert not any(form in text for form in (KEY, "Tst%2BKey%2Fabc123XYZ%3D%3D", "Tst+Key"))
    assert [type(e).__name__ for e in chain(raised.value)] == ["ConnectorError"]  # no httpx error rides along


# ---- keys ------------------------------------------------------------------------------------------

def test_key_never_in_messages_logs_or_files(server: Replay, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ok = paged([cctv_row(0)], standard_page)
    server.route = lambda r: Answer(503, f"upstream down for {r.raw}".encode()) if len(server.requests) == 1 else ok(r)
    fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST)

    seoul_rows = [{"TRDAR_CD": "3110001"}]
    server.route = lambda r: Answer(200, seoul_page("VwsmTrdarStorQq", seoul_rows, 1))
    fetch("commerce_store_stats", tmp_path, base_url=server.url, http=FAST, STDR_YYQU_CD="20244")

    assert "HTTP Request" in caplog.text and "retrying" in caplog.text  # the URL and retry lines were logged ...
    for secret in (KEY, "Tst%2BKey", "Tst+Key", SEOUL_KEY):  # ... without a key in them
        assert secret not in caplog.text
        for path in tmp_path.rglob("*"):
            assert secret not in path.name
            assert not path.is_file() or secret.encode() not in path.read_bytes()


def test_missing_key_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SEOUL_KEY_ENV)
    with pytest.raises(ConnectorError, match=SEOUL_KEY_ENV):
        fetch("commerce_sales", tmp_path)


def test_protocol_params_and_unknown_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="serviceKey"):
        fetch("stores", tmp_path, serviceKey="leak-me")
    with pytest.raises(ConnectorError, match="STDR_YYQU_CD"):
        fetch("commerce_sales", tmp_path, quarter="20244")
    with pytest.raises(KeyError, match="commerce_areas"):
        fetch("welfare_cases", tmp_path)
    assert not any(tmp_path.iterdir())


# ---- idempotence -----------------------------------------------------------------------------------

def test_refetch_overwrites_the_same_pages_and_drops_stale_ones(server: Replay, tmp_path: Path) -> None:
    rows = [cctv_row(i) for i in range(25)]
    server.route = paged(rows, standard_page)
    fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST, rows_per_page=10)
    folder = tmp_path / "child_protection_zones"
    before = {name: (folder / name).read_bytes() for name in pages_of(folder)}

    fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST, rows_per_page=10)
    assert {name: (folder / name).read_bytes() for name in pages_of(folder)} == before

    (folder / "notes.txt").write_text("a file that is not a page of this fetch")
    server.route = paged(rows[:12], standard_page)  # the source shrank: two pages now
    fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST, rows_per_page=10)
    prefix = "tn_pubr_public_child_prtc_zn_api_insttCode-3150000"
    assert pages_of(folder) == ["notes.txt", f"{prefix}_p0001.json", f"{prefix}_p0002.json"]


def test_failed_refetch_leaves_the_previous_pages(server: Replay, tmp_path: Path) -> None:
    rows = [cctv_row(i) for i in range(25)]
    server.route = paged(rows, standard_page)
    fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST, rows_per_page=10)
    folder = tmp_path / "child_protection_zones"
    before = {name: (folder / name).read_bytes() for name in pages_of(folder)}

    changed = paged([{**r, "cstdyDay": "90"} for r in rows], standard_page)
    server.route = lambda r: Answer(500, b"boom") if r.query["pageNo"] == "3" else changed(r)
    with pytest.raises(ConnectorError, match="HTTP 500"):
        fetch("child_protection_zones", tmp_path, base_url=server.url, http=FAST, rows_per_page=10)
    assert {name: (folder / name).read_bytes() for name in pages_of(folder)} == before  # no staging left either
