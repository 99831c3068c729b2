// swift-tools-version: 6.2

import PackageDescription

// libFuzzer targets over the parsers of untrusted input. Build and run them with
// `scripts/deep-check` (or `scripts/fuzz`); a plain `swift build` here cannot link, since
// libFuzzer provides `main`.
let package = Package(
    name: "FuzzTesting",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "avatars", path: "..")],
    targets: [
        .executableTarget(
            name: "AvatarsFuzz",
            dependencies: [.product(name: "FuzzTargets", package: "avatars")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
