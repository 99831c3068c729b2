import AvatarAuth
import AvatarCore
import AvatarHTTP
import AvatarMetadata
import AvatarService
import CoreMetrics
import Foundation
import Logging
import RenderPipeline

/// `avatars import`: stores a directory's or manifest's files as avatars through the same
/// checks, original store and metadata as uploads, several at once. Runs beside servers on the
/// same stores and never opens the render cache; an entry whose key already holds the same
/// bytes is skipped unless forced, so an interrupted import is resumed by running it again.
public struct Importer: Sendable {
    /// How an import runs.
    public struct Options: Sendable {
        /// How e-mail keys are hashed; required when any key is an address.
        public var hash: EmailHash?
        /// The site key file for `hmac-sha256`.
        public var keyFile: String
        /// Entries imported at once.
        public var jobs = ProcessInfo.processInfo.activeProcessorCount
        /// Import even where a key already holds the same bytes (to apply a new rating or crop).
        public var force = false

        public init(hash: EmailHash?, keyFile: String) {
            self.hash = hash
            self.keyFile = keyFile
        }
    }

    /// A failed entry, as the report lists it.
    public struct Failure: Sendable, Equatable {
        public let key: String
        public let path: String
        public let reason: String
    }

    /// A source or option that stops the import before anything is written.
    public struct UsageError: Error, CustomStringConvertible {
        public let description: String
    }

    let entries: [ImportSource.Entry]
    let options: Options
    let siteKey: SiteHashKey?
    let maxUploadBytes: Int

    /// Most entries imported at once: past the render threads' queue, more only wait.
    public static let maxJobs = 256

    /// Reads the source and checks the options against it: every key an address needs
    /// `--hash`, and `hmac-sha256` the site key. The report at `reportPath` is never an entry,
    /// even when written into the source directory.
    public init(source: String, options: Options, maxUploadBytes: Int, reportPath: String) throws(UsageError) {
        let report = URL(fileURLWithPath: reportPath).standardizedFileURL.path
        do {
            entries = try ImportSource.entries(at: source).filter {
                $0.file.isEmpty || URL(fileURLWithPath: $0.file).standardizedFileURL.path != report
            }
        } catch { throw UsageError(description: error.description) }
        guard (1...Self.maxJobs).contains(options.jobs) else { throw UsageError(description: "--jobs must be 1 to \(Self.maxJobs)") }
        let addresses = entries.contains { if case .address = ImportKey($0.key) { true } else { false } }
        if addresses, options.hash == nil {
            throw UsageError(description: "some keys are e-mail addresses: choose how they are hashed with --hash md5|sha256|hmac-sha256")
        }
        if options.hash == .hmacSHA256 {
            do { siteKey = try SiteHashKey.load(path: options.keyFile) } catch { throw UsageError(description: error.description) }
        } else {
            siteKey = nil
        }
        self.options = options
        self.maxUploadBytes = maxUploadBytes
    }

    /// Entries the source names.
    public var total: Int { entries.count }

    /// Imports every entry through `service` (whose metadata is `index`, read raw to decide
    /// skips), counting into `progress`; the failures, in source order.
    public func run(service: AvatarService, index: any AvatarIndex, progress: ImportProgress) async -> [Failure] {
        var failures: [(position: Int, failure: Failure)] = []
        await withTaskGroup(of: (Int, ImportProgress.Outcome).self) { group in
            var next = entries.indices.makeIterator()
            func start() -> Bool {
                guard let position = next.next() else { return false }
                let entry = entries[position]
                group.addTask { (position, await importing(entry, service: service, index: index)) }
                return true
            }
            for _ in 0..<min(options.jobs, entries.count) where start() {}
            while let (position, outcome) = await group.next() {
                progress.record(outcome)
                if case .failed(let reason) = outcome {
                    let entry = entries[position]
                    failures.append((position, Failure(key: entry.key, path: entry.path, reason: reason)))
                }
                _ = start()
            }
        }
        return failures.sorted { $0.position < $1.position }.map(\.failure)
    }

    /// One entry: its key, rating and crop checked, its file read within the upload limit,
    /// skipped when its key holds these bytes already, else uploaded.
    func importing(_ entry: ImportSource.Entry, service: AvatarService, index: any AvatarIndex) async
        -> ImportProgress.Outcome
    {
        let hash: AvatarHash
        switch ImportKey(entry.key) {
        case .hash(let given): hash = given
        case .address(let address):
            guard let hashed = options.hash?.hash(address, key: siteKey) else { return .failed(reason: "invalid_key") }
            hash = hashed
        case .invalid: return .failed(reason: "invalid_key")
        }
        var rating = Rating.g
        if let text = entry.rating {
            guard let parsed = Rating(parameter: text) else { return .failed(reason: "invalid_rating") }
            rating = parsed
        }
        var crop: CropChoice?
        if let text = entry.crop {
            guard let parsed = CropChoice(parsing: text) else { return .failed(reason: "invalid_crop") }
            crop = parsed
        }
        let bytes: [UInt8]
        switch Self.read(entry.file, limit: maxUploadBytes) {
        case .success(let read): bytes = read
        case .failure(let reason): return .failed(reason: reason.rawValue)
        }
        do {
            if !options.force, let current = try await index.record(for: hash), current.original == OriginalVersion.of(bytes) {
                return .skipped
            }
            try await upload(bytes, hash: hash, rating: rating, crop: crop, service: service)
            return .imported
        } catch {
            return .failed(reason: error.code)
        }
    }

    /// Uploads through `service`, waiting and trying again (at most `attempts` times) while
    /// the render threads' queue is full: more jobs than threads only wait, they never fail.
    func upload(
        _ bytes: [UInt8], hash: AvatarHash, rating: Rating, crop: CropChoice?, service: AvatarService, attempts: Int = 20
    ) async throws(AvatarError) {
        for attempt in 1...attempts {
            do {
                _ = try await service.upload(bytes, for: hash, rating: rating, crop: crop)
                return
            } catch .overloaded where attempt < attempts {
                try? await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    /// Why a file could not be read.
    enum ReadFailure: String, Error {
        case missing = "missing_file"
        case unreadable = "unreadable_file"
        case tooLarge = "payload_too_large"
        case empty = "empty_body"
    }

    /// The bytes of `path`, refused past `limit` before they are read.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
        // Non-blocking, so a FIFO or a device named in the source never stalls the open.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return .failure(errno == ENOENT ? .missing : .unreadable) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.unreadable) }
        guard info.st_size <= limit else { return .failure(.tooLarge) }
        guard info.st_size > 0 else { return .failure(.empty) }
        // One byte more than its size is asked for: a file that changed while read is refused.
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { Glibc.read(descriptor, $0 + filled, buffer.count - filled) } ?? -1
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return .failure(.unreadable) }
            if count == 0 { break }
            filled += count
        }
        guard filled == size else { return .failure(.unreadable) }
        return .success(Array(bytes[..<size]))
    }

    /// The report: a header row, then each failure as `key,path,reason`, quoted where needed.
    public static func report(_ failures: [Failure]) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return (["key,path,reason"] + failures.map { [$0.key, $0.path, $0.reason].map(field).joined(separator: ",") })
            .joined(separator: "\r\n") + "\r\n"
    }
}
