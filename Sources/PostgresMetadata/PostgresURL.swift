import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:pass@host:port/db?sslmode=...` URL, parsed (postgres-nio has no
/// parser of its own). User, password and database are percent-decoded.
public struct PostgresURL: Sendable, Equatable {
    public enum SSLMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var username: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String?
    public var sslMode: SSLMode

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(_ text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw Invalid(reason: "not a URL")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw Invalid(reason: "the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(reason: "no host") }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Invalid(reason: "no user name")
        }
        self.username = user
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw Invalid(reason: "port \(port) is out of range") }
        let path = components.percentEncodedPath.drop { $0 == "/" }
        self.database = path.isEmpty ? nil : path.removingPercentEncoding
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                throw Invalid(reason: "sslmode must be disable, prefer, require or verify-full")
            }
            sslMode = mode
        }
        self.sslMode = sslMode
    }

    /// `require` encrypts without checking the certificate, as libpq does; `verify-full`
    /// checks the certificate and the host name.
    private var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if sslMode != .verifyFull { configuration.certificateVerification = .none }
        return configuration
    }

    /// TLS for the connection pool.
    public var clientTLS: PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration)
        case .require, .verifyFull: .require(tlsConfiguration)
        }
    }

    /// TLS for a single connection (the listener, migrations).
    public func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
    }

    /// A configuration for one connection, naming itself to the server.
    public func connectionConfiguration(applicationName: String) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try connectionTLS())
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }
}
