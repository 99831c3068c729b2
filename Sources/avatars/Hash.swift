import ArgumentParser
import AvatarApp
import AvatarAuth
import AvatarCore
import Foundation

/// `avatars hash`: the private identifier of an e-mail address, HMAC-SHA256 under the site key.
struct Hash: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the private hash (HMAC-SHA256 under the site key) of an e-mail address.",
        discussion: """
            The address is trimmed of ASCII whitespace and lower-cased first. The key is the text of \
            --key-file (default: auth.hashKeyFile), created once with --init-key and copied to every \
            machine that hashes addresses; without it nothing is hashed.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The e-mail address.")
    var email: String?

    @Option(help: "The site key file (default: auth.hashKeyFile, data/hash-key).")
    var keyFile: String?

    @Flag(help: "Create the site key file (64 random hex characters, mode 0600); never replaces one.")
    var initKey = false

    func validate() throws {
        guard initKey == (email == nil) else {
            throw ValidationError(initKey ? "--init-key takes no address" : "give an e-mail address, or --init-key")
        }
    }

    func run() async throws {
        let path: String
        if let keyFile { path = keyFile } else { path = try await options.load().hashKeyFile }
        do {
            if initKey {
                _ = try SiteHashKey.create(path: path)
                print("created the site hash key \(path)")
                return
            }
            guard let email, let hash = EmailHash.hmacSHA256.hash(email, key: try SiteHashKey.load(path: path)) else { return }
            print(hash.value)
        } catch {
            FileHandle.standardError.write(Data("avatars hash: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
