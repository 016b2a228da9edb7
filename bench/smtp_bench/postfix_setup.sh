#!/usr/bin/env bash
# A private Postfix 3.7 instance for the SMTP benchmark (bench/smtp_bench.sh), as in ../shared/bench/
# peer-configs.md ("Postfix 3.7 receiving into virtual mailboxes"): its config_directory, queue_directory,
# data_directory, virtual mailbox base and log all live under DIR, so nothing in /etc/postfix or /var/spool is
# touched. Plain SMTP on ADDRESS:PORT (the anchor's set-up); the same smtpd with smtpd_tls_security_level=may
# on ADDRESS:TLS_PORT for the STARTTLS load. Creates the `vmail` user (uid/gid 5000) when missing.
#
# Usage: postfix_setup.sh DIR ADDRESS PORT TLS_PORT CERTIFICATE PRIVATE_KEY
# Then: postfix -c DIR/etc start | stop; mail arrives under DIR/mail/bench.test/u1/new.
set -euo pipefail

dir=${1:?usage: postfix_setup.sh DIR ADDRESS PORT TLS_PORT CERTIFICATE PRIVATE_KEY}
address=${2:?} port=${3:?} tls_port=${4:?} certificate=${5:?} private_key=${6:?}
vmail_id=5000

# The mailbox owner of the peer set-up. Only the number matters to virtual(8) (static:5000); the user is
# there so that `ls -l` and the operator see a name.
if ! getent group "$vmail_id" >/dev/null; then
    groupadd -g "$vmail_id" vmail
fi
if ! getent passwd "$vmail_id" >/dev/null; then
    useradd -u "$vmail_id" -g "$vmail_id" -M -d /nonexistent -s /usr/sbin/nologin vmail
fi

etc=$dir/etc
mkdir -p "$etc" "$dir/spool" "$dir/lib" "$dir/mail"
# Postfix's own daemons (user postfix) and virtual(8) (uid 5000) must reach their directories.
chmod 755 "$dir"
chown postfix:postfix "$dir/lib"
chown "$vmail_id:$vmail_id" "$dir/mail"

cat >"$etc/main.cf" <<EOF
compatibility_level = 3.6
myhostname = mx.bench.test
mydomain = bench.test
mydestination =
alias_maps =
alias_database =
inet_interfaces = $address
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = bench.test
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = hash:$etc/vmailbox
virtual_uid_maps = static:$vmail_id
virtual_gid_maps = static:$vmail_id
maillog_file = $dir/postfix.log
# Private instance: its own directories (the peer set-up uses Debian's defaults under /var).
queue_directory = $dir/spool
data_directory = $dir/lib
maillog_file_prefixes = $dir
# TLS runs: a self-signed certificate; the security level is set per listener in master.cf.
smtpd_tls_cert_file = $certificate
smtpd_tls_key_file = $private_key
smtpd_tls_security_level = none
EOF

# Debian's master.cf with the public `smtp inet` listener replaced by the benchmark's two.
awk -v plain="$address:$port" -v tls="$address:$tls_port" '
    /^smtp[ \t]+inet[ \t]/ {
        print plain "  inet  n       -       y       -       -       smtpd"
        print tls "  inet  n       -       y       -       -       smtpd"
        print "  -o smtpd_tls_security_level=may"
        next
    }
    { print }' /etc/postfix/master.cf >"$etc/master.cf"

printf 'u1@bench.test bench.test/u1/\n' >"$etc/vmailbox"
postmap -c "$etc" "$etc/vmailbox"

# Creates the queue directories with Postfix's owners and modes (postfix(1) "set-permissions" would also
# touch the shared files in /usr and /etc; create-missing only makes what the instance lacks).
postfix -c "$etc" check >/dev/null 2>&1 || true
postfix -c "$etc" check
# Debian's chroot preparation (files under the queue directory that the chrooted daemons read).
MAIL_CONFIG=$etc /usr/lib/postfix/configure-instance.sh - >/dev/null
