// Each subcommand of the `danemail` binary registers itself on the CLI11 application here; the
// implementations live one file per subcommand (cmd_*.cpp) and return the process exit status.
#pragma once

namespace CLI {
class App;
}

namespace danemail::app {

// Exit status chosen by the subcommand that ran (0 when none ran).
int& exit_status();

void add_key_command(CLI::App& app);
void add_zone_command(CLI::App& app);
void add_tlsa_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_dns_command(CLI::App& app);   // asks the running server over its control socket
void add_lab_command(CLI::App& app);   // the DNS lab on loopback: up, down, status
void add_init_command(CLI::App& app);  // a working configuration, certificate, zone and admin account
// Store administration, each in cmd_mail_admin.cpp: `domain add|list`, `user add|passwd|del|list`,
// `alias add`, `mailbox list`, `queue list`.
void add_domain_command(CLI::App& app);
void add_user_command(CLI::App& app);
void add_alias_command(CLI::App& app);
void add_mailbox_command(CLI::App& app);  // `mailbox list ADDR`
void add_queue_command(CLI::App& app);    // `queue list` (the queue's delivery comes with issue 5)

// Subcommands of `danemail zone`, each in its own file.
void add_zone_check_command(CLI::App& zone);
void add_zone_sign_command(CLI::App& zone);
void add_zone_verify_command(CLI::App& zone);

}  // namespace danemail::app
