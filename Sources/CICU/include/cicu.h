#ifndef LIAISON_CICU_H
#define LIAISON_CICU_H

// A small C interface to the system's ICU4C (libicu, linked as icui18n/icuuc/icudata).
//
// This header deliberately mentions no ICU type: Foundation carries its own ICU, and importing the system's ICU
// headers next to Foundation into Swift makes their declarations clash. Everything ICU stays in icu_shim.cpp.
//
// Strings are UTF-8. Every `char *` returned by a `cicu_` function is malloc'd and must be released with
// `cicu_free`. Locales are BCP 47 language tags (`ar-EG`, `zh-Hant-HK`); time zones are IANA ids.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What went wrong in a call that can fail. Zero-initialise before use; release with `cicu_error_clear`.
typedef struct cicu_error {
    /// ICU's UErrorCode value; 0 (or negative, a warning) means success.
    int32_t code;
    /// ICU's name for the code (`U_PATTERN_SYNTAX_ERROR`), or NULL.
    char *name;
    /// A description added by the shim (`unknown time zone Mars/Base`), or NULL.
    char *detail;
    /// Offset in UTF-16 code units into the pattern where a syntax error was found, or -1.
    int32_t offset;
    /// Up to 15 UTF-16 units of pattern before / after the error (ICU's UParseError context), or NULL.
    char *pre_context;
    char *post_context;
} cicu_error;

/// Releases the strings held by an error and resets it to success.
void cicu_error_clear(cicu_error *error);

/// Releases a string returned by this library. NULL is fine.
void cicu_free(void *pointer);

// MARK: - MessageFormat

/// A compiled ICU MessageFormat pattern for one locale and one time zone. Safe to format from many threads at once.
typedef struct cicu_message cicu_message;

/// Compiles `pattern` (UTF-8, `length` bytes) for `locale` (BCP 47) with date arguments shown in `time_zone`
/// (IANA id), in the Gregorian calendar unless the locale names another (`-u-ca-islamic`). Returns NULL and fills `error` on a syntax error, an unknown time zone or an ill-formed locale.
cicu_message *cicu_message_create(const char *pattern, size_t length, const char *locale, const char *time_zone,
                                  cicu_error *error);

/// Frees a compiled message. NULL is fine.
void cicu_message_destroy(cicu_message *message);

#define CICU_ARG_STRING 0
#define CICU_ARG_DOUBLE 1
#define CICU_ARG_INT64 2
#define CICU_ARG_DATE 3

/// One named argument value. `kind` is one of the CICU_ARG_ constants; STRING reads `string`/`string_length`,
/// DOUBLE reads `number`, INT64 reads `integer`, DATE reads `number` as milliseconds since 1970 (UDate).
typedef struct cicu_arg {
    const char *name;
    size_t name_length;
    int32_t kind;
    const char *string;
    size_t string_length;
    double number;
    int64_t integer;
} cicu_arg;

/// Formats a compiled message with named arguments. Returns malloc'd UTF-8, or NULL and fills `error`.
char *cicu_message_format(cicu_message *message, const cicu_arg *arguments, int32_t count, cicu_error *error);

/// Analyses a pattern with icu::MessagePattern and then checks it compiles as a MessageFormat for `locale`.
/// Returns a JSON array with one object per argument use, in pattern order, nested ones included:
/// `{"name": "n", "type": "none|simple|choice|plural|select|selectordinal", "simpleType": "date",
///   "style": " long", "selectors": ["=0", "one", "other"], "depth": 0, "offset": 12}` (offset in UTF-16 units of
/// the argument's `{`). Returns NULL and fills `error` (with offset and context) when the pattern does not parse;
/// returns the analysis and still fills `error` (detail "MessageFormat", no offset) when the pattern parses but
/// MessageFormat refuses it (U_DEFAULT_KEYWORD_MISSING for a plural/select without `other`,
/// U_ILLEGAL_ARGUMENT_ERROR for an unknown argument type or date skeleton).
char *cicu_pattern_analyze(const char *pattern, size_t length, const char *locale, cicu_error *error);

// MARK: - Dates

#define CICU_STYLE_NONE (-1)
#define CICU_STYLE_FULL 0
#define CICU_STYLE_LONG 1
#define CICU_STYLE_MEDIUM 2
#define CICU_STYLE_SHORT 3

/// Formats `date` (milliseconds since 1970) with CLDR's date and time styles for `locale` in `time_zone`, in the
/// Gregorian calendar unless the locale names another; CICU_STYLE_NONE leaves that part out. Returns malloc'd UTF-8,
/// or NULL and fills `error`.
char *cicu_date_format(const char *locale, const char *time_zone, int date_style, int time_style, double date,
                       cicu_error *error);

// MARK: - Plural rules

/// CLDR plural categories of `locale`, separated by spaces (`zero one two few many other` for ar).
/// `ordinal` non-zero selects ordinal rules. Returns NULL for an ill-formed locale.
char *cicu_plural_keywords(const char *locale, int ordinal);

/// The categories that some integer in 0...`up_to` selects, in the order of `cicu_plural_keywords`.
char *cicu_plural_integer_keywords(const char *locale, int ordinal, int32_t up_to);

/// The category `number` selects (`few` for 3 in ar).
char *cicu_plural_select(const char *locale, int ordinal, double number);

// MARK: - Locales

/// ICU's canonical form of a BCP 47 tag (`iw` → `he`), as a BCP 47 tag; NULL when ill-formed.
char *cicu_locale_canonicalize(const char *tag);

/// Adds likely subtags (`zh-TW` → `zh-Hant-TW`, `sr` → `sr-Cyrl-RS`); NULL when ill-formed.
char *cicu_locale_add_likely(const char *tag);

/// Removes likely subtags (`zh-Hant-TW` → `zh-TW`); NULL when ill-formed.
char *cicu_locale_minimize(const char *tag);

/// 1 when the tag's (likely) script is written right to left, else 0.
int cicu_locale_is_rtl(const char *tag);

#ifdef __cplusplus
}
#endif

#endif
