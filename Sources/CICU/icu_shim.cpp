// The ICU4C side of CICU behind a C interface. The system ICU parses and checks (MessagePattern, MessageFormat's
// refusals, likely subtags); dates, numbers and plural categories come from Foundation's ICU (foundation_format.cpp),
// whose CLDR data is newer and is what Foundation formats lists and digits with: one source for a letter.

#include "cicu.h"
#include "foundation_format.h"

#include <unicode/datefmt.h>
#include <unicode/fmtable.h>
#include <unicode/locid.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/parseerr.h>
#include <unicode/plurrule.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>
#include <unicode/uloc.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using icu::Formattable;
using icu::Locale;
using icu::MessageFormat;
using icu::MessagePattern;
using icu::PluralRules;
using icu::StringEnumeration;
using icu::StringPiece;
using icu::TimeZone;
using icu::UnicodeString;

namespace {

// MARK: Helpers

char *copy_string(const std::string &text) {
    char *result = static_cast<char *>(std::malloc(text.size() + 1));
    if (result == nullptr) return nullptr;
    std::memcpy(result, text.data(), text.size());
    result[text.size()] = '\0';
    return result;
}

std::string utf8(const UnicodeString &text) {
    std::string result;
    text.toUTF8String(result);
    return result;
}

UnicodeString unicode(const char *text, size_t length) {
    return UnicodeString::fromUTF8(StringPiece(text, static_cast<int32_t>(length)));
}

void set_error(cicu_error *error, UErrorCode code, const char *detail, const UParseError *parse = nullptr) {
    if (error == nullptr) return;
    cicu_error_clear(error);
    error->code = static_cast<int32_t>(code);
    error->name = copy_string(u_errorName(code));
    if (detail != nullptr) error->detail = copy_string(detail);
    if (parse != nullptr && parse->offset >= 0) {
        error->offset = parse->offset;
        error->pre_context = copy_string(utf8(UnicodeString(parse->preContext)));
        error->post_context = copy_string(utf8(UnicodeString(parse->postContext)));
    }
}

// Dates in letters follow the school's calendar: unless the tag asks for one (`-u-ca-islamic`), use the Gregorian
// calendar even where CLDR prefers another for the region (ar-SA, fa-IR, th-TH).
void prefer_gregorian(Locale &locale) {
    UErrorCode status = U_ZERO_ERROR;
    std::string calendar = locale.getUnicodeKeywordValue<std::string>("ca", status);
    if (U_SUCCESS(status) && !calendar.empty()) return;
    status = U_ZERO_ERROR;
    locale.setUnicodeKeywordValue("ca", "gregory", status);
}

bool make_locale(const char *tag, Locale &locale) {
    if (tag == nullptr) return false;
    UErrorCode status = U_ZERO_ERROR;
    Locale parsed = Locale::forLanguageTag(StringPiece(tag), status);
    if (U_FAILURE(status) || parsed.isBogus()) return false;
    locale = parsed;
    return true;
}

char *locale_tag(const Locale &locale) {
    UErrorCode status = U_ZERO_ERROR;
    std::string tag = locale.toLanguageTag<std::string>(status);
    if (U_FAILURE(status)) return nullptr;
    return copy_string(tag);
}

// ICU's date formats copy the process's default time zone when they are created (and a MessageFormat creates its
// lazily made default date format at format time). Every place that lets ICU create a date format sets the default
// zone it wants while holding this mutex, and restores the previous default before letting go.
std::mutex &zone_mutex() {
    static std::mutex mutex;
    return mutex;
}

class DefaultZoneScope {
  public:
    explicit DefaultZoneScope(const TimeZone &zone) : lock_(zone_mutex()), saved_(TimeZone::createDefault()) {
        TimeZone::adoptDefault(zone.clone());
    }
    ~DefaultZoneScope() { TimeZone::adoptDefault(saved_); }
    DefaultZoneScope(const DefaultZoneScope &) = delete;
    DefaultZoneScope &operator=(const DefaultZoneScope &) = delete;

  private:
    std::lock_guard<std::mutex> lock_;
    TimeZone *saved_;
};

// MARK: Pattern analysis

void append_json_string(std::string &out, const std::string &text) {
    out.push_back('"');
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
                out += buffer;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
}

const char *arg_type_name(UMessagePatternArgType type) {
    switch (type) {
    case UMSGPAT_ARG_TYPE_NONE: return "none";
    case UMSGPAT_ARG_TYPE_SIMPLE: return "simple";
    case UMSGPAT_ARG_TYPE_CHOICE: return "choice";
    case UMSGPAT_ARG_TYPE_PLURAL: return "plural";
    case UMSGPAT_ARG_TYPE_SELECT: return "select";
    case UMSGPAT_ARG_TYPE_SELECTORDINAL: return "selectordinal";
    }
    return "none";
}

struct ArgumentUse {
    std::string name;
    UMessagePatternArgType type = UMSGPAT_ARG_TYPE_NONE;
    std::string simpleType;
    std::string style;
    std::vector<std::string> selectors;
    int depth = 0;
    int32_t offset = 0;
};

// `synthetic`: indexes of ARG_SELECTOR parts inserted by `BraceScan` (left out); `original`: maps an index of the
// parsed text back to the caller's pattern.
template <typename Map>
std::vector<ArgumentUse> argument_uses(const MessagePattern &pattern, const std::vector<int32_t> &synthetic,
                                       Map original) {
    std::vector<ArgumentUse> uses;
    int depth = 0;
    int32_t count = pattern.countParts();
    for (int32_t i = 0; i < count; ++i) {
        const MessagePattern::Part &part = pattern.getPart(i);
        UMessagePatternPartType type = part.getType();
        if (type == UMSGPAT_PART_TYPE_ARG_LIMIT) {
            --depth;
            continue;
        }
        if (type != UMSGPAT_PART_TYPE_ARG_START) continue;
        ArgumentUse use;
        use.type = part.getArgType();
        use.depth = depth;
        use.offset = original(part.getIndex());
        ++depth;
        int32_t limit = pattern.getLimitPartIndex(i);
        if (i + 1 < count) {
            const MessagePattern::Part &namePart = pattern.getPart(i + 1);
            use.name = utf8(pattern.getSubstring(namePart));
        }
        for (int32_t j = i + 2; j < limit; ++j) {
            const MessagePattern::Part &inner = pattern.getPart(j);
            switch (inner.getType()) {
            case UMSGPAT_PART_TYPE_ARG_TYPE: use.simpleType = utf8(pattern.getSubstring(inner)); break;
            case UMSGPAT_PART_TYPE_ARG_STYLE: use.style = utf8(pattern.getSubstring(inner)); break;
            case UMSGPAT_PART_TYPE_ARG_SELECTOR:
                if (use.type == UMSGPAT_ARG_TYPE_CHOICE) break;
                if (std::find(synthetic.begin(), synthetic.end(), inner.getIndex()) != synthetic.end()) break;
                use.selectors.push_back(utf8(pattern.getSubstring(inner)));
                break;
            case UMSGPAT_PART_TYPE_MSG_START: j = pattern.getLimitPartIndex(j); break;  // a branch: nested args
            default: break;
            }
        }
        uses.push_back(use);
    }
    return uses;
}

// A rough structural scan of a pattern (braces and ICU's default apostrophe quoting), for what ICU does not say:
// which plural/select/selectordinal arguments lack `other` (ICU4C's MessagePattern only reports
// U_DEFAULT_KEYWORD_MISSING at offset 0) and where an unclosed `{` opened (U_UNMATCHED_BRACES also says offset 0).
struct BraceScan {
    std::vector<int32_t> missingOther;  // offsets of the `}` closing a complex argument that has no `other`
    int32_t unclosed = -1;              // offset of the innermost `{` never closed

    static bool is_space(char16_t c) { return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r' || c == 0xA0; }

    static bool is_complex(const UnicodeString &text, int32_t open) {
        int32_t n = text.length();
        int32_t i = open + 1;
        while (i < n && is_space(text[i])) ++i;
        while (i < n && !is_space(text[i]) && text[i] != u',' && text[i] != u'}' && text[i] != u'{') ++i;
        while (i < n && is_space(text[i])) ++i;
        if (i >= n || text[i] != u',') return false;
        ++i;
        while (i < n && is_space(text[i])) ++i;
        int32_t start = i;
        while (i < n && ((text[i] >= u'a' && text[i] <= u'z') || (text[i] >= u'A' && text[i] <= u'Z'))) ++i;
        UnicodeString word = text.tempSubStringBetween(start, i);
        word.toLower(Locale::getRoot());
        return word == UNICODE_STRING_SIMPLE("plural") || word == UNICODE_STRING_SIMPLE("select") ||
               word == UNICODE_STRING_SIMPLE("selectordinal");
    }

    // Index of the apostrophe closing a quoted literal that starts after `start`, or n.
    static int32_t skip_quoted(const UnicodeString &text, int32_t start) {
        int32_t n = text.length();
        for (int32_t j = start; j < n; ++j) {
            if (text[j] != u'\'') continue;
            if (j + 1 < n && text[j + 1] == u'\'') {
                ++j;
                continue;
            }
            return j;
        }
        return n;
    }

    explicit BraceScan(const UnicodeString &text) {
        enum Kind { message, simpleArgument, complexArgument };
        struct Open {
            Kind kind;
            int32_t start;
            bool hasOther;
        };
        std::vector<Open> stack;
        int32_t n = text.length();
        for (int32_t i = 0; i < n; ++i) {
            char16_t c = text[i];
            Kind kind = stack.empty() ? message : stack.back().kind;
            if (kind == message) {
                if (c == u'\'') {
                    if (i + 1 < n && text[i + 1] == u'\'') {
                        ++i;
                    } else if (i + 1 < n && (text[i + 1] == u'{' || text[i + 1] == u'}' || text[i + 1] == u'#' ||
                                             text[i + 1] == u'|')) {
                        i = skip_quoted(text, i + 1);
                    }
                } else if (c == u'{') {
                    stack.push_back({is_complex(text, i) ? complexArgument : simpleArgument, i, false});
                } else if (c == u'}' && !stack.empty()) {
                    stack.pop_back();
                }
            } else if (kind == simpleArgument) {
                if (c == u'\'') {
                    i = skip_quoted(text, i + 1);
                } else if (c == u'{') {
                    stack.push_back({simpleArgument, i, false});
                } else if (c == u'}') {
                    stack.pop_back();
                }
            } else {
                if (c == u'{') {
                    int32_t end = i;
                    while (end > 0 && is_space(text[end - 1])) --end;
                    int32_t begin = end;
                    while (begin > 0 && !is_space(text[begin - 1]) && text[begin - 1] != u'}' &&
                           text[begin - 1] != u',') {
                        --begin;
                    }
                    if (text.tempSubStringBetween(begin, end) == UNICODE_STRING_SIMPLE("other")) {
                        stack.back().hasOther = true;
                    }
                    stack.push_back({message, i, false});
                } else if (c == u'}') {
                    if (!stack.back().hasOther) missingOther.push_back(i);
                    stack.pop_back();
                }
            }
        }
        if (!stack.empty()) unclosed = stack.back().start;
    }
};

// ICU reports an unclosed `{` at offset 0; point at the brace instead.
void locate_unclosed_brace(const UnicodeString &text, UErrorCode status, UParseError &parseError) {
    if (status != U_UNMATCHED_BRACES) return;
    BraceScan scan(text);
    if (scan.unclosed < 0) return;
    parseError.offset = scan.unclosed;
    int32_t before = std::max(0, scan.unclosed - (U_PARSE_CONTEXT_LEN - 1));
    // extract(start, length, destination, destinationStart): `length` units, no terminator; at most 15 here.
    text.extract(before, scan.unclosed - before, parseError.preContext, 0);
    parseError.preContext[scan.unclosed - before] = 0;
    int32_t after = std::min(text.length() - scan.unclosed, U_PARSE_CONTEXT_LEN - 1);
    text.extract(scan.unclosed, after, parseError.postContext, 0);
    parseError.postContext[after] = 0;
}

}  // namespace

// MARK: - Errors and memory

void cicu_error_clear(cicu_error *error) {
    if (error == nullptr) return;
    std::free(error->name);
    std::free(error->detail);
    std::free(error->pre_context);
    std::free(error->post_context);
    error->code = 0;
    error->name = nullptr;
    error->detail = nullptr;
    error->offset = -1;
    error->pre_context = nullptr;
    error->post_context = nullptr;
}

void cicu_free(void *pointer) { std::free(pointer); }

// MARK: - MessageFormat

struct cicu_message {
    // The parsed pattern (syntax only) and where it is formatted: read-only once made, so safe from many threads.
    std::unique_ptr<MessagePattern> pattern;
    std::string locale;
    UnicodeString zone;
};

cicu_message *cicu_message_create(const char *pattern, size_t length, const char *locale_id, const char *time_zone,
                                  cicu_error *error) {
    Locale locale;
    if (!make_locale(locale_id, locale)) {
        set_error(error, U_ILLEGAL_ARGUMENT_ERROR, "ill-formed locale");
        return nullptr;
    }
    prefer_gregorian(locale);
    std::unique_ptr<TimeZone> zone(TimeZone::createTimeZone(UnicodeString::fromUTF8(time_zone ? time_zone : "")));
    if (zone == nullptr || *zone == TimeZone::getUnknown()) {
        std::string detail = std::string("unknown time zone ") + (time_zone ? time_zone : "");
        set_error(error, U_ILLEGAL_ARGUMENT_ERROR, detail.c_str());
        return nullptr;
    }
    UnicodeString text = unicode(pattern, length);

    UParseError parseError{};
    parseError.offset = -1;
    UErrorCode status = U_ZERO_ERROR;
    MessagePattern parsed(text, &parseError, status);
    if (U_FAILURE(status)) {
        locate_unclosed_brace(text, status, parseError);
        set_error(error, status, nullptr, &parseError);
        return nullptr;
    }

    std::unique_ptr<cicu_message> message(new cicu_message());
    // What MessageFormat refuses (an argument type it does not know, a bad skeleton), refused here too.
    parseError = UParseError{};
    parseError.offset = -1;
    {
        DefaultZoneScope scope(*zone);
        MessageFormat check(text, locale, parseError, status);
    }
    if (U_FAILURE(status)) {
        set_error(error, status, nullptr, &parseError);
        return nullptr;
    }
    message->pattern.reset(new MessagePattern(parsed));
    message->locale = locale.getName();
    zone->getID(message->zone);
    return message.release();
}

void cicu_message_destroy(cicu_message *message) { delete message; }

char *cicu_message_format(cicu_message *message, const cicu_arg *arguments, int32_t count, cicu_error *error) {
    if (message == nullptr || count < 0 || (count > 0 && arguments == nullptr)) {
        set_error(error, U_ILLEGAL_ARGUMENT_ERROR, "no message or arguments");
        return nullptr;
    }
    std::vector<cicu_foundation::Argument> values(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) {
        const cicu_arg &argument = arguments[i];
        cicu_foundation::Argument &value = values[static_cast<size_t>(i)];
        value.name = unicode(argument.name, argument.name_length);
        switch (argument.kind) {
        case CICU_ARG_STRING:
            value.value.kind = cicu_foundation::Value::String;
            value.value.string = unicode(argument.string, argument.string_length);
            break;
        case CICU_ARG_DOUBLE:
            value.value.kind = cicu_foundation::Value::Number;
            value.value.number = argument.number;
            break;
        case CICU_ARG_INT64:
            value.value.kind = cicu_foundation::Value::Integer;
            value.value.integer = argument.integer;
            break;
        case CICU_ARG_DATE:
            value.value.kind = cicu_foundation::Value::Date;
            value.value.number = argument.number;
            break;
        default: set_error(error, U_ILLEGAL_ARGUMENT_ERROR, "unknown argument kind"); return nullptr;
        }
    }
    UErrorCode status = U_ZERO_ERROR;
    UnicodeString output = cicu_foundation::format_message(*message->pattern, values, message->locale, message->zone, status);
    if (U_FAILURE(status)) {
        set_error(error, status, nullptr);
        return nullptr;
    }
    return copy_string(utf8(output));
}

char *cicu_pattern_analyze(const char *pattern, size_t length, const char *locale_id, cicu_error *error) {
    Locale locale;
    if (!make_locale(locale_id, locale)) {
        set_error(error, U_ILLEGAL_ARGUMENT_ERROR, "ill-formed locale");
        return nullptr;
    }
    UnicodeString text = unicode(pattern, length);
    UParseError parseError{};
    parseError.offset = -1;
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<MessagePattern> parsed(new MessagePattern(text, &parseError, status));

    // Where a complex argument lacks `other`, parse a copy with ` other{}` inserted before its closing brace, so
    // that the rest of the pattern is still analysed; the inserted selectors are left out of the result.
    static const UnicodeString insertion = UNICODE_STRING_SIMPLE(" other{}");
    std::vector<int32_t> inserted;   // offsets of the insertions in the original text
    std::vector<int32_t> synthetic;  // offsets of the inserted `other` selectors in the patched text
    UnicodeString patched = text;
    if (status == U_DEFAULT_KEYWORD_MISSING) {
        BraceScan scan(text);
        for (auto it = scan.missingOther.rbegin(); it != scan.missingOther.rend(); ++it) patched.insert(*it, insertion);
        int32_t shift = 0;
        for (int32_t offset : scan.missingOther) {
            inserted.push_back(offset);
            synthetic.push_back(offset + shift + 1);
            shift += insertion.length();
        }
        UParseError retryError{};
        UErrorCode retryStatus = U_ZERO_ERROR;
        std::unique_ptr<MessagePattern> retry(new MessagePattern(patched, &retryError, retryStatus));
        if (U_SUCCESS(retryStatus) && !inserted.empty()) {
            parsed = std::move(retry);
            status = U_ZERO_ERROR;
        }
    }
    if (U_FAILURE(status)) {
        locate_unclosed_brace(text, status, parseError);
        set_error(error, status, nullptr, &parseError);
        return nullptr;
    }
    auto original = [&inserted](int32_t offset) {
        int32_t result = offset;
        int32_t shift = 0;
        for (int32_t at : inserted) {
            if (at + shift <= offset) result -= insertion.length();
            shift += insertion.length();
        }
        return result;
    };

    // MessagePattern accepts what MessageFormat may still refuse (an unknown argument type, a bad date skeleton):
    // that refusal is reported in `error` next to the analysis.
    {
        UParseError formatError{};
        formatError.offset = -1;
        UErrorCode formatStatus = U_ZERO_ERROR;
        std::unique_ptr<TimeZone> utc(TimeZone::createTimeZone(UNICODE_STRING_SIMPLE("Etc/UTC")));
        DefaultZoneScope scope(*utc);
        MessageFormat format(patched, locale, formatError, formatStatus);
        if (U_FAILURE(formatStatus)) set_error(error, formatStatus, "MessageFormat", nullptr);
    }

    std::string json = "[";
    bool first = true;
    for (const ArgumentUse &use : argument_uses(*parsed, synthetic, original)) {
        if (!first) json += ",";
        first = false;
        json += "{\"name\":";
        append_json_string(json, use.name);
        json += ",\"type\":";
        append_json_string(json, arg_type_name(use.type));
        json += ",\"simpleType\":";
        append_json_string(json, use.simpleType);
        json += ",\"style\":";
        append_json_string(json, use.style);
        json += ",\"selectors\":[";
        for (size_t k = 0; k < use.selectors.size(); ++k) {
            if (k > 0) json += ",";
            append_json_string(json, use.selectors[k]);
        }
        json += "],\"depth\":" + std::to_string(use.depth);
        json += ",\"offset\":" + std::to_string(use.offset) + "}";
    }
    json += "]";
    return copy_string(json);
}

// MARK: - Dates

char *cicu_date_format(const char *locale_id, const char *time_zone, int date_style, int time_style, double date,
                       cicu_error *error) {
    Locale locale;
    if (!make_locale(locale_id, locale)) {
        set_error(error, U_ILLEGAL_ARGUMENT_ERROR, "ill-formed locale");
        return nullptr;
    }
    prefer_gregorian(locale);
    TimeZone *zone = TimeZone::createTimeZone(UnicodeString::fromUTF8(time_zone ? time_zone : ""));
    if (zone == nullptr || *zone == TimeZone::getUnknown()) {
        delete zone;
        std::string detail = std::string("unknown time zone ") + (time_zone ? time_zone : "");
        set_error(error, U_ILLEGAL_ARGUMENT_ERROR, detail.c_str());
        return nullptr;
    }
    UnicodeString id;
    zone->getID(id);
    delete zone;
    UErrorCode status = U_ZERO_ERROR;
    UnicodeString output = cicu_foundation::format_date_styles(locale.getName(), id, date_style, time_style, date, status);
    if (U_FAILURE(status)) {
        set_error(error, status, "date format");
        return nullptr;
    }
    return copy_string(utf8(output));
}

// MARK: - Plural rules

namespace {

std::string joined(const std::vector<std::string> &words) {
    std::string result;
    for (const std::string &word : words) {
        if (!result.empty()) result += " ";
        result += word;
    }
    return result;
}

}  // namespace

// The plural rules are Foundation's, as the categories the evaluator selects (a catalog is checked against the
// rules its messages are formatted with).
static bool plural_locale(const char *tag, std::string &id) {
    Locale locale;
    if (!make_locale(tag, locale)) return false;
    id = locale.getName();
    return true;
}

char *cicu_plural_keywords(const char *tag, int ordinal) {
    std::string id;
    if (!plural_locale(tag, id)) return nullptr;
    std::vector<std::string> all = cicu_foundation::plural_keywords(id, ordinal != 0);
    if (all.empty()) return nullptr;
    return copy_string(joined(all));
}

char *cicu_plural_integer_keywords(const char *tag, int ordinal, int32_t up_to) {
    std::string id;
    if (!plural_locale(tag, id)) return nullptr;
    std::vector<std::string> all = cicu_foundation::plural_keywords(id, ordinal != 0);
    if (all.empty()) return nullptr;
    std::vector<bool> seen(all.size(), false);
    size_t found = 0;
    for (int32_t n = 0; n <= up_to && found < all.size(); ++n) {
        std::string category = cicu_foundation::plural_select(id, ordinal != 0, static_cast<double>(n));
        for (size_t k = 0; k < all.size(); ++k) {
            if (!seen[k] && all[k] == category) {
                seen[k] = true;
                ++found;
            }
        }
    }
    std::vector<std::string> reached;
    for (size_t k = 0; k < all.size(); ++k) {
        if (seen[k]) reached.push_back(all[k]);
    }
    return copy_string(joined(reached));
}

char *cicu_plural_select(const char *tag, int ordinal, double number) {
    std::string id;
    if (!plural_locale(tag, id)) return nullptr;
    std::string category = cicu_foundation::plural_select(id, ordinal != 0, number);
    if (category.empty()) return nullptr;
    return copy_string(category);
}

// MARK: - Locales

// Parses a tag, applies one of Locale's in-place transformations, and returns the result as a BCP 47 tag.
static char *transformed_tag(const char *tag, void (Locale::*transform)(UErrorCode &)) {
    Locale locale;
    if (!make_locale(tag, locale)) return nullptr;
    UErrorCode status = U_ZERO_ERROR;
    (locale.*transform)(status);
    if (U_FAILURE(status)) return nullptr;
    return locale_tag(locale);
}

char *cicu_locale_canonicalize(const char *tag) { return transformed_tag(tag, &Locale::canonicalize); }

char *cicu_locale_add_likely(const char *tag) { return transformed_tag(tag, &Locale::addLikelySubtags); }

char *cicu_locale_minimize(const char *tag) { return transformed_tag(tag, &Locale::minimizeSubtags); }

int cicu_locale_is_rtl(const char *tag) {
    Locale locale;
    if (!make_locale(tag, locale)) return 0;
    return locale.isRightToLeft() ? 1 : 0;
}
