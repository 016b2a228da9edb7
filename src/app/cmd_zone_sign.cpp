// PLACEHOLDER: replaced by the real `danemail zone sign` subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace danemail::app {
void add_zone_sign_command(CLI::App& zone) { zone.add_subcommand("sign", "(not built yet)"); }
}  // namespace danemail::app
