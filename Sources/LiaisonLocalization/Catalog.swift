import Foundation
import LiaisonModel

/// One message of a catalog: a unit of an XLIFF file.
public struct CatalogMessage: Sendable, Hashable {
    /// The unit id.
    public var key: String
    /// The ICU MessageFormat pattern in the catalog's language: the target, or the source in the source catalog.
    public var text: String
    /// The source text the unit carries.
    public var source: String
    /// The unit's notes for translators, joined by newlines.
    public var note: String?
    /// File and line of the unit; `field` is the key.
    public var location: SourceLocation
    /// False for a unit whose target is missing, empty or in state initial / new / needs-translation: lookups skip it.
    public var isTranslated: Bool

    public init(
        key: String, text: String, source: String? = nil, note: String? = nil, location: SourceLocation? = nil,
        isTranslated: Bool = true
    ) {
        self.key = key
        self.text = text
        self.source = source ?? text
        self.note = note
        self.location = location ?? SourceLocation(file: "", field: key)
        self.isTranslated = isTranslated
    }
}

/// The messages of one language, merged from all its files.
public struct Catalog: Sendable {
    public var locale: LanguageTag
    /// True for the catalog of the source language (the files without a target language).
    public var isSource: Bool
    public var messages: [String: CatalogMessage]
    /// The files that contributed, in load order.
    public var files: [String]

    public init(locale: LanguageTag, isSource: Bool = false, messages: [String: CatalogMessage] = [:], files: [String] = []) {
        self.locale = locale
        self.isSource = isSource
        self.messages = messages
        self.files = files
    }

    /// A catalog from key → pattern pairs, every message translated (for tests and other modules).
    public init(locale: LanguageTag, isSource: Bool = false, texts: [String: String], file: String = "") {
        self.init(
            locale: locale, isSource: isSource,
            messages: texts.reduce(into: [:]) { messages, entry in
                messages[entry.key] = CatalogMessage(
                    key: entry.key, text: entry.value, location: SourceLocation(file: file, field: entry.key))
            },
            files: file.isEmpty ? [] : [file])
    }
}

/// Coverage of one locale against the source catalog, for the report.
public struct LocaleCoverage: Sendable, Hashable, Codable {
    public var locale: LanguageTag
    /// Source keys the locale has translated.
    public var translated: Int
    /// Keys in the source catalog.
    public var total: Int
    /// Source keys the locale lacks or has untranslated, sorted.
    public var missing: [String]

    public init(locale: LanguageTag, translated: Int, total: Int, missing: [String]) {
        self.locale = locale
        self.translated = translated
        self.total = total
        self.missing = missing
    }

    /// 0…1; 1 when the source catalog is empty.
    public var fraction: Double { total == 0 ? 1 : Double(translated) / Double(total) }
}

/// Every catalog of a school, by language.
public struct CatalogSet: Sendable {
    public var sourceLocale: LanguageTag?
    public var catalogs: [LanguageTag: Catalog]
    /// Each pattern's analysis (ICU's parse: the most work of `validate`), kept for the copies of this set.
    private let analyses = PatternAnalyses()

    public init(catalogs: [Catalog]) {
        self.catalogs = Dictionary(catalogs.map { ($0.locale, $0) }, uniquingKeysWith: { _, later in later })
        sourceLocale = catalogs.first(where: \.isSource)?.locale
    }

    public init(catalogs: [Catalog], sourceLocale: LanguageTag?) {
        self.init(catalogs: catalogs)
        self.sourceLocale = sourceLocale
        for locale in self.catalogs.keys {
            self.catalogs[locale]?.isSource = locale == sourceLocale
        }
    }

    /// Every locale with a catalog, sorted.
    public var locales: [LanguageTag] { catalogs.keys.sorted() }

    public var sourceCatalog: Catalog? { sourceLocale.flatMap { catalogs[$0] } }

    /// The message for `key` at the first locale of `chain.available` that has it translated.
    public func message(_ key: String, along chain: LocaleChain) -> (message: CatalogMessage, locale: LanguageTag)? {
        for locale in chain.available {
            if let message = catalogs[locale]?.messages[key], message.isTranslated { return (message, locale) }
        }
        return nil
    }

    /// A resolver over these catalogs.
    public func resolver(schoolDefault: LanguageTag) -> LocaleResolver {
        LocaleResolver(
            available: Set(catalogs.keys), schoolDefault: schoolDefault, sourceLocale: sourceLocale ?? schoolDefault)
    }

    /// Keys of the source catalog that `locale` lacks or has untranslated (state initial / empty target), sorted.
    public func missingKeys(for locale: LanguageTag) -> [String] {
        guard let source = sourceCatalog else { return [] }
        let messages = catalogs[locale]?.messages ?? [:]
        return source.messages.keys.filter { messages[$0]?.isTranslated != true }.sorted()
    }

    /// Coverage figures for the report: per locale, translated count / source count.
    public func coverage() -> [LocaleCoverage] {
        let total = sourceCatalog?.messages.count ?? 0
        return locales.map { locale in
            let missing = missingKeys(for: locale)
            return LocaleCoverage(locale: locale, translated: total - missing.count, total: total, missing: missing)
        }
    }
}

// MARK: - Loading

extension CatalogSet {
    /// Loads every *.xliff / *.xlf file in the folders (later folders override earlier ones key by key; several files
    /// per locale merge). Never throws: problems become diagnostics (catalog.xml-syntax with libxml2's line,
    /// catalog.not-xliff, catalog.missing-language, catalog.invalid-language, catalog.duplicate-key, catalog.no-source).
    ///
    /// Files are read in name order within a folder, folders in the order given; subfolders are not read. A unit that
    /// is not translated never replaces a translated one. catalog.duplicate-key warns about two translations of one key
    /// for one locale within one folder (the later file in name order wins). A folder that does not exist is skipped (the configuration
    /// check reports it).
    public static func load(directories: [String], limits: InputLimits = .standard) -> (CatalogSet, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var entries: [LanguageTag: [String: (message: CatalogMessage, folder: Int)]] = [:]
        var files: [LanguageTag: [String]] = [:]
        var sourceFiles: [(locale: LanguageTag, location: SourceLocation)] = []
        var declaredSources: [(locale: LanguageTag, location: SourceLocation)] = []

        let (read, readProblems) = XLIFFReader.readFolders(directories, limits: limits, what: "catalog")
        diagnostics += readProblems
        for (folder, path, sections) in read {
            for section in sections {
                let locale = section.targetLanguage ?? section.sourceLanguage
                let isSourceFile = section.targetLanguage == nil
                let at = SourceLocation(file: path, line: section.line)
                if isSourceFile {
                    sourceFiles.append((locale, at))
                } else {
                    declaredSources.append((section.sourceLanguage, at.field("srcLang")))
                }
                if !(files[locale]?.contains(path) ?? false) { files[locale, default: []].append(path) }
                for unit in section.units {
                    let message = CatalogMessage(
                        key: unit.id, text: isSourceFile ? unit.source : (unit.target ?? ""), source: unit.source,
                        note: unit.note, location: SourceLocation(file: path, line: unit.line, field: unit.id),
                        isTranslated: isSourceFile ? !unit.source.isEmpty : unit.isTranslated)
                    if let existing = entries[locale]?[unit.id] {
                        // Two translations of a key in one folder conflict; an untranslated copy (an exported
                        // `…missing.xliff` next to the file it came from) does not.
                        if existing.folder == folder, existing.message.isTranslated, message.isTranslated {
                            diagnostics.append(
                                .warning(
                                    "catalog.duplicate-key",
                                    "key '\(unit.id)' appears twice for \(locale) (first at \(Self.place(existing.message.location)));"
                                        + " the later one wins",
                                    at: message.location))
                        }
                        if existing.message.isTranslated, !message.isTranslated { continue }
                    }
                    entries[locale, default: [:]][unit.id] = (message, folder)
                }
            }
        }

        var sourceLocale = sourceFiles.first?.locale
        if sourceLocale == nil {
            // No file without a target language: accept a catalog translated "into" the source language itself.
            sourceLocale = declaredSources.map(\.locale).first { entries[$0] != nil }
        }
        if let sourceLocale {
            for declared in declaredSources where declared.locale != sourceLocale {
                diagnostics.append(
                    .warning(
                        "catalog.no-source",
                        "this file was translated from \(declared.locale), but the source catalog is \(sourceLocale)",
                        at: declared.location))
            }
        } else {
            let folders = directories.isEmpty ? "no catalog folder" : directories.joined(separator: ", ")
            diagnostics.append(
                .error(
                    "catalog.no-source",
                    "no source catalog (an XLIFF file with srcLang and no trgLang) in \(folders)",
                    at: directories.first.map { SourceLocation(file: $0) }))
        }

        let catalogs = entries.map { locale, messages in
            Catalog(
                locale: locale, isSource: locale == sourceLocale, messages: messages.mapValues(\.message),
                files: files[locale] ?? [])
        }
        var set = CatalogSet(catalogs: catalogs)
        set.sourceLocale = sourceLocale
        return (set, diagnostics)
    }

    static func isCatalogFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return !name.hasPrefix(".") && (lower.hasSuffix(".xliff") || lower.hasSuffix(".xlf"))
    }

    public static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func place(_ location: SourceLocation) -> String {
        location.line.map { "\(location.file):\($0)" } ?? location.file
    }
}

// MARK: - Validation

extension CatalogSet {
    /// Per-locale validation for `check`: MessageFormat syntax (catalog.syntax), CLDR plural categories each locale
    /// needs (catalog.missing-plural-category, catalog.missing-other; explicit =N selectors don't count as
    /// categories), argument names not in `knownArguments` (catalog.unknown-argument), keys missing vs the source
    /// catalog (catalog.missing-key, one per locale, listing keys), keys the source lacks (catalog.orphan-key).
    /// Returns diagnostics with file:line of the unit and field = key.
    ///
    /// - Parameter defaultLocale: the school's default locale; when given, catalog.no-source is reported if no catalog
    ///   of its language and script serves it. (A missing source catalog is reported by `load`.)
    ///
    /// Untranslated units are not checked (they are never used). The plural categories required are those whole
    /// numbers take (``PluralRules/requiredCategories(for:ordinal:)``).
    public func validate(knownArguments: Set<String>, defaultLocale: LanguageTag? = nil) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let sourceKeys = Set(sourceCatalog?.messages.keys.map { $0 } ?? [])

        if let defaultLocale {
            let chain = resolver(schoolDefault: defaultLocale).chain(for: defaultLocale)
            if chain.available.isEmpty || chain.fallbackKind == .otherLanguage {
                diagnostics.append(
                    .error(
                        "catalog.no-source",
                        "the school's default locale \(defaultLocale) has no catalog"
                            + (sourceLocale.map { " (the source catalog is \($0))" } ?? "")))
            }
        }

        for locale in locales {
            guard let catalog = catalogs[locale] else { continue }
            for message in catalog.messages.values.sorted(by: Self.inFileOrder) where message.isTranslated {
                diagnostics += check(message, locale: locale, knownArguments: knownArguments)
            }
            guard sourceLocale != nil, !catalog.isSource else { continue }
            let missing = missingKeys(for: locale)
            if !missing.isEmpty {
                let shown = missing.prefix(20).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
                diagnostics.append(
                    .warning(
                        "catalog.missing-key",
                        "\(locale) lacks \(missing.count) of \(sourceKeys.count) messages (they fall back): \(shown)",
                        at: catalog.files.first.map { SourceLocation(file: $0) }))
            }
            for message in catalog.messages.values.sorted(by: Self.inFileOrder) where !sourceKeys.contains(message.key) {
                diagnostics.append(
                    .warning(
                        "catalog.orphan-key",
                        "'\(message.key)' (\(locale)) is not in the source catalog"
                            + (sourceLocale.map { " (\($0))" } ?? ""),
                        at: message.location))
            }
        }
        return diagnostics
    }

    static func inFileOrder(_ left: CatalogMessage, _ right: CatalogMessage) -> Bool {
        if left.location.file != right.location.file { return left.location.file < right.location.file }
        if left.location.line != right.location.line { return (left.location.line ?? 0) < (right.location.line ?? 0) }
        return left.key < right.key
    }

    /// Analyses every translated pattern now, so that `validate` finds them done: a loader calls it where it has a
    /// core to spare (while the roster loads). `validate` gives the same diagnostics either way.
    public func analyzeAll() {
        for (locale, catalog) in catalogs {
            for message in catalog.messages.values where message.isTranslated {
                _ = analyses.info(message.text, locale: locale)
            }
        }
    }

    func check(_ message: CatalogMessage, locale: LanguageTag, knownArguments: Set<String>) -> [Diagnostic] {
        let at = message.location.field(message.key)
        let info: MessagePatternInfo
        switch analyses.info(message.text, locale: locale) {
        case .success(let found): info = found
        case .failure(let error): return [.error("catalog.syntax", "'\(message.key)' (\(locale)): \(error.message)", at: at)]
        }
        var diagnostics: [Diagnostic] = []
        for missing in info.missingCategories {
            let needed = PluralRules.requiredCategories(for: locale, ordinal: missing.kind == .selectordinal)
            diagnostics.append(
                .error(
                    "catalog.missing-plural-category",
                    "'\(message.key)' (\(locale)): \(missing.kind.rawValue) argument '\(missing.argument)' lacks "
                        + missing.missing.joined(separator: ", ")
                        + " (\(locale) needs \(needed.joined(separator: ", ")); =N selectors do not count)",
                    at: at))
        }
        for name in info.lacksOther {
            let kind = info.arguments.first { $0.name == name && [.plural, .select, .selectordinal].contains($0.kind) }?.kind
            diagnostics.append(
                .error(
                    "catalog.missing-other",
                    "'\(message.key)' (\(locale)): \(kind?.rawValue ?? "plural") argument '\(name)' has no 'other' branch",
                    at: at))
        }
        for name in info.argumentNames where !knownArguments.contains(name) {
            diagnostics.append(
                .warning(
                    "catalog.unknown-argument",
                    "'\(message.key)' (\(locale)) uses argument '\(name)', which Liaison does not provide",
                    at: at))
        }
        return diagnostics
    }
}

// MARK: - Writing

/// Writes XLIFF 2.0 for translators.
public enum XLIFFWriter {
    /// An XLIFF 2.0 document (srcLang = source locale, trgLang = locale) with one unit per missing key: <source> and
    /// notes from the source catalog, an empty <target/> and state="initial"; id = key. Readable back by
    /// CatalogSet.load (untranslated units count as missing).
    public static func missingDocument(for locale: LanguageTag, in catalogs: CatalogSet) -> String {
        let source: LanguageTag = catalogs.sourceLocale ?? "en"
        let messages = catalogs.sourceCatalog?.messages ?? [:]
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" \
            srcLang="\(escape(source.rawValue, attribute: true))" trgLang="\(escape(locale.rawValue, attribute: true))">
              <file id="liaison">

            """
        for key in catalogs.missingKeys(for: locale) {
            guard let message = messages[key] else { continue }
            let notes = (message.note ?? "").split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            xml += untranslatedUnit(id: key, notes: notes, source: message.text)
        }
        xml += "  </file>\n</xliff>\n"
        return xml
    }

    /// One unit for a translator: its notes, the source text, an empty target, state="initial".
    static func untranslatedUnit(id: String, notes: [String], source: String) -> String {
        var xml = "    <unit id=\"\(escape(id, attribute: true))\">\n"
        if !notes.isEmpty {
            xml += "      <notes>\n"
            for note in notes { xml += "        <note>\(escape(note, attribute: false))</note>\n" }
            xml += "      </notes>\n"
        }
        xml += "      <segment state=\"initial\">\n"
        xml += "        <source>\(escape(source, attribute: false))</source>\n"
        xml += "        <target/>\n"
        xml += "      </segment>\n"
        xml += "    </unit>\n"
        return xml
    }

    /// XML-escapes text; characters XML 1.0 cannot carry are dropped.
    static func escape(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "\n" where attribute: result += "&#10;"
            case "\r": result += "&#13;"
            case "\t" where attribute: result += "&#9;"
            default:
                let value = scalar.value
                let allowed = value == 0x9 || value == 0xA || (0x20...0xD7FF).contains(value)
                    || (0xE000...0xFFFD).contains(value) || value >= 0x10000
                if allowed { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}

/// Pattern analyses by text and locale, shared by the copies of one catalog set.
final class PatternAnalyses: @unchecked Sendable {
    private struct Key: Hashable {
        var text: ExactText
        var locale: LanguageTag
    }

    private let lock = NSLock()
    private var results: [Key: Result<MessagePatternInfo, MessageFormatError>] = [:]

    func info(_ text: String, locale: LanguageTag) -> Result<MessagePatternInfo, MessageFormatError> {
        let key = Key(text: ExactText(text), locale: locale)
        if let found = lock.withLock({ results[key] }) { return found }
        let made = Result { () throws(MessageFormatError) in try MessagePattern.analyze(text, locale: locale) }
        lock.withLock { results[key] = made }
        return made
    }
}
