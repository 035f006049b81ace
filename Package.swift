// swift-tools-version:6.0
import PackageDescription

// Plugins (the `check_*` executables) link only NagiosPlugin + Checks: no Foundation,
// no swift-argument-parser, so that each exec costs no more than the C plugin.
let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NagiosPlugin", targets: ["NagiosPlugin"]),
        .executable(name: "vigil-plugins", targets: ["vigil-plugins"]),
        .executable(name: "vigil-analytics", targets: ["vigil-analytics"]),
        .executable(name: "vigil-collector", targets: ["vigil-collector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CGlibcExtras", path: "Sources/CGlibcExtras"),
        .target(name: "NagiosPlugin", dependencies: ["CGlibcExtras"]),
        .target(name: "SystemProbes", dependencies: ["NagiosPlugin"]),
        .target(name: "Checks", dependencies: ["NagiosPlugin", "SystemProbes"]),
        .executableTarget(name: "vigil-plugins", dependencies: ["Checks", "NagiosPlugin"]),
        .systemLibrary(name: "CRRD", path: "Sources/CRRD", pkgConfig: "librrd", providers: [.apt(["librrd-dev"])]),
        .target(name: "RRD", dependencies: ["CRRD"]),
        .target(name: "RRDTesting", dependencies: ["RRD"]),
        .testTarget(name: "RRDTests", dependencies: ["RRD", "RRDTesting"]),
        .target(name: "Collector", dependencies: [
            "RRD", "NagiosPlugin", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "vigil-collector", dependencies: [
            "Collector", "RRD", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "CollectorTests", dependencies: [
            "Collector", "RRD", "RRDTesting", "vigil-collector", .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Fixtures"]),
        .target(name: "Analytics", dependencies: ["NagiosPlugin", "CGlibcExtras", "RRD", "Collector", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "vigil-analytics", dependencies: [
            "Analytics", "NagiosPlugin", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(
            name: "NagiosPluginTests",
            dependencies: ["NagiosPlugin"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "SystemProbesTests", dependencies: ["SystemProbes", "NagiosPlugin"], exclude: ["Fixtures"]),
        .testTarget(name: "ChecksTests", dependencies: ["Checks", "NagiosPlugin", "SystemProbes"]),
        .testTarget(name: "EndToEndTests", dependencies: ["NagiosPlugin"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalyticsTests", dependencies: [
            "Analytics", "Checks", "NagiosPlugin", "RRD", "RRDTesting", "Collector",
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
