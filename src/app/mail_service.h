// The mail side of `danemail serve`: opens the mail store under the state directory, puts the SMTP server
// (smtp/server/smtp_listener.h) on the [smtp] listeners — port 25 for mail from the world, 587 and 465 for
// submission (RFC 8314) — with the store behind it (store/smtp_hooks.h), and reloads the certificate on
// SIGHUP. The configuration is operator input, already checked by config.cpp.
#pragma once

#include <memory>
#include <string>

#include "app/config.h"
#include "base/result.h"
#include "smtp/server/smtp_listener.h"

namespace danemail::store {
class Store;
class StoreMailHooks;
}  // namespace danemail::store

namespace danemail::app {

// The SMTP server's settings from [smtp]: session limits and policy, one listener per address with the
// service of its list (listen: Mx, submission: Submission, submissions: ImplicitTlsSubmission), the
// certificate files and the timeouts.
Result<smtp::SmtpServerConfig> smtp_server_config(const SmtpConfig& smtp);

// "127.0.0.1:25 (mx), 127.0.0.1:587 (submission), 127.0.0.1:465 (submissions)" for the startup line.
std::string describe_listeners(const SmtpConfig& smtp);

class MailService {
public:
    // Opens the store and binds every listener (nothing is accepted before start()). Errors name the file
    // or the address.
    static Result<std::unique_ptr<MailService>> open(const Config& config);
    ~MailService();
    MailService(const MailService&) = delete;
    MailService& operator=(const MailService&) = delete;

    void start();
    void stop();  // idempotent; waits for deliveries in progress
    // SIGHUP: the certificate and key are read again; new connections use them. A broken file keeps the
    // old ones and says why.
    Status reload_certificate();

    store::Store& store() { return *store_; }

private:
    MailService();

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<store::StoreMailHooks> hooks_;
    std::unique_ptr<smtp::SmtpServer> server_;
};

}  // namespace danemail::app
