import Foundation
import DefaultAvatars

/// The page at `/`: what this origin is, its URL shapes, and every generated default drawn
/// live for one hash, for operators and developers meeting it for the first time.
enum OperatorPage {
    /// The hash the row of defaults is drawn for: MD5 of `avatars@example.com`.
    static let sampleHash = "589a7afc9806c8670305277d22e7d49b"

    /// No script, no third-party request; images only from this origin.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The page's HTML; `serverName` is what the server calls itself.
    static func html(serverName: String, defaultSize: Int, maxSize: Int) -> String {
        let defaults = GeneratedDefault.showcase.map { kind -> String in
            var query = "d=\(kind.keyword)&f=y&s=64"
            if case .initials(let name) = kind { query += "&name=\(name.replacingOccurrences(of: " ", with: "+"))" }
            return """
                <li><img src="/avatar/\(sampleHash)?\(escaped(query))" width="64" height="64" alt="\(kind.keyword)"><code>d=\(kind.keyword)</code></li>
                """
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escaped(serverName))</title>
            <link rel="stylesheet" href="/ui/site.css">
            </head>
            <body>
            <main>
            <h1>\(escaped(serverName))</h1>
            <p>An avatar service and CDN origin: an image stored under a hash comes back as an exact
            square of any size, with strong validators and long cache lifetimes. URLs of Gravatar's
            shape work under <code>/avatar/</code>.</p>
            <h2>URLs</h2>
            <table>
            <tr><th>URL</th><th>answers</th></tr>
            <tr><td><code>GET /&lt;hash&gt;?s=N</code></td><td>the avatar as an N px square (1 to \(maxSize), default \(defaultSize)), in its original's family</td></tr>
            <tr><td><code>GET /&lt;hash&gt;.webp?s=N</code></td><td>the same in a chosen format: <code>.jpg</code>, <code>.png</code>, <code>.webp</code>, <code>.avif</code>, <code>.gif</code></td></tr>
            <tr><td><code>GET /avatar/&lt;hash&gt;?s=&amp;d=&amp;f=&amp;r=</code></td><td>Gravatar's parameters: size, default, force the default, rating</td></tr>
            <tr><td><code>?dpr=2&amp;shape=circle&amp;bg=RRGGBB&amp;anim=0</code></td><td>density, a round avatar, the colour JPEG flattens onto, the first frame of an animation</td></tr>
            <tr><td><code>GET /info/&lt;hash&gt;</code></td><td>facts as JSON, with a dominant colour and a ThumbHash placeholder</td></tr>
            <tr><td><code>PUT /&lt;hash&gt;</code></td><td>an upload, with an upload token in <code>Authorization: Bearer</code></td></tr>
            <tr><td><code>GET /upload#token=&lt;jwt&gt;</code></td><td>a page where a person picks, frames and saves their avatar</td></tr>
            <tr><td><code>GET /upload/limits</code></td><td>what uploads may be: size, pixels, types</td></tr>
            <tr><td><code>GET /openapi.json</code></td><td>the API description (OpenAPI 3.1)</td></tr>
            </table>
            <h2>Letting people set their avatar</h2>
            <p>Sign an upload token for a person's hash on your server (<code>avatars token --hash H</code>, or
            any HS256 JWT with the claims <code>hash</code> and <code>exp</code>) and send them to
            <code>/upload#token=&lt;token&gt;</code>. The token travels in the fragment, so it never reaches a
            log; the page lets them pick a picture, frame its square and save it. To show the page in a
            frame of your own site, add your site's origin to <code>ui.embedOrigins</code>: the page then
            posts <code>{type: "avatars:uploaded", hash, version, url}</code> to it once saved.</p>
            <h2>Generated defaults</h2>
            <p>What a hash without an avatar shows with each <code>d</code>, drawn now for <code>\(sampleHash)</code>:</p>
            <ul class="defaults">
            \(defaults)
            </ul>
            </main>
            </body>
            </html>

            """
    }

    /// `text` safe inside HTML text and double-quoted attributes.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
