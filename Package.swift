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
    ],
    targets: [
        .target(name: "NagiosPlugin"),
        .target(name: "SystemProbes", dependencies: ["NagiosPlugin"]),
        .target(name: "Checks", dependencies: ["NagiosPlugin", "SystemProbes"]),
        .executableTarget(name: "vigil-plugins", dependencies: ["Checks", "NagiosPlugin"]),
        .target(name: "Analytics", dependencies: ["NagiosPlugin"]),
        .testTarget(
            name: "NagiosPluginTests",
            dependencies: ["NagiosPlugin"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "SystemProbesTests", dependencies: ["SystemProbes"]),
        .testTarget(name: "ChecksTests", dependencies: ["Checks", "NagiosPlugin", "SystemProbes"]),
        .testTarget(name: "EndToEndTests", dependencies: ["NagiosPlugin"]),
    ],
    swiftLanguageModes: [.v6]
)
