// Tests of checking TLSA records against certificate chains (tlsa_match.h): DANE-EE on the leaf only,
// DANE-TA on an issuer with chain verification up to it (RFC 7671 §5.1–5.2), unusable records skipped
// (RFC 6698 §2.1.3, RFC 7672 §3.1.3). Records and chains stand in for untrusted DNS and TLS input.
#include "tls/tlsa_match.h"

#include <gtest/gtest.h>

#include "tls/certificate_loader.h"
#include "tls/test_pki.h"

namespace danemail::tls {
namespace {

CertificateChain chain_of(const std::string& pem) {
    auto chain = parse_certificates(pem, "test");
    EXPECT_TRUE(chain.ok()) << chain.error().to_string();
    return chain ? std::move(*chain) : CertificateChain{};
}

TlsaRecord record_for(const Certificate& cert, TlsaParameters parameters) {
    auto record = tlsa_for_certificate(cert, parameters);
    EXPECT_TRUE(record.ok()) << record.error().to_string();
    return *record;
}

std::string notes_of(const TlsaChainCheck& check) {
    std::string all;
    for (const auto& note : check.notes) all += note + "\n";
    return all;
}

class TlsaMatchTest : public ::testing::Test {
protected:
    testing::TestPki pki_;
    CertificateChain chain_ = chain_of(pki_.chain_pem());
    UnixTime now_ = now_unix();
};

TEST_F(TlsaMatchTest, DaneEeMatchesTheLeafOnly) {
    std::vector<TlsaRecord> records{record_for(chain_[0], {3, 1, 1})};
    auto check = check_tlsa_chain(records, chain_, now_);
    ASSERT_TRUE(check.match.has_value()) << notes_of(check);
    EXPECT_EQ(check.match->record_index, 0u);
    EXPECT_EQ(check.match->depth, 0u);

    // A DANE-EE record for the intermediate's key does not authenticate the chain.
    std::vector<TlsaRecord> wrong{record_for(chain_[1], {3, 1, 1})};
    auto miss = check_tlsa_chain(wrong, chain_, now_);
    EXPECT_FALSE(miss.match.has_value());
    EXPECT_NE(notes_of(miss).find("does not match the leaf"), std::string::npos) << notes_of(miss);
}

TEST_F(TlsaMatchTest, DaneEeIgnoresExpiry) {
    auto key = testing::make_ec_key();
    auto expired = testing::make_certificate({"old.example.com", false, -86400 * 10, -86400}, key.get(),
                                             nullptr, key.get());
    CertificateChain chain = chain_of(testing::pem_of(expired.get()));
    std::vector<TlsaRecord> records{record_for(chain[0], {3, 0, 2})};
    EXPECT_TRUE(check_tlsa_chain(records, chain, now_).match.has_value());  // RFC 7671 §5.1
}

TEST_F(TlsaMatchTest, DaneTaMatchesIntermediateOrRoot) {
    std::vector<TlsaRecord> intermediate{record_for(chain_[1], {2, 0, 1})};
    auto check = check_tlsa_chain(intermediate, chain_, now_);
    ASSERT_TRUE(check.match.has_value()) << notes_of(check);
    EXPECT_EQ(check.match->depth, 1u);

    std::vector<TlsaRecord> root{record_for(chain_[2], {2, 1, 2})};
    check = check_tlsa_chain(root, chain_, now_);
    ASSERT_TRUE(check.match.has_value()) << notes_of(check);
    EXPECT_EQ(check.match->depth, 2u);

    // A DANE-TA record never matches the leaf itself.
    std::vector<TlsaRecord> leaf{record_for(chain_[0], {2, 0, 1})};
    EXPECT_FALSE(check_tlsa_chain(leaf, chain_, now_).match.has_value());
}

TEST_F(TlsaMatchTest, DaneTaNeedsAChainThatVerifies) {
    // The same leaf presented with an unrelated CA certificate that the record names.
    testing::TestPki other;
    CertificateChain mixed =
        chain_of(testing::pem_of(pki_.leaf.get()) + testing::pem_of(other.intermediate.get()));
    std::vector<TlsaRecord> records{record_for(mixed[1], {2, 0, 1})};
    auto check = check_tlsa_chain(records, mixed, now_);
    EXPECT_FALSE(check.match.has_value());
    EXPECT_NE(notes_of(check).find("does not verify"), std::string::npos) << notes_of(check);

    // An expired intermediate fails DANE-TA, while "3 1 1" for the same chain still matches.
    testing::TestPki expired(-60);
    CertificateChain stale = chain_of(expired.chain_pem());
    std::vector<TlsaRecord> both{record_for(stale[1], {2, 0, 1}), record_for(stale[0], {3, 1, 1})};
    auto result = check_tlsa_chain(both, stale, now_);
    ASSERT_TRUE(result.match.has_value()) << notes_of(result);
    EXPECT_EQ(result.match->record_index, 1u);
    EXPECT_NE(notes_of(result).find("expired"), std::string::npos) << notes_of(result);
}

TEST_F(TlsaMatchTest, DaneTaWithoutTheAnchorInTheChain) {
    CertificateChain leaf_only = chain_of(testing::pem_of(pki_.leaf.get()));
    std::vector<TlsaRecord> records{record_for(chain_[1], {2, 0, 1})};
    auto check = check_tlsa_chain(records, leaf_only, now_);
    EXPECT_FALSE(check.match.has_value());
    EXPECT_NE(notes_of(check).find("no issuer certificate"), std::string::npos) << notes_of(check);
}

TEST_F(TlsaMatchTest, UnusableRecordsAreSkipped) {
    TlsaRecord short_digest = record_for(chain_[0], {3, 1, 1});
    short_digest.association_data.pop_back();
    TlsaRecord unknown_usage{{4, 1, 1}, Bytes(32, 0)};
    TlsaRecord pkix_ee = record_for(chain_[0], {1, 1, 1});
    TlsaRecord good = record_for(chain_[0], {3, 1, 1});
    std::vector<TlsaRecord> records{short_digest, unknown_usage, pkix_ee, good};

    auto check = check_tlsa_chain(records, chain_, now_);
    ASSERT_TRUE(check.match.has_value()) << notes_of(check);
    EXPECT_EQ(check.match->record_index, 3u);
    ASSERT_EQ(check.notes.size(), 3u);
    EXPECT_NE(check.notes[0].find("31 bytes"), std::string::npos) << check.notes[0];
    EXPECT_NE(check.notes[1].find("usage 4"), std::string::npos) << check.notes[1];
    EXPECT_NE(check.notes[2].find("unusable for SMTP"), std::string::npos) << check.notes[2];

    // Outside SMTP, PKIX-EE is matched (its PKIX validation is the caller's).
    std::vector<TlsaRecord> pkix{pkix_ee};
    auto generic = check_tlsa_chain(pkix, chain_, now_, /*smtp_only=*/false);
    ASSERT_TRUE(generic.match.has_value());
    EXPECT_FALSE(usable_for_smtp(pkix_ee));
    EXPECT_TRUE(usable_for_smtp(good));
}

TEST_F(TlsaMatchTest, EmptyInputs) {
    EXPECT_FALSE(check_tlsa_chain({}, chain_, now_).match.has_value());
    std::vector<TlsaRecord> records{record_for(chain_[0], {3, 1, 1})};
    auto check = check_tlsa_chain(records, CertificateChain{}, now_);
    EXPECT_FALSE(check.match.has_value());
    EXPECT_EQ(notes_of(check), "the server sent no certificate\n");
}

TEST_F(TlsaMatchTest, AssociationMatchesAnyFullRecord) {
    TlsaRecord full = record_for(chain_[0], {3, 0, 0});
    EXPECT_TRUE(association_matches(full, chain_[0]));
    EXPECT_FALSE(association_matches(full, chain_[1]));
    EXPECT_TRUE(check_usable(full).ok());
    EXPECT_FALSE(check_usable(TlsaRecord{{3, 0, 0}, {}}).ok());
}

}  // namespace
}  // namespace danemail::tls
