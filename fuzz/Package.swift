// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for Liaison's parsers and renderers. A package of its own, so that the root package's
// `swift build` and `swift test` never see these targets, and so that it can be built with
// `-sanitize=fuzzer,address` without touching the root's build folder. Build and run it with scripts/fuzz.sh;
// fuzz/README.md describes the targets and the input format of each.
let model: Target.Dependency = .product(name: "LiaisonModel", package: "liaison")

let package = Package(
    name: "liaison-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "liaison", path: ".."),
    ],
    targets: [
        // Splitting an input into parts, a scratch folder for loaders that read files.
        .target(name: "FuzzSupport"),
        // libFuzzer's driver, called from each target's entry point.
        .target(name: "FuzzDriver"),

        .executableTarget(
            name: "fuzz-csv",
            dependencies: ["FuzzSupport", "FuzzDriver", model, .product(name: "LiaisonInputs", package: "liaison")]
        ),
        .executableTarget(
            name: "fuzz-config",
            dependencies: ["FuzzSupport", "FuzzDriver", model, .product(name: "LiaisonInputs", package: "liaison")]
        ),
        .executableTarget(
            name: "fuzz-ical",
            dependencies: ["FuzzSupport", "FuzzDriver", model, .product(name: "LiaisonInputs", package: "liaison")]
        ),
        .executableTarget(
            name: "fuzz-xliff",
            dependencies: ["FuzzSupport", "FuzzDriver", model, .product(name: "LiaisonLocalization", package: "liaison")]
        ),
        .executableTarget(
            name: "fuzz-render",
            dependencies: [
                "FuzzSupport", "FuzzDriver", model,
                .product(name: "LiaisonLocalization", package: "liaison"),
                .product(name: "LiaisonRender", package: "liaison"),
            ]
        ),
        .executableTarget(
            name: "fuzz-mime",
            dependencies: ["FuzzSupport", "FuzzDriver", model, .product(name: "LiaisonDelivery", package: "liaison")]
        ),
    ]
)

// Each target defines `LLVMFuzzerTestOneInput` and an entry point (`<module>_main`, which SwiftPM links as `main`)
// that hands over to libFuzzer's driver; no top-level code.
for target in package.targets where target.type == .executable {
    target.swiftSettings = [.unsafeFlags(["-parse-as-library"])]
}
