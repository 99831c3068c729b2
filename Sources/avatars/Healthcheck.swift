import ArgumentParser
import AvatarApp

/// `avatars healthcheck`: exit 0 when this machine's server answers `/healthz`, else 1.
struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when the server on this machine (http.host, http.port) answers /healthz, else 1.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        guard await HealthProbe.check(config: try await options.load()) else { throw ExitCode.failure }
    }
}
