// The files that point validators at the lab instead of the Internet: D/root.hints (the lab root's name
// server), D/root.key (the root's DS, RFC 4034 §5, as unbound's trust-anchor-file reads it), D/delv.conf
// (BIND's `trust-anchors { . static-ds ...; };` for `delv -a`) and D/unbound.conf (a validating unbound
// on 127.1.0.53 that queries the lab's loopback servers).
#pragma once

#include <string>
#include <vector>

#include "app/lab_keys.h"
#include "app/lab_layout.h"
#include "base/result.h"

namespace danemail::app::lab {

std::string root_hints_text();
std::string root_key_text(const std::vector<LabDs>& root_ds);
std::string delv_conf_text(const std::vector<LabDs>& root_ds);
std::string unbound_conf_text(const std::string& dir, const ResolverPaths& paths);

// Writes all four into `dir` (absolute).
Status write_resolver_files(const std::string& dir, const std::vector<LabDs>& root_ds);

}  // namespace danemail::app::lab
