/// netc's version: the compiler's and the runtime's, written into generated
/// files' headers and safetensors metadata.
public enum NetcVersion {
    public static let string = "0.1.0"
}
