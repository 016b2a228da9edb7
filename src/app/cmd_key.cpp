// PLACEHOLDER: replaced by the real `danemail key` subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace danemail::app {
void add_key_command(CLI::App& app) { app.add_subcommand("key", "(not built yet)"); }
}  // namespace danemail::app
