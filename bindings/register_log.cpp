// Logging switch (spdlog), quiet by default.
#include "dirctl/log.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

void register_log(py::module_& m) {
  m.def("set_log_level", &set_log_level, "level"_a,
        "Set the engine's log level: trace, debug, info, warn, error, critical or off.");
  m.def("log_level", &log_level, "The engine's current log level.");
}

}  // namespace dirctl::py_bindings
