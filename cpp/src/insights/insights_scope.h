// What an acting view may read of the log (see dirctl/insights.h), for the
// insights room's files. authorized_scope() first authorises insights.read
// (an audited denial otherwise).
#pragma once

#include "dirctl/types.h"
#include "store/event_query.h"

namespace dirctl {

class ServiceHost;

EventScope scope_of(ServiceHost& host, const Actor& actor);
EventScope authorized_scope(ServiceHost& host, const Actor& actor);

}  // namespace dirctl
