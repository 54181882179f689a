// Engine vectors handed to Python as numpy arrays that own them (no copy).
#pragma once

#include <vector>

#include <pybind11/numpy.h>

namespace dirctl::py_bindings {

template <typename T>
pybind11::array_t<T> to_numpy(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  pybind11::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pybind11::array_t<T>({static_cast<pybind11::ssize_t>(heap->size())},
                              {static_cast<pybind11::ssize_t>(sizeof(T))}, heap->data(), owner);
}

}  // namespace dirctl::py_bindings
