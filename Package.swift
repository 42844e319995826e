// swift-tools-version: 6.1
import PackageDescription

// Liaison: inputs → plan → render → outbox → channels → acknowledgements.
// Each library target depends only on the stages before it.
let package = Package(
    name: "liaison",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "liaison", targets: ["liaison"]),
        .library(name: "LiaisonModel", targets: ["LiaisonModel"]),
        // For the fuzz package (fuzz/Package.swift), which builds these with -sanitize=fuzzer,address.
        .library(name: "LiaisonInputs", targets: ["LiaisonInputs"]),
        .library(name: "LiaisonLocalization", targets: ["LiaisonLocalization"]),
        .library(name: "LiaisonRender", targets: ["LiaisonRender"]),
        .library(name: "LiaisonDelivery", targets: ["LiaisonDelivery"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Without swift-configuration (ConfigurationSupport): Liaison maps its own YAML, and the package is ~50 files to build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // bcrypt for staff passwords (HummingbirdBcrypt alone: its C bcrypt, no other dependency).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // C shims
        .target(
            name: "CICU",
            // The system ICU parses; Foundation's ICU (shipped with Swift, newer CLDR) formats.
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata"), .linkedLibrary("_FoundationICU")]
        ),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // zlib, to unpack XLSForm workbooks (.xlsx is a ZIP of XML parts).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CXMLShim", dependencies: ["CLibXML2"]),
        // SHA-256, HMAC and random bytes from the system's OpenSSL libcrypto, which libcurl already links: swift-crypto
        // would build BoringSSL (~450 files) for the same three functions.
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // SPSS .sav files of survey results (`liaison survey results --format sav`).
        .systemLibrary(name: "CReadStat", providers: [.apt(["libreadstat-dev"])]),

        // Pipeline stages
        .target(name: "LiaisonModel"),
        // Digests, keyed hashes and secure random bytes for the stages that store or sign.
        .target(name: "LiaisonCrypto", dependencies: ["CCrypto"]),
        .target(
            name: "LiaisonInputs",
            dependencies: [
                "LiaisonModel", "LiaisonCurl", "CZlib", .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "LiaisonLocalization",
            dependencies: ["LiaisonModel", "LiaisonCurl", "CICU", "CLibXML2", "CXMLShim"]
        ),
        .target(
            name: "LiaisonRender",
            dependencies: [
                "LiaisonModel", "LiaisonLocalization", "CLibXML2", "CXMLShim",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // One planning stage: occurrences, the planner and the one queuer every send goes through.
        .target(
            name: "LiaisonPlan",
            dependencies: ["LiaisonModel", "LiaisonRender"]
        ),
        .target(
            name: "LiaisonStore",
            dependencies: ["LiaisonModel", .product(name: "GRDB", package: "GRDB.swift"), "LiaisonCrypto"]
        ),
        // libcurl behind small Swift types: one engine thread per relay or gateway.
        .target(name: "LiaisonCurl", dependencies: ["CCurl"]),
        .target(
            name: "LiaisonDelivery",
            dependencies: [
                "LiaisonModel", "LiaisonInputs", "LiaisonRender", "LiaisonPlan", "LiaisonStore", "LiaisonCurl",
                "LiaisonCrypto",
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "LiaisonCheck",
            dependencies: ["LiaisonModel", "LiaisonInputs", "LiaisonLocalization", "LiaisonRender"]
        ),
        .executableTarget(
            name: "liaison",
            dependencies: [
                "LiaisonModel", "LiaisonInputs", "LiaisonLocalization", "LiaisonRender", "LiaisonCheck", "LiaisonPlan", "LiaisonStore",
                "LiaisonDelivery", "LiaisonServer", "LiaisonDaemon", "LiaisonCurl", "LiaisonCrypto", "CReadStat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The acknowledgement pages, the webhook API for gateways, health and metrics, over Hummingbird.
        .target(
            name: "LiaisonServer",
            dependencies: [
                "LiaisonModel", "LiaisonLocalization", "LiaisonRender", "LiaisonStore", "LiaisonCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // The long-running service: scheduler, dispatcher, escalation and HTTP, with reload and graceful shutdown.
        .target(
            name: "LiaisonDaemon",
            dependencies: [
                "LiaisonModel", "LiaisonInputs", "LiaisonLocalization", "LiaisonRender", "LiaisonCheck", "LiaisonPlan", "LiaisonStore",
                "LiaisonDelivery", "LiaisonServer", "LiaisonCurl",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // Real local servers (SMTP, HTTP) for the tests, started and stopped by PID.
        .target(name: "LiaisonTestSupport", dependencies: ["LiaisonModel"], path: "Sources/LiaisonTestSupport"),

        // Tests
        .testTarget(name: "LiaisonModelTests", dependencies: ["LiaisonModel"]),
        .testTarget(name: "LiaisonCryptoTests", dependencies: ["LiaisonCrypto"]),
        .testTarget(name: "LiaisonInputsTests", dependencies: ["LiaisonInputs", "LiaisonCurl", "LiaisonTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LiaisonLocalizationTests", dependencies: ["LiaisonLocalization", "LiaisonTestSupport"]),
        .testTarget(name: "LiaisonRenderTests", dependencies: ["LiaisonRender", "LiaisonLocalization", "LiaisonModel"]),
        .testTarget(
            name: "LiaisonDaemonTests",
            dependencies: ["LiaisonDaemon", "LiaisonCheck", "LiaisonPlan", "LiaisonStore", "LiaisonDelivery", "LiaisonServer",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "LiaisonPlanTests", dependencies: ["LiaisonPlan", "LiaisonStore", "LiaisonCheck", "LiaisonInputs"]),
        .testTarget(name: "LiaisonStoreTests", dependencies: ["LiaisonStore", "LiaisonTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "LiaisonCurlTests", dependencies: ["LiaisonCurl", "LiaisonTestSupport"]),
        .testTarget(
            name: "LiaisonDeliveryTests", dependencies: ["LiaisonDelivery", "LiaisonStore", "LiaisonTestSupport"], exclude: ["check_eml.py"]
        ),
        .testTarget(
            name: "LiaisonIntegrationTests", dependencies: ["LiaisonModel", "LiaisonLocalization", "LiaisonStore", "LiaisonTestSupport", "liaison"],
            exclude: ["language_check.py", "page_accessibility.py", "desk_browser.py", "survey_judge.py"]
        ),
        .testTarget(
            name: "LiaisonServerTests",
            dependencies: [
                "LiaisonServer", "LiaisonCurl", .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "LiaisonCheckTests", dependencies: ["LiaisonCheck", "LiaisonRender", "LiaisonInputs"], exclude: ["Fixtures", "Golden"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
