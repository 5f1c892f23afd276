import NetcRuntime

/// The compiler's version (the runtime's, one place), written into every generated file's header.
public typealias NetcVersion = NetcRuntime.NetcVersion
