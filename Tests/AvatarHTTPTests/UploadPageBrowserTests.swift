import AvatarTestSupport
import Foundation
import Testing

/// The upload page in Debian's chromium, driven by Selenium (`Tests/Browser/upload_page.py`):
/// pick, frame by pointer and keyboard, save and check the stored crop; an EXIF-rotated photo;
/// refusals in plain words; an expired token; progress; remove; nothing from another origin;
/// 320 px; the embed message with and without `ui.embedOrigins`. Two real servers, one of them
/// allowing the framing page's origin.
@Suite(.serialized) struct UploadPageBrowserTests {
    @Test func thePageWorksInARealBrowser() async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["AVATARS_TEST_PYTHON"],
            "AVATARS_TEST_PYTHON names the Python with Selenium (scripts/test-services start sets it)")
        let (port, embedPort, parentPort) = (try KillTests.freePort(), try KillTests.freePort(), try KillTests.freePort())
        var plain = KillTests.environment(port: port, data: try temporaryDirectory("avatars-browser"))
        plain["AVATARS_IMAGES_DEFAULT"] = "404"
        var embedding = KillTests.environment(port: embedPort, data: try temporaryDirectory("avatars-browser-embed"))
        embedding["AVATARS_UI_EMBED_ORIGINS"] = "http://localhost:\(parentPort)"
        let servers = [try KillTests.start(environment: plain), try KillTests.start(environment: embedding)]
        defer { for server in servers { server.terminate() } }
        try await KillTests.waitUntilServing(port: port)
        try await KillTests.waitUntilServing(port: embedPort)

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Browser/upload_page.py").path
        let run = try await AvatarsCommand.run(
            executable: python,
            [script, String(port), String(embedPort), KillTests.secret, String(parentPort), Fixtures.directory.path]
                + (ProcessInfo.processInfo.environment["AVATARS_SCREENSHOTS"].map { [$0] } ?? []))
        let report = run.output + run.errors
        #expect(run.status == 0, "\(report.suffix(6000))")
        #expect(report.contains("ok    the stored crop is the box the page showed"), "\(report.suffix(3000))")
    }
}
