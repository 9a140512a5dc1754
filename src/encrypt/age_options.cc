#include "hotbackup/encrypt/age_options.h"

namespace hotbackup {

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
