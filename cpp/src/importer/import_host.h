// ImportHost: all the importer may reach of the rest of the engine, and the
// only way it does. The directory implements it for one import by one actor
// (directory/import_host.cpp); the importer never sees the facade's state.
//
//   read       the in-memory model, stored records and the org's user keys;
//   authorise  the role engine's decision for the import's actor;
//   write      through the store writer (RecordWriter, or the bulk mode on
//              store()), inside the one write transaction the host opens;
//   apply      changes to the model, only after SQLite accepted their rows.
//
// Not thread-safe: one import at a time, on the thread that runs it (the
// bulk writer's own thread writes only through the BulkUserWriter).
#pragma once

#include <cstdint>
#include <string>

#include "dirctl/authz.h"
#include "dirctl/event.h"
#include "dirctl/record.h"
#include "dirctl/types.h"
#include "model/model.h"

namespace dirctl {

class Store;
class RecordStore;
class RecordWriter;

class ImportHost {
 public:
  virtual ~ImportHost() = default;

  // --- read -----------------------------------------------------------------------
  virtual const Model& model() const = 0;
  virtual RecordStore& records() = 0;
  virtual Record full_record(Id id) = 0;  // NotFound if gone

  // --- authorise (the import's actor) ---------------------------------------------
  virtual bool acts_as_system() const = 0;
  virtual Decision check(ActionId action, Id resource, bool explain) = 0;

  // --- write ----------------------------------------------------------------------
  // Opens the import's write transaction (BEGIN IMMEDIATE, caught up with
  // other processes). Until commit_write(), destroying the host or calling
  // abort_write() rolls everything back, memory included.
  virtual void begin_write() = 0;
  virtual void commit_write() = 0;
  virtual void abort_write() = 0;
  virtual Store& store() = 0;          // for the bulk mode and index deferral
  virtual RecordWriter& writer() = 0;  // rows and events one at a time
  // An event initiated by the import's actor (time, org, initiator, resource).
  virtual Event event(const std::string& type, Id org, Id resource) = 0;
  virtual void append(Event& event) = 0;        // writes it; sets its seq
  virtual void note_seq(std::int64_t seq) = 0;  // an event the bulk mode wrote

  // --- apply to memory (after the rows are written) --------------------------------
  virtual Id allocate_id() = 0;
  virtual void put(Id id, const Entity& entity) = 0;
  virtual void link(Id a, Id b) = 0;
};

}  // namespace dirctl
