// Columnar results for DataFrames: text kept as Arrow lays it out, so that a
// million rows reach Python as three buffers and no object per row.
//
//   TextColumn   text that seldom repeats (names, emails, change JSON): one
//                byte buffer, offsets[i]..offsets[i+1] the i-th value, and a
//                validity byte per row (absent when every row is valid).
//   CodedColumn  text that repeats (event types, states, initiators): codes
//                into a dictionary of distinct names, in order of first use
//                (or sorted, after sort_names()).
// Invariants: offsets.size() == rows + 1, offsets[0] == 0, non-decreasing;
// valid is empty or has one entry per row; codes index names.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dirctl {

struct TextColumn {
  std::vector<std::int64_t> offsets{0};
  std::string bytes;
  std::vector<std::uint8_t> valid;  // empty: all valid

  std::size_t size() const { return offsets.size() - 1; }
  void reserve(std::size_t rows, std::size_t bytes_hint) {
    offsets.reserve(rows + 1);
    bytes.reserve(bytes_hint);
  }
  void push(std::string_view s) {
    bytes.append(s.data(), s.size());
    offsets.push_back(static_cast<std::int64_t>(bytes.size()));
    if (!valid.empty()) valid.push_back(1);
  }
  void push_null() {
    if (valid.empty()) valid.assign(size(), 1);
    offsets.push_back(static_cast<std::int64_t>(bytes.size()));
    valid.push_back(0);
  }
  std::string_view at(std::size_t i) const {
    return std::string_view(bytes).substr(static_cast<std::size_t>(offsets[i]),
                                          static_cast<std::size_t>(offsets[i + 1] - offsets[i]));
  }
};

class CodedColumn {
 public:
  std::vector<std::int32_t> codes;  // -1: null
  std::vector<std::string> names;

  std::size_t size() const { return codes.size(); }
  void push(std::string_view s) { codes.push_back(code(s)); }
  void push_null() { codes.push_back(-1); }
  // Names in byte (code point) order instead of first use, codes remapped:
  // a categorical then sorts as its text does.
  void sort_names() {
    std::vector<std::int32_t> order(names.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int32_t>(i);
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
      return names[static_cast<std::size_t>(a)] < names[static_cast<std::size_t>(b)];
    });
    std::vector<std::int32_t> remap(names.size());
    std::vector<std::string> sorted(names.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      remap[static_cast<std::size_t>(order[i])] = static_cast<std::int32_t>(i);
      sorted[i] = std::move(names[static_cast<std::size_t>(order[i])]);
    }
    names = std::move(sorted);
    for (std::int32_t& c : codes)
      if (c >= 0) c = remap[static_cast<std::size_t>(c)];
    for (auto& [name, c] : index_) c = remap[static_cast<std::size_t>(c)];
    if (last_ >= 0) last_ = remap[static_cast<std::size_t>(last_)];
  }

 private:
  std::int32_t code(std::string_view s) {
    if (last_ >= 0 && names[static_cast<std::size_t>(last_)] == s) return last_;  // runs of one value are common
    key_.assign(s.data(), s.size());
    auto it = index_.find(key_);  // find first: emplace would allocate a node for every value
    if (it == index_.end()) {
      it = index_.emplace(key_, static_cast<std::int32_t>(names.size())).first;
      names.push_back(key_);
    }
    return last_ = it->second;
  }
  std::unordered_map<std::string, std::int32_t> index_;
  std::string key_;
  std::int32_t last_ = -1;
};

}  // namespace dirctl
