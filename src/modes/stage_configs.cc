// The command line into the stages' settings (see stage_configs.h).
#include "hotbackup/modes/stage_configs.h"

#include "hotbackup/encrypt/age_keys.h"
#include "hotbackup/server/client_config.h"

namespace hotbackup {

Status SessionConfigFromOptions(const Options& options, SessionConfig* config) {
  ClientOptions client;
  client.user = options.user;
  client.password = options.password;
  client.host = options.host;
  client.port = options.port;
  client.socket = options.socket;
  client.defaults_file = options.defaults_file;
  HOTBACKUP_RETURN_IF_ERROR(ResolveConnectionConfig(client, &config->connection));
  config->datadir = options.datadir;
  config->checkpoint_dir = options.checkpoint_dir;
  config->slave_info = options.slave_info;
  config->no_backup_locks = options.no_backup_locks;
  config->lock_wait_timeout = options.lock_wait_timeout;
  config->allow_partial_backup = options.allow_partial_backup;
  config->skip_check_frm_timestamp = options.skip_check_frm_timestamp;
  return Status::OK();
}

StreamOptions StreamOptionsFromOptions(const Options& options) {
  StreamOptions stream;
  stream.format =
      options.stream == StreamKind::kXbstream ? ArchiveFormat::kXbstream : ArchiveFormat::kTar;
  stream.compression = options.compression;
  stream.zstd = {options.compress_level, options.compress_threads};
  if (options.avg_mbytes_per_sec_given) {
    stream.max_bytes_per_second = static_cast<uint64_t>(options.avg_mbytes_per_sec) << 20;
  }
  return stream;
}

std::optional<ReadMode> ReadModeFromOptions(const Options& options) {
  switch (options.direct_io) {
    case DirectIo::kOn:
      return ReadMode::kDirect;
    case DirectIo::kOff:
      return ReadMode::kBuffered;
    case DirectIo::kAuto:
      break;
  }
  return std::nullopt;
}

Status EncryptionFromOptions(const Options& options, std::optional<AgeEncryptTo>* to) {
  to->reset();
  if (options.encrypt_recipients.empty() && options.encrypt_recipients_file.empty() &&
      options.encrypt_passphrase_file.empty()) {
    return Status::OK();
  }
  AgeEncryptTo settings;
  for (const std::string& text : options.encrypt_recipients) {
    AgeRecipient recipient;
    HOTBACKUP_RETURN_IF_ERROR(ParseAgeRecipient(text, &recipient).WithContext("--encrypt_recipient"));
    settings.recipients.push_back(recipient);
  }
  if (!options.encrypt_recipients_file.empty()) {
    std::vector<AgeRecipient> from_file;
    HOTBACKUP_RETURN_IF_ERROR(ReadAgeRecipientsFile(options.encrypt_recipients_file, &from_file)
                                  .WithContext("--encrypt_recipients_file"));
    settings.recipients.insert(settings.recipients.end(), from_file.begin(), from_file.end());
  }
  if (!options.encrypt_passphrase_file.empty()) {
    std::string passphrase;
    HOTBACKUP_RETURN_IF_ERROR(ReadPassphraseFile(options.encrypt_passphrase_file, &passphrase)
                                  .WithContext("--encrypt_passphrase_file"));
    settings.passphrase = std::move(passphrase);
  }
  *to = std::move(settings);
  return Status::OK();
}

Status DecryptionFromOptions(const Options& options, std::optional<AgeDecryptWith>* with) {
  with->reset();
  if (options.decrypt_identity.empty() && options.decrypt_passphrase_file.empty()) {
    return Status::OK();
  }
  AgeDecryptWith settings;
  if (!options.decrypt_identity.empty()) {
    HOTBACKUP_RETURN_IF_ERROR(ReadAgeIdentityFile(options.decrypt_identity, &settings.identities)
                                  .WithContext("--decrypt_identity"));
  }
  if (!options.decrypt_passphrase_file.empty()) {
    std::string passphrase;
    HOTBACKUP_RETURN_IF_ERROR(ReadPassphraseFile(options.decrypt_passphrase_file, &passphrase)
                                  .WithContext("--decrypt_passphrase_file"));
    settings.passphrase = std::move(passphrase);
  }
  *with = std::move(settings);
  return Status::OK();
}

}  // namespace hotbackup
