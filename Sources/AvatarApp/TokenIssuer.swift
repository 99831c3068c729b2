import AvatarAuth

/// Upload tokens signed with the node's configured secrets, for `avatars token`.
public enum TokenIssuer {
    public static func make(config: AppConfig) async throws -> UploadTokens {
        await UploadTokens(keys: try config.tokenKeys().keys, leewaySeconds: config.authLeewaySeconds)
    }
}
