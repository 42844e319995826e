// Internal to CICU: formatting with Foundation's ICU data (foundation_format.cpp).

#pragma once

#include "foundation_icu.h"

#include <unicode/messagepattern.h>
#include <unicode/unistr.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cicu_foundation {

/// A message argument's value.
struct Value {
    enum Kind { String, Number, Integer, Date } kind = String;
    icu::UnicodeString string;
    double number = 0;  // Number, and Date in milliseconds since 1970
    int64_t integer = 0;
};

struct Argument {
    icu::UnicodeString name;
    Value value;
};

/// The message `pattern` (parsed by the system ICU) with `arguments`, in `locale` (an ICU locale id) and `zone`.
icu::UnicodeString format_message(const icu::MessagePattern &pattern, const std::vector<Argument> &arguments, const std::string &locale,
                                  const icu::UnicodeString &zone, UErrorCode &status);

/// A date with CLDR's date and time styles (0 full … 3 short, -1 none).
icu::UnicodeString format_date_styles(const std::string &locale, const icu::UnicodeString &zone, int dateStyle, int timeStyle,
                                      double date, UErrorCode &status);

/// The plural categories of `locale`; empty when it has no rules.
std::vector<std::string> plural_keywords(const std::string &locale, bool ordinal);

/// The plural category of `number`; empty on failure.
std::string plural_select(const std::string &locale, bool ordinal, double number);

}  // namespace cicu_foundation
