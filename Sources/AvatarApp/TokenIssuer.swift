import AvatarAuth

/// Upload tokens signed with the node's configured secret, for `avatars token`.
public enum TokenIssuer {
    public static func make(config: AppConfig) async throws -> UploadTokens {
        let secret = try JWTSecret.load(
            secret: config.jwtSecret, secretFile: config.jwtSecretFile, generatedPath: config.generatedSecretPath)
        return await UploadTokens(secret: secret.bytes, leewaySeconds: config.authLeewaySeconds)
    }
}
