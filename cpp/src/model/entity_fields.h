// How a record's fields become an Entity of the in-memory model: its hot
// attributes (name, state, role, flags, link) come from the kind's fields
// marked hot in the descriptor (dirctl/kinds.h). Pure functions.
#pragma once

#include "dirctl/kinds.h"
#include "dirctl/record.h"
#include "model/model.h"

namespace dirctl {

// Sets the hot attribute that field `f` carries (a no-op for other fields).
void apply_field(const KindSpec& kind, const FieldSpec& f, const Value& v, Entity& e);
// Sets the entity's hot attributes that the fields give.
void apply_fields(const KindSpec& kind, const Fields& fields, Entity& e);
Entity entity_of(const KindSpec& kind, const Record& record);
Entity entity_of(const KindSpec& kind, Id org, const Fields& fields);
// model.put() of the record's entity, with what the model keeps beside
// entities (an org's operator group name).
void put_record(Model& model, const KindSpec& kind, Id id, Id org, const Fields& fields);
inline void put_record(Model& model, const KindSpec& kind, const Record& record) {
  put_record(model, kind, record.id, record.org, record.fields);
}
// What load_hot gives for fields kept beside entities.
void apply_side_field(Model& model, Id id, const FieldSpec& f, const Value& v);

}  // namespace dirctl
