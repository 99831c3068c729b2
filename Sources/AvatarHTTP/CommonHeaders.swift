import HTTPTypes

/// Headers every response carries, answers and errors alike: any site may embed avatars,
/// browsers must not second-guess the declared content type, and the server names itself.
enum CommonHeaders {
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    static func add(to fields: inout HTTPFields, serverName: String) {
        fields[.accessControlAllowOrigin] = "*"
        fields[contentTypeOptions] = "nosniff"
        fields[.server] = serverName
    }
}
