// ScopedUtf8Locale: runs a block under the C.UTF-8 locale, for this thread
// only (uselocale), leaving the process's locale alone.
//
// pax tar stores names as UTF-8 and libarchive converts between that and the
// current locale's charset; under the "C" locale every non-ASCII name fails
// that conversion (written as hdrcharset=BINARY, which GNU tar warns about,
// or read back with a warning). File names on Linux are UTF-8 in practice.
#ifndef HOTBACKUP_SRC_ARCHIVE_SCOPED_UTF8_LOCALE_H_
#define HOTBACKUP_SRC_ARCHIVE_SCOPED_UTF8_LOCALE_H_

#include <locale.h>

namespace hotbackup {

class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
    if (utf8 != nullptr) previous_ = uselocale(utf8);
  }
  ~ScopedUtf8Locale() {
    if (previous_ != nullptr) uselocale(previous_);
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t previous_ = nullptr;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SRC_ARCHIVE_SCOPED_UTF8_LOCALE_H_
