// TableColumns: a listing of one kind as typed columns, for DataFrames.
//
// The columns are id, then org (per-org kinds), then every readable field in
// descriptor order (secrets never), then what the directory adds (admins'
// orgs, users' administrator). Each column is one of:
//   IntColumn    ids, integer fields and references; `valid` per row once a
//                null was read (empty: none null); `nullable` when the field
//                may hold null at all (an integer field with no default, a
//                reference), so a frame's dtype does not depend on the data
//   BoolColumn   one byte per row, 0 or 1 (every boolean column is NOT NULL)
//   TextColumn   free text, dates and times (ISO text as stored), and custom
//                attributes as their stored JSON object text ("{}" for none)
//   CodedColumn  enumerations, and text fields whose values repeat across
//                rows (departments, companies, operating systems...)
//   IdListColumn one sorted id list per row (an admin's org access)
// Invariant: every column holds rows() values, row i of each the same object.
// A value: moves cheaply, copies deep. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dirctl/columns.h"
#include "dirctl/value.h"

namespace dirctl {

struct IntColumn {
  std::vector<std::int64_t> values;  // 0 where null
  std::vector<std::uint8_t> valid;   // empty: all valid
  bool nullable = false;

  std::size_t size() const { return values.size(); }
  void push(std::int64_t v) {
    values.push_back(v);
    if (!valid.empty()) valid.push_back(1);
  }
  void push_null() {
    if (valid.empty()) valid.assign(values.size(), 1);
    values.push_back(0);
    valid.push_back(0);
  }
  bool is_null(std::size_t row) const { return !valid.empty() && valid[row] == 0; }
};

struct BoolColumn {
  std::vector<std::uint8_t> values;
  std::size_t size() const { return values.size(); }
};

struct IdListColumn {
  std::vector<IdList> values;
  std::size_t size() const { return values.size(); }
};

struct TableColumn {
  std::string name;
  std::variant<IntColumn, BoolColumn, TextColumn, CodedColumn, IdListColumn> data;
  bool json = false;  // a TextColumn of JSON objects (custom attributes)

  std::size_t size() const {
    return std::visit([](const auto& c) { return c.size(); }, data);
  }
};

struct TableColumns {
  std::vector<TableColumn> columns;  // columns[0] is "id"

  std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  const std::vector<std::int64_t>& ids() const { return std::get<IntColumn>(columns.front().data).values; }
  const TableColumn* find(std::string_view name) const {
    for (const auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  }
};

}  // namespace dirctl
