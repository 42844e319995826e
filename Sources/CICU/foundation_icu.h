// Foundation's own ICU (lib_FoundationICU, newer CLDR than the system's): its C interface, exported with a
// `swift_` prefix. Declared here by hand with the system ICU's types: ICU's C interface is stable across versions.
// Internal to CICU; the system ICU is used for syntax alone (MessagePattern), Foundation's for all locale data.

#pragma once

#include <unicode/udat.h>
#include <unicode/udatpg.h>
#include <unicode/uenum.h>
#include <unicode/unum.h>
#include <unicode/unumberformatter.h>
#include <unicode/upluralrules.h>

extern "C" {
UDateFormat *swift_udat_open(UDateFormatStyle timeStyle, UDateFormatStyle dateStyle, const char *locale, const UChar *tzID,
                             int32_t tzIDLength, const UChar *pattern, int32_t patternLength, UErrorCode *status);
void swift_udat_close(UDateFormat *format);
int32_t swift_udat_format(const UDateFormat *format, UDate dateToFormat, UChar *result, int32_t resultLength,
                          UFieldPosition *position, UErrorCode *status);

UDateTimePatternGenerator *swift_udatpg_open(const char *locale, UErrorCode *pErrorCode);
void swift_udatpg_close(UDateTimePatternGenerator *dtpg);
int32_t swift_udatpg_getBestPattern(UDateTimePatternGenerator *dtpg, const UChar *skeleton, int32_t length, UChar *bestPattern,
                                    int32_t capacity, UErrorCode *pErrorCode);

UNumberFormatter *swift_unumf_openForSkeletonAndLocale(const UChar *skeleton, int32_t skeletonLen, const char *locale,
                                                       UErrorCode *ec);
void swift_unumf_close(UNumberFormatter *uformatter);
UFormattedNumber *swift_unumf_openResult(UErrorCode *ec);
void swift_unumf_closeResult(UFormattedNumber *uresult);
void swift_unumf_formatDouble(const UNumberFormatter *uformatter, double value, UFormattedNumber *uresult, UErrorCode *ec);
void swift_unumf_formatInt(const UNumberFormatter *uformatter, int64_t value, UFormattedNumber *uresult, UErrorCode *ec);
int32_t swift_unumf_resultToString(const UFormattedNumber *uresult, UChar *buffer, int32_t bufferCapacity, UErrorCode *ec);

UNumberFormat *swift_unum_open(UNumberFormatStyle style, const UChar *pattern, int32_t patternLength, const char *locale,
                               UParseError *parseErr, UErrorCode *status);
void swift_unum_close(UNumberFormat *fmt);
int32_t swift_unum_formatDouble(const UNumberFormat *fmt, double number, UChar *result, int32_t resultLength,
                                UFieldPosition *pos, UErrorCode *status);

UPluralRules *swift_uplrules_openForType(const char *locale, UPluralType type, UErrorCode *status);
void swift_uplrules_close(UPluralRules *uplrules);
int32_t swift_uplrules_select(const UPluralRules *uplrules, double number, UChar *keyword, int32_t capacity, UErrorCode *status);
int32_t swift_uplrules_selectFormatted(const UPluralRules *uplrules, const UFormattedNumber *number, UChar *keyword,
                                       int32_t capacity, UErrorCode *status);
UEnumeration *swift_uplrules_getKeywords(const UPluralRules *uplrules, UErrorCode *status);
const char *swift_uenum_next(UEnumeration *en, int32_t *resultLength, UErrorCode *status);
void swift_uenum_close(UEnumeration *en);
}
