import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A webhook receiver for tests: a real HTTP server that records every request it gets.
actor PurgeReceiver {
    struct Received: Sendable {
        let method: String
        let path: String
        let headers: HTTPFields
        let body: [UInt8]
        let at: ContinuousClock.Instant
    }

    private(set) var received: [Received] = []

    func record(_ request: Received) { received.append(request) }

    /// Serves on `port` (0: any) while `body` runs; `body` gets the port. Not through
    /// HummingbirdTesting, whose live servers always take a port of their own choosing.
    func serve<T: Sendable>(port: Int = 0, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.on("/{path}", method: .post) { [self] request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            await record(
                Received(
                    method: request.method.rawValue, path: request.uri.path, headers: request.headers,
                    body: Array(bytes.readableBytesView), at: .now))
            return Response(status: .noContent)
        }
        let (bound, boundTo) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                boundTo.yield(channel.localAddress?.port ?? port)
                boundTo.finish()
            }, logger: Logger(label: "purge-receiver"))
        let services = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "purge-receiver")))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var ports = bound.makeAsyncIterator()
            guard let listening = await ports.next() else { throw ReceiverDidNotStart() }
            do {
                let result = try await body(listening)
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    struct ReceiverDidNotStart: Error {}
}

/// A Varnish in front of a node, with the README's VCL (`config/varnish/avatars.vcl`).
final class VarnishProcess: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let directory: String

    /// Whether this machine has Varnish with the xkey vmod.
    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/varnishd")
            && FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/varnish/vmods/libvmod_xkey.so")
    }

    init(port: Int, backendPort: Int) throws {
        self.port = port
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let vcl = try String(contentsOf: root.appendingPathComponent("config/varnish/avatars.vcl"), encoding: .utf8)
            .replacingOccurrences(of: ".port = \"8080\";", with: ".port = \"\(backendPort)\";")
        // varnishd compiles VCL as an unprivileged user: everything it reads must be world-readable.
        directory = "/tmp/avatars-varnish-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try vcl.write(toFile: directory + "/avatars.vcl", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory + "/avatars.vcl")
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/varnishd")
        process.arguments = [
            "-F", "-a", "127.0.0.1:\(port)", "-f", directory + "/avatars.vcl", "-n", directory + "/work",
            "-s", "malloc,64m", "-T", "none",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until Varnish answers (its child has compiled the VCL and listens).
    func waitUntilServing() async throws {
        for _ in 0..<200 {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw VarnishDidNotStart()
    }

    struct VarnishDidNotStart: Error {}

    /// Every process of this Varnish: the manager and the child that serves.
    private var processes: [pid_t] {
        let children = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8)) ?? ""
        return [process.processIdentifier] + children.split(separator: " ").compactMap { pid_t($0) }
    }

    /// The `xkey-purge` value of every `PURGE` this Varnish has taken, from its shared log.
    func purges() throws -> [String] {
        let log = Process()
        log.executableURL = URL(fileURLWithPath: "/usr/bin/varnishlog")
        log.arguments = ["-n", directory + "/work", "-d", "-g", "request", "-q", "ReqMethod eq \"PURGE\"", "-i", "ReqHeader"]
        let output = Pipe()
        log.standardOutput = output
        log.standardError = FileHandle.nullDevice
        try log.run()
        // `-d` prints what the log holds and exits: the pipe's end is the answer's end.
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "xkey-purge: ", options: .caseInsensitive) else { return nil }
            return String(line[range.upperBound...])
        }
    }

    /// `SIGSTOP`: Varnish takes connections into its backlog but answers nothing.
    func pause() { for pid in processes { kill(pid, SIGSTOP) } }

    func resume() { for pid in processes.reversed() { kill(pid, SIGCONT) } }

    /// Kills it outright: its state is a temporary directory. Never waits without a bound
    /// (Foundation's `waitUntilExit` can hang here).
    func stop() {
        for pid in processes { kill(pid, SIGKILL) }
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// GETs through a cache or straight from a node.
enum Fetch {
    struct Answer: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    static func get(_ url: String) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(body.readableBytesView))
    }

    /// Polls `url` until `done` holds for its answer; when the attempt that held was sent (see
    /// `poll`), or `nil` past `limit`.
    static func until(
        _ url: String, within limit: Duration, _ done: @Sendable (Answer) -> Bool
    ) async throws -> Duration? {
        try await poll(upTo: limit) {
            guard let answer = try? await get(url) else { return false }
            return done(answer)
        }
    }
}
