// Builds the SMTP server of `danemail serve` from [smtp] and the mail store (see mail_service.h).
#include "app/mail_service.h"

#include <fmt/format.h>

#include <filesystem>

#include "app/config_values.h"
#include "store/smtp_hooks.h"
#include "store/store.h"

namespace danemail::app {
namespace {

struct ListenerList {
    const std::vector<std::string>* addresses;
    smtp::ServicePort service;
    const char* name;
};

std::vector<ListenerList> listener_lists(const SmtpConfig& smtp) {
    return {{&smtp.listen, smtp::ServicePort::Mx, "mx"},
            {&smtp.submission, smtp::ServicePort::Submission, "submission"},
            {&smtp.submissions, smtp::ServicePort::ImplicitTlsSubmission, "submissions"}};
}

}  // namespace

Result<smtp::SmtpServerConfig> smtp_server_config(const SmtpConfig& smtp) {
    smtp::SmtpServerConfig server;
    for (const ListenerList& list : listener_lists(smtp)) {
        for (const std::string& text : *list.addresses) {
            auto parsed = parse_listen_address(text);
            if (!parsed) return make_error(smtp.where, std::string(list.name) + ": " + parsed.error().what);
            server.listen.push_back({parsed->address, parsed->port, list.service});
        }
    }
    server.session.hostname = smtp.hostname;
    server.session.bare_line_endings =
        smtp.normalize_line_endings ? smtp::LineEndingPolicy::Normalize : smtp::LineEndingPolicy::Reject;
    server.session.limits.max_message_size = static_cast<size_t>(smtp.max_message_size);
    server.session.limits.max_recipients = smtp.max_recipients;
    server.certificate_chain_file = smtp.certificate;
    server.private_key_file = smtp.private_key;
    server.threads = smtp.threads;
    server.max_connections = smtp.max_connections;
    server.max_connections_per_client = smtp.max_connections_per_client;
    server.command_timeout = std::chrono::seconds(smtp.command_timeout);
    server.data_timeout = std::chrono::seconds(smtp.data_timeout);
    return server;
}

std::string describe_listeners(const SmtpConfig& smtp) {
    std::vector<std::string> parts;
    for (const ListenerList& list : listener_lists(smtp))
        for (const std::string& text : *list.addresses)
            parts.push_back(fmt::format("{} ({})", text, list.name));
    return fmt::format("{}", fmt::join(parts, ", "));
}

namespace {

// The domain whose postmaster gets mail for "<postmaster>" (RFC 5321 §4.5.1): the one of ours that the mail
// host is named in (mx.example.org → example.org), else the first of ours.
std::string postmaster_domain(store::Store& store, const std::string& hostname) {
    auto domains = store.domains();
    if (!domains || domains->empty()) return {};
    for (std::string_view name = hostname; !name.empty();) {
        for (const std::string& domain : *domains)
            if (name == domain) return domain;
        size_t dot = name.find('.');
        if (dot == std::string_view::npos) break;
        name.remove_prefix(dot + 1);
    }
    return domains->front();
}

}  // namespace

Result<std::unique_ptr<MailService>> MailService::open(const Config& config) {
    auto server_config = smtp_server_config(config.smtp);
    if (!server_config) return server_config.error();
    std::unique_ptr<MailService> service(new MailService());
    auto store = store::open_sqlite_store(config.state);
    if (!store) return make_error(config.state, "mail store: " + store.error().to_string());
    service->store_ = std::move(*store);
    service->hooks_ = std::make_unique<store::StoreMailHooks>(
        *service->store_, postmaster_domain(*service->store_, config.smtp.hostname));
    auto server = smtp::SmtpServer::open(*server_config, *service->hooks_);
    if (!server) return server.error();
    service->server_ = std::move(*server);
    return service;
}

MailService::MailService() = default;

MailService::~MailService() {
    stop();
}

void MailService::start() {
    server_->start();
}

void MailService::stop() {
    // The server goes first: deliveries in progress still need the hooks and the store.
    if (server_) server_->stop();
}

Status MailService::reload_certificate() {
    return server_->reload_certificate();
}

}  // namespace danemail::app
