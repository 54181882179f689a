// RunHost: what the commands room reaches of the rest of the engine, the
// common ServiceHost (service/service_host.h) under the name commands/ and
// schedule/ have always used.
#pragma once

#include "service/service_host.h"

namespace dirctl {

using RunHost = ServiceHost;

}  // namespace dirctl
