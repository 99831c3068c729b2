import AvatarCore
import AvatarService
import Foundation
import Hummingbird
import NIOCore

/// `GET` and `HEAD /info/<hash>`: an avatar's facts and placeholder as JSON, with the
/// validators, freshness and `r` rules of its images.
struct InfoController {
    let service: AvatarService
    let decision: AnswerDecision
    let metrics: RequestMetrics

    func addRoutes(to router: Router<AvatarRequestContext>) {
        router.get("/info/{name}", use: get)
        router.head("/info/{name}", use: get)
    }

    /// The record, then, unless the decision answers without it, the summary.
    @Sendable func get(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        guard let hash = AvatarHash(try context.parameters.require("name")) else { throw AvatarError.invalidHash }
        let query = request.uri.queryParameters
        let question = InfoQuestion(
            hash: hash, version: query.get("v"),
            rating: try RenderRequest.rating(query.get("r") ?? query.get("rating")) ?? .g,
            isHead: request.method == .head, conditions: ConditionalRequest(request.headers))
        // As for images: a record read while changes were not followed lags.
        let laggedBefore = service.recordsMayLag
        let record = try await service.record(for: hash)
        let recordsMayLag = laggedBefore || service.recordsMayLag
        var outcome = decision.decide(info: question, record: record, body: nil, recordsMayLag: recordsMayLag)
        if outcome == .needsRender, let record {
            let body = InfoBody(record, try await service.summary(of: record))
            outcome = decision.decide(
                info: question, record: record, body: ByteBuffer(bytes: try body.json()), recordsMayLag: recordsMayLag)
        }
        guard case .answer(let answer) = outcome else {
            throw AvatarError.internalFailure(reason: "no answer with the facts at hand")
        }
        metrics.answeredByRouter()
        return answer.response
    }
}
