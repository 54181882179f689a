// The one place C++ errors become Python exceptions (classes in dirctl/errors.py).
#include "dirctl/error.h"
#include "register.h"

namespace dirctl::py_bindings {

void register_errors(py::module_& m) {
  py::module_ errors = py::module_::import("dirctl.errors");
  // Leaked on purpose: the translator outlives module teardown order.
  static auto* classes = new py::object[7]{errors.attr("Error"),         errors.attr("NotFound"),
                                           errors.attr("Conflict"),      errors.attr("InvalidArgument"),
                                           errors.attr("PermissionDenied"), errors.attr("StorageError"),
                                           errors.attr("InvalidState")};
  m.attr("Error") = classes[0];
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const NotFound& e) {
      PyErr_SetString(classes[1].ptr(), e.what());
    } catch (const InvalidState& e) {
      PyErr_SetString(classes[6].ptr(), e.what());
    } catch (const Conflict& e) {
      PyErr_SetString(classes[2].ptr(), e.what());
    } catch (const InvalidArgument& e) {
      PyErr_SetString(classes[3].ptr(), e.what());
    } catch (const PermissionDenied& e) {
      // The Python exception carries the rule and the reason (its message).
      py::object exc = classes[4](e.what());
      exc.attr("rule") = e.rule();
      exc.attr("reason") = std::string(e.what());
      PyErr_SetObject(classes[4].ptr(), exc.ptr());
    } catch (const StorageError& e) {
      PyErr_SetString(classes[5].ptr(), e.what());
    } catch (const Error& e) {
      PyErr_SetString(classes[0].ptr(), e.what());
    }
  });
}

}  // namespace dirctl::py_bindings
