/// The page at `/upload`: a person picks a picture, frames its square, previews it and saves
/// it with the upload token from the URL fragment (`/upload#token=<jwt>`). The script is
/// `ui/upload.js`; this is its markup and its policy.
enum UploadPage {
    /// Scripts, styles and requests from this origin only; pictures also as blob: and data:
    /// URLs (the picked file and its previews); framed only by `embedOrigins`.
    static func contentSecurityPolicy(embedOrigins: [String]) -> String {
        let ancestors = embedOrigins.isEmpty ? "'none'" : embedOrigins.joined(separator: " ")
        return "default-src 'self'; img-src 'self' blob: data:; base-uri 'none'; form-action 'self'; frame-ancestors \(ancestors)"
    }

    /// The markup; `embedOrigins` are told to the script, which posts its one message to each.
    static func html(serverName: String, embedOrigins: [String]) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="avatars-embed-origins" content="\(OperatorPage.escaped(embedOrigins.joined(separator: " ")))">
        <title>Your avatar</title>
        <link rel="stylesheet" href="/ui/site.css">
        <script src="/ui/upload.js" defer></script>
        </head>
        <body>
        <main class="upload">
        <h1>Your avatar</h1>
        <p id="alert" role="alert" aria-live="assertive"></p>
        <p id="status" role="status" aria-live="polite"></p>
        <div id="drop" class="drop">
        <input id="file" type="file" accept="image/jpeg,image/png,image/webp,image/gif,image/avif,image/heic,image/heif">
        <label for="file">Choose a picture</label>
        <p>or drop one here</p>
        </div>
        <div class="stage-clip"><div id="stage" class="stage" hidden>
        <img id="picture" alt="The picture you chose">
        <div id="frame" class="frame" tabindex="0" role="slider" aria-label="The square your avatar shows: arrows move it, plus and minus resize it">
        <div id="handle" class="handle" aria-hidden="true"></div>
        </div>
        </div></div>
        <div class="previews" aria-label="Previews">
        <canvas class="preview" width="32" height="32" aria-label="32 pixel preview"></canvas>
        <canvas class="preview" width="64" height="64" aria-label="64 pixel preview"></canvas>
        <canvas class="preview" width="128" height="128" aria-label="128 pixel preview"></canvas>
        <canvas class="preview round" width="32" height="32" aria-label="32 pixel round preview"></canvas>
        <canvas class="preview round" width="64" height="64" aria-label="64 pixel round preview"></canvas>
        <canvas class="preview round" width="128" height="128" aria-label="128 pixel round preview"></canvas>
        </div>
        <progress id="progress" max="1" value="0" hidden aria-label="Upload progress"></progress>
        <div class="actions">
        <button id="save" class="primary" type="button" disabled>Save</button>
        <button id="remove" type="button">Remove</button>
        </div>
        <img id="saved" alt="Your avatar as \(OperatorPage.escaped(serverName)) shows it" width="128" height="128" hidden>
        <dialog id="confirm" aria-labelledby="confirm-title">
        <p id="confirm-title">Remove your avatar? People will see the default picture instead.</p>
        <div class="actions">
        <button id="confirm-remove" class="primary" type="button">Remove</button>
        <button id="cancel" type="button">Cancel</button>
        </div>
        </dialog>
        </main>
        </body>
        </html>

        """
    }
}
