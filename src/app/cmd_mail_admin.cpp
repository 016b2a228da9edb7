// `danemail domain|user|alias|mailbox|queue`: administration of the mail store named by the configuration
// (`state`): domains, accounts and their passwords, aliases, and read-only listings of a mailbox and the
// outbound queue. Untrusted input: the operator's arguments and the password on standard input, checked by
// the store (address syntax RFC 5321 §4.1.2, host names RFC 1035 §2.3.1). Exit status: 0 done, 1 refused
// or failed (the message says why), 2 usage or configuration errors.
#include <fmt/core.h>
#include <openssl/rand.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/config.h"
#include "store/store.h"

namespace danemail::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Generated passwords: 20 characters of 62 give about 119 bits.
constexpr size_t kGeneratedPasswordLength = 20;
constexpr std::string_view kPasswordAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

struct AdminOptions {
    std::string config = "danemail.toml";
};

int fail(const Error& error, int status = kExitFailed) {
    fmt::print(stderr, "error: {}\n", error.to_string());
    return status;
}

// Loads the configuration and opens the store under its `state` directory.
Result<std::unique_ptr<store::Store>> open_store(const AdminOptions& options, int& exit_code) {
    auto config = load_config(options.config);
    if (!config) {
        exit_code = kExitUsage;
        return config.error();
    }
    auto opened = store::open_sqlite_store(config->state);
    if (!opened) {
        exit_code = kExitFailed;
        return opened.error();
    }
    return std::move(*opened);
}

// Runs `action` on the configured store and sets the process's exit status from its result.
void run_with_store(const AdminOptions& options, const std::function<int(store::Store&)>& action) {
    int exit_code = kExitOk;
    auto opened = open_store(options, exit_code);
    if (!opened) {
        exit_status() = fail(opened.error(), exit_code);
        return;
    }
    exit_status() = action(**opened);
}

int report(const Status& status, const std::string& done) {
    if (!status) return fail(status.error());
    fmt::print("{}\n", done);
    return kExitOk;
}

CLI::App* add_leaf(CLI::App& parent, const std::string& name, const std::string& description,
                   const std::shared_ptr<AdminOptions>& options) {
    CLI::App* leaf = parent.add_subcommand(name, description);
    leaf->add_option("-c,--config", options->config, "The configuration file (its `state` holds the store)")
        ->capture_default_str();
    return leaf;
}

// One line from standard input, without its line ending.
Result<std::string> read_password_line() {
    std::string line;
    if (!std::getline(std::cin, line) && line.empty()) {
        return make_error("no password on standard input (--password-stdin reads one line)");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// Uniform over the alphabet: random bytes beyond the largest multiple of its size are drawn again.
Result<std::string> generate_password() {
    constexpr unsigned kLimit = 256 - 256 % kPasswordAlphabet.size();
    std::string password;
    while (password.size() < kGeneratedPasswordLength) {
        unsigned char byte = 0;
        if (RAND_bytes(&byte, 1) != 1) return make_error("cannot get random bytes for a password");
        if (byte < kLimit) password.push_back(kPasswordAlphabet[byte % kPasswordAlphabet.size()]);
    }
    return password;
}

// The password for `user add` and `user passwd`: from standard input, or generated and printed.
struct PasswordChoice {
    std::string password;
    bool generated = false;
};

Result<PasswordChoice> choose_password(bool from_stdin) {
    if (from_stdin) {
        auto line = read_password_line();
        if (!line) return line.error();
        return PasswordChoice{*line, false};
    }
    auto generated = generate_password();
    if (!generated) return generated.error();
    return PasswordChoice{*generated, true};
}

// `user add` and `user passwd` differ only in the store call and the words.
void add_password_command(CLI::App& user, const std::string& name, const std::string& description,
                          bool create) {
    auto options = std::make_shared<AdminOptions>();
    auto address = std::make_shared<std::string>();
    auto from_stdin = std::make_shared<bool>(false);
    CLI::App* cmd = add_leaf(user, name, description, options);
    cmd->add_option("address", *address, "The account's address, e.g. alice@example.org")->required();
    cmd->add_flag(
        "--password-stdin", *from_stdin,
        "Read the password from one line of standard input (otherwise one is generated and printed)");
    cmd->callback([options, address, from_stdin, create] {
        auto choice = choose_password(*from_stdin);
        if (!choice) {
            exit_status() = fail(choice.error(), kExitUsage);
            return;
        }
        run_with_store(*options, [&](store::Store& store) {
            Status changed = create ? store.add_account(*address, choice->password)
                                    : store.set_password(*address, choice->password);
            if (!changed) return fail(changed.error());
            if (choice->generated) {
                fmt::print("password for {}: {}\n", *address, choice->password);
            } else {
                fmt::print("{} {}\n", create ? "added user" : "changed the password of", *address);
            }
            return kExitOk;
        });
    });
}

void add_domain_subcommands(CLI::App& domain) {
    auto add_options = std::make_shared<AdminOptions>();
    auto name = std::make_shared<std::string>();
    CLI::App* add = add_leaf(domain, "add", "Receive mail for a domain", add_options);
    add->add_option("domain", *name, "The domain, e.g. example.org")->required();
    add->callback([add_options, name] {
        run_with_store(*add_options, [&](store::Store& store) {
            return report(store.add_domain(*name), "added domain " + *name);
        });
    });

    auto list_options = std::make_shared<AdminOptions>();
    CLI::App* list = add_leaf(domain, "list", "List the domains, one a line", list_options);
    list->callback([list_options] {
        run_with_store(*list_options, [](store::Store& store) {
            auto domains = store.domains();
            if (!domains) return fail(domains.error());
            for (const auto& domain_name : *domains) fmt::print("{}\n", domain_name);
            return kExitOk;
        });
    });
}

void add_user_subcommands(CLI::App& user) {
    add_password_command(user, "add", "Add an account (its domain must be added first)", true);
    add_password_command(user, "passwd", "Set an account's password", false);

    auto del_options = std::make_shared<AdminOptions>();
    auto address = std::make_shared<std::string>();
    CLI::App* del = add_leaf(user, "del", "Delete an account with all its mail", del_options);
    del->add_option("address", *address, "The account's address")->required();
    del->callback([del_options, address] {
        run_with_store(*del_options, [&](store::Store& store) {
            return report(store.delete_account(*address), "deleted user " + *address);
        });
    });

    auto list_options = std::make_shared<AdminOptions>();
    CLI::App* list = add_leaf(user, "list", "List the accounts, one a line", list_options);
    list->callback([list_options] {
        run_with_store(*list_options, [](store::Store& store) {
            auto accounts = store.accounts();
            if (!accounts) return fail(accounts.error());
            for (const auto& account : *accounts) fmt::print("{}\n", account.address);
            return kExitOk;
        });
    });
}

}  // namespace

void add_domain_command(CLI::App& app) {
    CLI::App* domain = app.add_subcommand("domain", "The mail domains: add, list");
    domain->require_subcommand(1);
    add_domain_subcommands(*domain);
}

void add_user_command(CLI::App& app) {
    CLI::App* user = app.add_subcommand("user", "Mail accounts: add, passwd, del, list");
    user->require_subcommand(1);
    add_user_subcommands(*user);
}

void add_alias_command(CLI::App& app) {
    CLI::App* alias = app.add_subcommand("alias", "Aliases: add ADDRESS TARGET");
    alias->require_subcommand(1);
    auto options = std::make_shared<AdminOptions>();
    auto address = std::make_shared<std::string>();
    auto target = std::make_shared<std::string>();
    CLI::App* add = add_leaf(*alias, "add",
                             "Deliver mail for ADDRESS to TARGET (an account, an alias or a remote address); "
                             "add again for more targets",
                             options);
    add->add_option("address", *address, "The alias, in one of our domains")->required();
    add->add_option("target", *target, "Where its mail goes")->required();
    add->callback([options, address, target] {
        run_with_store(*options, [&](store::Store& store) {
            return report(store.add_alias(*address, *target), "added alias " + *address + " -> " + *target);
        });
    });
}

void add_mailbox_command(CLI::App& app) {
    CLI::App* mailbox = app.add_subcommand("mailbox", "Look into an account's mailboxes: list");
    mailbox->require_subcommand(1);
    auto options = std::make_shared<AdminOptions>();
    auto address = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>("INBOX");
    CLI::App* list = add_leaf(*mailbox, "list",
                              "One line per message, tab-separated: uid, size, internal date (unix seconds), "
                              "flags, file",
                              options);
    list->add_option("address", *address, "The account's address")->required();
    list->add_option("--mailbox", *name, "The mailbox")->capture_default_str();
    list->callback([options, address, name] {
        run_with_store(*options, [&](store::Store& store) {
            auto messages = store.mailbox_messages(*address, *name);
            if (!messages) return fail(messages.error());
            for (const auto& message : *messages) {
                fmt::print("{}\t{}\t{}\t{}\t{}\n", message.uid, message.size, message.internal_date,
                           message.flags, message.file);
            }
            return kExitOk;
        });
    });
}

void add_queue_command(CLI::App& app) {
    CLI::App* queue = app.add_subcommand("queue", "The outbound queue: list");
    queue->require_subcommand(1);
    auto options = std::make_shared<AdminOptions>();
    CLI::App* list = add_leaf(*queue, "list",
                              "One line per queued recipient, tab-separated: message id, sender, recipient, "
                              "queued at (unix seconds), file",
                              options);
    list->callback([options] {
        run_with_store(*options, [](store::Store& store) {
            auto queued = store.queued_recipients();
            if (!queued) return fail(queued.error());
            for (const auto& entry : *queued) {
                fmt::print("{}\t{}\t{}\t{}\t{}\n", entry.message_id, entry.mail_from, entry.recipient,
                           entry.queued_at, entry.file);
            }
            return kExitOk;
        });
    });
}

}  // namespace danemail::app
