// dirctl._core: wires the binding units; nothing else lives here.
#include "register.h"

PYBIND11_MODULE(_core, m) {
  using namespace dirctl::py_bindings;
  m.doc() = "dirctl engine (private): use the public `dirctl` package";
  register_errors(m);
  register_values(m);
  register_directory(m);
  register_events(m);
  register_log(m);
  register_authz(m);
  register_graph(m);
  register_import(m);
  register_runs(m);
  register_schedules(m);
  register_reviews(m);
  register_identity(m);
}
