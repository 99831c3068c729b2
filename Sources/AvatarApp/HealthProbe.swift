import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `avatars healthcheck`: asks this machine's server for `/healthz`, as a container's
/// `HEALTHCHECK` does, without curl in the image.
public enum HealthProbe {
    /// Whether the server the configuration describes answers `/healthz` with `200` within
    /// `seconds`; a server bound to every address is asked on loopback.
    public static func check(config: AppConfig, seconds: Int64 = 3) async -> Bool {
        let host = ["0.0.0.0", "::", ""].contains(config.host) ? "127.0.0.1" : config.host
        let address = host.contains(":") ? "[\(host)]" : host
        var request = HTTPClientRequest(url: "http://\(address):\(config.port)/healthz")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(seconds))
            return response.status == .ok
        } catch {
            return false
        }
    }
}
