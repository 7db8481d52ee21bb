"""Which API service feeds which source, with the Gangseo filters each is fetched with by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from connectors.secrets import DATA_GO_KR_KEY_ENV, SEOUL_KEY_ENV

DATA_GO_KR_STANDARD = "https://api.data.go.kr"  # 표준데이터 tn_pubr_* (reference §0.2)
DATA_GO_KR_APIS = "https://apis.data.go.kr"  # 1741000 LOCALDATA, B552061 KOROAD, B553077 소상공인
SEOUL_OPEN_API = "http://openapi.seoul.go.kr:8088"  # served over plain HTTP only
GANGSEO_INSTT_CODE = "3150000"  # 자치단체코드 (§0.3)


@dataclass(frozen=True)
class Service:
    source_id: str
    name: str  # the API's service name; also the page files' prefix
    api: Literal["data_go_kr", "seoul"]
    base_url: str  # replaced by fetch(base_url=...), e.g. a test server
    path: str = ""  # after the base URL (data.go.kr); Seoul builds /{KEY}/json/{name}/{start}/{end}
    filters: dict[str, str] = field(default_factory=dict)  # default query filters; fetch params override
    path_params: tuple[str, ...] = ()  # Seoul: optional path segments after {end}, in order
    default: bool = True  # fetched when the source is fetched without naming a service
    rows_per_page: int = 1000  # data.go.kr numOfRows max 1000; Seoul at most 1000 a call

    @property
    def key_env(self) -> str:
        return SEOUL_KEY_ENV if self.api == "seoul" else DATA_GO_KR_KEY_ENV


def _seoul(source_id: str, name: str, *path_params: str) -> Service:
    return Service(source_id, name, "seoul", SEOUL_OPEN_API, path_params=path_params)


SERVICES: tuple[Service, ...] = (
    # §1.3 current LOCALDATA API, filtered to 강서구 by 개방자치단체코드; §1.2 the older standard API.
    Service("cctv", "cctv_info", "data_go_kr", DATA_GO_KR_APIS, "/1741000/cctv_info/info",
            {"cond[OPN_ATMY_GRP_CD::EQ]": GANGSEO_INSTT_CODE}),
    Service("cctv", "tn_pubr_public_cctv_api", "data_go_kr", DATA_GO_KR_STANDARD,
            "/openapi/tn_pubr_public_cctv_api", {"insttCode": GANGSEO_INSTT_CODE}, default=False),
    # §2.2
    Service("child_protection_zones", "tn_pubr_public_child_prtc_zn_api", "data_go_kr", DATA_GO_KR_STANDARD,
            "/openapi/tn_pubr_public_child_prtc_zn_api", {"insttCode": GANGSEO_INSTT_CODE}),
    # §4.1
    Service("parking_lots", "tn_pubr_prkplce_info_api", "data_go_kr", DATA_GO_KR_STANDARD,
            "/openapi/tn_pubr_prkplce_info_api", {"insttCode": GANGSEO_INSTT_CODE}),
    # §3.1: 서울 (siDo 11) 강서구 (guGun 500); searchYearCd = the 2024 accident-year releases.
    Service("taas_child_hotspots", "schoolzoneChild", "data_go_kr", DATA_GO_KR_APIS,
            "/B552061/schoolzoneChild/getRestSchoolzoneChild",
            {"searchYearCd": "2025066", "siDo": "11", "guGun": "500"}),
    Service("taas_child_hotspots", "frequentzoneChild", "data_go_kr", DATA_GO_KR_APIS,
            "/B552061/frequentzoneChild/getRestFrequentzoneChild",
            {"searchYearCd": "2025108", "siDo": "11", "guGun": "500"}),
    # §5.2: every store of 시군구 11500.
    Service("stores", "storeListInDong", "data_go_kr", DATA_GO_KR_APIS, "/B553077/api/open/sdsc2/storeListInDong",
            {"divId": "signguCd", "key": "11500"}),
    # §6.1: the whole of Seoul (these services take no gu filter); the quarter is optional (YYYYQ).
    _seoul("commerce_sales", "VwsmTrdarSelngQq", "STDR_YYQU_CD"),
    _seoul("commerce_store_stats", "VwsmTrdarStorQq", "STDR_YYQU_CD"),
    _seoul("commerce_floating_population", "VwsmTrdarFlpopQq", "STDR_YYQU_CD"),
    _seoul("commerce_areas", "TbgisTrdarRelm"),
)


def services_for(source_id: str, service: str | None = None) -> tuple[Service, ...]:
    """The default services of a source, or the one named; KeyError with the choices otherwise."""
    of_source = tuple(s for s in SERVICES if s.source_id == source_id)
    if not of_source:
        known = sorted({s.source_id for s in SERVICES})
        raise KeyError(f"no API feeds {source_id!r}; sources with connectors: {', '.join(known)}")
    if service is None:
        return tuple(s for s in of_source if s.default)
    chosen = tuple(s for s in of_source if s.name == service)
    if not chosen:
        raise KeyError(f"{source_id} has no service {service!r}; choose {', '.join(s.name for s in of_source)}")
    return chosen
