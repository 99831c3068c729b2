// swift-tools-version: 6.2

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Tests import only what they use directly; member visibility checks stay on for Sources.
let testSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// Locks everywhere: NIO's pthread-based lock, which ThreadSanitizer sees. It does not see
/// Swift's `Mutex` on Linux, and reports every access under one as a race.
let locks: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")

let package = Package(
    name: "avatars",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "avatars", targets: ["avatars"]),
        // For the libFuzzer package in FuzzTesting/, which builds with its own sanitizers.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System libraries and the C shim over libvips' variadic API.
        .systemLibrary(name: "CVipsSystem", path: "Sources/CVipsSystem", pkgConfig: "vips",
                       providers: [.apt(["libvips-dev"])]),
        .target(name: "CVips", dependencies: ["CVipsSystem"], path: "Sources/CVips"),
        .target(name: "CVipsProbe", dependencies: ["CVipsSystem"], path: "Sources/CVipsProbe"),
        .target(name: "CProcess", path: "Sources/CProcess"),
        // OpenCV's cascade face detector behind a C interface; Debian keeps its headers under opencv4/.
        .target(
            name: "CFaces", path: "Sources/CFaces",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
            linkerSettings: [
                .linkedLibrary("opencv_objdetect"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core"),
            ]
        ),
        .target(
            name: "AvatarTestSupport",
            dependencies: [locks,
                "CVipsProbe", "PostgresMetadata", "Purges", .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),

        .target(
            name: "AvatarCore",
            dependencies: [locks,
                "CProcess",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "LMDB", dependencies: ["CLMDB", locks], swiftSettings: swiftSettings),
        .target(
            name: "RenderCache",
            dependencies: [locks,
                "AvatarCore", "LMDB",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DefaultAvatars",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RenderPipeline",
            dependencies: ["CVips", "CFaces", "AvatarCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "S3",
            dependencies: [locks,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OriginalStorage",
            dependencies: [
                "AvatarCore", "S3",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AvatarMetadata",
            dependencies: [locks, "AvatarCore", "LMDB", "Purges"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Purges",
            dependencies: [locks,
                "AvatarCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PostgresMetadata",
            dependencies: [locks,
                "Purges",
                "AvatarCore", "AvatarMetadata",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AvatarAuth",
            dependencies: [
                "AvatarCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AvatarService",
            dependencies: [locks,
                "AvatarCore", "RenderPipeline", "RenderCache", "OriginalStorage", "AvatarMetadata", "DefaultAvatars",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AvatarHTTP",
            dependencies: [locks,
                "AvatarCore", "AvatarService", "AvatarMetadata", "AvatarAuth", "DefaultAvatars", "RenderPipeline",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("openapi.json"), .copy("ui")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AvatarApp",
            dependencies: [locks,
                "AvatarCore", "RenderPipeline", "RenderCache", "OriginalStorage", "AvatarMetadata", "AvatarAuth",
                "AvatarService", "AvatarHTTP", "S3", "PostgresMetadata", "DefaultAvatars", "CProcess", "Purges",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FuzzTargets",
            dependencies: [
                "AvatarCore", "AvatarAuth", "AvatarHTTP", "AvatarService", "DefaultAvatars", "RenderPipeline",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "avatars",
            dependencies: [
                "AvatarApp", "AvatarAuth", "AvatarCore", "AvatarService", "PostgresMetadata",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Tests. AvatarTestSupport holds the fixtures' location and an image probe.
        .testTarget(name: "AvatarCoreTests", dependencies: ["AvatarCore", "AvatarTestSupport", locks], swiftSettings: testSettings),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], swiftSettings: testSettings),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"], swiftSettings: testSettings),
        .testTarget(
            name: "PurgesTests",
            dependencies: [
                "Purges", "AvatarCore", "AvatarMetadata", "AvatarTestSupport", locks,
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: testSettings),
        .testTarget(
            name: "DefaultAvatarsTests", dependencies: ["DefaultAvatars"], swiftSettings: testSettings
        ),
        .testTarget(
            name: "RenderCacheTests",
            dependencies: [
                "RenderCache", "AvatarTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "RenderPipelineTests", dependencies: ["RenderPipeline", "AvatarCore", "AvatarTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "S3Tests",
            dependencies: ["S3", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "OriginalStorageTests",
            dependencies: [
                "OriginalStorage", "AvatarCore", "AvatarTestSupport", "S3", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "AvatarMetadataTests", dependencies: ["AvatarMetadata", "AvatarCore", "AvatarTestSupport", locks],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "PostgresMetadataTests",
            dependencies: [
                "Purges",
                "PostgresMetadata", "AvatarMetadata", "AvatarCore", "AvatarTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "AvatarAuthTests",
            dependencies: [
                "AvatarAuth", "AvatarCore", "AvatarTestSupport", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "AvatarServiceTests",
            dependencies: [
                "AvatarService", "AvatarCore", "RenderPipeline", "RenderCache", "OriginalStorage", "AvatarMetadata",
                "AvatarTestSupport", locks,
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "AvatarHTTPTests",
            dependencies: [
                "AvatarHTTP", "AvatarApp", "AvatarCore", "AvatarAuth", "RenderPipeline", "AvatarService", "DefaultAvatars", "AvatarTestSupport", "S3",
                "PostgresMetadata", "AvatarMetadata",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "AvatarAppTests",
            dependencies: [
                "AvatarApp", "AvatarTestSupport",
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: testSettings
        ),
    ]
)
