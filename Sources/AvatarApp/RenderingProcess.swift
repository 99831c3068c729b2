import CProcess

/// Process-wide settings of every command that renders (`serve`, and any later command
/// that decodes images), made before any render thread exists.
public enum RenderingProcess {
    /// Makes the settings; call first thing, once.
    public static func prepare() {
        // glibc gives threads arenas of their own (up to 8 per core) and each keeps what a
        // render freed, tens of MiB for a large original; two arenas bound that, with
        // renders no slower. MALLOC_ARENA_MAX still decides when set.
        avatars_limit_malloc_arenas(2)
    }
}
