import Configuration

/// A configuration value that is present but unusable. Start-up stops on it, naming the key:
/// a bad value never falls back to a default.
public struct ConfigFailure: Error, CustomStringConvertible {
    public let key: String
    public let reason: String

    public var description: String { "configuration key \(key): \(reason)" }
}

/// Strict reads over a `ConfigReader`: missing means the default, present but invalid
/// (wrong type, out of range, unknown choice) is a `ConfigFailure`.
struct ConfigValues {
    let reader: ConfigReader

    func string(_ key: String, default defaultValue: String) throws(ConfigFailure) -> String {
        try optionalString(key) ?? defaultValue
    }

    func optionalString(_ key: String) throws(ConfigFailure) -> String? {
        try read(key, as: "a string") { try reader.requiredString(forKey: ConfigKey(key), isSecret: key.lowercased().contains("secret")) }
    }

    /// A list of strings: an array in the JSON file, comma-separated in the environment.
    func strings(_ key: String) throws(ConfigFailure) -> [String] {
        try read(key, as: "a list of strings") {
            try reader.requiredStringArray(forKey: ConfigKey(key), isSecret: key.lowercased().contains("secret"))
        } ?? []
    }

    func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigFailure) -> Int {
        guard let value = try read(key, as: "a whole number", { try reader.requiredInt(forKey: ConfigKey(key)) }) else {
            return defaultValue
        }
        guard range.contains(value) else {
            throw ConfigFailure(key: key, reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func bool(_ key: String) throws(ConfigFailure) -> Bool? {
        try read(key, as: "true or false") { try reader.requiredBool(forKey: ConfigKey(key)) }
    }

    func choice(_ key: String, default defaultValue: String, from allowed: [String]) throws(ConfigFailure) -> String {
        let value = try string(key, default: defaultValue)
        guard allowed.contains(value) else {
            throw ConfigFailure(key: key, reason: "\"\(value)\" is not one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    /// One of an enumeration's cases, by its raw value.
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: Choice) throws(ConfigFailure)
        -> Choice where Choice.RawValue == String
    {
        let value = try choice(key, default: defaultValue.rawValue, from: Choice.allCases.map(\.rawValue))
        return Choice(rawValue: value) ?? defaultValue
    }

    /// swift-configuration reports a missing key and an unconvertible value through the same
    /// throwing call; only the first may become a default.
    private func read<T>(_ key: String, as kind: String, _ body: () throws -> T) throws(ConfigFailure) -> T? {
        do {
            return try body()
        } catch {
            if "\(error)".hasPrefix("Missing required config value") { return nil }
            throw ConfigFailure(key: key, reason: "the value is not \(kind)")
        }
    }
}
