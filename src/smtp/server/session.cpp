// The SMTP server session (session.h): a state machine fed with untrusted client bytes, answering each
// command of RFC 5321 §4.1 with its ESMTP extensions, reading DATA and BDAT content, and handing password
// checks and deliveries to the driver as actions. The order rules (§4.1.4), the submission rules (RFC 8314,
// RFC 4954) and the limits live here; framing lives in line_reader.cpp and data_reader.cpp.
#include "smtp/server/session.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <random>

#include "base/time.h"
#include "smtp/command.h"
#include "smtp/server/data_reader.h"
#include "smtp/server/line_reader.h"
#include "smtp/server/received_header.h"
#include "smtp/server/sasl.h"

namespace danemail::smtp {

namespace {

enum class Phase {
    Command,        // reading command lines
    SaslResponse,   // reading the answer to a 334 challenge
    Data,           // reading DATA content
    Bdat,           // reading the octets of a BDAT chunk
    AwaitTls,       // StartTls handed out; waiting for tls_started()
    AwaitAuth,      // Authenticate handed out; waiting for auth_finished()
    AwaitDelivery,  // Deliver handed out; waiting for delivery_finished()
    Closed,
};

enum class Greeting { None, Helo, Ehlo };

// Content buffers larger than this are released after a message instead of being kept for the next one;
// a declared SIZE reserves at most 1 MiB up front (a client's claim costs no memory it does not send).
// 64 KiB: most messages fit, and an idle connection that once took a large message stays cheap.
constexpr size_t kKeptContentCapacity = 64u << 10;
constexpr size_t kMaxReservedContent = 1u << 20;
constexpr size_t kInitialContentCapacity = 16u << 10;
constexpr size_t kReceivedHeaderRoom = 1024;

bool has_non_ascii(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// 12 lowercase hex characters from the CSPRNG: 48 bits, unique enough to tell messages apart in logs.
std::string new_queue_id() {
    unsigned char random[6];
    if (RAND_bytes(random, sizeof random) != 1) {
        static thread_local std::mt19937_64 fallback{std::random_device{}()};
        uint64_t value = fallback();
        for (auto& byte : random) {
            byte = static_cast<unsigned char>(value);
            value >>= 8;
        }
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(12, '0');
    for (size_t i = 0; i < sizeof random; ++i) {
        id[2 * i] = kHex[random[i] >> 4];
        id[2 * i + 1] = kHex[random[i] & 15];
    }
    return id;
}

}  // namespace

struct Session::State {
    State(const SessionSettings& session_settings, MailHooks& mail_hooks, std::string address,
          std::optional<TlsInfo> established)
        : settings(session_settings),
          hooks(mail_hooks),
          tls(std::move(established)),
          lines(session_settings.bare_line_endings, session_settings.limits.max_command_line,
                session_settings.limits.max_auth_line) {
        message.client_address = std::move(address);
        if (settings.hostname.empty()) settings.hostname = "localhost";
    }

    SessionSettings settings;
    MailHooks& hooks;
    std::optional<TlsInfo> tls;
    std::string output;
    LineReader lines;
    Phase phase = Phase::Command;

    Greeting greeting = Greeting::None;
    std::string helo;
    std::optional<Account> account;
    SaslExchange sasl;
    AuthRequest auth_request;

    // The mail transaction (RFC 5321 §3.3): its envelope and content are built in `message`.
    IncomingMessage message;
    bool has_mail_from = false;
    bool recipient_attempted = false;  // some RCPT was tried: DATA without recipients gets 554
    bool bdat_started = false;         // BDAT chunks were accepted: DATA is out of order
    bool bdat_rejected = false;        // a chunk got 552: later chunks of the pipeline get 552 too
    uint64_t bdat_chunk_size = 0;
    uint64_t bdat_remaining = 0;
    bool bdat_last = false;
    std::optional<Reply> bdat_refusal;  // the chunk being read is discarded and gets this reply
    size_t declared_size = 0;
    DataReader data;
    BdatReader bdat;

    size_t commands = 0;
    size_t junk_commands = 0;
    size_t errors = 0;
    size_t auth_failures = 0;

    bool submission() const { return settings.port != ServicePort::Mx; }
    bool auth_offered() const { return submission() && tls.has_value(); }
    bool starttls_offered() const {
        return settings.starttls_available && !tls && settings.port != ServicePort::ImplicitTlsSubmission;
    }

    void reply(const Reply& r) { output += r.to_wire(); }
    void close_with(const Reply& r) {
        reply(r);
        phase = Phase::Closed;
    }
    // A 4xx/5xx answer to a command; too many of them end the session.
    void fail(const Reply& r) {
        reply(r);
        if (++errors >= settings.limits.max_errors)
            close_with({421, "4.7.0", settings.hostname + " Error: too many errors"});
    }

    void reset_transaction();
    void begin_message();
    void handle_line(const Line& line);
    void handle_command(const CommandLine& command);
    void handle_ehlo(const CommandLine& command);
    void handle_mail(std::string_view argument);
    void handle_rcpt(std::string_view argument);
    void handle_data(std::string_view argument);
    void handle_bdat(std::string_view argument);
    void handle_starttls(std::string_view argument);
    void handle_auth(std::string_view argument);
    void handle_sasl_step(SaslExchange::Step step);
    void authentication_failed();
    void finish_data();
    size_t read_chunk(std::string_view input);
    void finish_chunk();
};

void Session::State::reset_transaction() {
    has_mail_from = false;
    recipient_attempted = false;
    bdat_started = false;
    declared_size = 0;
    message.id.clear();
    message.mail_from = Mailbox{};
    message.recipients.clear();
    message.account.reset();
    message.smtputf8 = false;
    message.eight_bit = false;
    if (message.content.capacity() > kKeptContentCapacity) {
        std::string().swap(message.content);
    } else {
        message.content.clear();
    }
}

// The first octet of content: the queue id and the Received header (RFC 5321 §4.4), written first into the
// buffer the content is then appended to, so the body is copied exactly once.
void Session::State::begin_message() {
    message.id = new_queue_id();
    message.account = account;
    message.helo = helo;
    message.tls = tls;
    message.content.clear();
    size_t expected = std::clamp(declared_size, kInitialContentCapacity, kMaxReservedContent);
    message.content.reserve(std::min(expected, settings.limits.max_message_size) + kReceivedHeaderRoom);
    ReceivedFields fields;
    fields.helo = helo;
    fields.esmtp = greeting == Greeting::Ehlo;
    fields.client_address = message.client_address;
    fields.hostname = settings.hostname;
    fields.tls = tls ? &*tls : nullptr;
    fields.authenticated = account.has_value();
    fields.smtputf8 = message.smtputf8;
    fields.id = message.id;
    fields.recipient = message.recipients.size() == 1 ? &message.recipients.front() : nullptr;
    fields.time = now_unix();
    append_received_header(message.content, fields);
}

void Session::State::handle_line(const Line& line) {
    if (phase == Phase::SaslResponse) {
        phase = Phase::Command;
        if (line.too_long) {
            sasl.clear();
            fail({500, "5.5.6", "Authentication exchange line is too long"});  // RFC 4954 §4
        } else if (line.bare_line_ending) {
            sasl.clear();
            fail({500, "5.5.2", "Error: bare CR or LF in authentication response"});
        } else {
            handle_sasl_step(sasl.respond(line.text));
        }
        return;
    }
    if (++commands > settings.limits.max_commands) {
        close_with({421, "4.7.0", settings.hostname + " Error: too many commands"});
        return;
    }
    if (line.too_long) {
        fail({500, "5.5.2", "Error: line too long"});  // RFC 5321 §4.5.3.1.4
        return;
    }
    if (line.bare_line_ending) {
        // RFC 5321 §2.3.8: only CRLF ends a line; anything else is refused, never guessed at.
        fail({500, "5.5.2", "Error: bare CR or LF not allowed"});
        return;
    }
    handle_command(parse_command_line(line.text));
}

void Session::State::handle_command(const CommandLine& command) {
    switch (command.verb) {
        case Verb::Noop:
        case Verb::Rset:
        case Verb::Vrfy:
        case Verb::Expn:
        case Verb::Help:
            if (++junk_commands > settings.limits.max_junk_commands) {
                close_with({421, "4.7.0", settings.hostname + " Error: too many commands without mail"});
                return;
            }
            break;
        default:
            break;
    }
    switch (command.verb) {
        case Verb::Helo:
        case Verb::Ehlo:
            handle_ehlo(command);
            return;
        case Verb::Mail:
            handle_mail(command.argument);
            return;
        case Verb::Rcpt:
            handle_rcpt(command.argument);
            return;
        case Verb::Data:
            handle_data(command.argument);
            return;
        case Verb::Bdat:
            handle_bdat(command.argument);
            return;
        case Verb::StartTls:
            handle_starttls(command.argument);
            return;
        case Verb::Auth:
            handle_auth(command.argument);
            return;
        case Verb::Rset:
            // RFC 5321 §4.1.1.5: RSET takes no argument.
            if (!command.argument.empty()) return fail({501, "5.5.4", "Syntax: RSET"});
            reset_transaction();
            bdat_rejected = false;
            reply({250, "2.0.0", "Ok"});
            return;
        case Verb::Noop:
            reply({250, "2.0.0", "Ok"});
            return;
        case Verb::Quit:
            close_with({221, "2.0.0", "Bye"});
            return;
        case Verb::Vrfy:
            // RFC 5321 §3.5.3: 252 says nothing about whether the user exists.
            if (command.argument.empty()) return fail({501, "5.5.4", "Syntax: VRFY address"});
            reply({252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"});
            return;
        case Verb::Expn:
            fail({502, "5.5.1", "Error: EXPN not available"});
            return;
        case Verb::Help:
            reply(
                {214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH"});
            return;
        case Verb::Unknown:
            fail({500, "5.5.1", "Error: command not recognized"});
            return;
    }
}

void Session::State::handle_ehlo(const CommandLine& command) {
    bool ehlo = command.verb == Verb::Ehlo;
    if (command.argument.empty())
        return fail({501, "5.5.4", ehlo ? "Syntax: EHLO hostname" : "Syntax: HELO hostname"});
    // RFC 5321 §4.1.4: EHLO/HELO in the middle of a transaction resets it, as RSET does.
    reset_transaction();
    greeting = ehlo ? Greeting::Ehlo : Greeting::Helo;
    helo.assign(command.argument);
    if (!ehlo) return reply({250, "", settings.hostname});
    // The enhanced code is not repeated here: each line after the first is an extension keyword.
    std::string text = settings.hostname;
    text += "\nPIPELINING\nSIZE ";  // RFC 2920, RFC 1870
    text += std::to_string(settings.limits.max_message_size);
    text += "\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES";           // RFC 6152, RFC 6531, RFC 2034
    if (starttls_offered()) text += "\nSTARTTLS";                  // RFC 3207
    text += "\nCHUNKING";                                          // RFC 3030
    if (auth_offered() && !account) text += "\nAUTH PLAIN LOGIN";  // RFC 4954, only inside TLS
    reply({250, "", text});
}

void Session::State::handle_mail(std::string_view argument) {
    if (greeting == Greeting::None) return fail({503, "5.5.1", "Error: send HELO/EHLO first"});
    // RFC 8314 §3.3 and the submission rule: nothing before TLS, nothing without a login.
    if (settings.port == ServicePort::Submission && !tls)
        return fail({530, "5.7.0", "Must issue a STARTTLS command first"});
    if (submission() && !account) return fail({530, "5.7.0", "Authentication required"});
    if (has_mail_from) return fail({503, "5.5.1", "Error: nested MAIL command"});

    auto parsed = parse_path_argument(argument, "FROM:");
    if (!parsed) return fail({501, "5.5.4", "Syntax: MAIL FROM:<address> (" + parsed.error().what + ")"});
    bool smtputf8 = false;
    bool eight_bit = false;
    bool seen_size = false, seen_body = false, seen_smtputf8 = false, seen_auth = false;
    size_t declared = 0;
    for (const auto& parameter : parsed->parameters) {
        // RFC 5321 §4.1.1.11: parameters only after EHLO.
        if (greeting != Greeting::Ehlo) return fail({555, "5.5.4", "Error: parameters need EHLO"});
        if (equals_ignoring_case(parameter.keyword, "SIZE")) {
            // RFC 1870 §6: SIZE=n, a declared estimate; refused at once when over the limit.
            if (seen_size || !parameter.has_value || parameter.value.size() > 19 ||
                !std::all_of(parameter.value.begin(), parameter.value.end(),
                             [](char c) { return c >= '0' && c <= '9'; }))
                return fail({501, "5.5.4", "Syntax: SIZE=number"});
            seen_size = true;
            uint64_t size = 0;
            for (char c : parameter.value) size = size * 10 + static_cast<uint64_t>(c - '0');
            if (size > settings.limits.max_message_size)
                return fail({552, "5.3.4", "Message size exceeds fixed maximum message size"});
            declared = static_cast<size_t>(size);
        } else if (equals_ignoring_case(parameter.keyword, "BODY")) {
            // RFC 6152 §2: BODY=7BIT or BODY=8BITMIME.
            if (seen_body || !parameter.has_value) return fail({501, "5.5.4", "Syntax: BODY=7BIT|8BITMIME"});
            seen_body = true;
            if (equals_ignoring_case(parameter.value, "8BITMIME")) {
                eight_bit = true;
            } else if (!equals_ignoring_case(parameter.value, "7BIT")) {
                return fail({501, "5.5.4", "Syntax: BODY=7BIT|8BITMIME"});
            }
        } else if (equals_ignoring_case(parameter.keyword, "SMTPUTF8")) {
            // RFC 6531 §3.4: SMTPUTF8 takes no value.
            if (seen_smtputf8 || parameter.has_value) return fail({501, "5.5.4", "Syntax: SMTPUTF8"});
            seen_smtputf8 = smtputf8 = true;
        } else if (equals_ignoring_case(parameter.keyword, "AUTH")) {
            // RFC 4954 §5: the sender's claimed identity; we trust only our own login, so it is ignored.
            if (seen_auth || !parameter.has_value) return fail({501, "5.5.4", "Syntax: AUTH=mailbox"});
            seen_auth = true;
        } else {
            return fail({555, "5.5.4", "Error: unsupported MAIL parameter"});
        }
    }
    // RFC 6531 §3.7.4.1: a non-ASCII address without SMTPUTF8.
    if (!smtputf8 && has_non_ascii(parsed->path))
        return fail({553, "5.6.7", "Error: non-ASCII address needs SMTPUTF8"});
    auto sender = parse_reverse_path(parsed->path, PathOptions{smtputf8});
    if (!sender) return fail({501, "5.1.7", "Bad sender address syntax: " + sender.error().what});
    if (submission()) {
        if (sender->domain.empty())
            return fail({553, "5.7.1", "Error: null sender not allowed on submission"});
        if (!hooks.may_send_as(*account, *sender))
            return fail({553, "5.7.1",
                         "<" + sender->to_string() + ">: Sender address not owned by " + account->address});
    }
    reset_transaction();
    bdat_rejected = false;
    has_mail_from = true;
    message.mail_from = std::move(*sender);
    message.smtputf8 = smtputf8;
    message.eight_bit = eight_bit;
    declared_size = declared;
    reply({250, "2.1.0", "Ok"});
}

void Session::State::handle_rcpt(std::string_view argument) {
    if (!has_mail_from) return fail({503, "5.5.1", "Error: need MAIL command"});
    auto parsed = parse_path_argument(argument, "TO:");
    if (!parsed) return fail({501, "5.5.4", "Syntax: RCPT TO:<address> (" + parsed.error().what + ")"});
    if (!parsed->parameters.empty()) return fail({555, "5.5.4", "Error: unsupported RCPT parameter"});
    recipient_attempted = true;
    // RFC 5321 §4.5.3.1.10: 452 asks the client to send the rest in another transaction; not an error.
    if (message.recipients.size() >= settings.limits.max_recipients)
        return reply({452, "4.5.3", "Error: too many recipients"});
    if (!message.smtputf8 && has_non_ascii(parsed->path))
        return fail({553, "5.6.7", "Error: non-ASCII address needs SMTPUTF8"});
    auto recipient = parse_path(parsed->path, PathOptions{message.smtputf8});
    if (!recipient) return fail({501, "5.1.3", "Bad recipient address syntax: " + recipient.error().what});

    RecipientCheck check = hooks.check_recipient(*recipient);
    if (check.temporary_failure) return fail(*check.temporary_failure);
    std::string quoted = "<" + recipient->to_string() + ">";
    switch (check.kind) {
        case RecipientKind::Local:
            break;
        case RecipientKind::Unknown:
            return fail({550, "5.1.1", quoted + ": Recipient address rejected: User unknown"});
        case RecipientKind::Remote:
            // Only an authenticated submission client may send to other domains: never an open relay.
            if (!submission() || !account) return fail({554, "5.7.1", quoted + ": Relay access denied"});
            break;
    }
    if (std::find(message.recipients.begin(), message.recipients.end(), *recipient) ==
        message.recipients.end())
        message.recipients.push_back(std::move(*recipient));
    reply({250, "2.1.5", "Ok"});
}

void Session::State::handle_data(std::string_view argument) {
    if (!argument.empty()) return fail({501, "5.5.4", "Syntax: DATA"});
    if (!has_mail_from) return fail({503, "5.5.1", "Error: need MAIL command"});
    if (bdat_started) return fail({503, "5.5.1", "Error: DATA after BDAT"});  // RFC 3030 §3
    if (message.recipients.empty()) {
        // RFC 2920 §3.1: after only failed RCPTs a pipelined DATA gets 554, so the client sends no content.
        if (recipient_attempted) return fail({554, "5.5.1", "Error: no valid recipients"});
        return fail({503, "5.5.1", "Error: need RCPT command"});
    }
    begin_message();
    data.start(&message.content, settings.bare_line_endings, settings.limits.max_message_size);
    phase = Phase::Data;
    reply({354, "", "End data with <CR><LF>.<CR><LF>"});
}

void Session::State::finish_data() {
    phase = Phase::Command;
    if (data.bare_line_ending() && settings.bare_line_endings == LineEndingPolicy::Reject) {
        reset_transaction();
        return fail({550, "5.6.0", "Error: message contains bare CR or LF characters"});
    }
    if (data.too_big()) {
        reset_transaction();
        return fail({552, "5.3.4", "Error: message size exceeds fixed limit"});
    }
    phase = Phase::AwaitDelivery;
}

// RFC 3030 §2: "BDAT n [LAST]" is followed by exactly n octets, which are read even when the command is
// refused — otherwise they would be taken for commands.
void Session::State::handle_bdat(std::string_view argument) {
    auto parsed = parse_bdat_argument(argument);
    if (!parsed) return fail({501, "5.5.4", "Syntax: BDAT size [LAST]"});
    bdat_refusal.reset();
    if (!has_mail_from) {
        bdat_refusal = bdat_rejected ? Reply{552, "5.3.4", "Error: message size exceeds fixed limit"}
                                     : Reply{503, "5.5.1", "Error: need MAIL command"};
    } else if (message.recipients.empty()) {
        bdat_refusal = recipient_attempted ? Reply{554, "5.5.1", "Error: no valid recipients"}
                                           : Reply{503, "5.5.1", "Error: need RCPT command"};
    } else {
        size_t so_far = bdat_started ? bdat.size() : 0;
        if (parsed->size >
            settings.limits.max_message_size - std::min(so_far, settings.limits.max_message_size)) {
            // RFC 3030 §2: the chunk is read and dropped; the transaction is over.
            bdat_refusal = Reply{552, "5.3.4", "Error: message size exceeds fixed limit"};
            reset_transaction();
            bdat_rejected = true;
        }
    }
    if (!bdat_refusal && !bdat_started) {
        begin_message();
        bdat.start(&message.content, settings.bare_line_endings);
        bdat_started = true;
    }
    bdat_chunk_size = bdat_remaining = parsed->size;
    bdat_last = parsed->last;
    if (bdat_remaining == 0) return finish_chunk();
    phase = Phase::Bdat;
}

size_t Session::State::read_chunk(std::string_view input) {
    size_t count = static_cast<size_t>(std::min<uint64_t>(bdat_remaining, input.size()));
    if (!bdat_refusal) bdat.append(input.substr(0, count));
    bdat_remaining -= count;
    if (bdat_remaining == 0) finish_chunk();
    return count;
}

void Session::State::finish_chunk() {
    phase = Phase::Command;
    if (bdat_refusal) {
        if (bdat_last) bdat_rejected = false;
        Reply refusal = std::move(*bdat_refusal);
        bdat_refusal.reset();
        return fail(refusal);
    }
    if (!bdat_last) {
        // The size of this chunk, as Postfix and RFC 3030 §4.2's examples answer.
        return reply({250, "2.0.0", std::to_string(bdat_chunk_size) + " octets received"});
    }
    bdat.finish();
    if (bdat.bare_line_ending() && settings.bare_line_endings == LineEndingPolicy::Reject) {
        reset_transaction();
        return fail({550, "5.6.0", "Error: message contains bare CR or LF characters"});
    }
    phase = Phase::AwaitDelivery;
}

void Session::State::handle_starttls(std::string_view argument) {
    if (!argument.empty()) return fail({501, "5.5.4", "Syntax: STARTTLS"});  // RFC 3207 §4
    if (tls) return fail({503, "5.5.1", "Error: TLS already active"});
    if (!starttls_offered()) return fail({502, "5.5.1", "Error: STARTTLS not available"});
    reply({220, "2.0.0", "Ready to start TLS"});
    phase = Phase::AwaitTls;
}

void Session::State::handle_auth(std::string_view argument) {
    if (!submission()) return fail({503, "5.5.1", "Error: authentication not enabled"});
    if (!tls) return fail({530, "5.7.0", "Must issue a STARTTLS command first"});
    if (greeting != Greeting::Ehlo) return fail({503, "5.5.1", "Error: send EHLO first"});
    if (account) return fail({503, "5.5.1", "Error: already authenticated"});  // RFC 4954 §4
    if (has_mail_from) return fail({503, "5.5.1", "Error: AUTH not permitted during a mail transaction"});
    size_t space = argument.find(' ');
    std::string_view name = argument.substr(0, space);
    if (name.empty()) return fail({501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"});
    auto mechanism = parse_sasl_mechanism(name);
    if (!mechanism) return fail({504, "5.5.4", "Error: unsupported authentication mechanism"});
    std::optional<std::string_view> initial;
    if (space != std::string_view::npos) {
        initial = argument.substr(space + 1);
        if (initial->empty() || initial->find(' ') != std::string_view::npos)
            return fail({501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"});
    }
    handle_sasl_step(sasl.start(*mechanism, initial));
}

void Session::State::handle_sasl_step(SaslExchange::Step step) {
    switch (step) {
        case SaslExchange::Step::Challenge:
            phase = Phase::SaslResponse;
            reply({334, "", sasl.challenge()});
            return;
        case SaslExchange::Step::Credentials:
            // No proxy authorisation (RFC 4616 §2): an authzid other than the user is a failed login.
            if (!sasl.authorization_id().empty() && sasl.authorization_id() != sasl.credentials().user) {
                sasl.clear();
                return authentication_failed();
            }
            auth_request.user = sasl.credentials().user;
            auth_request.password = sasl.credentials().password;
            sasl.clear();
            phase = Phase::AwaitAuth;
            return;
        case SaslExchange::Step::Cancelled:
            sasl.clear();
            return fail({501, "5.7.0", "Authentication canceled"});  // RFC 4954 §4
        case SaslExchange::Step::BadEncoding:
            sasl.clear();
            return fail({501, "5.5.2", "Error: invalid base64 data"});
        case SaslExchange::Step::Malformed:
            sasl.clear();
            return fail({501, "5.5.2", "Error: malformed authentication response"});
    }
}

// RFC 4954 §6: 535 5.7.8; the driver adds its growing per-address delay before writing it.
void Session::State::authentication_failed() {
    phase = Phase::Command;
    ++auth_failures;
    reply({535, "5.7.8", "Error: authentication failed"});
    if (auth_failures >= settings.limits.max_auth_failures)
        close_with({421, "4.7.0", settings.hostname + " Error: too many failed authentication attempts"});
}

Session::Session(const SessionSettings& settings, MailHooks& hooks, std::string client_address,
                 std::optional<TlsInfo> tls)
    : state_(std::make_unique<State>(settings, hooks, std::move(client_address), std::move(tls))) {}

Session::~Session() {
    if (!state_->auth_request.password.empty())
        OPENSSL_cleanse(state_->auth_request.password.data(), state_->auth_request.password.size());
}

void Session::start() {
    state_->reply({220, "", state_->settings.hostname + " ESMTP danemail"});
}

SessionAction Session::advance(std::string_view input, size_t& consumed) {
    State& s = *state_;
    size_t position = 0;
    while (true) {
        switch (s.phase) {
            case Phase::Closed:
                consumed = position;
                return SessionAction::Close;
            case Phase::AwaitTls:
                consumed = position;
                return SessionAction::StartTls;
            case Phase::AwaitAuth:
                consumed = position;
                return SessionAction::Authenticate;
            case Phase::AwaitDelivery:
                consumed = position;
                return SessionAction::Deliver;
            default:
                break;
        }
        if (position == input.size()) {
            consumed = position;
            return SessionAction::NeedInput;
        }
        std::string_view rest = input.substr(position);
        switch (s.phase) {
            case Phase::Data:
                position += s.data.feed(rest);
                if (s.data.finished()) s.finish_data();
                break;
            case Phase::Bdat:
                position += s.read_chunk(rest);
                break;
            default: {
                bool complete = false;
                position += s.lines.read(rest, s.phase == Phase::SaslResponse, complete);
                if (complete) s.handle_line(s.lines.line());
                break;
            }
        }
    }
}

std::string& Session::output() {
    return state_->output;
}

// RFC 3207 §4.2: the server must discard any knowledge obtained from the client before TLS.
void Session::tls_started(const TlsInfo& tls) {
    State& s = *state_;
    s.tls = tls;
    s.phase = Phase::Command;
    s.lines.reset();
    s.greeting = Greeting::None;
    s.helo.clear();
    s.account.reset();
    s.sasl.clear();
    s.reset_transaction();
    s.bdat_rejected = false;
    s.bdat_refusal.reset();
    s.bdat_remaining = 0;
}

const AuthRequest& Session::auth_request() const {
    return state_->auth_request;
}

void Session::auth_finished(const AuthResult& result) {
    State& s = *state_;
    if (s.phase != Phase::AwaitAuth) return;
    s.phase = Phase::Command;
    if (!s.auth_request.password.empty())
        OPENSSL_cleanse(s.auth_request.password.data(), s.auth_request.password.size());
    s.auth_request = AuthRequest{};
    if (result.temporary_failure) return s.reply(*result.temporary_failure);
    if (result.account) {
        s.account = result.account;
        return s.reply({235, "2.7.0", "Authentication successful"});
    }
    s.authentication_failed();
}

const IncomingMessage& Session::message() const {
    return state_->message;
}

// RFC 5321 §4.1.1.4: after the reply to the end of data the transaction is over, whatever the outcome.
void Session::delivery_finished(const Reply& reply) {
    State& s = *state_;
    if (s.phase != Phase::AwaitDelivery) return;
    s.phase = Phase::Command;
    s.reply(reply);
    if (reply.positive()) {  // a client that delivers mail is not wasting the session: start counting anew
        s.junk_commands = 0;
        s.commands = 0;
    }
    s.reset_transaction();
}

void Session::timed_out() {
    State& s = *state_;
    if (s.phase == Phase::Closed) return;
    s.close_with({421, "4.4.2", s.settings.hostname + " Error: timeout exceeded"});
}

bool Session::tls_active() const {
    return state_->tls.has_value();
}

bool Session::reading_message() const {
    return state_->phase == Phase::Data || state_->phase == Phase::Bdat;
}

size_t Session::auth_failures() const {
    return state_->auth_failures;
}

}  // namespace danemail::smtp
