// Engine vectors handed to Python as numpy arrays that own them (no copy),
// and the columns of dirctl/columns.h as the tuples frames.py turns into
// pandas columns: ("text", offsets, bytes, valid | None) and ("coded", codes, names).
#pragma once

#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "dirctl/columns.h"

namespace dirctl::py_bindings {

template <typename T>
pybind11::array_t<T> to_numpy(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  pybind11::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pybind11::array_t<T>({static_cast<pybind11::ssize_t>(heap->size())},
                              {static_cast<pybind11::ssize_t>(sizeof(T))}, heap->data(), owner);
}

inline pybind11::array_t<std::uint8_t> bytes_to_numpy(std::string&& s) {
  auto* heap = new std::string(std::move(s));
  pybind11::capsule owner(heap, [](void* p) { delete static_cast<std::string*>(p); });
  return pybind11::array_t<std::uint8_t>({static_cast<pybind11::ssize_t>(heap->size())}, {pybind11::ssize_t{1}},
                                         reinterpret_cast<const std::uint8_t*>(heap->data()), owner);
}

inline pybind11::tuple text_to_py(TextColumn&& c) {
  pybind11::object valid = pybind11::none();
  if (!c.valid.empty()) valid = to_numpy(std::move(c.valid));
  return pybind11::make_tuple("text", to_numpy(std::move(c.offsets)), bytes_to_numpy(std::move(c.bytes)), valid);
}

inline pybind11::tuple coded_to_py(CodedColumn&& c) {
  return pybind11::make_tuple("coded", to_numpy(std::move(c.codes)), pybind11::cast(c.names));
}

}  // namespace dirctl::py_bindings
