// Events as text for SIEM pipelines and purge archives: one JSON object per
// line (as Directory Insights exports them), or CSV rows with a header.
// Both carry every field; changes as [{"field", "from", "to"}, ...].
#pragma once

#include <string>

#include "dirctl/event.h"

namespace dirctl {

void append_event_json(std::string& out, const Event& e);  // one line, '\n' included
std::string event_csv_header();                             // '\r\n' included
void append_event_csv(std::string& out, const Event& e);   // one record, '\r\n' included

}  // namespace dirctl
