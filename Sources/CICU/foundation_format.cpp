// Messages, dates and plural rules with Foundation's ICU data (see foundation_icu.h): the system ICU parses a
// MessageFormat pattern (MessagePattern: syntax only, no locale data), and this evaluator walks its parts as ICU's
// MessageFormat::format does, asking Foundation's ICU for every date, number and plural category. One source of
// CLDR data for a letter: a date in a message and a date on its own are the same.

#include "foundation_format.h"

#include <unicode/messagepattern.h>
#include <unicode/unistr.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

using icu::MessagePattern;
using icu::UnicodeString;

namespace cicu_foundation {
namespace {

// Formatters are costly to open and the few a school uses are used for every letter: kept, by locale and what
// they format. UDateFormat and UNumberFormat are not safe to share between threads: each is used under its lock.
struct DateFormats {
    std::mutex mutex;
    std::map<std::string, UDateFormat *> formats;
    std::map<std::string, UDateTimePatternGenerator *> generators;
};

DateFormats &date_formats() {
    static DateFormats *shared = new DateFormats();
    return *shared;
}

struct NumberFormats {
    std::mutex mutex;
    std::map<std::string, UNumberFormatter *> skeletons;  // immutable, safe from many threads once made
    std::map<std::string, UNumberFormat *> classic;        // spellout, ordinal, duration, currency, patterns
    std::map<std::string, UPluralRules *> plurals;         // select is const
};

NumberFormats &number_formats() {
    static NumberFormats *shared = new NumberFormats();
    return *shared;
}

const size_t kCacheLimit = 1024;

// The object kept under `key`, made by `make` the first time (nullptr when ICU refused, with `status` set). The
// table is bounded: when full it is emptied, and its objects closed with `close` when they can no longer be in use
// (null `close`: objects used outside the table's lock are left open, a bounded and rare loss).
template <typename Object, typename Make>
Object *kept(std::map<std::string, Object *> &table, const std::string &key, Make make, void (*close)(Object *), UErrorCode &status) {
    auto found = table.find(key);
    if (found != table.end()) return found->second;
    Object *made = make();
    if (U_FAILURE(status) || made == nullptr) return nullptr;
    if (table.size() >= kCacheLimit) {
        if (close != nullptr) {
            for (auto &entry : table) close(entry.second);
        }
        table.clear();
    }
    table[key] = made;
    return made;
}

// Calls `fill(buffer, capacity, status)` with a stack buffer, then a heap one when it was too small.
template <typename Fill>
UnicodeString with_buffer(Fill fill, UErrorCode &status) {
    UChar buffer[256];
    UErrorCode first = U_ZERO_ERROR;
    int32_t length = fill(buffer, 256, &first);
    if (first == U_BUFFER_OVERFLOW_ERROR) {
        std::vector<UChar> large(static_cast<size_t>(length) + 1);
        UErrorCode second = U_ZERO_ERROR;
        length = fill(large.data(), length + 1, &second);
        if (U_FAILURE(second)) {
            status = second;
            return UnicodeString();
        }
        return UnicodeString(large.data(), length);
    }
    if (U_FAILURE(first)) {
        status = first;
        return UnicodeString();
    }
    return UnicodeString(buffer, length);
}

std::string key_of(const UnicodeString &text) {
    std::string out;
    text.toUTF8String(out);
    return out;
}

UNumberFormatter *skeleton_formatter(const std::string &locale, const UnicodeString &skeleton, UErrorCode &status) {
    NumberFormats &all = number_formats();
    std::string key = locale + '\x1f' + key_of(skeleton);
    std::lock_guard<std::mutex> lock(all.mutex);
    // Formatters handed out are used outside the lock: never closed.
    return kept<UNumberFormatter>(all.skeletons, key, [&] {
        return swift_unumf_openForSkeletonAndLocale(skeleton.getBuffer(), skeleton.length(), locale.c_str(), &status);
    }, nullptr, status);
}

UPluralRules *plural_rules(const std::string &locale, bool ordinal, UErrorCode &status) {
    NumberFormats &all = number_formats();
    std::string key = locale + (ordinal ? "\x1fo" : "\x1f" "c");
    std::lock_guard<std::mutex> lock(all.mutex);
    // Rules handed out are used outside the lock: never closed.
    return kept<UPluralRules>(all.plurals, key, [&] {
        return swift_uplrules_openForType(locale.c_str(), ordinal ? UPLURAL_TYPE_ORDINAL : UPLURAL_TYPE_CARDINAL, &status);
    }, nullptr, status);
}

// A number as `skeleton` writes it, and (when `rules` is given) its plural category as written: "1.0" is `other`
// in English, as ICU's PluralFormat decides.
UnicodeString format_number(const std::string &locale, const UnicodeString &skeleton, const Value &value, UErrorCode &status,
                            const UPluralRules *rules = nullptr, UnicodeString *category = nullptr) {
    UNumberFormatter *formatter = skeleton_formatter(locale, skeleton, status);
    if (formatter == nullptr) return UnicodeString();
    UFormattedNumber *result = swift_unumf_openResult(&status);
    if (U_FAILURE(status)) return UnicodeString();
    if (value.kind == Value::Integer) {
        swift_unumf_formatInt(formatter, value.integer, result, &status);
    } else {
        swift_unumf_formatDouble(formatter, value.number, result, &status);
    }
    UnicodeString text = with_buffer([&](UChar *buffer, int32_t capacity, UErrorCode *ec) {
        return swift_unumf_resultToString(result, buffer, capacity, ec);
    }, status);
    if (rules != nullptr && category != nullptr && U_SUCCESS(status)) {
        *category = with_buffer([&](UChar *buffer, int32_t capacity, UErrorCode *ec) {
            return swift_uplrules_selectFormatted(rules, result, buffer, capacity, ec);
        }, status);
    }
    swift_unumf_closeResult(result);
    return text;
}

UnicodeString format_classic(const std::string &locale, UNumberFormatStyle style, const UnicodeString &pattern, double number,
                             UErrorCode &status) {
    NumberFormats &all = number_formats();
    std::string key = locale + '\x1f' + std::to_string(static_cast<int>(style)) + '\x1f' + key_of(pattern);
    std::lock_guard<std::mutex> lock(all.mutex);
    UNumberFormat *format = kept<UNumberFormat>(all.classic, key, [&] {
        UParseError parseError{};
        return swift_unum_open(style, pattern.isEmpty() ? nullptr : pattern.getBuffer(), pattern.length(), locale.c_str(), &parseError, &status);
    }, swift_unum_close, status);
    if (format == nullptr) return UnicodeString();
    return with_buffer([&](UChar *buffer, int32_t capacity, UErrorCode *ec) {
        return swift_unum_formatDouble(format, number, buffer, capacity, nullptr, ec);
    }, status);
}

// `pattern` empty: the styles; else a date pattern (from a skeleton, or written in the message).
UnicodeString format_date(const std::string &locale, const UnicodeString &zone, UDateFormatStyle dateStyle,
                          UDateFormatStyle timeStyle, const UnicodeString &pattern, double date, UErrorCode &status) {
    DateFormats &all = date_formats();
    std::string key = locale + '\x1f' + key_of(zone) + '\x1f' + std::to_string(static_cast<int>(dateStyle)) + '\x1f'
        + std::to_string(static_cast<int>(timeStyle)) + '\x1f' + key_of(pattern);
    std::lock_guard<std::mutex> lock(all.mutex);
    UDateFormat *format = kept<UDateFormat>(all.formats, key, [&] {
        bool patterned = !pattern.isEmpty();
        return swift_udat_open(patterned ? UDAT_PATTERN : timeStyle, patterned ? UDAT_PATTERN : dateStyle, locale.c_str(),
                               zone.getBuffer(), zone.length(), patterned ? pattern.getBuffer() : nullptr,
                               patterned ? pattern.length() : 0, &status);
    }, swift_udat_close, status);
    if (format == nullptr) return UnicodeString();
    return with_buffer([&](UChar *buffer, int32_t capacity, UErrorCode *ec) {
        return swift_udat_format(format, date, buffer, capacity, nullptr, ec);
    }, status);
}

// The best date pattern for a skeleton (`EEEEdMMMMjmm`) in `locale`.
UnicodeString best_pattern(const std::string &locale, const UnicodeString &skeleton, UErrorCode &status) {
    DateFormats &all = date_formats();
    std::lock_guard<std::mutex> lock(all.mutex);
    UDateTimePatternGenerator *generator = kept<UDateTimePatternGenerator>(all.generators, locale, [&] {
        return swift_udatpg_open(locale.c_str(), &status);
    }, swift_udatpg_close, status);
    if (generator == nullptr) return UnicodeString();
    return with_buffer([&](UChar *buffer, int32_t capacity, UErrorCode *ec) {
        return swift_udatpg_getBestPattern(generator, skeleton.getBuffer(), skeleton.length(), buffer, capacity, ec);
    }, status);
}

UDateFormatStyle date_style(const UnicodeString &style) {
    if (style == UNICODE_STRING_SIMPLE("short")) return UDAT_SHORT;
    if (style == UNICODE_STRING_SIMPLE("long")) return UDAT_LONG;
    if (style == UNICODE_STRING_SIMPLE("full")) return UDAT_FULL;
    return UDAT_MEDIUM;  // "medium" and no style
}

bool is_style_keyword(const UnicodeString &style) {
    return style.isEmpty() || style == UNICODE_STRING_SIMPLE("short") || style == UNICODE_STRING_SIMPLE("medium")
        || style == UNICODE_STRING_SIMPLE("long") || style == UNICODE_STRING_SIMPLE("full");
}

UnicodeString trimmed(const UnicodeString &text) {
    UnicodeString copy = text;
    return copy.trim();
}

class Evaluator {
  public:
    Evaluator(const MessagePattern &pattern, const std::vector<Argument> &arguments, const std::string &locale,
              const UnicodeString &zone, UErrorCode &status)
        : pattern_(pattern), text_(pattern.getPatternString()), arguments_(arguments), locale_(locale), zone_(zone), status_(status) {}

    void message(int32_t start, const UnicodeString *hash, UnicodeString &out, int depth) {
        if (depth > 64) {
            status_ = U_INDEX_OUTOFBOUNDS_ERROR;
            return;
        }
        int32_t previous = pattern_.getPart(start).getLimit();
        for (int32_t i = start + 1; U_SUCCESS(status_); ++i) {
            const MessagePattern::Part &part = pattern_.getPart(i);
            UMessagePatternPartType type = part.getType();
            out.append(text_, previous, part.getIndex() - previous);
            if (type == UMSGPAT_PART_TYPE_MSG_LIMIT) return;
            previous = part.getLimit();
            if (type == UMSGPAT_PART_TYPE_REPLACE_NUMBER) {
                if (hash != nullptr) out.append(*hash);
                continue;
            }
            if (type != UMSGPAT_PART_TYPE_ARG_START) continue;
            int32_t limit = pattern_.getLimitPartIndex(i);
            argument(i, limit, hash, out, depth);
            previous = pattern_.getPart(limit).getLimit();
            i = limit;
        }
    }

  private:
    const Value *find(const UnicodeString &name) const {
        for (const Argument &argument : arguments_) {
            if (argument.name == name) return &argument.value;
        }
        return nullptr;
    }

    static double numeric(const Value &value) {
        return value.kind == Value::Integer ? static_cast<double>(value.integer) : value.number;
    }

    void argument(int32_t start, int32_t limit, const UnicodeString *hash, UnicodeString &out, int depth) {
        const MessagePattern::Part &startPart = pattern_.getPart(start);
        UMessagePatternArgType type = startPart.getArgType();
        const MessagePattern::Part &namePart = pattern_.getPart(start + 1);
        UnicodeString name = pattern_.getSubstring(namePart);
        const Value *value = find(name);
        if (value == nullptr) {
            // As ICU: an argument nobody gave is written back as its name in braces.
            out.append(UChar(u'{')).append(name).append(UChar(u'}'));
            return;
        }
        switch (type) {
        case UMSGPAT_ARG_TYPE_NONE: plain(*value, out); return;
        case UMSGPAT_ARG_TYPE_SIMPLE: simple(start, *value, out); return;
        case UMSGPAT_ARG_TYPE_PLURAL:
        case UMSGPAT_ARG_TYPE_SELECTORDINAL: plural(start, limit, type == UMSGPAT_ARG_TYPE_SELECTORDINAL, *value, out, depth); return;
        case UMSGPAT_ARG_TYPE_SELECT: select(start, limit, *value, hash, out, depth); return;
        default: status_ = U_UNSUPPORTED_ERROR; return;  // choice: refused when catalogs are checked
        }
    }

    void plain(const Value &value, UnicodeString &out) {
        switch (value.kind) {
        case Value::String: out.append(value.string); return;
        case Value::Date: out.append(format_date(locale_, zone_, UDAT_SHORT, UDAT_SHORT, UnicodeString(), value.number, status_)); return;
        default: out.append(format_number(locale_, UnicodeString(), value, status_)); return;
        }
    }

    void simple(int32_t start, const Value &value, UnicodeString &out) {
        UnicodeString kind = pattern_.getSubstring(pattern_.getPart(start + 2));
        UnicodeString style;
        const MessagePattern::Part &maybeStyle = pattern_.getPart(start + 3);
        if (maybeStyle.getType() == UMSGPAT_PART_TYPE_ARG_STYLE) style = trimmed(pattern_.getSubstring(maybeStyle));
        if (value.kind == Value::String) {
            out.append(value.string);  // as ICU, which writes a string given to a number or date argument as it is
            return;
        }
        double number = numeric(value);
        if (kind == UNICODE_STRING_SIMPLE("date") || kind == UNICODE_STRING_SIMPLE("time")) {
            bool date = kind == UNICODE_STRING_SIMPLE("date");
            if (style.startsWith(UNICODE_STRING_SIMPLE("::"))) {
                UnicodeString best = best_pattern(locale_, style.tempSubString(2), status_);
                out.append(format_date(locale_, zone_, UDAT_NONE, UDAT_NONE, best, number, status_));
            } else if (is_style_keyword(style)) {
                UDateFormatStyle chosen = date_style(style);
                out.append(format_date(locale_, zone_, date ? chosen : UDAT_NONE, date ? UDAT_NONE : chosen, UnicodeString(), number, status_));
            } else {
                out.append(format_date(locale_, zone_, UDAT_NONE, UDAT_NONE, style, number, status_));
            }
        } else if (kind == UNICODE_STRING_SIMPLE("number")) {
            if (style.startsWith(UNICODE_STRING_SIMPLE("::"))) {
                out.append(format_number(locale_, style.tempSubString(2), value, status_));
            } else if (style.isEmpty()) {
                out.append(format_number(locale_, UnicodeString(), value, status_));
            } else if (style == UNICODE_STRING_SIMPLE("integer")) {
                out.append(format_number(locale_, UNICODE_STRING_SIMPLE("precision-integer"), value, status_));
            } else if (style == UNICODE_STRING_SIMPLE("percent")) {
                out.append(format_number(locale_, UNICODE_STRING_SIMPLE("percent scale/100"), value, status_));
            } else if (style == UNICODE_STRING_SIMPLE("currency")) {
                out.append(format_classic(locale_, UNUM_CURRENCY, UnicodeString(), number, status_));
            } else {
                out.append(format_classic(locale_, UNUM_PATTERN_DECIMAL, style, number, status_));
            }
        } else if (kind == UNICODE_STRING_SIMPLE("spellout")) {
            out.append(format_classic(locale_, UNUM_SPELLOUT, UnicodeString(), number, status_));
        } else if (kind == UNICODE_STRING_SIMPLE("ordinal")) {
            out.append(format_classic(locale_, UNUM_ORDINAL, UnicodeString(), number, status_));
        } else if (kind == UNICODE_STRING_SIMPLE("duration")) {
            out.append(format_classic(locale_, UNUM_DURATION, UnicodeString(), number, status_));
        } else {
            status_ = U_ILLEGAL_ARGUMENT_ERROR;
        }
    }

    // ICU's PluralFormat: an explicit `=N` matching the number itself wins, else the keyword of (number - offset)
    // as written, else `other`; `#` is (number - offset) as written.
    void plural(int32_t start, int32_t limit, bool ordinal, const Value &value, UnicodeString &out, int depth) {
        if (value.kind == Value::String || value.kind == Value::Date) {
            status_ = U_ILLEGAL_ARGUMENT_ERROR;
            return;
        }
        double number = numeric(value);
        double offset = pattern_.getPluralOffset(start + 2);
        Value shown = value;
        if (offset != 0) {
            shown.kind = Value::Number;
            shown.number = number - offset;
        }
        const UPluralRules *rules = plural_rules(locale_, ordinal, status_);
        if (rules == nullptr) return;
        UnicodeString category;
        UnicodeString hash = format_number(locale_, UnicodeString(), shown, status_, rules, &category);
        if (U_FAILURE(status_)) return;
        int32_t explicitMessage = -1, keywordMessage = -1, otherMessage = -1;
        int32_t i = start + 2;
        if (pattern_.getPart(i).getType() == UMSGPAT_PART_TYPE_ARG_INT || pattern_.getPart(i).getType() == UMSGPAT_PART_TYPE_ARG_DOUBLE) {
            ++i;  // the offset
        }
        while (i < limit) {
            const MessagePattern::Part &selector = pattern_.getPart(i++);
            if (selector.getType() != UMSGPAT_PART_TYPE_ARG_SELECTOR) break;
            const MessagePattern::Part &next = pattern_.getPart(i);
            if (next.getType() == UMSGPAT_PART_TYPE_ARG_INT || next.getType() == UMSGPAT_PART_TYPE_ARG_DOUBLE) {
                ++i;
                if (explicitMessage < 0 && pattern_.getNumericValue(next) == number) explicitMessage = i;
            } else {
                UnicodeString keyword = pattern_.getSubstring(selector);
                if (keywordMessage < 0 && keyword == category) keywordMessage = i;
                if (otherMessage < 0 && keyword == UNICODE_STRING_SIMPLE("other")) otherMessage = i;
            }
            i = pattern_.getLimitPartIndex(i) + 1;
        }
        int32_t chosen = explicitMessage >= 0 ? explicitMessage : keywordMessage >= 0 ? keywordMessage : otherMessage;
        if (chosen < 0) {
            status_ = U_DEFAULT_KEYWORD_MISSING;
            return;
        }
        message(chosen, &hash, out, depth + 1);
    }

    void select(int32_t start, int32_t limit, const Value &value, const UnicodeString *hash, UnicodeString &out, int depth) {
        UnicodeString wanted = value.kind == Value::String ? value.string : UnicodeString();
        int32_t matched = -1, otherMessage = -1;
        for (int32_t i = start + 2; i < limit;) {
            const MessagePattern::Part &selector = pattern_.getPart(i++);
            if (selector.getType() != UMSGPAT_PART_TYPE_ARG_SELECTOR) break;
            UnicodeString keyword = pattern_.getSubstring(selector);
            if (matched < 0 && value.kind == Value::String && keyword == wanted) matched = i;
            if (otherMessage < 0 && keyword == UNICODE_STRING_SIMPLE("other")) otherMessage = i;
            i = pattern_.getLimitPartIndex(i) + 1;
        }
        int32_t chosen = matched >= 0 ? matched : otherMessage;
        if (chosen < 0) {
            status_ = U_DEFAULT_KEYWORD_MISSING;
            return;
        }
        message(chosen, hash, out, depth + 1);
    }

    const MessagePattern &pattern_;
    const UnicodeString &text_;
    const std::vector<Argument> &arguments_;
    const std::string &locale_;
    const UnicodeString &zone_;
    UErrorCode &status_;
};

}  // namespace

UnicodeString format_message(const MessagePattern &pattern, const std::vector<Argument> &arguments, const std::string &locale,
                             const UnicodeString &zone, UErrorCode &status) {
    UnicodeString out;
    if (pattern.countParts() == 0) return out;
    Evaluator(pattern, arguments, locale, zone, status).message(0, nullptr, out, 0);
    return out;
}

UnicodeString format_date_styles(const std::string &locale, const UnicodeString &zone, int dateStyle, int timeStyle, double date,
                                 UErrorCode &status) {
    auto style = [](int value) {
        switch (value) {
        case 0: return UDAT_FULL;
        case 1: return UDAT_LONG;
        case 2: return UDAT_MEDIUM;
        case 3: return UDAT_SHORT;
        default: return UDAT_NONE;
        }
    };
    return format_date(locale, zone, style(dateStyle), style(timeStyle), UnicodeString(), date, status);
}

std::vector<std::string> plural_keywords(const std::string &locale, bool ordinal) {
    std::vector<std::string> keywords;
    UErrorCode status = U_ZERO_ERROR;
    const UPluralRules *rules = plural_rules(locale, ordinal, status);
    if (rules == nullptr) return keywords;
    UEnumeration *all = swift_uplrules_getKeywords(rules, &status);
    if (U_FAILURE(status) || all == nullptr) return keywords;
    int32_t length = 0;
    while (const char *keyword = swift_uenum_next(all, &length, &status)) {
        if (U_FAILURE(status)) break;
        keywords.emplace_back(keyword, static_cast<size_t>(length));
    }
    swift_uenum_close(all);
    return keywords;
}

std::string plural_select(const std::string &locale, bool ordinal, double number) {
    UErrorCode status = U_ZERO_ERROR;
    const UPluralRules *rules = plural_rules(locale, ordinal, status);
    if (rules == nullptr) return std::string();
    UnicodeString keyword = with_buffer([&](UChar *buffer, int32_t capacity, UErrorCode *ec) {
        return swift_uplrules_select(rules, number, buffer, capacity, ec);
    }, status);
    if (U_FAILURE(status)) return std::string();
    std::string out;
    keyword.toUTF8String(out);
    return out;
}

}  // namespace cicu_foundation
