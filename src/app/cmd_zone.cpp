// `danemail zone`: the command group for zone files — check, sign, verify — each subcommand in its own file.
// Handles no input itself; it only registers the subcommands.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace danemail::app {

void add_zone_command(CLI::App& app) {
    CLI::App* zone = app.add_subcommand("zone", "Check, sign and verify DNS zone files");
    zone->require_subcommand(1);
    add_zone_check_command(*zone);
    add_zone_sign_command(*zone);
    add_zone_verify_command(*zone);
}

}  // namespace danemail::app
