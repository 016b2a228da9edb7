// PLACEHOLDER: replaced by the real `danemail zone verify` subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace danemail::app {
void add_zone_verify_command(CLI::App& zone) { zone.add_subcommand("verify", "(not built yet)"); }
}  // namespace danemail::app
