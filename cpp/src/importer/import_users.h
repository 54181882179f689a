// The CSV import of users (JumpCloud's template), as a room of its own.
//
// import_users() reads the file, checks every cell and row, and writes
// through the host (ImportHost): streaming rows into the write transaction
// as they are read when the file has no passwords, or reading and hashing
// every row before taking the write lock when it has. With on_error=abort a
// bad row leaves the transaction to roll back; a broken file keeps nothing.
// The caller has authorised the import (bulk_user_imports) and checked the
// org; `rep` may carry warnings already (a dry run by a refused actor).
#pragma once

#include <string>

#include "dirctl/user_import.h"
#include "importer/import_host.h"

namespace dirctl {

ImportReport import_users(ImportHost& host, Id org, const std::string& path, const ImportOptions& opt,
                          ImportReport rep);

}  // namespace dirctl
