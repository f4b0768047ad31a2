#pragma once

// Reading a response's header block, line by line as curl hands it over. Apart from the curl
// client so the parsing of untrusted header lines is testable and fuzzable without a socket.

#include <string_view>

#include "adapters/http/client.h"

namespace dispatcher::adapters::http {

/// Adds one raw header line ("Name: value\r\n") to `headers`, name and value trimmed of spaces,
/// tabs, CR and LF. A status line ("HTTP/1.1 100 Continue") starts a new response: the headers
/// of an interim response are dropped, so only the final response's remain. A line without a
/// ':' (the blank line ending the block, a malformed line) adds nothing.
void add_header_line(Headers& headers, std::string_view line);

/// Whether two header names are the same name (HTTP names are case-insensitive).
[[nodiscard]] bool same_header_name(std::string_view left, std::string_view right);

}  // namespace dispatcher::adapters::http
