// danemail: one program for a DNSSEC- and DANE-secured mail domain. main() only parses the command line
// and hands over to the subcommand.
#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
    CLI::App app{"danemail — DNSSEC-signed DNS and DANE-secured mail for one domain", "danemail"};
    app.require_subcommand(1);
    danemail::app::add_key_command(app);
    danemail::app::add_zone_command(app);
    danemail::app::add_tlsa_command(app);
    danemail::app::add_serve_command(app);
    danemail::app::add_dns_command(app);
    danemail::app::add_lab_command(app);
    danemail::app::add_init_command(app);
    danemail::app::add_domain_command(app);
    danemail::app::add_user_command(app);
    danemail::app::add_alias_command(app);
    danemail::app::add_mailbox_command(app);
    danemail::app::add_queue_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help prints and exits 0; a usage error exits 2, as every config error does.
        return app.exit(e) == 0 ? 0 : 2;
    }
    return danemail::app::exit_status();
}
