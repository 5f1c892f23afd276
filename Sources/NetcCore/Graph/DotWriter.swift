/// Graphviz DOT for a graph: forward edges solid, gradient edges dashed red.
/// Gradient edges run against the forward ones, so they are drawn with
/// `constraint=false`: the layout is the forward graph's, top to bottom.
public enum DotWriter {
    public static func dot(_ graph: Graph, backward: BackwardGraph? = nil) -> String {
        var out = "digraph \(quote(graph.name)) {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for n in graph.nodes {
            var label = "\(n.name)\\n\(n.op.name) [\(n.size)]"
            for p in n.parameters { label += "\\n\(graph.parameters[p].name) \(graph.parameters[p].shape)" }
            out += "  n\(n.id) [label=\(quote(label))\(n.id == graph.input ? ", shape=ellipse" : "")];\n"
        }
        out += "  loss [label=\(quote("loss\\n\(graph.loss.rule.name)")), shape=doubleoctagon];\n"
        for n in graph.nodes { for i in n.inputs { out += "  n\(i) -> n\(n.id);\n" } }
        out += "  n\(graph.loss.logits) -> loss;\n"
        if let backward {
            out += "  edge [style=dashed, color=red, fontcolor=red, constraint=false];\n"
            out += "  loss -> n\(graph.loss.logits) [label=\"seed\"];\n"
            for e in backward.edges {
                out += "  n\(e.from) -> n\(e.to) [label=\(quote(e.accumulates ? "+= δ" : "= δ"))];\n"
            }
            // A parameter's gradient hangs below its node (that edge may shape the layout).
            out += "  edge [constraint=true];\n"
            for (node, tensor) in backward.parameterGradients {
                out += "  g\(tensor) [label=\(quote("∂" + graph.parameters[tensor].name)), shape=note, color=red];\n"
                out += "  n\(node) -> g\(tensor);\n"
            }
        }
        return out + "}\n"
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacing("\"", with: "\\\"") + "\""
    }
}
