// PLACEHOLDER: replaced by the real `danemail zone` subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace danemail::app {
void add_zone_command(CLI::App& app) { app.add_subcommand("zone", "(not built yet)"); }
}  // namespace danemail::app
