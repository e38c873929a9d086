"""HTTP helpers, implemented by erlen: `werkzeug.http` and `werkzeug.sansio.http` map here.

Pure functions over strings: this package never reads `environ`, `scope` or a socket, and never
raises an HTTP error. Parsers of client input never raise and run in linear time (no
backtracking regex over client text); formatters of server output raise `ValueError` for
values that would let one header spill into another. One concept a module:

- `status`: `HTTP_STATUS_CODES` and the `COOP`/`COEP` policy names;
- `quoting`: tokens, quoted strings, lists, `key=value` parameters, option headers, ETags;
- `dates`: HTTP dates and ages;
- `cookies`: `parse_cookie` and `dump_cookie`;
- `entity`: entity and hop-by-hop headers, byte range validity;
- `parsed`: headers parsed into datastructures (Accept, Cache-Control, ETags, ranges, ...);
- `hosts`: the host-name rule (`HOST_RE`, `host_is_trusted`, `check_host`);
- `slots`: what Werkzeug's and Flask's API asks of this layer but it may not do itself (read an
  environ, run a WSGI app, use the app's JSON provider or config), filled by the layers above.

The leaf modules (`status`, `quoting`, `dates`, `entity`, `slots`) import nothing of erlen, so
the datastructures can use them; `parsed` and `cookies` build datastructures.
"""

from __future__ import annotations

# After the leaf modules: these import the datastructures, which import the leaf modules.
from erlen.http.cookies import dump_cookie, parse_cookie
from erlen.http.datastructures.etags import ETags
from erlen.http.dates import dump_age, http_date, parse_age, parse_date
from erlen.http.entity import (
    is_byte_range_valid,
    is_entity_header,
    is_hop_by_hop_header,
    remove_entity_headers,
    remove_hop_by_hop_headers,
)
from erlen.http.parsed import (
    is_resource_modified,
    parse_accept_header,
    parse_cache_control_header,
    parse_content_range_header,
    parse_csp_header,
    parse_etags,
    parse_if_range_header,
    parse_range_header,
    parse_set_header,
)
from erlen.http.quoting import (
    dump_csp_header,
    dump_header,
    dump_options_header,
    generate_etag,
    parse_dict_header,
    parse_list_header,
    parse_options_header,
    quote_etag,
    quote_header_value,
    unquote_etag,
    unquote_header_value,
)
from erlen.http.status import COEP, COOP, HTTP_STATUS_CODES

__all__ = [
    "COEP",
    "COOP",
    "HTTP_STATUS_CODES",
    "ETags",
    "dump_age",
    "dump_cookie",
    "dump_csp_header",
    "dump_header",
    "dump_options_header",
    "generate_etag",
    "http_date",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "is_resource_modified",
    "parse_accept_header",
    "parse_age",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_cookie",
    "parse_csp_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_set_header",
    "quote_etag",
    "quote_header_value",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
    "unquote_etag",
    "unquote_header_value",
]
