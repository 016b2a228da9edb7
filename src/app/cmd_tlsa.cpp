// PLACEHOLDER: replaced by the real `danemail tlsa` subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace danemail::app {
void add_tlsa_command(CLI::App& app) { app.add_subcommand("tlsa", "(not built yet)"); }
}  // namespace danemail::app
