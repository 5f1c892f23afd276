/// The compiler's version, written into every generated file's header.
public enum NetcVersion {
    public static let string = "0.1.0"
}
